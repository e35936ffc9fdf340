#!/usr/bin/env bash
# compile_cache.sh RUNNEL MODULE DIR - `runnel compile` into the compile cache ($XDG_CACHE_HOME, here
# DIR/xdg): one artifact, its path printed; a second compile (and `run --compiled`) finds it and builds
# nothing (the file keeps its inode and times: the engine writes an artifact by renaming a new file over
# it); other flags are another artifact; --no-cache leaves the cache as it is; a compiler that cannot be
# found fails clearly; the limits on the compiler (--cc-seconds, --cc-memory-mb, RUNNEL_CC_SECONDS,
# RUNNEL_CC_MEMORY_MB) reach its process. MODULE exports fib (examples/fib.c). Prints PASS at the end.
set -euo pipefail
runnel=$1 module=$2 dir=$3
rm -rf "$dir"
mkdir -p "$dir"
export XDG_CACHE_HOME="$dir/xdg"
unset RUNNEL_CC RUNNEL_COMPILE RUNNEL_CC_SECONDS RUNNEL_CC_MEMORY_MB
native="$XDG_CACHE_HOME/runnel/native"
fail() { echo "FAIL: $*"; exit 1; }
entries() { find "$native" -mindepth 1 | wc -l; }
stamp() { stat -c '%i %y %z' "$1"; }

path=$("$runnel" compile "$module")
[ "$(dirname "$path")" = "$native" ] || fail "the artifact $path is not in the cache $native"
case $path in *.so) ;; *) fail "the artifact $path is not a .so" ;; esac
[ -f "$path" ] || fail "$path does not exist"
[ "$(entries)" = 1 ] || { find "$native"; fail "the cache holds more than the one artifact"; }
first=$(stamp "$path")
echo "compiled into the cache: $path"

again=$("$runnel" compile "$module" 2> "$dir/again.err")
[ "$again" = "$path" ] || fail "the second compile printed $again, not $path"
[ "$(stamp "$path")" = "$first" ] || fail "the second compile built the artifact again"
[ "$(entries)" = 1 ] || fail "the second compile added to the cache"
[ ! -s "$dir/again.err" ] || { cat "$dir/again.err"; fail "the second compile wrote to stderr (not a terminal)"; }
echo "compiled again: nothing built, the same file"

out=$("$runnel" run --compiled --invoke fib "$module" 20)
[ "$out" = 6765 ] || fail "run --compiled gave $out"
[ "$(stamp "$path")" = "$first" ] && [ "$(entries)" = 1 ] || fail "run --compiled did not use the cached artifact"
echo "run --compiled: from the cache"

other=$("$runnel" compile --cflags -O1 --jobs 1 "$module")
[ "$other" != "$path" ] && [ -f "$other" ] && [ "$(entries)" = 2 ] ||
  fail "--cflags -O1 did not make a second artifact ($other)"
echo "--cflags -O1: a second artifact"

nocache=$("$runnel" compile --no-cache "$module")
[ -z "$nocache" ] && [ "$(entries)" = 2 ] || fail "--no-cache printed '$nocache' or touched the cache"
echo "--no-cache: compiled, nothing kept"

rc=0
"$runnel" compile --cc /nonexistent/cc "$module" > "$dir/nocc.out" 2> "$dir/nocc.err" || rc=$?
[ "$rc" = 1 ] && grep -q 'cannot find the C compiler "/nonexistent/cc"' "$dir/nocc.err" ||
  { cat "$dir/nocc.err"; fail "--cc /nonexistent/cc: exit $rc"; }
[ ! -s "$dir/nocc.out" ] || fail "--cc /nonexistent/cc printed a path"
echo "--cc /nonexistent/cc: fails, exit 1"

# A "compiler" that tells the limits it runs under, as ulimit sees them (-v in KiB), and fails.
teller="$dir/teller.sh"
printf '#!/bin/sh\necho "cpu $(ulimit -t) memory $(ulimit -v)" >&2\nexit 1\n' > "$teller"
chmod +x "$teller"
limits() { # EXPECTED ARGS...: the compile fails, exit 1, and the teller saw EXPECTED
  local rc=0
  "$@" > "$dir/limits.out" 2> "$dir/limits.err" || rc=$?
  [ "$rc" = 1 ] && grep -q "$expected" "$dir/limits.err" || { cat "$dir/limits.err"; fail "$*: exit $rc, not '$expected'"; }
}
expected="cpu 600 memory 4194304" limits "$runnel" compile --cc "$teller" --no-cache "$module"
expected="cpu 7 memory 307200" limits "$runnel" compile --cc "$teller" --cc-seconds 7 --cc-memory-mb 300 --no-cache "$module"
expected="cpu 9 memory 524288" limits env RUNNEL_CC="$teller" RUNNEL_CC_SECONDS=9 RUNNEL_CC_MEMORY_MB=512 \
  "$runnel" run --compiled --invoke fib "$module" 5
expected="cpu 11 memory 524288" limits env RUNNEL_CC_SECONDS=9 RUNNEL_CC_MEMORY_MB=512 \
  "$runnel" compile --cc "$teller" --cc-seconds 11 --no-cache "$module"
echo "the compiler's limits: defaults, options, environment (run --compiled), options over environment"
for bad in "--cc-seconds 0" "--cc-seconds x" "--cc-memory-mb 99999999999"; do
  rc=0
  # shellcheck disable=SC2086 # the option and its value are two words
  "$runnel" compile $bad "$module" > /dev/null 2> "$dir/bad.err" || rc=$?
  [ "$rc" = 2 ] && grep -q "wants an integer" "$dir/bad.err" || { cat "$dir/bad.err"; fail "$bad: exit $rc"; }
done
rc=0
RUNNEL_CC_SECONDS=-1 "$runnel" run --compiled --invoke fib "$module" 5 > /dev/null 2> "$dir/bad.err" || rc=$?
[ "$rc" = 2 ] && grep -q "RUNNEL_CC_SECONDS must be an integer" "$dir/bad.err" ||
  { cat "$dir/bad.err"; fail "RUNNEL_CC_SECONDS=-1: exit $rc"; }
echo "wrong limits: exit 2"
echo PASS
