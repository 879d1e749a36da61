#!/usr/bin/env bash
# Create .venv and install Madoguchi with its test extras. Idempotent and quiet: pip runs only when
# pyproject.toml changed since the last successful install (stamp in .venv/), and the lines this
# machine's pip configuration adds for absent local indexes ("Location ... is ignored") and
# setuptools' editable-install banner are filtered out. Errors and other warnings stay visible.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.madoguchi-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && .venv/bin/python -c "import madoguchi" 2>/dev/null; then
  exit 0
fi
quiet() {
  # run "$@", keep its exit status, drop only the known noise lines from its output
  local status=0
  "$@" > .venv/.setup.log 2>&1 || status=$?
  grep -v -E "$NOISE" .venv/.setup.log || true
  return "$status"
}
NOISE="Location .* is ignored: it is neither a file nor a directory|BuildBackendWarning: Editable installation|^ *!!$|^ *\\*{20,}$|Please be careful with folders in your working directory|name as your package as they may take precedence|with strategy, WheelFile|^ *$"
quiet .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
quiet .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "$want" > "$stamp"
