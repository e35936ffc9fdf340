#!/usr/bin/env bash
# bench/run.sh - the engine benchmark in one command: build the workloads, run each on runnel, natively
# and on wabt's wasm-interp, and print a table of times and ratios.
#
# Why this shape: the same C source of each workload (bench/workloads/) is compiled by the same clang at
# the same -O2 both to wasm32 and to native code, so "runnel/native" measures the engine alone, and
# wasm-interp (a plain stack interpreter) is the reference point for an interpreter. Each time is
# wall-clock, best of 3 (the minimum is the least disturbed by other load on the machine), and includes
# process start-up and, for the engines, decoding and compiling the module, as a user would see it.
# Results are reported, never asserted: no test depends on them.
#
# usage: bench/run.sh [--quick] [WORKLOAD...]      (workloads: fib matmul sort hash; default all)
#   --quick          smaller sizes, a smoke test of the script itself (times mean little)
# environment:
#   BUILD_DIR        the CMake build directory holding `runnel` (default: build/ in the repository;
#                    configured and built there if runnel is missing)
#   RUNNEL           the runnel binary to measure (default: $BUILD_DIR/runnel)
#   RUNS             runs per measurement (default 3)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$root/build}
runs=${RUNS:-3}
quick=0
workloads=()
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    fib | matmul | sort | hash) workloads+=("$a") ;;
    *) echo "run.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#workloads[@]} -gt 0 ] || workloads=(fib matmul sort hash)

# Problem sizes (-DN=...), chosen so each takes roughly 0.2-2 s on runnel.
declare -A size=([fib]=35 [matmul]=250 [sort]=600000 [hash]=2097152)
declare -A quick_size=([fib]=20 [matmul]=40 [sort]=10000 [hash]=65536)

cc=$(command -v clang || command -v clang-14 || true)
[ -n "$cc" ] || { echo "run.sh: clang is needed (Debian: clang lld)" >&2; exit 1; }

runnel=${RUNNEL:-$build/runnel}
if [ ! -x "$runnel" ]; then
    echo "run.sh: building runnel in $build" >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target runnel_cli -j2 >/dev/null
fi
interp=$(command -v wasm-interp || true)
[ -n "$interp" ] || echo "run.sh: wasm-interp not found (Debian: wabt); its column stays empty" >&2

out=$build/bench
mkdir -p "$out"

# A Debug or sanitizer build of runnel measures the instrumentation, not the engine: say so.
if [ -z "${RUNNEL:-}" ] && [ -f "$build/CMakeCache.txt" ]; then
    btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
    san=$(sed -n 's/^RUNNEL_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")
    case "$btype:$san" in
    Release:* | RelWithDebInfo:*) ;;
    *) echo "run.sh: warning: $build is a '$btype' build; use a Release one for meaningful times" >&2 ;;
    esac
    case "$san" in
    ON | on | TRUE | 1) echo "run.sh: warning: $build has RUNNEL_SANITIZE=ON; times include ASan/UBSan" >&2 ;;
    esac
fi

# now_ns: wall clock in nanoseconds.
now_ns() { date +%s%N; }

# measure OUTFILE CMD...: runs CMD $runs times; prints the best wall time in seconds; keeps the output
# of the last run in OUTFILE. A failing command prints "fail". A run longer than 5 s is not repeated:
# its noise is small against its length, and wasm-interp would otherwise take minutes.
measure() {
    local outfile=$1 best=
    shift
    for ((i = 0; i < runs && (i == 0 || best < 5000000000); i++)); do
        local t0 t1
        t0=$(now_ns)
        if ! "$@" >"$outfile" 2>"$outfile.err"; then
            echo fail
            return
        fi
        t1=$(now_ns)
        local dt=$((t1 - t0))
        if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

# The checksum an engine printed, as an unsigned 32-bit number: runnel and the native build print i32
# signed, wasm-interp prints "run() => i32:N" unsigned.
result_of() {
    local v
    v=$(grep -oE -- '-?[0-9]+$' "$1" | tail -n 1) || true
    [ -n "$v" ] || { echo "?"; return; }
    echo $(((v + 4294967296) % 4294967296))
}

ratio() { # ratio A B: A/B with one decimal, or "-" if either is missing
    awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else printf "-" }'
}

printf 'runnel %s | native: %s | wasm-interp: %s | best of %d, wall clock, seconds\n\n' \
    "$("$runnel" --version 2>/dev/null | awk '{print $2}')" "$("$cc" --version | head -n 1)" \
    "$([ -n "$interp" ] && "$interp" --version || echo none)" "$runs"
printf '%-8s %10s %12s %9s %9s %12s %14s %19s\n' workload N result native runnel wasm-interp runnel/native \
    wasm-interp/runnel
for w in "${workloads[@]}"; do
    n=${size[$w]}
    [ $quick = 1 ] && n=${quick_size[$w]}
    src=$here/workloads/$w.c
    "$cc" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -DN="$n" -o "$out/$w.wasm" "$src"
    "$cc" -O2 -DN="$n" -o "$out/$w.native" "$src" "$here/workloads/native_main.c"

    t_native=$(measure "$out/$w.native.out" "$out/$w.native")
    t_runnel=$(measure "$out/$w.runnel.out" "$runnel" run --invoke run "$out/$w.wasm")
    t_interp=-
    [ -n "$interp" ] && t_interp=$(measure "$out/$w.interp.out" "$interp" "$out/$w.wasm" --run-all-exports)

    expect=$(result_of "$out/$w.native.out")
    got=$(result_of "$out/$w.runnel.out")
    note=
    [ "$got" = "$expect" ] || note+=" runnel result $got != native $expect;"
    if [ -n "$interp" ] && [ "$(result_of "$out/$w.interp.out")" != "$expect" ]; then
        note+=" wasm-interp result differs;"
    fi
    [ "$t_runnel" != fail ] || note+=" runnel failed: $(head -c 200 "$out/$w.runnel.out.err");"
    printf '%-8s %10s %12s %9s %9s %12s %14s %19s%s\n' "$w" "$n" "$expect" "$t_native" "$t_runnel" "$t_interp" \
        "$(ratio "$t_runnel" "$t_native")" "$(ratio "$t_interp" "$t_runnel")" "${note:+  !!$note}"
done
