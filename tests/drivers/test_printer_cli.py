"""`tideq printer-sim` and `tideq printer-test` as staff run them, in real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2

from tideq.cli import main
from tideq.drivers.printer.sim import PrinterSim
from tideq.drivers.printer.virtual import VirtualPrinter
from tideq.testing import free_port


def test_printer_test_against_sim_process(tmp_path: Path) -> None:
    port = free_port()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "printer-sim",
            "--port",
            str(port),
            "--no-pty",
            "--out",
            str(tmp_path),
            "--width",
            "58",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None and sim.stdin is not None
        assert sim.stdout.readline().strip() == f"listening tcp://127.0.0.1:{port}"
        out = subprocess.run(
            [sys.executable, "-m", "tideq.cli", "printer-test", f"tcp://127.0.0.1:{port}", "--width", "58"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "print: printed" in out.stdout and "status: ok" in out.stdout
        line = sim.stdout.readline()
        while not line.startswith("ticket 1:"):
            line = sim.stdout.readline()
        png = Path(line.split(": ", 1)[1].strip())
        assert "TQ1:" in cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))[0]
        assert "企业开办" in png.with_suffix(".txt").read_text(encoding="utf-8")
        sim.stdin.write("paper out\n")
        sim.stdin.flush()
        while "paper=<Paper.OUT" not in line:
            line = sim.stdout.readline()
        out = subprocess.run(
            [sys.executable, "-m", "tideq.cli", "printer-test", f"tcp://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert out.returncode == 1 and "PaperOut" in out.stdout and "status: paper_out" in out.stdout
        sim.stdin.write("quit\n")
        sim.stdin.flush()
        assert sim.wait(10) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()


def test_printer_test_in_process_over_pty(tmp_path: Path, capsys) -> None:
    vp = VirtualPrinter("cli", tmp_path, 80)
    with PrinterSim(vp, port=None) as sim:
        assert main(["printer-test", f"serial://{sim.pty_path}", "--width", "80"]) == 0
        vp.wait_for_tickets(1)
    assert "status: ok" in capsys.readouterr().out


def test_bad_url_exits_2(capsys) -> None:
    assert main(["printer-test", "lpt://1"]) == 2
    assert "scheme must be one of" in capsys.readouterr().err


def test_drivers_never_import_qt() -> None:
    code = (
        "import sys, tideq.drivers.printer, tideq.drivers.printer.cli, tideq.drivers.printer.sim, "
        "tideq.kiosk.printer_health; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
