#!/usr/bin/env bash
# Sets up (see setup.sh) and runs the whole test suite offscreen. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
# two workers (pytest-xdist): most tests wait on brokers, processes and sockets, so two share the
# 2-core box well (serial 13.5 min, two workers 7 min); TIDEQ_TEST_WORKERS=0 runs them in-process
exec .venv/bin/python -m pytest -q -n "${TIDEQ_TEST_WORKERS:-2}" --dist loadgroup "$@"
