"""`tideq install ROLE` for every role of the example hall, run as the real command into a
temporary prefix; `systemd-analyze verify` (systemd's own parser) accepts every unit, and the
units say what docs/deploy.md promises: notify + watchdog, restart, ordering, hardening, groups,
the password in a 0600 env file and not in the unit."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tideq.cli import build_parser
from tideq.config import EXAMPLE_HALL

ROLES: list[tuple[str, str | None]] = [
    ("controller", None),
    ("kiosk", "kiosk-1"),
    ("board", "main"),
    ("window-screen", "5"),
    ("counter", "5"),
    ("manager", None),
    ("camera", "cam-1"),
    ("counter-bridge", "keypads-1"),
    ("ledstrips", "led-1"),
    ("gateway", None),
    ("report-archive", None),
]
SCREENS = {"kiosk", "board", "window-screen", "counter", "manager"}
STEMS = {  # role -> its unit, named like the role's broker login
    "controller": "tideq-controller",
    "kiosk": "tideq-kiosk-1",
    "board": "tideq-board-main",
    "window-screen": "tideq-window-screen-5",
    "counter": "tideq-window-5",
    "manager": "tideq-manager",
    "camera": "tideq-camera-cam-1",
    "counter-bridge": "tideq-bridge-keypads-1",
    "ledstrips": "tideq-ledstrip-led-1",
    "gateway": "tideq-gateway",
}


def tideq_executable(tmp: Path) -> Path:
    """A real executable for ExecStart= (verify checks it exists): the venv's, else a stand-in."""
    beside = Path(sys.executable).with_name("tideq")
    if beside.exists():
        return beside
    stub = tmp / "tideq"
    stub.write_text(f'#!/bin/sh\nexec {sys.executable} -m tideq.cli "$@"\n')
    stub.chmod(0o755)
    return stub


def install(tmp: Path, role: str, ident: str | None, *extra: str, env: dict[str, str] | None = None) -> str:
    argv = [sys.executable, "-m", "tideq.cli", "install", role, "--config", str(EXAMPLE_HALL)]
    argv += ["--prefix", str(tmp / "units"), "--env-dir", str(tmp / "env"), "--tideq", str(tideq_executable(tmp))]
    argv += ["--data-dir", "/var/lib/tideq/data", *(["--id", ident] if ident else []), *extra]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def read(path: Path) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read_string(path.read_text())
    return cp


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    for role, ident in ROLES:
        install(tmp, role, ident, env={"TIDEQ_BROKER_PASSWORD": f"pw-{role}"})
    return tmp


def test_every_role_has_its_units(installed: Path) -> None:
    names = sorted(p.name for p in (installed / "units").iterdir())
    extra = ["tideq-report-archive.service", "tideq-report-archive.timer", "tideq-x-vt7.service"]
    assert names == sorted([f"{stem}.service" for stem in STEMS.values()] + extra)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze (apt install systemd)")
def test_systemd_analyze_verify_accepts_every_unit(installed: Path) -> None:
    units = sorted(str(p) for p in (installed / "units").iterdir())
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, timeout=120
    )
    # verify warns (unknown key, bad value, missing binary) on stderr; rc alone misses the warnings
    problems = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 0 and not problems, done.stderr


def test_verify_would_catch_a_broken_unit(installed: Path, tmp_path: Path) -> None:
    """The check above is not vacuous: the same call rejects a unit with a typo."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("no systemd-analyze")
    good = (installed / "units" / "tideq-controller.service").read_text()
    bad = tmp_path / "tideq-broken.service"
    bad.write_text(good.replace("Restart=always", "Restart=sometimes"))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(bad)], capture_output=True, text=True)
    assert "restart specifier" in done.stderr


@pytest.mark.parametrize("role,ident", [r for r in ROLES if r[0] != "report-archive"])
def test_long_running_services(installed: Path, role: str, ident: str | None) -> None:
    service = installed / "units" / f"{STEMS[role]}.service"
    unit = read(service)
    s, u = unit["Service"], unit["Unit"]
    assert (s["Type"], s["NotifyAccess"], s["Restart"]) == ("notify", "main", "always")
    assert int(s["WatchdogSec"]) >= 30 and s["RestartSec"] == "2"
    assert "network-online.target" in u["After"] and "network-online.target" in u["Wants"]
    assert u["StartLimitIntervalSec"] == "0"  # never give up restarting
    assert s["User"] == "tideq" and "TIDEQ_LOG_FORMAT=json" in s["Environment"]
    assert s["SyslogIdentifier"] == service.stem
    assert s["NoNewPrivileges"] == "yes" and s["ProtectSystem"] == "strict"
    assert s["ReadWritePaths"] == "-/var/lib/tideq/data"
    assert "pw-" not in service.read_text()  # the password lives in the env file only
    env = Path(s["EnvironmentFile"].lstrip("-"))
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert f'"pw-{role}"' in env.read_text()
    groups = s.get("SupplementaryGroups", "").split()
    if role in ("counter-bridge", "ledstrips", "kiosk"):
        assert "dialout" in groups
    if role in ("kiosk", "board"):
        assert "audio" in groups
    if role == "camera":
        assert "video" in groups
    if role in ("controller", "gateway"):
        assert s["PrivateDevices"] == "yes"
    if role in SCREENS:
        assert "tideq-x-vt7.service" in u["After"] and "tideq-x-vt7.service" in u["Wants"]
        assert "DISPLAY=:0" in s["Environment"] and "--windowed" not in s["ExecStart"]
    if role != "controller":
        assert "tideq-controller.service" in u["After"]


def test_the_x_server_is_bare(installed: Path) -> None:
    """No window manager, no cursor, no blanking: the screens' lock-down is the X server's flags."""
    s = read(installed / "units" / "tideq-x-vt7.service")["Service"]
    flags = s["ExecStart"].split()
    assert flags[0] == "/usr/bin/Xorg" and {"-nocursor", "-nolisten", "-dpms", "-novtswitch"} <= set(flags)
    assert flags[flags.index("-s") + 1] == "0"  # screen saver off
    assert s["Restart"] == "always" and s["PAMName"] == "login" and s["TTYPath"] == "/dev/tty7"


def test_the_x_server_has_its_home(installed: Path, tmp_path: Path) -> None:
    """A rootless Xorg writes its log under $HOME (~/.local/share/xorg) and exits when it cannot.
    The home, /var/lib/tideq, was made only by the services' StateDirectory=, which start after
    the X server: at the first boot it failed once (found by bench/vm_deploy.py)."""
    install(tmp_path, "board", "main", "--vt", "8")  # the second screen of a box: its own X server
    for unit in (installed / "units" / "tideq-x-vt7.service", tmp_path / "units" / "tideq-x-vt8.service"):
        s = read(unit)["Service"]
        assert s["User"] == "tideq" and s["StateDirectory"] == "tideq"  # = the user's home, /var/lib/tideq


def test_x_servers_start_ready_and_one_after_the_other(tmp_path: Path) -> None:
    """Two X servers of one box (kiosk on vt7, board on vt8) started together: each activates its
    VT and waits for it, and the loser waited for ever (the board never came up at boot under
    systemd, bench/vm_deploy.py). Xorg (21.1) sends READY=1, so Type=notify orders them for real,
    and the screens start on a display that takes clients."""
    install(tmp_path, "kiosk", "kiosk-1")
    install(tmp_path, "board", "main", "--vt", "9")
    vt7 = read(tmp_path / "units" / "tideq-x-vt7.service")
    vt9 = read(tmp_path / "units" / "tideq-x-vt9.service")
    assert vt7["Service"]["Type"] == vt9["Service"]["Type"] == "notify"
    assert "tideq-x-vt" not in vt7["Unit"]["After"]
    assert {"tideq-x-vt7.service", "tideq-x-vt8.service"} <= set(vt9["Unit"]["After"].split())


@pytest.mark.parametrize("role,ident", [(r, i) for r, i in ROLES if r in SCREENS])
def test_screens_have_a_writable_tmpdir(installed: Path, role: str, ident: str | None) -> None:
    """ProtectSystem=strict without PrivateTmp (a screen shares /tmp/.X11-unix with its X server)
    leaves /tmp read-only: the board's voice probe died with "No usable temporary directory" under
    systemd (bench/vm_deploy.py). TMPDIR points into the unit's own runtime directory."""
    s = read(installed / "units" / f"{STEMS[role]}.service")["Service"]
    assert s["ProtectSystem"] == "strict" and "PrivateTmp" not in s
    env = dict(kv.split("=", 1) for kv in s["Environment"].split())
    assert env["TMPDIR"] == f"/run/{s['RuntimeDirectory']}"


def test_report_archive_timer(installed: Path) -> None:
    service = read(installed / "units" / "tideq-report-archive.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"].split()[1:3] == ["archive", "--config"]
    args = service["ExecStart"].split()[1:]
    parsed = build_parser("archive").parse_args(args)  # the real `tideq archive` takes this command line
    assert parsed.keep_days == 90 and parsed.config
    timer = read(installed / "units" / "tideq-report-archive.timer")
    assert timer["Timer"]["Persistent"] == "true" and timer["Install"]["WantedBy"] == "timers.target"


def test_local_broker_orders_after_mosquitto(tmp_path: Path) -> None:
    install(tmp_path, "controller", None, "--local-broker")
    u = read(tmp_path / "units" / "tideq-controller.service")["Unit"]
    assert "mosquitto.service" in u["After"] and "mosquitto.service" in u["Wants"]
    install(tmp_path, "controller", None, "--no-local-broker")
    u = read(tmp_path / "units" / "tideq-controller.service")["Unit"]
    assert "mosquitto.service" in u["After"] and "mosquitto.service" not in u["Wants"]  # ordering only
    assert not (tmp_path / "env").exists()  # no password given: no env file


def test_controller_without_password_env_in_the_hall_file_names_ours(installed: Path) -> None:
    """The example hall has no [broker] password_env: the unit points the controller at the env file's variable."""
    s = read(installed / "units" / "tideq-controller.service")["Service"]
    assert "--password-env TIDEQ_BROKER_PASSWORD" in s["ExecStart"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = install(tmp_path, "kiosk", "kiosk-2", "--dry-run", env={"TIDEQ_BROKER_PASSWORD": "secret-pw"})
    assert "[Service]" in out and "tideq-x-vt7.service" in out
    assert "secret-pw" not in out and "********" in out
    assert not (tmp_path / "units").exists() and not (tmp_path / "env").exists()


def test_credentials_file_of_tideq_acl(tmp_path: Path) -> None:
    creds = tmp_path / "credentials.toml"
    creds.write_text('[users]\n"kiosk-2" = "from-acl"\n')
    install(tmp_path, "kiosk", "kiosk-2", "--credentials", str(creds))
    assert '"from-acl"' in (tmp_path / "env" / "kiosk-2.env").read_text()


@pytest.mark.parametrize(
    "argv,says",
    [
        (["kiosk", "--id", "kiosk-9"], "no kiosk 'kiosk-9'; the hall file has kiosk-1, kiosk-2"),
        (["camera"], "camera needs --id: one of cam-1"),
        (["ledstrips", "--id", "keypads-1"], "no ledstrips 'keypads-1'"),
    ],
)
def test_wrong_ids_are_refused_with_the_fix(tmp_path: Path, argv: list[str], says: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "install",
            *argv,
            "--config",
            str(EXAMPLE_HALL),
            "--prefix",
            str(tmp_path),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and says in done.stderr
