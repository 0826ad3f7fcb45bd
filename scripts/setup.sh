#!/usr/bin/env bash
# Set up everything on a fresh Debian 12 machine (idempotent):
#   QGIS 3.22 + GDAL + scipy/sklearn from Debian, Orfeo ToolBox (reference peer),
#   a venv on the system Python with the pip packages, and the plugin link
#   .plugins/sar_change -> this checkout (QGIS_PLUGINPATH and import name).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

apt_packages=(qgis python3-qgis qgis-providers python3-gdal gdal-bin python3-scipy
              python3-sklearn python3-rasterio python3-matplotlib python3-venv otb-bin)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install -q -r requirements-dev.txt -c constraints.txt
.venv/bin/python -m pip install -q --no-deps -r requirements-nodeps.txt -c constraints.txt

mkdir -p .plugins
ln -sfn "$root" .plugins/sar_change

# MERLIN despeckling model: converted from the installed deepdespeckling weights (never committed).
merlin_onnx=models/merlin/merlin_s1_tops.onnx
if [ ! -f "$merlin_onnx" ] && .venv/bin/python -c "import torch, deepdespeckling.model" 2>/dev/null; then
  PYTHONPATH="$root/.plugins" .venv/bin/python -m sar_change.models.merlin.convert --out "$merlin_onnx" \
    || echo "warning: MERLIN conversion failed; the Learned (MERLIN) speckle filter will ask for a model" >&2
fi
