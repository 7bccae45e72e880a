"""House rule: config, controller, bus and drivers never import Qt (they run on headless boxes)."""
from __future__ import annotations

import subprocess
import sys

CODE = """
import importlib, pkgutil, sys
import tideq.config, tideq.controller, tideq.contract, tideq.drivers
for pkg in (tideq.config, tideq.controller, tideq.contract, tideq.drivers):
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(m.name)
bad = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6")))
print(",".join(bad))
"""


def test_headless_packages_do_not_import_qt():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"Qt imported by a headless package: {r.stdout}"
