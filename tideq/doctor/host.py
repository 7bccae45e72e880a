"""Checks of the machine itself: CJK fonts (fontconfig), espeak-ng and its Chinese voice, a sound
device, free disk space, the event log, and whether the clock is NTP-synchronised."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .result import Result, fail, ok, warn

CMD_TIMEOUT_S = 10.0
ZH_VOICE = "cmn-latn-pinyin"  # the espeak-ng voice that reads Chinese correctly (docs/voice.md)
DISK_WARN_BYTES = 1 << 30  # 1 GiB: weeks of event log, but backups and logs grow too
DISK_FAIL_BYTES = 256 << 20  # 256 MiB: the controller's own floor is close (it refuses writes when full)
FONT_FIX = "install a CJK font: apt-get install fonts-wqy-microhei (or fonts-noto-cjk), then fc-cache -f"


def check_fonts(env: Mapping[str, str] | None = None) -> Result:
    """A font covering Chinese, as Qt will find it through fontconfig (`fc-list :lang=zh`).
    `env`: the environment fontconfig runs in (FONTCONFIG_FILE etc.); default this process's."""
    exe = shutil.which("fc-list")
    if exe is None:
        return fail("fonts", "zh", "fc-list not found (fontconfig missing)", "apt-get install fontconfig; " + FONT_FIX)
    done = subprocess.run(
        [exe, ":lang=zh", "family"],
        capture_output=True,
        text=True,
        timeout=CMD_TIMEOUT_S,
        env=dict(env) if env is not None else None,
        check=False,
    )
    families = sorted({line.split(",")[0].strip() for line in done.stdout.splitlines() if line.strip()})
    if not families:
        return fail("fonts", "zh", "no font with Chinese glyphs: the screens would show boxes", FONT_FIX)
    return ok("fonts", "zh", f"{len(families)} CJK famil{'y' if len(families) == 1 else 'ies'}: {families[0]}, ...")


def check_voice(required: bool) -> Result:
    """espeak-ng with the Chinese voice writes a WAV (what the board's announcer runs)."""
    level = fail if required else warn
    exe = shutil.which("espeak-ng")
    if exe is None:
        return level("voice", "espeak-ng", "espeak-ng not installed: calls are not spoken", "apt-get install espeak-ng")
    with tempfile.TemporaryDirectory(prefix="tideq-doctor-") as tmp:
        wav = Path(tmp) / "t.wav"
        done = subprocess.run(
            [exe, "-v", ZH_VOICE, "-w", str(wav), "请A001号到1号窗口"],
            capture_output=True,
            text=True,
            timeout=CMD_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0 or not wav.exists() or wav.stat().st_size < 1000:
            return level(
                "voice",
                f"espeak-ng {ZH_VOICE}",
                f"cannot speak Chinese: {done.stderr.strip() or 'no sound written'}",
                'apt-get install espeak-ng espeak-ng-data (the cmn voices), or set voice = "clips" with recorded'
                " clips (docs/voice.md)",
            )
    return ok("voice", f"espeak-ng {ZH_VOICE}", "speaks Chinese")


def check_sound(required: bool) -> Result:
    """A player (aplay, else sox's play) that can play 20 ms of silence: a sound device exists."""
    from tideq.drivers.audio.errors import PlayerError
    from tideq.drivers.audio.player import AplayPlayer, SoxPlayer

    level = fail if required else warn
    errors: list[str] = []
    for kind in (AplayPlayer, SoxPlayer):
        try:
            player = kind()
            player.probe()
        except PlayerError as err:
            errors.append(str(err))
            continue
        return ok("sound", kind.command[0], "a sound device plays")
    return level(
        "sound",
        "aplay/play",
        "no way to play sound: " + "; ".join(errors),
        "connect speakers or HDMI audio and check `aplay -l` lists a card; install alsa-utils or sox; "
        "the service's user needs the audio group",
    )


def check_disk(folder: Path) -> Result:
    """Free space where the data lives (the nearest existing parent of `folder`)."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    st = os.statvfs(probe)
    free = st.f_bavail * st.f_frsize
    text = f"{free / (1 << 30):.1f} GiB free" + (f" (on {probe})" if probe != folder else "")
    fix = "free space (old logs, backups: journalctl --vacuum-size=200M) or move [storage] data_dir to a larger disk"
    if free < DISK_FAIL_BYTES:
        return fail("disk", str(folder), text, fix, free_bytes=free)
    if free < DISK_WARN_BYTES:
        return warn("disk", str(folder), text, fix, free_bytes=free)
    return ok("disk", str(folder), text, free_bytes=free)


def check_data_dir(folder: Path) -> list[Result]:
    """The controller's data dir: writable, and its event log (if any) opens and passes quick_check."""
    fix_perm = f"create it and give the controller's user write access: mkdir -p {folder} && chown USER {folder}"
    if folder.exists() and not folder.is_dir():
        return [fail("database", str(folder), "is a file, not a folder", "point [storage] data_dir at a folder")]
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK) or os.statvfs(probe).f_flag & os.ST_RDONLY:
        return [fail("database", str(folder), f"not writable ({probe})", fix_perm)]
    if folder.exists():
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
                pass
        except OSError as err:
            return [fail("database", str(folder), f"cannot write a file: {err}", fix_perm)]
    db = folder / "events.sqlite3"
    if not db.exists():
        return [ok("database", str(db), "not created yet; the folder is writable (the controller makes it)")]
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2.0)
        try:
            verdict = con.execute("PRAGMA quick_check").fetchone()[0]
            events = con.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as err:
        return [
            fail(
                "database",
                str(db),
                f"cannot read the event log: {err}",
                "stop the controller, keep a copy of the file, and see docs/reliability.md (storage faults)",
            )
        ]
    if verdict != "ok":
        return [
            fail(
                "database",
                str(db),
                f"quick_check: {verdict}",
                "the file is damaged: stop the controller, back it up, restore from the last backup "
                "(docs/reliability.md)",
            )
        ]
    return [ok("database", str(db), f"opens, quick_check ok ({events} tables)")]


def check_ntp() -> Result:
    """Whether this box's clock is NTP-synchronised (the controller's is the hall's reference)."""
    exe = shutil.which("timedatectl")
    fix = "enable NTP against the hall's time server: timedatectl set-ntp true (systemd-timesyncd) or chrony"
    if exe is None:
        return warn("clock", "ntp", "cannot tell: timedatectl not found", fix)
    done = subprocess.run(
        [exe, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=CMD_TIMEOUT_S
    )
    value = done.stdout.strip()
    if done.returncode != 0 or not value:
        why = (done.stderr.strip().splitlines() or ["no answer from timedatectl"])[0]
        return warn("clock", "ntp", f"cannot tell: {why}", fix)
    if value != "yes":
        return warn("clock", "ntp", "this clock is not NTP-synchronised", fix)
    return ok("clock", "ntp", "NTP-synchronised")
