"""Typed hall configuration.

Every model forbids unknown keys: a typo in a hall file must fail loudly, not be ignored.
Units are in the field descriptions; durations are whole seconds or minutes as named.
"""

from __future__ import annotations

import itertools
import re
from contextvars import ContextVar
from datetime import date, time
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

from tideq.contract.common import BiText
from tideq.contract.staff import StaffSecretError, check_stored
from tideq.contract.vocab import CrowdLevel

SCHEMA_VERSION: Final = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
Ident = Annotated[str, Field(pattern=ID_PATTERN, description="lower-case letters, digits and '-'")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(BiText):
    """A text shown to people, in Chinese and English: the contract's BiText, both required."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class Span(Strict):
    start: time
    end: time


def _parse_spans(value: object) -> list[Span]:
    if not isinstance(value, list):
        raise ValueError('write opening hours as a list like ["09:00-12:00", "13:00-17:30"]')
    spans: list[Span] = []
    for item in value:
        if isinstance(item, Span):
            spans.append(item)
            continue
        m = _SPAN.match(str(item))
        if not m:
            raise ValueError(f'{item!r} is not a span; write it as "HH:MM-HH:MM", e.g. "09:00-12:00"')
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"{item!r} has an impossible time; hours are 00-23, minutes 00-59")
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise ValueError(f"{item!r} ends before it starts; write the earlier time first")
        spans.append(Span(start=start, end=end))
    for a, b in itertools.pairwise(spans):
        if b.start < a.end:
            raise ValueError("spans overlap or are out of order; list them from morning to evening")
    return spans


Spans = Annotated[list[Span], Field(default_factory=list)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Hours(Strict):
    """Opening hours per weekday (hall-local time). An empty list means closed that day.

    Weekend service (周末不打烊) is just hours on sat/sun. `holidays` close the hall for the day;
    `workdays` open it on a weekend day (调休) with the Monday hours.
    """

    mon: Spans
    tue: Spans
    wed: Spans
    thu: Spans
    fri: Spans
    sat: Spans
    sun: Spans
    holidays: list[date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)

    @field_validator(*WEEKDAYS, mode="before")
    @classmethod
    def _spans(cls, v: object) -> list[Span]:
        return _parse_spans(v)

    def spans_on(self, day: date) -> list[Span]:
        if day in self.holidays:
            return []
        if day in self.workdays:
            return list(self.mon)
        return list(getattr(self, WEEKDAYS[day.weekday()]))


class GuideItem(Strict):
    zh: str
    en: str


class Guide(Strict):
    """The service guide (办事指南) a kiosk shows: what to bring, who qualifies, where, whom to ask."""

    materials: list[Text] = Field(default_factory=list)
    conditions: list[Text] = Field(default_factory=list)
    where: Text | None = None
    contact: Text | None = None
    online: Text | None = Field(None, description="where the matter can be done online")


class Service(Strict):
    """One service (业务) with its own queue and ticket letter."""

    id: Ident
    name: Text = Field(description='e.g. { zh = "税务办理", en = "Tax Services" }')
    prefix: str = Field(pattern=r"^[A-Z]$", description="ticket letter, one capital A-Z")
    group: Text | None = Field(None, description="kiosk grouping, e.g. 企业服务")
    daily_quota: int = Field(0, ge=0, description="walk-in tickets per day; 0 means no quota")
    hours: Hours | None = Field(None, description="own hours inside the hall's; default: the hall's")
    appointments: bool = Field(False, description="bookable on the city platform (掌上预约)")
    identity_required: bool = Field(False, description="ID card read at the kiosk before a ticket")
    mean_service_s: int = Field(480, gt=0, description="prior mean service time, seconds")
    slot_min: int = Field(30, ge=5, le=240, description="length of a slot a kiosk books (cmd/book), minutes")
    slot_capacity: int | None = Field(
        None,
        ge=0,
        description="bookings per slot (kiosk and platform together); default: the windows that list the service"
        " × slot_min × 60 ÷ mean_service_s, at least 1; 0: kiosks book no slots of it",
    )
    zone: str | None = Field(None, description="camera zone id whose crowd counts feed this service")
    guide: Guide = Field(default_factory=Guide)


class Window(Strict):
    """A numbered service window (窗口)."""

    id: Ident = Field(description="window id, usually its number; the topic cmd/window/{id}")
    name: Text = Field(description='e.g. { zh = "5号窗口", en = "Window 5" }')
    services: list[str] = Field(default_factory=list, description="service ids served, in order")
    tidal_pool: bool = Field(False, description="a flexible window the tidal policy may open")
    pool_services: list[str] | None = Field(
        None,
        description=(
            "tidal pool windows only: the services it may serve when opened (综合性应急窗口), one or several; "
            "omitted: every service of the hall"
        ),
    )
    led_address: int | None = Field(None, ge=1, le=247, description="RS-485 address of its LED strip")
    keypad_address: int | None = Field(None, ge=1, le=247, description="RS-485 address of its keypad")
    evaluator_address: int | None = Field(None, ge=1, le=247)
    where: Text | None = Field(None, description="where in the hall, e.g. 二楼东区")


class StaffMember(Strict):
    """A clerk who signs in at a window: only the 工号 and a display name are personal data here;
    the PIN and the card number are kept as hashes (tideq.contract.staff; `tideq staff-pin`)."""

    id: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,16}$")] = Field(
        description="工号: 1 to 16 letters or digits (digits only to sign in on a keypad)"
    )
    name: Text | Annotated[str, Field(min_length=1, max_length=32)] = Field(
        description='display name: one name ("王芳") or { zh = "王芳", en = "Wang Fang" }'
    )
    pin_hash: str | None = Field(
        None, description="salted hash of the PIN's keyed proof, as `tideq staff-pin` prints it; never the PIN"
    )
    card_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        None, description="the staff card's number hashed with the hall secret (`tideq staff-pin --card`)"
    )

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            return check_stored(v)
        except StaffSecretError as err:
            raise ValueError(f"{err}; run `tideq staff-pin <工号>` and paste its pin_hash line") from err

    @model_validator(mode="after")
    def _one_way_in(self) -> StaffMember:
        if not self.pin_hash and not self.card_hash:
            raise ValueError(f"staff {self.id} has neither pin_hash nor card_hash; give one (`tideq staff-pin`)")
        return self

    @property
    def display(self) -> BiText:
        """The name as the contract's bilingual text (one name serves both languages)."""
        n = self.name
        return BiText.of(n, n) if isinstance(n, str) else BiText.of(n.zh, n.en)


class BrokerConfig(Strict):
    """`url = "embedded"` runs an MQTT 3.1.1 broker inside the controller (single-box hall)."""

    url: str = Field("embedded", description="mqtt://host:port, mqtts://host:port or embedded")
    embedded_port: int = Field(1883, ge=1, le=65535, description="port of the embedded broker")
    embedded_host: str = Field(
        "127.0.0.1",
        description="address the embedded broker binds; it has no logins or ACL, so it refuses any but loopback",
    )
    username: str | None = Field(None, description="the controller's broker login (`tideq acl` names it controller)")
    password_env: str | None = Field(None, description="environment variable holding the controller's password")
    ca_file: str | None = Field(
        None, description="CA certificate that signed the broker's (mqtts://); relative to this file; none: system CAs"
    )
    cert_file: str | None = Field(
        None, description="the controller's client certificate, where the broker asks for one"
    )
    key_file: str | None = Field(None, description="the key of cert_file")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v != "embedded" and not re.match(r"^mqtts?://[^:/]+(:\d+)?/?$", v):
            raise ValueError('write mqtt://host:port, mqtts://host:port or "embedded"')
        return v

    def client_url(self, override: str | None = None) -> str:
        """Where a client connects: `override`, else the configured broker (the embedded one on
        this box's loopback)."""
        url = override or self.url
        return f"mqtt://127.0.0.1:{self.embedded_port}" if url == "embedded" else url


def _pause_reasons() -> list[str]:
    return ["午休 lunch", "会议 meeting", "培训 training", "系统故障 system fault", "临时离开 short break"]


class Rules(Strict):
    """Queue rules of the hall."""

    skip_rejoin_min: int = Field(30, ge=0, description="a skipped ticket may rejoin once within this many minutes")
    checkin_early_min: int = Field(30, ge=0, description="check-in opens this many minutes before the slot")
    checkin_late_grace_min: int = Field(15, ge=0, description="late arrivals keep priority this long after slot start")
    identity_daily_limit: int = Field(3, ge=1, description="tickets per person per day for identity services")
    max_calls: int = Field(3, ge=1, description="calls (first + recalls) before staff are advised to skip")
    pause_reasons: list[str] = Field(
        default_factory=_pause_reasons,
        description="pause reasons kept as sent (cmd/window pause); any other reason has its digit runs"
        " (ID, phone numbers) replaced by ***",
    )
    book_days: int = Field(
        7, ge=1, le=60, description="a kiosk books slots up to this many days ahead (today counts as day 0)"
    )
    sources: list[str] = Field(
        default_factory=list,
        description="command sources besides [[devices.kiosks]] (test rigs, gateways); cmd/ticket, checkin and rejoin"
        " from any other source are refused",
    )


class TidalConfig(Strict):
    """Tidal window (潮汐窗口) policy thresholds."""

    mode: Literal["auto", "confirm", "off"] = "confirm"
    warn_queue: int = Field(15, ge=1, description="people waiting for a warning")
    warn_eta_s: int = Field(1800, ge=60, description="predicted wait of a new arrival for a warning, s")
    warn_crowd: Literal["busy", "crowded"] = "crowded"
    sustain_s: int = Field(120, ge=0, description="how long a threshold must hold before acting, s")
    close_eta_s: int = Field(600, ge=0, description="close when predicted wait stays below this, s")
    min_open_s: int = Field(1200, ge=0, description="a tidal window stays open at least this long, s")
    max_switches_per_hour: int = Field(4, ge=1)


class Printer(Strict):
    id: Ident
    url: str = Field(
        description="usb://VID:PID, serial:///dev/ttyUSB0?baudrate=19200, tcp://host:9100, file:///path, virtual://NAME"
    )
    width_mm: Literal[58, 80] = 80


class DeviceLogin(Strict):
    """`[devices.*.login]`: the device's own broker identity (`tideq acl` writes them all; see
    docs/security.md). Command-line options (--username, --password-env, --cert-file) win."""

    username: str | None = Field(None, description="broker user and MQTT client id; default the role's name")
    password_env: str | None = Field(None, description="environment variable holding this device's password")
    cert_file: str | None = Field(None, description="client certificate (TLS); relative to the hall file")
    key_file: str | None = Field(None, description="key of cert_file")


AfterHours = Literal["next_opening", "book", "materials", "lookup"]
AFTER_HOURS: Final = ("next_opening", "book", "materials", "lookup")


class Kiosk(Strict):
    id: Ident
    login: DeviceLogin | None = Field(None, description="its broker login; default user kiosk-{id}")
    printer: str | None = Field(None, description="printer id")
    scanner_url: str | None = None
    idcard_url: str | None = None
    camera_url: str | None = None
    services: list[str] = Field(default_factory=list, description="services offered; empty: all")
    after_hours: list[AfterHours] = Field(
        default_factory=list,
        description="what the kiosk offers outside opening hours (24-hour self-service): next_opening (a number for"
        " the next opening, as an appointment for its first slot), book (a slot on a later day), materials (print a"
        " service's materials list), lookup (a ticket or an appointment); empty: the guide and policy contacts only",
    )

    @field_validator("after_hours")
    @classmethod
    def _once_each(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"after_hours lists a function twice ({v}); list each of {list(AFTER_HOURS)} once")
        return v


def _zh_then_en() -> list[Literal["zh", "en"]]:
    return ["zh", "en"]


class Board(Strict):
    id: Ident
    login: DeviceLogin | None = Field(None, description="its broker login; default user board-{id}")
    layout: Literal["1080p", "4k", "portrait"] = "1080p"
    languages: Literal["side-by-side", "alternate", "zh", "en"] = "side-by-side"
    mute: bool = Field(False, description="no voice from this board")
    voice: Literal["espeak", "clips"] = Field(
        "espeak", description="espeak-ng speech, or sentences assembled from recorded clips"
    )
    clips_dir: str | None = Field(None, description='folder of recorded clips (voice = "clips"); see docs/voice.md')
    voice_order: list[Literal["zh", "en"]] = Field(
        default_factory=_zh_then_en, min_length=1, description="languages spoken, in order"
    )
    voice_repeat: int = Field(1, ge=1, le=3, description="times each call is spoken")
    highlight_s: int = Field(10, ge=1, description="how long a new call stays highlighted, s")
    stale_s: int = Field(30, ge=5, description="state older than this is shown as stale, s")
    notices: list[Text] = Field(default_factory=list)


class SerialBus(Strict):
    """An RS-485/RS-232 line with addressed devices (LED strips, keypads, evaluators)."""

    id: Ident
    url: str = Field(description="serial port or pyserial URL, e.g. /dev/ttyUSB1 or rfc2217://host:port")
    kind: Literal["led", "keypad", "evaluator"]
    login: DeviceLogin | None = Field(
        None, description="login of the process on this line; default ledstrip-{id} or bridge-{id}"
    )
    baudrate: int = Field(9600, gt=0)
    timeout_ms: int = Field(200, gt=0, description="answer timeout per frame, ms")
    retries: int = Field(2, ge=0, description="resends before a device counts as silent")
    addresses: list[int] = Field(
        default_factory=list, description="device addresses on this line; empty: every window's address of this kind"
    )


class Zone(Strict):
    id: Ident
    polygon: list[tuple[float, float]] = Field(min_length=3, description="corners as fractions 0..1 of the frame")
    busy: int = Field(10, ge=1, description="count at which the level is busy")
    crowded: int = Field(25, ge=1, description="count at which the level is crowded")


CountMethod = Literal["reference", "mog2"]


class Camera(Strict):
    id: Ident
    login: DeviceLogin | None = Field(None, description="its broker login; default user camera-{id}")
    url: str = Field(description="/dev/video0, rtsp://..., or a video file")
    zones: list[Zone] = Field(min_length=1)
    method: CountMethod = Field(
        "reference",
        description="occupancy: 'reference' (difference from the empty hall learnt at start; counts people "
        "sitting still) or 'mog2' (motion; a still person fades out in ~15 min)",
    )


class Devices(Strict):
    printers: list[Printer] = Field(default_factory=list)
    kiosks: list[Kiosk] = Field(default_factory=list)
    boards: list[Board] = Field(default_factory=list)
    serial_buses: list[SerialBus] = Field(default_factory=list)
    cameras: list[Camera] = Field(default_factory=list)


class PolicyContact(Strict):
    """A 惠企政策发言人: an official contact for business policies (public office numbers)."""

    unit: Text
    name: Text
    phone: str


class Elsewhere(Strict):
    """A matter this hall does not handle, and where it is handled."""

    matter: Text
    where: Text


class HallInfo(Strict):
    id: Ident = Field(description="hall id in every MQTT topic (tideq/{id}/...)")
    name: Text = Field(description="shown on boards, tickets and kiosks")
    timezone: str = Field("Asia/Shanghai", description="IANA zone; ticket numbers restart at its midnight")
    hours: Hours = Field(description="[hall.hours]: opening hours")
    secret_env: str = Field("TIDEQ_HALL_SECRET", description="environment variable with the identity HMAC key")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f'unknown time zone {v!r}; write an IANA name such as "Asia/Shanghai"') from err
        return v


class Storage(Strict):
    data_dir: str = Field("var/tideq", description="folder of the event log; relative to the config file")
    personal_days: int = Field(
        30, ge=1, description="days after which names, phones and identity hashes are purged from the event log"
    )


HEX64 = r"^[0-9a-f]{64}$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"


class BookingPlatform(Strict):
    """A booking platform allowed to push bookings to the gateway's booking API, by its API key.

    The hall file never holds a key: give `key_sha256` (the SHA-256 of the key, 64 lower-case hex
    digits; `printf %s "$KEY" | sha256sum`) or `key_env` (an environment variable with the key)."""

    id: Ident = Field(description="the platform's id: in logs, in the command ids of its pushes")
    name: str = Field("", description="for people, e.g. 西安市掌上预约")
    key_sha256: str | None = Field(None, pattern=HEX64, description="SHA-256 (hex) of the platform's API key")
    key_env: str | None = Field(None, pattern=ENV_NAME, description="environment variable holding the API key")

    @model_validator(mode="after")
    def _one_key(self) -> BookingPlatform:
        if (self.key_sha256 is None) == (self.key_env is None):
            raise ValueError(
                f"booking platform {self.id}: give exactly one of key_sha256 (the key's SHA-256) or key_env "
                "(the variable holding the key); never the key itself"
            )
        return self


class BookingConfig(Strict):
    """The gateway's booking API (docs/booking-api.md)."""

    platforms: list[BookingPlatform] = Field(
        default_factory=list, description="[[booking.platforms]]: who may push; none: the API answers 401 to all"
    )
    max_batch: int = Field(1000, ge=1, le=5000, description="bookings a push may carry at most")
    timeout_s: float = Field(10.0, gt=0, description="how long a request waits for the controller, s")

    @model_validator(mode="after")
    def _unique_ids(self) -> BookingConfig:
        _unique([p.id for p in self.platforms], "booking.platforms", "id")
        return self


class RatingsConfig(Strict):
    """The 好差评 outbox of the gateway: every rating kept in SQLite and pushed (docs/ratings.md)."""

    push_url: str | None = Field(
        None,
        pattern=r"^https?://",
        description="the provincial platform's endpoint (HTTP POST JSON); none: export only",
    )
    token_env: str | None = Field(
        None, pattern=ENV_NAME, description="environment variable with a Bearer token for push_url, if it needs one"
    )
    outbox: str = Field("ratings-outbox.sqlite3", description="the outbox file; relative to the gateway's data dir")
    timeout_s: float = Field(10.0, gt=0, description="one push's timeout, s")
    retry_initial_s: float = Field(1.0, gt=0, description="first wait after a failed push, s (then doubled)")
    retry_max_s: float = Field(60.0, gt=0, description="longest wait between pushes while the endpoint fails, s")
    catch_up_s: float = Field(
        300.0, gt=0, description="how often the outbox asks the controller for the day's ratings it may have missed, s"
    )
    catch_up_days: int = Field(1, ge=0, le=31, description="past days asked again on start, besides today")

    @model_validator(mode="after")
    def _retry(self) -> RatingsConfig:
        if self.retry_max_s < self.retry_initial_s:
            raise ValueError("ratings.retry_max_s must be at least retry_initial_s")
        return self


class GatewayConfig(Strict):
    """`tideq gateway`: the visitors' phone pages, the hall live page and /metrics (docs/gateway.md)."""

    host: str = Field("127.0.0.1", description="address to listen on; keep loopback behind a reverse proxy")
    port: int = Field(8780, ge=1, le=65535, description="TCP port to listen on")
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="the address phones reach the gateway at, e.g. https://queue.example.gov.cn; printed "
        "tickets' QR codes open {public_url}/t/{token}. Unset: tickets carry the verify string",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or CIDR networks of reverse proxies whose X-Forwarded-For is believed; "
        "from anyone else the header is ignored",
    )
    rate_per_min: int = Field(120, ge=1, description="requests per minute per client address (sustained)")
    rate_burst: int = Field(60, ge=1, description="requests a client address may make at once")
    max_streams: int = Field(5000, ge=1, description="live update streams (SSE) open at once, all clients")
    streams_per_client: int = Field(8, ge=1, description="live update streams one client address may hold")
    notify_ahead: int = Field(3, ge=1, description="the ticket page warns when this many people or fewer are ahead")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for item in v:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as err:
                raise ValueError(f"{item!r} is not an address or CIDR network, e.g. 127.0.0.1 or 10.0.0.0/8") from err
        return v


DEFAULT_FORWARD = ("state/#", "event/call", "event/tidal", "event/rejected", "health/#")
# event/rated is left out: it names the staff member signed in at the rated window (personal data
# of an identifiable employee, tied to a rating); the 好差评 outbox of the gateway already pushes it.


class DistrictConfig(Strict):
    """The hall's uplink to the district's central broker: `tideq uplink` turns it into a
    Mosquitto bridge (docs/district.md). Each hall keeps its own controller and broker; the
    bridge copies the listed topics out under the hall's own prefix, QoS 1 with a persistent
    session, so the centre catches up after an outage and the hall never waits for it."""

    address: str = Field(
        description="the central broker as host:port (TLS port, e.g. district.example.gov.cn:8883); "
        "several, comma-separated, for a cluster's nodes (tried in turn)",
    )
    tls: bool = Field(True, description="TLS to the centre; false only for a test on loopback")
    ca_file: str | None = Field(
        None, description="CA that signed the centre's certificate; relative to this file; none: system CAs"
    )
    cert_file: str | None = Field(
        None, description="the hall's client certificate, if the centre identifies halls by certificate"
    )
    key_file: str | None = Field(None, description="the key of cert_file")
    username: str | None = Field(
        None, description="the hall's login on the centre and its remote client id; default hall-{hall id}"
    )
    password_env: str | None = Field(
        None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="environment variable holding that login's password (read by `tideq uplink`)",
    )
    forward: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FORWARD),
        min_length=1,
        description="topic filters copied out, relative to tideq/{hall}/ (only under state/, event/, health/, "
        "status/); event/rated is not in the default (it names staff)",
    )
    commands_from: str | None = Field(
        None,
        pattern=ID_PATTERN,
        description="opt-in: accept commands from the centre as this sender id (cmd/{it}/# in, reply/{it} out); "
        "the hall's controller then answers the centre like any client. None: nothing comes in",
    )
    restart_s: tuple[int, int] = Field(
        (2, 30), description="reconnect backoff to the centre: first and longest wait, s"
    )
    keepalive_s: int = Field(30, ge=5, le=3600, description="MQTT keepalive towards the centre, s")
    queue_max: int = Field(
        100_000,
        ge=100,
        description="messages the hall broker holds for the centre while it is down (then the oldest QoS 1 "
        "ones are dropped; retained state is re-sent on reconnect anyway)",
    )

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        for part in v.split(","):
            if not re.match(r"^[A-Za-z0-9.\-]+:\d{1,5}$", part.strip()):
                raise ValueError(f"{part.strip()!r}: write the central broker as host:port, e.g. district.local:8883")
        return v

    @field_validator("forward")
    @classmethod
    def _forward(cls, v: list[str]) -> list[str]:
        for f in v:
            root = f.split("/", 1)[0]
            if root not in ("state", "event", "health", "status") or "//" in f or f.startswith("/"):
                raise ValueError(
                    f"{f!r} cannot be forwarded: only filters under state/, event/, health/ or status/ "
                    "go to the centre (cmd/ and reply/ carry visitors' data; use commands_from to accept commands)"
                )
            if "#" in f[:-1] or (f.endswith("#") and not (f == "#" or f.endswith("/#"))):
                raise ValueError(f"{f!r}: '#' may only end a filter, after a '/' (e.g. state/#)")
        return v

    @model_validator(mode="after")
    def _backoff(self) -> DistrictConfig:
        lo, hi = self.restart_s
        if not 1 <= lo <= hi:
            raise ValueError(f"restart_s = {list(self.restart_s)}: write [first, longest] with 1 <= first <= longest")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("set both cert_file and key_file for a client certificate, or neither")
        return self

    def user(self, hall_id: str) -> str:
        """The hall's identity on the centre."""
        return self.username or f"hall-{hall_id}"


# ---- 一业一证 (one industry, one permit): [[industries]] --------------------------------------
_KNOWN_SERVICES: ContextVar[frozenset[str] | None] = ContextVar("tideq_known_services", default=None)


class Permit(Strict):
    """One permit an industry needs, the service (queue) where it is handled, its materials."""

    name: Text = Field(description='e.g. { zh = "食品经营许可证", en = "Food business licence" }')
    service: Ident = Field(description="id of the [[services]] entry that handles it; its windows are listed")
    materials: list[Text] = Field(default_factory=list, description="what to bring for this permit")

    @field_validator("service")
    @classmethod
    def _known(cls, v: str) -> str:
        known = _KNOWN_SERVICES.get()
        if known is not None and v not in known:
            raise ValueError(
                f"permit names unknown service {v!r}; write the id of one of the hall's [[services]]: {sorted(known)}"
            )
        return v


class Industry(Strict):
    """An industry (行业) of 一业一证: every permit to open such a business, combined into one list
    (materials de-duplicated across permits) that the kiosk shows and prints."""

    id: Ident
    name: Text = Field(description='e.g. { zh = "餐饮", en = "Restaurant" }')
    permits: list[Permit] = Field(min_length=1, description="[[industries.permits]]: in the order to apply")
    online_url: str | None = Field(
        None, pattern=r"^https?://\S+$", description="the online 一网通办 service for this industry (shown as a QR)"
    )
    note: Text | None = Field(None, description="one line of advice printed under the list")


def _industries_know_services(value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> object:
    """Validate [[industries]] knowing the hall's service ids (validated before them), so an
    unknown `service` is reported at its own line (industries.N.permits.M.service)."""
    services = info.data.get("services")
    token = _KNOWN_SERVICES.set(frozenset(s.id for s in services) if services is not None else None)
    try:
        industries = handler(value)
    finally:
        _KNOWN_SERVICES.reset(token)
    _unique([i.id for i in industries], "industries", "id")
    return industries


Industries = Annotated[list[Industry], WrapValidator(_industries_know_services)]
# ---- end of 一业一证 ------------------------------------------------------------------------------


class HallConfig(Strict):
    """The whole hall file."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="version of this file's layout")
    hall: HallInfo = Field(description="[hall]: identity, names, zone, opening hours")
    broker: BrokerConfig = Field(default_factory=BrokerConfig, description="[broker]: where the MQTT broker is")
    storage: Storage = Field(default_factory=Storage, description="[storage]: where the event log lives")
    rules: Rules = Field(default_factory=Rules, description="[rules]: queue rules")
    tidal: TidalConfig = Field(default_factory=TidalConfig, description="[tidal]: tidal window policy")
    services: list[Service] = Field(min_length=1, description="[[services]]: what the hall handles")
    windows: list[Window] = Field(min_length=1, description="[[windows]]: numbered service windows")
    devices: Devices = Field(
        default_factory=Devices, description="[devices]: printers, kiosks, boards, serial lines, cameras"
    )
    gateway: GatewayConfig = Field(
        default_factory=GatewayConfig, description="[gateway]: phone pages, hall live page, metrics"
    )
    policy_contacts: list[PolicyContact] = Field(
        default_factory=list, description="[[policy_contacts]]: 惠企政策发言人 shown on kiosks"
    )
    elsewhere: list[Elsewhere] = Field(
        default_factory=list, description="[[elsewhere]]: matters handled elsewhere, and where"
    )
    booking: BookingConfig = Field(
        default_factory=BookingConfig, description="[booking]: the gateway's booking API (platforms, API keys)"
    )
    ratings: RatingsConfig = Field(
        default_factory=RatingsConfig, description="[ratings]: the 好差评 outbox (push endpoint, retries)"
    )
    district: DistrictConfig | None = Field(
        None, description="[district]: bridge this hall's broker to the district's central broker (optional)"
    )
    industries: Industries = Field(
        default_factory=list, description="[[industries]]: 一业一证, the permits and materials of an industry"
    )
    staff: list[StaffMember] = Field(
        default_factory=list,
        description="[[staff]]: clerks who sign in at windows (工号, display name, PIN/card hashes)",
    )

    @model_validator(mode="after")
    def _references(self) -> HallConfig:
        ids = [s.id for s in self.services]
        _unique(ids, "services", "id")
        _unique([s.prefix for s in self.services], "services", "prefix")
        _unique([w.id for w in self.windows], "windows", "id")
        known = set(ids)
        for i, w in enumerate(self.windows):
            for s in w.services:
                if s not in known:
                    raise ValueError(f"windows[{i}] ({w.id}) serves unknown service {s!r}; use one of {sorted(known)}")
            if not w.services and not w.tidal_pool:
                raise ValueError(f"windows[{i}] ({w.id}) serves no service; list services or set tidal_pool = true")
            if w.pool_services is not None:
                if not w.tidal_pool:
                    raise ValueError(
                        f"windows[{i}].pool_services ({w.id}): only a tidal pool window has pool services; "
                        "set tidal_pool = true or remove pool_services"
                    )
                if not w.pool_services:
                    raise ValueError(
                        f"windows[{i}].pool_services ({w.id}) is empty; list at least one service, "
                        "or omit it to allow every service"
                    )
                for s in w.pool_services:
                    if s not in known:
                        raise ValueError(
                            f"windows[{i}].pool_services ({w.id}) names unknown service {s!r}; "
                            f"use one of {sorted(known)}"
                        )
                if len(set(w.pool_services)) != len(w.pool_services):
                    raise ValueError(f"windows[{i}].pool_services ({w.id}) lists a service twice; list each once")
        printers = {p.id for p in self.devices.printers}
        for k in self.devices.kiosks:
            if k.printer and k.printer not in printers:
                raise ValueError(f"kiosk {k.id} names unknown printer {k.printer!r}; add it under [[devices.printers]]")
            offered = [s for s in self.services if not k.services or s.id in k.services]
            if {"next_opening", "book"} & set(k.after_hours) and not any(self.slot_capacity(s) for s in offered):
                raise ValueError(
                    f"kiosk {k.id}: after_hours offers booking, but none of its services has bookable slots;"
                    " give one a slot_capacity above 0 (or windows that serve it), or drop next_opening and book"
                )
            if {"materials", "next_opening", "book"} & set(k.after_hours) and not k.printer:
                raise ValueError(
                    f"kiosk {k.id}: after_hours {k.after_hours} prints slips and lists; give the kiosk a printer"
                    " or keep only lookup"
                )
        _unique([m.id for m in self.staff], "staff", "id")
        cards = [m.card_hash for m in self.staff if m.card_hash]
        if len(set(cards)) != len(cards):
            raise ValueError("two [[staff]] entries share one card_hash; a staff card belongs to one clerk")
        return self

    def staff_member(self, sid: str) -> StaffMember | None:
        return next((m for m in self.staff if m.id == sid), None)

    def slot_capacity(self, svc: Service) -> int:
        """Bookings one slot of `svc` takes (its `slot_capacity`, or what the windows listing it serve
        in a slot at its mean service time): kiosks book no more, so a booked visitor is served."""
        if svc.slot_capacity is not None:
            return svc.slot_capacity
        windows = sum(1 for w in self.windows if svc.id in w.services)
        if not windows:
            return 0
        return max(1, windows * svc.slot_min * 60 // svc.mean_service_s)

    def service(self, sid: str) -> Service | None:
        return next((s for s in self.services if s.id == sid), None)

    def window(self, wid: str) -> Window | None:
        return next((w for w in self.windows if w.id == wid), None)

    def pool_services(self, wid: str) -> list[str]:
        """The services tidal pool window `wid` may serve when opened, in hall-file order (its
        `pool_services`, or every service); empty for a window that is not in the pool."""
        w = self.window(wid)
        if w is None or not w.tidal_pool:
            return []
        allowed = set(w.pool_services) if w.pool_services is not None else None
        return [s.id for s in self.services if allowed is None or s.id in allowed]


def _unique(values: list[str], where: str, field: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"two {where} share the {field} {v!r}; each {field} must be unique")
        seen.add(v)


Level = CrowdLevel  # a zone's thresholds name the contract's crowd levels
