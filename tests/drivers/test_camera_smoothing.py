"""Count smoothing and level hysteresis."""

from __future__ import annotations

import itertools

import pytest

from tideq.config.schema import Level
from tideq.drivers.camera.smoothing import CountSmoother, LevelHysteresis, level_of, round_count


def test_level_enters_at_threshold_and_leaves_only_below_the_margin() -> None:
    h = LevelHysteresis(busy=10, crowded=25)  # margin 1
    assert h.update(9.6) is Level.LOW
    assert h.update(10.0) is Level.BUSY
    assert h.update(9.2) is Level.BUSY  # within the margin: stays
    assert h.update(8.9) is Level.LOW
    assert h.update(25) is Level.CROWDED
    assert h.update(24.5) is Level.CROWDED
    assert h.update(23.5) is Level.BUSY
    assert h.update(30) is Level.CROWDED
    assert h.update(2) is Level.LOW  # a crowd that leaves at once drops straight to low


def test_count_hovering_at_the_threshold_does_not_flicker() -> None:
    h = LevelHysteresis(busy=10, crowded=25)
    levels = [h.update(c) for c in [9.4, 10.1, 9.5, 10.2, 9.3, 10.0, 9.6] * 5]
    changes = sum(1 for a, b in itertools.pairwise(levels) if a is not b)
    assert changes == 1
    assert [level_of(c, 10, 25) for c in (9.4, 10.1)] == [Level.LOW, Level.BUSY]  # without memory it would flip


def test_crowded_below_busy_is_refused() -> None:
    with pytest.raises(ValueError, match="crowded"):
        LevelHysteresis(busy=10, crowded=5)


def test_median_removes_a_one_frame_spike_and_ema_follows_a_step() -> None:
    s = CountSmoother(window=5, alpha=0.3)
    for _ in range(5):
        s.update(4)
    assert s.update(40) == pytest.approx(4)  # one glitch frame
    values = [s.update(12) for _ in range(15)]
    assert values[0] < 12 and values[-1] == pytest.approx(12, abs=0.2)
    assert all(a <= b for a, b in itertools.pairwise(values))
    assert round_count(2.5) == 3 and round_count(2.49) == 2
