#!/usr/bin/env bash
# bench/plugin/run.sh - the plugin host benchmark in one command: runnel and Extism's JS SDK on the
# same plugin (Extism's code.wasm, count_vowels), side by side.
#
# Why this shape: Extism's JS SDK (@extism/extism on Node.js) is an independent, production Extism host,
# so the same figures from it say where runnel stands: plugin creation (compile + instantiate) and
# calls per second with a short and a 1 MiB input. bench_plugin.c (linked against the build's
# librunnel.a) and bench_extism.mjs measure the same way (best of several rounds) and print
# "name value unit" lines, which this script puts in one table. runnel is measured twice: with the
# interpreter, and with the compiling tier ("compiled": its cache emptied first, so the first compile,
# "compile, cold", builds the native code with the system C compiler and the measured ones load it from
# the cache; NO_COMPILED=1 leaves the column out). Nothing is asserted.
#
# usage: bench/plugin/run.sh [SECONDS_PER_FIGURE]      (default 3)
# environment:
#   BUILD_DIR   the CMake build directory (default: build/; configured as Release and built if needed)
#   SHARED      the shared material (default: ../shared next to the repository)
#   NODE_DIR    where @extism/extism is installed (default: $BUILD_DIR/bench/plugin-node; installed with
#               npm there on first use)
#   NO_COMPILED set to 1 to skip the compiled column; RUNNEL_CC picks its compiler (default cc)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build}
shared=${SHARED:-$root/../shared}
secs=${1:-3}
code=$shared/extism-plugins/code.wasm
[ -f "$code" ] || { echo "run.sh: no $code (set SHARED)" >&2; exit 1; }

if [ ! -f "$build/librunnel.a" ]; then
    echo "run.sh: building runnel in $build" >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target runnel -j2 >/dev/null
fi
if [ -f "$build/CMakeCache.txt" ]; then
    btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
    san=$(sed -n 's/^RUNNEL_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")
    case "$btype:$san" in
    Release:* | RelWithDebInfo:*) ;;
    *) echo "run.sh: warning: $build is a $btype build; the figures measure that" >&2 ;;
    esac
    [ "$san" != ON ] || echo "run.sh: warning: $build is a sanitizer build; the figures measure that" >&2
fi

out=$build/bench/plugin
mkdir -p "$out"
cc=${CC:-cc}
"$cc" -O2 -std=c17 -D_DEFAULT_SOURCE -I"$root/include" "$here/bench_plugin.c" "$build/librunnel.a" \
    $(pkg-config --libs jansson libcurl sqlite3) -lpthread -lm -o "$out/bench_plugin"

node_dir=${NODE_DIR:-$build/bench/plugin-node}
js=""
if command -v node >/dev/null; then
    if [ ! -d "$node_dir/node_modules/@extism/extism" ]; then
        echo "run.sh: installing @extism/extism into $node_dir" >&2
        mkdir -p "$node_dir"
        [ -f "$node_dir/package.json" ] || echo '{"name": "runnel-plugin-bench", "private": true}' >"$node_dir/package.json"
        (cd "$node_dir" && npm install --silent @extism/extism@1 >/dev/null 2>&1) ||
            echo "run.sh: npm install failed; the Extism column stays empty" >&2
    fi
    if [ -d "$node_dir/node_modules/@extism/extism" ]; then
        cp "$here/bench_extism.mjs" "$node_dir/"
        js=$(node "$node_dir/bench_extism.mjs" "$code" "$secs")
    fi
else
    echo "run.sh: node not found; the Extism column stays empty" >&2
fi
rn=$("$out/bench_plugin" "$code" "$secs")
rc=""
if [ "${NO_COMPILED:-0}" != 1 ]; then
    rm -rf "$out/cache"
    rc=$("$out/bench_plugin" "$code" "$secs" "$out/cache") || echo "run.sh: the compiled run failed" >&2
fi

value() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
fmt='%-34s %10s %10s %14s %10s %10s\n'
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$fmt" "code.wasm count_vowels" "runnel" "compiled" "Extism JS SDK" "ratio" "compiled"
ratio() { # a b better(higher|lower): how many times better a is than b
    [ -n "$1" ] && [ -n "$2" ] || return 0
    if [ "$3" = higher ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
    else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", b / a }'; fi
}
row() { # label key unit better(higher|lower)
    local a b c
    a=$(value "$rn" "$2")
    c=$(value "$rc" "$2")
    b=$(value "$js" "$2")
    # shellcheck disable=SC2059
    printf "$fmt" "$1 ($3)" "${a:--}" "${c:--}" "${b:--}" "$(ratio "$a" "$b" "$4")" "$(ratio "$c" "$b" "$4")"
}
row "compile, cold (empty cache)" compile_cold_ms ms lower
row "compile" compile_ms ms lower
row "instantiate + first call" instantiate_ms ms lower
row "create (compile + instantiate)" create_ms ms lower
row "calls, short input" calls_short calls/s higher
row "calls, 1 MiB input" calls_1mib calls/s higher
echo "(ratio, compiled: how many times better runnel's interpreter, its compiling tier, is than Extism's"
echo "JS SDK; below 1x, the JS SDK is better. compiled: compile = loading the cached native code)"
