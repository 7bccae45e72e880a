"""The report package's exceptions: each says what went wrong and what to do."""

from __future__ import annotations


class ReportError(Exception):
    """Base of every error of tideq.report."""


class SourceError(ReportError):
    """The event log (or an archive of it) cannot be read."""


class ArchiveError(ReportError):
    """Archiving old days failed; the live log is unchanged for the day that failed."""


class BackupError(ReportError):
    """A backup could not be written."""


class RestoreRefused(ReportError):
    """A restore was refused (a controller has the log open, or the backup is not an event log)."""
