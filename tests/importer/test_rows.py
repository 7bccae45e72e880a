"""The importer's reading and checking, on real files, without a broker: encodings, header
mapping, time forms, batches within the contract's limits."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tideq.contract.commands import AppointmentsCmd
from tideq.contract.wire import MAX_IMPORT_PAYLOAD
from tideq.importer import Column, ExportUnreadable, SecretRequired, batches, prepare, read_export
from tideq.importer.columns import column_of
from tideq.importer.rows import parse_time

from ..conftest import TZ
from .helpers import id_number, write_csv

HEADER = ["预约码", "事项", "开始时间", "结束时间"]


def test_headers_match_with_notes_case_and_full_width_spaces():
    assert column_of(" 手机号(必填) ") is Column.PHONE
    assert column_of("联系电话（选填）") is Column.PHONE
    assert column_of("\ufeffCode") is Column.CODE
    assert column_of("证件\u3000号码") is Column.ID_NUMBER
    assert column_of("备注") is None


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 with BOM"),
        ("gb18030", "GB18030"),
        ("gbk", "GB18030"),
        ("utf-16", "UTF-16"),
    ],
)
def test_encodings_are_detected(tmp_path, hall, encoding, name):
    f = write_csv(
        tmp_path / "e.csv", [HEADER, ["YY0001", "税务办理", "2026-11-26 14:00", "2026-11-26 14:30"]], encoding
    )
    export = read_export(f)
    assert export.encoding == name and export.format == "CSV"
    assert [a["service"] for _, a in prepare(export, hall.hall, None).items] == ["tax"]


def test_tab_and_semicolon_separators(tmp_path):
    for sep in ("\t", ";"):
        f = tmp_path / "e.csv"
        f.write_text(sep.join(HEADER) + "\n" + sep.join(["YY0001", "tax", "2026-11-26 14:00", "2026-11-26 14:30"]))
        assert read_export(f).rows[0].values[Column.CODE] == "YY0001"


def test_time_forms():
    at = datetime(2026, 11, 26, 9, 5, tzinfo=TZ)
    for text in (
        "2026-11-26 09:05",
        "2026/11/26 9:05",
        "2026-11-26T09:05:00",
        "2026年11月26日 9时05分",
        "2026-11-26 01:05Z",
    ):
        assert parse_time(text, TZ) == at, text
    assert parse_time("2026-11-26T09:05:00+0530", TZ).utcoffset() == timedelta(hours=5, minutes=30)
    assert parse_time("2026-11-26 09:05:30.25-03:00", TZ) == datetime(
        2026, 11, 26, 9, 5, 30, 250000, tzinfo=timezone(-timedelta(hours=3))
    )
    for bad in ("2026-11-26", "tomorrow", "2026-02-30 10:00", "2026-11-26 10:00+24:00"):
        with pytest.raises(ValueError):
            parse_time(bad, TZ)


def test_problems_never_show_personal_values(tmp_path, hall):
    secret_id = id_number("61011319900307123")
    f = write_csv(
        tmp_path / "e.csv",
        [
            [*HEADER, "姓名", "手机", "身份证号", "identity"],
            ["YY0001", "tax", "2026-11-26 14:00", "2026-11-26 14:30", "王" * 40, "1" * 40, secret_id[:-1] + "Y", ""],
            ["YY0002", "tax", "2026-11-26 14:00", "2026-11-26 14:30", "", "", "", "not-a-hash"],
        ],
    )
    prepared = prepare(read_export(f), hall.hall, b"s")
    text = "\n".join(map(str, prepared.problems))
    assert "row 2, 姓名 (name): is longer than 32 characters" in text
    assert "row 2, 手机 (phone): has more than 32 digits" in text
    assert "row 2, 身份证号 (id_number): not an 18-character resident ID number" in text
    assert "row 3, identity: is not 64 hex digits" in text
    assert "王王" not in text and "1111" not in text and secret_id[:-1] not in text and "not-a-hash" not in text
    assert prepared.items == [] and prepared.refused_rows == 2


def test_clear_id_numbers_need_the_secret(tmp_path, hall):
    f = write_csv(
        tmp_path / "e.csv",
        [
            [*HEADER, "证件号码"],
            ["YY0001", "tax", "2026-11-26 14:00", "2026-11-26 14:30", id_number("6101131990030712" + "3")],
        ],
    )
    with pytest.raises(SecretRequired, match="TIDEQ_HALL_SECRET"):
        prepare(read_export(f), hall.hall, None)


def test_a_header_without_a_required_column_is_unreadable(tmp_path):
    f = write_csv(tmp_path / "e.csv", [["预约码", "开始时间", "结束时间", "姓名"], ["YY0001", "x", "y", "z"]])
    with pytest.raises(ExportUnreadable, match=r"e\.csv: the header has no column for service; accepted headers"):
        read_export(f)


def test_batches_stay_within_5000_items_and_2_mib():
    item = {"code": "YY0001", "service": "tax", "start": "2026-11-26T14:00:00.000+08:00"}
    items = [(f"row {i}", item) for i in range(12_000)]
    assert [len(r) for r in batches(items)] == [5000, 5000, 2000]
    fat = {
        "code": "Y" * 32,
        "service": "s" * 64,
        "start": "2026-11-26T14:00:00.000+08:00",
        "end": "2026-11-26T14:30:00.000+08:00",
        "name_masked": "\U00020000" * 32,  # 4 bytes each in UTF-8
        "phone_masked": "*" * 32,
        "identity": "a" * 64,
    }
    runs = list(batches([(f"row {i}", fat) for i in range(20_000)]))
    assert len(runs) > 4 and sum(map(len, runs)) == 20_000
    for run in runs:
        body: dict = {"v": 1, "id": "x" * 64}
        body["appointments"] = [a for _, a in run]
        AppointmentsCmd.model_validate(body)
        assert len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()) <= MAX_IMPORT_PAYLOAD
