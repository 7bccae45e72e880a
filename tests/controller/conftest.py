"""Controller fixtures beyond the shared ones in tests/conftest.py."""

from __future__ import annotations

import pytest

from tideq.controller.engine import Engine

from ..conftest import THURSDAY_10, TZ  # noqa: F401  (re-exported for the tests here)


@pytest.fixture
def engine(hall):
    e = Engine(hall.hall, b"test-secret")
    e.roll_day(THURSDAY_10)
    return e
