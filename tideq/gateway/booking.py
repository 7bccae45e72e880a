"""The booking platform's API (掌上预约 → the hall): push bookings in batches with a result per row,
cancel and reschedule them, ask their check-in / no-show status. docs/booking-api.md.

The gateway is a client of the contract like any other: a push becomes one `cmd/appointments`
with `per_row` (the controller says, per booking, created / updated / unchanged / refused), and
cancel, reschedule and status become `cmd/booking`, all sent through a `BusClient` logged in as
`gateway`. Nothing here writes queue state.

Personal data is masked and hashed here, before anything goes on the bus, exactly as the file
importer and the kiosks do: a name keeps its first character, a phone its first 3 and last 4
digits (`tideq.contract.privacy`), and a clear ID number is checked and sent only as its HMAC
under the hall secret (`tideq.contract.identity`). A row's error never shows a personal value.

Idempotency: a push's command id is a hash of the platform, its `batch_id` and the bookings as
sent, so the same push again is answered from the controller's idempotency cache with the first
results, and changes nothing; after that cache (a day) it is carried out again and every row
says `unchanged`. Cancel and reschedule take an optional `Idempotency-Key` header the same way.

    router = booking_router(BookingClient(bus, hall, secret), ApiKeys.from_config(hall.booking))
    app.include_router(router)            # paths under /booking/v1
"""

# no `from __future__ import annotations`: FastAPI reads the endpoints' annotations, which name the
# router's own dependency (a local of booking_router)
import hashlib
import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Path, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, field_validator

from tideq.config.schema import HallConfig
from tideq.contract import (
    MAX_IMPORT_PAYLOAD,
    AppointmentIn,
    BiText,
    BookingInfo,
    BookingStatus,
    BusError,
    ErrorCode,
    ErrorInfo,
    Reply,
    RowStatus,
    TicketStatus,
)
from tideq.contract.identity import InvalidIdNumber, identity_hash
from tideq.contract.privacy import mask_name, mask_phone
from tideq.contract.wire import scrub

from .keys import ApiKeys

log = logging.getLogger(__name__)

PREFIX = "/booking/v1"
CODE_PATTERN = r"^[A-Za-z0-9-]{4,32}$"
PERSONAL = frozenset({"name", "phone", "id_number", "identity"})


class BusLike(Protocol):
    """What the booking API needs of a `BusClient` (logged in as `gateway`)."""

    def send(
        self, command: str, args: dict[str, Any], *, timeout: float = 3.0, command_id: str | None = None
    ) -> Reply: ...


class BookingClient:
    """Sends the booking API's contract commands: the bus, the hall file (services, timezone) and
    the hall secret (to hash ID numbers; None: rows with a clear ID number are refused)."""

    def __init__(
        self,
        bus: BusLike,
        hall: HallConfig,
        secret: bytes | None,
        *,
        timeout_s: float | None = None,
        max_batch: int | None = None,
    ) -> None:
        self.bus = bus
        self.hall = hall
        self.secret = secret
        self.tz = ZoneInfo(hall.hall.timezone)
        self.timeout_s = timeout_s if timeout_s is not None else hall.booking.timeout_s
        self.max_batch = max_batch if max_batch is not None else hall.booking.max_batch
        self._services: dict[str, str] = {}
        for s in hall.services:
            for k in (s.name.en, s.name.zh, s.id):  # the id wins over a name that happens to equal it
                self._services[_key(k)] = s.id

    def service_id(self, text: str) -> str:
        """A service id of the hall file from its id, Chinese or English name; else as given (the
        controller then refuses the row `unknown_service`, naming the services there are)."""
        return self._services.get(_key(text), text.strip())

    def send(self, command: str, args: dict[str, Any], command_id: str) -> Reply:
        try:
            return self.bus.send(command, args, timeout=self.timeout_s, command_id=command_id)
        except BusError as err:
            raise HTTPException(503, detail=_unreachable(), headers={"Retry-After": "5"}) from err


# ---------------------------------------------------------------------------------- API models
class Error(BaseModel):
    """A refusal: what happened and what to do instead (窗口无否决权), in Chinese and English."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(description="the contract's error code (docs/protocol.md), or `unauthorized`, `too_many`")
    message: BiText
    guide: BiText
    field: str | None = Field(None, description="the booking's field that is wrong, when one is")


class ErrorResponse(BaseModel):
    """Every error of the API: `{"detail": {code, message, guide, ...}}`."""

    detail: Error


class BookingRow(BaseModel):
    """One booking as the platform sends it. Name, phone and ID number may come in clear: they are
    masked / hashed in the gateway and only that leaves it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    code: str = Field(
        pattern=CODE_PATTERN, description="预约码: the platform's booking id, what the visitor shows at the kiosk"
    )
    service: str = Field(min_length=1, max_length=64, description="a service id of the hall, or its Chinese name")
    start: datetime = Field(description="slot start, ISO 8601; without an offset it is in the hall's timezone")
    end: datetime = Field(description="slot end, after the start")
    name: str | None = Field(None, max_length=64, description="visitor's name (masked here: 张三丰 → 张**)")
    phone: str | None = Field(None, max_length=32, description="phone (masked here: 13812345678 → 138****5678)")
    id_number: str | None = Field(
        None, max_length=32, description="resident ID number, clear: checked and sent only as its HMAC"
    )
    identity: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="the HMAC already computed under the hall secret"
    )

    @field_validator("code")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


BOOKING_SCHEMA = BookingRow.model_json_schema()
EXAMPLE_ROW = {
    "code": "YY20261126001",
    "service": "tax",
    "start": "2026-11-26T10:30:00+08:00",
    "end": "2026-11-26T11:00:00+08:00",
    "name": "王小明",
    "phone": "13812345678",
}


class PushRequest(BaseModel):
    """A batch of bookings. Each row is checked on its own: a bad row is refused in its result and
    never costs the others."""

    batch_id: str = Field(
        min_length=1,
        max_length=128,
        description="the platform's id of this batch; with the bookings it makes the push idempotent",
    )
    bookings: list[Annotated[Any, WithJsonSchema(BOOKING_SCHEMA)]] = Field(
        description="the bookings (at most [booking] max_batch, default 1,000)"
    )


class RowOutcome(BaseModel):
    """What the push did with one booking, in the order sent."""

    index: int = Field(description="its position in `bookings`, from 0")
    code: str | None = Field(description="its code (upper case), when it had a readable one")
    status: RowStatus
    error: Error | None = None


class PushResponse(BaseModel):
    batch_id: str
    results: list[RowOutcome]
    created: int
    updated: int
    unchanged: int
    refused: int


class CancelRequest(BaseModel):
    reason: str | None = Field(None, max_length=200, description="why (runs of digits are scrubbed)")


class RescheduleRequest(BaseModel):
    start: datetime = Field(description="the new slot start; without an offset, in the hall's timezone")
    end: datetime = Field(description="the new slot end")
    service: str | None = Field(None, description="another bookable service (id or Chinese name), optional")


class BookingView(BaseModel):
    """One booking as the hall knows it."""

    code: str
    service: str
    start: datetime
    end: datetime
    status: BookingStatus = Field(
        description="`pending` (not checked in, slot not over), `checked_in`, `no_show` (slot over, "
        "never checked in) or `cancelled`"
    )
    ticket: str | None = Field(None, description="checked_in: the ticket number it got")
    ticket_status: TicketStatus | None = Field(None, description="checked_in: waiting, serving, skipped or done")
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None

    @classmethod
    def of(cls, b: BookingInfo) -> "BookingView":
        return cls.model_validate(b.model_dump())


# ---------------------------------------------------------------------------------- auth
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <platform API key>`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="the platform's API key")


def _unauthorized() -> HTTPException:
    return HTTPException(
        401,
        detail={
            "code": "unauthorized",
            "message": {"zh": "缺少或无效的API密钥", "en": "Missing or unknown API key"},
            "guide": {
                "zh": "请在请求头 Authorization: Bearer <密钥> 或 X-API-Key 中提供本厅为贵平台配置的密钥",
                "en": "Send the key this hall configured for your platform as 'Authorization: Bearer <key>' "
                "or 'X-API-Key: <key>'",
            },
        },
        headers={"WWW-Authenticate": "Bearer"},
    )


def platform_of(keys: ApiKeys) -> Callable[..., str]:
    """A FastAPI dependency: the platform whose key the request carries, else 401."""

    def platform(
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
        api_key: Annotated[str | None, Security(_api_key)] = None,
    ) -> str:
        presented = bearer.credentials if bearer is not None else api_key
        pid = keys.platform(presented)
        if pid is None:
            raise _unauthorized()
        return pid

    return platform


# ---------------------------------------------------------------------------------- the router
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "no API key, or not one of this hall's platforms"},
    503: {"model": ErrorResponse, "description": "the hall's controller did not answer; retry (same request)"},
}
STATUS_OF: dict[str, int] = {
    ErrorCode.APPOINTMENT_UNKNOWN.value: 404,
    ErrorCode.APPOINTMENT_CHECKED_IN.value: 409,
    ErrorCode.APPOINTMENT_CANCELLED.value: 409,
    ErrorCode.STORAGE_FAILED.value: 503,
    ErrorCode.INTERNAL_ERROR.value: 503,
}


def booking_router(client: BookingClient, keys: ApiKeys) -> APIRouter:
    """The booking API under /booking/v1: push, cancel, reschedule, status (tag `booking`)."""
    router = APIRouter(prefix=PREFIX, tags=["booking"], responses=ERRORS)
    platform = platform_of(keys)
    Platform = Annotated[str, Depends(platform)]
    Code = Annotated[str, Path(pattern=CODE_PATTERN, description="the booking's code (预约码)", examples=["YY0001"])]

    @router.post(
        "/bookings",
        response_model=PushResponse,
        summary="Push a batch of bookings",
        description=(
            "Creates or updates each booking (by `code`) and answers one result per row, in order: "
            "`created`, `updated`, `unchanged` (the same booking again) or `refused` with its error "
            "(bad field, unknown or not bookable service, a code twice in the batch). One bad row never "
            "refuses the others. The same push again (same `batch_id` and bookings) changes nothing and "
            "returns the same results. Names, phones and ID numbers are masked / hashed in the gateway."
        ),
        responses={413: {"model": ErrorResponse, "description": "more bookings than [booking] max_batch"}},
    )
    def push(
        pid: Platform,
        body: Annotated[
            PushRequest,
            Body(
                openapi_examples={
                    "one batch": {
                        "summary": "two bookings, the second with a service the hall does not take bookings for",
                        "value": {
                            "batch_id": "20261126-0001",
                            "bookings": [EXAMPLE_ROW, {**EXAMPLE_ROW, "code": "YY20261126002", "service": "综合咨询"}],
                        },
                    }
                }
            ),
        ],
    ) -> PushResponse:
        if len(body.bookings) > client.max_batch:
            raise HTTPException(
                413,
                detail={
                    "code": "too_many",
                    "message": {"zh": f"一批最多{client.max_batch}条预约", "en": f"At most {client.max_batch} a push"},
                    "guide": {
                        "zh": f"请拆分为每批不超过{client.max_batch}条，分别推送（各用自己的 batch_id）",
                        "en": f"Split it into batches of at most {client.max_batch}, each with its own batch_id",
                    },
                },
            )
        return _push(client, pid, body)

    @router.post(
        "/bookings/{code}/cancel",
        response_model=BookingView,
        summary="Cancel a booking",
        description=(
            "The booking is cancelled: a check-in with its code is refused with a guide to book again or "
            "take a walk-in ticket. Cancelling a cancelled booking changes nothing. A booking already "
            "checked in is in the queue and is refused `appointment_checked_in` (409). Pushing the "
            "booking again books it again."
        ),
        responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
    )
    def cancel(
        pid: Platform,
        code: Code,
        body: Annotated[CancelRequest | None, Body()] = None,
        idempotency_key: Annotated[str | None, Header(max_length=128, description="optional: retry-safe")] = None,
    ) -> BookingView:
        args: dict[str, Any] = {"action": "cancel", "code": code.upper()}
        if body is not None and body.reason:
            args["reason"] = body.reason
        return _booking(client, args, _cid("cx", pid, idempotency_key))

    @router.post(
        "/bookings/{code}/reschedule",
        response_model=BookingView,
        summary="Move a booking to another slot",
        description=(
            "Gives the booking a new slot (and optionally another bookable service); the same slot again "
            "changes nothing. Refused for a cancelled booking (push it again) and for one already "
            "checked in (409)."
        ),
        responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
    )
    def reschedule(
        pid: Platform,
        code: Code,
        body: Annotated[
            RescheduleRequest,
            Body(
                openapi_examples={
                    "next day": {"value": {"start": "2026-11-27T09:30:00+08:00", "end": "2026-11-27T10:00:00+08:00"}}
                }
            ),
        ],
        idempotency_key: Annotated[str | None, Header(max_length=128, description="optional: retry-safe")] = None,
    ) -> BookingView:
        start, end = _aware(body.start, client.tz), _aware(body.end, client.tz)
        if end <= start:
            raise HTTPException(422, detail=_bad("end", "end must be after start", "结束时间须晚于开始时间"))
        args: dict[str, Any] = {
            "action": "reschedule",
            "code": code.upper(),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        if body.service:
            args["service"] = client.service_id(body.service)
        return _booking(client, args, _cid("rs", pid, idempotency_key))

    @router.get(
        "/bookings/{code}",
        response_model=BookingView,
        summary="Check-in and no-show status of a booking",
        description=(
            "`pending` (not checked in, slot not over), `checked_in` (with its ticket and the ticket's "
            "status), `no_show` (the slot ended and nobody checked in) or `cancelled`. Bookings are kept "
            "until the hall day after their slot."
        ),
        responses={404: {"model": ErrorResponse}},
    )
    def status(pid: Platform, code: Code) -> BookingView:
        return _booking(client, {"action": "status", "code": code.upper()}, f"st-{uuid.uuid4().hex}")

    return router


# ---------------------------------------------------------------------------------- push
def _push(client: BookingClient, pid: str, body: PushRequest) -> PushResponse:
    outcomes: dict[int, RowOutcome] = {}
    items: list[tuple[int, dict[str, Any]]] = []
    for i, raw in enumerate(body.bookings):
        item = _prepare(client, i, raw, outcomes)
        if item is not None:
            items.append((i, item))
    if items:
        appointments = [a for _, a in items]
        size = len(json.dumps(appointments, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_IMPORT_PAYLOAD - 1024:
            raise HTTPException(413, detail=_too_big(size))
        canonical = json.dumps([pid, body.batch_id, appointments], ensure_ascii=False, sort_keys=True)
        cid = "push-" + hashlib.sha256(canonical.encode()).hexdigest()[:48]
        reply = client.send("appointments", {"appointments": appointments, "per_row": True}, cid)
        if reply.ok and reply.results is not None and len(reply.results) == len(items):
            for (i, _), r in zip(items, reply.results, strict=True):
                outcomes[i] = RowOutcome(index=i, code=r.code, status=r.status, error=_error(r.error))
        else:
            _refused_whole(reply, items, outcomes)
    results = [outcomes[i] for i in range(len(body.bookings))]
    count = {s: sum(r.status is s for r in results) for s in RowStatus}
    log.info(  # never a personal value, never the key
        "push %s of %s: %d rows, %d refused", scrub(body.batch_id, 40), pid, len(results), count[RowStatus.REFUSED]
    )
    return PushResponse(
        batch_id=body.batch_id,
        results=results,
        created=count[RowStatus.CREATED],
        updated=count[RowStatus.UPDATED],
        unchanged=count[RowStatus.UNCHANGED],
        refused=count[RowStatus.REFUSED],
    )


def _refused_whole(reply: Reply, items: list[tuple[int, dict[str, Any]]], outcomes: dict[int, RowOutcome]) -> None:
    """The controller refused the message itself (it should not: every row was checked here)."""
    err = _error(reply.error)
    if err is not None and err.code in ("storage_failed", "internal_error"):
        raise HTTPException(503, detail=err.model_dump(exclude_none=True), headers={"Retry-After": "5"})
    for i, a in items:
        outcomes[i] = RowOutcome(index=i, code=a["code"], status=RowStatus.REFUSED, error=err)


def _prepare(client: BookingClient, i: int, raw: Any, out: dict[int, RowOutcome]) -> dict[str, Any] | None:
    """One booking as `cmd/appointments` carries it (masked, hashed), or its refusal in `out`."""
    if not isinstance(raw, dict):
        out[i] = RowOutcome(
            index=i,
            code=None,
            status=RowStatus.REFUSED,
            error=Error(**_bad("", "not an object {code, service, start, end, ...}", "该条不是预约对象")),
        )
        return None
    code = raw.get("code") if isinstance(raw.get("code"), str) else None
    shown = code.strip().upper() if code and re.match(CODE_PATTERN, code.strip()) else None

    def refuse(field: str, en: str, zh: str) -> None:
        out[i] = RowOutcome(index=i, code=shown, status=RowStatus.REFUSED, error=Error(**_bad(field, en, zh)))

    try:
        row = BookingRow.model_validate(raw)
    except ValidationError as err:
        e = err.errors(include_url=False, include_input=False)[0]
        field = str(e["loc"][0]) if e["loc"] else ""
        reason = f"not valid ({e['type']})" if field in PERSONAL else str(e["msg"])
        refuse(field, f"{field or 'booking'}: {reason}", f"{field or '预约'}字段有误：{reason}")
        return None
    item: dict[str, Any] = {
        "code": row.code,
        "service": client.service_id(row.service),
        "start": _aware(row.start, client.tz).isoformat(),
        "end": _aware(row.end, client.tz).isoformat(),
    }
    if row.name:
        item["name_masked"] = mask_name(row.name)
    if row.phone:
        item["phone_masked"] = mask_phone(row.phone)
    if row.id_number:
        if client.secret is None:
            refuse(
                "id_number",
                "the gateway has no hall secret, so ID numbers cannot be hashed (the value is not shown)",
                "网关未配置大厅密钥，无法处理身份证号；请联系大厅管理员，或不传身份证号",
            )
            return None
        try:
            item["identity"] = identity_hash(client.secret, row.id_number)
        except InvalidIdNumber as err:  # its message never holds the number
            refuse("id_number", f"{err}; check the number (the value is not shown)", "身份证号校验不通过，请核对")
            return None
    elif row.identity:
        item["identity"] = row.identity
    try:
        appt = AppointmentIn.model_validate(item)
    except ValidationError as err:
        e = err.errors(include_url=False, include_input=False)[0]
        field = {"name_masked": "name", "phone_masked": "phone"}.get(str(e["loc"][0]) if e["loc"] else "", "")
        refuse(field, str(e["msg"]).removeprefix("Value error, "), "预约内容有误，请核对开始、结束时间等字段")
        return None
    return appt.model_dump(mode="json", exclude_none=True)


# ---------------------------------------------------------------------------------- cancel, reschedule, status
def _booking(client: BookingClient, args: dict[str, Any], cid: str) -> BookingView:
    reply = client.send("booking", args, cid)
    if not reply.ok or reply.booking is None:
        err = _error(reply.error)
        status = STATUS_OF.get(err.code, 422) if err else 502
        raise HTTPException(status, detail=err.model_dump(exclude_none=True) if err else None)
    return BookingView.of(reply.booking)


def _cid(kind: str, pid: str, key: str | None) -> str:
    """The command id: from the Idempotency-Key (a retry is answered with the first answer), else fresh."""
    if key is None:
        return f"{kind}-{uuid.uuid4().hex}"
    return f"{kind}-" + hashlib.sha256(f"{pid}\0{key}".encode()).hexdigest()[:48]


# ---------------------------------------------------------------------------------- helpers
def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _aware(at: datetime, tz: ZoneInfo) -> datetime:
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


def _bad(field: str, en: str, zh: str) -> dict[str, Any]:
    return {
        "code": ErrorCode.BAD_PAYLOAD.value,
        "message": {"zh": zh, "en": en[:1].upper() + en[1:]},
        "guide": {
            "zh": "请更正该条预约后重新推送（其他条目不受影响）",
            "en": "Correct this booking and push it again (the other rows are not affected)",
        },
        "field": field or None,
    }


def _error(e: ErrorInfo | None) -> Error | None:
    if e is None:
        return None
    return Error.model_validate(e.model_dump(mode="json"))


def _too_big(size: int) -> dict[str, Any]:
    return {
        "code": "too_many",
        "message": {"zh": "本批预约数据过大", "en": f"This push is {size // 1024} KiB, over the contract's 2 MiB"},
        "guide": {"zh": "请拆分为更小的批次分别推送", "en": "Split it into smaller batches, each its own batch_id"},
    }


def _unreachable() -> dict[str, Any]:
    return {
        "code": ErrorCode.CONTROLLER_UNREACHABLE.value,
        "message": {"zh": "大厅系统暂时未应答", "en": "The hall's controller did not answer in time"},
        "guide": {
            "zh": "请稍后用相同请求重试（相同 batch_id 或 Idempotency-Key 不会重复处理）",
            "en": "Retry the same request shortly (the same batch_id or Idempotency-Key is never applied twice)",
        },
    }


__all__ = [
    "PREFIX",
    "BookingClient",
    "BookingRow",
    "BookingView",
    "PushRequest",
    "PushResponse",
    "RowOutcome",
    "booking_router",
    "platform_of",
]
