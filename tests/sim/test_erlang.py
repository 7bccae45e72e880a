"""Erlang C closed form against textbook values."""

import pytest

from tideq.sim.erlang import erlang_c, mean_wait_s


def test_single_server_is_rho():
    assert erlang_c(1, 0.8) == pytest.approx(0.8)
    assert mean_wait_s(1, 0.8, 1.0) == pytest.approx(4.0)  # rho / (mu - lambda)


def test_two_servers_textbook():
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mean_wait_s(2, 1 / 20, 20.0) == pytest.approx(20 / 3)  # C / (c mu - lambda) = (1/3) / (1/20)


def test_many_servers_without_overflow():
    p = erlang_c(200, 180.0)
    assert 0 < p < 1


def test_unstable_queue_is_refused():
    with pytest.raises(ValueError):
        mean_wait_s(2, 0.2, 10.0)
