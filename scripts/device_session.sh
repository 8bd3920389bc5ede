#!/usr/bin/env bash
# One call on a lent GPU machine (see /work/.library/device): as many of the runs still missing as fit,
# WORKERS at a time — first the MARA-vs-REINVENT runs not yet in benchmarks/results (issue 14), then PMO runs
# (issue 20). Every run is a process of its own; a run cut at the deadline is lost (its rows are not written).
# Python packages the machine lacks travel as wheels in .whl/. Results land in $OUT: the merged raw rows of each
# benchmark (import them here with `--import`) and the logs.
set -u -o pipefail
export PYTHONUNBUFFERED=1
started=$(date +%s)
bash scripts/device_install.sh || exit 1  # the wheels in .whl/ (scripts/device_wheels.sh core; carry .whl)
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi -L
echo "cores: $(nproc)"
python3 -c "import torch, rdkit, molmara.rl; print('torch', torch.__version__, 'rdkit', rdkit.__version__, 'cuda', torch.cuda.is_available())" || exit 1

total=${TOTAL_S:-560}
left=$(( total - ($(date +%s) - started) ))
echo "mvr: $left s left"
OMP_NUM_THREADS=1 python3 -m benchmarks.mvr_parallel --full --device "${DEVICE:-cuda}" --workers "${WORKERS:-16}" \
    --done benchmarks/results/mara_vs_reinvent_full_runs.csv \
    --out /tmp/mvr --stop-starting-s $(( left - 420 )) --kill-s $(( left - 60 )) 2>&1 | tee "$OUT/mvr.log"
cp /tmp/mvr/mara_vs_reinvent_full_runs.csv "$OUT/" 2>/dev/null

left=$(( total - ($(date +%s) - started) ))
echo "pmo: $left s left"
if [ "$left" -gt 480 ]; then
  OMP_NUM_THREADS=1 python3 -m benchmarks.pmo --full --device "${DEVICE:-cuda}" --workers "${WORKERS:-16}" \
      --out /tmp/pmo --stop-starting-s $(( left - 420 )) --kill-s $(( left - 40 )) 2>&1 | tail -5 | tee "$OUT/pmo.log"
  cp /tmp/pmo/pmo_full_runs.csv "$OUT/" 2>/dev/null
fi
tar czf "$OUT/logs.tgz" /tmp/mvr/logs /tmp/pmo/logs 2>/dev/null
ls -la "$OUT"
echo "total $(( $(date +%s) - started )) s"
