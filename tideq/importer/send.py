"""Sending prepared appointments: batches within the contract's limits, one `cmd/appointments`
each, and the controller's reply per batch.

The importer checks every row before sending, so the controller should accept every batch. If
it refuses one anyway for what one row holds (the controller runs another hall file, say), the
batch is sent again in halves until the refused rows are alone: one bad row never costs the
others. A refusal changes nothing on the controller, so re-sending is safe.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tideq.contract import BusClient, ErrorCode
from tideq.contract.wire import MAX_IMPORT_PAYLOAD

MAX_ITEMS = 5000  # AppointmentsCmd.appointments max_length
ENVELOPE = 1024  # room for v, id and the brackets
ROW_ERRORS = {ErrorCode.BAD_PAYLOAD, ErrorCode.UNKNOWN_SERVICE, ErrorCode.SERVICE_NOT_BOOKABLE}

Item = tuple[str, dict[str, Any]]  # (where in the file, the appointment)


def _size(item: dict[str, Any]) -> int:
    return len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()) + 1


def batches(items: list[Item], max_items: int = MAX_ITEMS, max_bytes: int = MAX_IMPORT_PAYLOAD) -> Iterator[list[Item]]:
    """Consecutive runs of at most `max_items` whose message stays within `max_bytes`."""
    run: list[Item] = []
    size = ENVELOPE
    for it in items:
        n = _size(it[1])
        if run and (len(run) >= max_items or size + n > max_bytes):
            yield run
            run, size = [], ENVELOPE
        run.append(it)
        size += n
    if run:
        yield run


@dataclass(frozen=True)
class BatchResult:
    """What the controller said to one message: `imported` rows, or the refusal."""

    first: str  # where the batch starts and ends in the file
    last: str
    count: int
    imported: int
    code: str | None = None
    reason: str | None = None

    @property
    def span(self) -> str:
        return self.first if self.count == 1 else f"{self.first} to {self.last}"

    def __str__(self) -> str:
        what = f"{self.span} ({self.count} appointment{'s' if self.count != 1 else ''})"
        if self.code is None:
            return f"{what}: imported {self.imported}"
        return f"{what}: refused by the controller ({self.code}): {self.reason}"


def deliver(
    client: BusClient, items: list[Item], timeout: float, report: Callable[[BatchResult], None] = lambda r: None
) -> list[BatchResult]:
    """Send every batch; BusError (no broker, no reply) stops the import where it is."""
    results: list[BatchResult] = []
    for run in batches(items):
        _send(client, run, timeout, results, report)
    return results


def _send(
    client: BusClient, run: list[Item], timeout: float, out: list[BatchResult], report: Callable[[BatchResult], None]
) -> None:
    reply = client.send(
        "appointments", {"appointments": [a for _, a in run]}, timeout=timeout, command_id=str(uuid.uuid4())
    )
    e = reply.error
    if e is not None and e.code in ROW_ERRORS and len(run) > 1:
        half = len(run) // 2
        _send(client, run[:half], timeout, out, report)
        _send(client, run[half:], timeout, out, report)
        return
    if e is None:
        result = BatchResult(run[0][0], run[-1][0], len(run), int(reply.imported or 0))
    else:
        result = BatchResult(run[0][0], run[-1][0], len(run), 0, e.code.value, f"{e.message.en} -> {e.guide.en}")
    out.append(result)
    report(result)
