#!/usr/bin/env bash
# Extract the translatable strings into i18n/sar_change_<lang>.ts (keeping existing translations)
# and compile every .ts into its .qm. Needs pylupdate5 (pyqt5-dev-tools) and lrelease
# (qttools5-dev-tools). Usage: bash scripts/update_translations.sh [lang ...]   (default: fr)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
langs=("$@"); [ ${#langs[@]} -gt 0 ] || langs=(fr)
sources=(__init__.py plugin/*.py processing/*.py processing/algorithms/*.py)
for lang in "${langs[@]}"; do
  ts="i18n/sar_change_${lang}.ts"
  old="$(mktemp)"
  if [ -f "$ts" ]; then cp "$ts" "$old"; else : > "$old"; fi
  rm -f "$ts"
  pylupdate5 -noobsolete "${sources[@]}" -ts "$ts" 2>/dev/null
  # pylupdate5 files the module-level tr() helper's strings under @default and QT_TRANSLATE_NOOP's
  # under SarChange; the plugin looks everything up in SarChange: one context, old translations kept.
  python3 scripts/merge_translations.py "$ts" "$old"
  rm -f "$old"
  lrelease -silent "$ts" -qm "i18n/sar_change_${lang}.qm"
done
