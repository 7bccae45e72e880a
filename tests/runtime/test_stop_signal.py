"""A SIGTERM that arrives while a service is still starting stops it cleanly once it is up.

systemd (and a test that has just read the ready line) may stop a unit at any moment. Before
`StopSignal`, the handler was installed only when the service began to wait, so a SIGTERM a
moment earlier killed it by the default action: exit -15, no `offline` health, the last will
instead (seen in the counter bridge's will test). The child here arms the signal, then blocks
until the test has sent SIGTERM: a stand-in for a slow start that needs no sleep.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

SERVICE = """
import sys
from tideq.runtime import StopSignal
stop = StopSignal()
print("armed", flush=True)
sys.stdin.readline()  # "starting": the SIGTERM comes now
print("up", flush=True)
print("stopped" if stop.wait(5) else "ran on", flush=True)
"""

QT_SERVICE = """
import sys
from PySide6.QtCore import QCoreApplication
from tideq.runtime import StopSignal
from tideq.ui.app import exec_until_signal
stop = StopSignal()
app = QCoreApplication(sys.argv[:1])
print("armed", flush=True)
sys.stdin.readline()
print("exit", exec_until_signal(app, stop), flush=True)
"""


@pytest.mark.parametrize("code", [SERVICE, QT_SERVICE], ids=["service", "qt-app"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_while_starting_is_kept(code: str, sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdin and proc.stdout
    try:
        assert proc.stdout.readline().strip() == "armed", proc.stderr and proc.stderr.read()
        proc.send_signal(sig)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.split()[-1] in ("stopped", "0"), out
