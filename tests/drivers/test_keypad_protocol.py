"""Keypad payloads and texts, without a line."""

from __future__ import annotations

import pytest

from tideq.contract.vocab import WindowAction
from tideq.drivers.keypad import Caps, DisplayStyle, Key, KeypadPayloadError
from tideq.drivers.keypad.protocol import IDLE, KEY, Answer, Poll, decode_display, encode_display, fit_gb2312
from tideq.drivers.rs485 import Frame, FrameDecoder, encode


def test_key_answer_round_trips_through_the_frame() -> None:
    answer = Answer(session=7, caps=Caps.DISPLAY | Caps.DIGITS, event_no=3, key=Key.CALL, arg="A012")
    cmd, payload = answer.encode()
    assert cmd == KEY and payload == bytes((7, 3, 3, 0x02)) + b"A012"
    frames = FrameDecoder().feed(encode(Frame(5, cmd, 9, payload)))
    assert Answer.decode(frames[0].cmd, frames[0].payload) == answer


def test_idle_and_poll() -> None:
    assert Answer(1, Caps.NONE).encode() == (IDLE, b"\x01\x00")
    assert Poll.decode(Poll(4, 200).encode()) == Poll(4, 200)


@pytest.mark.parametrize(
    "cmd,payload",
    [
        (KEY, b"\x01\x01\x00\x01"),
        (KEY, b"\x01\x01\x02\x77"),
        (KEY, b"\x01"),
        (0x55, b"\x01\x01"),
        (KEY, b"\x01\x01\x02\x02\xff"),
    ],
)
def test_malformed_answers_are_refused(cmd: int, payload: bytes) -> None:
    with pytest.raises(KeypadPayloadError):
        Answer.decode(cmd, payload)


def test_key_codes_name_contract_actions() -> None:
    actions = [k.action for k in Key]
    assert actions == ["next", "call", "recall", "skip", "finish", "transfer", "pause", "resume", "sign_in"]
    assert {a.value for a in WindowAction} >= set(actions)  # every key sends an action the controller knows


def test_display_text_is_gb2312_cut_on_a_character_boundary() -> None:
    assert fit_gb2312("A012 → 请等候") == "A012 → 请等候".encode("gb2312")
    cut = fit_gb2312("请到三号窗口办理", limit=5)
    assert cut == "请到".encode("gb2312")  # 4 bytes: a third character would need 6
    assert fit_gb2312("€1") == b"?1"
    assert decode_display(encode_display("过号 A003", DisplayStyle.REFUSED)) == (DisplayStyle.REFUSED, "过号 A003")


@pytest.mark.parametrize(
    "frame,wire",
    [
        (Frame(3, 0x30, 0x18, Poll(0x5C, 1).encode()), "AA 55 03 30 18 02 5C 01 1F 8C"),
        (
            Frame(3, KEY, 0x19, Answer(0x5C, Caps.DISPLAY | Caps.DIGITS, 2, Key.CALL, "A012").encode()[1]),
            "AA 55 03 B1 19 08 5C 03 02 02 41 30 31 32 4A 7F",
        ),
        (
            Frame(3, 0x31, 0x1B, encode_display("呼叫 A012", DisplayStyle.OK)),
            "AA 55 03 31 1B 0A 01 BA F4 BD D0 20 41 30 31 32 85 B0",
        ),
    ],
)
def test_documented_examples_are_what_the_code_sends(frame: Frame, wire: str) -> None:
    """The hex examples of docs/keypad-protocol.md, checked so the document cannot drift."""
    assert encode(frame) == bytes.fromhex(wire)
