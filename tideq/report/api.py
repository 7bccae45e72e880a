"""One call from a hall file and a period to the report's files (the CLI and the console use it)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tideq.config import LoadedConfig

from . import figures, render, source
from .errors import ReportError


def hall_today(loaded: LoadedConfig, now: datetime | None = None) -> date:
    """Today in the hall's own zone (a hall day starts at its local midnight)."""
    tz = ZoneInfo(loaded.hall.hall.timezone)
    return (now or datetime.now(tz)).astimezone(tz).date()


def build(loaded: LoadedConfig, first: date, last: date, data_dir: Path | None = None) -> figures.Report:
    if last < first:
        raise ReportError(f"--to {last} is before --date {first}")
    rows = source.rows_between(data_dir or loaded.data_dir, first, last)
    return figures.build(loaded.hall, rows, first, last)


def make_report(
    loaded: LoadedConfig, first: date, last: date | None = None, out: Path | None = None, data_dir: Path | None = None
) -> tuple[figures.Report, render.Written]:
    """Read, fold and write: XLSX, PNG charts and the HTML page in `out` (default data_dir/reports)."""
    d = data_dir or loaded.data_dir
    report = build(loaded, first, last or first, d)
    return report, render.write_all(report, out or d / "reports")
