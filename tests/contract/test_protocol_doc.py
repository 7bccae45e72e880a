"""docs/protocol-reference.md is generated from the contract's types; docs/protocol.md (the prose)
names every topic, command, error code and tidal kind the code defines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tideq.contract import COMMANDS, STATE_TOPICS, DeviceKind, ErrorCode, TidalKind

ROOT = Path(__file__).resolve().parents[2]
PROSE = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_message_reference_is_current():
    r = subprocess.run([sys.executable, "scripts/gen_protocol_doc.py", "--check"], cwd=ROOT)
    assert r.returncode == 0, "run: python scripts/gen_protocol_doc.py"


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_is_explained(code):
    assert f"`{code.value}`" in PROSE


@pytest.mark.parametrize("kind", list(TidalKind))
def test_every_tidal_kind_is_explained(kind):
    assert f"`{kind.value}`" in PROSE


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_a_section(name):
    assert f"### `cmd/{name}" in PROSE


@pytest.mark.parametrize("name", list(STATE_TOPICS))
def test_every_state_topic_has_a_section(name):
    assert f"### `state/{name}`" in PROSE


@pytest.mark.parametrize("kind", list(DeviceKind))
def test_every_device_kind_is_in_the_health_table(kind):
    assert f"| `{kind.value}` |" in PROSE
