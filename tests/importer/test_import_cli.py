"""`tideq appointments import` as a real process, against a real controller on a real Mosquitto:
the platform's Chinese headers in GB18030, UTF-8 with BOM, JSON, bad rows reported one by one,
extra columns dropped, names and phones masked and ID numbers hashed before they leave, what the
controller stores (read from its SQLite event log), and the exit codes."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from tideq.config import EXAMPLE_HALL
from tideq.contract.identity import identity_hash

from ..conftest import HALL_SECRET, TZ
from .helpers import id_number, raw_bytes, run_import, stored_imports, write_csv, write_json, wrong_check_digit

ID_A = id_number("61011319900307123")
ID_BAD = wrong_check_digit("61011319851111456")
SECRET = HALL_SECRET.encode()


def test_chinese_headers_in_gb18030_one_bad_row_never_rejects_the_others(controller, broker, tmp_path):
    f = write_csv(
        tmp_path / "导出.csv",
        [
            ["预约编号", "事项", "预约开始时间", "结束时间", "预约人", "手机号码", "身份证号", "备注"],
            [
                "YY2001",
                "税务办理",
                "2026-11-26 14:00",
                "2026-11-26 14:30",
                "王小明*",
                "138*12345678",
                ID_A,
                "家住科技路8号",
            ],
            ["yy2002", "social-insurance", "2026/11/26 15:00", "2026/11/26 15:30", "李四", "13912345678", "", ""],
            ["YY2003", "tax", "2026-11-26 25:00", "2026-11-26 15:30", "赵六", "13700001111", "", ""],
            ["YY2004", "护照办理", "2026-11-26 14:00", "2026-11-26 14:30", "钱七", "13600002222", "", ""],
            ["YY2005", "tax", "2026-11-26 14:00", "2026-11-26 14:30", "孙八", "13500003333", ID_BAD, ""],
        ],
        encoding="gb18030",
    )
    r = run_import(f, broker.url, verbose=True)  # debug logs too: nothing personal in them
    assert r.returncode == 1, r.stderr
    assert "(CSV, GB18030)" in r.stdout
    assert "imported 2 of 5 appointments" in r.stdout
    assert "row 4, 预约开始时间 (start):" in r.stderr and "not a real date and time" in r.stderr
    assert "row 5, 事项 (service): no service '护照办理'" in r.stderr
    assert "row 6, 身份证号 (id_number): ID number check digit does not match" in r.stderr
    assert "dropped column '备注'" in r.stderr
    assert "3 of 5 rows not imported (3 refused" in r.stderr
    out = r.stdout + r.stderr
    for secret in (ID_A, ID_BAD, "王小明", "12345678", "李四", "13912345678", "孙八", "13500003333", "科技路"):
        assert secret not in out

    appts = controller.engine.appointments
    assert set(appts) == {"YY2001", "YY2002"}
    a, b = appts["YY2001"], appts["YY2002"]
    assert (a.service, a.name_masked, a.phone_masked) == ("tax", "王***", "138*****5678")
    assert a.identity == identity_hash(SECRET, ID_A)
    assert a.start == datetime(2026, 11, 26, 14, 0, tzinfo=TZ)  # no offset: the hall's timezone
    assert (b.name_masked, b.phone_masked, b.identity) == ("李*", "139****5678", None)

    stored = {s["code"]: s for s in stored_imports(controller.data_dir)}
    assert set(stored) == {"YY2001", "YY2002"}
    assert stored["YY2001"]["identity"] == identity_hash(SECRET, ID_A)
    assert set(stored["YY2001"]) <= {"code", "service", "start", "end", "name_masked", "phone_masked", "identity"}
    disk = raw_bytes(controller.data_dir)
    for secret in (ID_A, ID_BAD, "王小明", "12345678", "13912345678", "科技路", "孙八"):
        assert secret.encode() not in disk


def test_utf8_with_bom_and_english_headers(controller, broker, tmp_path):
    f = tmp_path / "export.csv"
    f.write_bytes(
        "\ufeffcode,service,start,end,name_masked,phone_masked\r\n"
        "YY3001,tax,2026-11-26T16:00:00+08:00,2026-11-26T16:30:00+08:00,张*,138****5678\r\n"
        "YY3002,Tax Services,2026-11-26 08:00Z,2026-11-26 08:30Z,张三丰,+86 139 1234 0000\r\n"
        "\r\n".encode("utf-8")
    )
    r = run_import(f, broker.url)
    assert r.returncode == 0, r.stderr
    assert "(CSV, UTF-8 with BOM)" in r.stdout and "imported 2 of 2 appointments" in r.stdout
    assert "batch row 2 to row 3 (2 appointments): imported 2" in r.stdout
    a, b = controller.engine.appointments["YY3001"], controller.engine.appointments["YY3002"]
    assert (a.name_masked, a.phone_masked) == ("张*", "138****5678")
    assert (b.name_masked, b.phone_masked) == ("张**", "139****0000")
    assert b.start == datetime(2026, 11, 26, 16, 0, tzinfo=TZ)


def test_json_export_with_chinese_keys_extra_keys_dropped(controller, broker, tmp_path):
    f = write_json(
        tmp_path / "export.json",
        {
            "appointments": [
                {
                    "预约码": "YY4001",
                    "业务": "housing-fund",
                    "开始时间": "2026-11-26T11:00:00+08:00",
                    "结束时间": "2026-11-26T11:30:00+08:00",
                    "姓名": "欧阳*",
                    "联系电话": 13812345678,
                    "证件号码": ID_A,
                    "家庭住址": "科技路8号",
                    "备注": None,
                },
                {"预约码": "YY4002", "业务": "tax", "开始时间": "2026-11-26 11:00", "结束时间": ["11:30"]},
                "YY4003",
            ]
        },
    )
    r = run_import(f, broker.url)
    assert r.returncode == 1, r.stderr
    assert "(JSON, UTF-8)" in r.stdout and "imported 1 of 3 appointments" in r.stdout
    assert "item 3: is not an object" in r.stderr
    assert "dropped column '家庭住址' (1 with a value)" in r.stderr and "备注" not in r.stderr
    assert "item 2, 结束时间 (end): not a text or a number" in r.stderr
    assert "科技路" not in r.stdout + r.stderr and ID_A not in r.stdout + r.stderr
    a = controller.engine.appointments["YY4001"]
    assert (a.name_masked, a.phone_masked, a.identity) == ("欧**", "138****5678", identity_hash(SECRET, ID_A))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_appointments_import_command(controller, broker, tmp_path, fmt):
    """The export as it was written before the importer (contract headers, masked values)."""
    rows = [
        {
            "code": "YY1001",
            "service": "tax",
            "start": "2026-11-26T10:30:00+08:00",
            "end": "2026-11-26T11:00:00+08:00",
            "name_masked": "李*",
            "phone_masked": "139****0000",
        },
        {
            "code": "YY1002",
            "service": "housing-fund",
            "start": "2026-11-27T09:30:00+08:00",
            "end": "2026-11-27T10:00:00+08:00",
            "name_masked": "赵**",
            "phone_masked": "137****1111",
        },
    ]
    f = tmp_path / f"export.{fmt}"
    if fmt == "json":
        write_json(f, rows)
    else:
        write_csv(f, [list(rows[0])] + [list(r.values()) for r in rows])
    r = run_import(f, broker.url)
    assert r.returncode == 0, r.stderr
    assert "imported 2" in r.stdout
    assert set(controller.engine.appointments) == {"YY1001", "YY1002"}


def test_import_without_controller_says_what_to_do(broker, tmp_path):
    f = write_json(
        tmp_path / "e.json",
        [{"code": "YY1001", "service": "tax", "start": "2026-11-26 10:30", "end": "2026-11-26 11:00"}],
    )
    r = run_import(f, broker.url, "--timeout", "1")
    assert r.returncode == 1 and "Is the controller running" in r.stderr
    assert "1 appointments not sent" in r.stderr and "imported 0 of 1" in r.stdout


def test_unreadable_files_and_a_wrong_hall_file_exit_2_and_send_nothing(controller, broker, tmp_path):
    good = write_csv(
        tmp_path / "good.csv",
        [["code", "service", "start", "end"], ["YY5001", "tax", "2026-11-26 14:00", "2026-11-26 14:30"]],
    )
    no_start = write_csv(
        tmp_path / "no-start.csv", [["预约码", "事项", "结束时间"], ["YY5002", "tax", "2026-11-26 14:30"]]
    )
    binary = tmp_path / "export.csv"
    binary.write_bytes(b"\x80\x81\xfe\x00\x00\xff" * 10)
    bad_json = tmp_path / "export.json"
    bad_json.write_text("[" * 5000)
    hall = tmp_path / "hall.toml"
    hall.write_text('[hall]\nid = "Not A Hall"\n')
    cases = [
        (tmp_path / "missing.csv", EXAMPLE_HALL, "cannot read the file"),
        (no_start, EXAMPLE_HALL, "the header has no column for start; accepted headers: start: start / 开始时间"),
        (binary, EXAMPLE_HALL, "is neither UTF-8 nor GB18030/GBK"),
        (bad_json, EXAMPLE_HALL, "not JSON"),
        (good, hall, "hall.toml"),
    ]
    for f, config, message in cases:
        r = run_import(f, broker.url, config=config)
        assert r.returncode == 2, (f, r.stdout, r.stderr)
        assert message in r.stderr, (f, r.stderr)
    assert controller.engine.appointments == {}


def test_clear_id_numbers_without_the_hall_secret_are_never_sent(controller, broker, tmp_path):
    f = write_csv(
        tmp_path / "e.csv",
        [
            ["预约码", "事项", "开始时间", "结束时间", "身份证号"],
            ["YY6001", "tax", "2026-11-26 14:00", "2026-11-26 14:30", ID_A],
        ],
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "TIDEQ_HALL_SECRET"}
    r = run_import(f, broker.url, env=env)
    assert r.returncode == 2 and "set TIDEQ_HALL_SECRET to the hall secret" in r.stderr
    assert ID_A not in r.stdout + r.stderr
    assert controller.engine.appointments == {} and stored_imports(controller.data_dir) == []


def test_a_batch_the_controller_refuses_is_split_until_the_refused_row_is_alone(controller, broker, tmp_path):
    """The importer's hall file books a service the controller's does not: the controller refuses
    the batch; the importer sends it again in halves and only that row is lost."""
    text = EXAMPLE_HALL.read_text(encoding="utf-8")
    text = re.sub(r'(id = "policy-redemption"(?:\n(?!\[).*)*?\nappointments = )false', r"\1true", text)
    assert 'appointments = true\nidentity_required = false\nmean_service_s = 540\nzone = "zone-a"' in text
    other = tmp_path / "other-hall.toml"
    other.write_text(text, encoding="utf-8")
    rows = [["code", "service", "start", "end"]] + [
        [f"YY70{i:02d}", "惠企政策兑现" if i == 2 else "tax", "2026-11-26 14:00", "2026-11-26 14:30"] for i in range(5)
    ]
    r = run_import(write_csv(tmp_path / "e.csv", rows), broker.url, config=other)
    assert r.returncode == 1, r.stderr
    assert "batch row 4 (1 appointment): refused by the controller (service_not_bookable)" in r.stdout
    assert "imported 4 of 5 appointments" in r.stdout
    assert set(controller.engine.appointments) == {"YY7000", "YY7001", "YY7003", "YY7004"}


def test_more_than_5000_rows_go_in_several_batches(controller, broker, tmp_path):
    rows = [["code", "service", "start", "end", "phone"]] + [
        [f"B{i:05d}", "tax", "2026-11-26 14:00", "2026-11-26 14:30", f"138{i:08d}"] for i in range(5003)
    ]
    r = run_import(write_csv(tmp_path / "big.csv", rows), broker.url)
    assert r.returncode == 0, r.stderr
    assert "batch row 2 to row 5001 (5000 appointments): imported 5000" in r.stdout
    assert "batch row 5002 to row 5004 (3 appointments): imported 3" in r.stdout
    assert len(controller.engine.appointments) == 5003
    assert controller.engine.appointments["B05002"].phone_masked == "138****5002"


def test_check_reads_and_reports_but_sends_nothing(controller, broker, tmp_path):
    f = write_csv(
        tmp_path / "e.csv",
        [
            ["预约码", "事项", "开始时间", "结束时间"],
            ["YY8001", "tax", "2026-11-26 14:00", "2026-11-26 14:30"],
            ["YY8001", "tax", "2026-11-26 15:00", "2026-11-26 15:30"],
            ["YY8003", "policy-redemption", "2026-11-26 15:00", "2026-11-26 14:30"],
        ],
    )
    r = run_import(f, broker.url, "--check")
    assert r.returncode == 1
    assert "checked: 1 of 3 appointments would be sent; 2 refused" in r.stdout
    assert "row 3, 预约码 (code): YY8001 is already in row 2" in r.stderr
    assert "row 4, 事项 (service): policy-redemption is not bookable" in r.stderr
    assert "row 4, 结束时间 (end): is not after the start" in r.stderr
    assert controller.engine.appointments == {}
    assert json.dumps(stored_imports(controller.data_dir)) == "[]"


def test_the_controller_masks_again_on_arrival(client, controller):
    """The second line of defence: a client that sends half-masked values (not the importer)
    still gets only masked forms stored."""
    r = client.send(
        "appointments",
        {
            "appointments": [
                {
                    "code": "YY9001",
                    "service": "tax",
                    "start": "2026-11-26T14:00:00+08:00",
                    "end": "2026-11-26T14:30:00+08:00",
                    "name_masked": "王小明*",
                    "phone_masked": "138*12345678",
                }
            ]
        },
    )
    assert r.ok and r.imported == 1
    a = controller.engine.appointments["YY9001"]
    assert (a.name_masked, a.phone_masked) == ("王***", "138*****5678")
    disk = raw_bytes(controller.data_dir)
    assert "王小明".encode() not in disk and b"12345678" not in disk
