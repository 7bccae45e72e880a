"""The contract's shared vocabulary, defined once: every process reads and writes these.

Values are the strings (or integers) that travel on the wire; the Enum names are for code.
"""

from __future__ import annotations

from enum import Enum, IntEnum


class Lang(str, Enum):
    """A language a person reads or hears."""

    ZH = "zh"
    EN = "en"


class WindowStatus(str, Enum):
    """What a window is doing. A tidal pool window is `closed` until opened."""

    IDLE = "idle"
    SERVING = "serving"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def open(self) -> bool:
        """Staffed for calling: idle or serving (not paused, not closed)."""
        return self in (WindowStatus.IDLE, WindowStatus.SERVING)


class Priority(str, Enum):
    """Order of service: a checked-in appointment, the green channel (绿色通道), a walk-in."""

    APPOINTMENT = "appointment"
    GREEN = "green"
    NORMAL = "normal"


class GreenReason(str, Enum):
    """Why a ticket takes the green channel (绿色通道): a category only, never a medical detail."""

    ELDERLY = "elderly"  # 老年人
    DISABLED = "disabled"  # 残障人士
    PREGNANT = "pregnant"  # 孕妇
    MILITARY = "military"  # 军人、退役军人
    OTHER = "other"  # 其他（工作人员确认）


GREEN_REASON_LABELS: dict[GreenReason, dict[Lang, str]] = {
    GreenReason.ELDERLY: {Lang.ZH: "老年人", Lang.EN: "Elderly"},
    GreenReason.DISABLED: {Lang.ZH: "残障人士", Lang.EN: "Disability"},
    GreenReason.PREGNANT: {Lang.ZH: "孕妇", Lang.EN: "Pregnancy"},
    GreenReason.MILITARY: {Lang.ZH: "军人/退役军人", Lang.EN: "Military / veteran"},
    GreenReason.OTHER: {Lang.ZH: "其他", Lang.EN: "Other"},
}


class HelpAction(str, Enum):
    """`cmd/help`: a kiosk asks staff to the 绿色通道 and collects the ticket staff issued for it."""

    REQUEST = "request"  # kiosk: call staff (shown on the manager console and caller terminals)
    CANCEL = "cancel"  # kiosk or staff: the visitor left, or the request was a mistake
    COLLECT = "collect"  # kiosk: the green ticket staff issued for its request, to print


class HelpStatus(str, Enum):
    """Where a help request stands (`state/help`)."""

    OPEN = "open"  # waiting for staff
    ISSUED = "issued"  # staff issued the green ticket (`cmd/green` with `help`); the kiosk prints it
    CLOSED = "closed"  # printed (collected) or cancelled


class TicketStatus(str, Enum):
    WAITING = "waiting"
    SERVING = "serving"  # called to a window, being served
    SKIPPED = "skipped"  # 过号: did not come when called
    DONE = "done"  # 办结


class WindowAction(str, Enum):
    """What a caller terminal, keypad or evaluator asks of its window (`cmd/window/{id}`)."""

    NEXT = "next"
    CALL = "call"
    RECALL = "recall"
    SKIP = "skip"
    FINISH = "finish"
    RATE = "rate"
    TRANSFER = "transfer"
    PAUSE = "pause"
    RESUME = "resume"
    SIGN_IN = "sign_in"  # a clerk signs in (工号 + pin_proof, or a staff card): the window stays open
    SIGN_OUT = "sign_out"  # the clerk signs out at shift change; the window stays open


class Rating(IntEnum):
    """The national 好差评 scale, 5 best. Every device that counts the other way maps in its driver."""

    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    FAIR = 3  # 基本满意
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 非常不满意

    @property
    def label(self) -> dict[Lang, str]:
        return RATING_LABELS[self]


RATING_LABELS: dict[Rating, dict[Lang, str]] = {
    Rating.VERY_SATISFIED: {Lang.ZH: "非常满意", Lang.EN: "Very satisfied"},
    Rating.SATISFIED: {Lang.ZH: "满意", Lang.EN: "Satisfied"},
    Rating.FAIR: {Lang.ZH: "基本满意", Lang.EN: "Fairly satisfied"},
    Rating.DISSATISFIED: {Lang.ZH: "不满意", Lang.EN: "Dissatisfied"},
    Rating.VERY_DISSATISFIED: {Lang.ZH: "非常不满意", Lang.EN: "Very dissatisfied"},
}
NOT_RATED = "not_rated"  # the visitor left without rating (`rate` only)
SATISFIED_AT_LEAST = Rating.FAIR  # 满意率 counts 基本满意 and better as satisfied


class RatingChannel(str, Enum):
    """Where a 好差评 rating was given, told by the login that sent it (`event/rated`)."""

    TABLET = "tablet"  # evaluator-{window}: the evaluator tablet (`tideq counter --evaluator`)
    KEYPAD = "keypad"  # bridge-{bus}: a serial evaluator or caller keypad on an RS-485 line
    COUNTER = "counter"  # window-{window}: the caller terminal finished with the visitor's rating
    OTHER = "other"  # any other login (a test tool, an integration)


class BookingAction(str, Enum):
    """What the booking platform asks of one booking, or of the day's ratings (`cmd/booking`)."""

    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    STATUS = "status"
    RATINGS = "ratings"  # the day's ratings (the 好差评 outbox catches up with them)


class BookingStatus(str, Enum):
    """Where a booking stands, from the controller's state (`cmd/booking` action `status`)."""

    PENDING = "pending"  # not checked in, its slot not over yet
    CHECKED_IN = "checked_in"  # checked in at a kiosk: it has a ticket
    NO_SHOW = "no_show"  # its slot ended and nobody checked it in
    CANCELLED = "cancelled"  # the platform cancelled it


class RowStatus(str, Enum):
    """What a push did with one booking (`cmd/appointments` with `per_row`)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the same booking again (a repeated push): nothing changed
    REFUSED = "refused"  # see its `error`; the other rows are not affected


class CrowdLevel(str, Enum):
    """Crowd level of a camera zone, by the zone's thresholds."""

    LOW = "low"
    BUSY = "busy"
    CROWDED = "crowded"


class AlertLevel(str, Enum):
    """An overload warning; `critical` when no window can be added."""

    WARNING = "warning"
    CRITICAL = "critical"


class TidalMode(str, Enum):
    """`auto` acts, `confirm` proposes to the hall manager, `off` only watches."""

    AUTO = "auto"
    CONFIRM = "confirm"
    OFF = "off"


class TidalKind(str, Enum):
    """What an `event/tidal` (or a decision in `state/tidal`) reports."""

    OPENED = "tidal_opened"
    CLOSED = "tidal_closed"
    WARN = "tidal_warn"
    CLEAR = "tidal_clear"
    PROPOSE_OPEN = "tidal_propose_open"
    PROPOSE_CLOSE = "tidal_propose_close"
    PROPOSE_MOVE = "tidal_propose_move"
    DRAIN = "tidal_drain"
    DECLINED = "tidal_declined"


class ProposalAction(str, Enum):
    """A proposal waiting for the hall manager in `state/tidal` (confirm mode)."""

    OPEN = "propose_open"
    CLOSE = "propose_close"
    MOVE = "propose_move"


class TidalCommand(str, Enum):
    OPEN = "open"
    CLOSE = "close"
    CONFIRM = "confirm"
    DECLINE = "decline"


class ControllerStatus(str, Enum):
    """The plain-text retained `status/controller` (also the controller's last will)."""

    ONLINE = "online"
    OFFLINE = "offline"


class DeviceKind(str, Enum):
    """The `kind` of a `health/{device}` report."""

    CONTROLLER = "controller"
    KIOSK = "kiosk"
    PRINTER = "printer"
    BOARD = "board"
    COUNTER = "counter"
    EVALUATOR = "evaluator"
    MANAGER = "manager"
    LEDSTRIP = "ledstrip"
    KEYPAD_BUS = "keypad-bus"
    EVALUATOR_BUS = "evaluator-bus"
    CAMERA = "camera"


class HealthState(str, Enum):
    """Device health, one vocabulary for every kind (the kind documents which it uses).

    `offline` is also every device's last will: a process that dies without saying goodbye is
    marked offline by the broker within its keep-alive.
    """

    OK = "ok"
    ATTENTION = "attention"  # a kiosk: something needs staff (see `problems`)
    DEGRADED = "degraded"
    STALE = "stale"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    UNKNOWN = "unknown"
    OFFLINE = "offline"


class LinkState(str, Enum):
    """One device on a serial line, as its bus reports it."""

    OK = "ok"
    QUIET = "quiet"  # polled but not answering
    OFFLINE = "offline"


class ErrorCode(str, Enum):
    """Every `error.code` a reply or `event/rejected` can carry (docs/protocol.md lists when)."""

    BAD_JSON = "bad_json"
    BAD_PAYLOAD = "bad_payload"
    BAD_SENDER = "bad_sender"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_WINDOW = "unknown_window"
    UNKNOWN_TICKET = "unknown_ticket"
    HALL_CLOSED = "hall_closed"
    SERVICE_CLOSED = "service_closed"
    QUOTA_REACHED = "quota_reached"
    IDENTITY_REQUIRED = "identity_required"
    IDENTITY_LIMIT = "identity_limit"
    WINDOW_PAUSED = "window_paused"
    WINDOW_CLOSED = "window_closed"
    WINDOW_BUSY = "window_busy"
    WINDOW_DRAINING = "window_draining"
    NO_CURRENT_TICKET = "no_current_ticket"
    NO_TICKET_WAITING = "no_ticket_waiting"
    TICKET_NOT_WAITING = "ticket_not_waiting"
    TICKET_OTHER_SERVICE = "ticket_other_service"
    REJOIN_EXPIRED = "rejoin_expired"
    ALREADY_REJOINED = "already_rejoined"
    NOT_RATEABLE = "not_rateable"
    APPOINTMENT_UNKNOWN = "appointment_unknown"
    APPOINTMENT_OTHER_DAY = "appointment_other_day"
    APPOINTMENT_EARLY = "appointment_early"
    APPOINTMENT_CANCELLED = "appointment_cancelled"  # checkin or reschedule of a booking the platform cancelled
    APPOINTMENT_CHECKED_IN = "appointment_checked_in"  # cancel or reschedule after the visitor checked in
    SERVICE_NOT_BOOKABLE = "service_not_bookable"
    TIDAL_NOT_POOL = "tidal_not_pool"
    TIDAL_ALREADY_OPEN = "tidal_already_open"
    TIDAL_NOT_OPEN = "tidal_not_open"
    TIDAL_NOT_ALLOWED = "tidal_not_allowed"  # the hall file's pool_services of that window leave the service out
    NO_PROPOSAL = "no_proposal"
    STORAGE_FAILED = "storage_failed"
    INTERNAL_ERROR = "internal_error"
    CONTROLLER_UNREACHABLE = "controller_unreachable"  # client side: no reply in time
    STAFF_UNKNOWN = "staff_unknown"  # sign_in: no such 工号 (or card) in the hall file's [[staff]]
    STAFF_BAD_PIN = "staff_bad_pin"  # sign_in: the PIN does not match; `attempts_left`
    STAFF_LOCKED = "staff_locked"  # sign_in: too many wrong PINs at this window; `retry_at`
    STAFF_ELSEWHERE = "staff_elsewhere"  # sign_in: signed in at another window (`window`); sign out there
    STAFF_NOT_SIGNED_IN = "staff_not_signed_in"  # sign_out: nobody is signed in at this window
    SLOT_FULL = "slot_full"  # cmd/book: the slot's bookings are taken; `next_free` names the next free one
    SLOT_UNAVAILABLE = "slot_unavailable"  # cmd/book: not a slot of the service (past, too far ahead, closed)
    GREEN_NEEDS_STAFF = "green_needs_staff"  # cmd/ticket priority green from a kiosk login: staff confirm it
    GREEN_REASON_REQUIRED = "green_reason_required"  # a green ticket without its reason category
    VERIFY_MISMATCH = "verify_mismatch"  # cmd/reprint: the typed verify digits are not the ticket's
    HELP_UNKNOWN = "help_unknown"  # cmd/help, cmd/green: no open help request of that id
