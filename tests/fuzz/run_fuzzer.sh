#!/usr/bin/env bash
# Fuzzes one harness for a bounded time: run_fuzzer.sh FUZZER SECONDS WORKDIR DICT SEED_DIR...
# New inputs go to WORKDIR/corpus (the seed directories are only read); a crash, a leak, a
# sanitizer report, an input slower than 5 s or above 2.5 GB fails the run, and the input is left
# in WORKDIR as crash-*/leak-*/timeout-*/oom-*: add it to tests/fuzz/corpus/<harness> with the fix.
set -euo pipefail
fuzzer=$1 seconds=$2 workdir=$3 dict=$4
shift 4
mkdir -p "$workdir/corpus"
seeds=()
for dir in "$@"; do [ -d "$dir" ] && seeds+=("$dir"); done
dict_flag=()
[ -f "$dict" ] && dict_flag=(-dict="$dict")
exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2560 -print_final_stats=1 \
  -artifact_prefix="$workdir/" "${dict_flag[@]}" "$workdir/corpus" "${seeds[@]}"
