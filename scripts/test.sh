#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, .venv), then runs
# the whole suite on the real shared data (../shared/geodata or $MADOGUCHI_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
