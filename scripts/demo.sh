#!/usr/bin/env bash
# demo.sh - build runnel and show it running a WebAssembly module: the quickest look at what it does.
# Installs what it needs (scripts/deps.sh), builds in build/ (only the command and the examples, not the
# tests) and runs the recursive Fibonacci example with the runnel command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${RUNNEL_JOBS:-2}" --target runnel_cli wasm_fib

wasm=build/examples/fib.wasm
if [ ! -x build/runnel ] || [ ! -f "$wasm" ]; then
  echo "demo: build/runnel or $wasm was not built" >&2
  exit 1
fi

echo
echo "\$ build/runnel run --invoke fib $wasm 25"
build/runnel run --invoke fib "$wasm" 25
