#!/usr/bin/env bash
# Sets up (see setup.sh) and runs the hall: `tideq demo` on the example hall.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/tideq demo "$@"
