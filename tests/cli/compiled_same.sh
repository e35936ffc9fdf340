#!/usr/bin/env bash
# compiled_same.sh RUNNEL DIR [--sort] [--stdin FILE] -- COMMAND ARGS... - the compiling tier from the
# command line gives what the interpreter gives.
#
# Runs `runnel COMMAND ARGS` three ways, with a compile cache of its own under DIR (XDG_CACHE_HOME):
#   1. interpreted (RUNNEL_COMPILE=0): the reference; nothing may appear in the cache;
#   2. `runnel COMMAND --compiled ARGS`: the same exit code, stdout and stderr, and an artifact (.so) in
#      the cache, so the module really was compiled;
#   3. RUNNEL_COMPILE=1 runnel COMMAND ARGS: the same again, the cache as it was (no second compile);
#      and with RUNNEL_CC naming no compiler it must fail for want of one: the variable alone turns the
#      compiling tier on, cache or not.
# stdout and stderr are compared with the byte offsets of backtraces masked: a compiled frame names the
# same function, but its offset is not the interpreter's (runnel/engine.h, "The compiling tier"). --sort compares stdout as a multiset of lines (a
# graph's fan-in may interleave). Prints PASS at the end.
set -euo pipefail
runnel=$1 dir=$2
shift 2
sort_out=0 stdin=/dev/null
while [ "$1" != "--" ]; do
  case $1 in
    --sort) sort_out=1; shift ;;
    --stdin) stdin=$2; shift 2 ;;
    *) echo "compiled_same.sh: unknown option $1"; exit 2 ;;
  esac
done
shift
cmd=$1
shift

rm -rf "$dir"
mkdir -p "$dir/xdg"
export XDG_CACHE_HOME="$dir/xdg"
unset RUNNEL_CC RUNNEL_COMPILE
native="$dir/xdg/runnel/native"

fail() { echo "FAIL: $*"; exit 1; }
artifacts() { find "$native" -name '*.so' 2>/dev/null | wc -l; }
# run NAME [VAR=VALUE...] -- ARGS: runnel's exit code, stdout and stderr into DIR/NAME.{rc,out,err}
run() {
  local name=$1
  shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local rc=0
  env "${envs[@]}" "$runnel" "$@" < "$stdin" > "$dir/$name.stdout" 2> "$dir/$name.raw" || rc=$?
  echo "$rc" > "$dir/$name.rc"
  sed -E 's/offset 0x[0-9a-f]+/offset 0x?/g' "$dir/$name.stdout" > "$dir/$name.out" # an actor's error message
  if [ "$sort_out" = 1 ]; then
    LC_ALL=C sort "$dir/$name.out" > "$dir/$name.sorted" && mv "$dir/$name.sorted" "$dir/$name.out"
  fi
  if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error: ' "$dir/$name.raw"; then
    cat "$dir/$name.raw"
    fail "$name: a sanitizer reported an error"
  fi
  sed -E 's/offset 0x[0-9a-f]+/offset 0x?/g' "$dir/$name.raw" > "$dir/$name.err"
}
same() {
  local name=$1
  for part in rc out err; do
    if ! cmp -s "$dir/interpreted.$part" "$dir/$name.$part"; then
      echo "--- interpreted.$part"; cat "$dir/interpreted.$part"
      echo "--- $name.$part"; cat "$dir/$name.$part"
      fail "$name: its $part differs from the interpreter's (runnel $cmd $*)"
    fi
  done
}

run interpreted RUNNEL_COMPILE=0 -- "$cmd" "$@"
[ "$(artifacts)" = 0 ] || fail "the interpreter left an artifact in the cache"
echo "interpreted: exit $(cat "$dir/interpreted.rc"), $(wc -l < "$dir/interpreted.out") lines out"

run compiled -- "$cmd" --compiled "$@"
same compiled "$@"
n=$(artifacts)
[ "$n" -ge 1 ] || fail "--compiled left no artifact in the cache $native"
stamp=$(find "$native" -name '*.so' -printf '%i %T@ %p\n' | sort)
echo "--compiled: the same, $n artifact(s) in the cache"

run env_compiled RUNNEL_COMPILE=1 -- "$cmd" "$@"
same env_compiled "$@"
[ "$(find "$native" -name '*.so' -printf '%i %T@ %p\n' | sort)" = "$stamp" ] ||
  fail "RUNNEL_COMPILE=1 compiled again what the cache held"
echo "RUNNEL_COMPILE=1: the same, from the cache"

run env_no_cc RUNNEL_COMPILE=1 RUNNEL_CC=/nonexistent/cc -- "$cmd" "$@"
[ "$(cat "$dir/env_no_cc.rc")" != 0 ] && grep -q 'C compiler' "$dir/env_no_cc.err" ||
  { cat "$dir/env_no_cc.err"; fail "RUNNEL_COMPILE=1 with no C compiler did not try to compile"; }
echo "RUNNEL_COMPILE=1 with RUNNEL_CC=/nonexistent/cc: fails for want of a compiler"
echo PASS
