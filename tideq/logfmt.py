"""Log lines: plain text for a terminal, or one JSON object per line (`tideq --log-format json`,
or TIDEQ_LOG_FORMAT=json as the systemd units set) for journald and log shippers.

Every line may carry the hall, the device and the command it concerns: the process sets its
hall and device once (`set_process`), the controller's dispatch sets the sender and command id
around each command (`context`). A context variable rather than a LoggerAdapter, so that
everything logged while a command runs (engine, store, publisher) carries its id.

Nothing personal leaves through a log: a filter on the handler masks 18-digit ID numbers and
11-digit mobile numbers in the message, its arguments and the traceback, and whatever the code
wraps in `personal(...)` is never printed at all (its str() is a placeholder).
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar, TextIO

FORMAT_ENV = "TIDEQ_LOG_FORMAT"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT_KEYS = ("hall", "device", "command_id")

# 18-digit resident ID (17 digits and a check digit 0-9/X) and mainland mobile numbers, not part of longer digit runs
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
MASK_ID, MASK_PHONE, MASK_PERSONAL = "[id-number]", "[phone]", "[personal]"

_process: dict[str, str] = {}  # process-wide: the hall and this process's device
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("tideq_log_context")
_NONE: Mapping[str, str] = MappingProxyType({})


def set_process(**fields: str | None) -> None:
    """The hall and device of every line this process logs (a command's context overrides them)."""
    _process.update({k: v for k, v in fields.items() if v})


@contextmanager
def context(**fields: str | None) -> Iterator[None]:
    """Lines logged inside carry these fields (device=sender, command_id=... in the controller)."""
    token = _context.set({**_context.get(_NONE), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def current() -> dict[str, str]:
    return {**_process, **_context.get(_NONE)}


class Personal:
    """A value the code marks personal (a name, an address): logged as a placeholder, always."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return MASK_PERSONAL

    __repr__ = __str__

    def __format__(self, spec: str) -> str:  # f"{personal(x)}" too
        return MASK_PERSONAL


def personal(value: object) -> Personal:
    return Personal(value)


def redact(text: str) -> str:
    return PHONE.sub(MASK_PHONE, ID_NUMBER.sub(MASK_ID, text))


class RedactFilter(logging.Filter):
    """Masks personal data in the formatted message and traceback before any formatter sees them.
    On the handler, so it covers third-party loggers (paho, uvicorn) too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what the formatter would show
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the redacted text stands in for it
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, hall/device/command_id when known,
    exc (the traceback as a string). With `syslog_prefix` each line starts with `<N>`, the
    priority prefix journald strips and stores as PRIORITY (so `journalctl -p err` works)."""

    PRIORITY: ClassVar[dict[int, int]] = {
        logging.CRITICAL: 2,
        logging.ERROR: 3,
        logging.WARNING: 4,
        logging.INFO: 6,
        logging.DEBUG: 7,
    }

    def __init__(self, syslog_prefix: bool = False) -> None:
        super().__init__()
        self.syslog_prefix = syslog_prefix

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None) or current().get(key)
            if value:
                entry[key] = str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        line = json.dumps(entry, ensure_ascii=False, default=str)
        if self.syslog_prefix:
            level = max((lv for lv in self.PRIORITY if lv <= record.levelno), default=logging.DEBUG)
            line = f"<{self.PRIORITY[level]}>{line}"
        return line


def to_journal(stream: TextIO) -> bool:
    """True if `stream` is the journald stream systemd connected (JOURNAL_STREAM=dev:inode)."""
    want = os.environ.get("JOURNAL_STREAM")
    if not want:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return want == f"{st.st_dev}:{st.st_ino}"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """A handler on whatever `sys.stderr` is when a record is written (as logging's own last-resort
    handler): a caller that swaps stderr, pytest's capture among them, does not leave it writing
    to a closed file."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def setup(level: int = logging.INFO, fmt: str | None = None, stream: TextIO | None = None) -> logging.Handler:
    """The root handler on stderr: text or JSON (`fmt`, else $TIDEQ_LOG_FORMAT, else text),
    always behind the redaction filter. Replaces handlers an earlier setup installed."""
    fmt = fmt or os.environ.get(FORMAT_ENV) or "text"
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: use one of {', '.join(FORMATS)} (--log-format, ${FORMAT_ENV})")
    out = stream or sys.stderr
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream) if stream else _StderrHandler()
    handler.addFilter(RedactFilter())
    handler.setFormatter(
        JsonFormatter(syslog_prefix=to_journal(out)) if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_tideq", False)]:
        root.removeHandler(old)
    handler._tideq = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return handler
