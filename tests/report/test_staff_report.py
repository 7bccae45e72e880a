"""`tideq report`'s per-staff table from a real event log: clerks sign in at the real controller
(on a real Mosquitto), serve and are rated, one shift change included; the report read from the
controller's SQLite log counts each clerk's served and 满意率, and the XLSX has the staff sheet."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.contract.staff import pin_proof
from tideq.report.api import build, hall_today
from tideq.report.render import tables, write_xlsx

from ..conftest import HALL_SECRET
from ..staff import CLERKS, HALL, issue, with_clerks


@pytest.fixture(scope="module")
def hall():
    return with_clerks(load(EXAMPLE_HALL))


def test_the_report_counts_each_clerk_from_the_event_log(hall, broker, controller, client, clock, tmp_path):
    w5 = BusClient(broker.url, HALL, "window-5").connect()
    try:

        def sign_in(sid: str) -> None:
            proof = pin_proof(HALL_SECRET.encode(), sid, CLERKS[sid])
            assert w5.send("window/5", {"action": "sign_in", "staff": sid, "pin_proof": proof}).ok

        def serve(rating: int) -> None:
            issue(client, "tax")
            assert w5.send("window/5", {"action": "next"}).ok
            clock.advance(minutes=5)
            assert w5.send("window/5", {"action": "finish", "rating": rating}).ok

        sign_in("1001")
        serve(5)
        serve(1)
        sign_in("1002")  # shift change at the open window
        serve(4)
    finally:
        w5.close()
    day = hall_today(hall, clock.now())
    r = build(hall, day, day, controller.data_dir)
    assert r.staff == {
        "1001": {"served": 2, "rated": 2, "satisfied": 1},
        "1002": {"served": 1, "rated": 1, "satisfied": 1},
    }
    staff_table = next(rows for title, _, rows in tables(r) if title.startswith("工作人员"))
    assert staff_table == [["1001", 2, 2, "50.0%"], ["1002", 1, 1, "100.0%"]]
    wb = load_workbook(write_xlsx(r, tmp_path / "r.xlsx"))
    assert [c.value for c in wb["工作人员 Staff"]["A"]][1:] == ["1001", "1002"]
