#!/usr/bin/env bash
# hot_reload.sh RUNNEL GRAPH_DIR PLUGINS_DIR WORKDIR - `runnel run --watch` replaces a component whose
# .wasm changes, between two messages, keeping the node's state; a replacement that no longer has the
# ports the graph uses is refused and the old version keeps running.
#
# graphs/reload.fbp runs acc.wasm; acc.wasm starts as tally (adds x), becomes tally_x10 (adds 10x),
# then tally_renamed (in-port renamed: refused). Inputs 1, 2, 3 must give the sums 1, 21, 51: the sum
# carried over the reload, the new code used for 2, and still used for 3 after the refusal.
set -euo pipefail
runnel=$1 graphs=$2 plugins=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
cp "$graphs/reload.fbp" "$work/reload.fbp"
cp "$plugins/tally.wasm" "$work/acc.wasm"
mkfifo "$work/in"
"$runnel" run --watch --quiet "$work/reload.fbp" < "$work/in" > "$work/out" 2> "$work/err" &
pid=$!
exec 3> "$work/in"
trap 'exec 3>&- 2>/dev/null || true; kill "$pid" 2>/dev/null || true' EXIT

wait_for() { # FILE PATTERN: up to 20 s (RELOAD_WAIT_S: more, for a reload that compiles)
  for _ in $(seq $((${RELOAD_WAIT_S:-20} * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "FAIL: no '$2' in $1:"; cat "$1"; echo "--- stderr:"; cat "$work/err"; exit 1
}
replace() { # an atomic replacement, as a build or a deploy would do it
  cp "$1" "$work/acc.wasm.new" && mv "$work/acc.wasm.new" "$work/acc.wasm"
}

echo '{"port":"in","message":1}' >&3
wait_for "$work/out" '"data":1}'
replace "$plugins/tally_x10.wasm"
wait_for "$work/err" 'reloaded .*acc.wasm (1 node)'
echo '{"port":"in","message":2}' >&3
wait_for "$work/out" '"data":21}'
replace "$plugins/tally_renamed.wasm"
wait_for "$work/err" 'reload of .*acc.wasm refused, the old version keeps running: it has no in-port value'
echo '{"port":"in","message":3}' >&3
wait_for "$work/out" '"data":51}'
exec 3>&-
trap - EXIT
wait "$pid"
echo "outputs:"; cat "$work/out"; echo "notices:"; cat "$work/err"
