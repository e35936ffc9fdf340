#!/usr/bin/env bash
# test.sh - everything CI checks, in the order that fails fastest:
#   1. a normal build (build/) and all its tests;
#   2. a sanitizer build (build-asan/: AddressSanitizer + UndefinedBehaviorSanitizer, leaks included) and
#      all its tests again, because memory errors often pass unnoticed in a normal build;
#   3. a ThreadSanitizer build (build-tsan/) of what runs threads: the graph scheduler's tests, the
#      runnel command running graphs (kill -9 and restart, hot reload, the examples) and runnel serve
#      (its handler running networks, and the server seen from a client), a plugin cancelled from
#      another thread while it is freed, and compiled code on its own stacks interrupted from other
#      threads (native_threads);
#   4. when tests/fuzz exists, a clang libFuzzer build (build-fuzz/) and 147 s of fuzzing: 40 s of the engine
#      target (fuzz_run), 20 s of the fused-against-unfused target (fuzz_diff_run), 20 s of graph files
#      (fuzz_graph_run), 15 s of the FBP protocol handler of runnel serve (fuzz_serve_run), and 52 s of
#      the other input surfaces: Extism manifests 8 (fuzz_manifest_run), actor messages/results/metadata
#      10 (fuzz_actor_run), config schemas 10 (fuzz_schema_run), --state files 8 (fuzz_state_run), CLI
#      values 8 (fuzz_cli_values_run), the actor context as the C SDK reads it 8 (fuzz_context_run).
# A failing build stops at once; failing tests are reported and the later stages still run, so one run
# shows everything that is wrong. Exit status 1 if anything failed.
#
# Environment: RUNNEL_JOBS (parallel build/test jobs, default 2), RUNNEL_FUZZ_SECONDS (the engine target,
# default 40; 0 skips all fuzzing), RUNNEL_FUZZ_DIFF_SECONDS (the diff target, default 20; 0 skips it),
# RUNNEL_FUZZ_GRAPH_SECONDS (the graph-file target, default 20; 0 skips it), RUNNEL_FUZZ_SERVE_SECONDS (the
# protocol handler, default 15; 0 skips it), RUNNEL_FUZZ_MANIFEST_SECONDS, RUNNEL_FUZZ_ACTOR_SECONDS,
# RUNNEL_FUZZ_SCHEMA_SECONDS, RUNNEL_FUZZ_STATE_SECONDS, RUNNEL_FUZZ_CLI_VALUES_SECONDS,
# RUNNEL_FUZZ_CONTEXT_SECONDS (the input-surface targets, defaults 8, 10, 10, 8, 8, 8; 0 skips one),
# RUNNEL_SKIP_ASAN=1 (skip
# stage 2, for a quick local run), RUNNEL_SKIP_TSAN=1 (skip stage 3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/deps.sh

jobs=${RUNNEL_JOBS:-2}
fuzz_seconds=${RUNNEL_FUZZ_SECONDS:-40}
fuzz_diff_seconds=${RUNNEL_FUZZ_DIFF_SECONDS:-20}
fuzz_graph_seconds=${RUNNEL_FUZZ_GRAPH_SECONDS:-20}
fuzz_serve_seconds=${RUNNEL_FUZZ_SERVE_SECONDS:-15}
# The input-surface targets (tests/fuzz/CMakeLists.txt, runnel_fuzz_input): name and default seconds.
fuzz_inputs=(manifest:8 actor:10 schema:10 state:8 cli_values:8 context:8)
fuzz_input_defs=()
fuzz_input_targets=()
for f in "${fuzz_inputs[@]}"; do
  var=RUNNEL_FUZZ_$(echo "${f%%:*}" | tr a-z A-Z)_SECONDS
  fuzz_input_defs+=("-D$var=${!var:-${f##*:}}")
  fuzz_input_targets+=("runnel_fuzz_${f%%:*}")
done
failed=()

stage() { printf '\n==== %s\n' "$*"; }

run_ctest() { # build-dir name
  if ! (cd "$1" && ctest --output-on-failure -j"$jobs"); then
    failed+=("$2")
  fi
}

stage "normal build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
run_ctest build "tests (build/)"
# the FBP protocol's own conformance suite (tests/serve) prints its count; ctest shows a passing test's
# output only in its log, so the count is repeated here
grep -h '^fbp-test: ' build/Testing/Temporary/LastTest.log 2>/dev/null ||
  echo "fbp-test: did not run (no npm or node? see tests/serve)"

if [ "${RUNNEL_SKIP_ASAN:-0}" != 1 ]; then
  stage "sanitizer build (build-asan/)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNNEL_SANITIZE=ON
  cmake --build build-asan -j"$jobs"
  # halt_on_error: a sanitizer report fails the test that caused it.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  run_ctest build-asan "tests (build-asan/)"
fi

if [ "${RUNNEL_SKIP_TSAN:-0}" != 1 ]; then
  stage "thread sanitizer build (build-tsan/): the graph scheduler and the runnel command running graphs"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNNEL_TSAN=ON
  # only what runs threads (the whole test suite under TSan would double CI's time for nothing new)
  cmake --build build-tsan -j"$jobs" --target test_network runnel_cli wasm_actor_my_actor wasm_actor_counter \
        wasm_actor_tally wasm_actor_tally_x10 wasm_actor_tally_renamed wasm_actor_picky wasm_actor_misbehave test_protocol \
        test_plugin_bounds test_native
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  if ! (cd build-tsan && ctest --output-on-failure -j"$jobs" \
          -R '^(graph_(test_network|kill_restart|hot_reload|examples_three_formats|cli_run_picky)|serve_(test_protocol|security)|plugin_bounds_cancel|native_threads|native_threads_guarded)$'); then
    failed+=("tests (build-tsan/)")
  fi
fi

if [ ! -f tests/fuzz/CMakeLists.txt ]; then
  stage "fuzzing: skipped (no tests/fuzz yet)"
elif [ "$fuzz_seconds" = 0 ]; then
  stage "fuzzing: skipped (RUNNEL_FUZZ_SECONDS=0)"
else
  stage "fuzz build (build-fuzz/), ${fuzz_seconds} s of fuzzing the engine, ${fuzz_diff_seconds} s fused against unfused, ${fuzz_graph_seconds} s graph files, ${fuzz_serve_seconds} s the FBP protocol handler, then the input surfaces (${fuzz_input_defs[*]#-DRUNNEL_FUZZ_})"
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DRUNNEL_FUZZ=ON -DRUNNEL_SANITIZE=ON -DRUNNEL_FUZZ_SECONDS="$fuzz_seconds" \
        -DRUNNEL_FUZZ_DIFF_SECONDS="$fuzz_diff_seconds" -DRUNNEL_FUZZ_GRAPH_SECONDS="$fuzz_graph_seconds" \
        -DRUNNEL_FUZZ_SERVE_SECONDS="$fuzz_serve_seconds" "${fuzz_input_defs[@]}"
  if ! cmake --build build-fuzz --target help | grep -w runnel_fuzz >/dev/null; then  # no -q: an early exit would break the pipe
    echo "fuzzing: skipped (tests/fuzz defines no runnel_fuzz target)"
  else
    cmake --build build-fuzz -j"$jobs" --target runnel_fuzz runnel_fuzz_diff runnel_fuzz_graph runnel_fuzz_serve \
          "${fuzz_input_targets[@]}"
    # fuzz_run (tests/fuzz/CMakeLists.txt) seeds from the spec suite, then fuzzes; new inputs and
    # crash reproducers stay under build-fuzz/tests/fuzz/, never in the source tree.
    if ! cmake --build build-fuzz --target fuzz_run; then
      failed+=("fuzzing")
    fi
    # fuzz_diff_run: fused code against unfused (tests/fuzz/fuzz_diff.c), from the same seeds, in its
    # own corpus.
    if [ "$fuzz_diff_seconds" = 0 ]; then
      echo "fuzzing fused against unfused: skipped (RUNNEL_FUZZ_DIFF_SECONDS=0)"
    elif ! cmake --build build-fuzz --target fuzz_diff_run; then
      failed+=("fuzzing fused against unfused")
    fi
    if [ "$fuzz_graph_seconds" = 0 ]; then
      echo "fuzzing graph files: skipped (RUNNEL_FUZZ_GRAPH_SECONDS=0)"
    elif ! cmake --build build-fuzz --target fuzz_graph_run; then
      failed+=("fuzzing graph files")
    fi
    if [ "$fuzz_serve_seconds" = 0 ]; then
      echo "fuzzing the FBP protocol handler: skipped (RUNNEL_FUZZ_SERVE_SECONDS=0)"
    elif ! cmake --build build-fuzz --target fuzz_serve_run; then
      failed+=("fuzzing the FBP protocol handler")
    fi
    # the input surfaces: each fuzz_NAME_run from its seeds in tests/fuzz/NAME-seeds/
    for f in "${fuzz_inputs[@]}"; do
      name=${f%%:*}
      var=RUNNEL_FUZZ_$(echo "$name" | tr a-z A-Z)_SECONDS
      if [ "${!var:-${f##*:}}" = 0 ]; then
        echo "fuzzing $name: skipped ($var=0)"
      elif ! cmake --build build-fuzz --target "fuzz_${name}_run"; then
        failed+=("fuzzing $name")
      fi
    done
  fi
fi

echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all checks passed"
