"""Value types shared by several messages: bilingual text, timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, ConfigDict, PlainSerializer

from .vocab import Lang
from .wire import Part, SafeStr, Short


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


Timestamp = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str, when_used="json")]
"""ISO 8601 with offset (a time without one is refused), written to the millisecond."""


class BiText(Part):
    """Text for people, in Chinese and English (`{"zh": .., "en": ..}`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    zh: SafeStr
    en: SafeStr

    @classmethod
    def of(cls, zh: str, en: str) -> BiText:
        """Shorthand for code that writes many texts: `BiText.of("暂停服务", "paused")`."""
        return cls(zh=zh, en=en)

    def pick(self, lang: Lang) -> str:
        return self.zh if lang is Lang.ZH else self.en


class StaffRef(Part):
    """A signed-in clerk: the 工号 and display name, the only personal data of staff the hall keeps."""

    id: Short
    name: BiText
