#!/usr/bin/env bash
# bench/run.sh - the engine benchmark in one command: build the workloads, run each on runnel (the
# interpreter and the compiling tier), natively, on Node.js's WebAssembly (V8) and on wabt's wasm-interp,
# and print a table of times and ratios, then one of the compiling tier's compile times.
#
# Why this shape: the same C source of each workload (bench/workloads/) is compiled by the same clang at
# the same -O2 both to wasm32 and to native code, so "runnel/native" and "compiled/native" measure the
# engine alone; V8 (via bench/node_run.mjs) is the reference point for a JIT and wasm-interp (a plain
# stack interpreter) the one for an interpreter. Each time is wall-clock, best of 3 (the minimum is the
# least disturbed by other load on the machine), and includes process start-up and, for the engines,
# decoding and compiling the module, as a user would see it; the "v8" column is Node's own time without
# its start-up (instantiate + call, measured inside the process by node_run.mjs). The compiled tier is
# timed with a warm cache (its artifact built once before, by a first run whose time is the second
# table's "cold run"), as a module is run after its first time, and measured twice: as the command's wall
# time ("compiled") and, like V8's column, inside the process without its start-up ("comp-in": loading
# the cached artifact, instantiating and the call, by bench_engine_run, bench/engine_run.c). The
# compiled/v8 ratio compares those two, like with like. runnel runs compiled code with guard pages (as
# the runnel command does; RUNNEL_GUARD_PAGES=0 in the environment: with a compare per access).
# Results are reported, never asserted: no test depends on them.
#
# usage: bench/run.sh [--quick] [WORKLOAD...]   (workloads: fib matmul sort hash coremix json; default all)
#   --quick          smaller sizes, a smoke test of the script itself (times mean little)
# environment:
#   BUILD_DIR        the CMake build directory holding `runnel` (default: build/ in the repository;
#                    configured and built there if runnel is missing)
#   RUNNEL           the runnel binary to measure (default: $BUILD_DIR/runnel)
#   RUNS             runs per measurement (default 3)
#   COMPILED         the command of the "compiled" column, the module's path appended; it must print
#                    run()'s result as the last number of its output (default: $RUNNEL run --compiled
#                    --invoke run). Its compile cache is $BUILD_DIR/bench/cache (XDG_CACHE_HOME), emptied
#                    before each workload's cold run. RUNNEL_CC and the cc it names apply as usual.
#   ENGINE_RUN       bench_engine_run, for "comp-in" (default: $BUILD_DIR/bench/bench_engine_run, built
#                    there if missing; the column stays empty if it cannot be)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$root/build}
mkdir -p "$build" && build=$(cd "$build" && pwd) # absolute: XDG_CACHE_HOME below must be (XDG spec)
runs=${RUNS:-3}
quick=0
workloads=()
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    fib | matmul | sort | hash | coremix | json) workloads+=("$a") ;;
    *) echo "run.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#workloads[@]} -gt 0 ] || workloads=(fib matmul sort hash coremix json)

# Problem sizes (-DN=...), chosen so each takes roughly 0.2-2 s on runnel. (coremix: rounds of the mix;
# json: encode/parse passes over a 64-record document.)
declare -A size=([fib]=35 [matmul]=250 [sort]=600000 [hash]=2097152 [coremix]=2000 [json]=800)
declare -A quick_size=([fib]=20 [matmul]=40 [sort]=10000 [hash]=65536 [coremix]=20 [json]=10)

cc=$(command -v clang || command -v clang-14 || true)
[ -n "$cc" ] || { echo "run.sh: clang is needed (Debian: clang lld)" >&2; exit 1; }

runnel=${RUNNEL:-$build/runnel}
if [ ! -x "$runnel" ]; then
    echo "run.sh: building runnel in $build" >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target runnel_cli -j2 >/dev/null
fi
engine_run=${ENGINE_RUN:-$build/bench/bench_engine_run}
if [ ! -x "$engine_run" ] && [ -z "${ENGINE_RUN:-}" ] && [ -f "$build/CMakeCache.txt" ]; then
    cmake --build "$build" --target bench_engine_run -j2 >/dev/null 2>&1 || true
fi
[ -x "$engine_run" ] || echo "run.sh: no bench_engine_run ($engine_run); the comp-in column stays empty" >&2
interp=$(command -v wasm-interp || true)
[ -n "$interp" ] || echo "run.sh: wasm-interp not found (Debian: wabt); its column stays empty" >&2
node=$(command -v node || true)
[ -n "$node" ] || echo "run.sh: node not found (Debian: nodejs); its column stays empty" >&2
compiled=()
if [ -n "${COMPILED:-}" ]; then
    read -ra compiled <<<"$COMPILED"
elif [[ $("$runnel" run --help 2>&1 || true) == *--compiled* ]]; then
    compiled=("$runnel" run --compiled --invoke run)
else
    echo "run.sh: $runnel has no run --compiled (set COMPILED); the compiled column stays empty" >&2
fi

out=$build/bench
cache=$out/cache
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
# of the last run in OUTFILE and the standard error of every run in OUTFILE.errs. A failing command
# prints "fail". A run longer than 5 s is not repeated: its noise is small against its length, and
# wasm-interp would otherwise take minutes.
measure() {
    local outfile=$1 best=
    shift
    : >"$outfile.errs"
    for ((i = 0; i < runs && (i == 0 || best < 5000000000); i++)); do
        local t0 t1
        t0=$(now_ns)
        if ! "$@" >"$outfile" 2>"$outfile.err"; then
            echo fail
            return
        fi
        t1=$(now_ns)
        cat "$outfile.err" >>"$outfile.errs"
        local dt=$((t1 - t0))
        if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

# The checksum an engine printed, as an unsigned 32-bit number: runnel, node and the native build print
# i32 signed, wasm-interp prints "run() => i32:N" unsigned.
result_of() {
    local v
    v=$(grep -oE -- '-?[0-9]+$' "$1" | tail -n 1) || true
    [ -n "$v" ] || { echo "?"; return; }
    echo $(((v + 4294967296) % 4294967296))
}

ratio() { # ratio A B: A/B with one decimal (two below 1), or "-" if either is missing
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a + 0 > 0 && b + 0 > 0) printf(a / b < 1 ? "%.2fx" : "%.1fx", a / b); else printf "-" }'
}

# V8's own time in a node run, without Node's start-up: the best of node_run.mjs's in-process
# "v8_compile" (instantiate) + "v8_run" (the call) over the runs.
v8_time() {
    awk '/^v8_compile / { c = $2 } /^v8_run / { t = c + $2; if (best == "" || t < best) best = t }
         END { if (best == "") print "-"; else printf "%.3f", best }' "$1"
}

# runnel's own time in a bench_engine_run run, without the process's start-up: the best of
# "runnel_load" + "runnel_run" over the runs (as v8_time).
engine_time() {
    awk '/^runnel_load / { c = $2 } /^runnel_run / { t = c + $2; if (best == "" || t < best) best = t }
         END { if (best == "") print "-"; else printf "%.3f", best }' "$1"
}

# The header says where each number comes from; X/native and X/node are "how many times slower than
# compiled code" (lower is better), wasm-interp/runnel "how many times faster than another interpreter"
# (higher is better), so each normally reads as a factor above 1.
rcc=${RUNNEL_CC:-cc}
printf 'runnel %s | compiled by %s: %s | native: %s | node: %s | wasm-interp: %s\n' \
    "$("$runnel" --version 2>/dev/null | awk 'NR == 1 {print $2}')" "$rcc" \
    "$("${rcc%% *}" --version 2>/dev/null | head -n 1 || echo '?')" "$("$cc" --version | head -n 1)" \
    "$([ -n "$node" ] && "$node" --version || echo none)" "$([ -n "$interp" ] && "$interp" --version || echo none)"
printf 'best of %d, wall clock in seconds, process start-up included (v8: inside node, without it);\n' "$runs"
printf 'runnel = the interpreter, compiled = runnel run --compiled with a warm cache, comp-in = the same\n'
printf 'inside the process (load + call, as v8); ratios: lower is better, but wasm-interp/runnel: higher is\n'
printf 'better; compiled/v8 is comp-in/v8\n\n'
row='%-8s %8s %11s %7s %7s %8s %7s %7s %7s %11s %15s %11s %13s %11s %18s%s\n'
# shellcheck disable=SC2059 # the format is the one above, shared by the header and the rows
printf "$row" workload N result native runnel compiled comp-in node v8 wasm-interp compiled/native compiled/v8 \
    runnel/native runnel/node wasm-interp/runnel ""
ctable=()
for w in "${workloads[@]}"; do
    n=${size[$w]}
    [ $quick = 1 ] && n=${quick_size[$w]}
    src=$here/workloads/$w.c
    # Compiled with -O2, linked without: clang's driver would run wasm-opt over an optimised link when
    # binaryen is installed, and the module measured would depend on that (cmake/RunnelWasm.cmake).
    "$cc" --target=wasm32 -O2 -DN="$n" -c -o "$out/$w.o" "$src"
    "$cc" --target=wasm32 -nostdlib -Wl,--no-entry -o "$out/$w.wasm" "$out/$w.o"
    "$cc" -O2 -DN="$n" -o "$out/$w.native" "$src" "$here/workloads/native_main.c"

    t_native=$(measure "$out/$w.native.out" "$out/$w.native")
    t_runnel=$(measure "$out/$w.runnel.out" "$runnel" run --invoke run "$out/$w.wasm")
    t_comp=- t_cold=- t_in=-
    if [ ${#compiled[@]} -gt 0 ]; then
        # The first run compiles (an empty cache), the measured ones find the artifact.
        rm -rf "$cache"
        t_cold=$(runs=1 measure "$out/$w.compiled.out" env XDG_CACHE_HOME="$cache" "${compiled[@]}" "$out/$w.wasm")
        t_comp=$t_cold
        [ "$t_cold" = fail ] ||
            t_comp=$(measure "$out/$w.compiled.out" env XDG_CACHE_HOME="$cache" "${compiled[@]}" "$out/$w.wasm")
        if [ "$t_comp" != fail ] && [ -x "$engine_run" ]; then
            t_in=$(measure "$out/$w.in.out" env XDG_CACHE_HOME="$cache" "$engine_run" --compiled "$out/$w.wasm")
            [ "$t_in" = fail ] || t_in=$(engine_time "$out/$w.in.out.errs")
        fi
        so=$(find "$cache" -name '*.so' -printf '%s\n' 2>/dev/null | head -n 1 || true)
        ctable+=("$(printf '%-8s %10s %10s %10s %10s %12s' "$w" "$(stat -c %s "$out/$w.wasm")" "${so:--}" "$t_cold" \
            "$t_comp" "$(awk -v a="$t_cold" -v b="$t_comp" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a - b; else printf "-" }')")")
    fi
    t_node=- t_v8=-
    if [ -n "$node" ]; then
        t_node=$(measure "$out/$w.node.out" "$node" "$here/node_run.mjs" "$out/$w.wasm")
        [ "$t_node" = fail ] || t_v8=$(v8_time "$out/$w.node.out.errs")
    fi
    t_interp=-
    [ -n "$interp" ] && t_interp=$(measure "$out/$w.interp.out" "$interp" "$out/$w.wasm" --run-all-exports)

    # Every engine that ran must print the native build's checksum; a row where one does not, or where
    # one failed, ends in "!!" and says which.
    expect=$(result_of "$out/$w.native.out")
    note=
    [ "$t_native" != fail ] || note+=" native failed;"
    for e in runnel compiled in node interp; do
        case $e in
        runnel) t=$t_runnel name=runnel ;;
        compiled) t=$t_comp name=compiled ;;
        in) t=$t_in name=comp-in ;;
        node) t=$t_node name=node ;;
        interp) t=$t_interp name=wasm-interp ;;
        esac
        [ "$t" != - ] || continue
        if [ "$t" = fail ]; then
            note+=" $name failed: $(head -c 200 "$out/$w.$e.out.err" | tr '\n' ' ');"
        elif [ "$(result_of "$out/$w.$e.out")" != "$expect" ]; then
            note+=" $name result $(result_of "$out/$w.$e.out") != native $expect;"
        fi
    done
    # shellcheck disable=SC2059
    printf "$row" "$w" "$n" "$expect" "$t_native" "$t_runnel" "$t_comp" "$t_in" "$t_node" "$t_v8" "$t_interp" \
        "$(ratio "$t_comp" "$t_native")" "$(ratio "$t_in" "$t_v8")" "$(ratio "$t_runnel" "$t_native")" \
        "$(ratio "$t_runnel" "$t_node")" "$(ratio "$t_interp" "$t_runnel")" "${note:+  !!$note}"
done

if [ ${#ctable[@]} -gt 0 ]; then
    printf '\ncompiling tier, %s: a cold run (empty cache: translate, compile, link, load, run) against\n' "$rcc"
    printf 'the warm one above; compile = the difference; wasm and artifact (.so) sizes in bytes\n'
    printf '%-8s %10s %10s %10s %10s %12s\n' workload wasm artifact "cold run" "warm run" compile
    printf '%s\n' "${ctable[@]}"
fi
