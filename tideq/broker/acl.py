"""Broker identities of a hall: a Mosquitto password file and an ACL that binds each identity
to the topics its role needs (`tideq acl --config FILE --out DIR`).

The contract puts identity and scope in the topic (`cmd/{client_id}/window/{id}`,
`reply/{client_id}`) precisely so the broker, not each client's good manners, enforces "window 3
acts only for window 3" and "kiosk-1 speaks only as kiosk-1". A publish the ACL denies is dropped
by Mosquitto (over MQTT 3.1.1 with no error to the sender), so it never reaches the controller.
A client's id is its username (`use_username_as_clientid`): a login publishes commands only
under `cmd/{its username}/`, the controller answers them only on `reply/{its username}`, the only
reply topic that login may read, and no login can take over another's session.

Health is bound the same way: one `pattern` line lets every login publish `health/{its username}`
(its retained presence and its last will; Mosquitto 2 refuses a connection whose will it may not
publish), and no one else's; a login that reports for devices of other ids (a kiosk for its
printer, a bridge for its serial buses, a board, a camera) is granted exactly those.

Pure Python, no Qt: passwords are hashed here in Mosquitto 2's `$7$` form (PBKDF2-SHA512).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tideq.config.logins import (
    board_user,
    bridge_user,
    camera_user,
    evaluator_user,
    kiosk_user,
    ledstrip_user,
    login_user,
    window_user,
)
from tideq.config.schema import HallConfig
from tideq.contract import Topics

from .errors import AclError
from .tls import TlsFilesOut, write_tls

PBKDF2_ITERATIONS = 101  # what mosquitto_passwd 2.0 writes; raise it if your broker accepts more
CREDENTIALS = "credentials.toml"
PASSWD = "passwd"
ACL = "acl"
CONF = "mosquitto-tideq.conf"
BOOKING = frozenset({"next_opening", "book"})  # after_hours functions that book slots (cmd/book, cmd/slots)


class Role(str, Enum):
    CONTROLLER = "controller"
    WINDOW = "window"  # caller terminal of one window
    EVALUATOR = "evaluator"  # evaluator tablet of one window (sends action `rate`)
    KIOSK = "kiosk"
    DISPLAY = "display"  # hall boards (board-{id}) and window screens (window-screen-{id}): read-only
    BRIDGE = "bridge"  # serial keypad/evaluator bridge: the windows bound on its bus
    LEDSTRIP = "ledstrip"
    CAMERA = "camera"
    ADMIN = "admin"  # appointments import, manual tidal windows
    IMPORTER = "importer"  # `tideq appointments import`: appointments only
    MANAGER = "manager"  # hall manager console: reads the whole hall, answers the tidal policy
    GATEWAY = "gateway"  # `tideq gateway`: phone pages, live page, metrics; booking platform commands


@dataclass(frozen=True)
class Identity:
    """One broker user; topics are full topic filters (with the hall prefix). `write` is what it may
    ask of or tell the hall (commands, sensor readings); `health` the `health/{device}` topics it may
    publish besides its own `health/{user}`, which `own_health` grants every identity."""

    user: str
    role: Role
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    readwrite: tuple[str, ...] = ()
    health: tuple[str, ...] = ()
    password_of: str | None = None  # a second connection of another login's process shares its password


def own_health(topics: Topics) -> str:
    """The ACL pattern that lets each login publish `health/{its username}`, and only that one."""
    return topics.health("%u")


def _health(topics: Topics, user: str, devices: Iterable[str | None]) -> tuple[str, ...]:
    """`health/{device}` for the devices a login reports, less its own (granted by `own_health`)."""
    return tuple(dict.fromkeys(topics.health(d) for d in devices if d and d != user))


@dataclass(frozen=True)
class TlsListener:
    """`tideq acl --tls`: a TLS listener on `port` (bound to `bind`, or every address), with a
    server certificate for `hosts`; `client_certs` also issues one certificate per login and makes
    the broker require one."""

    hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    port: int = 8883
    bind: str | None = None
    client_certs: bool = False


@dataclass
class AclFiles:
    """What `write_acl` produced; `passwords` maps user -> clear password (also in credentials.toml)."""

    out: Path
    identities: list[Identity]
    passwords: dict[str, str] = field(default_factory=dict)
    tls: TlsFilesOut | None = None
    tls_port: int | None = None

    @property
    def passwd(self) -> Path:
        return self.out / PASSWD

    @property
    def acl(self) -> Path:
        return self.out / ACL

    @property
    def conf(self) -> Path:
        return self.out / CONF


def STAFF_CMDS(t: Topics, user: str) -> tuple[str, ...]:
    """What staff logins (caller terminals, the manager) may ask besides their own: green-channel
    tickets (cmd/ticket with priority green, cmd/green), help requests (cancel) and reprints."""
    return tuple(t.cmd(user, c) for c in ("ticket", "green", "help", "reprint"))


def identities(hall: HallConfig) -> list[Identity]:
    """Every identity the hall's config implies, least privilege per role."""
    t = Topics(hall.hall.id)
    watch = (t.state("#"), t.t("status/#"))

    def reply(user: str) -> str:
        return t.reply(user)

    out = [Identity("controller", Role.CONTROLLER, readwrite=(t.t("#"),))]
    for w in hall.windows:
        for role, user in ((Role.WINDOW, window_user(w.id)), (Role.EVALUATOR, evaluator_user(w.id))):
            out.append(
                Identity(
                    user,
                    role,
                    read=(reply(user), *watch, t.event("call")),
                    # a caller terminal's staff also issue green tickets, answer kiosks' help requests and reprint
                    write=(t.cmd(user, f"window/{w.id}"), *(STAFF_CMDS(t, user) if role is Role.WINDOW else ())),
                )
            )
    for k in hall.devices.kiosks:  # a 24-hour kiosk also books and looks up, as its after_hours say
        user = login_user(k.login, kiosk_user(k.id))
        out.append(
            Identity(
                user,
                Role.KIOSK,
                read=(reply(user), *watch),
                # never cmd/green: a kiosk cannot confirm the green channel; it calls staff (cmd/help)
                write=(
                    t.cmd(user, "ticket"),
                    t.cmd(user, "checkin"),
                    t.cmd(user, "rejoin"),
                    *((t.cmd(user, "book"), t.cmd(user, "slots")) if BOOKING & set(k.after_hours) else ()),
                    *((t.cmd(user, "lookup"),) if "lookup" in k.after_hours else ()),
                    t.cmd(user, "help"),
                    t.cmd(user, "reprint"),
                ),
                health=_health(t, user, (k.id, k.printer)),
            )
        )
    for b in hall.devices.boards:
        user = login_user(b.login, board_user(b.id))
        out.append(Identity(user, Role.DISPLAY, read=(*watch, t.event("#")), health=_health(t, user, (b.id,))))
    for w in hall.windows:  # `tideq display --window W`: its device id is its login
        out.append(Identity(f"window-screen-{w.id}", Role.DISPLAY, read=(*watch, t.event("#"))))
    evaluator_buses = [b.id for b in hall.devices.serial_buses if b.kind == "evaluator"]
    for bus in hall.devices.serial_buses:
        if bus.kind == "led":
            user = login_user(bus.login, ledstrip_user(bus.id))
            out.append(Identity(user, Role.LEDSTRIP, read=(*watch, t.event("#")), health=_health(t, user, (bus.id,))))
        elif bus.kind == "keypad":
            # `tideq counter-bridge --keypad-bus K [--evaluator-bus E]` logs in as bridge-K; it acts for
            # the windows whose keypad is on K (ratings, too, follow a finish pressed on a keypad)
            on_line = set(getattr(bus, "addresses", None) or [])
            windows = [
                w.id
                for w in hall.windows
                if w.keypad_address is not None and (not on_line or w.keypad_address in on_line)
            ]
            user = login_user(bus.login, bridge_user(bus.id))
            out.append(
                Identity(
                    user,
                    Role.BRIDGE,
                    read=(reply(user), *watch),
                    write=tuple(t.cmd(user, f"window/{w}") for w in windows),
                    health=_health(t, user, (bus.id, *evaluator_buses)),
                )
            )
            # with --evaluator-bus E the bridge opens a second connection for E's last will; the
            # broker binds client id to login, so it logs in as {user}-{E}: E's health, nothing else
            for e in evaluator_buses:
                out.append(
                    Identity(f"{user}-{e}", Role.BRIDGE, health=_health(t, f"{user}-{e}", (e,)), password_of=user)
                )
    for cam in hall.devices.cameras:
        user = login_user(cam.login, camera_user(cam.id))
        out.append(
            Identity(
                user,
                Role.CAMERA,
                read=watch,
                write=tuple(t.sensor_crowd(z.id) for z in cam.zones),
                health=_health(t, user, (cam.id,)),
            )
        )
    out.append(
        Identity(
            "admin",
            Role.ADMIN,
            read=(reply("admin"), *watch, t.event("#")),
            write=(t.cmd("admin", "appointments"), t.cmd("admin", "tidal")),
        )
    )
    out.append(
        Identity(
            "importer",
            Role.IMPORTER,
            read=(reply("importer"), t.status_controller),
            write=(t.cmd("importer", "appointments"),),
        )
    )
    # `tideq manager` sees everything a hall publishes (crowd and device health too), acts on tidal and,
    # like a window's staff, issues green tickets, answers help requests and reprints
    out.append(
        Identity(
            "manager",
            Role.MANAGER,
            read=(reply("manager"), *watch, t.event("#"), t.t("sensor/#"), t.t("health/#")),
            write=(t.cmd("manager", "tidal"), *STAFF_CMDS(t, "manager")),
        )
    )
    # `tideq gateway` reads what it shows and counts (state, status, events, device health for
    # /metrics) and may ask only what the booking platform asks: appointments and bookings
    out.append(
        Identity(
            "gateway",
            Role.GATEWAY,
            read=(reply("gateway"), *watch, t.event("#"), t.t("health/#")),
            write=(t.cmd("gateway", "appointments"), t.cmd("gateway", "booking")),
        )
    )
    return out


def acl_text(hall: HallConfig, ids: Iterable[Identity]) -> str:
    lines = [
        f"# tideq ACL for hall {hall.hall.id}; generated by `tideq acl`, regenerate rather than edit.",
        "# No lines before the first `user`: anonymous clients get nothing (allow_anonymous false).",
        "",
    ]
    for i in ids:
        lines.append(f"# {i.role.value}")
        lines.append(f"user {i.user}")
        lines += [f"topic read {x}" for x in i.read]
        lines += [f"topic write {x}" for x in i.write]
        lines += [f"topic write {x}" for x in i.health]
        lines += [f"topic readwrite {x}" for x in i.readwrite]
        lines.append("")
    lines += [
        "# every login: its own retained health and last will (%u is the username; applies to all users)",
        f"pattern write {own_health(Topics(hall.hall.id))}",
        "",
    ]
    return "\n".join(lines)


def hash_password(password: str, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Mosquitto 2 password hash `$7$iterations$salt$hash` (PBKDF2-HMAC-SHA512, 12-byte salt)."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _read_credentials(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise AclError(f"{path}: not a credentials file written by `tideq acl` ({err}); move it away") from err
    users = data.get("users", {})
    return {str(k): str(v) for k, v in users.items()}


def _write_private(path: Path, text: str, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def conf_text(files: AclFiles, tls: TlsListener | None) -> str:
    """The Mosquitto snippet: logins and ACL for every listener; `use_username_as_clientid` on the
    listener defined before the include and on the TLS one (a client cannot take over another's
    session or reply topic by reusing its client id); the TLS listener itself."""
    lines = [
        "# include from mosquitto.conf after your listener (or copy): every client must log in, may use",
        "# only its topics, and its client id is its login",
        "allow_anonymous false",
        f"password_file {files.passwd.resolve()}",
        f"acl_file {files.acl.resolve()}",
        "use_username_as_clientid true",
    ]
    if tls is not None and files.tls is not None:
        t = files.tls
        lines += [
            "",
            f"# TLS for devices on the network (server certificate for {', '.join(tls.hosts)})",
            f"listener {tls.port}" + (f" {tls.bind}" if tls.bind else ""),
            f"cafile {t.ca_cert.resolve()}",
            f"certfile {t.server_cert.resolve()}",
            f"keyfile {t.server_key.resolve()}",
            "tls_version tlsv1.2",
            f"require_certificate {'true' if tls.client_certs else 'false'}",
            "use_username_as_clientid true",
        ]
    return "\n".join(lines) + "\n"


def write_acl(hall: HallConfig, out: Path, tls: TlsListener | None = None) -> AclFiles:
    """Write passwd, acl, a conf snippet and credentials.toml (clear passwords, mode 0600); with
    `tls`, also a CA, a server certificate (and client certificates) under out/tls/ and a TLS
    listener in the snippet.

    Passwords already in out/credentials.toml are kept, so rerunning after adding a window
    does not lock out every deployed terminal."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AclError(f"cannot create {out}: {err}") from err
    ids = identities(hall)
    known = _read_credentials(out / CREDENTIALS)
    passwords = {i.user: known.get(i.user) or secrets.token_urlsafe(18) for i in ids if i.password_of is None}
    passwords.update({i.user: passwords[i.password_of] for i in ids if i.password_of is not None})
    files = AclFiles(out, ids, passwords)
    creds = ["# Clear broker passwords of hall identities. Keep private; hand each device its own line.", "[users]"] + [
        f'"{u}" = "{p}"' for u, p in passwords.items()
    ]
    _write_private(out / CREDENTIALS, "\n".join(creds) + "\n")
    # hashes only; group-readable so `chgrp mosquitto passwd` is all the broker needs
    _write_private(files.passwd, "".join(f"{u}:{hash_password(p)}\n" for u, p in passwords.items()), 0o640)
    files.acl.write_text(acl_text(hall, ids), encoding="utf-8")
    if tls is not None:
        users = [i.user for i in ids] if tls.client_certs else []
        files.tls = write_tls(out, hall.hall.id, tls.hosts, users)
        files.tls_port = tls.port
    files.conf.write_text(conf_text(files, tls), encoding="utf-8")
    return files
