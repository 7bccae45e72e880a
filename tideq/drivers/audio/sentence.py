"""The call sentence, in the three forms the announcer needs. Pure.

- `zh`: what the board shows, 请A012号到3号窗口办理.
- `zh_speak`: what espeak-ng's `cmn-latn-pinyin` voice is given. Ticket digits are spelled as
  Chinese digits, one by one (A零一二), because that is how halls call numbers and because the
  voice reads "012" as a quantity (líng shí'èr). Window numbers are read as numbers (十二号窗口),
  as people say them. The letter stays Latin: the voice says it like the English letter (A = "ei").
- `en`: Number A zero one two, please go to window 3; `en_speak` adds a comma after the letter,
  without which espeak-ng reads "A" as the article.
- `clips(lang)`: the clip names for `ClipSynth` (docs/voice.md lists the naming scheme).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .errors import ClipMissing

ZH_DIGITS = "零一二三四五六七八九"
EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TICKET = re.compile(r"^([A-Z]*)(\d+)$")


class Lang(str, Enum):
    ZH = "zh"
    EN = "en"


def zh_number(n: int) -> str:
    """Cardinal reading of a window number 0..99 (三, 十二, 二十, 二十一); larger: digit by digit."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")
    return "".join(ZH_DIGITS[int(d)] for d in str(n))


def zh_number_clips(n: int) -> list[str]:
    """The digit/ten clips of `zh_number(n)`."""
    out: list[str] = []
    for ch in zh_number(n):
        out.append("zh-n-10" if ch == "十" else f"zh-n-{ZH_DIGITS.index(ch)}")
    return out


EN_TEENS = {
    10: "ten",
    11: "eleven",
    12: "twelve",
    13: "thirteen",
    14: "fourteen",
    15: "fifteen",
    16: "sixteen",
    17: "seventeen",
    18: "eighteen",
    19: "nineteen",
}
EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}
EN_NUMBER_CLIPS = list(range(0, 20)) + list(EN_TENS)  # en-n-0 .. en-n-19, en-n-20 .. en-n-90


def en_number_clips(n: int) -> list[str]:
    if n < 20:
        return [f"en-n-{n}"]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [f"en-n-{tens * 10}"] + ([f"en-n-{ones}"] if ones else [])
    return [f"en-n-{d}" for d in str(n)]


@dataclass(frozen=True)
class Sentence:
    ticket: str
    window: str
    zh: str
    zh_speak: str
    en: str
    en_speak: str
    letters: str
    digits: str
    window_no: int | None

    def text(self, lang: Lang, speak: bool = True) -> str:
        if lang is Lang.ZH:
            return self.zh_speak if speak else self.zh
        return self.en_speak if speak else self.en

    def clips(self, lang: Lang) -> list[str]:
        """Clip names, in order; raises ClipMissing when the window is not a number (a named
        window needs espeak-ng or its own recorded clip)."""
        if self.window_no is None:
            raise ClipMissing(f"window {self.window!r} is not a number; clips cannot say it, use espeak-ng")
        p = lang.value
        letters = [f"{p}-letter-{c}" for c in self.letters]
        digits = [f"{p}-n-{d}" for d in self.digits]
        if lang is Lang.ZH:
            return [
                "zh-qing",
                *letters,
                *digits,
                "zh-hao-dao",
                *zh_number_clips(self.window_no),
                "zh-hao-chuangkou-banli",
            ]
        return ["en-number", *letters, *digits, "en-please-go-to-window", *en_number_clips(self.window_no)]


def build(ticket: str, window: str) -> Sentence:
    """Ticket like "A012" (letters then digits), window id like "3"."""
    ticket = ticket.strip().upper()
    m = _TICKET.match(ticket)
    letters, digits = (m.group(1), m.group(2)) if m else ("", "")
    window = window.strip()
    window_no = int(window) if window.isdigit() else None
    if m:
        spoken_zh = letters + "".join(ZH_DIGITS[int(d)] for d in digits)
        spoken_en = " ".join([*letters, *(EN_DIGITS[int(d)] for d in digits)])
        spoken_en_pause = (" ".join(letters) + ", " if letters else "") + " ".join(EN_DIGITS[int(d)] for d in digits)
    else:  # an unusual ticket form: let the voice read it as written
        spoken_zh = spoken_en = spoken_en_pause = ticket
    win_zh = zh_number(window_no) if window_no is not None else window
    return Sentence(
        ticket=ticket,
        window=window,
        zh=f"请{ticket}号到{window}号窗口办理",
        zh_speak=f"请{spoken_zh}号到{win_zh}号窗口办理",
        en=f"Number {spoken_en}, please go to window {window}",
        en_speak=f"Number {spoken_en_pause}, please go to window {window}",
        letters=letters,
        digits=digits,
        window_no=window_no,
    )
