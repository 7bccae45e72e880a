"""docs/openapi.json is the gateway app's OpenAPI, current (regenerate: python scripts/gen_openapi.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_json_is_current():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "scripts/gen_openapi.py", "--check"], cwd=ROOT, env=env)
    assert r.returncode == 0, "run: python scripts/gen_openapi.py"


def test_openapi_json_documents_every_gateway_endpoint():
    paths = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))["paths"]
    want = {"/t/{token}", "/api/t/{token}", "/api/t/{token}/events", "/hall", "/api/hall", "/api/hall/events"}
    assert want | {"/metrics", "/healthz"} <= set(paths)
