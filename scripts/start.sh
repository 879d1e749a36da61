#!/usr/bin/env bash
# The README's first command: set up (venv + packages + Japanese fonts if possible),
# build the default region (Ibaraki, from ../shared/geodata or the embedded copy in data/),
# and start the app at http://localhost:8501 .
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/madoguchi region ensure --pref 08
exec .venv/bin/streamlit run app.py "$@"
