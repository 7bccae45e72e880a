"""The green channel (绿色通道) and reprints (补打) against a real Mosquitto with the generated ACL
and the real controller: a kiosk login alone never gets a green ticket (the broker drops its
cmd/green, the controller refuses cmd/ticket priority green and says how), staff at a window and
the manager issue one with a reason, a kiosk's help request is answered by staff and collected by
the kiosk, and reprints are proved, recorded and counted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tideq.broker.acl import AclFiles
from tideq.contract import BusClient, Reply
from tideq.contract.ticket_page import read_qr
from tideq.controller.dispatch import reply_key
from tideq.controller.events import Kind
from tideq.testing import Mosquitto

from ..conftest import HALL_SECRET

HALL = "xian-hitech"


def login(broker: Mosquitto, files: AclFiles, user: str) -> BusClient:
    return BusClient(broker.url, HALL, user, username=user, password=files.passwords[user]).connect()


@pytest.fixture
def clients(secure_broker, acl_files, secure_controller) -> Iterator[dict[str, BusClient]]:
    made = {u: login(secure_broker, acl_files, u) for u in ("kiosk-1", "window-5", "manager")}
    yield made
    for c in made.values():
        c.close()


def refused(reply: Reply) -> str:
    assert not reply.ok and reply.error is not None
    return reply.error.code.value


def test_a_kiosk_alone_gets_no_green_ticket_and_is_told_how(clients, secure_controller):
    kiosk = clients["kiosk-1"]
    r = kiosk.send(
        "ticket", {"service": "tax", "source": "kiosk-1", "priority": "green", "reason": "elderly"}, timeout=5
    )
    assert refused(r) == "green_needs_staff"
    assert r.error is not None and "绿色通道" in r.error.guide.zh and "call staff" in r.error.guide.en
    # the broker drops a kiosk's cmd/green: once a later command of the same kiosk is answered,
    # the dropped one (sent first, same connection) is not coming
    dropped = str(uuid.uuid4())
    kiosk.publish(kiosk.topics.cmd("kiosk-1", "green"), {"v": 1, "id": dropped, "service": "tax", "reason": "other"})
    assert kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5).ok
    assert reply_key("kiosk-1", dropped) not in secure_controller.replies
    assert [t.priority.value for t in secure_controller.engine.tickets.values()] == ["normal"]


def test_staff_at_a_window_and_the_manager_issue_green_with_a_reason(clients, secure_controller):
    w5, manager = clients["window-5"], clients["manager"]
    assert refused(w5.send("green", {"service": "tax"}, timeout=5)) == "bad_payload"  # reason is required
    assert refused(w5.send("ticket", {"service": "tax", "source": "x", "priority": "green"}, timeout=5)) == (
        "green_reason_required"
    )
    a = w5.send("green", {"service": "tax", "reason": "pregnant"}, timeout=5)
    b = manager.send(
        "ticket", {"service": "tax", "source": "manager", "priority": "green", "reason": "military"}, timeout=5
    )
    assert a.ok and b.ok and a.ticket is not None and b.ticket is not None
    assert (a.ticket.priority.value, a.ticket.green_reason.value if a.ticket.green_reason else None) == (
        "green",
        "pregnant",
    )
    t = secure_controller.engine.tickets[b.ticket.number]
    assert (t.green_reason, t.issued_by, t.source) == ("military", "manager", "manager")


def test_a_kiosk_help_request_is_answered_by_staff_and_collected(clients, secure_controller):
    kiosk, w5 = clients["kiosk-1"], clients["window-5"]
    req = kiosk.send("help", {"action": "request", "source": "kiosk-1", "service": "tax"}, timeout=5)
    assert req.ok and req.help is not None and req.help.status.value == "open"
    hid = req.help.id
    assert refused(kiosk.send("help", {"action": "collect", "help": hid}, timeout=5)) == "bad_payload"  # not yet
    answer = w5.send("green", {"service": "tax", "reason": "disabled", "help": hid}, timeout=5)
    assert answer.ok and answer.help is not None and answer.help.status.value == "issued"
    assert refused(w5.send("green", {"service": "tax", "reason": "disabled", "help": hid}, timeout=5)) == "help_unknown"
    got = kiosk.send("help", {"action": "collect", "help": hid}, timeout=5)
    assert got.ok and got.ticket is not None and answer.ticket is not None
    assert got.ticket.number == answer.ticket.number and got.ticket.priority.value == "green"
    assert secure_controller.engine.tickets[got.ticket.number].source == "kiosk-1"
    assert secure_controller.engine.help == {}


def test_reprints_are_proved_recorded_and_counted(clients, secure_controller):
    kiosk, w5 = clients["kiosk-1"], clients["window-5"]
    first = kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5)
    assert first.ok and first.ticket is not None and first.ticket.page
    number, verify = first.ticket.number, first.ticket.verify
    # the printed code is genuine: its MAC checks under the hall secret, both forms
    assert read_qr(HALL_SECRET.encode(), HALL, verify) == read_qr(
        HALL_SECRET.encode(), HALL, f"https://q.example/t/{first.ticket.page}"
    )
    assert read_qr(HALL_SECRET.encode(), HALL, verify[:-1] + ("0" if verify[-1] != "0" else "1")) is None
    wrong = "0000" if not verify.endswith("0000") else "1111"
    assert refused(kiosk.send("reprint", {"source": "kiosk-1", "ticket": number, "verify": wrong}, timeout=5)) == (
        "verify_mismatch"
    )
    assert refused(kiosk.send("reprint", {"source": "kiosk-1", "ticket": number}, timeout=5)) == "bad_payload"
    by_digits = kiosk.send("reprint", {"source": "kiosk-1", "ticket": number, "verify": verify[-4:]}, timeout=5)
    by_scan = kiosk.send("reprint", {"source": "kiosk-1", "page": first.ticket.page}, timeout=5)
    at_window = w5.send("reprint", {"ticket": number}, timeout=5)
    assert [r.ticket.reprints for r in (by_digits, by_scan, at_window) if r.ticket] == [1, 2, 3]
    day = secure_controller.engine.day
    assert day is not None
    events = [e for e in secure_controller.store.events_for(day, day) if e.kind is Kind.REPRINTED]
    assert [(e.data["source"], e.data["by"]) for e in events] == [
        ("kiosk-1", "kiosk-1"),
        ("kiosk-1", "kiosk-1"),
        ("window-5", "window-5"),
    ]
