#!/usr/bin/env bash
# Wheels for a lent GPU machine (Python 3.12, x86-64; its image has torch, numpy, pandas, scipy but not RDKit,
# pydantic, the docking packages or Ray, and it reaches no network). Run here, in the repo root:
#     bash scripts/device_wheels.sh core          # .whl/: RDKit and pydantic (35 MB): every device script needs them
#     bash scripts/device_wheels.sh docking       # .whl-docking/: vina, meeko, gemmi, dimorphite_dl, dockstring,
#                                                 # openbabel-wheel (33 MB)
#     bash scripts/device_wheels.sh ray           # .whl-ray/: Ray's 79 MB wheel in 28 MB parts
# One device call carries the working tree (about 29 MB) and its carried paths, 64 MiB in all: carry .whl in one
# call, .whl-docking in the next, each Ray part in a call of its own, back to back (the machine stays warm 30 s after
# a call, and what a call installs stays while it is warm). Each call begins with `bash scripts/device_install.sh`,
# which installs whatever it finds into /tmp/site (joining Ray's parts once all have arrived).
set -euo pipefail
group=${1:?usage: device_wheels.sh core|docking|ray}
grep -qx '/.whl*/' .git/info/exclude 2>/dev/null || echo '/.whl*/' >> .git/info/exclude
download() {  # into folder $1 the packages that follow
  local dest=$1
  shift
  mkdir -p "$dest"
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any -d "$dest" "$@"
}
case "$group" in
  core) download .whl rdkit "pydantic>=2.5" pydantic-core annotated-types typing-inspection ;;
  docking) download .whl-docking vina==1.2.7 meeko==0.8.0 "gemmi>=0.7,<0.8" dimorphite_dl==2.1.0 dockstring==0.3.4 \
    openbabel-wheel ;;
  ray)
    tmp=$(mktemp -d)
    download "$tmp" "ray>=2.40,<3"
    download .whl-ray0 jsonschema jsonschema-specifications referencing rpds-py  # Ray's, missing from the image
    wheel=$(basename "$(ls "$tmp"/ray-*.whl)")
    for part in 0 1 2; do mkdir -p ".whl-ray$part"; done
    split -b 28M -d -a 1 "$tmp/$wheel" "$tmp/part-"
    for file in "$tmp"/part-*; do
      n=${file##*-}
      mv "$file" ".whl-ray$n/$wheel.part-$n"
    done
    (cd "$tmp" && sha256sum "$wheel") > .whl-ray0/ray.sha256  # device_install.sh joins the parts when all 3 came
    rm -r "$tmp"
    ;;
  *) echo "unknown group $group (core, docking or ray)" >&2; exit 2 ;;
esac
du -sh .whl* 2>/dev/null
