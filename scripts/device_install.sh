#!/usr/bin/env bash
# On a lent GPU machine, first thing in a call: install the wheels this call carried (see scripts/device_wheels.sh)
# into /tmp/site, which stays while the machine is warm. Ray's wheel comes in three parts, one call each; it is
# joined, checked against its SHA-256 and installed once all three have come. Then: export PYTHONPATH=/tmp/site:$PWD
set -u
mkdir -p /tmp/site /tmp/ray-parts
for dir in .whl .whl-docking .whl-ray0; do
  if ls "$dir"/*.whl > /dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
      "$dir"/*.whl || exit 1
  fi
done
cp .whl-ray*/*.part-* .whl-ray0/ray.sha256 /tmp/ray-parts/ 2> /dev/null
if [ -f /tmp/ray-parts/ray.sha256 ] && [ ! -d /tmp/site/ray ]; then
  wheel=$(awk '{print $2}' /tmp/ray-parts/ray.sha256)
  if [ "$(ls /tmp/ray-parts/"$wheel".part-* 2> /dev/null | wc -l)" -eq 3 ]; then
    cat /tmp/ray-parts/"$wheel".part-* > /tmp/"$wheel"
    (cd /tmp && sha256sum -c ray-parts/ray.sha256 --quiet) || { echo "Ray's joined wheel is damaged"; exit 1; }
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site /tmp/"$wheel" \
      || exit 1
  else
    echo "Ray: $(ls /tmp/ray-parts/*.part-* 2> /dev/null | wc -l) of 3 parts so far"
  fi
fi
ls /tmp/site | grep -ciE "dist-info" | xargs echo "packages in /tmp/site:"
