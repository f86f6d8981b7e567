#!/usr/bin/env bash
# An installed trainsim finds its data without the source tree: install BUILD_DIR into a
# temporary prefix, run the installed binary from an unrelated folder with the data root pointed
# at PREFIX/share/trainsim, and compare the default scenario's JSON with the golden file.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cd "$prefix"
TRAINSIM_DATA_DIR="$prefix/share/trainsim" "$prefix/bin/trainsim" predict --format json >actual.json
cmp actual.json "$here/default.json"
TRAINSIM_DATA_DIR="$prefix/share/trainsim" "$prefix/bin/trainsim" presets models >/dev/null
echo "installed trainsim reproduces golden/default.json"
