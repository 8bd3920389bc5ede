#!/usr/bin/env bash
# Re-create data/moses/ from the molsets 0.3.1 wheel on PyPI (see data/moses/PROVENANCE.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python -m pip download --no-deps --quiet molsets==0.3.1 -d "$tmp"
(cd "$tmp" && python -m zipfile -e molsets-0.3.1-py3-none-any.whl unpacked)
mkdir -p "$root/data/moses"
for name in train test test_scaffolds; do
  cp "$tmp/unpacked/moses/dataset/data/$name.csv.gz" "$root/data/moses/"
  echo "$name: $(($(gzip -dc "$root/data/moses/$name.csv.gz" | wc -l) - 1)) SMILES"
done
