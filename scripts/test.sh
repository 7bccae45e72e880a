#!/usr/bin/env bash
# Sets up (see setup.sh) and runs the whole test suite offscreen. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
