"""Archive, backup and restore against real SQLite files and a real controller process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.controller.store import CARRIED
from tideq.report import api, render, source
from tideq.report.archive import archive, backup, restore
from tideq.report.errors import ArchiveError, RestoreRefused
from tideq.report.simlog import simulate_to_log
from tideq.sim import scenarios
from tideq.testing.processes import start_controller

ENV = {"TIDEQ_HALL_SECRET": "report-test"}


@pytest.fixture(scope="module")
def loaded():
    return load(EXAMPLE_HALL)


@pytest.fixture
def kiosk(broker) -> Iterator[BusClient]:
    c = BusClient(broker.url, "xian-hitech", f"report-kiosk-{uuid.uuid4().hex[:6]}").connect()
    yield c
    c.close()


def take(kiosk: BusClient, n: int = 1) -> list[tuple[str, int]]:
    """`n` tickets of 综合咨询: (number, people ahead) as the controller acknowledged them."""
    out = []
    for _ in range(n):
        r = kiosk.request("ticket", {"service": "general-consult", "source": "kiosk-1"}, timeout=10)
        assert r["ok"], r
        out.append((r["ticket"]["number"], r["ticket"]["ahead"]))
    return out


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0


def snapshot(loaded, data_dir, day) -> list:
    return render.tables(api.build(loaded, day, day, data_dir))


def test_archive_while_the_controller_runs_and_restart(loaded, broker, kiosk, tmp_path):
    sc = scenarios.build("peak-day", loaded.hall)
    simulate_to_log(sc, "tideq", 3, tmp_path)  # a past hall day in the same log
    before_archive = snapshot(loaded, tmp_path, sc.day)
    proc = start_controller(broker.url, tmp_path, env=ENV)
    try:
        today = api.hall_today(loaded)
        assert sc.day < today
        taken = take(kiosk, 3)
        during: list[tuple[str, int]] = []
        writer = threading.Thread(target=lambda: during.extend(take(kiosk, 20)))
        writer.start()  # tickets keep coming while the days move out
        done = archive(tmp_path, today, today)
        writer.join(60)
        assert len(during) == 20
        assert done.days == [sc.day] and done.moved > 0
        taken += during + take(kiosk)  # every one acknowledged, none refused
    finally:
        stop(proc)
    live = sqlite3.connect(tmp_path / "events.sqlite3")
    left = {k for (k,) in live.execute("SELECT DISTINCT kind FROM events WHERE day = ?", (sc.day.isoformat(),))}
    live.close()
    assert left <= set(CARRIED)  # bookings of the last CARRY_DAYS stay live for the controller's rebuild
    assert snapshot(loaded, tmp_path, sc.day) == before_archive  # the report reads the archive as before
    assert source.archive_files(tmp_path) == [tmp_path / "archive" / f"events-{sc.day:%Y-%m}.sqlite3"]
    proc = start_controller(broker.url, tmp_path, env=ENV)
    try:
        ((number, ahead),) = take(kiosk)
        assert (number, ahead) == (f"H{len(taken) + 1:03d}", len(taken))  # today's queue rebuilt whole
    finally:
        stop(proc)
    again = archive(tmp_path, api.hall_today(loaded), api.hall_today(loaded))  # a second run moves nothing new
    assert again.moved == 0


def test_archive_never_takes_today(loaded, tmp_path):
    today = api.hall_today(loaded)
    simulate_to_log(scenarios.build("peak-day", loaded.hall), "tideq", 1, tmp_path)
    with pytest.raises(ArchiveError, match="after today"):
        archive(tmp_path, today + timedelta(days=1), today)


def test_old_bookings_leave_the_live_log_too(loaded, tmp_path):
    """Past CARRY_DAYS nothing of a day stays live."""
    sc = scenarios.build("peak-day", loaded.hall)
    simulate_to_log(sc, "tideq", 1, tmp_path)
    late = sc.day + timedelta(days=200)
    done = archive(tmp_path, late, late)
    live = sqlite3.connect(tmp_path / "events.sqlite3")
    assert live.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    live.close()
    assert done.kept == 0 and api.build(loaded, sc.day, sc.day, tmp_path).total_arrivals > 0


def test_the_archive_holds_no_personal_data(loaded, tmp_path):
    sc = scenarios.build("peak-day", loaded.hall)
    simulate_to_log(sc, "tideq", 1, tmp_path)  # identities for 社保, 不动产, 公积金; masked names in bookings
    live = sqlite3.connect(tmp_path / "events.sqlite3")
    personal = "SELECT COUNT(*) FROM events WHERE data LIKE '%identity%' OR data LIKE '%name_masked%'"
    assert live.execute(personal).fetchone()[0] > 0
    live.close()
    before = snapshot(loaded, tmp_path, sc.day)
    late = sc.day + timedelta(days=200)
    archive(tmp_path, late, late)
    (arc,) = source.archive_files(tmp_path)
    db = sqlite3.connect(arc)
    assert db.execute(personal).fetchone()[0] == 0
    db.close()
    assert snapshot(loaded, tmp_path, sc.day) == before  # statistics need none of it


def test_backup_online_and_restore_into_a_real_controller(loaded, broker, kiosk, tmp_path):
    data = tmp_path / "data"
    proc = start_controller(broker.url, data, env=ENV)
    try:
        taken = take(kiosk, 3)
        copy = backup(data, tmp_path / "backup.sqlite3")  # online: the controller runs
        with pytest.raises(RestoreRefused, match="open in another process"):
            restore(data, copy, datetime.now())
        take(kiosk)  # still serving after the refused restore
    finally:
        stop(proc)
    for name in ("events.sqlite3", "events.sqlite3-wal", "events.sqlite3-shm"):  # the disk is lost
        (data / name).unlink(missing_ok=True)
    assert restore(data, copy, datetime.now()) is None
    proc = start_controller(broker.url, data, env=ENV)
    try:
        ((number, ahead),) = take(kiosk)
        assert (number, ahead) == (f"H{len(taken) + 1:03d}", len(taken))  # the queue as it was backed up
    finally:
        stop(proc)


def test_restore_keeps_the_log_it_replaces_and_refuses_a_non_log(loaded, tmp_path):
    sc = scenarios.build("peak-day", loaded.hall)
    simulate_to_log(sc, "tideq", 1, tmp_path / "a")
    copy = backup(tmp_path / "a", tmp_path / "a.bak")
    simulate_to_log(sc, "tideq", 2, tmp_path / "b")
    kept = restore(tmp_path / "b", copy, datetime(2026, 12, 1, 8, 0))
    assert kept is not None and kept.exists()
    assert snapshot(loaded, tmp_path / "b", sc.day) == snapshot(loaded, tmp_path / "a", sc.day)
    (tmp_path / "b" / "events.sqlite3").write_bytes(os.urandom(8192))  # the live log is damaged
    damaged = restore(tmp_path / "b", copy, datetime(2026, 12, 1, 9, 0))
    assert damaged is not None and damaged.name == "events.sqlite3.damaged-20261201T090000"
    assert snapshot(loaded, tmp_path / "b", sc.day) == snapshot(loaded, tmp_path / "a", sc.day)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(RestoreRefused):
        restore(tmp_path / "b", junk, datetime.now())
