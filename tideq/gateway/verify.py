"""The staff verify page (`/staff/verify`): is this ticket genuine, today's, and where is it?

Staff scan a ticket's QR code (a handheld scanner types it into the field, or the phone's own
scanner pastes the page address) and the server checks it: the MAC under the hall secret, as the
ticket page does (tideq.contract.ticket_page.read_qr reads both what a QR can carry: the page
address and the verify string), the hall day against the controller's (`state/queue`), and the
status from the state the gateway already holds. The answer holds nothing a ticket's own page does
not show, so it needs no login; it is rate-limited like every page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from tideq.config.schema import HallConfig
from tideq.contract.ticket_page import read_qr

from .bus import Snapshot
from .i18n import STRINGS
from .pages import _page
from .views import ticket_view

MAX_CODE = 512  # characters of a scanned code read at all

VERIFY_STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "verify_title": "验票",
        "verify_hint": "扫描票上的二维码，或输入二维码下的校验串",
        "verify_code": "二维码内容",
        "verify_check": "查验",
        "verify_genuine": "真票：{number}",
        "verify_forged": "不是本大厅签发的票",
        "verify_forged_sub": "校验失败：号码或校验码被改动，或为其他大厅的票。请请市民到综合咨询窗口核实。",
        "verify_other_day": "真票，但不是今天的（{day}）",
        "verify_other_day_sub": "号码只在取号当日有效，请市民重新取号。",
        "verify_unavailable": "暂时无法查询排队状态（未连接叫号系统），票面校验已通过。",
        "status_waiting": "等候中：前面 {n} 人",
        "status_called": "正在 {window} 办理",
        "status_skipped": "已过号（可重新排队至 {time}）",
        "status_done": "已办结或已失效",
    },
    "en": {
        "verify_title": "Check a ticket",
        "verify_hint": "Scan the QR code on the ticket, or type the verify code printed under it",
        "verify_code": "QR code content",
        "verify_check": "Check",
        "verify_genuine": "Genuine: {number}",
        "verify_forged": "Not a ticket of this hall",
        "verify_forged_sub": "The code does not verify: its number or code was altered, or it is another hall's. "
        "Ask the visitor to check at the General Enquiries window.",
        "verify_other_day": "Genuine, but not today's ({day})",
        "verify_other_day_sub": "A number is valid on the day it was taken; the visitor takes a new one.",
        "verify_unavailable": "The queue's state is not available right now (no link to the controller); "
        "the ticket itself verifies.",
        "status_waiting": "Waiting: {n} ahead",
        "status_called": "Being served at {window}",
        "status_skipped": "Skipped (may rejoin until {time})",
        "status_done": "Served or no longer valid",
    },
}


def vt(lang: str, key: str, **kw: Any) -> str:
    text = VERIFY_STRINGS[lang][key]
    return text.format(**kw) if kw else text


def verify_view(cfg: HallConfig, secret: bytes, snap: Snapshot, code: str, *, stale: bool) -> dict[str, Any]:
    """What staff are told about a scanned code: `result` genuine / forged / other_day, and for
    today's genuine ticket its number and the ticket page's view of its status."""
    ref = read_qr(secret, cfg.hall.id, code[:MAX_CODE]) if len(code) <= MAX_CODE else None
    if ref is None:
        return {"result": "forged"}
    out: dict[str, Any] = {"result": "genuine", "number": ref.number, "day": ref.day.isoformat()}
    if not snap.ready or snap.day is None:
        out["status"] = None
        return out
    if ref.day != snap.day:
        out["result"] = "other_day"
        return out
    out["status"] = ticket_view(cfg, snap, ref.number, notify_ahead=0, stale=stale)
    return out


def _status_line(view: dict[str, Any], lang: str) -> str:
    st = view["status"]
    if st == "waiting":
        return vt(lang, "status_waiting", n=view.get("ahead") if view.get("ahead") is not None else "?")
    if st == "called":
        return vt(lang, "status_called", window=view["window"]["name"][lang])
    if st == "skipped":
        return vt(lang, "status_skipped", time=str(view.get("rejoin_until") or "")[11:16])
    return vt(lang, "status_done")


def verify_main(result: dict[str, Any] | None, lang: str) -> str:
    """The `<main>` of the verify page: the form, and the answer for the code checked."""
    parts = [
        '<main id="tq-main" class="verify">',
        '<form method="get" action="/staff/verify" class="card">',
        f'<label for="tq-code" class="label">{escape(vt(lang, "verify_hint"))}</label>',
        f'<input id="tq-code" name="code" maxlength="{MAX_CODE}" autocomplete="off" autofocus '
        f'placeholder="{escape(vt(lang, "verify_code"))}">',
        f'<input type="hidden" name="lang" value="{lang}">',
        f'<button class="button" id="tq-check" type="submit">{escape(vt(lang, "verify_check"))}</button></form>',
    ]
    if result is not None:
        r = result["result"]
        parts.append(f'<section class="card result result-{r}" id="tq-result" data-result="{r}">')
        if r == "forged":
            parts.append(f'<p class="big">✗ {escape(vt(lang, "verify_forged"))}</p>')
            parts.append(f"<p>{escape(vt(lang, 'verify_forged_sub'))}</p>")
        elif r == "other_day":
            parts.append(f'<p class="big">! {escape(vt(lang, "verify_other_day", day=result["day"]))}</p>')
            parts.append(f'<p class="number">{escape(result["number"])}</p>')
            parts.append(f"<p>{escape(vt(lang, 'verify_other_day_sub'))}</p>")
        else:
            parts.append(f'<p class="big">✓ {escape(vt(lang, "verify_genuine", number=result["number"]))}</p>')
            view = result.get("status")
            if view is None:
                parts.append(f'<p class="warn">{escape(vt(lang, "verify_unavailable"))}</p>')
            else:
                svc = view.get("service")
                if svc:
                    parts.append(f"<p>{escape(svc['name'][lang])}</p>")
                parts.append(
                    f'<p class="status" id="tq-status" data-status="{view["status"]}">'
                    f"{escape(_status_line(view, lang))}</p>"
                )
        parts.append("</section>")
    parts.append("</main>")
    return "".join(parts)


def verify_page(result: dict[str, Any] | None, lang: str) -> str:
    other = "en" if lang == "zh" else "zh"
    assert set(VERIFY_STRINGS) == set(STRINGS)  # one language set for every page
    body = verify_main(result, lang)
    return _page(lang, vt(lang, "verify_title"), body, script=None, data=None, other=f"?lang={other}")
