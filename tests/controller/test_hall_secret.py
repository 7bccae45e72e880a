"""The hall secret: from the environment, else generated once beside the event log and kept."""

from __future__ import annotations

import os
import stat

import pytest

from tideq.controller.errors import ControllerError, SecretError
from tideq.controller.hall_secret import load_secret


def test_the_environment_wins(hall, tmp_path, monkeypatch):
    monkeypatch.setenv(hall.hall.hall.secret_env, "from-env")
    assert load_secret(hall, tmp_path) == b"from-env"
    assert not (tmp_path / "hall.secret").exists()


def test_generated_once_private_and_kept_across_restarts(hall, tmp_path, monkeypatch):
    monkeypatch.delenv(hall.hall.hall.secret_env, raising=False)
    first = load_secret(hall, tmp_path / "data")
    assert len(first) == 64 and load_secret(hall, tmp_path / "data") == first
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "hall.secret").st_mode) == 0o600


def test_an_unusable_data_dir_says_what_to_do(hall, tmp_path, monkeypatch):
    monkeypatch.delenv(hall.hall.hall.secret_env, raising=False)
    (tmp_path / "disk").write_text("not a folder")
    with pytest.raises(SecretError) as info:
        load_secret(hall, tmp_path / "disk" / "data")
    assert isinstance(info.value, ControllerError) and hall.hall.hall.secret_env in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
