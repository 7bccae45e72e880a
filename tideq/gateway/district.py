"""The district page: every hall's waits, alerts and device health, from the central broker.

The halls' brokers bridge `tideq/{hall}/state|event|health/...` to the centre (docs/district.md);
this view subscribes there to the retained `state/services`, `state/tidal`, `health/+` and
`status/uplink` of every hall (`tideq/+/...`) with the centre's read-only `district` login, and
keeps the last of each. A hall appears as soon as its bridge delivers its retained state; one whose
bridge dropped shows `status/uplink` "0" (the bridge's will on the centre).

It runs its own paho connection (not the hall's `BusClient`: that one is bound to a single hall's
prefix and reply topic, which the centre's ACL does not grant the district login).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any

import paho.mqtt.client as mqtt
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from paho.mqtt.enums import CallbackAPIVersion

from tideq.contract.client import TlsFiles, parse_broker_url
from tideq.contract.errors import ContractError
from tideq.contract.health import Health
from tideq.contract.state import ServicesState, TidalState
from tideq.contract.vocab import HealthState
from tideq.contract.wire import decode

from .i18n import pick_lang, t
from .pages import _minutes, _other_lang, _page

log = logging.getLogger(__name__)
FILTERS = ("tideq/+/state/services", "tideq/+/state/tidal", "tideq/+/health/+", "tideq/+/status/uplink")
OK_STATES = {HealthState.OK}


@dataclass
class HallSeen:
    """The last of each retained topic of one hall, as the centre has it."""

    services: ServicesState | None = None
    tidal: TidalState | None = None
    health: dict[str, Health] = field(default_factory=dict)
    uplink: bool | None = None


class DistrictView:
    """Keeps every hall's last state from the centre; `snapshot()` is what the page and API show.
    Without a centre (`url` None) it stays empty and the page says how to connect one."""

    def __init__(
        self,
        url: str | None,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: TlsFiles | None = None,
        client_id: str = "district-gateway",
    ) -> None:
        self.url = url
        self._lock = threading.RLock()  # `changed` waits hold it while reading snapshot()
        self._halls: dict[str, HallSeen] = {}
        self.connected = threading.Event()
        self.changed = threading.Condition(self._lock)
        self._mqtt: mqtt.Client | None = None
        if url is None:
            return
        self.host, self.port, use_tls = parse_broker_url(url)
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        if use_tls:
            files = tls or TlsFiles()
            c.tls_set(ca_certs=files.ca_file, certfile=files.cert_file, keyfile=files.key_file)
        if username:
            c.username_pw_set(username, password)
        c.on_connect = self._on_connect
        c.on_disconnect = lambda *_: self.connected.clear()
        c.on_message = self._on_message
        c.reconnect_delay_set(1, 5)
        self._mqtt = c

    def start(self) -> DistrictView:
        if self._mqtt is not None:
            self._mqtt.connect_async(self.host, self.port, keepalive=30)
            self._mqtt.loop_start()
        return self

    def stop(self) -> None:
        if self._mqtt is not None:
            self._mqtt.disconnect()
            self._mqtt.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if getattr(rc, "is_failure", False):
            log.error("the centre %s refused the district login: %s (check --district-user/password)", self.url, rc)
            return
        client.subscribe([(f, 1) for f in FILTERS])
        self.connected.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.feed(msg.topic, bytes(msg.payload))

    def feed(self, topic: str, payload: bytes) -> None:
        """One message from the centre (also how tests and the bench can drive it by hand)."""
        parts = topic.split("/")
        if len(parts) < 4 or parts[0] != "tideq":
            return
        hall, kind = parts[1], "/".join(parts[2:])
        try:
            with self._lock:
                seen = self._halls.setdefault(hall, HallSeen())
                if kind == "state/services":
                    seen.services = decode(ServicesState, payload)
                elif kind == "state/tidal":
                    seen.tidal = decode(TidalState, payload)
                elif kind == "status/uplink":
                    seen.uplink = payload.strip() == b"1"
                elif parts[2] == "health" and len(parts) == 4:
                    if payload:
                        seen.health[parts[3]] = decode(Health, payload)
                    else:  # a cleared retained health: the device is gone
                        seen.health.pop(parts[3], None)
                self.changed.notify_all()
        except ContractError as err:
            log.warning("district: ignored %s from the centre: %s", topic, err)

    def snapshot(self) -> dict[str, Any]:
        """Per hall: waits per service, standing alerts, open tidal windows, device health counts."""
        with self._lock:
            halls = sorted(self._halls.items())
            out = []
            for hall, s in halls:
                counts = Counter(h.state.value for h in s.health.values())
                problems = sorted(d for d, h in s.health.items() if h.state not in OK_STATES)
                out.append(
                    {
                        "hall": hall,
                        "uplink": s.uplink,
                        "updated": s.services.ts.isoformat() if s.services else None,
                        "services": [
                            {
                                "id": x.id,
                                "name": {"zh": x.name.zh, "en": x.name.en},
                                "open": x.open,
                                "waiting": x.waiting,
                                "eta_s": x.eta_s,
                                "windows_open": x.windows_open,
                            }
                            for x in (s.services.services if s.services else [])
                        ],
                        "alerts": [
                            {
                                "service": a.service,
                                "level": a.level.value,
                                "reason": {"zh": a.reason.zh, "en": a.reason.en},
                            }
                            for a in (s.tidal.alerts if s.tidal else [])
                        ],
                        "tidal_open": len(s.tidal.open) if s.tidal else 0,
                        "devices": {"total": len(s.health), **dict(sorted(counts.items()))},
                        "problems": problems,
                    }
                )
        return {"centre": self.url is not None, "connected": self.connected.is_set(), "halls": out}


def _eta(s: dict[str, Any], lang: str) -> str:
    if not s["open"]:
        return t(lang, "closed")
    if s["eta_s"] is None:
        return "—"  # no window serves it now
    if s["eta_s"] == 0:
        return t(lang, "eta_soon") if s["waiting"] else t(lang, "no_wait")
    return t(lang, "eta_short", m=_minutes(s["eta_s"]))


def district_main(view: dict[str, Any], lang: str) -> str:
    parts = [f'<main id="tq-main" class="district"><h1>{escape(t(lang, "district_title"))}</h1>']
    if not view["centre"]:
        parts.append(f'<p class="warn">{escape(t(lang, "district_no_centre"))}</p>')
    elif not view["connected"]:
        parts.append(f'<p class="warn">{escape(t(lang, "district_offline"))}</p>')
    halls = view["halls"]
    waiting = sum(s["waiting"] for h in halls for s in h["services"])
    alerts = sum(len(h["alerts"]) for h in halls)
    parts.append(
        f'<p class="sub" id="tq-totals">{escape(t(lang, "district_totals", n=len(halls), w=waiting, a=alerts))}</p>'
    )
    parts.append('<section class="halls">')
    for h in halls:
        hid = escape(h["hall"])
        link = "up" if h["uplink"] else "down" if h["uplink"] is False else "unknown"
        parts.append(f'<article class="hallcard" id="hall-{hid}" data-uplink="{link}"><h2>{hid}')
        parts.append(f' <span class="link {link}">{escape(t(lang, "district_link_" + link))}</span></h2>')
        names = {s["id"]: s["name"][lang] for s in h["services"]}
        for a in h["alerts"]:
            parts.append(
                f'<p class="notice level-{escape(a["level"])}"><b>{escape(names.get(a["service"], a["service"]))}</b> '
                f"{escape(a['reason'][lang])}</p>"
            )
        if h["tidal_open"]:
            parts.append(f'<p class="tidal">{escape(t(lang, "district_tidal_open", n=h["tidal_open"]))}</p>')
        parts.append(
            f'<table class="waits"><thead><tr><th>{escape(t(lang, "district_service"))}</th>'
            f"<th>{escape(t(lang, 'district_waiting'))}</th><th>{escape(t(lang, 'district_eta'))}</th>"
            f"<th>{escape(t(lang, 'district_windows'))}</th></tr></thead><tbody>"
        )
        for s in h["services"]:
            eta = _eta(s, lang)
            parts.append(
                f'<tr id="svc-{hid}-{escape(s["id"])}"><td>{escape(s["name"][lang])}</td>'
                f'<td class="num" data-waiting="{s["waiting"]}">{s["waiting"]}</td>'
                f'<td>{escape(eta)}</td><td class="num">{s["windows_open"]}</td></tr>'
            )
        parts.append("</tbody></table>")
        d = h["devices"]
        ok = d.get("ok", 0)
        parts.append(
            f'<p class="devices" data-ok="{ok}" data-total="{d["total"]}">'
            f"{escape(t(lang, 'district_devices', ok=ok, total=d['total']))}"
        )
        if h["problems"]:
            parts.append(f' <span class="problems">{escape(", ".join(h["problems"]))}</span>')
        parts.append("</p></article>")
    parts.append("</section></main>")
    return "".join(parts)


def district_page(view: dict[str, Any], lang: str) -> str:
    body = district_main(view, lang) + f"<footer><p>{escape(t(lang, 'district_footer'))}</p></footer>"
    return _page(
        lang, t(lang, "district_title"), body, script="district.js", data=None, other=f"?lang={_other_lang(lang)}"
    )


def district_router(view: DistrictView) -> APIRouter:
    """`/district` (HTML) and `/api/district` (JSON)."""
    r = APIRouter()

    @r.get("/district", response_class=HTMLResponse, summary="The district page: every hall's waits, alerts, health")
    async def district_html(request: Request, lang: str | None = Query(None, pattern="^(zh|en)$")) -> str:
        return district_page(view.snapshot(), pick_lang(lang, request.headers.get("accept-language")))

    @r.get(
        "/api/district",
        summary="Every hall seen on the central broker: waits per service, alerts, open tidal windows, device health",
    )
    async def district_api() -> dict[str, Any]:
        return view.snapshot()

    return r
