"""`tideq appointments import` of a real .xlsx workbook (written by openpyxl here), with the
platform's Chinese headers, date cells, phone numbers typed as numbers and the 预约日期 + 预约时段
layout, against a real controller on a real Mosquitto."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from tideq.contract.identity import identity_hash
from tideq.importer import read_export

from ..conftest import HALL_SECRET, TZ
from .helpers import id_number, raw_bytes, run_import, stored_imports

ID_A = id_number("61011319900307123")


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 26, hour, minute)  # a date cell: no timezone


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "预约明细"
    for r in rows:
        sheet.append(r)
    book.save(path)
    return path


def test_xlsx_with_chinese_headers_date_cells_and_a_bad_row(controller, broker, tmp_path):
    f = write_xlsx(
        tmp_path / "掌上预约导出.xlsx",
        [
            ["预约编号", "预约事项", "预约开始时间", "预约结束时间", "预约人姓名", "联系电话", "身份证号码", "备注"],
            [
                "YX1001",
                "税务办理",
                datetime(2026, 11, 26, 14, 0),
                datetime(2026, 11, 26, 14, 30),
                "王小明",
                13812345678,
                ID_A,
                "三楼",
            ],
            ["YX1002", "社保医保", "2026-11-26 15:00", "2026-11-26 15:30", "李四", "13912345678", None, None],
            [
                "YX1003",
                "tax",
                datetime(2026, 11, 26, 16, 0),
                datetime(2026, 11, 26, 15, 0),
                "赵六",
                13700001111,
                None,
                None,
            ],
            [None, None, None, None, None, None, None, None],  # Excel's empty trailing row
        ],
    )
    r = run_import(f, broker.url, env={"TIDEQ_HALL_SECRET": HALL_SECRET, **_env()})
    assert r.returncode == 1, r.stderr
    assert "(XLSX, XLSX (first sheet))" in r.stdout
    assert "imported 2 of 3 appointments" in r.stdout
    assert "row 4, 预约结束时间 (end): is not after the start" in r.stderr
    assert "dropped column '备注'" in r.stderr
    appts = controller.engine.appointments
    assert set(appts) == {"YX1001", "YX1002"}
    a = appts["YX1001"]
    assert (a.service, a.name_masked, a.phone_masked) == ("tax", "王**", "138****5678")
    assert a.start == datetime(2026, 11, 26, 14, 0, tzinfo=TZ)  # a date cell: the hall's timezone
    assert a.identity == identity_hash(HALL_SECRET.encode(), ID_A)
    assert appts["YX1002"].service == "social-insurance"
    disk = raw_bytes(controller.data_dir)
    for secret in (ID_A, "王小明", "13812345678", "13912345678"):
        assert secret.encode() not in disk and secret not in r.stdout + r.stderr


def test_xlsx_date_and_slot_columns_make_start_and_end(controller, broker, tmp_path):
    f = write_xlsx(
        tmp_path / "slots.xlsx",
        [
            ["预约号", "事项名称", "预约日期", "预约时段", "姓名", "手机号"],
            ["YX2001", "tax", datetime(2026, 11, 26), "上午 10:30～11:00", "张三", "13800001234"],
            ["YX2002", "tax", "2026-11-26", "14:00-14:30", "李四", "13800005678"],
            ["YX2003", "tax", "2026-11-26", "下午", "王五", "13800009999"],
        ],
    )
    r = run_import(f, broker.url)
    assert r.returncode == 1, r.stderr
    assert "imported 2 of 3 appointments" in r.stdout
    assert "row 4, 预约时段 (slot): '下午' is not a slot" in r.stderr
    stored = {s["code"]: s for s in stored_imports(controller.data_dir)}
    assert stored["YX2001"]["start"] == "2026-11-26T10:30:00.000+08:00"
    assert stored["YX2001"]["end"] == "2026-11-26T11:00:00.000+08:00"
    assert stored["YX2002"]["end"] == "2026-11-26T14:30:00.000+08:00"


def test_an_xls_workbook_is_refused_with_the_fix(tmp_path):
    f = tmp_path / "old.xls"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    import pytest

    from tideq.importer import ExportUnreadable

    with pytest.raises(ExportUnreadable, match=r"save it as \.xlsx"):
        read_export(f)


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "TIDEQ_HALL_SECRET"}
