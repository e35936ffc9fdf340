#!/usr/bin/env bash
# fbp_protocol.sh install DIR
# fbp_protocol.sh test RUNNEL DIR
# fbp_protocol.sh security RUNNEL DIR GRAPH
#
# The FBP Network Protocol's own conformance suite, fbp-test from npm fbp-protocol 0.9.8, against
# `runnel serve`, and security.js (which uses the same package's WebSocket client and JSON schemas).
#
# install: installs fbp-protocol@0.9.8 into DIR (once; like tests/graph/fbp_reference.sh for npm fbp);
# without npm it says so and exits 0 (the CTest fixture serve_fbp_protocol_setup), and the tests then
# skip. test: picks a free loopback port, writes DIR/fbp-config.json with fbp-init (the runtime's command starts
# `runnel serve` on that port; `exec` so that fbp-test's SIGTERM reaches runnel and not only the shell),
# runs fbp-test there and prints its count as "fbp-test: N passed, M failed". Exit 0 only when every
# case passed; 77 (a skip for ctest, never a pass) when npm or node is missing.
set -euo pipefail
usage="usage: fbp_protocol.sh install DIR | test RUNNEL DIR | security RUNNEL DIR GRAPH"
mode=${1:?$usage}
shift
installed() { grep -q '"version": "0.9.8"' "$1/node_modules/fbp-protocol/package.json" 2>/dev/null; }

if [ "$mode" = install ]; then
  dir=${1:?$usage}
  installed "$dir" && exit 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is not on PATH: fbp-protocol@0.9.8 is not installed; the serve tests that need it will be skipped" >&2
    exit 0
  fi
  mkdir -p "$dir"
  npm install --prefix "$dir" fbp-protocol@0.9.8 --no-audit --no-fund >&2
  installed "$dir" || { echo "npm install fbp-protocol@0.9.8 did not install it in $dir" >&2; exit 1; }
  exit 0
fi

runnel=${1:?$usage}
dir=${2:?$usage}
if ! command -v node >/dev/null 2>&1 || ! installed "$dir"; then
  echo "node or fbp-protocol@0.9.8 (in $dir) is missing: skipped" >&2
  exit 77
fi
if [ "$mode" = security ]; then
  exec node "$(dirname "${BASH_SOURCE[0]}")/security.js" "$runnel" "$dir" "${3:?$usage}"
fi
[ "$mode" = test ] || { echo "$usage" >&2; exit 2; }

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cd "$dir"
./node_modules/.bin/fbp-init --name runnel --host 127.0.0.1 --port "$port" \
  --command "exec '$runnel' serve --port $port" >/dev/null
log="$dir/fbp-test.log"
set +e
./node_modules/.bin/fbp-test >"$log" 2>&1
rc=$?
set -e
cat "$log"
passed=$(sed -n 's/^ *\([0-9][0-9]*\) passing.*/\1/p' "$log" | tail -1)
failed=$(sed -n 's/^ *\([0-9][0-9]*\) failing.*/\1/p' "$log" | tail -1)
echo "fbp-test: ${passed:-0} passed, ${failed:-0} failed"
[ "$rc" -eq 0 ] && [ "${passed:-0}" -gt 0 ] && [ "${failed:-0}" -eq 0 ]
