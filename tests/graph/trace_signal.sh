#!/usr/bin/env bash
# trace_signal.sh RUNNEL GRAPHS WORKDIR COMPONENTS... - `runnel run --trace` writes one JSON line per
# delivered message, and SIGTERM (as SIGINT) stops the input, drains the queues and ends the run with
# exit status 0 and a note on stderr.
set -euo pipefail
runnel=$1 graphs=$2 work=$3
shift 3
comps=()
for d in "$@"; do comps+=(--components "$d"); done
rm -rf "$work" && mkdir -p "$work"
mkfifo "$work/in"
"$runnel" run --quiet --trace "$work/trace" "${comps[@]}" "$graphs/tally.fbp" < "$work/in" > "$work/out" 2> "$work/err" &
pid=$!
exec 3> "$work/in"
for i in 1 2 3; do echo "{\"port\":\"in\",\"message\":$i}" >&3; done
for _ in $(seq 100); do [ "$(wc -l < "$work/out")" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
exec 3>&-
[ "$rc" = 0 ] || { echo "FAIL: exit status $rc after SIGTERM"; cat "$work/err"; exit 1; }
grep -q "stopped by a signal" "$work/err" || { echo "FAIL: no note of the signal"; cat "$work/err"; exit 1; }
[ "$(wc -l < "$work/out")" = 3 ] || { echo "FAIL: expected 3 outputs"; cat "$work/out"; exit 1; }
# inport -> double, double -> tally, tally -> outport: three deliveries per message
[ "$(wc -l < "$work/trace")" = 9 ] || { echo "FAIL: expected 9 trace lines"; cat "$work/trace"; exit 1; }
grep -q '"edge":"INPORT in -> double.input","port":"input","type":"Integer","size":1' "$work/trace" ||
  { echo "FAIL: no inport line in the trace"; cat "$work/trace"; exit 1; }
grep -q '"edge":"double.output -> tally.value","port":"value","type":"Integer","size":1' "$work/trace" ||
  { echo "FAIL: no edge line in the trace"; cat "$work/trace"; exit 1; }
grep -q '"edge":"tally.total -> OUTPORT total","port":"total","type":"Integer","size":2' "$work/trace" ||
  { echo "FAIL: no outport line in the trace"; cat "$work/trace"; exit 1; }
echo "SIGTERM: exit 0, 3 outputs; trace:"; cat "$work/trace"

# A loop that feeds itself never drains: the first SIGTERM stops the input (there is none) and waits,
# the second ends the process at once with status 130.
"$runnel" run --quiet "$graphs/forever.fbp" > "$work/forever.out" 2> "$work/forever.err" &
pid=$!
sleep 0.3
kill -TERM "$pid"
sleep 0.5
kill -0 "$pid" 2>/dev/null || { echo "FAIL: the loop ended at the first signal"; exit 1; }
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || { echo "FAIL: exit status $rc after the second signal (expected 130)"; cat "$work/forever.err"; exit 1; }
grep -q "second signal: stopping at once" "$work/forever.err" || { echo "FAIL: no note"; cat "$work/forever.err"; exit 1; }
echo "a loop: the second SIGTERM ended it (130)"
