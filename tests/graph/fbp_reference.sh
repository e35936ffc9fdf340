#!/usr/bin/env bash
# fbp_reference.sh DIR - installs the reference .fbp parser, npm fbp 1.8.0, into DIR (once) and prints
# the path of its bin/fbp. The CTest fixture graph_fbp_reference_setup runs it before the cross-check
# (graph_fbp_crosscheck, in fbp.cmake).
#
# Without npm on PATH it says so and exits 0: the cross-check then reports itself skipped (exit 77),
# never passed. With npm, a failed install is a failure.
set -euo pipefail
dir=${1:?usage: fbp_reference.sh DIR}
bin="$dir/node_modules/fbp/bin/fbp"
package="$dir/node_modules/fbp/package.json"

if [ -f "$bin" ] && grep -q '"version": "1.8.0"' "$package" 2>/dev/null; then
  echo "$bin"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not on PATH: the reference parser (npm fbp@1.8.0) is not installed; the cross-check will be skipped" >&2
  exit 0
fi
mkdir -p "$dir"
npm install --prefix "$dir" fbp@1.8.0 --no-audit --no-fund >&2
[ -f "$bin" ] || { echo "npm install fbp@1.8.0 did not create $bin" >&2; exit 1; }
echo "$bin"
