"""Write docs/protocol-reference.md from the contract's types, so the field reference never drifts.

    python scripts/gen_protocol_doc.py          (tests/contract checks the file is current)

docs/protocol.md is the prose (what each topic is for, when each error comes); this page is every
message's fields as `tideq/contract/` defines them.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

from docgen import models, table
from pydantic import BaseModel

from tideq.contract import commands, events, health, replies, sensors, state, vocab

OUT = Path(__file__).resolve().parent.parent / "docs" / "protocol-reference.md"

INTRO = """# tideq MQTT contract v1: message reference

Generated from `tideq/contract/` by `scripts/gen_protocol_doc.py`; read
[protocol.md](protocol.md) first for what each topic is for. Every payload is a JSON object with
`"v": 1` (the integer; `true` or `1.0` is refused); readers ignore keys they do not know. Strings
carry no control characters (U+0000–U+001F, U+007F–U+009F) and no lone surrogates; times are
ISO 8601 with offset. Payloads are at most 64 KiB (`cmd/appointments`: 2 MiB), nested at most
200 deep.
"""

SECTIONS: list[tuple[str, list[tuple[str, type[BaseModel]]]]] = [
    (
        "Commands",
        [
            (f"cmd/{{client_id}}/{s.name}" + ("/{window}" if s.scoped else ""), s.model)
            for s in commands.COMMANDS.values()
        ],
    ),
    ("Replies", [("reply/{client_id}", replies.Reply)]),
    (
        "Retained state",
        [
            *((f"state/{name}", m) for name, m in state.STATE_TOPICS.items()),
            (f"state/{state.QUEUE_TOPIC}", state.QueueState),
        ],
    ),
    (
        "Events",
        [
            ("event/call", events.CallEvent),
            ("event/tidal", events.TidalEvent),
            ("event/rejected", events.RejectedEvent),
            ("event/rated", events.RatedEvent),
        ],
    ),
    ("Sensors", [("sensor/crowd/{zone}", sensors.CrowdReading)]),
    ("Device health", [("health/{device}", health.Health)]),
]

VOCABULARY: list[type[Enum]] = [
    vocab.Lang,
    vocab.WindowStatus,
    vocab.Priority,
    vocab.TicketStatus,
    vocab.WindowAction,
    vocab.Rating,
    vocab.RatingChannel,
    vocab.BookingAction,
    vocab.BookingStatus,
    vocab.RowStatus,
    vocab.CrowdLevel,
    vocab.AlertLevel,
    vocab.TidalMode,
    vocab.TidalKind,
    vocab.ProposalAction,
    vocab.TidalCommand,
    vocab.ControllerStatus,
    vocab.DeviceKind,
    vocab.HealthState,
    vocab.LinkState,
    vocab.ErrorCode,
]


def _doc(obj: object) -> str:
    text = getattr(obj, "__doc__", None) or ""
    return " ".join(text.split())


def render() -> str:
    parts = [INTRO]
    written: set[type[BaseModel]] = set()
    for title, topics in SECTIONS:
        parts.append(f"\n## {title}\n")
        for topic, model in topics:
            parts.append(f"\n### `{topic}` — {model.__name__}\n")
            if _doc(model):
                parts.append(_doc(model) + "\n")
            parts += table(model, key="field")
            parts.append("")
            written.add(model)
            for sub in models(model)[1:]:
                if sub in written or sub.__module__.startswith("pydantic"):
                    continue
                written.add(sub)
                parts.append(f"\n#### {sub.__name__}\n")
                if _doc(sub):
                    parts.append(_doc(sub) + "\n")
                parts += table(sub, key="field")
                parts.append("")
    parts.append("\n## Vocabulary\n")
    for enum in VOCABULARY:
        parts.append(f"\n### {enum.__name__}\n")
        if _doc(enum):
            parts.append(_doc(enum) + "\n")
        parts.append(", ".join(f"`{m.value}`" for m in enum) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
