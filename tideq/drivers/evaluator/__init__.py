"""Satisfaction evaluators (评价器) on an RS-485 line: protocol, polling master, pty simulator."""
from .errors import EvaluatorError, EvaluatorPayloadError
from .master import EvaluatorMaster, RatingResult, RatingStatus
from .protocol import Rating

__all__ = ["EvaluatorError", "EvaluatorMaster", "EvaluatorPayloadError", "Rating", "RatingResult", "RatingStatus"]
