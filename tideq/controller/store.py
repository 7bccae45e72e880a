"""The event log: SQLite in WAL mode, append-only, fsynced before anything is acknowledged.

One transaction per batch of commands (group commit): the controller applies a burst of
commands, writes their events and replies together with `synchronous=FULL`, and only then
publishes the replies. An acknowledged ticket therefore survives kill -9 and power loss.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

from tideq.contract import Reply

from .errors import StoreError
from .events import Event, Kind

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2

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
}


class EventStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except (sqlite3.Error, OSError) as err:
            raise StoreError(
                f"cannot open the event log {path}: {err}; check the data_dir and its permissions"
            ) from err

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
            raise StoreError(f"cannot write the event log {self.path}: {err}") from err

    def events_for(self, day: date, carry_since: date) -> Iterator[Event]:
        """Events to fold for `day`: appointment imports since `carry_since`, then the day's own."""
        rows = self.db.execute(
            "SELECT kind, at, data FROM events WHERE (kind = ? AND day >= ? AND day < ?) OR day = ? ORDER BY seq",
            (Kind.APPOINTMENTS_IMPORTED.value, carry_since.isoformat(), day.isoformat(), day.isoformat()),
        )
        for kind, at, data in rows:
            yield Event.from_row(kind, at, data)

    def replies_for(self, day: date) -> dict[str, Reply]:
        """Stored replies since `day`, for idempotency; one that no longer reads is left out (logged)."""
        out: dict[str, Reply] = {}
        for rid, raw in self.db.execute("SELECT id, reply FROM replies WHERE day >= ?", (day.isoformat(),)):
            try:
                out[rid] = Reply.model_validate_json(raw)
            except ValueError as err:
                log.warning("stored reply %s is unreadable and is left out: %s", rid, str(err)[:200])
        return out

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        self.db.close()
