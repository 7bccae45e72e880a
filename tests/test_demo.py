"""`tideq demo` brings a whole hall up and moves: tickets issued, printed, called, finished; a
camera counting; appointments to try; each run a fresh hall day in its own folder; a rush that
the tidal policy answers with a pool window the simulated clerks staff, and closes again.

Figures are checked against the run's own event log (SQLite in the run folder), not against
numbers written here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tideq.testing import free_port

SUMMARY = re.compile(
    r"(\d+) tickets issued \((\d+) by the simulated visitors, (\d+) printed\), (\d+) called .*?, (\d+) finished"
)


# the demo runs are CPU-heavy simulations in real time: one at a time, on one test worker
pytestmark = pytest.mark.xdist_group("demo")


def demo(out: Path, *args: str, minutes: float = 0.15, speed: float = 60, timeout: float = 150) -> str:
    cmd = [sys.executable, "-m", "tideq.cli", "demo", "--headless", "--minutes", str(minutes)]
    r = subprocess.run(
        [*cmd, "--speed", str(speed), "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        # its own gateway port: another demo (a test on the other worker) may hold the default 8780
        env={**os.environ, "TIDEQ_GATEWAY__PORT": str(free_port())},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return r.stdout


def run_folder(stdout: str) -> Path:
    m = re.search(r"^run folder: (\S+)", stdout, re.M)
    assert m, stdout[-2000:]
    return Path(m.group(1))


def events(folder: Path, kind: str) -> list[dict]:
    db = sqlite3.connect(folder / "data" / "events.sqlite3")
    try:
        return [json.loads(d) for (d,) in db.execute("SELECT data FROM events WHERE kind = ?", (kind,))]
    finally:
        db.close()


def numbers(stdout: str) -> list[str]:
    return re.findall(r"取号 ([A-Z]\d{3,4}) ", stdout)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_demo_runs_a_hall_headless(tmp_path):
    out = demo(tmp_path, "--visitors-per-min", "8", minutes=0.25)
    m = SUMMARY.search(out)
    assert m, out[-2000:]
    issued, by_visitors, printed, called, finished = map(int, m.groups())
    folder = run_folder(out)
    assert folder.parent == tmp_path
    assert by_visitors > 0 and printed == by_visitors and called > 0 and finished > 0
    assert len(list((folder / "tickets").glob("*.png"))) == printed
    # the summary is the controller's: every finish in the event log counts, and every ticket
    assert finished == len(events(folder, "finished")) and issued == len(events(folder, "ticket_issued"))
    assert "叫号 请" in out
    # appointment codes to try at the kiosk, and the controller has them
    codes = re.findall(r"appointment to try at the kiosk: (\S+)", out)
    imported = {a["code"] for e in events(folder, "appointments_imported") for a in e["appointments"]}
    assert len(codes) == 4 and set(codes) <= imported
    # the camera counted the generated waiting-area video and published both zones
    cam = re.search(r"^camera: zone-a (\d+) \((\w+)\), zone-b (\d+) \((\w+)\)", out, re.M)
    assert cam, out[-2000:]
    assert (folder / "camera.log").read_text().count("open") >= 1


def test_each_run_is_a_fresh_hall_day_in_its_own_folder_and_continue_resumes_it(tmp_path):
    first = demo(tmp_path, "--no-camera", "--visitors-per-min", "8", minutes=0.1)
    f1 = run_folder(first)
    before = digest(f1 / "tickets")
    second = demo(tmp_path, "--no-camera", "--visitors-per-min", "8", minutes=0.1)
    f2 = run_folder(second)
    assert f2 != f1 and "(a fresh hall day)" in second and "hall clock 09:00" in second
    assert numbers(second) and all(n.endswith("001") for n in numbers(second)[:1])  # numbering starts over
    assert digest(f1 / "tickets") == before  # the first run's tickets are untouched
    mid = digest(f2 / "tickets")
    stopped = json.loads((f2 / "run.json").read_text())["hall_time"][11:16]
    again = demo(tmp_path, "--no-camera", "--continue", "--visitors-per-min", "8", minutes=0.1)
    assert run_folder(again) == f2 and "(continued)" in again
    assert f"hall clock {stopped}" in again  # where the last run's clock stopped, not 09:00
    later = numbers(again)
    assert later and not set(later) & set(numbers(second))  # numbers carry on within the day
    after = digest(f2 / "tickets")
    assert {k: after[k] for k in mid} == mid and len(after) == len(mid) + len(later)


def test_a_rush_opens_a_tidal_window_the_clerks_staff_then_it_closes(tmp_path):
    """At 60x: the 税务办理 rush opens a pool window within the first minutes, its clerk walks over
    and calls there, and the window closes again once the rush is served."""
    # 40x, not 60x: a second of CPU starvation on a loaded box is then 40 hall seconds of arrivals and
    # calls missing from the rush, not a whole minute (at 60x one CI run saw no opening at all)
    out = demo(tmp_path, "--no-camera", minutes=1.65, speed=40, timeout=240)
    folder = run_folder(out)
    opened = events(folder, "tidal_opened")
    closed = events(folder, "tidal_closed")
    assert opened and all(e["service"] == "tax" for e in opened), out[-3000:]
    assert {e["window"] for e in closed} & {e["window"] for e in opened}, out[-3000:]
    pool_calls = [e for e in events(folder, "called") if e["window"] in {o["window"] for o in opened}]
    assert pool_calls, "nobody called at the tidal window"
    assert re.search(r"^tidal: \d\d:\d\d open \d+ tax;.* close \d+", out, re.M)


def _brokers_of(marker: str) -> list[int]:
    """PIDs of the Mosquittos that inherited `marker` in their environment from a demo run."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if (proc / "comm").read_text().strip() == "mosquitto" and marker.encode() in (
                proc / "environ"
            ).read_bytes():
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return pids


def test_a_demo_that_cannot_start_leaves_no_broker_behind(tmp_path):
    """The broker starts first; when the controller then cannot open the event log, the demo says
    why and stops that broker too (before, it was left running with nobody to stop it)."""
    folder = run_folder(demo(tmp_path, "--no-camera", "--visitors-per-min", "8", minutes=0.05))
    (folder / "data" / "events.sqlite3").write_bytes(b"not a database, " * 64)
    marker = f"demo-{uuid.uuid4().hex}"  # in the environment the demo's broker inherits
    for extra in ("-wal", "-shm"):
        (folder / "data" / f"events.sqlite3{extra}").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "tideq.cli", "demo", "--headless", "--minutes", "0.05", "--no-camera", "--continue"]
    r = subprocess.run(
        [*cmd, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TIDEQ_GATEWAY__PORT": str(free_port()), "TIDEQ_TEST_RUN": marker},
    )
    assert r.returncode != 0, r.stdout[-2000:]
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "events.sqlite3" in r.stdout + r.stderr  # it names what is wrong
    assert _brokers_of(marker) == []
