"""The MQTT contract v1 as code: topics, typed messages for every command, reply, state, event,
sensor reading and health report, the shared vocabulary, and the client. No Qt, no engine.

Every process reads and writes payloads through these types (`wire.decode`, `Message.encode`,
`BusClient.on/send/publish`); docs/protocol.md is checked against them by tests/contract.
"""
from .client import BusClient, parse_broker_url
from .commands import (COMMANDS, AppointmentIn, AppointmentsCmd, CheckinCmd, Command, CommandSpec, RejoinCmd,
                       TicketCmd, TidalCmd, WindowCmd)
from .common import BiText, Timestamp
from .errors import BrokerUnreachable, BusError, ContractError, PayloadError, RequestTimeout
from .events import CallEvent, RejectedEvent, TidalEvent
from .health import Health
from .replies import AppointmentInfo, ErrorInfo, Reply, TicketInfo, TidalRef, WindowRef
from .sensors import CrowdReading
from .state import (STATE_TOPICS, AlertItem, CallItem, CallsState, DecisionItem, OpenTidal, ProposalItem,
                    ServiceItem, ServicesState, TidalState, WindowItem, WindowsState)
from .topics import CONTRACT_VERSION, Topics, now_iso
from .vocab import (NOT_RATED, AlertLevel, ControllerStatus, CrowdLevel, DeviceKind, ErrorCode, HealthState, Lang,
                    LinkState, Priority, ProposalAction, Rating, TicketStatus, TidalCommand, TidalKind, TidalMode,
                    WindowAction, WindowStatus)
from .wire import MAX_IMPORT_PAYLOAD, MAX_PAYLOAD, Message, Part, decode

__all__ = [
    "COMMANDS", "CONTRACT_VERSION", "MAX_IMPORT_PAYLOAD", "MAX_PAYLOAD", "NOT_RATED", "STATE_TOPICS",
    "AlertItem", "AlertLevel", "AppointmentIn", "AppointmentInfo", "AppointmentsCmd", "BiText", "BrokerUnreachable",
    "BusClient", "BusError", "CallEvent", "CallItem", "CallsState", "CheckinCmd", "Command", "CommandSpec",
    "ContractError", "ControllerStatus", "CrowdLevel", "CrowdReading", "DecisionItem", "DeviceKind", "ErrorCode",
    "ErrorInfo", "Health", "HealthState", "Lang", "LinkState", "Message", "OpenTidal", "Part", "PayloadError",
    "Priority", "ProposalAction", "ProposalItem", "Rating", "RejectedEvent", "RejoinCmd", "Reply", "RequestTimeout",
    "ServiceItem", "ServicesState", "TicketCmd", "TicketInfo", "TicketStatus", "TidalCmd", "TidalCommand",
    "TidalEvent", "TidalKind", "TidalMode", "TidalRef", "TidalState", "Timestamp", "Topics", "WindowAction",
    "WindowCmd", "WindowItem", "WindowRef", "WindowStatus", "WindowsState", "decode", "now_iso", "parse_broker_url",
]
