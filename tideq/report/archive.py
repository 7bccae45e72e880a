"""Archive old days out of the live event log, back it up online, restore a backup.

Why archiving needs no help from the controller: the controller is the one writer, but it only
ever *reads* today's events and, of earlier days, the bookings (appointment imports, cancels,
reschedules) of the last CARRY_DAYS days (tideq.controller.worker.rebuild). So a finished day's
events can leave the live log while the controller runs, as long as

- the current hall day is never touched (`before` must not be later than today), and
- booking events younger than CARRY_DAYS stay in the live log (they are copied to the archive
  too; a report reads both and counts each `seq` once).

Each day moves in two steps: its rows are written to the month's archive file and fsynced, then
deleted from the live log in one short `BEGIN IMMEDIATE` transaction (a write lock of a few ms:
the controller's next write waits for it, SQLite's busy timeout covers that). A crash between the
two leaves the day in both files, which reads the same and the next run finishes.

Backup uses SQLite's online backup API from a read-only connection, so it never blocks the
writer. Restore refuses while any process has the live log open: leaving WAL mode needs every
other connection gone, and the controller's EventStore keeps one open for its whole life, so that
switch is the lock test. The log it replaces is kept beside it first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from tideq.controller.store import CARRIED, PERSONAL, SCHEMA_VERSION
from tideq.controller.worker import CARRY_DAYS

from .errors import ArchiveError, BackupError, RestoreRefused
from .source import archive_path, live_path

BUSY_TIMEOUT_S = 30.0  # how long archiving waits for the controller's burst to commit

ARCHIVE_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq   INTEGER PRIMARY KEY,
    day   TEXT NOT NULL,
    at    TEXT NOT NULL,
    kind  TEXT NOT NULL,
    data  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_day ON events(day);
CREATE TABLE IF NOT EXISTS quarantine (
    seq    INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    reason TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Archived:
    days: list[date]
    moved: int  # rows deleted from the live log
    kept: int  # booking rows copied but kept live (younger than CARRY_DAYS)
    files: list[Path]


def _without_personal(data: str) -> str:
    """An event's data as archived: the personal fields (identity hash, masked name and phone)
    left out at any depth. The archive is for statistics; the controller never reads it, so it
    never needs them, and the live log's purge (storage.personal_days) cannot reach it."""
    try:
        value = json.loads(data)
    except ValueError:
        return data

    def strip(v: object) -> object:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in PERSONAL}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return json.dumps(strip(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _open_archive(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=FULL")
    for stmt in filter(str.strip, ARCHIVE_SCHEMA.split(";")):
        db.execute(stmt)
    return db


def archive(data_dir: Path, before: date, today: date) -> Archived:
    """Move every hall day before `before` from the live log to per-month archive files."""
    if before > today:
        raise ArchiveError(f"--before {before} is after today ({today}): today's events are the controller's state")
    live_file = live_path(data_dir)
    if not live_file.exists():
        raise ArchiveError(f"no event log at {live_file}")
    carry_from = (today - timedelta(days=CARRY_DAYS)).isoformat()
    live = sqlite3.connect(live_file, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    days, moved, kept, files = [], 0, 0, set()
    try:
        found = [
            d
            for (d,) in live.execute(
                "SELECT DISTINCT day FROM events WHERE day < ? ORDER BY day", (before.isoformat(),)
            )
        ]
        for day in found:
            rows = [
                (seq, d, at, kind, _without_personal(data))
                for seq, d, at, kind, data in live.execute(
                    "SELECT seq, day, at, kind, data FROM events WHERE day = ?", (day,)
                )
            ]
            seqs = [r[0] for r in rows]
            quarantined = live.execute(
                "SELECT q.seq, q.at, q.reason FROM quarantine q JOIN events e ON e.seq = q.seq WHERE e.day = ?", (day,)
            ).fetchall()
            path = archive_path(data_dir, day[:7])
            arc = _open_archive(path)
            try:
                arc.execute("BEGIN IMMEDIATE")
                arc.executemany("INSERT OR IGNORE INTO events(seq, day, at, kind, data) VALUES (?,?,?,?,?)", rows)
                arc.executemany("INSERT OR IGNORE INTO quarantine(seq, at, reason) VALUES (?,?,?)", quarantined)
                arc.execute("COMMIT")
                have = arc.execute("SELECT COUNT(*) FROM events WHERE day = ?", (day,)).fetchone()[0]
            except sqlite3.Error as err:
                raise ArchiveError(f"cannot write the archive {path}: {err}; the live log keeps {day}") from err
            finally:
                arc.close()
            if have < len(seqs):
                raise ArchiveError(
                    f"archive {path} holds {have} of {len(seqs)} events of {day}; the live log keeps them"
                )
            keep = day >= carry_from
            try:
                live.execute("BEGIN IMMEDIATE")
                q = "DELETE FROM events WHERE day = ?"
                args: tuple[str, ...] = (day,)
                if keep:
                    q += f" AND kind NOT IN ({','.join('?' * len(CARRIED))})"
                    args = (day, *CARRIED)
                n = live.execute(q, args).rowcount
                live.execute("DELETE FROM quarantine WHERE seq NOT IN (SELECT seq FROM events)")
                live.execute("COMMIT")
            except sqlite3.Error as err:
                if live.in_transaction:
                    live.execute("ROLLBACK")
                raise ArchiveError(
                    f"cannot delete archived {day} from {live_file}: {err} (it is safely in {path})"
                ) from err
            days.append(date.fromisoformat(day))
            moved += n
            kept += len(seqs) - n
            files.add(path)
    finally:
        live.close()
    return Archived(days, moved, kept, sorted(files))


def backup(data_dir: Path, dest: Path) -> Path:
    """An online copy of the live log to `dest` (written beside it, checked, then renamed)."""
    src_file = live_path(data_dir)
    if not src_file.exists():
        raise BackupError(f"no event log at {src_file}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"{src_file.resolve().as_uri()}?mode=ro", uri=True)
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
            ok = out.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            out.close()
            src.close()
    except sqlite3.Error as err:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"backup of {src_file} to {dest} failed: {err}") from err
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupError(f"the copy of {src_file} failed its check ({ok}); try again")
    tmp.replace(dest)
    return dest


def _check_backup(path: Path) -> None:
    if not path.exists():
        raise RestoreRefused(f"no backup at {path}")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            ok = db.execute("PRAGMA quick_check").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute("SELECT seq, day, at, kind, data FROM events LIMIT 1").fetchall()
        finally:
            db.close()
    except sqlite3.Error as err:
        raise RestoreRefused(f"{path} is not a tideq event log: {err}") from err
    if ok != "ok":
        raise RestoreRefused(f"{path} is damaged ({ok}); pick another backup")
    if version > SCHEMA_VERSION:
        raise RestoreRefused(f"{path} has schema {version}, newer than this tideq ({SCHEMA_VERSION}); upgrade tideq")


def restore(data_dir: Path, backup_file: Path, now: datetime) -> Path | None:
    """Put `backup_file` in place of the live log; returns where the replaced log was kept (None
    if there was none; a damaged one is moved aside whole, with its -wal and -shm). Refused while
    a process (a controller) has the live log open."""
    _check_backup(backup_file)
    live_file = live_path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    live = sqlite3.connect(live_file, isolation_level=None, timeout=0.1)
    kept: Path | None = None
    try:
        try:
            mode = live.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as err:
            raise RestoreRefused(
                f"{live_file} is open in another process (a running controller?): stop it first ({err})"
            ) from err
        except sqlite3.DatabaseError:  # the live log is damaged (what a restore is for): set it aside whole
            live.close()
            kept = live_file.with_name(f"{live_file.name}.damaged-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                f = live_file.with_name(live_file.name + suffix)
                if f.exists():
                    f.rename(kept.with_name(kept.name + suffix))
            live = sqlite3.connect(live_file, isolation_level=None, timeout=0.1)
            mode = live.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if mode != "delete":
            raise RestoreRefused(f"{live_file} is open in another process (a running controller?): stop it first")
        if kept is None and live.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
            kept = live_file.with_name(f"{live_file.name}.before-restore-{stamp}")
            out = sqlite3.connect(kept)
            try:
                live.backup(out)
            finally:
                out.close()
        src = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            src.backup(live)
        finally:
            src.close()
        live.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as err:
        raise RestoreRefused(f"restore of {backup_file} into {live_file} failed: {err}") from err
    finally:
        live.close()
    return kept
