"""The header mapping: which column of an export is which field of `cmd/appointments`.

The city booking platform exports Chinese headers; other tools write the contract's English
names. A header is matched after trimming spaces (also full-width ones) and a BOM, ignoring case
and any `(...)`/`（...）` note such as `手机号(必填)`. A column that matches no field is dropped:
it is never sent, and the import reports it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum


class Column(str, Enum):
    """A field the importer reads. `ID_NUMBER` is read only to be hashed into `identity`."""

    CODE = "code"
    SERVICE = "service"
    START = "start"
    END = "end"
    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    IDENTITY = "identity"
    DATE = "date"  # 预约日期 with 预约时段: the platform's other way to give start and end
    SLOT = "slot"


@dataclass(frozen=True)
class ColumnSpec:
    column: Column
    headers: tuple[str, ...]  # accepted headers, the canonical one first
    required: bool
    personal: bool  # an error on this column never shows its value
    meaning: str


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        Column.CODE,
        ("code", "预约码", "预约编号", "预约号", "预约单号", "appointment_code"),
        True,
        False,
        "the appointment code (4-32 letters, digits, `-`)",
    ),
    ColumnSpec(
        Column.SERVICE,
        (
            "service",
            "事项",
            "业务",
            "事项名称",
            "业务名称",
            "办理事项",
            "预约事项",
            "预约业务",
            "业务事项",
            "service_id",
        ),
        True,
        False,
        "a service id of the hall file, or its Chinese or English name",
    ),
    ColumnSpec(
        Column.START,
        ("start", "开始时间", "预约开始时间", "start_time"),
        True,
        False,
        "slot start; without an offset it is in the hall's timezone",
    ),
    ColumnSpec(Column.END, ("end", "结束时间", "预约结束时间", "end_time"), True, False, "slot end, after the start"),
    ColumnSpec(
        Column.NAME,
        ("name_masked", "name", "姓名", "预约人", "预约人姓名", "申请人", "办事人", "联系人"),
        False,
        True,
        "masked here: only the first character is sent",
    ),
    ColumnSpec(
        Column.PHONE,
        ("phone_masked", "phone", "手机", "手机号", "手机号码", "联系电话", "联系方式", "电话"),
        False,
        True,
        "masked here: only the first 3 and last 4 digits are sent",
    ),
    ColumnSpec(
        Column.ID_NUMBER,
        ("id_number", "身份证号", "身份证号码", "证件号码", "证件号", "身份证"),
        False,
        True,
        "a clear resident ID number: checked and sent only as its HMAC under the hall secret",
    ),
    ColumnSpec(
        Column.IDENTITY,
        ("identity",),
        False,
        True,
        "the HMAC already computed (64 hex digits), sent as is",
    ),
    ColumnSpec(
        Column.DATE,
        ("date", "预约日期", "办理日期", "日期"),
        False,
        False,
        "the slot's day, with `slot`, when the export has no start and end columns",
    ),
    ColumnSpec(
        Column.SLOT,
        ("slot", "预约时段", "时段", "预约时间段", "办理时段"),
        False,
        False,
        "the slot as HH:MM-HH:MM (09:00-09:30, 上午 09:00～09:30), with `date`",
    ),
)
SPECS: dict[Column, ColumnSpec] = {s.column: s for s in COLUMNS}
REQUIRED: tuple[Column, ...] = tuple(s.column for s in COLUMNS if s.required)
SLOT_INSTEAD: dict[Column, tuple[Column, Column]] = {
    Column.START: (Column.DATE, Column.SLOT),
    Column.END: (Column.DATE, Column.SLOT),
}  # a required column that `date` + `slot` may stand in for


def missing_columns(present: set[Column]) -> list[Column]:
    """Required fields no column gives (start and end may come from `date` + `slot`)."""
    return [c for c in REQUIRED if c not in present and not (c in SLOT_INSTEAD and set(SLOT_INSTEAD[c]) <= present)]


_NOTE = re.compile(r"[(（][^)）]*[)）]")


def normalise_header(header: str) -> str:
    """`  手机号(必填) ` -> `手机号`; `Start ` -> `start`."""
    h = unicodedata.normalize("NFKC", header).replace("\ufeff", "")
    h = _NOTE.sub("", h)
    return re.sub(r"\s+", "", h).lower()


_BY_HEADER: dict[str, Column] = {normalise_header(h): s.column for s in COLUMNS for h in s.headers}


def column_of(header: str) -> Column | None:
    """The field a header names, or None when the column is not part of `cmd/appointments`."""
    return _BY_HEADER.get(normalise_header(header))
