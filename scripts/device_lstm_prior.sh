#!/usr/bin/env bash
# One call on a lent GPU machine (issue 18): train the 3×512 LSTM prior with REINVENT 4's layout (embedding 256) on
# MOSES, then sample 10,000 from it for a first look at validity. Python packages the machine lacks travel as wheels
# in .whl/ (scripts/device_wheels.sh core; carry it). What comes back in $OUT: the prior, split into parts of 15 MB (the
# device returns files of at most 16 MiB; join them here with `cat moses_lstm.prior.part-* > moses_lstm.prior`),
# the training log and the quick sample's numbers. The full quality report (novelty, FCD) is made here on the CPU:
#     python -m benchmarks.prior_quality --prior moses_lstm.prior --name prior_quality_lstm
# Settings: CORPUS (default MOSES train), EPOCHS (default 5), MAX_SEQUENCES (unset), BATCH (256), LR (2e-3, cosine
# to 1e-4), TRAIN_S (seconds before training is cut;
# the last checkpoint, every 1,000 steps, is what comes back then, marked unfinished in its metadata), DEVICE.
set -u -o pipefail
export PYTHONUNBUFFERED=1
bash scripts/device_install.sh || exit 1  # the wheels in .whl/ (scripts/device_wheels.sh core; carry .whl)
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi -L 2>/dev/null
echo "cores: $(nproc)"
OUT=${OUT:-/tmp/lstm-out}
mkdir -p "$OUT"
prior=/tmp/moses_lstm.prior
started=$(date +%s)
timeout "${TRAIN_S:-420}" python3 -m molmara.cli pretrain --corpus "${CORPUS:-data/moses/train.csv.gz}" --output "$prior" \
    --cell lstm --embedding-dim 256 --hidden-size 512 --num-layers 3 --dropout 0 \
    --epochs "${EPOCHS:-5}" ${MAX_SEQUENCES:+--max-sequences "$MAX_SEQUENCES"} --batch-size "${BATCH:-256}" \
    --learning-rate "${LR:-2e-3}" --min-learning-rate 1e-4 --warmup-steps 200 \
    --validate-every 1000 --checkpoint-every 1000 --device "${DEVICE:-cuda}" --n-jobs "$(nproc)" --seed 0 \
    --no-progress 2>&1 | tee "$OUT/train.log"
echo "training: $(( $(date +%s) - started )) s (exit ${PIPESTATUS[0]})" | tee -a "$OUT/train.log"
[ -f "$prior" ] || { echo "no prior written"; exit 1; }
python3 - "$prior" "${DEVICE:-cuda}" <<'EOF' 2>&1 | tee "$OUT/quick_sample.txt"
import sys, time, torch
from molmara import load_prior
from molmara.metrics import uniqueness, validity
prior = load_prior(sys.argv[1], sys.argv[2])
meta = prior.metadata
print("finished", meta.get("finished"), "epochs", round(meta.get("epochs_seen", 0), 2), "valid NLL", meta.get("valid_nll"))
started = time.perf_counter()
smiles = prior.sample(10_000, batch_size=2_000, generator=torch.Generator().manual_seed(0)).smiles
print(f"10,000 samples in {time.perf_counter() - started:.1f} s: validity {validity(smiles):.4f}, "
      f"uniqueness {uniqueness(smiles):.4f}")
EOF
split -b 15M -d "$prior" "$OUT/moses_lstm.prior.part-"
sha256sum "$prior" | tee "$OUT/moses_lstm.prior.sha256"
ls -la "$OUT"
