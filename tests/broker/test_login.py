"""How a process finds its login: command line, then the device's `login` in the hall file, then
the role's default user; files relative to the hall file; client id == login."""

from __future__ import annotations

import argparse

import pytest

from tideq.config import load
from tideq.contract import BusError
from tideq.contract.client import TlsFiles
from tideq.runtime import add_broker_args, broker_login

HALL_TOML = """
schema_version = 1
[hall]
id = "login-hall"
name = { zh = "测试大厅", en = "Test hall" }
[hall.hours]
mon = ["09:00-17:00"]
[broker]
url = "mqtts://edge-box:8883"
ca_file = "tls/ca.crt"
[[services]]
id = "tax"
name = { zh = "税务", en = "Tax" }
prefix = "A"
[[windows]]
id = "1"
name = { zh = "1号窗口", en = "Window 1" }
services = ["tax"]
[[devices.kiosks]]
id = "k1"
[devices.kiosks.login]
username = "kiosk-east"
password_env = "TIDEQ_TEST_KIOSK_PW"
cert_file = "tls/k1.crt"
key_file = "tls/k1.key"
"""


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_broker_args(p, "x")
    return p.parse_args(list(argv))


def test_the_hall_file_gives_a_device_its_login_and_tls_files(tmp_path, monkeypatch):
    (tmp_path / "hall.toml").write_text(HALL_TOML, encoding="utf-8")
    loaded = load(tmp_path / "hall.toml")
    monkeypatch.delenv("TIDEQ_BROKER_PASSWORD", raising=False)
    monkeypatch.setenv("TIDEQ_TEST_KIOSK_PW", "from-the-hall-file")
    login = broker_login(loaded, parse(), "kiosk-k1", loaded.hall.devices.kiosks[0].login)
    assert (login.user, login.password, login.url) == ("kiosk-east", "from-the-hall-file", "mqtts://edge-box:8883")
    tls = tmp_path / "tls"
    assert login.tls == TlsFiles(str(tls / "ca.crt"), str(tls / "k1.crt"), str(tls / "k1.key"))
    missing = broker_login(loaded, parse(), "kiosk-k1", loaded.hall.devices.kiosks[0].login)
    with pytest.raises(BusError, match=r"TLS files .* unusable"):  # says which files, before connecting
        missing.client("login-hall")
    plain = broker_login(loaded, parse("--broker", "mqtt://127.0.0.1:1883"), "kiosk-k1", None)
    assert plain.client("login-hall").client_id == "kiosk-k1"  # client id == login


def test_the_command_line_wins(tmp_path, monkeypatch):
    (tmp_path / "hall.toml").write_text(HALL_TOML, encoding="utf-8")
    loaded = load(tmp_path / "hall.toml")
    monkeypatch.setenv("TIDEQ_TEST_KIOSK_PW", "from-the-hall-file")
    monkeypatch.setenv("OTHER_PW", "from-the-command-line")
    args = parse("--username", "kiosk-1", "--password-env", "OTHER_PW", "--broker", "mqtt://127.0.0.1:1883")
    login = broker_login(loaded, args, "kiosk-k1", loaded.hall.devices.kiosks[0].login)
    assert (login.user, login.password, login.url) == ("kiosk-1", "from-the-command-line", "mqtt://127.0.0.1:1883")


def test_without_a_password_no_username_is_sent(tmp_path, monkeypatch):
    (tmp_path / "hall.toml").write_text(HALL_TOML, encoding="utf-8")
    monkeypatch.delenv("TIDEQ_BROKER_PASSWORD", raising=False)
    login = broker_login(load(tmp_path / "hall.toml"), parse(), "window-1")
    assert login.user == "window-1" and login.username is None and login.password is None
