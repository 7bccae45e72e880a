"""Satisfaction evaluators (评价器) on an RS-485 line: protocol, polling master, pty simulator.

The wire counts ratings 1 best (`WireRating`); the master hands on the contract's scale, 5 best."""

from .errors import EvaluatorError, EvaluatorPayloadError
from .master import EvaluatorMaster, RatingResult, RatingStatus
from .protocol import WireRating

__all__ = ["EvaluatorError", "EvaluatorMaster", "EvaluatorPayloadError", "RatingResult", "RatingStatus", "WireRating"]
