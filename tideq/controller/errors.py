"""Errors of the controller package."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tideq.contract import BiText, ErrorCode, ErrorInfo


class ControllerError(Exception):
    """Base of controller errors."""


class StoreError(ControllerError):
    """The event log cannot be read or written (disk full, corrupt file, wrong schema)."""


class SecretError(ControllerError):
    """The hall secret can be neither read from the environment nor kept beside the event log."""


@dataclass
class Refusal(ControllerError):
    """A command the hall says no to, always with what to do instead (窗口无否决权).

    Raised by the engine before it changes anything, so a refusal leaves state untouched.
    """

    code: ErrorCode
    message: BiText
    guide: BiText
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message.en} -> {self.guide.en}"

    def as_error(self) -> ErrorInfo:
        """The reply's `error`: English shown to people starts with a capital letter."""
        return ErrorInfo.model_validate(
            {"code": self.code, "message": _sentence(self.message), "guide": _sentence(self.guide), **self.extra}
        )


def _sentence(text: BiText) -> BiText:
    return BiText.of(text.zh, text.en[:1].upper() + text.en[1:])
