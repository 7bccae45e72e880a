"""TLS on a real Mosquitto with the certificates `tideq acl --tls` generates (openssl): a client
with the hall's CA connects over mqtts://; without it, or with another CA, it is refused; with
--client-certs a client also needs its certificate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tideq.broker.acl import AclFiles, TlsListener, write_acl
from tideq.broker.tls import write_tls
from tideq.cli import main
from tideq.contract import BrokerUnreachable, BusClient
from tideq.contract.client import TlsFiles
from tideq.testing import Mosquitto
from tideq.testing.mosquitto import free_port

HALL = "xian-hitech"
REFUSED_S = 2.0  # a refused TLS handshake only shows as no connection; bounded wait for it


def broker(files: AclFiles) -> Mosquitto:
    return Mosquitto(extra_config=["user root", *files.conf.read_text().splitlines()])


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory, hall) -> AclFiles:
    return write_acl(hall.hall, tmp_path_factory.mktemp("tls"), TlsListener(port=free_port()))


@pytest.fixture(scope="module")
def tls_broker(tls_files) -> Iterator[Mosquitto]:
    with broker(tls_files) as m:
        yield m


def connect(files: AclFiles, tls: TlsFiles | None, user: str = "kiosk-1", host: str = "127.0.0.1") -> BusClient:
    return BusClient(
        f"mqtts://{host}:{files.tls_port}", HALL, user, username=user, password=files.passwords[user], tls=tls
    ).connect(timeout=REFUSED_S)


def test_a_client_with_the_hall_ca_connects_and_works(tls_broker, tls_files):
    assert tls_files.tls is not None
    for host in ("127.0.0.1", "localhost"):  # both in the server certificate
        c = connect(tls_files, TlsFiles(str(tls_files.tls.ca_cert)), host=host)
        try:
            got = c.publish(c.topics.health("kiosk-1"), "x", retain=False)
            got.wait_for_publish(5)
            assert got.is_published()
        finally:
            c.close()


def test_a_client_without_the_ca_or_with_another_ca_is_refused(tls_broker, tls_files, tmp_path):
    with pytest.raises(BrokerUnreachable):
        connect(tls_files, None)  # the system's CAs do not know the hall CA
    other = write_tls(tmp_path, "elsewhere", ["localhost", "127.0.0.1"])
    with pytest.raises(BrokerUnreachable):
        connect(tls_files, TlsFiles(str(other.ca_cert)))


def test_tls_still_needs_the_login(tls_broker, tls_files):
    assert tls_files.tls is not None
    with pytest.raises(BrokerUnreachable, match="refused"):
        BusClient(
            f"mqtts://127.0.0.1:{tls_files.tls_port}",
            HALL,
            "kiosk-1",
            username="kiosk-1",
            password="wrong",
            tls=TlsFiles(str(tls_files.tls.ca_cert)),
        ).connect(timeout=REFUSED_S)


def test_client_certificates_when_required(tmp_path, hall):
    # `--client-certs` issues one per login (slow: three openssl runs each); one is enough here
    files = write_acl(hall.hall, tmp_path, TlsListener(port=free_port()))
    made = write_tls(tmp_path, HALL, TlsListener.hosts, ["kiosk-1"])  # same CA: the folder is reused
    assert files.tls is not None and made.ca_cert == files.tls.ca_cert
    files.conf.write_text(files.conf.read_text().replace("require_certificate false", "require_certificate true"))
    ca = str(files.tls.ca_cert)
    crt, key = made.clients["kiosk-1"]
    with broker(files):
        connect(files, TlsFiles(ca, str(crt), str(key))).close()
        with pytest.raises(BrokerUnreachable):
            connect(files, TlsFiles(ca))


def test_tideq_acl_tls_command_and_rerun_keeps_the_ca(tmp_path, capsys):
    from tideq.config import EXAMPLE_HALL

    out = tmp_path / "acl"
    assert main(["acl", "--config", str(EXAMPLE_HALL), "--out", str(out), "--tls", "--tls-port", "18883"]) == 0
    assert "mqtts://HOST:18883" in capsys.readouterr().out
    conf = (out / "mosquitto-tideq.conf").read_text()
    assert "listener 18883" in conf and "use_username_as_clientid true" in conf and "require_certificate false" in conf
    ca = (out / "tls" / "ca.crt").read_bytes()
    assert (out / "tls" / "ca.key").stat().st_mode & 0o077 == 0
    assert main(["acl", "--config", str(EXAMPLE_HALL), "--out", str(out), "--tls"]) == 0
    assert (out / "tls" / "ca.crt").read_bytes() == ca


def test_broker_login_reads_ca_and_device_certificate_from_the_hall_file(tmp_path):
    import argparse

    from tideq.config import EXAMPLE_HALL, load
    from tideq.runtime import broker_login

    loaded = load(EXAMPLE_HALL, env={"TIDEQ_BROKER__CA_FILE": str(tmp_path / "ca.crt")})
    login = broker_login(loaded, argparse.Namespace(username=None, password="pw", broker="mqtts://h:8883"), "kiosk-1")
    assert login.user == "kiosk-1" and login.username == "kiosk-1" and login.url == "mqtts://h:8883"
    assert login.tls == TlsFiles(str(Path(tmp_path / "ca.crt")))
