"""Exception tree of the importer. Problems of single rows are not exceptions: they are
reported per row (`rows.Problem`) and never stop the other rows."""

from __future__ import annotations


class ImporterError(Exception):
    """Base of every importer error."""


class ExportUnreadable(ImporterError):
    """The file cannot be read as an export: missing, not CSV or JSON, an unknown encoding, or
    a header without the required columns. The message names the file and what to fix."""


class SecretRequired(ImporterError):
    """The export has clear ID numbers but the hall secret is not set, so they cannot be hashed
    (and are never sent in clear)."""
