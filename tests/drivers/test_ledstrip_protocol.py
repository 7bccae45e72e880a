"""LED strip wire format: byte-exact frames (the hex in docs/ledstrip-protocol.md) and text encoding."""

from __future__ import annotations

import logging

import pytest

from tideq.drivers.ledstrip import Charset, Command, Mode, ProtocolError, encode_text
from tideq.drivers.ledstrip.protocol import (
    MAX_TEXT_BYTES,
    EncodeStatus,
    brightness_payload,
    parse_answer,
    show_text_payload,
)
from tideq.drivers.rs485 import Frame, FrameDecoder, encode


def frame(addr: int, cmd: int, seq: int, payload: bytes = b"") -> str:
    return encode(Frame(addr, cmd, seq, payload)).hex(" ")


def test_documented_examples_are_byte_exact() -> None:
    assert frame(1, Command.PING, 1) == "aa 55 01 01 01 00 51 88"
    assert frame(1, Command.ACK, 1, bytes([Command.PING])) == "aa 55 01 80 01 01 01 a1 90"
    assert (
        frame(3, Command.SHOW_TEXT, 1, show_text_payload("请A012号", Mode.FLASH))
        == "aa 55 03 10 01 0a 02 00 c7 eb 41 30 31 32 ba c5 ae ee"
    )
    assert (
        frame(5, Command.SHOW_TEXT, 2, show_text_payload("A012 → 3号窗口"))
        == "aa 55 05 10 02 11 00 00 41 30 31 32 20 a1 fa 20 33 ba c5 b4 b0 bf da 6d a5"
    )
    assert frame(2, Command.CLEAR, 7) == "aa 55 02 11 07 00 53 a9"
    assert frame(2, Command.SET_BRIGHTNESS, 8, brightness_payload(50)) == "aa 55 02 12 08 01 32 59 3f"
    assert (
        frame(0, Command.SHOW_TEXT, 9, show_text_payload("暂停服务", Mode.SCROLL))
        == "aa 55 00 10 09 0a 01 00 d4 dd cd a3 b7 fe ce f1 ff 96"
    )
    assert frame(3, Command.NAK, 4, bytes([Command.SHOW_TEXT, 0x03])) == "aa 55 03 81 04 02 10 03 d1 07"


def test_answers_parse_and_reject_malformed() -> None:
    assert parse_answer(Command.ACK, b"\x10").ok
    nak = parse_answer(Command.NAK, b"\x10\x03")
    assert (nak.ok, nak.command, nak.code) == (False, 0x10, 3)
    with pytest.raises(ProtocolError):
        parse_answer(Command.ACK, b"")
    with pytest.raises(ProtocolError):
        parse_answer(Command.SHOW_TEXT, b"\x10")


def test_gb2312_text_and_lookalike_punctuation() -> None:
    enc = encode_text("企业开办 · 一业一证")
    assert enc.status is EncodeStatus.EXACT
    assert enc.data.decode("gb2312") == "企业开办 ・ 一业一证"


def test_unencodable_text_is_replaced_with_a_log_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        enc = encode_text("王镕窗口😀")
    assert enc.status is EncodeStatus.REPLACED and enc.replaced == "镕😀"
    assert enc.data.decode("gb2312") == "王？窗口？"
    assert "镕" in caplog.text and "GB18030" in caplog.text
    wide = encode_text("王镕窗口", Charset.GB18030)
    assert wide.status is EncodeStatus.EXACT and wide.data.decode("gb18030") == "王镕窗口"


def test_compatibility_forms_normalise_and_long_text_is_cut_on_a_character() -> None:
    assert encode_text("Ａ０１２").data.decode("gb2312") == "Ａ０１２"  # full-width forms are in GB2312
    assert encode_text("\ufb01le").data == b"file"  # a ligature outside GB2312 is NFKC-normalised
    enc = encode_text("号" * 200)
    assert enc.status is EncodeStatus.TRUNCATED
    assert len(enc.data) == MAX_TEXT_BYTES and len(enc.data) % 2 == 0
    raw = encode(Frame(1, Command.SHOW_TEXT, 1, show_text_payload("号" * 200)))
    assert FrameDecoder().feed(raw)[0].payload[2:].decode("gb2312") == "号" * (MAX_TEXT_BYTES // 2)


def test_brightness_is_a_percentage() -> None:
    with pytest.raises(ProtocolError):
        brightness_payload(101)
