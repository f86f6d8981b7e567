#!/usr/bin/env bash
# Byte-for-byte check of trainsim's outputs against the golden files listed in cases.txt.
#   check.sh TRAINSIM            compare; print a diff and fail on any difference
#   check.sh TRAINSIM --update   rewrite the golden files (a deliberate change: say why in the commit)
#   check.sh TRAINSIM check FILE only the case whose golden file is FILE (ctest runs one test per case)
set -uo pipefail
trainsim=$1
mode=${2:-check}
only=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
actual=$(mktemp)
trace=$(mktemp)
trap 'rm -f "$actual" "$trace"' EXIT
failed=0
while read -r file args; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  [[ -n "$only" && "$file" != "$only" ]] && continue
  matched=1
  # A case with `--trace @TRACE@` compares the trace file it writes instead of its stdout.
  compared=$actual
  if [[ "$args" == *@TRACE@* ]]; then
    args=${args//@TRACE@/$trace}
    compared=$trace
  fi
  # shellcheck disable=SC2086  # the arguments are word-split on purpose
  if ! "$trainsim" $args >"$actual" 2>/dev/null </dev/null; then
    echo "FAILED:  $file (trainsim $args exited non-zero)"
    failed=1
  elif [[ "$mode" == --update ]]; then
    if cmp -s "$here/$file" "$compared"; then
      echo "same:    $file"
    else
      cat "$compared" >"$here/$file"
      echo "updated: $file"
    fi
  elif cmp -s "$here/$file" "$compared"; then
    echo "same:    $file"
  else
    echo "DIFFERS: $file (trainsim $args)"
    diff -u "$here/$file" "$compared" | cut -c1-300 | head -40
    failed=1
  fi
done <"$here/cases.txt"
if [[ -n "$only" && -z "${matched:-}" ]]; then
  echo "no case writes $only in cases.txt"
  failed=1
fi
exit $failed
