#!/usr/bin/env bash
# run.sh - differential testing of runnel's engine against V8 (Node.js) on modules made by binaryen's
# `wasm-opt -ttf` (translate-to-fuzz) from random bytes. docs/testing.md describes it.
#
#   tests/diff/run.sh [--modules N] [--seed S|random] [--first I] [--arg-sets K] [--runner PATH]
#                     [--work DIR] [--keep] [--denan] [--tiers [--bounds checked|guarded]]
#
#   --modules N    how many modules (default 40)
#   --seed S       the seed of the random inputs (default 1); "random" picks one and prints it
#   --first I      the index of the first module (default 0): --seed S --first I --modules 1 makes
#                  module I of a long run again, alone
#   --arg-sets K   calls of each export, each with its own arguments (default 3)
#   --runner PATH  the diff_runnel program (default: build/tests/diff/diff_runnel)
#   --work DIR     where the modules and both outputs go (default: a temporary directory, removed
#                  unless --keep or a disagreement)
#   --tiers        compare runnel's compiling tier with its interpreter instead of runnel with V8:
#                  diff_runnel --tiers runs every module both ways (runnel_module_compile, its cache in
#                  WORK/cache) and compares bit for bit: results and logged values with NaN payloads,
#                  trap kinds and the function index of every frame, fuel left (later argument sets
#                  start with a few units of fuel, so calls suspend and are resumed), memory 0 and
#                  every exported memory and global. Only calls that exhaust the stack on either side
#                  go uncompared. Needs node (gen.mjs) and wasm-opt, a C compiler; not V8
#   --bounds B     with --tiers: how compiled code bounds memory accesses, "checked" (compares; the
#                  default) or "guarded" (guard pages and the fault handler, as the runnel command runs it)
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
modules=40 seed=1 first=0 arg_sets=3 runner= work= keep=0 denan=() tiers=0 bounds=checked
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
    --tiers) tiers=1; shift ;;
    --bounds) bounds=${2:-}; shift 2 ;;
    *) echo "run.sh: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
    esac
done
case "$bounds" in checked | guarded) ;; *) echo "run.sh: --bounds takes checked or guarded" >&2; exit 2 ;; esac
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

if [ $tiers = 1 ] && ! command -v "${RUNNEL_CC:-cc}" > /dev/null; then
    echo "run.sh: skipped: --tiers needs a C compiler (${RUNNEL_CC:-cc})" >&2
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

if [ $tiers = 1 ]; then
    # Two processes (the machine's two cores), each on half of the modules, with one compile cache.
    half=$(( (${#wasms[@]} + 1) / 2 ))
    rc=0
    "$runner" --tiers --cache "$work/cache" --bounds "$bounds" --arg-sets "$arg_sets" "${wasms[@]:0:$half}" > "$work/tiers-a.txt" 2> "$work/tiers-a.err" &
    pid_a=$!
    if [ ${#wasms[@]} -gt "$half" ]; then
        "$runner" --tiers --cache "$work/cache" --bounds "$bounds" --arg-sets "$arg_sets" "${wasms[@]:$half}" > "$work/tiers-b.txt" 2> "$work/tiers-b.err" || rc=$?
    else
        : > "$work/tiers-b.txt"
    fi
    wait "$pid_a" || { r=$?; [ $rc -ne 0 ] || rc=$r; }
    grep -h -A100000 -m1 '^DISAGREEMENT' "$work/tiers-a.txt" "$work/tiers-b.txt" | grep -v '^tiers: ' || true
    # the two halves' figures, summed (the line's numbers, position by position)
    grep -h '^tiers: ' "$work/tiers-a.txt" "$work/tiers-b.txt" | awk '
        { n = 0; line = $0; out = "";
          while (match(line, /[0-9]+(\.[0-9]+)?/)) { n++; v[n] += substr(line, RSTART, RLENGTH);
              pre[n] = substr(line, 1, RSTART - 1); line = substr(line, RSTART + RLENGTH) }
          rest = line; count = n; runs++ }
        END { if (runs == 0) exit 1; for (i = 1; i <= count; i++) out = out pre[i] v[i]; print out rest }' ||
        { echo "run.sh: diff_runnel --tiers printed no figures:" >&2; cat "$work"/tiers-*.err >&2; rc=2; }
    [ $rc -le 1 ] || { echo "run.sh: diff_runnel --tiers failed ($rc):" >&2; cat "$work"/tiers-*.err >&2; }
    echo "run.sh: ${#wasms[@]} modules from seed $seed, compiled ($bounds) against interpreted, in $(($(date +%s) - start)) s"
    if [ $rc -ne 0 ]; then
        echo "run.sh: outputs kept in $work (tiers-*.txt, wasm/); one module again: $0 --tiers --bounds $bounds --seed $seed --first I --modules 1" >&2
        exit 1
    elif [ $keep = 0 ]; then
        rm -rf "$work"
    fi
    exit 0
fi

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
