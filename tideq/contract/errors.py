"""Errors of the contract package: a payload that is not a valid message, and the bus link."""

from __future__ import annotations

from .vocab import ErrorCode


class ContractError(Exception):
    """Base of tideq.contract errors."""


class PayloadError(ContractError):
    """A payload is not a valid contract message; `code` is the contract's error code for it
    (bad_json, payload_too_large, unsupported_version, bad_payload) and `detail` names the field."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail


class BusError(ContractError):
    """Base of errors on the broker link."""


class BrokerUnreachable(BusError):
    """The broker did not accept a connection in time."""


class RequestTimeout(BusError):
    """No reply to a command in time (controller offline or overloaded)."""
