"""What a check says, and how checks run: each in its own thread with a deadline, so a hung device
or a bug in one check becomes a FAIL naming it instead of a hung or crashed doctor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Level(str, Enum):
    """A check's verdict; `fail` makes the exit status 2."""

    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Result:
    """One line of the report: what was checked (`check`, `subject`), the verdict, what was found
    and, for a warning or failure, what to do about it."""

    check: str  # broker, acl, tls, clock, printer, serial, camera, fonts, voice, sound, disk, database, ...
    subject: str  # what exactly: a login, a file, a printer URL, a port
    level: Level
    message: str
    fix: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        text = f"{self.level.value:<4}  {self.check:<9} {self.subject}: {self.message}"
        return f"{text}\n      fix: {self.fix}" if self.fix and self.level is not Level.OK else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "level": self.level.value,
            "message": self.message,
            "fix": self.fix,
            "detail": self.detail,
        }


def ok(check: str, subject: str, message: str, **detail: Any) -> Result:
    return Result(check, subject, Level.OK, message, detail=detail)


def warn(check: str, subject: str, message: str, fix: str, **detail: Any) -> Result:
    return Result(check, subject, Level.WARN, message, fix, detail)


def fail(check: str, subject: str, message: str, fix: str, **detail: Any) -> Result:
    return Result(check, subject, Level.FAIL, message, fix, detail)


CheckFn = Callable[[], "Result | list[Result]"]


@dataclass(frozen=True)
class Check:
    """A check to run: `fn` returns one result or several (one connection, several verdicts).
    `timeout_s` bounds it even if a driver ignores its own timeouts."""

    check: str
    subject: str
    fn: CheckFn
    timeout_s: float = 10.0


def run_one(c: Check) -> list[Result]:
    """Run `c` on a daemon thread; an exception or an overrun is a FAIL naming it."""
    box: list[Result] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            got = c.fn()
            box.extend(got if isinstance(got, list) else [got])
        except Exception as err:  # a check must never crash the doctor
            error.append(err)

    t = threading.Thread(target=target, name=f"doctor-{c.check}", daemon=True)
    start = time.monotonic()
    t.start()
    t.join(c.timeout_s)
    if t.is_alive():
        return [
            fail(
                c.check,
                c.subject,
                f"check did not finish within {c.timeout_s:g} s",
                "the device or service hangs; restart it and rerun `tideq doctor` (report a bug if it persists)",
            )
        ]
    if error:
        err = error[0]
        return [
            fail(
                c.check,
                c.subject,
                f"the check itself failed: {type(err).__name__}: {err}",
                "this is a bug in tideq doctor or an unexpected setup; report it with this line",
                seconds=round(time.monotonic() - start, 3),
            )
        ]
    return box


def run_all(checks: Iterable[Check], on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """Run the checks one after another (they share ports and the broker login), in order."""
    results: list[Result] = []
    for c in checks:
        for r in run_one(c):
            results.append(r)
            if on_result:
                on_result(r)
    return results


def exit_status(results: Iterable[Result]) -> int:
    """0 when nothing failed (warnings allowed), 2 otherwise."""
    return 2 if any(r.level is Level.FAIL for r in results) else 0
