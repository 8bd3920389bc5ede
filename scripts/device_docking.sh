#!/usr/bin/env bash
# A second call on a lent 16-core machine (see scripts/device_session.sh for the first): the docking checks of
# issue 21 — the DOCKSTRING comparison (40 ligands, 16 at a time) and docking throughput against Ray CPUs.
# The wheels it needs travel in .whl/ (vina, meeko, gemmi, dimorphite_dl, dockstring, openbabel-wheel, ray and
# molmara's own dependencies). Results land in $OUT (benchmarks/results/*.md and *.json to commit here).
set -u -o pipefail
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
echo "cores: $(nproc)"
timeout "${COMPARE_S:-330}" python3 -m benchmarks.dockstring_comparison --workers "${WORKERS:-16}" --wheels .whl \
    --scratch /tmp/dockstring-env 2>&1 | tail -30
timeout "${THROUGHPUT_S:-200}" python3 -m benchmarks.docking_throughput --cpus 1,4,16 -n 48 2>&1 | tail -12
cp benchmarks/results/dockstring_comparison.* benchmarks/results/dockstring_comparison_rows.csv \
    benchmarks/results/docking_throughput.* "$OUT/" 2>/dev/null  # import the rows here with --import
ls -la "$OUT"
