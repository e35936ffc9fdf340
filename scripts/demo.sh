#!/usr/bin/env bash
# demo.sh - build runnel and show what it does: run a graph of actors (the main job), then a WebAssembly
# module (interpreted, then compiled to native code), an Extism plugin and a single Reflow actor. Installs what it needs (scripts/deps.sh), builds in
# build/ (only the command and the examples it uses, not the tests) and runs each with the runnel command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${RUNNEL_JOBS:-2}" --target runnel_cli wasm_fib wasm_actor_counter wasm_actor_my_actor

shared=${RUNNEL_SHARED:-../shared}
show() { # print a command, then run it
  echo
  echo "\$ $*"
  "$@"
}

# 0. A graph: the seed's doubler and counter in a pipeline with a fan-out and a fan-in
#    (examples/graphs/pipeline.fbp), checked, then run on three messages from stdin.
show build/runnel graph check --components build/examples/actors examples/graphs/pipeline.fbp
echo
echo "\$ build/runnel run --components build/examples/actors examples/graphs/pipeline.fbp < examples/graphs/input.jsonl"
build/runnel run --quiet --components build/examples/actors examples/graphs/pipeline.fbp < examples/graphs/input.jsonl

# 1. The engine: a module compiled from C, one exported function called; then the same module
#    compiled to native code by the compiling tier (translated to C, built with the system compiler
#    once, cached), which gives the same answer faster.
show build/runnel run --invoke fib build/examples/fib.wasm 25
if command -v "${RUNNEL_CC:-cc}" >/dev/null; then
  show build/runnel run --compiled --invoke fib build/examples/fib.wasm 30
fi

# 2. An Extism plugin, unchanged: the Rust PDK's count_vowels, as `extism call` would run it.
if [ -f "$shared/extism-plugins/code.wasm" ]; then
  show build/runnel call "$shared/extism-plugins/code.wasm" count_vowels --input "Hello, World!"
fi

# 3. A Reflow actor written with runnel's C SDK: its ports, then three messages, its state kept by the host.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
state=$tmp/counter-state.json
show build/runnel inspect build/examples/actors/counter.wasm
for port in increment increment decrement; do
  show build/runnel send build/examples/actors/counter.wasm "$port" --state "$state"
done
