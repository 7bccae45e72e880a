"""The controller's dispatch tables are complete: every event kind folds into the engine and names
the state it changes, and every window action has its handler (so adding a Kind or an action
without its entry fails here, not in a hall)."""

from __future__ import annotations

from enum import Enum

import pytest

from tideq.controller.engine import FOLDS, WINDOW_ACTIONS, Engine, missing_entries
from tideq.controller.errors import Refusal
from tideq.controller.events import Kind
from tideq.controller.model import WindowAction
from tideq.controller.publisher import DIRTY

from .conftest import THURSDAY_10


def test_every_kind_has_a_fold():
    assert missing_entries(FOLDS, Kind) == []
    assert set(FOLDS) == set(Kind)
    assert all(fold.__name__.startswith("_fold_") and getattr(Engine, fold.__name__) is fold for fold in FOLDS.values())


def test_every_kind_names_the_state_it_changes():
    assert missing_entries(DIRTY, Kind) == []


def test_every_window_action_has_a_handler():
    assert missing_entries(WINDOW_ACTIONS, WindowAction) == []
    assert [a.value for a in WindowAction] == [
        "next",
        "call",
        "recall",
        "skip",
        "finish",
        "rate",
        "transfer",
        "pause",
        "resume",
        "sign_in",
        "sign_out",
    ]


def test_the_completeness_check_sees_a_gap():
    class Colour(str, Enum):
        RED = "red"
        BLUE = "blue"

    assert missing_entries({Colour.RED: 1}, Colour) == ["blue"]


@pytest.mark.parametrize("action", ["dance", "_usable", "__init__"])
def test_an_unknown_window_action_is_refused_not_looked_up(engine, action):
    with pytest.raises(Refusal) as info:
        engine.window_action("5", action, THURSDAY_10)
    assert info.value.code == "bad_payload" and action in info.value.message.en
