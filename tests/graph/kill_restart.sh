#!/usr/bin/env bash
# kill_restart.sh RUNNEL GRAPH WORKDIR COMPONENTS... - the state file's promise under kill -9.
#
# N messages go through a 3-stage pipeline (stdin -> doubler -> tally, graphs/tally.fbp) with --state.
# The run is killed with SIGKILL at a random moment, five times, each time restarted with the same
# command and the same input; a last run goes to the end. Then the state file must say that the tally
# saw every message exactly once: count N and the exact sum, and each node's processed counter N. Any
# lost or repeated message changes one of those numbers.
set -euo pipefail
runnel=$1 graph=$2 work=$3
shift 3
comps=()
for d in "$@"; do comps+=(--components "$d"); done
N=${N:-60000}
rm -rf "$work" && mkdir -p "$work"
db=$work/state.db
seq 1 "$N" | awk '{ printf "{\"port\":\"in\",\"message\":%d}\n", $1 }' > "$work/input"
command -v sqlite3 >/dev/null || { echo "kill_restart: sqlite3 (the Debian package) is needed to read the state file"; exit 1; }

# (not a shell function: `$!` must be runnel's own pid, or kill -9 would hit a subshell and leave
# runnel running)
args=(run --quiet --state "$db" "${comps[@]}" "$graph")
processed() { sqlite3 "$db" "SELECT coalesce(max(n_in), 0) FROM runnel_nodes WHERE id = 'tally'" 2>/dev/null || echo 0; }

kills=0
for k in 1 2 3 4 5; do
  "$runnel" "${args[@]}" < "$work/input" > "$work/out.$k" 2> "$work/err.$k" &
  pid=$!
  # a random moment: between 20 and 400 ms into this run
  sleep "0.$(printf '%03d' $(( (RANDOM % 380) + 20 )))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  echo "kill $k: tally had processed $(processed) of $N"
done
# a second runnel on the same state file while the first runs is refused
"$runnel" "${args[@]}" < "$work/input" > "$work/out.final" 2> "$work/err.final" &
pid=$!
sleep 0.1
if "$runnel" "${args[@]}" < /dev/null > /dev/null 2> "$work/err.second"; then
  echo "FAIL: a second run on the same state file was not refused"; exit 1
fi
grep -q "is in use by another process" "$work/err.second" || { echo "FAIL: wrong refusal:"; cat "$work/err.second"; exit 1; }
wait "$pid"
rc=0
expect_sum=$(( N * (N + 1) ))   # the doubler doubles: 2 * (1 + ... + N)
state=$(sqlite3 "$db" "SELECT json_extract(state, '$.sum') || ' ' || json_extract(state, '$.count') FROM runnel_nodes WHERE id = 'tally'")
counts=$(sqlite3 "$db" "SELECT id || '=' || n_in || '/' || n_errors FROM runnel_nodes ORDER BY id" | tr '\n' ' ')
queued=$(sqlite3 "$db" "SELECT count(*) FROM runnel_queue")
echo "killed $kills times; final tally: sum count = $state; counters: $counts; queued: $queued"
[ "$state" = "$expect_sum $N" ] || { echo "FAIL: expected sum $expect_sum and count $N"; rc=1; }
[ "$counts" = "double=$N/0 tally=$N/0 " ] || { echo "FAIL: expected every node to have processed $N messages once"; rc=1; }
[ "$queued" = 0 ] || { echo "FAIL: messages left in the queue"; rc=1; }
[ "$kills" -ge 3 ] || { echo "FAIL: the runs ended before they could be killed ($kills kills): raise N"; rc=1; }
# the last output line of the last run that printed one is the final sum
last=$(cat "$work"/out.* | tail -n 1)
echo "last output: $last"
exit $rc
