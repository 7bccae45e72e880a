"""The bilingual reasons of tidal decisions: short texts for the hall manager and the boards,
each built from the figures the decision rests on. Wording lives here, logic in policy.py."""

from __future__ import annotations

from ..engine import Engine
from .signals import Signals
from .types import Text


def minutes(seconds: int | None) -> str:
    return "?" if seconds is None else str(round(seconds / 60))


def names(engine: Engine, wid: str, *sids: str) -> tuple[str, ...]:
    """(zh, en) of the window, then of each service (ids where the config has no name)."""
    w = engine.cfg.window(wid)
    out = [w.name.zh if w else wid, w.name.en if w else wid]
    for sid in sids:
        svc = engine.cfg.service(sid)
        out += [svc.name.zh if svc else sid, svc.name.en if svc else sid]
    return tuple(out)


def warn(engine: Engine, sg: Signals, hot: list[str], blocked: Text | None) -> Text:
    """A standing alert: which thresholds hold, and why the policy cannot help (then the manager must)."""
    svc = engine.cfg.service(sg.service)
    zh_name, en_name = (svc.name.zh, svc.name.en) if svc else (sg.service, sg.service)
    zh, en = [], []
    if "eta" in hot:
        zh.append(f"预计等待{minutes(sg.eta_s)}分钟")
        en.append(f"predicted wait {minutes(sg.eta_s)} min")
    if "queue" in hot:
        zh.append(f"{sg.waiting}人排队")
        en.append(f"{sg.waiting} waiting")
    if "crowd" in hot:
        zh.append("区域拥挤")
        en.append("zone crowded")
    text = {"zh": f"{zh_name}：{'，'.join(zh)}", "en": f"{en_name}: {', '.join(en)}"}
    if blocked:
        text = {
            "zh": f"{text['zh']}（{blocked['zh']}，请管理员处理）",
            "en": f"{text['en']} ({blocked['en']}; manager please act)",
        }
    return text


def cleared() -> Text:
    return {"zh": "负荷已恢复正常", "en": "load back to normal"}


def declined_opening() -> Text:
    return {"zh": "管理员已拒绝开放建议", "en": "the manager declined opening"}


def manually_closed() -> Text:
    return {"zh": "管理员刚手动关闭该业务潮汐窗口", "en": "the manager closed its tidal window"}


def budget_used() -> Text:
    return {"zh": "本小时潮汐切换次数已用完", "en": "tidal switch budget for this hour is used"}


def no_free_window() -> Text:
    return {"zh": "无空闲潮汐窗口", "en": "no free tidal window"}


def open_window(engine: Engine, window: str, sg: Signals) -> Text:
    w = engine.cfg.window(window)
    name = engine.cfg.service(sg.service)
    return {
        "zh": f"开放{w.name.zh if w else window}办理{name.name.zh if name else sg.service}：预计等待"
        f"{minutes(sg.projected_eta_s)}分钟",
        "en": f"open {w.name.en if w else window} for {name.name.en if name else sg.service}: "
        f"predicted wait {minutes(sg.projected_eta_s)} min",
    }


def move_after_visitor(engine: Engine, wid: str, origin: str, target: str) -> Text:
    n = names(engine, wid, origin, target)
    return {"zh": f"{n[0]}办完当前业务后改办{n[4]}", "en": f"{n[1]} moves to {n[5]} after its current visitor"}


def move(engine: Engine, wid: str, origin: str, sg: Signals) -> Text:
    n = names(engine, wid, origin, sg.service)
    return {
        "zh": f"{n[0]}由{n[2]}改办{n[4]}：预计等待{minutes(sg.projected_eta_s)}分钟",
        "en": f"move {n[1]} from {n[3]} to {n[5]}: predicted wait {minutes(sg.projected_eta_s)} min",
    }


def window_names(engine: Engine, wid: str) -> tuple[str, str]:
    wcfg = engine.cfg.window(wid)
    return (wcfg.name.zh, wcfg.name.en) if wcfg else (wid, wid)


def close_after_visitor(engine: Engine, wid: str) -> Text:
    zh, en = window_names(engine, wid)
    return {"zh": f"{zh}办完当前业务后关闭", "en": f"{en} closes after its current visitor"}


def close(engine: Engine, wid: str, eta_without_s: int | None) -> Text:
    zh, en = window_names(engine, wid)
    return {
        "zh": f"关闭{zh}：负荷已回落，预计等待{minutes(eta_without_s)}分钟",
        "en": f"close {en}: load is down, predicted wait {minutes(eta_without_s)} min without it",
    }
