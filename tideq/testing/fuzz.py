"""Fuzzing the controller's commands, shared by tests/controller/test_fuzz.py and bench/bench_fuzz.py:
one valid command of each kind to mutate, the command names to try, and the topics only the
controller may publish on."""

from __future__ import annotations

from typing import Any

# one valid body per command name; the fuzzers drop, replace and add keys from here
BASES: dict[str, dict[str, Any]] = {
    "ticket": {"service": "tax", "source": "kiosk-1", "priority": "normal"},
    "checkin": {"code": "YY0001", "source": "kiosk-1"},
    "rejoin": {"ticket": "B001", "source": "kiosk-1"},
    "window/5": {"action": "next"},
    "window/6": {"action": "transfer", "to_service": "tax", "reason": "x"},
    "window/19": {"action": "pause", "reason": "lunch"},
    "tidal": {"action": "open", "window": "19", "service": "tax"},
    "appointments": {
        "appointments": [
            {
                "code": "YY0001",
                "service": "tax",
                "start": "2026-11-26T10:30:00+08:00",
                "end": "2026-11-26T11:00:00+08:00",
                "name_masked": "张*",
                "phone_masked": "138****5678",
            }
        ]
    },
}
# every command name, and names no command has
NAMES = [*BASES, "window/99", "window/5/x", "window", "teleport", "ticket/extra", ""]

# topics (after tideq/{hall}/) the controller publishes on; anything else seen while fuzzing is foreign
OWN = ("state/", "status/controller", "health/controller", "event/rejected", "event/call", "event/tidal")
