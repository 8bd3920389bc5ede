#!/usr/bin/env bash
# Build the wheel, install it (not editable) into a fresh virtual environment outside the source tree, and use
# it there as a chemist would: list the oracles, score with the DRD2 model, run the demo on the shipped prior,
# start the app and ask its health check. Run by .ci/run; usable alone: scripts/check_wheel.sh
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'kill "${APP_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
python -m pip wheel --quiet --no-deps -w "$WORK/dist" "$SOURCE"
WHEEL="$(ls "$WORK"/dist/molmara-*.whl)"
SIZE_MB=$(( $(stat -c %s "$WHEEL") / 1000000 ))
echo "wheel: $(basename "$WHEEL"), ${SIZE_MB} MB"
[ "$SIZE_MB" -lt 50 ] || { echo "wheel check: the wheel is ${SIZE_MB} MB (PyPI allows 100)" >&2; exit 1; }
python -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "torch==2.13.0"  # the CPU build first, never a CUDA one
"$PY" -m pip install --quiet "$WHEEL"
cd "$WORK"  # outside the source tree: nothing can come from the clone
"$PY" - "$SOURCE" <<'EOF'
import sys
from pathlib import Path

import molmara
from molmara.resources import APP, DEFAULT_PRIOR

where = Path(molmara.__file__).resolve()
assert "site-packages" in where.parts and not where.is_relative_to(Path(sys.argv[1])), where
assert DEFAULT_PRIOR.is_file() and (APP / "Home.py").is_file(), (DEFAULT_PRIOR, APP)
print(f"installed at {where.parent}")
EOF
"$WORK/venv/bin/molmara" oracles > "$WORK/oracles.txt"
grep -q "drd2" "$WORK/oracles.txt"
"$PY" -c "
from molmara import tasks
score = tasks.get('drd2')(['CN1CCN(CC1)C2=NC3=CC=CC=C3OC4=C2C=C(C=C4)Cl'])[0]
assert 0.0 <= score <= 1.0, score
print(f'DRD2 score of loxapine: {score:.3f}')
"
"$WORK/venv/bin/molmara" demo --oracle-calls 200 --device cpu
PORT=$(( 20000 + RANDOM % 20000 ))
"$WORK/venv/bin/molmara" app --port "$PORT" --store "$WORK/molmara.db" > "$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 120); do
  if "$PY" -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:$PORT/_stcore/health', timeout=2).read() != b'ok')" 2>/dev/null; then
    echo "app health check: ok on port $PORT"
    exit 0
  fi
  sleep 1
done
echo "wheel check: the app did not answer its health check; its log:" >&2
cat "$WORK/app.log" >&2
exit 1
