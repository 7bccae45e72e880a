"""Reading an export: an Excel workbook (.xlsx), CSV or JSON, in the encodings the platform and
Chinese Excel write.

XLSX: the first sheet (openpyxl, read-only, cached values of formulas); its first row is the
header, like CSV. A date/time cell is read as the time it shows (in the hall's timezone unless
the text says otherwise), a whole number as its digits (a phone number typed as a number), text
as it is. An `.xls` (Excel 97) file is refused: save it as `.xlsx` or CSV.

CSV: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), else GB18030
(which contains GBK and GB2312, what Chinese Excel writes for "CSV"); the separator is `,`, tab or
`;`, whichever the header uses most. The first row is the header (see `columns`). Rows are
numbered as a spreadsheet shows them: the header is row 1.

JSON: a list of objects, or `{"appointments": [...]}`; items are numbered from 1. Keys are
matched like CSV headers.

Only the cells of known columns are kept; the others are counted by header and dropped here.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from .columns import SPECS, Column, column_of, missing_columns
from .errors import ExportUnreadable

MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass
class RawRow:
    """One row as read: the known columns' text (empty cells left out), and cells that are not
    text at all (a JSON list or object) with the reason."""

    where: str  # "row 5" (CSV, as a spreadsheet numbers it) or "item 3" (JSON)
    values: dict[Column, str] = field(default_factory=dict)
    headers: dict[Column, str] = field(default_factory=dict)  # the header each value came from
    bad: dict[Column, str] = field(default_factory=dict)
    invalid: str | None = None  # the row as a whole is not one (a JSON item that is not an object)


@dataclass
class Export:
    path: Path
    format: str  # "CSV" or "JSON"
    encoding: str
    rows: list[RawRow]
    dropped: dict[str, int] = field(default_factory=dict)  # unknown header -> cells with a value
    duplicates: dict[str, Column] = field(default_factory=dict)  # a second header for one field


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for the encodings exports come in; ExportUnreadable otherwise."""
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name
            except UnicodeDecodeError as err:
                raise ExportUnreadable(f"starts as {name} but is not ({err.reason} at byte {err.start})") from err
    for codec, name in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise ExportUnreadable("is neither UTF-8 nor GB18030/GBK text; save it from Excel as CSV (UTF-8)")


def read_export(path: Path) -> Export:
    """The export at `path`; ExportUnreadable (naming the file and the fix) if it cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ExportUnreadable(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; split the export")
        data = path.read_bytes()
    except OSError as err:
        raise ExportUnreadable(f"{path}: cannot read the file: {err.strerror or err}") from err
    try:
        if data.startswith(XLSX_MAGIC) or path.suffix.lower() == ".xlsx":
            return _xlsx(path, data)
        if data.startswith(XLS_MAGIC) or path.suffix.lower() == ".xls":
            raise ExportUnreadable("is an Excel 97 (.xls) workbook; save it as .xlsx (Excel Workbook) or CSV")
        text, encoding = decode(data)
        if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
            return _json(path, text, encoding)
        return _csv(path, text, encoding)
    except ExportUnreadable as err:
        if str(err).startswith(str(path)):
            raise
        raise ExportUnreadable(f"{path}: {err}") from err


XLSX_MAGIC = b"PK\x03\x04"  # a zip file: an Office Open XML workbook
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # an OLE2 compound file: Excel 97-2003


def _csv(path: Path, text: str, encoding: str) -> Export:
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise ExportUnreadable(f"not a CSV file: {err}") from err
    return _table(path, records, "CSV", encoding)


def _xlsx(path: Path, data: bytes) -> Export:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise ExportUnreadable(f"not an Excel workbook (.xlsx): {err}") from err
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ExportUnreadable("the workbook has no sheet")
        records = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _table(path, records, "XLSX", "XLSX (first sheet)")


def _cell(value: object) -> str:
    """A spreadsheet cell as the text it shows: a time without seconds when it has none, a whole
    number without `.0` (a phone number typed as a number), everything else as str()."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds" if value.second or value.microsecond else "minutes")
    if isinstance(value, date | dt_time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(path: Path, records: list[list[str]], fmt: str, encoding: str) -> Export:
    """Rows of cells, the first the header (CSV and XLSX)."""
    if not records or not any(c.strip() for c in records[0]):
        raise ExportUnreadable("is empty; the first row must be the header (e.g. 预约码,事项,开始时间,结束时间,...)")
    header = records[0]
    index: dict[int, Column] = {}
    export = Export(path, fmt, encoding, [])
    for i, h in enumerate(header):
        col = column_of(h)
        if col is None:
            continue
        if col in index.values():
            export.duplicates[h.strip()] = col
            continue
        index[i] = col
    missing = missing_columns(set(index.values()))
    if missing:
        raise ExportUnreadable(
            f"the header has no column for {', '.join(c.value for c in missing)}; accepted headers: "
            + "; ".join(f"{c.value}: {' / '.join(SPECS[c].headers)}" for c in missing)
            + (
                ""
                if Column.CODE in missing or Column.SERVICE in missing
                else "; or 预约日期 (date) with 预约时段 (slot)"
            )
        )
    for n, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue  # blank lines, Excel's trailing rows
        row = RawRow(f"row {n}")
        for i, cell in enumerate(record):
            col = index.get(i)
            if col is None:
                if cell.strip():
                    name = header[i].strip() if i < len(header) and header[i].strip() else f"column {i + 1}"
                    export.dropped[name] = export.dropped.get(name, 0) + 1
                continue
            if cell.strip():
                row.values[col] = cell.strip()
                row.headers[col] = header[i].strip()
        export.rows.append(row)
    return export


def _json(path: Path, text: str, encoding: str) -> Export:
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ExportUnreadable(f"not JSON: {err}") from err
    if isinstance(data, dict) and isinstance(data.get("appointments"), list):
        data = data["appointments"]
    if not isinstance(data, list):
        raise ExportUnreadable('JSON must be a list of appointments or {"appointments": [...]}')
    export = Export(path, "JSON", encoding, [])
    for n, item in enumerate(data, start=1):
        row = RawRow(f"item {n}")
        export.rows.append(row)
        if not isinstance(item, dict):
            row.invalid = "is not an object; each item is one appointment {code, service, start, end, ...}"
            continue
        for key, value in item.items():
            col = column_of(str(key))
            if col is None:
                if value not in (None, ""):
                    export.dropped[str(key)] = export.dropped.get(str(key), 0) + 1
                continue
            if col in row.headers:
                export.duplicates[str(key)] = col
                continue
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                row.bad[col] = "not a text or a number"
                row.headers[col] = str(key)
                continue
            s = str(value).strip()
            if s:
                row.values[col] = s
                row.headers[col] = str(key)
    return export
