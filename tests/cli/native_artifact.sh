#!/usr/bin/env bash
# native_artifact.sh RUNNEL FIB CALC DIR - ahead of time: `runnel compile M -o FILE` writes an artifact
# (and leaves the compile cache alone), `runnel run --native FILE ... M` runs it and gives what the
# interpreter gives; an artifact of another module is refused before anything of it is loaded, with a
# clear error and exit 1. FIB exports fib and fib_iter, CALC hypot (examples/fib.c, calc.c). Prints
# PASS at the end.
set -euo pipefail
runnel=$1 fib=$2 calc=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir"
export XDG_CACHE_HOME="$dir/xdg"
unset RUNNEL_CC RUNNEL_COMPILE
fail() { echo "FAIL: $*"; exit 1; }

out=$("$runnel" compile "$fib" -o "$dir/fib.so")
[ -z "$out" ] && [ -f "$dir/fib.so" ] || fail "compile -o printed '$out' or wrote no $dir/fib.so"
"$runnel" compile --output="$dir/calc.so" "$calc"
[ -f "$dir/calc.so" ] || fail "compile --output= wrote no $dir/calc.so"
[ ! -e "$XDG_CACHE_HOME/runnel" ] || fail "compile -o wrote into the cache"
echo "compile -o: the artifacts, the cache untouched"

check() { # check MODULE ARTIFACT FUNC ARGS...: --native gives the interpreter's output and exit code
  local module=$1 artifact=$2 func=$3
  shift 3
  local want got rc=0 want_rc=0
  want=$("$runnel" run --invoke "$func" "$module" "$@" 2>&1) || want_rc=$?
  got=$("$runnel" run --native "$artifact" --invoke "$func" "$module" "$@" 2>&1) || rc=$?
  [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ] ||
    fail "run --native $artifact $func $*: '$got' (exit $rc), the interpreter '$want' (exit $want_rc)"
  echo "run --native $(basename "$artifact") $func $*: $got"
}
check "$fib" "$dir/fib.so" fib 25
check "$fib" "$dir/fib.so" fib_iter 46
check "$calc" "$dir/calc.so" hypot 3 4
check "$calc" "$dir/calc.so" average 1 2 3.5 4.5
check "$calc" "$dir/calc.so" add -1 0xffffffff
[ ! -e "$XDG_CACHE_HOME/runnel" ] || fail "run --native wrote into the cache"

rc=0
"$runnel" run --native "$dir/fib.so" --invoke hypot "$calc" 3 4 > "$dir/wrong.out" 2> "$dir/wrong.err" || rc=$?
[ "$rc" = 1 ] || fail "--native with another module's artifact: exit $rc"
[ ! -s "$dir/wrong.out" ] || fail "--native with another module's artifact printed a result"
grep -q "calc.wasm: --native: $dir/fib.so: not an artifact of this module" "$dir/wrong.err" ||
  { cat "$dir/wrong.err"; fail "--native with another module's artifact: not the expected error"; }
echo "run --native with fib's artifact on calc.wasm: $(cat "$dir/wrong.err")"

rc=0
"$runnel" run --native "$dir/nothing.so" --invoke fib "$fib" 3 2> "$dir/missing.err" || rc=$?
[ "$rc" = 1 ] && grep -q "nothing.so" "$dir/missing.err" || fail "--native with no such file: exit $rc"
echo PASS
