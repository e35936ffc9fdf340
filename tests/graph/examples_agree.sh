#!/usr/bin/env bash
# examples_agree.sh RUNNEL EXAMPLES_DIR ACTORS_DIR - examples/graphs/pipeline in its three formats gives
# the same output: the same multiset of lines (the fan-in merges two branches, so their interleaving
# may differ between runs; each branch's own order is fixed, and is checked by the scheduler's tests).
set -euo pipefail
runnel=$1 examples=$2 actors=$3
expected='{"port":"out","message":{"type":"Integer","data":-28}}
{"port":"out","message":{"type":"Integer","data":101}}
{"port":"out","message":{"type":"Integer","data":102}}
{"port":"out","message":{"type":"Integer","data":103}}
{"port":"out","message":{"type":"Integer","data":20}}
{"port":"out","message":{"type":"Integer","data":84}}'
for f in pipeline.fbp pipeline.noflo.json pipeline.reflow.json; do
  got=$("$runnel" run --quiet --components "$actors" "$examples/$f" < "$examples/input.jsonl" | LC_ALL=C sort)
  if [ "$got" != "$expected" ]; then
    echo "FAIL: $f gave:"; echo "$got"; echo "expected:"; echo "$expected"; exit 1
  fi
  echo "$f: the expected six lines"
done
