"""Fuzzing the serial frame parsers: the RS-485 stream decoder and the keypad, evaluator and LED
strip payload decoders raise only their own errors on any input, never crash, and the stream
decoder still finds every valid frame hidden in garbage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tideq.drivers.evaluator.errors import EvaluatorError
from tideq.drivers.evaluator.protocol import Ask, decode_rating
from tideq.drivers.keypad.errors import KeypadError
from tideq.drivers.keypad.protocol import Answer as KeyAnswer
from tideq.drivers.keypad.protocol import Poll, decode_display
from tideq.drivers.ledstrip.errors import LedStripError
from tideq.drivers.ledstrip.protocol import Charset, decode_text, nak_message, parse_answer
from tideq.drivers.rs485.framing import MAX_PAYLOAD, SYNC, Frame, FrameDecoder, encode

EXAMPLES = settings(max_examples=300, deadline=None)
frames = st.builds(
    Frame,
    addr=st.integers(0, 247),
    cmd=st.integers(0, 255),
    seq=st.integers(0, 255),
    payload=st.binary(max_size=MAX_PAYLOAD),
)
# garbage that cannot contain a sync mark, so every frame in the stream is one we put there
noise = st.binary(max_size=64).map(lambda b: b.replace(SYNC, b"\xaa\x00"))


@EXAMPLES
@given(st.binary(max_size=2048), st.lists(st.integers(1, 64), max_size=8))
def test_the_stream_decoder_survives_any_bytes_in_any_chunks(data, cuts):
    d = FrameDecoder()
    pos = 0
    for n in [*cuts, len(data)]:
        for f in d.feed(data[pos : pos + n]):
            assert 0 <= f.addr <= 255 and len(f.payload) <= MAX_PAYLOAD
        pos += n
    assert d.garbage_bytes >= 0 and d.bad_crc >= 0


@EXAMPLES
@given(st.lists(st.tuples(noise, frames), max_size=6), noise, st.integers(1, 17))
def test_valid_frames_survive_garbage_around_them(parts, tail, chunk):
    stream = b"".join(g + encode(f) for g, f in parts) + tail
    d = FrameDecoder()
    got = []
    for i in range(0, len(stream), chunk):
        got += d.feed(stream[i : i + chunk])
    assert got == [f for _, f in parts]


@EXAMPLES
@given(st.integers(0, 255), st.binary(max_size=MAX_PAYLOAD))
def test_keypad_decoders_raise_only_keypad_errors(cmd, payload):
    for decode in (
        lambda: Poll.decode(payload),
        lambda: KeyAnswer.decode(cmd, payload),
        lambda: decode_display(payload),
    ):
        try:
            decode()
        except KeypadError:
            pass


@EXAMPLES
@given(st.binary(max_size=MAX_PAYLOAD))
def test_evaluator_decoders_raise_only_evaluator_errors(payload):
    for decode in (lambda: Ask.decode(payload), lambda: decode_rating(payload)):
        try:
            decode()
        except EvaluatorError:
            pass


@EXAMPLES
@given(st.integers(0, 255), st.binary(max_size=MAX_PAYLOAD))
def test_ledstrip_decoders_raise_only_strip_errors(cmd, payload):
    try:
        parse_answer(cmd, payload)
    except LedStripError:
        pass
    for cs in Charset:
        assert isinstance(decode_text(payload, cs), str)
    assert isinstance(nak_message(payload[0] if payload else cmd), str)
