#!/usr/bin/env bash
# Linters and type checks, as CI runs them (after scripts/setup.sh): ruff (lint and format),
# mypy (strict on contract, controller and config; see pyproject.toml), import-linter (layers).
set -euo pipefail
cd "$(dirname "$0")/.."
PATHS=(tideq tests bench scripts)
echo "lint: ruff check";  .venv/bin/ruff check "${PATHS[@]}"
echo "lint: ruff format"; .venv/bin/ruff format --check "${PATHS[@]}"
echo "lint: mypy";        .venv/bin/mypy
echo "lint: import-linter"; .venv/bin/lint-imports
