"""Call sentences: what is shown, what espeak-ng is given, and which clips are joined."""

from __future__ import annotations

import pytest

from tideq.drivers.audio import ClipMissing, Lang, build
from tideq.drivers.audio.sentence import en_number_clips, zh_number


def test_ticket_digits_are_spelled_one_by_one_and_window_read_as_a_number() -> None:
    s = build("A012", "3")
    assert s.zh == "请A012号到3号窗口办理"
    assert s.zh_speak == "请A零一二号到三号窗口办理"
    assert s.en == "Number A zero one two, please go to window 3"
    assert s.en_speak == "Number A, zero one two, please go to window 3"  # the comma keeps "A" a letter
    assert build("b120", "12").zh_speak == "请B一二零号到十二号窗口办理"


@pytest.mark.parametrize(
    "n, zh",
    [(0, "零"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一"), (99, "九十九"), (105, "一零五")],
)
def test_window_numbers_in_chinese(n: int, zh: str) -> None:
    assert zh_number(n) == zh


def test_clip_sequences() -> None:
    s = build("A012", "3")
    assert s.clips(Lang.ZH) == [
        "zh-qing",
        "zh-letter-A",
        "zh-n-0",
        "zh-n-1",
        "zh-n-2",
        "zh-hao-dao",
        "zh-n-3",
        "zh-hao-chuangkou-banli",
    ]
    assert s.clips(Lang.EN) == [
        "en-number",
        "en-letter-A",
        "en-n-0",
        "en-n-1",
        "en-n-2",
        "en-please-go-to-window",
        "en-n-3",
    ]
    assert build("C7", "21").clips(Lang.ZH)[-5:] == [
        "zh-hao-dao",
        "zh-n-2",
        "zh-n-10",
        "zh-n-1",
        "zh-hao-chuangkou-banli",
    ]
    assert en_number_clips(21) == ["en-n-20", "en-n-1"] and en_number_clips(13) == ["en-n-13"]


def test_named_window_cannot_be_said_with_clips() -> None:
    s = build("A012", "vip")
    assert s.zh_speak == "请A零一二号到vip号窗口办理"
    with pytest.raises(ClipMissing, match="espeak"):
        s.clips(Lang.ZH)


def test_voice_and_ledstrip_packages_import_no_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tideq.drivers.audio, tideq.signage.controller, tideq.drivers.ledstrip.sim; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
