#!/usr/bin/env bash
# bounds.sh RUNNEL WORKDIR - a graph file cannot make validation run away: subgraphs that multiply
# (50 copies of 50 copies of ...) are refused past 100000 nodes, nesting past 16 levels is refused, both
# quickly, and a flood of findings is cut at 1000 listed lines (the rest counted).
set -euo pipefail
runnel=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
{ echo "INPORT=n0.IN:IN"; for j in $(seq 0 49); do echo "n$j(core/Repeat)"; done; } > w0.fbp
for i in $(seq 1 18); do
  { echo "INPORT=n0.IN:IN"; for j in $(seq 0 49); do echo "n$j(w$((i - 1)))"; done; } > "w$i.fbp"
done
check() { # FILE PATTERN: exit 2 within 20 s, stderr matching
  local rc=0
  timeout 20 "$runnel" graph check "$1" > out 2> err || rc=$?
  [ "$rc" = 2 ] || { echo "FAIL: $1: exit $rc (expected 2)"; tail -n 3 err; exit 1; }
  grep -q -- "$2" err || { echo "FAIL: $1: no '$2' in:"; tail -n 5 err; exit 1; }
  echo "$1: $(tail -n 1 err)"
}
"$runnel" graph check w1.fbp > /dev/null                        # 2500 nodes: fine
check w2.fbp "more than 100000 nodes once subgraphs are inlined"   # 125000 nodes
check w18.fbp "subgraphs nested more than 16 deep"
[ "$(wc -l < err)" -le 1002 ] || { echo "FAIL: $(wc -l < err) lines of findings (expected at most 1002)"; exit 1; }
grep -q "more than 1000 findings: the rest are counted, not listed" err || { echo "FAIL: no note of the cut"; exit 1; }
