#!/usr/bin/env bash
# The README's first command: set up (Debian fonts if root, .venv and packages), build the
# default region (Ibaraki, from ../shared/geodata or the embedded copy in data/), start the app
# through `madoguchi app`: it listens on this machine only (server.address = localhost in
# .streamlit/config.toml); `--address 0.0.0.0` needs a login (`madoguchi app users add NAME` first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh || echo "warning: Debian packages (fonts, chromium) not installed; the app runs, PDF reports may lack Japanese fonts" >&2
bash scripts/setup.sh
[ -f data/regions/ibaraki-08/manifest.json ] || .venv/bin/madoguchi region build --pref 08
exec .venv/bin/madoguchi app "$@"
