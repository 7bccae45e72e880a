"""Exceptions of the evaluator driver (the line's own errors are `tideq.drivers.rs485.errors`)."""

from __future__ import annotations

from tideq.drivers.rs485.errors import PayloadError, Rs485Error


class EvaluatorError(Rs485Error):
    """Base of evaluator driver errors."""


class EvaluatorPayloadError(EvaluatorError, PayloadError):
    """A checksum-valid frame whose payload does not follow the evaluator protocol."""
