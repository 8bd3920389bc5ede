#!/usr/bin/env bash
# On a lent 16-core machine, the docking checks of issue 21: the DOCKSTRING comparison (the ligands not yet in
# benchmarks/results/dockstring_comparison_rows.csv, 16 at a time) and docking throughput against Ray CPUs.
# The wheels it needs do not fit one call (64 MiB with the working tree): prepare them with scripts/device_wheels.sh
# (core, docking, ray) and bring them in calls back to back, each `bash scripts/device_install.sh`, carrying
# [.whl], then [.whl-docking], then [.whl-ray0], [.whl-ray1], and last [.whl-ray2] with
# `bash scripts/device_install.sh && bash scripts/device_docking.sh`. Results land in $OUT (the rows to --import
# here, the throughput table).
set -u -o pipefail
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
python3 -c "import sys; sys.path.insert(0, '/tmp/site'); import rdkit, vina, meeko, dockstring, ray" \
  || { echo "wheels missing: see the calls above"; exit 1; }
export PYTHONPATH=/tmp/site:$PWD
echo "cores: $(nproc)"
timeout "${COMPARE_S:-330}" python3 -m benchmarks.dockstring_comparison --workers "${WORKERS:-16}" --wheels .whl-docking \
    --scratch /tmp/dockstring-env 2>&1 | tail -30
timeout "${THROUGHPUT_S:-200}" python3 -m benchmarks.docking_throughput --cpus 1,4,16 -n 48 2>&1 | tail -12
cp benchmarks/results/dockstring_comparison.* benchmarks/results/dockstring_comparison_rows.csv \
    benchmarks/results/docking_throughput.* "$OUT/" 2>/dev/null  # import the rows here with --import
ls -la "$OUT"
