#!/usr/bin/env bash
# The installed C++ library works for a program outside trainsim: install BUILD_DIR into a
# temporary prefix, build tests/library_consumer against it with find_package(trainsim), run it
# from an unrelated folder and compare its default prediction with golden/default.json.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
# The consumer is built by the compiler that built the library: a sanitized library needs its
# own compiler's sanitizer runtime.
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cmake -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$compiler" \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
cd "$work"
TRAINSIM_DATA_DIR="$prefix/share/trainsim" "$work/build/consumer" >out.txt
cat out.txt | head -1
grep -q '^llama3.1-8b: 64 GPUs, ' out.txt
grep -q '^refused parallel.schedule$' out.txt
sed -n '2,/^}$/p' out.txt | cmp - "$here/../golden/default.json"
echo "a program built with find_package(trainsim) predicts what the CLI predicts"
