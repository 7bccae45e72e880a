"""Building exports and running `tideq appointments import` as a real process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tideq.config import EXAMPLE_HALL

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(body: str) -> str:
    """A resident ID number with its right check digit (GB 11643) for the 17 digits `body`."""
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def wrong_check_digit(body: str) -> str:
    good = id_number(body)
    return body + ("0" if good[-1] != "0" else "1")


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run_import(
    file: Path,
    broker_url: str,
    *extra: str,
    config: Path = EXAMPLE_HALL,
    env: dict[str, str] | None = None,
    verbose: bool = False,
) -> subprocess.CompletedProcess[str]:
    """The command as a process; `verbose` turns on debug logging (`tideq -v`)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            *(["-v"] if verbose else []),
            "appointments",
            "import",
            str(file),
            "--config",
            str(config),
            "--broker",
            broker_url,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy() if env is None else env,
    )


def stored_imports(data_dir: Path) -> list[dict[str, Any]]:
    """The appointments of every `appointments_imported` event in the controller's SQLite log."""
    db = sqlite3.connect(f"file:{data_dir / 'events.sqlite3'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT data FROM events WHERE kind = 'appointments_imported' ORDER BY seq").fetchall()
    finally:
        db.close()
    return [a for (data,) in rows for a in json.loads(data)["appointments"]]


def raw_bytes(data_dir: Path) -> bytes:
    """Every byte the controller keeps on disk (the database, its WAL, the replies)."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())
