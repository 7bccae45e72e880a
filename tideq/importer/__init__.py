"""`tideq appointments import`: the city booking platform's export (掌上预约) -> `cmd/appointments`.

Personal data never leaves this package in clear: only the known columns are read (any other
column is dropped and reported), names and phone numbers are masked here
(`tideq.contract.privacy`), and a clear ID-number column is checked and replaced by its HMAC under
the hall secret (`tideq.contract.identity`), exactly as a kiosk does. Each row is validated on its
own; a bad row is reported (row, column, reason, never a personal value) and the good ones are
sent in batches the contract allows.

    columns.py   the header mapping (English and the platform's Chinese headers)
    export.py    reading the file: XLSX, CSV (UTF-8 with or without BOM, GB18030/GBK) or JSON
    rows.py      one row -> one masked, hashed appointment, or the row's problems
    send.py      batches, sending and the controller's reply per batch
    cli.py       the command
"""

from .columns import COLUMNS, Column
from .errors import ExportUnreadable, ImporterError, SecretRequired
from .export import Export, RawRow, read_export
from .rows import Prepared, Problem, prepare
from .send import BatchResult, batches, deliver

__all__ = [
    "COLUMNS",
    "BatchResult",
    "Column",
    "Export",
    "ExportUnreadable",
    "ImporterError",
    "Prepared",
    "Problem",
    "RawRow",
    "SecretRequired",
    "batches",
    "deliver",
    "prepare",
    "read_export",
]
