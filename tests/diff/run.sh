#!/usr/bin/env bash
# run.sh - differential testing of runnel's engine against V8 (Node.js) on modules made by binaryen's
# `wasm-opt -ttf` (translate-to-fuzz) from random bytes. docs/testing.md describes it.
#
#   tests/diff/run.sh [--modules N] [--seed S|random] [--first I] [--arg-sets K] [--runner PATH]
#                     [--work DIR] [--keep] [--denan]
#
#   --modules N    how many modules (default 40)
#   --seed S       the seed of the random inputs (default 1); "random" picks one and prints it
#   --first I      the index of the first module (default 0): --seed S --first I --modules 1 makes
#                  module I of a long run again, alone
#   --arg-sets K   calls of each export, each with its own arguments (default 3)
#   --runner PATH  the diff_runnel program (default: build/tests/diff/diff_runnel)
#   --work DIR     where the modules and both outputs go (default: a temporary directory, removed
#                  unless --keep or a disagreement)
#   --denan        also run binaryen's DeNaN pass (NaNs become 0 at run time): for runs that must not
#                  stop on a NaN payload read back as integer bits (f32x4 lanes through
#                  i16x8.extract_lane, say), which compare.mjs cannot tell from a real difference; it
#                  also hides NaN handling from the comparison, so the default keeps NaNs
#
# Steps: gen.mjs writes the random inputs; wasm-opt -ttf turns each into a module using Wasm 2.0's
# features (reference types excepted: binaryen 108 then emits typed function references, which are
# not Wasm 2.0); diff_runnel (runnel) and diff_v8.mjs (V8) call every export on fresh instances and
# print canonical text; compare.mjs compares, prints every disagreement and the counts.
# Exit status: 0 all agree, 1 a disagreement, 2 usage, 77 node or wasm-opt missing (ctest: skipped).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
modules=40 seed=1 first=0 arg_sets=3 runner= work= keep=0 denan=()
while [ $# -gt 0 ]; do
    case "$1" in
    --modules) modules=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --first) first=$2; shift 2 ;;
    --arg-sets) arg_sets=$2; shift 2 ;;
    --runner) runner=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --denan) denan=(--denan); shift ;;
    *) echo "run.sh: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
    esac
done
if [ "$seed" = random ]; then
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fi
for n in "$modules" "$seed" "$first" "$arg_sets"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "run.sh: '$n' is not a non-negative integer" >&2; exit 2; }
done
[ -n "$runner" ] || runner="$here/../../build/tests/diff/diff_runnel"
[ -x "$runner" ] || { echo "run.sh: no diff_runnel at $runner (build the target diff_runnel, or give --runner)" >&2; exit 2; }

node=$(command -v node || true)
wasm_opt=$(command -v wasm-opt || true)
if [ -z "$node" ] || [ -z "$wasm_opt" ]; then
    echo "run.sh: skipped: needs node (Debian: nodejs) and wasm-opt (Debian: binaryen)" >&2
    exit 77
fi

if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/runnel-diff.XXXXXX")
else
    mkdir -p "$work"
fi
mkdir -p "$work/in" "$work/wasm"
echo "run.sh: seed $seed, modules $first..$((first + modules - 1)), $arg_sets argument sets${denan:+, DeNaN}, in $work"
start=$(date +%s)

"$node" "$here/gen.mjs" "$seed" "$first" "$modules" "$work/in"
features=(--enable-simd --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
          --enable-multivalue --enable-mutable-globals)
wasms=()
for ((i = first; i < first + modules; i++)); do
    out="$work/wasm/$seed-$i.wasm"
    if "$wasm_opt" "$work/in/$seed-$i.bin" -ttf "${features[@]}" "${denan[@]}" -o "$out" 2> "$work/wasm/$seed-$i.err"; then
        wasms+=("$out")
    else
        echo "run.sh: wasm-opt failed on input $seed-$i (skipped): $(head -c 300 "$work/wasm/$seed-$i.err")" >&2
    fi
done

# Both engines at once (two processes: the machine's two cores).
"$runner" --arg-sets "$arg_sets" "${wasms[@]}" > "$work/runnel.txt" 2> "$work/runnel.err" &
runnel_pid=$!
"$node" "$here/diff_v8.mjs" --arg-sets "$arg_sets" "${wasms[@]}" > "$work/v8.txt" 2> "$work/v8.err" || {
    echo "run.sh: diff_v8.mjs failed:" >&2; cat "$work/v8.err" >&2; wait "$runnel_pid" || true; exit 1; }
wait "$runnel_pid" || { echo "run.sh: diff_runnel failed:" >&2; cat "$work/runnel.err" >&2; exit 1; }

rc=0
"$node" "$here/compare.mjs" "$work/runnel.txt" "$work/v8.txt" || rc=$?
echo "run.sh: ${#wasms[@]} modules from seed $seed in $(($(date +%s) - start)) s"
if [ $rc -ne 0 ]; then
    echo "run.sh: outputs kept in $work (runnel.txt, v8.txt, wasm/); one module again: $0 --seed $seed --first I --modules 1 ${denan[*]}" >&2
elif [ $keep = 0 ]; then
    rm -rf "$work"
fi
exit $rc
