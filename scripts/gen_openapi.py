"""Write docs/openapi.json from the gateway app (FastAPI generates it), so the HTTP reference never
drifts from the code. Includes the routers `tideq gateway` includes (`extra_routers`).

python scripts/gen_openapi.py            (tests/gateway/test_openapi.py checks the file is current)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tideq.config import EXAMPLE_HALL, load
from tideq.gateway import GatewayBus, Settings, create_app
from tideq.gateway.app import extra_routers
from tideq.gateway.ratings import Outbox

OUT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def render() -> str:
    settings = Settings(load(EXAMPLE_HALL).hall, b"openapi")
    bus = GatewayBus(None)
    with tempfile.TemporaryDirectory() as tmp:
        outbox = Outbox(Path(tmp) / "outbox.sqlite3")
        app = create_app(bus, settings, routers=extra_routers(settings, bus, outbox), start_bus=False)
        text = json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        outbox.close()
    return text


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        sys.exit(0 if current == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
