"""The event log: SQLite in WAL mode, append-only, fsynced before anything is acknowledged.

One transaction per batch of commands (group commit): the controller applies a burst of
commands, writes their events and replies together with `synchronous=FULL`, and only then
publishes the replies. An acknowledged ticket therefore survives kill -9 and power loss.

An event that can no longer be read or folded is marked in `quarantine` (never deleted) and left
out of every later fold. The WAL is kept small: SQLite checkpoints it every WAL_AUTOCHECKPOINT
pages, truncates it to WAL_SIZE_LIMIT after a checkpoint, and the worker truncates it outright
(`checkpoint()`) when idle. Every failure to open or write says what is wrong and how to fix it
(`storage_advice`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

from tideq.contract import Reply

from .errors import StoreError
from .events import Event, Kind

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
WAL_AUTOCHECKPOINT = 256  # pages (4 KiB): SQLite checkpoints the WAL past ~1 MiB
WAL_SIZE_LIMIT = 4 * 1024 * 1024  # bytes the WAL file keeps after a checkpoint
MIN_FREE_BYTES = 64 * 1024  # less free space than this on the log's disk counts as full
CARRIED = (  # event kinds of earlier days that still count today: bookings made, cancelled, moved before
    Kind.APPOINTMENTS_IMPORTED.value,
    Kind.APPOINTMENT_CANCELLED.value,
    Kind.APPOINTMENT_RESCHEDULED.value,
)
PERSONAL = ("name_masked", "phone_masked", "identity")  # the personal fields purged after storage.personal_days


def storage_advice(err: BaseException, path: Path) -> str:
    """What is wrong with the event log and how to fix it, for people (health, console, startup)."""
    text = str(err).lower()
    disk = _disk(path)
    if disk == "full" or "full" in text or "no space" in text:
        return f"disk full: free space on it (old logs, backups) or move [storage] data_dir to a larger disk ({path})"
    if disk == "read-only" or any(w in text for w in ("readonly", "read-only", "permission", "access")):
        return (
            "event log read-only: remount its disk read-write or let the controller's user write the file,"
            f" its -wal and -shm files and its folder ({path})"
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return f"event log damaged: restore it from a backup, or move it aside to start empty ({path})"
    return f"event log not writable ({err}): check the disk and [storage] data_dir ({path})"


# Each migration takes the database from version n-1 to n.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE events (
            seq   INTEGER PRIMARY KEY AUTOINCREMENT,
            day   TEXT NOT NULL,
            at    TEXT NOT NULL,
            kind  TEXT NOT NULL,
            data  TEXT NOT NULL
        );
        CREATE INDEX events_day ON events(day);
    """,
    2: """
        CREATE TABLE replies (
            id    TEXT PRIMARY KEY,
            day   TEXT NOT NULL,
            reply TEXT NOT NULL
        );
        CREATE INDEX events_kind ON events(kind, day);
    """,
    3: """
        CREATE TABLE quarantine (
            seq    INTEGER PRIMARY KEY,
            at     TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    """,
}


Row = tuple[int, str, str, str]  # seq, kind, at, data


def _disk(path: Path) -> str | None:
    """What the filesystem under `path` says: "read-only", "full", or None (looks fine)."""
    folder = path.parent if path.parent.exists() else path.parent.parent
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    if st.f_flag & os.ST_RDONLY:
        return "read-only"
    for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if f.exists() and not os.access(f, os.W_OK):
            return "read-only"
    if not os.access(folder, os.W_OK):
        return "read-only"
    if st.f_bavail * st.f_frsize < MIN_FREE_BYTES:
        return "full"
    return None


class EventStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
            self.db.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            self._migrate()
            self._probe()
        except (sqlite3.Error, OSError) as err:
            raise StoreError(f"cannot open the event log {path}: {storage_advice(err, path)}") from err

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"event log {self.path} has schema {version}, newer than this tideq ({SCHEMA_VERSION}); upgrade tideq"
            )
        for v in range(version + 1, SCHEMA_VERSION + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in filter(str.strip, MIGRATIONS[v].split(";")):
                    self.db.execute(stmt)
                self.db.execute(f"PRAGMA user_version={v}")
                self.db.execute("COMMIT")
            except sqlite3.Error:
                self.db.execute("ROLLBACK")
                raise

    def _probe(self) -> None:
        """One durable write on open, so a read-only or full disk is found at startup, not at the
        first visitor."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('opened', datetime('now'))")
            self.db.execute("COMMIT")
        except sqlite3.Error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def append(self, day: date, events: list[Event], replies: Mapping[str, Reply]) -> None:
        """Write a batch atomically and durably (fsync on commit)."""
        d = day.isoformat()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT INTO events(day, at, kind, data) VALUES (?,?,?,?)",
                [(d, e.at.isoformat(), e.kind.value, e.to_json()) for e in events],
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO replies(id, day, reply) VALUES (?,?,?)",
                [(rid, d, r.encode().decode("utf-8")) for rid, r in replies.items()],
            )
            self.db.execute("COMMIT")
        except sqlite3.Error as err:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise StoreError(storage_advice(err, self.path)) from err

    def rows_for(self, day: date, carry_since: date) -> list[Row]:
        """Rows to fold for `day` (appointment imports, cancels and reschedules since `carry_since`,
        then the day's own), quarantined ones left out."""
        return self.db.execute(
            "SELECT seq, kind, at, data FROM events WHERE ((kind IN (?, ?, ?) AND day >= ? AND day < ?) OR day = ?)"
            " AND seq NOT IN (SELECT seq FROM quarantine) ORDER BY seq",
            (*CARRIED, carry_since.isoformat(), day.isoformat(), day.isoformat()),
        ).fetchall()

    def events_for(self, day: date, carry_since: date) -> Iterator[Event]:
        """Events to fold for `day` (see rows_for); raises on an unreadable row."""
        for _, kind, at, data in self.rows_for(day, carry_since):
            yield Event.from_row(kind, at, data)

    def quarantine(self, seq: int, reason: str) -> bool:
        """Mark event `seq` as not to be folded again (kept for the audit). False if it could not be
        written (the caller then skips it in memory)."""
        try:
            self.db.execute(
                "INSERT OR IGNORE INTO quarantine(seq, at, reason) VALUES (?, datetime('now'), ?)", (seq, reason[:500])
            )
        except sqlite3.Error as err:
            log.error("cannot mark event %d quarantined: %s", seq, err)
            return False
        return True

    def quarantined(self, day: date | None = None) -> int:
        """Quarantined events (of `day` only, when given)."""
        if day is None:
            return int(self.db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM quarantine q JOIN events e ON e.seq = q.seq WHERE e.day = ?", (day.isoformat(),)
            ).fetchone()[0]
        )

    def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it (it cannot fill a small disk by itself)."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as err:
            log.warning("WAL checkpoint failed: %s", err)

    def purge_personal(self, before: date) -> int:
        """Remove names, phones and identity hashes from events of days before `before`; returns
        how many events changed. Ticket numbers, times and services stay (statistics)."""
        kinds = (Kind.APPOINTMENTS_IMPORTED.value, Kind.TICKET_ISSUED.value)
        rows = self.db.execute(
            "SELECT seq, data FROM events WHERE day < ? AND kind IN (?, ?)", (before.isoformat(), *kinds)
        ).fetchall()
        changed: list[tuple[str, int]] = []
        for seq, raw in rows:
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if _strip(data):
                changed.append((json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True), seq))
        if changed:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("UPDATE events SET data = ? WHERE seq = ?", changed)
                self.db.execute("DELETE FROM replies WHERE day < ?", (before.isoformat(),))
                self.db.execute("COMMIT")
            except sqlite3.Error as err:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise StoreError(storage_advice(err, self.path)) from err
        return len(changed)

    def replies_for(self, day: date) -> dict[str, Reply]:
        """Stored replies since `day`, for idempotency; one that no longer reads is left out (logged)."""
        out: dict[str, Reply] = {}
        for rid, raw in self.db.execute("SELECT id, reply FROM replies WHERE day >= ?", (day.isoformat(),)):
            try:
                out[rid] = Reply.model_validate_json(raw)
            except ValueError as err:
                log.warning("stored reply %s is unreadable and is left out: %s", rid, str(err)[:200])
        return out

    def wal_bytes(self) -> int:
        wal = self.path.with_name(self.path.name + "-wal")
        return wal.stat().st_size if wal.exists() else 0

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        self.db.close()


def _strip(data: object) -> bool:
    """Drop the personal fields from an event's data (in place); True if any was there."""
    found = False
    if isinstance(data, dict):
        for key in PERSONAL:
            if data.pop(key, None) is not None:
                found = True
        for value in data.values():
            found = _strip(value) or found
    elif isinstance(data, list):
        for value in data:
            found = _strip(value) or found
    return found
