"""`tideq install ROLE [--id ID] --config FILE`: write the systemd units of one role (and the
env file holding its broker password, mode 0600). docs/deploy.md walks through a whole hall."""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from tideq.config import LoadedConfig
from tideq.config.logins import (
    board_user,
    bridge_user,
    camera_user,
    kiosk_user,
    ledstrip_user,
    login_user,
    window_user,
)
from tideq.runtime import PASSWORD_ENV, load_or_report

from .errors import DeployError
from .units import SCREENS, Options, Role, UnitFile, env_file, unit_base, units_for


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("install", help="write the systemd units of a role (docs/deploy.md)")
    p.add_argument("role", choices=[r.value for r in Role], help="what this box runs")
    p.add_argument("--id", dest="device_id", help="kiosk/board/camera id, window id, or serial bus id of the role")
    p.add_argument(
        "--config", required=True, help="hall .toml file (absolute path recommended, e.g. /etc/tideq/hall.toml)"
    )
    p.add_argument("--user", default="tideq", help="system user the services run as (default tideq)")
    p.add_argument("--prefix", default="/etc/systemd/system", help="folder for the unit files")
    p.add_argument("--env-dir", default="/etc/tideq", help="folder for the password env files (0600)")
    p.add_argument("--tideq", help="the tideq executable (default: the one running this command)")
    p.add_argument("--data-dir", help="data folder (default [storage] data_dir of the hall file)")
    p.add_argument("--vt", type=int, default=7, help="screens: virtual terminal of their X server (7 = display :0)")
    p.add_argument(
        "--local-broker",
        action=argparse.BooleanOptionalAction,
        help="order after mosquitto.service (default: when [broker] url names this box)",
    )
    p.add_argument("--credentials", help="credentials.toml of `tideq acl`: take the role's password from it")
    p.add_argument(
        "--password-env",
        default=PASSWORD_ENV,
        help=f"else take the password from this variable (default {PASSWORD_ENV})",
    )
    p.add_argument("--arg", action="append", default=[], help="extra argument for the service's command (repeat)")
    p.add_argument(
        "--keep-days", type=int, default=90, help="report-archive: days the live event log keeps (default 90)"
    )
    p.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")
    p.set_defaults(func=run)


def default_tideq() -> Path:
    beside = Path(sys.executable).with_name("tideq")
    found = beside if beside.exists() else shutil.which("tideq")
    if not found:
        raise DeployError("no tideq executable found; pass --tideq /opt/tideq/venv/bin/tideq")
    return Path(found).absolute()


def is_local(url: str) -> bool:
    """Does the broker URL name this box (loopback, or this host's own name)?"""
    if url == "embedded":
        return False
    host = urlsplit(url).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1", socket.gethostname(), socket.getfqdn()}


def login_of(loaded: LoadedConfig, role: Role, device_id: str | None) -> str | None:
    """The broker login whose password the role's env file holds (as `tideq acl` names it)."""
    hall, ident = loaded.hall, device_id or ""
    kiosk = next((k for k in hall.devices.kiosks if k.id == ident), None)
    board = next((b for b in hall.devices.boards if b.id == ident), None)
    camera = next((c for c in hall.devices.cameras if c.id == ident), None)
    bus = next((b for b in hall.devices.serial_buses if b.id == ident), None)
    return {
        Role.CONTROLLER: hall.broker.username or "controller",
        Role.KIOSK: login_user(kiosk.login if kiosk else None, kiosk_user(ident)),
        Role.BOARD: login_user(board.login if board else None, board_user(ident)),
        Role.WINDOW_SCREEN: f"window-screen-{ident}",
        Role.COUNTER: window_user(ident),
        Role.MANAGER: "manager",
        Role.CAMERA: login_user(camera.login if camera else None, camera_user(ident)),
        Role.COUNTER_BRIDGE: login_user(bus.login if bus else None, bridge_user(ident)),
        Role.LEDSTRIPS: login_user(bus.login if bus else None, ledstrip_user(ident)),
        Role.GATEWAY: "gateway",
        Role.REPORT_ARCHIVE: None,
    }[role]


def check_id(loaded: LoadedConfig, role: Role, device_id: str | None) -> None:
    """The id names a device of the hall file (a typo would give a unit that fails at every start)."""
    hall = loaded.hall
    known: dict[Role, list[str]] = {
        Role.KIOSK: [k.id for k in hall.devices.kiosks],
        Role.BOARD: [b.id for b in hall.devices.boards],
        Role.WINDOW_SCREEN: [w.id for w in hall.windows],
        Role.COUNTER: [w.id for w in hall.windows],
        Role.CAMERA: [c.id for c in hall.devices.cameras],
        Role.COUNTER_BRIDGE: [b.id for b in hall.devices.serial_buses if b.kind == "keypad"],
        Role.LEDSTRIPS: [b.id for b in hall.devices.serial_buses if b.kind == "led"],
    }
    ids = known.get(role)
    if ids is None:
        return
    if not device_id:
        raise DeployError(f"{role.value} needs --id: one of {', '.join(ids) or '(none in the hall file)'}")
    if device_id not in ids:
        raise DeployError(f"{loaded.path}: no {role.value} {device_id!r}; the hall file has {', '.join(ids) or 'none'}")


def password(args: argparse.Namespace, login: str | None) -> str | None:
    if login is None:
        return None
    if args.credentials:
        path = Path(args.credentials)
        try:
            users = tomllib.loads(path.read_text(encoding="utf-8")).get("users", {})
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise DeployError(f"{path}: cannot read credentials ({err}); it is written by `tideq acl`") from err
        if login not in users:
            raise DeployError(f"{path}: no password for login {login!r}; rerun `tideq acl` with this hall file")
        return str(users[login])
    return os.environ.get(args.password_env) or None


def env_text(variable: str, secret: str) -> str:
    quoted = secret.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f'# written by `tideq install`: the broker password of this service (keep 0600, root)\n{variable}="{quoted}"\n'
    )


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    role = Role(args.role)
    try:
        check_id(loaded, role, args.device_id)
        extra = list(args.arg)
        variable = PASSWORD_ENV
        login = login_of(loaded, role, args.device_id)
        secret = password(args, login)
        if role is Role.CONTROLLER:
            if loaded.hall.broker.password_env:
                variable = loaded.hall.broker.password_env
            else:  # the controller reads [broker] password_env only; name ours on its command line
                extra += ["--password-env", PASSWORD_ENV]
            if secret and login and not loaded.hall.broker.username:
                # the password is `controller`'s (tideq acl): without [broker] username the controller
                # would connect with none at all, and an ACL'd broker refuses it
                extra += ["--username", login]
        url = loaded.hall.broker.url
        opts = Options(
            role=role,
            config=Path(args.config).absolute(),
            tideq=Path(args.tideq).absolute() if args.tideq else default_tideq(),
            data_dir=Path(args.data_dir).absolute() if args.data_dir else loaded.data_dir.absolute(),
            device_id=args.device_id,
            user=args.user,
            env_dir=Path(args.env_dir),
            local_broker=args.local_broker if args.local_broker is not None else is_local(url),
            vt=args.vt,
            extra_args=tuple(extra),
            archive_keep_days=args.keep_days,
        )
        if role in SCREENS and not 1 <= opts.vt <= 63:
            raise DeployError(f"--vt {opts.vt}: a virtual terminal is 1-63 (7 is the usual first free one)")
        units = units_for(opts)
    except DeployError as err:
        print(f"tideq install: {err}", file=sys.stderr)
        return 2
    prefix = Path(args.prefix)
    env = env_file(opts) if secret else None
    if args.dry_run:
        for u in units:
            print(f"# ---- {prefix / u.name}\n{u.text}")
        if env:
            print(f"# ---- {env} (mode 0600)\n{env_text(variable, '********')}")
        return 0
    try:
        written = install(units, prefix, opts, env, env_text(variable, secret) if secret else None)
    except OSError as err:
        print(f"tideq install: {err} (run as root, or pass --prefix and --env-dir to folders you can write)")
        return 1
    for path in written:
        print(f"wrote {path}")
    main = units[-1].name if role is Role.REPORT_ARCHIVE else units[0].name  # the timer, or the service
    print(f"next: systemctl daemon-reload && systemctl enable --now {main}")
    print(f"check: systemctl status {main}; journalctl -u {unit_base(opts)} -o json-pretty")
    return 0


def install(units: list[UnitFile], prefix: Path, opts: Options, env: Path | None, env_body: str | None) -> list[Path]:
    """Write the units (0644), the env file (0600), and, as root, the data folder owned by the user."""
    written = []
    for u in units:
        _write(prefix / u.name, u.text, 0o644)
        written.append(prefix / u.name)
    if env and env_body:
        env.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        _write(env, env_body, 0o600)
        written.append(env)
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam(opts.user)
        except KeyError:
            print(f"note: no user {opts.user!r} yet: `useradd --system --home /var/lib/{opts.user} {opts.user}`")
        else:
            opts.data_dir.mkdir(parents=True, exist_ok=True)
            os.chown(opts.data_dir, pw.pw_uid, pw.pw_gid)
    return written
