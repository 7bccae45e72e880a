"""What `tideq uplink` writes, and what the [district] table refuses (checked as text; the
three-broker tests check that Mosquitto does what it says)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tideq.broker.uplink import Hall, UplinkError, bridge_text, centre_acl_text, emqx_acl_text
from tideq.cli import main
from tideq.config.schema import DistrictConfig

ENV = {"HALL_PW": "secret-pw"}


def hall(**kw) -> Hall:
    return Hall("hall-b", DistrictConfig(address="centre.example:8883", password_env="HALL_PW", **kw))


def test_the_bridge_sends_out_only_the_listed_topics_and_takes_nothing_in() -> None:
    text = bridge_text(hall(), ENV)
    lines = text.splitlines()
    assert "cleansession false" in lines and "bridge_protocol_version mqttv311" in lines
    assert "remote_clientid hall-hall-b" in lines and "remote_password secret-pw" in lines
    assert "bridge_capath /etc/ssl/certs" in lines and "bridge_insecure false" in lines
    topics = [x for x in lines if x.startswith("topic ")]
    assert topics and all(" out 1 tideq/hall-b/ tideq/hall-b/" in x for x in topics)
    assert not [x for x in topics if " in " in x or " both " in x]
    assert not [x for x in topics if "event/rated" in x or "cmd/" in x or "reply/" in x]


def test_the_command_opt_in_brings_in_one_senders_commands_and_sends_out_its_replies() -> None:
    topics = [x for x in bridge_text(hall(commands_from="district"), ENV).splitlines() if x.startswith("topic ")]
    assert "topic cmd/district/# in 1 tideq/hall-b/ tideq/hall-b/" in topics
    assert "topic reply/district out 1 tideq/hall-b/ tideq/hall-b/" in topics
    assert len([x for x in topics if " in " in x]) == 1


def test_centre_acls_bind_each_hall_to_its_prefix() -> None:
    halls = [hall(), Hall("hall-a", DistrictConfig(address="c:1", password_env="X", username="a"))]
    mosq = centre_acl_text(halls)
    b = mosq.split("user hall-hall-b")[1].split("user ")[0]
    assert all(x.split()[-1].startswith("tideq/hall-b/") for x in b.splitlines() if x.startswith("topic"))
    assert "tideq/hall-b/cmd" not in mosq  # nobody may command a hall that did not opt in
    emqx = emqx_acl_text(halls)
    assert emqx.rstrip().endswith("{deny, all}.") and '"tideq/hall-a/state/#"' in emqx


def test_missing_password_and_bad_forwards_are_refused_with_the_fix() -> None:
    with pytest.raises(UplinkError, match=r"HALL_PW.*not set.*export"):
        bridge_text(hall(), {})
    with pytest.raises(UplinkError, match=r"password_env.*cert_file"):
        bridge_text(Hall("hall-b", DistrictConfig(address="c:1")), {})
    with pytest.raises(ValidationError, match="cannot be forwarded"):
        DistrictConfig(address="c:1", forward=["cmd/#"])
    with pytest.raises(ValidationError, match="host:port"):
        DistrictConfig(address="mqtts://centre")


def test_the_cli_writes_every_file(tmp_path, monkeypatch) -> None:
    from tideq.config import EXAMPLE_HALL

    cfg = tmp_path / "hall.toml"
    cfg.write_text(
        EXAMPLE_HALL.read_text(encoding="utf-8")
        + '\n[district]\naddress = "centre.example:8883"\npassword_env = "TIDEQ_TEST_UPLINK_PW"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TIDEQ_TEST_UPLINK_PW", "pw")
    assert main(["uplink", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 0
    for f in (
        "xian-hitech/bridge.conf",
        "centre/acl",
        "centre/passwd",
        "centre/emqx-acl.conf",
        "centre/credentials.toml",
    ):
        assert (tmp_path / "out" / f).exists(), f
    assert (tmp_path / "out" / "xian-hitech" / "bridge.conf").stat().st_mode & 0o077 == 0
