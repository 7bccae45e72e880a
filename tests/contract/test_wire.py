"""The contract's edge checks: what a hostile or careless payload gets, before any field is read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tideq.contract import (
    COMMANDS,
    CallEvent,
    DeviceKind,
    ErrorCode,
    Health,
    HealthState,
    Lang,
    Message,
    PayloadError,
    Rating,
    Reply,
    ServicesState,
    TicketCmd,
    WindowCmd,
    WindowsState,
    decode,
)

TZ = timezone(timedelta(hours=8))
BASE = {"v": 1, "id": "c-1"}


def ticket(**over: object) -> bytes:
    return json.dumps({**BASE, "service": "tax", "source": "kiosk-1", **over}).encode()


def code_of(payload: bytes, model: type[Message] = TicketCmd) -> ErrorCode:
    with pytest.raises(PayloadError) as info:
        decode(model, payload)
    return info.value.code


def test_a_valid_command_decodes_typed():
    cmd = decode(TicketCmd, ticket(priority="green"))
    assert (cmd.service, cmd.priority.value, cmd.v) == ("tax", "green", 1)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"v":true,"id":"a"}',
        b'{"v":1e0,"id":"a"}',
        b'{"v":1.0,"id":"a"}',
        b'{"v":"1","id":"a"}',
        b'{"id":"a"}',
    ],
)
def test_v_must_be_the_integer_one(raw):
    assert code_of(raw) is ErrorCode.BAD_PAYLOAD


def test_another_version_is_unsupported():
    assert code_of(ticket(v=2)) is ErrorCode.UNSUPPORTED_VERSION


def test_deep_nesting_is_bad_json_not_a_recursion_error():
    assert code_of(b'{"v":1,"x":' + b"[" * 10_000 + b"]" * 10_000 + b"}") is ErrorCode.BAD_JSON


def test_a_lone_surrogate_is_refused_at_parse():
    assert code_of(b'{"v":1,"id":"\\ud800"}') is ErrorCode.BAD_JSON


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_refused_in_every_string(char):
    assert code_of(ticket(source=f"kiosk{char}1")) is ErrorCode.BAD_PAYLOAD
    assert code_of(ticket(service=f"tax{char}")) is ErrorCode.BAD_PAYLOAD


def test_oversize_payload_is_refused_before_parsing():
    assert code_of(ticket(pad="x" * 70_000)) is ErrorCode.PAYLOAD_TOO_LARGE


def test_non_object_payload_is_bad_json():
    assert code_of(b"[1,2]") is ErrorCode.BAD_JSON
    assert code_of(b"not json") is ErrorCode.BAD_JSON


def test_the_error_names_the_field():
    with pytest.raises(PayloadError, match=r"rating: Input should be a valid integer"):
        decode(WindowCmd, json.dumps({**BASE, "action": "finish", "rating": "4"}).encode())


def test_a_rating_is_strict_and_on_the_5_best_scale():
    cmd = decode(WindowCmd, json.dumps({**BASE, "action": "finish", "rating": 4}).encode())
    assert cmd.rating_value is Rating.SATISFIED
    assert (Rating.SATISFIED.label[Lang.ZH], Rating(5).label[Lang.ZH], Rating(1).label[Lang.ZH]) == (
        "满意",
        "非常满意",
        "非常不满意",
    )
    assert (
        code_of(json.dumps({**BASE, "action": "finish", "rating": True}).encode(), WindowCmd) is ErrorCode.BAD_PAYLOAD
    )
    assert code_of(json.dumps({**BASE, "action": "finish", "rating": 6}).encode(), WindowCmd) is ErrorCode.BAD_PAYLOAD


def test_green_or_normal_only_from_a_kiosk():
    assert code_of(ticket(priority="appointment")) is ErrorCode.BAD_PAYLOAD


def test_unknown_keys_are_ignored():
    assert decode(TicketCmd, ticket(future_field={"a": 1})).service == "tax"


def test_state_round_trips_with_nulls_written():
    now = datetime(2026, 11, 26, 10, 0, 5, 120000, tzinfo=TZ)
    body = {
        "v": 1,
        "ts": now.isoformat(),
        "services": [
            {
                "id": "tax",
                "name": {"zh": "税务办理", "en": "Tax"},
                "prefix": "B",
                "open": True,
                "waiting": 3,
                "eta_s": None,
                "windows_open": 0,
                "quota_left": None,
                "capacity": 0,
            }
        ],
    }
    msg = decode(ServicesState, json.dumps(body).encode())
    out = json.loads(msg.encode())
    assert out["ts"] == "2026-11-26T10:00:05.120+08:00"
    assert out["services"][0]["eta_s"] is None and "eta_s" in out["services"][0]
    assert decode(ServicesState, msg.encode()) == msg


def test_window_ratings_count_satisfaction_on_the_5_best_scale():
    now = datetime(2026, 11, 26, 10, tzinfo=TZ)
    state = WindowsState.model_validate(
        {
            "ts": now,
            "windows": [
                {
                    "id": "5",
                    "name": {"zh": "5号窗口", "en": "Window 5"},
                    "status": "idle",
                    "ratings": {"5": 2, "4": 1, "1": 1},
                }
            ],
        }
    )
    w = state.windows[0]
    assert (w.rated, w.satisfied, w.rating_count(Rating.SATISFIED)) == (4, 3, 1)


def test_replies_leave_out_what_does_not_apply():
    out = json.loads(Reply(id="c-1", ok=True, imported=3).encode())
    assert out == {"v": 1, "id": "c-1", "ok": True, "imported": 3}


def test_a_last_will_says_offline():
    will = json.loads(Health.last_will("kiosk-1", DeviceKind.KIOSK, datetime(2026, 11, 26, tzinfo=TZ)).encode())
    assert (will["device"], will["kind"], will["state"]) == ("kiosk-1", "kiosk", HealthState.OFFLINE.value)


def test_a_call_event_reads_from_the_controller_shape():
    raw = (
        b'{"v":1,"ts":"2026-11-26T10:03:12.345+08:00","ticket":"B012","window":"5","service":"tax",'
        b'"recall":false,"announce":{"zh":"\xe8\xaf\xb7B012","en":"Number B012"}}'
    )
    call = decode(CallEvent, raw)
    assert call.ticket == "B012" and call.announce is not None and call.announce.en == "Number B012"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512) | st.text(max_size=256).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_raise_only_payload_errors(raw):
    for spec in COMMANDS.values():
        try:
            decode(spec.model, raw, max_bytes=spec.max_bytes)
        except PayloadError:
            pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "v",
                "id",
                "reply_to",
                "service",
                "source",
                "priority",
                "identity",
                "action",
                "ticket",
                "rating",
                "reason",
                "window",
                "appointments",
            ]
        ),
        json_values,
        max_size=8,
    )
)
def test_arbitrary_objects_decode_or_name_their_problem(body):
    raw = json.dumps(body).encode()
    for spec in COMMANDS.values():
        try:
            cmd = decode(spec.model, raw, max_bytes=spec.max_bytes)
        except PayloadError as err:
            assert err.code in (ErrorCode.BAD_PAYLOAD, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.BAD_JSON)
        else:
            cmd.encode().decode("utf-8")  # whatever is accepted can be sent on
