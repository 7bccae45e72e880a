"""One row of an export -> one appointment as `cmd/appointments` carries it, or its problems.

Privacy happens here, before anything leaves: the name and phone are masked
(`tideq.contract.privacy`), a clear ID number is checked and replaced by
`identity_hash(hall secret, number)`, and nothing else of the row is kept. A problem names the row
and the column and says why; it shows the value only for columns that are not personal (code,
service, times), and then scrubbed and cut short.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from tideq.config.schema import HallConfig, Service
from tideq.contract.commands import AppointmentIn
from tideq.contract.identity import InvalidIdNumber, identity_hash
from tideq.contract.privacy import mask_name, mask_phone
from tideq.contract.wire import scrub

from .columns import REQUIRED, SLOT_INSTEAD, SPECS, Column
from .errors import SecretRequired
from .export import Export, RawRow

MASKED_MAX = 32  # AppointmentIn's limit for name_masked and phone_masked

# 2026-11-26T10:30:00+08:00, 2026-11-26 10:30, 2026/11/26 9:30, 2026年11月26日 10时30分, ...Z, +0800
_TIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T]+(\d{1,2})[:：时](\d{1,2})"
    r"(?:[:：分](\d{1,2})(?:[.,](\d{1,6}))?秒?)?分?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Problem:
    """Why one row is not sent: `where` (row 5 / item 3), `column` (the header as written, with
    the field it maps to), `reason` (what is wrong and how to fix it; no personal value)."""

    where: str
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}, {self.column}: {self.reason}" if self.column else f"{self.where}: {self.reason}"


@dataclass
class Prepared:
    """The rows ready to send (`where`, the appointment as JSON) and the rows refused here."""

    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused_rows(self) -> int:
        return len({p.where for p in self.problems})


def needs_secret(export: Export) -> bool:
    """True if any row carries a clear ID number (which only the hall secret can hash)."""
    return any(Column.ID_NUMBER in r.values for r in export.rows)


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """A slot time: ISO 8601 or the spreadsheet forms above; without an offset, in `tz`."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _TIME.match(s)
    if not m:
        raise ValueError("not a date and time; write e.g. 2026-11-26 10:30 or 2026-11-26T10:30:00+08:00")
    year, month, day, hour, minute, second, frac, offset = m.groups()
    try:
        at = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), int((frac or "0").ljust(6, "0"))
        )
    except ValueError as err:
        raise ValueError(f"not a real date and time ({err})") from err
    if offset is None:
        return at.replace(tzinfo=tz)
    if offset.upper() == "Z":
        return at.replace(tzinfo=UTC)
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta >= timedelta(hours=24):
        raise ValueError("has an offset of 24 hours or more")
    return at.replace(tzinfo=timezone(delta if offset[0] == "+" else -delta))


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def service_index(hall: HallConfig) -> dict[str, Service]:
    """Service by id, Chinese name and English name (spaces and case ignored)."""
    out: dict[str, Service] = {}
    for s in hall.services:
        for k in (s.name.en, s.name.zh, s.id):  # the id wins over a name that happens to equal it
            out[_key(k)] = s
    return out


class _Row:
    """The checks of one row; collects its problems."""

    def __init__(self, raw: RawRow, problems: list[Problem]) -> None:
        self.raw = raw
        self.problems = problems
        self.ok = True

    def label(self, col: Column) -> str:
        h = self.raw.headers.get(col) or SPECS[col].headers[0]
        return h if h == col.value else f"{h} ({col.value})"

    def refuse(self, col: Column | None, reason: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.raw.where, self.label(col) if col else "", reason))

    def shown(self, col: Column) -> str:
        """The value for a message: only for columns that are not personal, scrubbed, short."""
        return "" if SPECS[col].personal else f" {scrub(self.raw.values[col], 40)!r}"


def prepare(export: Export, hall: HallConfig, secret: bytes | None) -> Prepared:
    """Validate, mask and hash every row. SecretRequired if a row has a clear ID number and no
    secret was given (the caller loads it from the hall's `secret_env`)."""
    if secret is None and needs_secret(export):
        raise SecretRequired(
            f"the export has ID numbers; set {hall.hall.secret_env} to the hall secret (the controller's) "
            "so they are sent only as their hash, or remove the ID-number column"
        )
    tz = ZoneInfo(hall.hall.timezone)
    services = service_index(hall)
    out = Prepared()
    first_row: dict[str, str] = {}
    for raw in export.rows:
        row = _Row(raw, out.problems)
        item = _check(row, services, tz, secret)
        if item is None or not row.ok:
            continue
        try:
            appt = AppointmentIn.model_validate(item)
        except ValidationError as err:
            for e in err.errors(include_url=False, include_input=False):
                col = _FIELD_COLUMN.get(str(e["loc"][0]) if e["loc"] else "")
                personal = col is not None and SPECS[col].personal
                row.refuse(col, f"not valid ({e['type']})" if personal else str(e["msg"]))
            continue
        code = appt.code.upper()
        if code in first_row:
            row.refuse(Column.CODE, f"{code} is already in {first_row[code]}; each appointment code once")
            continue
        first_row[code] = raw.where
        out.items.append((raw.where, appt.model_dump(mode="json", exclude_none=True)))
    return out


_FIELD_COLUMN = {
    "code": Column.CODE,
    "service": Column.SERVICE,
    "start": Column.START,
    "end": Column.END,
    "name_masked": Column.NAME,
    "phone_masked": Column.PHONE,
    "identity": Column.IDENTITY,
}


# 09:00-09:30, 9:00～9:30, 上午 09:00至09:30, 09:00—09:30
_SLOT = re.compile(r"^\D*?(\d{1,2})[:：](\d{2})\s*(?:-|~|～|—|–|至|到)\s*(\d{1,2})[:：](\d{2})\s*$")


def _slot(row: _Row, tz: ZoneInfo) -> None:
    """`date` + `slot` (预约日期 2026-11-26, 预约时段 09:00-09:30) as `start` and `end`, when the
    row gives no start or end of its own."""
    v = row.raw.values
    if Column.START in v or Column.END in v or not (Column.DATE in v or Column.SLOT in v):
        return
    if Column.DATE not in v or Column.SLOT not in v:
        missing = Column.SLOT if Column.DATE in v else Column.DATE
        row.refuse(missing, "is empty; a row without start and end needs both date and slot")
        return
    day = unicodedata.normalize("NFKC", v[Column.DATE]).strip().split(" ")[0].split("T")[0]
    m = _SLOT.match(unicodedata.normalize("NFKC", v[Column.SLOT]).strip())
    if not m:
        row.refuse(Column.SLOT, f"{row.shown(Column.SLOT).strip()} is not a slot; write it as 09:00-09:30")
        return
    h1, m1, h2, m2 = m.groups()
    v[Column.START], v[Column.END] = f"{day} {h1}:{m1}", f"{day} {h2}:{m2}"
    for col, src in ((Column.START, Column.DATE), (Column.END, Column.SLOT)):
        row.raw.headers.setdefault(col, row.raw.headers.get(src, src.value))


def _check(row: _Row, services: dict[str, Service], tz: ZoneInfo, secret: bytes | None) -> dict[str, Any] | None:
    raw = row.raw
    if raw.invalid:
        row.refuse(None, raw.invalid)
        return None
    for col, reason in raw.bad.items():
        row.refuse(col, reason)
    _slot(row, tz)
    for col in REQUIRED:
        if col not in raw.values and col not in raw.bad:
            instead = SLOT_INSTEAD.get(col)
            if instead and any(c in raw.headers or c in raw.values for c in instead):
                continue  # refused by _slot already
            row.refuse(col, "is empty; every appointment needs it")
    if not row.ok:
        return None
    v = raw.values
    item: dict[str, Any] = {"code": v[Column.CODE].upper()}
    svc = services.get(_key(v[Column.SERVICE]))
    if svc is None:
        bookable = ", ".join(dict.fromkeys(s.id for s in services.values() if s.appointments))
        row.refuse(
            Column.SERVICE,
            f"no service{row.shown(Column.SERVICE)} in the hall file; use a service id ({bookable}) or its name",
        )
    elif not svc.appointments:
        row.refuse(
            Column.SERVICE, f"{svc.id} is not bookable (appointments = false in the hall file); it takes walk-ins only"
        )
    else:
        item["service"] = svc.id
    times: dict[Column, datetime] = {}
    for col in (Column.START, Column.END):
        try:
            times[col] = parse_time(v[col], tz)
        except ValueError as err:
            row.refuse(col, f"{row.shown(col).strip()} is {err}")
        else:
            item[col.value] = times[col].isoformat()
    if len(times) == 2 and times[Column.END] <= times[Column.START]:
        row.refuse(Column.END, "is not after the start")
    if Column.NAME in v:
        item["name_masked"] = mask_name(v[Column.NAME])
        if len(item["name_masked"]) > MASKED_MAX:
            row.refuse(Column.NAME, f"is longer than {MASKED_MAX} characters")
    if Column.PHONE in v:
        item["phone_masked"] = mask_phone(v[Column.PHONE])
        if len(item["phone_masked"]) > MASKED_MAX:
            row.refuse(Column.PHONE, f"has more than {MASKED_MAX} digits; not a phone number")
    if Column.ID_NUMBER in v:
        assert secret is not None  # prepare() checked
        try:
            item["identity"] = identity_hash(secret, v[Column.ID_NUMBER])
        except InvalidIdNumber as err:  # its message never holds the number
            row.refuse(Column.ID_NUMBER, f"{err}; check the number (the value is not shown)")
    elif Column.IDENTITY in v:
        identity = v[Column.IDENTITY].lower()
        if not _HEX64.match(identity):
            row.refuse(Column.IDENTITY, "is not 64 hex digits (HMAC-SHA256 under the hall secret)")
        item["identity"] = identity
    return item
