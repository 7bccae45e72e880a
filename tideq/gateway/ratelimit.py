"""Per-client rate limits and the client's address behind a reverse proxy.

The client is the TCP peer, unless the peer is one of `[gateway] trusted_proxies`: then it is the
right-most address of `X-Forwarded-For` that is not itself a trusted proxy (what the nearest
untrusted hop told our proxy). A client sending its own `X-Forwarded-For` straight to the gateway
changes nothing; behind nginx with `proxy_add_x_forwarded_for` a forged left part is skipped.

A token bucket per client address (`rate_per_min` sustained, `rate_burst` at once), kept for at
most `MAX_CLIENTS` addresses (least recently seen dropped first), so a flood from many addresses
costs bounded memory. Addresses are kept in memory only, never logged or counted in a metric.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

MAX_CLIENTS = 100_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(items: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(x, strict=False) for x in items)


def _trusted(addr: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in n for n in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address (see the module's doc); `peer` None (a test transport) is "unknown"."""
    addr = peer or "unknown"
    if not proxies or not forwarded_for or not _trusted(addr, proxies):
        return addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return addr  # garbage in the header: count it against the proxy's own address
    return addr


class RateLimiter:
    """`allow(client)` -> 0.0 if allowed, else the seconds until it would be (for Retry-After)."""

    def __init__(
        self, per_min: float, burst: float, clock: Callable[[], float] = time.monotonic, max_clients: int = MAX_CLIENTS
    ) -> None:
        self.rate = per_min / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)

    def allow(self, client: str, cost: float = 1.0) -> float:
        now = self.clock()
        tokens, at = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        wait = 0.0
        if tokens >= cost:
            tokens -= cost
        else:
            wait = (cost - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)
