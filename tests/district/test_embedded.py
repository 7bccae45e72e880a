"""A single-box hall on the embedded broker (amqtt, which cannot bridge) uplinks through the
in-process `Forwarder`: same identity, TLS, QoS 1 persistent session and topics as the Mosquitto
bridge, against the real centre with its generated ACL; the hall works while the centre is down
and the centre gets the state it missed when it returns."""

from __future__ import annotations

import uuid

from tests.conftest import HALL_SECRET, THURSDAY_10
from tideq.broker.embedded import EmbeddedBroker
from tideq.broker.tls import write_tls
from tideq.broker.uplink import DISTRICT_USER, Hall, write_uplink
from tideq.config.schema import DistrictConfig
from tideq.contract import BusClient
from tideq.testing import ManualClock
from tideq.testing.mosquitto import free_port

from .conftest import centre_broker, hall_with, stop_client, subscriber
from .test_bridge import queued


def test_an_embedded_broker_hall_uplinks_through_the_forwarder(tmp_path, hall, monkeypatch) -> None:
    from tideq.controller.service import ControllerService

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    tls = write_tls(tmp_path, "district", ["localhost", "127.0.0.1"])
    tls_port = free_port()
    env = {"TIDEQ_TEST_HALL_E_PW": f"pw-{uuid.uuid4().hex[:8]}"}
    cfg = hall_with(
        hall,
        "hall-e",
        DistrictConfig(
            address=f"127.0.0.1:{tls_port}",
            ca_file=str(tls.ca_cert),
            username="hall-e",
            password_env="TIDEQ_TEST_HALL_E_PW",
            restart_s=(1, 1),
        ),
    )
    files = write_uplink([Hall.of(cfg.hall)], tmp_path / "uplink", env)
    monkeypatch.setenv("TIDEQ_TEST_HALL_E_PW", env["TIDEQ_TEST_HALL_E_PW"])
    with centre_broker(files, tmp_path, tls_port) as centre:
        c, box = subscriber(
            centre.port,
            DISTRICT_USER,
            files.reader_password,
            ["tideq/+/state/queue", "tideq/+/status/uplink", "tideq/+/cmd/#"],
            persistent=False,
            client_id="district-embedded",
        )
        embedded = EmbeddedBroker(free_port(), uplink=Hall.of(cfg.hall)).start()
        svc = ControllerService(cfg, embedded.url, tmp_path / "data", ManualClock(THURSDAY_10)).start()
        kiosk = BusClient(embedded.url, "hall-e", "kiosk-1").connect()
        try:
            reply = kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5)
            assert reply.ok and reply.ticket is not None
            assert box.wait_for(queued("hall-e", reply.ticket.number)), "the embedded hall's ticket never arrived"
            assert box.wait_for(lambda t, b: t == "tideq/hall-e/status/uplink" and str(b) == "1")
            assert not [t for t in box.topics() if "/cmd/" in t], "a command went out to the centre"
            # the centre away: the hall keeps answering, the forwarder holds what it missed
            stop_client(c)
            centre.stop()
            missed = kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5)
            assert missed.ok and missed.ticket is not None
            centre.start()
            c, box = subscriber(
                centre.port,
                DISTRICT_USER,
                files.reader_password,
                ["tideq/+/state/queue", "tideq/+/status/uplink"],
                persistent=False,
                client_id="district-embedded-2",
            )
            assert box.wait_for(queued("hall-e", missed.ticket.number)), "the forwarder did not catch the centre up"
        finally:
            kiosk.close()
            svc.stop()
            embedded.stop()
        # a clean stop says so on the centre
        assert box.wait_for(lambda t, b: t == "tideq/hall-e/status/uplink" and str(b) == "0")
        stop_client(c)
