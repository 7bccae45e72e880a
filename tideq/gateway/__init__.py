"""`tideq gateway`: HTTP for visitors' phones (the ticket page a printed QR code opens), the hall
live page, the booking platform's API, 好差评 and /metrics, served by uvicorn. A client of the
MQTT contract like any other, with its own broker login (`gateway`): it reads retained state and
events and changes queue state only through commands. See docs/gateway.md.

`create_app(bus, settings, routers=...)` is where the booking platform's and 好差评's routers plug in.
"""

from .app import Gateway, Settings, create_app
from .bus import GatewayBus, Snapshot

__all__ = ["Gateway", "GatewayBus", "Settings", "Snapshot", "create_app"]
