"""ETA model: service-time window, shared-window capacity split, and the wait formula."""

import pytest

from tideq.controller.eta import WINDOW, CallMix, ServiceTime, departure_rate, wait_for_rate
from tideq.controller.model import WindowState, WindowStatus


def test_service_time_is_the_mean_of_the_recent_window():
    st = ServiceTime(480.0)
    assert st.mean_s == 480.0  # the prior until the first completion
    for _ in range(WINDOW):
        st.observe(100.0)
    for _ in range(WINDOW):
        st.observe(300.0)
    assert st.mean_s == pytest.approx(300.0)  # old observations have left the window
    st.observe(5.0)  # a mis-click counts as the 30 s floor
    assert st.mean_s == pytest.approx((300.0 * (WINDOW - 1) + 30.0) / WINDOW)


def test_shared_window_capacity_follows_its_calls():
    mix = CallMix()
    w = WindowState("7", ["tax", "business-setup"], False, WindowStatus.SERVING)
    means = {"tax": 400.0, "business-setup": 400.0}
    assert departure_rate("tax", [w], means, mix) == pytest.approx(0.5 / 400)  # equal split at first
    for _ in range(200):
        mix.observe("7", "tax", w.services)
    assert departure_rate("tax", [w], means, mix) == pytest.approx(1 / 400, rel=1e-3)
    assert departure_rate("business-setup", [w], means, mix) == pytest.approx(0, abs=1e-6)


def test_shared_window_time_is_split_by_service_length():
    mix = CallMix()
    w = WindowState("4", ["a", "b"], False, WindowStatus.IDLE)
    # half the calls each, but b takes 3x longer: the window completes 1 a per 2 * 200 s
    assert departure_rate("a", [w], {"a": 100.0, "b": 300.0}, mix) == pytest.approx(0.5 / 200)


def test_closed_or_paused_windows_give_no_capacity():
    w = WindowState("1", ["a"], False, WindowStatus.PAUSED)
    assert departure_rate("a", [w], {"a": 100.0}, CallMix()) == 0
    assert wait_for_rate(3, 0.0, 0) is None


def test_wait_counts_departures_after_idle_windows():
    assert wait_for_rate(0, 1 / 100, 1) == 0  # an idle window takes the visitor at once
    assert wait_for_rate(4, 2 / 100, 0) == 250  # (4 + 1) departures at 2 per 100 s
