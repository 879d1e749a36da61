#!/usr/bin/env bash
# The README's test command: the whole suite on the real shared data.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -q "$@"
