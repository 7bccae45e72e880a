"""The client's address behind proxies, and the token bucket."""

from __future__ import annotations

from tideq.gateway.ratelimit import RateLimiter, client_address, networks

PROXY = networks(["10.0.0.0/8", "127.0.0.1"])


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    assert client_address("203.0.113.5", "198.51.100.1", PROXY) == "203.0.113.5"
    assert client_address("10.1.2.3", "198.51.100.1", PROXY) == "198.51.100.1"
    assert client_address("10.1.2.3", None, PROXY) == "10.1.2.3"
    assert client_address("10.1.2.3", "198.51.100.1", ()) == "10.1.2.3"


def test_the_rightmost_untrusted_hop_is_the_client():
    # a client forges the left part; the proxies appended what they saw
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.9", PROXY) == "198.51.100.7"
    assert client_address("127.0.0.1", "not-an-ip", PROXY) == "127.0.0.1"
    assert client_address("127.0.0.1", "10.0.0.1, 10.0.0.2", PROXY) == "127.0.0.1"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_bucket_burst_then_rate_per_client():
    clock = Clock()
    lim = RateLimiter(per_min=60, burst=3, clock=clock)
    assert [lim.allow("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = lim.allow("a")
    assert 0.9 < wait <= 1.0  # one token a second
    assert lim.allow("b") == 0.0  # another client has its own bucket
    clock.t += 1.0
    assert lim.allow("a") == 0.0


def test_memory_is_bounded_by_client_count():
    lim = RateLimiter(per_min=60, burst=1, clock=Clock(), max_clients=100)
    for i in range(1000):
        lim.allow(f"c{i}")
    assert len(lim) == 100
