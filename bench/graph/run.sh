#!/usr/bin/env bash
# bench/graph/run.sh - the graph benchmark in one command: builds bench_graph and the examples' my_actor.wasm
# in a Release build directory, then runs bench_graph (README.md says what it measures).
#
# Why a build directory of its own (build-bench/ by default): the figures mean something only for an
# optimised build without sanitizers, and the usual build/ is RelWithDebInfo or a sanitizer build as often
# as not. The machine, the compiler and the load average before and after are printed with the table,
# because other work on the machine moves these figures a lot (README.md, "Noise").
#
# usage: bench/graph/run.sh [bench_graph options]     e.g. -n 50000, -s 5000, -r 5, -o wasm,2,no,64
# environment:
#   BUILD_DIR   the CMake build directory (default: build-bench/; configured as Release if it does not exist)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}

if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "run.sh: configuring a Release build in $build" >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
san=$(sed -n 's/^RUNNEL_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")
tsan=$(sed -n 's/^RUNNEL_TSAN:[A-Z]*=//p' "$build/CMakeCache.txt")
case "$btype" in
Release | RelWithDebInfo) ;;
*) echo "run.sh: warning: $build is a ${btype:-default} build; the figures measure that" >&2 ;;
esac
[ "$san" != ON ] && [ "$tsan" != ON ] || echo "run.sh: warning: $build is a sanitizer build; the figures measure that" >&2

targets=(bench_graph)
if grep -q '^RUNNEL_WASI_CLANG_WORKS:INTERNAL=TRUE' "$build/CMakeCache.txt"; then
    targets+=(wasm_actor_my_actor)
else
    echo "run.sh: no wasm32-wasi clang in this build: only the core/Repeat rows (or give -a DIR)" >&2
fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
echo "bench_graph | $(date -u +%Y-%m-%d) | ${cpu:-unknown CPU}, $(nproc) CPUs | $(uname -sr) | $(cc --version | head -1) | $btype"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/graph/bench_graph" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
