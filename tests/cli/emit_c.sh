#!/usr/bin/env bash
# emit_c.sh RUNNEL MODULE DIR - `runnel compile --emit-c` writes the C translation, to -o FILE or stdout
# (the same text), and it compiles as it is with `cc -c -fPIC`. Exits 77 (skipped) when there is no cc.
set -euo pipefail
runnel=$1 module=$2 dir=$3
command -v cc > /dev/null || { echo "no cc: skipped"; exit 77; }
rm -rf "$dir"
mkdir -p "$dir"
export XDG_CACHE_HOME="$dir/xdg"
unset RUNNEL_CC RUNNEL_COMPILE
fail() { echo "FAIL: $*"; exit 1; }
"$runnel" compile --emit-c "$module" -o "$dir/m.c"
"$runnel" compile --emit-c "$module" > "$dir/stdout.c"
[ -s "$dir/m.c" ] && cmp -s "$dir/m.c" "$dir/stdout.c" || fail "--emit-c -o and --emit-c to stdout differ"
cc -c -fPIC "$dir/m.c" -o "$dir/m.o" || fail "the C translation does not compile with cc -c -fPIC"
[ -s "$dir/m.o" ] || fail "cc made no object"
[ ! -e "$XDG_CACHE_HOME/runnel" ] || fail "--emit-c wrote into the cache"
echo "--emit-c: $(wc -l < "$dir/m.c") lines of C, compiled by cc -c -fPIC"
echo PASS
