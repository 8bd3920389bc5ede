#!/usr/bin/env bash
# One call on a lent GPU machine (see /work/.library/device): the GPU check (issue 9), then as many of the
# full MARA-vs-REINVENT runs (issue 8) as fit, 16 at a time on the GPU, the last task first (a local
# background job works from the first). Python packages the machine lacks travel as wheels in .whl/.
# Results land in $OUT: gpu_check.{json,md}, the merged raw rows, the run folders (without weights) and logs.
set -u -o pipefail
export PYTHONUNBUFFERED=1
started=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi -L
echo "cores: $(nproc)"
python3 -c "import torch, rdkit, molmara.rl; print('torch', torch.__version__, 'rdkit', rdkit.__version__, 'cuda', torch.cuda.is_available())" || exit 1

timeout "${GPU_CHECK_S:-170}" python3 -m benchmarks.gpu_check 2>&1 | tee "$OUT/gpu_check.log"
cp benchmarks/results/gpu_check.json benchmarks/results/gpu_check.md "$OUT/" 2>/dev/null

left=$(( ${TOTAL_S:-560} - ($(date +%s) - started) ))
echo "mvr: $left s left"
OMP_NUM_THREADS=1 python3 -m benchmarks.mvr_parallel --full --device "${MVR_DEVICE:-cuda}" --workers "${WORKERS:-16}" \
    --tasks osimertinib_mpo,drd2_qed_sa,gsk3b_jnk3_qed_sa,drug_modes --seeds "${SEEDS:-2,1,0}" \
    --out /tmp/mvr --stop-starting-s $(( left - 120 )) --kill-s $(( left - 45 )) 2>&1 | tee "$OUT/mvr.log"

cp /tmp/mvr/mara_vs_reinvent_full_runs.csv "$OUT/" 2>/dev/null
for task in osimertinib_mpo drd2_qed_sa gsk3b_jnk3_qed_sa drug_modes; do
    (cd /tmp/mvr/runs && ls -d "$task"-* >/dev/null 2>&1 && \
        tar cJf "$OUT/runs_$task.tar.xz" --exclude='*.pt' --exclude='*.prior' --exclude='*.db*' "$task"-*) &
done
wait
tar czf "$OUT/logs.tgz" -C /tmp/mvr logs "$OUT/gpu_check.log" "$OUT/mvr.log" 2>/dev/null
rm -f "$OUT/gpu_check.log" "$OUT/mvr.log"
ls -la "$OUT"
echo "total $(( $(date +%s) - started )) s"
