#!/usr/bin/env bash
# Merges the .fdata files of a BOLT training run.
#   MERGE_FDATA  the tool
#   FDATA_DIR    the .fdata files
#   OUT          the merged .fdata to write
set -euo pipefail
: "${MERGE_FDATA:?}" "${FDATA_DIR:?}" "${OUT:?}"
shopt -s nullglob
files=("$FDATA_DIR"/*.fdata)
[ ${#files[@]} -gt 0 ] || { echo "bolt-merge: no .fdata files in $FDATA_DIR" >&2; exit 1; }
"$MERGE_FDATA" "${files[@]}" -o "$OUT" 2>/dev/null
echo "bolt-merge: ${#files[@]} profile(s) -> $OUT" >&2
