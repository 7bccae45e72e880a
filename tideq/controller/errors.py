"""Errors of the controller package."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ControllerError(Exception):
    """Base of controller errors."""


class StoreError(ControllerError):
    """The event log cannot be read or written (disk full, corrupt file, wrong schema)."""


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass
class Refusal(ControllerError):
    """A command the hall says no to, always with what to do instead (窗口无否决权).

    Raised by the engine before it changes anything, so a refusal leaves state untouched.
    """

    code: str
    message: Bilingual
    guide: Bilingual
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message.en} -> {self.guide.en}"

    def as_error(self) -> dict[str, Any]:
        return {"code": self.code, "message": _sentence(self.message), "guide": _sentence(self.guide), **self.extra}


def _sentence(text: Bilingual) -> dict[str, str]:
    """English shown to people starts with a capital letter; the zh text is left as written."""
    return {"zh": text.zh, "en": text.en[:1].upper() + text.en[1:]}
