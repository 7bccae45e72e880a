"""How a payload becomes a typed message and back, with the edge checks done once, here.

A payload from the network is hostile until proven otherwise. Before any field is read:
its size is bounded, it is parsed by pydantic-core's JSON parser (nesting depth bounded, a lone
surrogate escape such as `"\\ud800"` refused — `json.loads` would raise `RecursionError` on the
first and pass the second on to fail later, when re-encoded), it must be a JSON object, and `v`
must be the integer 1 (not `true`, not `1.0`). Then the message's model validates it with strict
scalar types and strings free of control characters, so nothing that reaches the engine or is
echoed to the broker can carry a character Mosquitto would drop a client for.

pydantic v2 rather than msgspec: it is already the config's library (one way to declare and
document a type), its JSON parser bounds depth and refuses lone surrogates, its JSON Schema
output generates docs/protocol.md's field tables, and validating one command costs ~10 µs,
well inside the controller's budget (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic_core
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, ValidationError

from .errors import PayloadError
from .topics import CONTRACT_VERSION
from .vocab import ErrorCode

MAX_PAYLOAD = 64 * 1024  # bytes, every topic but cmd/appointments
MAX_IMPORT_PAYLOAD = 2 * 1024 * 1024
MAX_DEPTH = 200  # pydantic-core's JSON parser refuses deeper nesting

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")
_TOPIC_LEVEL = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _clean(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character (U+0000-U+001F, U+007F-U+009F); send plain text")
    if _SURROGATE.search(value):
        raise ValueError("contains a lone surrogate; send valid UTF-8 text")
    return value


def _version(value: int) -> int:
    if value != CONTRACT_VERSION:
        raise ValueError(f'contract version {value} is not supported; send "v": 1')
    return value


def _topic_level(value: str) -> str:
    if not _TOPIC_LEVEL.match(value):
        raise ValueError("must be 1-64 characters of A-Z a-z 0-9 _ . : - (one topic level)")
    return value


SafeStr = Annotated[str, Field(strict=True, max_length=2000), AfterValidator(_clean)]
"""Any string in a message: bounded, no control characters, no lone surrogates."""
Short = Annotated[str, Field(strict=True, min_length=1, max_length=64), AfterValidator(_clean)]
"""An id or code: service, window, ticket number, device."""
TopicLevel = Annotated[str, Field(strict=True), AfterValidator(_topic_level)]
"""A string that becomes one level of a topic (client id, window id in `cmd/window/{id}`)."""
Version = Annotated[StrictInt, AfterValidator(_version), Field(description="contract version, the integer 1")]
Count = Annotated[StrictInt, Field(ge=0)]


def scrub(value: str, limit: int = 500) -> str:
    """`value` made safe to echo in a message: control characters and lone surrogates become '?',
    cut to `limit` characters (for detail texts built from hostile input)."""
    return _SURROGATE.sub("?", _CONTROL.sub("?", value[:limit]))


def is_topic_level(value: str) -> bool:
    """True if `value` may stand as one level of a topic (see `TopicLevel`)."""
    return bool(_TOPIC_LEVEL.match(value))


class Part(BaseModel):
    """Base of every object inside a payload; readers ignore keys they do not know."""

    model_config = ConfigDict(extra="ignore")


class Message(Part):
    """Base of every JSON payload: carries `v`.

    `encode()` writes every field, null included (state readers are told "null when ..."),
    except in messages that set `omit_none` (replies: only the result fields that apply).
    """

    omit_none: ClassVar[bool] = False
    v: Version = CONTRACT_VERSION

    def encode(self) -> bytes:
        """The UTF-8 JSON the wire carries."""
        return self.model_dump_json(exclude_none=self.omit_none).encode("utf-8")


M = TypeVar("M", bound=Message)


def parse_object(payload: bytes | str, *, max_bytes: int = MAX_PAYLOAD) -> dict[str, Any]:
    """The JSON object in `payload`, or PayloadError (bad_json / payload_too_large).

    Depth-bounded and surrogate-safe (pydantic-core's parser); does not check `v`.
    """
    raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
    if len(raw) > max_bytes:
        raise PayloadError(ErrorCode.PAYLOAD_TOO_LARGE, f"payload of {len(raw)} bytes exceeds {max_bytes}")
    try:
        # cache only keys: every reading and command brings new value strings (`ts`, ids), and
        # caching them too filled ~1.5 MB of a long-running controller for nothing
        body = pydantic_core.from_json(raw, allow_inf_nan=False, cache_strings="keys")
    except ValueError as err:
        detail = str(err)[:200]
        if "recursion limit" in detail:
            detail = f"nested too deeply (at most {MAX_DEPTH} levels): {detail}"
        raise PayloadError(ErrorCode.BAD_JSON, detail) from err
    if not isinstance(body, dict):
        raise PayloadError(ErrorCode.BAD_JSON, "payload must be a JSON object")
    return body


def check_version(body: dict[str, Any]) -> None:
    """`v` must be present and the integer 1 (a bool or a float is not a version)."""
    if "v" not in body:
        raise PayloadError(ErrorCode.BAD_PAYLOAD, "'v' is missing; send \"v\": 1")
    v = body["v"]
    if type(v) is not int:
        raise PayloadError(ErrorCode.BAD_PAYLOAD, f"'v' must be the integer 1, not {json.dumps(v)[:20]}")
    if v != CONTRACT_VERSION:
        raise PayloadError(ErrorCode.UNSUPPORTED_VERSION, f"contract version {v} is not supported")


def validate(model: type[M], body: dict[str, Any]) -> M:
    """`body` as a `model`, or PayloadError(bad_payload) naming the first wrong field."""
    try:
        return model.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        # field names and list indices; pydantic's union-member tags ("constrained-int") say nothing
        where = ".".join(str(x) for x in first["loc"] if isinstance(x, int) or _FIELD.match(x)) or "payload"
        raise PayloadError(ErrorCode.BAD_PAYLOAD, f"{where}: {first['msg']}") from err


def decode(model: type[M], payload: bytes | str, *, max_bytes: int = MAX_PAYLOAD) -> M:
    """Bytes from the wire as a typed message: every edge check, then the model's own."""
    body = parse_object(payload, max_bytes=max_bytes)
    check_version(body)
    return validate(model, body)


def encode(message: Message) -> bytes:
    return message.encode()
