"""The embedded broker binds loopback; it has no logins or ACL, so it refuses any other address
and says why and what to do instead."""

from __future__ import annotations

import pytest

from tideq.broker.embedded import EmbeddedBroker, is_loopback
from tideq.broker.errors import EmbeddedBrokerError
from tideq.cli import main
from tideq.config import EXAMPLE_HALL
from tideq.testing.mosquitto import free_port


def test_binds_loopback_by_default():
    b = EmbeddedBroker(free_port())
    assert b.host == "127.0.0.1"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "edge-box"])
def test_refuses_the_network_and_says_what_to_do(host):
    with pytest.raises(EmbeddedBrokerError, match=r"no logins, ACL or TLS.*Mosquitto.*tideq acl --tls"):
        EmbeddedBroker(free_port(), host)


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.1.1", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "10.0.0.1", "", "example.org"))


def test_controller_refuses_an_embedded_broker_on_the_network(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TIDEQ_BROKER__URL", "embedded")
    monkeypatch.setenv("TIDEQ_BROKER__EMBEDDED_HOST", "0.0.0.0")
    code = main(["controller", "--config", str(EXAMPLE_HALL), "--data-dir", str(tmp_path)])
    assert code == 2
    assert "will not bind 0.0.0.0" in capsys.readouterr().err
