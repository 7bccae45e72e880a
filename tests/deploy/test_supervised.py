"""What systemd would do with the generated units, done by hand where there is no systemd PID 1
(this container): run each unit's own ExecStart= with its Environment= and EnvironmentFile=, see
READY=1, `kill -9` it, start it again as Restart=always would after RestartSec, and see it READY
again with nothing lost. This checks the command lines the units carry (systemd-analyze verify
checks only that the binary exists); systemd's restart itself is not run here."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from pathlib import Path

from tideq.broker.acl import write_acl
from tideq.cli import build_parser
from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.testing import Mosquitto

from .notify_socket import NotifySocket
from .test_units import install, read


def unit_process(unit: Path, notify: NotifySocket, extra_env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the unit's ExecStart= the way systemd would: its environment, its env file."""
    s = read(unit)["Service"]
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path)}
    env.update(dict(kv.split("=", 1) for kv in shlex.split(s["Environment"])))
    env.pop("HOME")  # /var/lib/tideq (StateDirectory=) does not exist here
    env_file = Path(s["EnvironmentFile"].lstrip("-"))
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = shlex.split(v)[0]
    env.update(extra_env)  # what this machine needs instead (no X server: offscreen)
    argv = shlex.split(s["ExecStart"].replace("%%", "%"))
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_controller_unit_survives_kill_9(broker, tmp_path: Path) -> None:
    data = tmp_path / "data"
    # the hall's clock at 10:00 today: on the wall clock the hall is closed half the day (CI failed at 20:49)
    install(
        tmp_path, "controller", None, f"--data-dir={data}", f"--arg=--broker={broker.url}", "--arg=--start-at=10:00"
    )
    unit = tmp_path / "units" / "tideq-controller.service"
    notify = NotifySocket(tmp_path / "notify")
    kiosk = BusClient(broker.url, "xian-hitech", "kiosk-1")
    procs: list[subprocess.Popen[str]] = []
    try:
        procs.append(unit_process(unit, notify, {"TIDEQ_HALL_SECRET": "x"}))
        assert notify.until("READY", 60)["READY"] == "1"
        kiosk.connect()
        first = kiosk.request("ticket", {"service": "general-consult", "source": "kiosk-1"}, timeout=10)
        assert first["ok"], first
        procs[0].send_signal(signal.SIGKILL)  # no goodbye, no clean stop
        assert procs[0].wait(10) == -signal.SIGKILL
        procs.append(unit_process(unit, notify, {"TIDEQ_HALL_SECRET": "x"}))  # Restart=always
        assert notify.until("READY", 60)["READY"] == "1"
        again = kiosk.request("ticket", {"service": "general-consult", "source": "kiosk-1"}, timeout=10)
        assert again["ok"], again
        n1, n2 = first["ticket"]["number"], again["ticket"]["number"]
        assert n1[0] == n2[0] and int(n2[1:]) == int(n1[1:]) + 1  # the acknowledged ticket survived
        procs[1].send_signal(signal.SIGTERM)
        assert notify.until("STOPPING", 20)["STOPPING"] == "1"
        _, err = procs[1].communicate(timeout=30)
        assert procs[1].returncode == 0, err
    finally:
        kiosk.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()
        notify.close()
    # Environment=TIDEQ_LOG_FORMAT=json: journald gets one JSON object per line
    assert err.strip() and all(line.startswith("{") for line in err.splitlines()), err


def test_controller_unit_logs_in_as_its_acl_login(tmp_path: Path) -> None:
    """docs/deploy.md's edge box: `tideq acl` logins on the broker, a hall file with no [broker]
    username, `tideq install controller --credentials`. The unit's controller must log in as
    `controller`, whose password its env file holds: it connected with no username at all and the
    broker refused it ("Not authorized"), a restart loop found by bench/vm_deploy.py under systemd."""
    data = tmp_path / "data"
    files = write_acl(load(EXAMPLE_HALL).hall, tmp_path / "acl")
    with Mosquitto(extra_config=["user root", *files.conf.read_text().splitlines()]) as broker:
        install(
            tmp_path,
            "controller",
            None,
            f"--data-dir={data}",
            f"--arg=--broker={broker.url}",
            "--arg=--start-at=10:00",
            f"--credentials={files.out / 'credentials.toml'}",
        )
        unit = tmp_path / "units" / "tideq-controller.service"
        notify = NotifySocket(tmp_path / "notify")
        proc = unit_process(unit, notify, {"TIDEQ_HALL_SECRET": "x"})
        try:
            assert notify.until("READY", 60)["READY"] == "1"
        finally:
            proc.kill()
            _, err = proc.communicate()
            notify.close()
        assert "Not authorized" not in err, err


def test_board_unit_comes_back_after_kill_9(broker, tmp_path: Path) -> None:
    install(tmp_path, "board", "main", f"--arg=--broker={broker.url}", "--arg=--no-voice")
    unit = tmp_path / "units" / "tideq-board-main.service"
    notify = NotifySocket(tmp_path / "notify")
    procs: list[subprocess.Popen[str]] = []
    env = {"QT_QPA_PLATFORM": "offscreen"}  # the unit says xcb on the X server of tideq-x-vt7
    try:
        for _ in range(2):
            procs.append(unit_process(unit, notify, env))
            assert notify.until("READY", 60)["READY"] == "1"
            procs[-1].send_signal(signal.SIGKILL)
            assert procs[-1].wait(10) == -signal.SIGKILL
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()
        notify.close()


def test_unit_command_lines_parse(tmp_path: Path) -> None:
    """Every unit's ExecStart= is a command line tideq's own parser accepts (required options,
    choices, ids): systemd-analyze verify checks only that the binary exists."""
    from .test_units import ROLES

    for role, ident in ROLES:
        install(tmp_path, role, ident)
    for unit in sorted((tmp_path / "units").glob("tideq-*.service")):
        if unit.name.startswith(("tideq-x-", "tideq-report-")):  # Xorg; `tideq report` is not built yet
            continue
        argv = shlex.split(read(unit)["Service"]["ExecStart"])[1:]
        args = build_parser(argv[0]).parse_args(argv)  # exits (SystemExit 2) on a bad line
        assert args.func is not None and args.config.endswith("xian-hitech.toml"), unit.name
