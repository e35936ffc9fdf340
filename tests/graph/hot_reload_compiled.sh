#!/usr/bin/env bash
# hot_reload_compiled.sh RUNNEL GRAPH_DIR PLUGINS_DIR WORKDIR - hot_reload.sh with RUNNEL_COMPILE=1: the
# same sums and notices when every component is compiled to native code, also the ones --watch loads
# while the network runs (the network's own copy of the compile options, used from its watcher thread).
# tally.wasm and tally_renamed.wasm are compiled into the cache (WORKDIR/xdg) first; tally_x10.wasm is
# not, so the cache holds a third artifact afterwards only if the reload compiled it. Prints PASS.
set -euo pipefail
runnel=$1 graphs=$2 plugins=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
export XDG_CACHE_HOME="$work/xdg" RUNNEL_COMPILE=1
unset RUNNEL_CC
native="$XDG_CACHE_HOME/runnel/native"
artifacts() { find "$native" -name '*.so' | wc -l; }
"$runnel" compile "$plugins/tally.wasm" > /dev/null
"$runnel" compile "$plugins/tally_renamed.wasm" > /dev/null
[ "$(artifacts)" = 2 ] || { echo "FAIL: $(artifacts) artifacts after compiling two modules"; exit 1; }
RELOAD_WAIT_S=180 bash "$(dirname "$0")/hot_reload.sh" "$runnel" "$graphs" "$plugins" "$work/run"
[ "$(artifacts)" = 3 ] || { echo "FAIL: the reload compiled nothing ($(artifacts) artifacts)"; exit 1; }
echo "the reload compiled tally_x10.wasm: 3 artifacts"
echo PASS
