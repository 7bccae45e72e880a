"""systemd units for each tideq role, as text (docs/deploy.md).

Every long-running service is `Type=notify` (started = its READY=1, sent where it prints its ready
line), `WatchdogSec=` (pinged only while the service's own liveness check passes, tideq.sdnotify),
`Restart=always`, ordered after the network and, where the broker runs on the same box, after
Mosquitto. The hardening is as strict as each role allows: the controller and the gateway see no
devices and write only their data folder; serial, sound and camera roles keep the devices their
groups give them. Screens (kiosk, board, window screen, caller terminal, manager) run on a bare X
server of their own unit (`tideq-x-vtN.service`: no window manager, so no decorations; no cursor,
no screen saver, no DPMS), so a crash of the application restarts only the application.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tideq.config.logins import named

from .errors import DeployError


class Role(str, Enum):
    CONTROLLER = "controller"
    KIOSK = "kiosk"
    BOARD = "board"
    WINDOW_SCREEN = "window-screen"
    COUNTER = "counter"
    MANAGER = "manager"
    CAMERA = "camera"
    COUNTER_BRIDGE = "counter-bridge"
    LEDSTRIPS = "ledstrips"
    GATEWAY = "gateway"
    REPORT_ARCHIVE = "report-archive"


SCREENS = {Role.KIOSK, Role.BOARD, Role.WINDOW_SCREEN, Role.COUNTER, Role.MANAGER}
NEEDS_ID = {Role.KIOSK, Role.BOARD, Role.WINDOW_SCREEN, Role.COUNTER, Role.CAMERA, Role.COUNTER_BRIDGE, Role.LEDSTRIPS}
WATCHDOG_S = {Role.CAMERA: 90}  # a lost camera waits up to 30 s between reconnects; the rest: DEFAULT_WATCHDOG_S
DEFAULT_WATCHDOG_S = 30
# what each role's devices need (Debian groups): serial lines, USB printers, sound, cameras, touch input
GROUPS: dict[Role, tuple[str, ...]] = {
    Role.KIOSK: ("dialout", "lp", "audio", "video", "input"),
    Role.BOARD: ("audio", "video", "input"),
    Role.WINDOW_SCREEN: ("video", "input"),
    Role.COUNTER: ("dialout", "video", "input"),
    Role.MANAGER: ("video", "input"),
    Role.CAMERA: ("video",),
    Role.COUNTER_BRIDGE: ("dialout",),
    Role.LEDSTRIPS: ("dialout",),
}


@dataclass(frozen=True)
class Options:
    """What `tideq install` was told; paths are absolute."""

    role: Role
    config: Path
    tideq: Path  # the tideq executable (the venv's bin/tideq)
    data_dir: Path
    device_id: str | None = None
    user: str = "tideq"
    env_dir: Path = Path("/etc/tideq")
    local_broker: bool = False  # Mosquitto runs on this box: order after mosquitto.service
    vt: int = 7  # screens: the virtual terminal (and display :vt-7) of their X server
    extra_args: Sequence[str] = field(default_factory=tuple)
    archive_keep_days: int = 90
    archive_at: str = "*-*-* 02:30:00"


@dataclass(frozen=True)
class UnitFile:
    name: str
    text: str


def unit_base(o: Options) -> str:
    """`tideq-controller`, `tideq-kiosk-1` (kiosk id kiosk-1), `tideq-board-main`, ..."""
    if o.role in NEEDS_ID:
        if not o.device_id:
            raise DeployError(f"role {o.role.value} needs --id (which {o.role.value} of the hall file)")
        prefix = {Role.WINDOW_SCREEN: "window-screen", Role.COUNTER: "window", Role.COUNTER_BRIDGE: "bridge"}.get(
            o.role, o.role.value.removesuffix("s")
        )
        return f"tideq-{named(prefix, o.device_id)}"
    return f"tideq-{o.role.value}"


def env_file(o: Options) -> Path:
    return o.env_dir / f"{unit_base(o).removeprefix('tideq-')}.env"


def x_unit_name(vt: int) -> str:
    return f"tideq-x-vt{vt}.service"


def command(o: Options) -> list[str]:
    """The tideq command line of the role (config first, then its id option)."""
    t, cfg = str(o.tideq), str(o.config)
    ident = o.device_id or ""
    argv: dict[Role, list[str]] = {
        Role.CONTROLLER: [t, "controller", "--config", cfg, "--data-dir", str(o.data_dir)],
        Role.KIOSK: [t, "kiosk", "--config", cfg, "--id", ident],
        Role.BOARD: [t, "display", "--config", cfg, "--board", ident],
        Role.WINDOW_SCREEN: [t, "display", "--config", cfg, "--window", ident],
        Role.COUNTER: [t, "counter", "--config", cfg, "--window", ident],
        Role.MANAGER: [t, "manager", "--config", cfg],
        Role.CAMERA: [t, "camera", "--config", cfg, "--camera", ident],
        Role.COUNTER_BRIDGE: [t, "counter-bridge", "--config", cfg, "--keypad-bus", ident],
        Role.LEDSTRIPS: [t, "ledstrips", "--config", cfg, "--bus", ident],
        Role.GATEWAY: [t, "gateway", "--config", cfg, "--data-dir", str(o.data_dir)],
        Role.REPORT_ARCHIVE: [t, "archive", "--config", cfg, "--keep-days", str(o.archive_keep_days)],
    }
    return [*argv[o.role], *o.extra_args]


def _exec(argv: Sequence[str]) -> str:
    """ExecStart= quoting: shell-like, and `%` doubled (systemd's specifier character)."""
    return " ".join(shlex.quote(a) for a in argv).replace("%", "%%")


def _after(o: Options) -> tuple[str, str]:
    """(After=, Wants=): the network always; after Mosquitto always, and wanting it when the
    hall's broker is on this box; a screen's X server. Wants, not Requires: a broker restart
    must not stop the clients (they reconnect by themselves)."""
    after = ["network-online.target", "mosquitto.service"]  # ordering only: none installed, no effect
    wants = ["network-online.target"]
    if o.local_broker:  # the hall's broker runs here: start it too
        wants.append("mosquitto.service")
    if o.role is not Role.CONTROLLER:
        after.append("tideq-controller.service")  # when it runs on this box too; a no-op elsewhere
    if o.role in SCREENS:
        after.append(x_unit_name(o.vt))
        wants.append(x_unit_name(o.vt))
    return " ".join(after), " ".join(wants)


HARDEN_COMMON = """NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"""


def _hardening(o: Options) -> str:
    lines = [HARDEN_COMMON, f"ReadWritePaths=-{o.data_dir}"]
    if o.role not in SCREENS:  # a screen shares /tmp/.X11-unix with its X server
        lines.append("PrivateTmp=yes")
    if o.role in (Role.CONTROLLER, Role.GATEWAY, Role.REPORT_ARCHIVE):
        # no hardware at all; ProtectClock only here: it implies a DeviceAllow= list, which
        # would close serial lines, sound and cameras to the other roles
        lines += ["PrivateDevices=yes", "ProtectClock=yes"]
    groups = GROUPS.get(o.role)
    if groups:
        lines.append(f"SupplementaryGroups={' '.join(groups)}")
    return "\n".join(lines)


def service_unit(o: Options) -> UnitFile:
    base = unit_base(o)
    after, wants = _after(o)
    what = {
        Role.CONTROLLER: "hall controller (the one writer of queue state)",
        Role.KIOSK: f"visitor kiosk {o.device_id}",
        Role.BOARD: f"hall board {o.device_id}",
        Role.WINDOW_SCREEN: f"window screen {o.device_id}",
        Role.COUNTER: f"caller terminal of window {o.device_id}",
        Role.MANAGER: "hall manager console",
        Role.CAMERA: f"crowd counter of camera {o.device_id}",
        Role.COUNTER_BRIDGE: f"keypad/evaluator bridge of line {o.device_id}",
        Role.LEDSTRIPS: f"LED strips of line {o.device_id}",
        Role.GATEWAY: "HTTP gateway (phones, hall page, metrics)",
    }[o.role]
    env = ["TIDEQ_LOG_FORMAT=json", "PYTHONUNBUFFERED=1", f"HOME=/var/lib/{o.user}"]
    if o.role in SCREENS:
        # TMPDIR: /tmp is read-only here (ProtectSystem=strict, and no PrivateTmp: /tmp/.X11-unix
        # is the X server's), so temporary files (the voice's WAVs) go to the runtime directory
        env += [f"DISPLAY=:{o.vt - 7}", "QT_QPA_PLATFORM=xcb", f"XDG_RUNTIME_DIR=/run/{base}", f"TMPDIR=/run/{base}"]
    session = f"RuntimeDirectory={base}\nRuntimeDirectoryMode=0700\n" if o.role in SCREENS else ""
    text = f"""# written by `tideq install {o.role.value}`; docs/deploy.md
[Unit]
Description=tideq {what}
Documentation=https://github.com/tideq/tideq/blob/main/docs/deploy.md
After={after}
Wants={wants}
# restart for ever: a box that lost its broker for an hour must come back by itself
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
WatchdogSec={WATCHDOG_S.get(o.role, DEFAULT_WATCHDOG_S)}
TimeoutStartSec=60
TimeoutStopSec=20
Restart=always
RestartSec=2
User={o.user}
Group={o.user}
StateDirectory={o.user}
{session}Environment={" ".join(env)}
# the broker password (TIDEQ_BROKER_PASSWORD, or the hall file's password_env), mode 0600
EnvironmentFile=-{env_file(o)}
ExecStart={_exec(command(o))}
SyslogIdentifier={base}
StandardOutput=journal
StandardError=journal
{_hardening(o)}

[Install]
WantedBy=multi-user.target
"""
    return UnitFile(f"{base}.service", text)


def x_server_unit(o: Options) -> UnitFile:
    """A bare X server on one VT for the screens: no window manager (no decorations, nothing to
    drag or close), -nocursor (touch screens), -s 0 -dpms (never blank). Run rootless through a
    logind session (PAMName=login on the VT: pam_systemd, Debian's libpam-systemd), as Debian 12's
    Xorg supports; logind also hands the one GPU to whichever VT is in front, so two X servers
    (vt7, vt8) share a card. StateDirectory=: a rootless Xorg writes its log under $HOME
    (~/.local/share/xorg) and exits if it cannot; the user's home is /var/lib/tideq."""
    display = o.vt - 7
    name = x_unit_name(o.vt)
    # X servers of one box start one after the other: each activates its VT and waits for it, and
    # started together the one that lost the race waited for ever (seen under systemd: the board's
    # vt8 server stalled until someone switched to vt8). Ordering only: absent units are no-ops.
    earlier = "".join(f" {x_unit_name(v)}" for v in range(7, o.vt))
    text = f"""# written by `tideq install`; docs/deploy.md ("The kiosk session")
[Unit]
Description=tideq bare X server on vt{o.vt} (display :{display}) for full-screen tideq screens
After=systemd-user-sessions.service getty@tty{o.vt}.service plymouth-quit-wait.service{earlier}
Conflicts=getty@tty{o.vt}.service
StartLimitIntervalSec=0

[Service]
# Xorg says READY=1 once it takes clients: the screens (After= this unit) start on a ready display
Type=notify
User={o.user}
Group={o.user}
SupplementaryGroups=video input render
StateDirectory={o.user}
PAMName=login
TTYPath=/dev/tty{o.vt}
TTYReset=yes
TTYVHangup=yes
TTYVTDisallocate=yes
StandardInput=tty
StandardOutput=journal
StandardError=journal
UtmpIdentifier=tty{o.vt}
UtmpMode=user
SyslogIdentifier=tideq-x-vt{o.vt}
ExecStart=/usr/bin/Xorg :{display} vt{o.vt} -keeptty -novtswitch -nolisten tcp -nocursor -s 0 -dpms
Restart=always
RestartSec=2

[Install]
WantedBy=graphical.target multi-user.target
"""
    return UnitFile(name, text)


def archive_units(o: Options) -> list[UnitFile]:
    """`tideq archive` once a day (Persistent: a box that was off at 02:30 runs it at boot)."""
    service = f"""# written by `tideq install report-archive`; docs/deploy.md
[Unit]
Description=tideq: archive event log days older than {o.archive_keep_days} days
After=local-fs.target

[Service]
Type=oneshot
User={o.user}
Group={o.user}
Environment=TIDEQ_LOG_FORMAT=json HOME=/var/lib/{o.user}
ExecStart={_exec(command(o))}
SyslogIdentifier=tideq-report-archive
Nice=10
IOSchedulingClass=idle
{_hardening(o)}
"""
    timer = f"""# written by `tideq install report-archive`; docs/deploy.md
[Unit]
Description=tideq: daily report archive

[Timer]
OnCalendar={o.archive_at}
Persistent=true
RandomizedDelaySec=10min

[Install]
WantedBy=timers.target
"""
    return [UnitFile("tideq-report-archive.service", service), UnitFile("tideq-report-archive.timer", timer)]


def units_for(o: Options) -> list[UnitFile]:
    if o.role is Role.REPORT_ARCHIVE:
        return archive_units(o)
    units = [service_unit(o)]
    if o.role in SCREENS:
        units.append(x_server_unit(o))
    return units
