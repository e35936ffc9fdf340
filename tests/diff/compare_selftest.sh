#!/usr/bin/env bash
# compare_selftest.sh - compare.mjs tells a real difference from the ones it must allow (tests/diff).
#
#   bash compare_selftest.sh WORKDIR
#
# Each case is a runnel output and a V8 output of one call; the case says whether compare.mjs must
# find them in agreement (exit 0) or not (exit 1). Exit 77 (skipped) without node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: compare_selftest.sh WORKDIR}
command -v node >/dev/null || { echo "compare_selftest: skipped: no node" >&2; exit 77; }
mkdir -p "$work"
failures=0

# check NAME WANT RUNNEL_BLOCK V8_BLOCK: the blocks follow a common module header
check() {
    local name=$1 want=$2
    printf 'module m.wasm\ninstantiate ok\n%b\n' "$3" > "$work/a.txt"
    printf 'module m.wasm\ninstantiate ok\n%b\n' "$4" > "$work/b.txt"
    local rc=0
    node "$here/compare.mjs" "$work/a.txt" "$work/b.txt" > "$work/out.txt" || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: compare.mjs exited $rc, want $want"; cat "$work/out.txt"; failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
}

call='call f #0 i32:00000001'
check same 0 "$call\nresult ok i32:00000002\nmemory memory 1" "$call\nresult ok i32:00000002\nmemory memory 1"
check result 1 "$call\nresult ok i32:00000002" "$call\nresult ok i32:00000003"
check trap_kind 1 "$call\nresult trap memory_oob" "$call\nresult trap table_oob"
check trap_or_not 1 "$call\nresult trap unreachable" "$call\nresult ok"
check log 1 "$call\nlog f64:3ff0000000000000\nresult ok" "$call\nlog f64:4000000000000000\nresult ok"
check log_missing 1 "$call\nlog i32:00000001\nresult ok" "$call\nresult ok"
check global 1 "$call\nresult ok\nglobal g i64:0000000000000001" "$call\nresult ok\nglobal g i64:0000000000000002"
check missing_call 1 "$call\nresult ok" "call g #0\nresult ok"
check header 1 "skip h" "skip k"
# exhausted call stacks (or fuel) are counted, not compared
check exhausted 0 "$call\nresult exhausted stack" "$call\nlog i32:00000005\nresult ok"
# v128: NaN lanes may differ in payload (as f32x4 or f64x2), nothing else
check v128_nan_f32 0 "$call\nlog v128:7fc000003f8000007fa000010000000a" \
                     "$call\nlog v128:ffc000003f8000007fc000000000000a"
check v128_nan_f64 0 "$call\nlog v128:7ff80000000000017ff8000000000000" \
                     "$call\nlog v128:fff80000000000007ff8000000000000"
check v128_lane 1 "$call\nlog v128:7fc000003f8000007fa000010000000a" \
                  "$call\nlog v128:7fc000003f8000017fa000010000000a"
check v128_nan_vs_number 1 "$call\nlog v128:7fc00000000000000000000000000000" \
                           "$call\nlog v128:3f800000000000000000000000000000"
# memory: bytes may differ only inside an f32 or f64 that is a NaN on both sides
check memory_same 0 "$call\nresult ok\nmemory memory 1\nmem 00000010 00000000000000000000000000000001" \
                    "$call\nresult ok\nmemory memory 1\nmem 00000010 00000000000000000000000000000001"
check memory_byte 1 "$call\nresult ok\nmemory memory 1\nmem 00000010 00000000000000000000000000000001" \
                    "$call\nresult ok\nmemory memory 1\nmem 00000010 00000000000000000000000000000002"
check memory_row_missing 1 "$call\nresult ok\nmemory memory 1\nmem 00000010 00000000000000000000000000000001" \
                           "$call\nresult ok\nmemory memory 1"
# the f32 0xffff8339 at 0x12 against the canonical 0xffc00000 (seen in practice: f32.max of a NaN)
check memory_nan32 0 "$call\nresult ok\nmemory memory 1\nmem 00000010 87533983ffff8d645bf3f76c35e0b769" \
                     "$call\nresult ok\nmemory memory 1\nmem 00000010 87530000c0ff8d645bf3f76c35e0b769"
# an f64 NaN across two rows
check memory_nan64 0 "$call\nresult ok\nmemory memory 1\nmem 00000000 000000000000000000000000010000f8\nmem 00000010 ff7f0000000000000000000000000000" \
                     "$call\nresult ok\nmemory memory 1\nmem 00000000 000000000000000000000000000000f8\nmem 00000010 ff7f0000000000000000000000000000"
check memory_number_vs_nan 1 "$call\nresult ok\nmemory memory 1\nmem 00000010 0000c07f000000000000000000000000" \
                             "$call\nresult ok\nmemory memory 1\nmem 00000010 0000807f000000000000000000000000"

[ $failures = 0 ] || { echo "compare_selftest: $failures cases failed"; exit 1; }
echo "compare_selftest: all cases as expected"
