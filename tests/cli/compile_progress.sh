#!/usr/bin/env bash
# compile_progress.sh RUNNEL MODULE DIR - the progress line of a compile that takes a while: shown on a
# terminal, by `runnel compile` and by every command that compiles (here run --compiled), redrawn with
# \r and erased at the end; never shown when stderr is not a terminal, nor for a quick compile. A C
# compiler that sleeps 1.2 s before each step (DIR/slowcc) makes the compile slow on any machine; the
# terminal is a pty made by script(1). MODULE exports fib. Exits 77 (skipped) without script(1).
set -euo pipefail
runnel=$1 module=$2 dir=$3
command -v script > /dev/null || { echo "no script(1): skipped"; exit 77; }
rm -rf "$dir"
mkdir -p "$dir"
export XDG_CACHE_HOME="$dir/xdg"
unset RUNNEL_CC RUNNEL_COMPILE
fail() { echo "FAIL: $*"; exit 1; }
printf '#!/bin/sh\nsleep 1.2\nexec cc "$@"\n' > "$dir/slowcc"
chmod +x "$dir/slowcc"
line="runnel: compiling $module: 1 of 2 units done"
erase=$(printf '\r\033[K')

# not a terminal: nothing on stderr, however long it takes
"$runnel" compile --no-cache --cc "$dir/slowcc" "$module" 2> "$dir/pipe.err"
[ ! -s "$dir/pipe.err" ] || { cat -v "$dir/pipe.err"; fail "a progress line on stderr that is not a terminal"; }
echo "not a terminal: nothing"

# on a terminal: the line, then erased
on_tty() { # on_tty NAME COMMAND...: the command in a pty, what it wrote into DIR/NAME.tty
  local name=$1
  shift
  local q
  printf -v q '%q ' "$@"
  script -qec "$q" "$dir/$name.tty" < /dev/null > /dev/null
}
on_tty compile "$runnel" compile --no-cache --cc "$dir/slowcc" "$module"
grep -qF "$line" "$dir/compile.tty" || { cat -v "$dir/compile.tty"; fail "runnel compile showed no progress line"; }
grep -qF "$line$(printf '\033[K')$erase" "$dir/compile.tty" || { cat -v "$dir/compile.tty"; fail "the line was not erased"; }
echo "runnel compile on a terminal: '$line', erased"

on_tty run env RUNNEL_CC="$dir/slowcc" "$runnel" run --compiled --invoke fib "$module" 10
grep -qF "$line$(printf '\033[K')${erase}55" "$dir/run.tty" ||
  { cat -v "$dir/run.tty"; fail "run --compiled: no progress line before the result"; }
echo "run --compiled on a terminal: the line, erased, then the result"

# a quick compile (from the cache now) shows nothing, on a terminal too
on_tty cached env RUNNEL_CC="$dir/slowcc" "$runnel" run --compiled --invoke fib "$module" 10
! grep -q "compiling" "$dir/cached.tty" || { cat -v "$dir/cached.tty"; fail "a progress line for a cached module"; }
echo "from the cache: nothing"
echo PASS
