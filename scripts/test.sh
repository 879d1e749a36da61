#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, .venv), then runs
# the whole suite on the real shared data (../shared/geodata or $MADOGUCHI_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/setup.sh
# lint, format and types first (all print nothing on success): ruff over the repository, mypy over
# core/ geo/ models/ as configured in pyproject.toml
.venv/bin/ruff check -q .
.venv/bin/ruff format --check -q .
.venv/bin/mypy --no-error-summary
exec .venv/bin/python -m pytest -q "$@"
