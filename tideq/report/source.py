"""Reading the event log without ever blocking its one writer.

The live log is opened read-only (`mode=ro` URI): in WAL mode a reader takes no lock a writer
waits on, so a running controller keeps acknowledging tickets while a report reads. Days moved
out by `tideq archive` live in per-month files beside it (`archive/events-YYYY-MM.sqlite3`, same
`events` and `quarantine` tables, same `seq`); a report reads those and the live log as one, by
`seq`, so a day half-archived by an interrupted run still reads whole and never twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import SourceError

LIVE_NAME = "events.sqlite3"  # tideq.controller.service names the live log so
ARCHIVE_DIR = "archive"


@dataclass(frozen=True)
class Row:
    seq: int
    day: date
    at: str
    kind: str
    data: str


def live_path(data_dir: Path) -> Path:
    return data_dir / LIVE_NAME


def archive_path(data_dir: Path, month: str) -> Path:
    """The archive file of `month` ("YYYY-MM")."""
    return data_dir / ARCHIVE_DIR / f"events-{month}.sqlite3"


def archive_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / ARCHIVE_DIR).glob("events-*.sqlite3"))


def open_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection; raises SourceError naming the file and the fix."""
    if not path.exists():
        raise SourceError(
            f"no event log at {path}: give the hall file whose [storage] data_dir holds it, or --data-dir"
        )
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT 1 FROM events LIMIT 1")
    except sqlite3.Error as err:
        raise SourceError(f"cannot read the event log {path}: {err} (is it a tideq event log?)") from err
    return db


def _months(first: date, last: date) -> set[str]:
    out, y, m = set(), first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def rows_between(data_dir: Path, first: date, last: date) -> Iterator[Row]:
    """Every event of hall days first..last (inclusive) from the live log and its archives, in
    `seq` order, quarantined ones left out (the controller does not fold them either)."""
    wanted = _months(first, last)
    files = [p for p in archive_files(data_dir) if p.stem.removeprefix("events-") in wanted]
    live = live_path(data_dir)
    if live.exists() or not files:
        files.append(live)
    seen: dict[int, Row] = {}
    for path in files:
        db = open_ro(path)
        try:
            for seq, day, at, kind, data in db.execute(
                "SELECT seq, day, at, kind, data FROM events WHERE day >= ? AND day <= ?"
                " AND seq NOT IN (SELECT seq FROM quarantine)",
                (first.isoformat(), last.isoformat()),
            ):
                seen[seq] = Row(seq, date.fromisoformat(day), at, kind, data)
        except sqlite3.Error as err:
            raise SourceError(f"cannot read {path}: {err}") from err
        finally:
            db.close()
    for seq in sorted(seen):
        yield seen[seq]
