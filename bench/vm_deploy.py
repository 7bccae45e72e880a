"""docs/deploy.md run for real: a fresh Debian 12 VM under systemd, from the doc's own commands.

    python bench/vm_deploy.py [--cache /work/vmcache] [--keep-vm] [--reuse-image]

Why a VM: the tests (tests/deploy) run where systemd is not PID 1, so no unit of `tideq install`
was ever started, restarted or rebooted by systemd itself, and no Xorg ran on a VT. This bench
closes that gap on any Debian host with no KVM (qemu's TCG emulation; slow, minutes):

1. installs its host tools (debootstrap, qemu, e2fsprogs) with apt, if missing;
2. debootstraps a fresh Debian 12 with systemd and a kernel (cached: the base system only);
3. builds a wheel of this checkout (`pip wheel`), and runs in a chroot the shell blocks of
   docs/deploy.md's sections "1. Every machine" .. "4. A board", *taken from the doc itself*, with
   only the substitutions listed in `SUBSTITUTIONS` (each must match, so a changed doc fails here
   instead of drifting): one machine is the edge box and also runs kiosk-1 (vt7, display :0) and
   board main (`--vt 8`: vt8, display :1);
4. packs the tree into an ext4 image (`mkfs.ext4 -d`, no loop mount) and boots its kernel and
   initrd directly in qemu (`-m 2048 -smp 2 -vga std` at 1920x1080, serial console to a file,
   user networking with ssh forwarded to a free loopback port, the monitor on a unix socket);
5. checks from the host over ssh, polling real state with deadlines (never a blind sleep):
   (a) every unit active after boot, with its MainPID and when it became active;
   (b) a ticket through the real contract: `cmd/ticket` over the TLS broker with a kiosk login;
   (c) `kill -9` of each service's MainPID: a new MainPID, active again (Type=notify: READY=1),
       seconds from the kill; after the controller's, the same command id gets the same ticket back;
   (d) `systemctl reboot`: everything active again with no manual step, the ticket still there,
       the next ticket numbered after it (the day continues);
   (e) screenshots of vt7 (kiosk) and vt8 (board) through the monitor's `screendump`, and the
       controller's journal (JSON lines).

The hall is closed at most wall-clock hours of a run (its hours are Beijing's), so the VM's clock
starts at a weekday's opening time (`-rtc base=`; timesyncd masked so it stays there). Exit status
0 only if every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "deploy.md"
HALL = REPO / "tideq" / "config" / "halls" / "xian-hitech.toml"
SHOTS = REPO / "docs" / "screenshots"
HOST_CAS = Path("/usr/local/share/ca-certificates")
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
HOST_PACKAGES = ["debootstrap", "qemu-system-x86", "qemu-utils", "e2fsprogs", "openssh-client"]
# the base system: what a fresh Debian 12 server install has that matters here (systemd as init,
# a kernel, udev, logind's D-Bus, sshd so the host can drive the checks, networkd)
BASE_INCLUDE = (
    "systemd-sysv,linux-image-amd64,udev,dbus,openssh-server,ca-certificates,iproute2,procps,kmod,systemd-resolved"
)
# the VM's clock: Thursday 2026-12-03 09:05 in Beijing (the hall opens at 09:00)
RTC_BASE = "2026-12-03T01:05:00"
SERVICE, PREFIX = "general-consult", "H"
CREDENTIALS = "/etc/mosquitto/tideq/credentials.toml"  # `tideq acl`'s clear passwords, on the edge box
TICKET_LOGIN = "kiosk-2"  # a kiosk login the VM does not run: kiosk-1's own would take over its session
SERVICES = ["tideq-controller", "tideq-gateway", "tideq-kiosk-1", "tideq-board-main"]
UNITS = ["mosquitto", "tideq-x-vt7", "tideq-x-vt8", *SERVICES]

# (doc text, what the chroot runs instead, why): each must occur in the doc's blocks
SUBSTITUTIONS: list[tuple[str, str, str]] = [
    (
        "/opt/tideq/venv/bin/pip install ./tideq",
        "/opt/tideq/venv/bin/pip install ./{wheel}",
        "the wheel of this checkout",
    ),
    ("systemctl enable --now", "systemctl enable", "a chroot: enabled units start at the first boot"),
    ("systemctl daemon-reload", "true", "a chroot: no systemd to reload; it reads the units at boot"),
    ("$T doctor", ": deferred to the VM: $T doctor", "doctor logs in to the broker: run in the VM after boot"),
    ("'…kiosk-1 line…'", "{kiosk_password}", "kiosk-1's line of credentials.toml"),
    ("'…board-main line…'", "{board_password}", "board-main's line of credentials.toml"),
    ("install board --id main", "install board --id main --vt 8", "the board is this box's second screen"),
    ("tideq-x-vt7.service tideq-board-main.service", "tideq-x-vt8.service tideq-board-main.service", "its X server"),
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(argv: list[str] | str, *, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run a host command, echoing it; text output."""
    shown = argv if isinstance(argv, str) else " ".join(shlex.quote(a) for a in argv)
    log(f"$ {shown[:300]}")
    return subprocess.run(argv, check=check, text=True, shell=isinstance(argv, str), **kw)  # type: ignore[call-overload,no-any-return]


# ---------------------------------------------------------------- host, base system, wheel


def host_tools() -> None:
    """apt-get install what the bench needs, only if missing (idempotent, no apt-get update otherwise)."""
    missing = [
        p
        for p in HOST_PACKAGES
        if "ok installed"
        not in subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout
    ]
    if missing:
        sh(["apt-get", "update", "-qq"])
        sh(["apt-get", "install", "-y", "-qq", *missing], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def base_system(cache: Path) -> Path:
    """A fresh debootstrap of Debian 12, kept as the pristine base (each run provisions a copy)."""
    base = cache / "base"
    if not (base / "usr/bin/systemctl").exists():
        tmp = cache / "base.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        sh(["debootstrap", f"--include={BASE_INCLUDE}", SUITE, str(tmp), MIRROR])
        tmp.rename(base)
    return base


def build_wheel(cache: Path) -> Path:
    """`pip wheel` of this checkout (no dependencies: pip in the VM takes those from PyPI)."""
    out = cache / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)])
    (wheel,) = out.glob("tideq-*.whl")
    return wheel


# ---------------------------------------------------------------- the doc's steps in a chroot


def doc_blocks(sections: list[str]) -> tuple[list[str], list[str]]:
    """The ```sh blocks and ```toml blocks of the named `## ` sections of docs/deploy.md, in order."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.M)
    shells: list[str] = []
    tomls: list[str] = []
    for name in sections:
        (part,) = [p for p in parts if p.startswith(name)]
        shells += re.findall(r"^```sh\n(.*?)^```", part, flags=re.M | re.S)
        tomls += re.findall(r"^```toml\n(.*?)^```", part, flags=re.M | re.S)
    if not shells:
        raise SystemExit(f"{DOC}: no sh blocks in {sections}")
    return shells, tomls


def substitute(script: str, values: dict[str, str], used: set[str]) -> str:
    for old, new, _why in SUBSTITUTIONS:
        if old in script:
            used.add(old)
            script = script.replace(old, new.format(**values))
    return script


def hall_file(tomls: list[str]) -> str:
    """The example hall, with the doc's "In the hall file" values ([storage], [broker]) put in."""
    want: dict[str, dict[str, object]] = {}
    for block in tomls:
        for table, values in tomllib.loads(block).items():
            want.setdefault(table, {}).update(values)
    lines = HALL.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    table = ""
    for line in lines:
        m = re.match(r"^\[([a-z_.]+)\]", line)
        if m:
            if table in want:  # leaving a replaced table: write the doc's keys
                out += [f"{k} = {json.dumps(v)}" for k, v in want.pop(table).items()] + [""]
            table = m.group(1)
            out.append(line)
            continue
        if table in want and re.match(r"^[a-z_]+\s*=", line):
            continue  # a key of a table the doc's snippet replaces (embedded_port goes with "embedded")
        out.append(line)
    if want:
        raise SystemExit(f"hall file: tables {list(want)} of docs/deploy.md not in {HALL}")
    return "\n".join(out) + "\n"


@contextmanager
def chroot_mounts(root: Path, pip_cache: Path) -> Iterator[None]:
    """/proc, /sys, /dev, /dev/pts and a shared pip cache bound into the tree; undone on exit."""
    pip_cache.mkdir(parents=True, exist_ok=True)
    (root / "root/.cache/pip").mkdir(parents=True, exist_ok=True)
    mounts = [
        (["-t", "proc", "proc"], "proc"),
        (["-t", "sysfs", "sys"], "sys"),
        (["--bind", "/dev"], "dev"),
        (["--bind", "/dev/pts"], "dev/pts"),
        (["--bind", str(pip_cache)], "root/.cache/pip"),
    ]
    done: list[Path] = []
    try:
        for opts, where in mounts:
            subprocess.run(["mount", *opts, str(root / where)], check=True)
            done.append(root / where)
        yield
    finally:
        for where_path in reversed(done):
            subprocess.run(["umount", "-l", str(where_path)], check=False)


def chroot_sh(root: Path, script: str, name: str, secrets: dict[str, str] | None = None) -> None:
    """Run a script as root in the tree, with host name edge-box (its own UTS namespace), as on the box.
    `secrets` reach it as environment variables, so neither the logged script nor a trace holds them
    (a script given secrets runs without xtrace, which would print them expanded)."""
    path = root / "root" / f"{name}.sh"
    path.write_text(script, encoding="utf-8")
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "DEBIAN_FRONTEND": "noninteractive",
        "LANG": "C.UTF-8",
        "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt",  # pip's own bundle lacks the host's CAs (below)
        **(secrets or {}),
    }
    log(f"chroot: {name}.sh\n{script}")
    sh(
        [
            "unshare",
            "--uts",
            "chroot",
            str(root),
            "/bin/sh",
            "-c",
            f"hostname edge-box && cd /root && sh {'-e' if secrets else '-ex'} /root/{name}.sh",
        ],
        env=env,
    )


def provision(cache: Path, base: Path, wheel: Path, key: Path) -> Path:
    """A copy of the base system, the VM's own plumbing, then deploy.md sections 1-4 in a chroot."""
    root = cache / "rootfs"
    if root.exists():
        sh(["rm", "-rf", "--one-file-system", str(root)])
    sh(["cp", "-a", str(base), str(root)])
    machine(root, key)
    shutil.copy(wheel, root / "root" / wheel.name)
    shells, tomls = doc_blocks(["1. Every machine", "2. The edge box"])
    (root / "root/my-hall.toml").write_text(hall_file(tomls), encoding="utf-8")
    used: set[str] = set()
    with chroot_mounts(root, cache / "pip-cache"):
        chroot_sh(root, substitute("\n".join(shells), {"wheel": wheel.name}, used), "deploy-1-2")
        users = tomllib.loads((root / "etc/mosquitto/tideq/credentials.toml").read_text())["users"]
        secrets = {"TIDEQ_VM_KIOSK_PASSWORD": users["kiosk-1"], "TIDEQ_VM_BOARD_PASSWORD": users["board-main"]}
        values = {"kiosk_password": '"$TIDEQ_VM_KIOSK_PASSWORD"', "board_password": '"$TIDEQ_VM_BOARD_PASSWORD"'}
        shells, _ = doc_blocks(["3. A kiosk", "4. A board"])
        chroot_sh(root, substitute("\n".join(shells), values, used), "deploy-3-4", secrets)
    unused = [old for old, _, _ in SUBSTITUTIONS if old not in used]
    if unused:
        raise SystemExit(f"docs/deploy.md changed: substitutions {unused} no longer match; update SUBSTITUTIONS")
    (root / "root/vm_ticket.py").write_text(VM_TICKET, encoding="utf-8")
    return root


def machine(root: Path, key: Path) -> None:
    """What makes the tree a bootable machine the host can reach (not part of deploy.md): host name,
    fstab, DHCP on the user network, root's ssh key, no NTP (the VM's clock is the hall's)."""
    (root / "etc/hostname").write_text("edge-box\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 edge-box\n")
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    (root / "etc/systemd/network/20-wired.network").write_text("[Match]\nName=e*\n\n[Network]\nDHCP=yes\n")
    ssh_dir = root / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(key.with_suffix(".pub").read_text())
    (root / "usr/sbin/policy-rc.d").write_text("#!/bin/sh\nexit 101\n")  # apt in the chroot starts nothing
    (root / "usr/sbin/policy-rc.d").chmod(0o755)
    resolv = root / "etc/resolv.conf"  # systemd-resolved's symlink: a file for the chroot's pip and apt
    resolv.unlink(missing_ok=True)
    shutil.copy("/etc/resolv.conf", resolv)
    # this host reaches PyPI through a TLS-inspecting egress: its CAs, for pip in the chroot only
    for crt in HOST_CAS.glob("*.crt"):
        shutil.copy(crt, root / "usr/local/share/ca-certificates" / f"host-{crt.name}")
    sh(["chroot", str(root), "update-ca-certificates"])
    sh(["chroot", str(root), "systemctl", "enable", "systemd-networkd.service"])
    sh(["chroot", str(root), "systemctl", "mask", "systemd-timesyncd.service"], check=False)


def finish_tree(root: Path) -> None:
    """Undo the chroot-only plumbing: the host's CAs, policy-rc.d, the copied resolv.conf."""
    for crt in (root / "usr/local/share/ca-certificates").glob("host-*.crt"):
        crt.unlink()
    sh(["chroot", str(root), "update-ca-certificates", "--fresh"])
    (root / "usr/sbin/policy-rc.d").unlink(missing_ok=True)
    resolv = root / "etc/resolv.conf"  # back to systemd-resolved's stub, as installed
    resolv.unlink()
    resolv.symlink_to("../run/systemd/resolve/stub-resolv.conf")


def make_image(cache: Path, root: Path) -> tuple[Path, Path, Path]:
    """The tree as a raw ext4 image (mkfs.ext4 -d: no loop device), and its kernel and initrd."""
    disk = cache / "disk.raw"
    disk.unlink(missing_ok=True)
    sh(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(disk), "8G"])
    (kernel,) = sorted((root / "boot").glob("vmlinuz-*"))[-1:]
    (initrd,) = sorted((root / "boot").glob("initrd.img-*"))[-1:]
    shutil.copy(kernel, cache / "vmlinuz")
    shutil.copy(initrd, cache / "initrd.img")
    return disk, cache / "vmlinuz", cache / "initrd.img"


# in-VM helper: a ticket (or the same command id again) over the hall's TLS broker, kiosk-2's login
VM_TICKET = """
import argparse, json, sys, tomllib, uuid
from tideq.runtime import broker_login, load_or_report
ap = argparse.ArgumentParser()
ap.add_argument("--id", default=None)
ap.add_argument("--login", default="kiosk-2")
ap.add_argument("--service", default="general-consult")
a = ap.parse_args()
loaded = load_or_report("/etc/tideq/hall.toml")
users = tomllib.loads(open("/etc/mosquitto/tideq/credentials.toml").read())["users"]
login = broker_login(loaded, argparse.Namespace(username=a.login, password=users[a.login]), a.login)
c = login.client(loaded.hall.hall.id)
c.connect()
cid = a.id or str(uuid.uuid4())
reply = c.request("ticket", {"service": a.service, "source": a.login}, timeout=30, command_id=cid)
print(json.dumps({"command_id": cid, "reply": reply}, ensure_ascii=False))
c.close()
"""


# ---------------------------------------------------------------- the VM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Vm:
    """qemu (TCG) booting the image's kernel; ssh on a forwarded loopback port; the monitor's socket."""

    cache: Path
    disk: Path
    kernel: Path
    initrd: Path
    key: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    @property
    def monitor_path(self) -> Path:
        return self.cache / "monitor.sock"

    def start(self) -> None:
        self.monitor_path.unlink(missing_ok=True)
        serial = self.cache / "serial.log"
        argv = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "2048", "-smp", "2",
            "-kernel", str(self.kernel), "-initrd", str(self.initrd),
            "-append", "root=/dev/vda rw console=tty0 console=ttyS0,115200",
            "-drive", f"file={self.disk},format=raw,if=virtio",
            "-vga", "std", "-global", "VGA.xres=1920", "-global", "VGA.yres=1080",
            "-display", "none", "-serial", f"file:{serial}",
            "-monitor", f"unix:{self.monitor_path},server,nowait",
            "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.port}-:22", "-device", "virtio-net-pci,netdev=n0",
            "-rtc", f"base={RTC_BASE}",
        ]  # fmt: skip
        log("$ " + " ".join(argv))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        """Ends qemu by its own PID (never by name: other qemus may run here)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def ssh(self, cmd: str, timeout: float = 120, check: bool = True) -> str:
        argv = [
            "ssh", "-q", "-p", str(self.port), "-i", str(self.key), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-o", "BatchMode=yes",
            "-o", "ServerAliveInterval=10", "root@127.0.0.1", cmd,
        ]  # fmt: skip
        if self.proc and self.proc.poll() is not None:
            raise SystemExit(f"qemu exited ({self.proc.returncode}); see {self.cache / 'serial.log'}")
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"ssh {cmd!r}: rc {r.returncode}: {r.stderr.strip()} {r.stdout.strip()}")
        return r.stdout

    def try_ssh(self, cmd: str, timeout: float = 60) -> str | None:
        try:
            return self.ssh(cmd, timeout=timeout)
        except (RuntimeError, subprocess.TimeoutExpired):
            return None

    def monitor(self, command: str) -> str:
        """One human-monitor command over the unix socket; returns what it printed."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(self.monitor_path))
            s.settimeout(30)
            buf = b""
            while not buf.endswith(b"(qemu) "):
                buf += s.recv(4096)
            s.sendall(command.encode() + b"\n")
            buf = b""
            while not buf.endswith(b"(qemu) "):
                buf += s.recv(4096)
            return buf.decode(errors="replace")


def until(what: str, probe: Callable[[], object], deadline_s: float, every_s: float = 2.0) -> object:
    """Poll `probe` until it returns something truthy, or fail after `deadline_s`."""
    end = time.monotonic() + deadline_s
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not within {deadline_s:.0f} s")
        time.sleep(every_s)


def unit_states(vm: Vm) -> dict[str, dict[str, str]]:
    props = "Id,ActiveState,SubState,MainPID,ActiveEnterTimestampMonotonic,NRestarts,StatusText"
    out = vm.try_ssh(f"systemctl show -p {props} " + " ".join(f"{u}.service" for u in UNITS))
    if out is None:
        return {}
    states: dict[str, dict[str, str]] = {}
    for block in out.strip().split("\n\n"):
        kv = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        states[kv["Id"].removesuffix(".service")] = kv
    return states


def all_active(vm: Vm) -> dict[str, dict[str, str]] | None:
    s = unit_states(vm)
    return s if s and all(s.get(u, {}).get("ActiveState") == "active" for u in UNITS) else None


def guest_uptime(vm: Vm) -> float:
    return float(vm.ssh("cut -d' ' -f1 /proc/uptime").strip())


# ---------------------------------------------------------------- checks


@dataclass
class Report:
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, figures: str) -> bool:
        self.rows.append((name, ok, figures))
        log(f"{'PASS' if ok else 'FAIL'} {name}: {figures}")
        return ok

    def table(self) -> str:
        w = max(len(r[0]) for r in self.rows)
        return "\n".join(f"{name:<{w}}  {'PASS' if ok else 'FAIL'}  {fig}" for name, ok, fig in self.rows)


def show_failure(vm: Vm) -> None:
    """What went wrong, for the log: the units' status and last journal lines."""
    out = vm.try_ssh(
        "systemctl --no-pager status " + " ".join(f"{u}.service" for u in UNITS) + " | head -150; "
        "journalctl -b --no-pager -p warning | tail -60",
        timeout=120,
    )
    print(out or "(no ssh)")


def take_ticket(vm: Vm, command_id: str | None = None) -> dict[str, object]:
    arg = f" --id {command_id}" if command_id else ""
    out = vm.ssh(f"cd /tmp && /opt/tideq/venv/bin/python /root/vm_ticket.py --login {TICKET_LOGIN}{arg}", timeout=180)
    got: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return got


def hall_waiting(vm: Vm) -> object:
    """The gateway's view of the state: the service's entry of /api/hall."""
    fetch = "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8780/api/hall', timeout=20).read().decode())"
    out = vm.ssh(f'/opt/tideq/venv/bin/python -c "{fetch}"')
    hall = json.loads(out)
    for s in hall.get("view", {}).get("services", []):
        if s.get("id") == SERVICE:
            return s.get("waiting")
    return hall


def number(reply: dict[str, object]) -> str:
    r = reply["reply"]
    assert isinstance(r, dict)
    t = r.get("ticket")
    return str(t["number"]) if isinstance(t, dict) else f"(refused: {r.get('error')})"


def boot_check(vm: Vm, rep: Report, label: str, t0: float, deadline_s: float) -> dict[str, dict[str, str]] | None:
    try:
        states = until(f"{label}: every unit active", lambda: all_active(vm), deadline_s, every_s=3)
    except TimeoutError as err:
        rep.check(f"{label}: all units active", False, str(err))
        show_failure(vm)
        return None
    assert isinstance(states, dict)
    host_s = time.monotonic() - t0
    enter = {u: int(states[u]["ActiveEnterTimestampMonotonic"]) / 1e6 for u in UNITS}
    figures = (
        f"{host_s:.0f} s on the host clock; in the guest (s after kernel start): "
        + ", ".join(f"{u} {enter[u]:.1f}" for u in UNITS)
        + "; MainPIDs "
        + ", ".join(f"{u}={states[u]['MainPID']}" for u in SERVICES)
    )
    rep.check(f"{label}: all units active", True, figures)
    return states


def kill_check(vm: Vm, rep: Report, unit: str, deadline_s: float) -> None:
    before = unit_states(vm)[unit]
    old = before["MainPID"]
    killed_at = float(vm.ssh(f"kill -9 {old} && cut -d' ' -f1 /proc/uptime").strip())

    def back() -> dict[str, str] | None:
        s = unit_states(vm).get(unit, {})
        return s if s.get("ActiveState") == "active" and s.get("MainPID") not in (None, "0", old) else None

    try:
        s = until(f"{unit} back after kill -9", back, deadline_s, every_s=1)
    except TimeoutError as err:
        rep.check(f"kill -9 {unit}", False, str(err))
        show_failure(vm)
        return
    assert isinstance(s, dict)
    took = int(s["ActiveEnterTimestampMonotonic"]) / 1e6 - killed_at
    rep.check(
        f"kill -9 {unit}",
        True,
        f"MainPID {old} -> {s['MainPID']}, active again {took:.1f} s after the kill (RestartSec=2 included),"
        f" NRestarts={s['NRestarts']}",
    )


def screenshot(vm: Vm, vt: int, out: Path) -> Path:
    """Bring vt N to the front (chvt), dump the screen until two dumps agree (X repainted), as PNG."""
    from PIL import Image, ImageChops

    # chvt is Debian's kbd, not installed: VT_ACTIVATE and VT_WAITACTIVE on /dev/tty0
    vt_switch = (
        "import fcntl, os; fd = os.open('/dev/tty0', os.O_RDWR); "
        f"fcntl.ioctl(fd, 0x5606, {vt}); fcntl.ioctl(fd, 0x5607, {vt})"
    )
    vm.ssh(f'python3 -c "{vt_switch}" && cat /sys/class/tty/tty0/active')
    ppm = vm.cache / f"vt{vt}.ppm"
    last: list[Image.Image] = []

    def settled() -> bool:
        """Two dumps 3 s apart differ in under 2% of the screen (a clock or a pulse may tick), not blank."""
        ppm.unlink(missing_ok=True)
        vm.monitor(f"screendump {ppm}")
        if not ppm.exists():
            return False
        img = Image.open(ppm).convert("RGB")
        img.load()
        prev, last[:] = (last[0] if last else None), [img]
        extrema = img.getextrema()
        if prev is None or all(lo == hi for lo, hi in extrema):  # the first dump, or a blank screen
            return False
        box = ImageChops.difference(img, prev).getbbox()
        changed = 0 if box is None else (box[2] - box[0]) * (box[3] - box[1])
        return changed < 0.02 * img.width * img.height

    until(f"vt{vt} screen settled", settled, 90, every_s=3)
    out.parent.mkdir(parents=True, exist_ok=True)
    last[0].save(out, optimize=True)
    return out


def run_checks(vm: Vm, rep: Report, boot_deadline: float) -> None:
    t0 = vm.started
    until("ssh up", lambda: vm.try_ssh("true", timeout=30) is not None, boot_deadline, every_s=3)
    rep.check("ssh up after boot", True, f"{time.monotonic() - t0:.0f} s after qemu started")
    states = boot_check(vm, rep, "(a) boot", t0, boot_deadline)
    if states is None:
        return
    print(vm.ssh("systemd-analyze time; systemctl list-units --no-pager 'tideq-*' mosquitto.service", check=False))
    for role, ident, login in (("controller", None, "controller"), ("kiosk", "kiosk-1", "kiosk-1")):
        # docs/deploy.md's doctor lines, deferred from the chroot: they log in to the broker
        read = f"import tomllib; print(tomllib.load(open('{CREDENTIALS}', 'rb'))['users']['{login}'])"
        password = f'$(python3 -c "{read}")'
        what = f"--role {role}" + (f" --id {ident}" if ident else " --acl-dir /etc/mosquitto/tideq")
        out = vm.ssh(
            f'TIDEQ_BROKER_PASSWORD="{password}" /opt/tideq/venv/bin/tideq doctor --config /etc/tideq/hall.toml'
            f" {what}; echo rc=$?",
            check=False,
        )
        print(out)
        summary = [ln for ln in out.splitlines() if ln.startswith("summary")]
        rep.check(f"tideq doctor {what} (in the VM)", out.strip().endswith("rc=0"), " ".join(summary)[:200])

    first = take_ticket(vm)
    n1 = number(first)
    rep.check(
        "(b) ticket over cmd/ticket",
        bool(re.fullmatch(rf"{PREFIX}\d+", n1)),
        f"ticket {n1}, waiting {hall_waiting(vm)} (gateway /api/hall)",
    )

    for unit in SERVICES:
        kill_check(vm, rep, unit, 240)
        if unit == "tideq-controller":
            again = take_ticket(vm, str(first["command_id"]))
            rep.check(
                "(c) after the controller's kill -9: same command id -> same ticket",
                number(again) == n1,
                f"{number(again)} (was {n1}); waiting {hall_waiting(vm)}",
            )
    if not all_active(vm):
        rep.check("all units active after the kills", False, json.dumps(unit_states(vm))[:500])

    # the service's own lines (-t: its SyslogIdentifier; -u also shows systemd's lines about it):
    # log records on stderr are JSON; the ready line goes to stdout as plain text, by design
    own = vm.ssh("journalctl -t tideq-controller -o cat --no-pager | head -40", check=False).splitlines()
    print("\n".join(own[:8]))
    ready = [ln for ln in own if ln.startswith("tideq controller ready:")]
    records = [ln for ln in own if ln not in ready]
    rep.check(
        "journald gets JSON lines",
        bool(records)
        and all(json.loads(ln).get("hall") == "xian-hitech" for ln in records if ln.startswith("{"))
        and all(ln.startswith("{") for ln in records),
        f"journalctl -t tideq-controller: {len(records)} log records, all JSON objects with hall/device fields;"
        f" {len(ready)} plain ready lines (stdout)",
    )

    for vt, name in ((7, "vm-kiosk.png"), (8, "vm-board.png")):
        try:
            path = screenshot(vm, vt, SHOTS / name)
            rep.check(f"(e) screenshot vt{vt}", True, str(path.relative_to(REPO)))
        except (TimeoutError, OSError, RuntimeError) as err:
            rep.check(f"(e) screenshot vt{vt}", False, str(err))

    boot_id = vm.ssh("cat /proc/sys/kernel/random/boot_id").strip()
    t_reboot = time.monotonic()
    vm.try_ssh("systemctl reboot", timeout=30)
    until(
        "rebooted",
        lambda: (vm.try_ssh("cat /proc/sys/kernel/random/boot_id", timeout=30) or boot_id).strip() != boot_id,
        boot_deadline,
        every_s=3,
    )
    if boot_check(vm, rep, "(d) reboot", t_reboot, boot_deadline) is None:
        return
    again = take_ticket(vm, str(first["command_id"]))
    rep.check("(d) after reboot: same command id -> same ticket", number(again) == n1, f"{number(again)} (was {n1})")
    nxt = take_ticket(vm)
    n3 = number(nxt)
    ok = n3[:1] == PREFIX and n1[1:].isdigit() and n3[1:].isdigit() and int(n3[1:]) == int(n1[1:]) + 1
    rep.check("(d) after reboot: the day continues", ok, f"next ticket {n3} after {n1}; waiting {hall_waiting(vm)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path("/work/vmcache"), help="rootfs, image, kernel, caches")
    ap.add_argument("--reuse-image", action="store_true", help="boot the last image again (no provisioning)")
    ap.add_argument("--keep-vm", action="store_true", help="leave the VM running at the end (prints its ssh)")
    ap.add_argument("--boot-deadline", type=float, default=900, help="seconds for a boot to bring every unit up")
    args = ap.parse_args()
    cache: Path = args.cache
    cache.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped bench still shuts its VM down
    if os.geteuid() != 0:
        raise SystemExit("run as root (debootstrap, chroot, mounts)")
    host_tools()
    key = cache / "id_ed25519"
    if not key.exists():
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)])
    t_build = time.monotonic()
    if not args.reuse_image:
        base = base_system(cache)
        wheel = build_wheel(cache)
        root = provision(cache, base, wheel, key)
        finish_tree(root)
        make_image(cache, root)
    log(f"image ready in {time.monotonic() - t_build:.0f} s")
    vm = Vm(cache, cache / "disk.raw", cache / "vmlinuz", cache / "initrd.img", key)
    rep = Report()
    vm.start()
    try:
        run_checks(vm, rep, args.boot_deadline)
    except Exception as err:
        rep.check("bench ran to the end", False, f"{type(err).__name__}: {err}")
        show_failure(vm)
    finally:
        if args.keep_vm:
            log(f"VM left running: pid {vm.proc.pid if vm.proc else '?'}, ssh -p {vm.port} -i {key} root@127.0.0.1")
        else:
            vm.try_ssh("systemctl poweroff", timeout=20)
            try:
                if vm.proc:
                    vm.proc.wait(120)
            except subprocess.TimeoutExpired:
                pass
            vm.stop()
    print("\n== summary (VM clock from " + RTC_BASE + "Z, qemu TCG -smp 2 -m 2048) ==\n" + rep.table())
    return 0 if rep.rows and all(ok for _, ok, _ in rep.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
