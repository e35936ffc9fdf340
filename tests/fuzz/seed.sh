#!/bin/sh
# seed.sh OUTDIR - build the seed corpus of runnel_fuzz: every binary module of the official spec test
# suite (valid, invalid and malformed ones alike, ~4600 files, all under 20 KB). Starting from real
# modules lets the fuzzer reach the validator, the compiler and the interpreter at once instead of
# first rediscovering the binary format from random bytes.
#
# The suite is found in $RUNNEL_SHARED/wasm-testsuite/json, else ../shared next to the repository.
set -eu
out=${1:?usage: seed.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
shared=${RUNNEL_SHARED:-$here/../../../shared}
src=$shared/wasm-testsuite/json
if [ ! -d "$src" ]; then
    echo "seed.sh: no spec suite at $src (set RUNNEL_SHARED)" >&2
    exit 1
fi
mkdir -p "$out"
# Spec modules named NAME.N.wasm keep their names, so a crash on a seed points at its .wast script.
cp "$src"/*.wasm "$out"/
echo "seed.sh: $(find "$out" -maxdepth 1 -type f | wc -l) seeds in $out"
