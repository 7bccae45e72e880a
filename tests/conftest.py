"""Shared fixtures: a real Mosquitto per test module, Qt offscreen."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tideq.testing import Mosquitto


@pytest.fixture(scope="module")
def broker():
    """A private Mosquitto on a free loopback port (module scope: restarts are per test file)."""
    with Mosquitto() as m:
        yield m
