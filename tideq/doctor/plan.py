"""Which checks a role runs on its machine, built from the hall file and the command line."""

from __future__ import annotations

import argparse
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from tideq.config import LoadedConfig
from tideq.config.logins import bridge_user, camera_user, ledstrip_user, login_user, named, window_user
from tideq.config.schema import DeviceLogin, SerialBus
from tideq.contract.client import parse_broker_url
from tideq.runtime import BrokerLogin, broker_login

from . import broker, devices, host, tls
from .result import Check, Result, fail, ok
from .roles import Role

SERVER_CERT_TIMEOUT_S = 5.0


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


NEEDS_ID = {Role.KIOSK, Role.BOARD, Role.WINDOW, Role.CAMERA, Role.BRIDGE, Role.LEDSTRIPS}

# what each role reads (docs/security.md); the ACL check subscribes to these with its login
READS: dict[Role, list[str]] = {
    Role.CONTROLLER: ["state/#", "status/#", "health/#"],
    Role.KIOSK: ["state/#", "status/#"],
    Role.BOARD: ["state/#", "status/#", "event/#"],
    Role.WINDOW: ["state/#", "status/#", "event/call"],
    Role.CAMERA: ["state/#", "status/#"],
    Role.BRIDGE: ["state/#", "status/#"],
    Role.LEDSTRIPS: ["state/#", "status/#", "event/#"],
    Role.GATEWAY: ["state/#", "status/#", "event/#", "health/#"],
    Role.MANAGER: ["state/#", "status/#", "event/#", "sensor/#", "health/#"],
}
HAS_REPLY = {Role.KIOSK, Role.WINDOW, Role.BRIDGE, Role.GATEWAY, Role.MANAGER}


class PlanError(ValueError):
    """The command line names something the hall file lacks: the message says what exists."""


@dataclass
class Plan:
    role: Role
    login: BrokerLogin
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def infer_role(loaded: LoadedConfig, device_id: str | None) -> Role:
    """Without --role: the kind of device `device_id` names in the hall file, else the controller."""
    if not device_id:
        return Role.CONTROLLER
    d = loaded.hall.devices
    for role, ids in (
        (Role.KIOSK, [k.id for k in d.kiosks]),
        (Role.BOARD, [b.id for b in d.boards]),
        (Role.CAMERA, [c.id for c in d.cameras]),
        (Role.BRIDGE, [b.id for b in d.serial_buses if b.kind == "keypad"]),
        (Role.LEDSTRIPS, [b.id for b in d.serial_buses if b.kind == "led"]),
        (Role.WINDOW, [w.id for w in loaded.hall.windows]),
    ):
        if device_id in ids:
            return role
    raise PlanError(f"--id {device_id!r} is no kiosk, board, camera, serial line or window of the hall; give --role")


def _bus(loaded: LoadedConfig, bus_id: str, kinds: tuple[str, ...]) -> SerialBus:
    buses = [b for b in loaded.hall.devices.serial_buses if b.kind in kinds]
    for b in buses:
        if b.id == bus_id:
            return b
    raise PlanError(f"no {'/'.join(kinds)} line {bus_id!r}; [[devices.serial_buses]] has {[b.id for b in buses]}")


def _one(items: Sequence[T], device_id: str, what: str) -> T:
    for item in items:
        if item.id == device_id:
            return item
    raise PlanError(f"no {what} {device_id!r} in the hall file; it has {[i.id for i in items] or 'none'}")


def build(loaded: LoadedConfig, args: argparse.Namespace) -> Plan:
    """The checks for `args.role` (or the inferred one) and `args.id`."""
    hall = loaded.hall
    role = Role(args.role) if args.role else infer_role(loaded, args.id)
    device_id: str | None = args.id
    if role in NEEDS_ID and not device_id:
        raise PlanError(f"--role {role.value} needs --id (which {role.value} this machine is)")
    ident = device_id or ""  # present for every role that names a device (checked above)
    checks: list[Check] = []
    device: DeviceLogin | None = None
    match role:
        case Role.CONTROLLER:
            device = DeviceLogin(
                username=hall.broker.username,
                password_env=hall.broker.password_env,
                cert_file=hall.broker.cert_file,
                key_file=hall.broker.key_file,
            )
            default_user = "controller"
        case Role.KIOSK:
            kiosk = _one(hall.devices.kiosks, ident, "kiosk")
            device, default_user = kiosk.login, named("kiosk", kiosk.id)
        case Role.BOARD:
            board = _one(hall.devices.boards, ident, "board")
            device, default_user = board.login, named("board", board.id)
        case Role.WINDOW:
            _one(hall.windows, ident, "window")
            default_user = window_user(ident)
        case Role.CAMERA:
            cam = _one(hall.devices.cameras, ident, "camera")
            device, default_user = cam.login, camera_user(cam.id)
        case Role.BRIDGE:
            bus = _bus(loaded, ident, ("keypad",))
            device, default_user = bus.login, bridge_user(bus.id)
        case Role.LEDSTRIPS:
            bus = _bus(loaded, ident, ("led",))
            device, default_user = bus.login, ledstrip_user(bus.id)
        case Role.GATEWAY | Role.MANAGER:
            default_user = role.value
    if role is Role.CONTROLLER and args.password_env is None and hall.broker.password_env:
        args.password_env = hall.broker.password_env  # the controller reads [broker] password_env first
    login = broker_login(loaded, args, login_user(device, default_user), device)
    plan = Plan(role, login)

    # TLS files of this login, and the certificate the broker presents
    for what, path in (
        ("CA", login.tls.ca_file if login.tls else None),
        ("client certificate", login.tls.cert_file if login.tls else None),
    ):
        if path:
            checks.append(Check("tls", path, partial(tls.check_cert, what, Path(path))))
    if login.tls and login.tls.key_file:
        key_path = Path(login.tls.key_file)
        checks.append(Check("tls", str(key_path), lambda: tls.check_key(key_path)))
    if login.url.startswith("mqtts://"):
        checks.append(Check("tls", login.url, lambda: check_server_cert(login.url), SERVER_CERT_TIMEOUT_S + 5))
    if role is Role.CONTROLLER and args.acl_dir:
        checks.append(Check("tls", args.acl_dir, lambda: acl_dir_results(Path(args.acl_dir))))

    # the broker: login, ACL, and (except on the controller itself) the clock
    reads = READS[role] + ([f"reply/{login.user}"] if role in HAS_REPLY else [])
    want_clock = role is not Role.CONTROLLER
    wait = args.clock_wait

    def broker_check() -> list[Result]:
        p = broker.probe(login, hall.hall.id, reads, clock=want_clock, clock_wait_s=wait)
        fix = _password_source(role, device, args)
        out = broker.login_results(p, fix)
        if want_clock:
            out.append(broker.clock_result(p))
        return out

    checks.append(Check("broker", login.url, broker_check, 3 * broker.CONNECT_TIMEOUT_S + wait + 5))

    # the role's own hardware and host
    match role:
        case Role.CONTROLLER:
            checks.append(Check("database", str(loaded.data_dir), lambda: host.check_data_dir(loaded.data_dir)))
            checks.append(Check("disk", str(loaded.data_dir), lambda: host.check_disk(loaded.data_dir)))
            checks.append(Check("clock", "ntp", host.check_ntp))
        case Role.KIOSK:
            if kiosk.printer:
                printer = _one(hall.devices.printers, kiosk.printer, "printer")
                checks.append(Check("printer", printer.url, lambda: devices.check_printer(printer)))
            else:
                plan.notes.append(f"kiosk {kiosk.id} has no printer: tickets are shown on screen only")
            if kiosk.idcard_url:
                url = kiosk.idcard_url
                checks.append(Check("serial", url, lambda: devices.check_serial_port("ID-card reader", url)))
                checks.append(Check("secret", hall.hall.secret_env, lambda: check_secret(hall.hall.secret_env)))
            if kiosk.scanner_url:
                surl = kiosk.scanner_url
                checks.append(Check("serial", surl, lambda: devices.check_serial_port("scanner", surl)))
            if kiosk.camera_url:
                curl = kiosk.camera_url
                checks.append(Check("camera", curl, lambda: devices.check_camera("QR camera", curl), 20))
            _screen_checks(checks, args, voice_required=False)
        case Role.BOARD:
            _screen_checks(checks, args, voice_required=not board.mute, clips=board.voice == "clips")
            if board.voice == "clips" and not board.mute:
                clips = board.clips_dir or ""
                checks.append(Check("voice", clips, lambda: check_clips(loaded.path.parent, clips)))
        case Role.WINDOW | Role.MANAGER:
            _screen_checks(checks, args, voice_required=None)
        case Role.CAMERA:
            url = cam.url
            if not ("://" in url or url.isdigit() or url.startswith("/")):
                url = str((loaded.path.parent / url).resolve())  # as `tideq camera` resolves it
            checks.append(Check("camera", url, lambda: devices.check_camera(cam.id, url), 20))
        case Role.BRIDGE | Role.LEDSTRIPS:
            buses = [bus]
            if role is Role.BRIDGE and args.evaluator_bus:
                buses.append(_bus(loaded, args.evaluator_bus, ("evaluator",)))
            for line in buses:
                checks.append(Check("bus", line.url, partial(devices.check_bus, hall, line), 60))
        case Role.GATEWAY:
            checks.append(Check("disk", str(loaded.data_dir), lambda: host.check_disk(loaded.data_dir)))
    plan.checks = checks
    plan.notes.append(
        f"the broker check logs in as {login.user} (client id = login): a running {role.value} process with that "
        "login is disconnected once, and its last will may say it went offline until it reconnects; run the doctor "
        "before starting it, or while it is stopped"
    )
    return plan


def _screen_checks(
    checks: list[Check], args: argparse.Namespace, *, voice_required: bool | None, clips: bool = False
) -> None:
    """Fonts for every screen; voice and sound where the role speaks (None: it never does)."""
    checks.append(Check("fonts", "zh", host.check_fonts))
    if voice_required is None:
        return
    if not clips:
        checks.append(Check("voice", "espeak-ng", lambda: host.check_voice(voice_required)))
    checks.append(Check("sound", "player", lambda: host.check_sound(voice_required)))


def _password_source(role: Role, device: DeviceLogin | None, args: argparse.Namespace) -> str:
    if args.password:
        return "--password is not this login's password"
    envs = [e for e in (args.password_env, device.password_env if device else None) if e]
    return f"set {' or '.join('$' + e for e in dict.fromkeys(envs))} to this login's password"


def check_secret(env: str) -> Result:
    """The hall secret the ID-card reader hashes numbers with (the controller's, same value)."""
    import os

    if not os.environ.get(env):
        return fail(
            "secret",
            env,
            "not set: the kiosk cannot read ID cards",
            f"set {env} in the kiosk's service environment to the controller's hall secret",
        )
    return ok("secret", env, "set")


def check_clips(base: Path, clips_dir: str) -> Result:
    d = Path(clips_dir) if Path(clips_dir).is_absolute() else base / clips_dir
    if not clips_dir or not d.is_dir() or not any(d.glob("*.wav")):
        return fail("voice", str(d), "no recorded clips there", "copy the clip folder (docs/voice.md) or use espeak")
    return ok("voice", str(d), f"{sum(1 for _ in d.glob('*.wav'))} clips")


def check_server_cert(url: str) -> Result:
    """The certificate the broker presents (fetched without verifying it, to read its dates)."""
    import tempfile

    host_, port, _ = parse_broker_url(url)
    try:
        pem = ssl.get_server_certificate((host_, port), timeout=SERVER_CERT_TIMEOUT_S)
    except (OSError, ssl.SSLError) as err:
        return fail("tls", f"broker certificate {host_}:{port}", f"no TLS handshake: {err}", "see the broker line")
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(pem)
        f.flush()
        r = tls.check_cert("broker certificate", Path(f.name))
    return Result(r.check, f"broker certificate {host_}:{port}", r.level, r.message, r.fix, r.detail)


def acl_dir_results(out: Path) -> list[Result]:
    """On the edge box: the files `tideq acl` wrote (passwd, acl, conf) and every certificate."""
    results: list[Result] = []
    for name in ("passwd", "acl", "mosquitto-tideq.conf"):
        p = out / name
        results.append(
            ok("acl", str(p), "present")
            if p.is_file()
            else fail("acl", str(p), "missing", f"run `tideq acl --config HALL --out {out}` and reload mosquitto")
        )
    tls_dir = out / "tls"
    for crt in sorted([*tls_dir.glob("*.crt"), *tls_dir.glob("clients/*.crt")]):
        results.append(tls.check_cert(crt.stem, crt))
    return results
