"""Exceptions of the evaluator driver."""
from __future__ import annotations


class EvaluatorError(Exception):
    """Base of evaluator driver errors."""


class EvaluatorPayloadError(EvaluatorError, ValueError):
    """A checksum-valid frame whose payload does not follow the evaluator protocol."""
