#!/usr/bin/env bash
# Install everything (Debian 12) and run the demo; outputs go to demo_output/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
QT_QPA_PLATFORM=offscreen .venv/bin/python demo/run_demo.py --out demo_output "$@"
