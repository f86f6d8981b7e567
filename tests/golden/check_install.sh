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
# The Python package, when this build has it: importable from the installed site folder alone.
site=$(find "$prefix/lib" -path '*/dist-packages/trainsim' -type d 2>/dev/null | head -1)
if [[ -n "$site" && -x /usr/bin/python3 ]]; then
  TRAINSIM_DATA_DIR="$prefix/share/trainsim" PYTHONPATH="$(dirname "$site")" /usr/bin/python3 -c \
    'import json, trainsim; print(json.dumps(trainsim.predict(), indent=2))' >python.json
  python3 -c 'import json, sys; a = json.load(open("python.json")); b = json.load(open(sys.argv[1]))
sys.exit(0 if a == b else "the installed Python package predicts differently")' "$here/default.json"
  echo "installed Python package reproduces golden/default.json"
fi
echo "installed trainsim reproduces golden/default.json"
