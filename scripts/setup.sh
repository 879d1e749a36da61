#!/usr/bin/env bash
# Create .venv and install Madoguchi with its test extras (idempotent).
# Japanese fonts for maps and PDF reports come from Debian's fonts-noto-cjk / fonts-ipaexfont
# (installed here when running as root and missing; otherwise reports fall back with a warning).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! fc-list 2>/dev/null | grep -qi "ipaex\|noto sans cjk"; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk fonts-ipaexfont-gothic || echo "warning: could not install Japanese fonts" >&2
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
