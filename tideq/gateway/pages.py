"""HTML of the ticket page and the hall live page: one renderer, on the server. The first load gets
the whole page; every live update (SSE) carries the re-rendered `<main>` with the view's data, and
the page's script swaps it in and raises the alerts. So the page reads right without script, and
what an update shows can never drift from what a reload shows.

Small-phone first (360 px wide), system fonts (Chinese renders with whatever CJK font the phone
has), no external resources, no cookies, no inline script (the CSP forbids it), ES5 script for
the browsers built into WeChat.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from .i18n import LANGS, STRINGS, t


def _minutes(eta_s: int) -> int:
    return max(1, -(-eta_s // 60))


def _hhmm(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M") if iso else ""


def _page(lang: str, title: str, body: str, *, script: str | None, data: dict[str, Any] | None, other: str) -> str:
    data_block = ""
    if data is not None:
        blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        data_block = f'<script type="application/json" id="tq-data">{blob}</script>'
    js = f'<script src="/static/{script}" defer></script>' if script else ""
    return (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/static/gateway.css">{js}</head>'
        f'<body><header class="bar"><span class="brand">{escape(title)}</span>'
        f'<a class="lang" id="tq-lang" href="{escape(other)}">{escape(t(lang, "other_lang"))}</a></header>'
        f"{body}{data_block}</body></html>"
    )


def _other_lang(lang: str) -> str:
    return next(x for x in LANGS if x != lang)


# ---------------------------------------------------------------------------------------- ticket
def ticket_main(view: dict[str, Any], lang: str, hall_name: dict[str, str]) -> str:
    """The `<main>` of the ticket page for one view."""
    status = view["status"]
    svc = view.get("service")
    svc_name = escape(svc["name"][lang]) if svc else ""
    parts = [
        f'<main id="tq-main" class="ticket status-{status}" data-status="{status}">',
        f'<p class="hall">{escape(hall_name[lang])}</p>',
        f'<section class="card"><p class="label">{escape(t(lang, "your_number"))}</p>',
        f'<p class="number" id="tq-number">{escape(view["number"])}</p>',
        f'<p class="service">{svc_name}</p></section>',
    ]
    if status == "waiting" and view["ahead"] is None:
        parts.append(f'<section class="state"><p class="ahead">{escape(t(lang, "updating"))}</p></section>')
    elif status == "waiting":
        n = view["ahead"]
        if view.get("near"):
            key = "near_next" if n == 0 else "near"
            parts.append(f'<section class="alert near" role="alert">{escape(t(lang, key, n=n))}</section>')
        ahead = t(lang, "ahead", n=n) if n else t(lang, "ahead_none")
        eta = view.get("eta_s")
        if eta is None:
            eta_text = t(lang, "eta_unknown")
        elif eta == 0:
            eta_text = t(lang, "eta_soon")
        else:
            eta_text = t(lang, "eta", m=_minutes(eta))
        parts.append(
            f'<section class="state"><p class="ahead" id="tq-ahead" data-ahead="{n}">{escape(ahead)}</p>'
            f'<p class="eta">{escape(eta_text)}</p></section>'
        )
    elif status == "called":
        window = view["window"]["name"][lang]
        parts.append(
            f'<section class="alert called" role="alert"><p class="big" id="tq-window">'
            f"{escape(t(lang, 'called', window=window))}</p><p>{escape(t(lang, 'called_sub'))}</p></section>"
        )
    elif status == "skipped":
        until = _hhmm(view.get("rejoin_until"))
        guide = t(lang, "skipped_rejoin", time=until) if until else t(lang, "skipped_late")
        parts.append(
            f'<section class="alert skipped" role="alert"><p class="big">{escape(t(lang, "skipped"))}</p>'
            f'<p id="tq-rejoin">{escape(guide)}</p></section>'
        )
    else:
        parts.append(
            f'<section class="state done"><p class="big">{escape(t(lang, "done"))}</p>'
            f"<p>{escape(t(lang, 'done_sub'))}</p></section>"
        )
    if view.get("stale") or view.get("controller") == "offline":
        parts.append(f'<p class="warn">{escape(t(lang, "stale"))}</p>')
    parts.append("</main>")
    return "".join(parts)


def ticket_page(view: dict[str, Any], lang: str, hall_name: dict[str, str], token: str) -> str:
    other = _other_lang(lang)
    body = (
        ticket_main(view, lang, hall_name)
        + '<section class="tools"><button id="tq-alerts" class="button" type="button">'
        f"{escape(t(lang, 'alerts_on'))}</button>"
        f'<p class="hint" id="tq-hint">{escape(t(lang, "alerts_hint"))}</p></section>'
        f'<footer><p id="tq-live" class="live">{escape(t(lang, "live"))}</p>'
        f'<p class="privacy">{escape(t(lang, "privacy"))}</p></footer>'
    )
    data = {
        "kind": "ticket",
        "lang": lang,
        "stream": f"/api/t/{token}/events?lang={lang}",
        "strings": STRINGS[lang],
        "view": view,
    }
    return _page(lang, t(lang, "ticket_title"), body, script="gateway.js", data=data, other=f"?lang={other}")


# ---------------------------------------------------------------------------------------- hall
def _spans(spans: list[list[str]]) -> str:
    return " ".join(f"{a}–{b}" for a, b in spans)


def hall_main(view: dict[str, Any], lang: str) -> str:
    parts = [f'<main id="tq-main" class="hall-live"><h1>{escape(view["hall"][lang])}</h1>']
    if view["hours"]:
        parts.append(f'<p class="sub">{escape(t(lang, "hours"))} {escape(_spans(view["hours"]))}</p>')
    if view["notices"]:
        parts.append(f'<section class="notices" aria-label="{escape(t(lang, "notices"))}">')
        for n in view["notices"]:
            parts.append(f'<p class="notice {escape(n["kind"])}">{escape(n["text"][lang])}</p>')
        parts.append("</section>")
    if view.get("stale") or view.get("controller") == "offline":
        parts.append(f'<p class="warn">{escape(t(lang, "stale"))}</p>')
    parts.append('<ul class="services">')
    for s in view["services"]:
        sid = escape(s["id"])
        head = f'<span class="name">{escape(s["name"][lang])}</span>'
        if s["tidal_windows"]:
            head += f' <span class="badge">{escape(t(lang, "tidal"))}</span>'
        if s["open"]:
            eta, n = s["eta_s"], s["waiting"]
            if eta is None:
                eta_text = ""
            elif eta == 0:
                eta_text = t(lang, "eta_soon") if n else t(lang, "no_wait")
            else:
                eta_text = t(lang, "eta_short", m=_minutes(eta))
            line = (
                f'<span class="waiting" data-waiting="{n}">{escape(t(lang, "waiting", n=n))}</span>'
                f'<span class="eta">{escape(eta_text)}</span>'
            )
        else:
            opens = _hhmm(s["next_open"]) if s["next_open"] else ""
            text = t(lang, "opens", time=opens) if opens and s["hours"] else t(lang, "closed")
            line = f'<span class="closed">{escape(text)}</span>'
        hours = _spans(s["hours"]) if s["hours"] else t(lang, "no_hours")
        parts.append(
            f'<li class="service" id="svc-{sid}"><p class="head">{head}</p><p class="line">{line}</p>'
            f'<p class="hours">{escape(t(lang, "hours"))} {escape(hours)}</p></li>'
        )
    parts.append("</ul>")
    if view["calls"]:
        parts.append(f'<section class="calls"><h2>{escape(t(lang, "recent_calls"))}</h2><ol>')
        for c in view["calls"]:
            parts.append(f"<li><b>{escape(c['ticket'])}</b> → {escape(c['window']['name'][lang])}</li>")
        parts.append("</ol></section>")
    parts.append("</main>")
    return "".join(parts)


def hall_page(view: dict[str, Any], lang: str) -> str:
    other = _other_lang(lang)
    body = hall_main(view, lang) + f'<footer><p id="tq-live" class="live">{escape(t(lang, "live"))}</p></footer>'
    data = {"kind": "hall", "lang": lang, "stream": f"/api/hall/events?lang={lang}", "strings": STRINGS[lang]}
    return _page(lang, t(lang, "hall_title"), body, script="gateway.js", data=data, other=f"?lang={other}")


# ---------------------------------------------------------------------------------------- errors
def error_page(lang: str, title_key: str, text_key: str, **kw: Any) -> str:
    body = (
        f'<main id="tq-main" class="error"><h1>{escape(t(lang, title_key))}</h1>'
        f"<p>{escape(t(lang, text_key, **kw))}</p></main>"
    )
    return _page(lang, t(lang, title_key), body, script=None, data=None, other=f"?lang={_other_lang(lang)}")
