"""The ACL matrix, a fast subset (one login per role; bench/bench_acl_matrix.py runs every login):
on a real Mosquitto with the generated files, each login may publish and receive exactly what its
ACL entry means, and wrong, missing and anonymous logins are refused."""

from __future__ import annotations

from tideq.broker.acl import Role, identities
from tideq.broker.matrix import PUBLISH, SUBSCRIBE, run_matrix


def one_per_role(acl_files) -> list[str]:
    seen: dict[Role, str] = {}
    for i in acl_files.identities:
        seen.setdefault(i.role, i.user)
    return list(seen.values())


def test_every_role_gets_exactly_what_its_acl_means(secure_broker, acl_files, hall):
    users = one_per_role(acl_files)
    assert len(users) == len(Role)
    users.remove("controller")  # the observer: readwrite on the whole hall
    result = run_matrix("127.0.0.1", secure_broker.port, hall.hall, acl_files, users)
    assert result.wrong == []
    assert {c.user for c in result.cells} == set(users)
    # the matrix is not vacuous: each role may do something and is refused most things
    for user in users:
        mine = [c for c in result.cells if c.user == user]
        assert any(c.actual for c in mine if c.action == PUBLISH), user  # at least its own health
        assert sum(not c.expected for c in mine) > len(mine) // 2, user
    kiosk = next(u for u in users if u.startswith("kiosk-"))
    t = f"tideq/{hall.hall.hall.id}"
    can = {(c.topic, c.action) for c in result.cells if c.user == kiosk and c.actual}
    assert (f"{t}/cmd/{kiosk}/ticket", PUBLISH) in can and (f"{t}/cmd/{kiosk}/window/5", PUBLISH) not in can
    others = [c for c in result.cells if c.user == kiosk and "/cmd/" in c.topic and f"/cmd/{kiosk}/" not in c.topic]
    assert others and not any(c.actual for c in others)  # never under another login's id
    assert (f"{t}/reply/{kiosk}", SUBSCRIBE) in can and (f"{t}/reply/window-5", SUBSCRIBE) not in can
    assert (f"{t}/state/services", PUBLISH) not in can


def test_wrong_missing_and_anonymous_logins_are_refused(secure_broker, acl_files, hall):
    users = one_per_role(acl_files)
    result = run_matrix("127.0.0.1", secure_broker.port, hall.hall, acl_files, users[:1])
    assert set(result.logins) == {users[0], "controller"}
    assert result.login_failures == []


def test_every_process_of_the_hall_has_a_login(hall):
    users = {i.user for i in identities(hall.hall)}
    h = hall.hall
    assert {"controller", "importer", "manager", "admin"} <= users
    assert {f"kiosk-{k.id}".replace("kiosk-kiosk-", "kiosk-") for k in h.devices.kiosks} <= users
    assert {f"board-{b.id}" for b in h.devices.boards} <= users
    assert {f"window-screen-{w.id}" for w in h.windows} <= users
    assert {f"window-{w.id}" for w in h.windows} | {f"evaluator-{w.id}" for w in h.windows} <= users
    assert {f"ledstrip-{b.id}" for b in h.devices.serial_buses if b.kind == "led"} <= users
    assert {f"camera-{c.id}".replace("camera-camera-", "camera-") for c in h.devices.cameras} <= users
