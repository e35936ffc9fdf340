#!/usr/bin/env bash
# live_view.sh RUNNEL GRAPH WORKDIR FBP_PROTOCOL_DIR [counts | busy COMPONENTS_DIR] - the live view (src/serve/view.c) in a real browser:
# headless Chromium opens http://127.0.0.1:PORT/#autostart=1 on `runnel serve GRAPH`; the page connects
# over the WebSocket, starts the main graph and shows each edge's packets. live_view.js watches the DOM
# through the DevTools protocol until the state reads "finished" (real time, so a slow sanitizer build
# is waited for); it must then hold the graph's name, both edges with one packet of "hi" each, the
# Output node's line. Skipped (77) when chromium, node or fbp-protocol's websocket client (installed by
# the serve_fbp_protocol_setup fixture) is missing; scripts/deps.sh installs chromium and node.
set -euo pipefail
runnel=${1:?usage: live_view.sh RUNNEL GRAPH WORKDIR}
graph=${2:?usage: live_view.sh RUNNEL GRAPH WORKDIR}
work=${3:?usage: live_view.sh RUNNEL GRAPH WORKDIR FBP_PROTOCOL_DIR}
fbp=${4:?usage: live_view.sh RUNNEL GRAPH WORKDIR FBP_PROTOCOL_DIR}
mode=${5:-run}
serve_args=()
if [ "$mode" = busy ]; then
  serve_args=(--components "${6:?usage: live_view.sh RUNNEL GRAPH WORKDIR FBP_PROTOCOL_DIR busy COMPONENTS_DIR}")
  [ -f "$6/misbehave.wasm" ] || { echo "no $6/misbehave.wasm (no clang for wasm32-wasi?): skipped" >&2; exit 77; }
fi
browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
[ -n "$browser" ] || { echo "no chromium on PATH: skipped" >&2; exit 77; }
if ! command -v node >/dev/null 2>&1 || [ ! -d "$fbp/node_modules/websocket" ]; then
  echo "node or the websocket client (npm fbp-protocol in $fbp) is missing: skipped" >&2
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"

# a free port: the first that `runnel serve` can bind
server=""
for try in 1 2 3 4 5 6 7 8; do
  port=$((20000 + (RANDOM % 30000)))
  "$runnel" serve --port "$port" "${serve_args[@]}" "$graph" >"$work/serve.out" 2>"$work/serve.err" &
  server=$!
  for _ in $(seq 50); do
    grep -q listening "$work/serve.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  grep -q listening "$work/serve.out" 2>/dev/null && break
  wait "$server" 2>/dev/null || true
  server=""
done
[ -n "$server" ] || { echo "runnel serve did not start:"; cat "$work/serve.err"; exit 1; }
trap 'kill "$server" 2>/dev/null || true' EXIT

if [ "$mode" = busy ]; then
  # graphs/slow.fbp: its node spins 400 ms on every packet. live_view.js sends four at once; the drawing must
  # show the node busy with packets queued (runnel/stats), then idle with its queue empty.
  node "$(dirname "${BASH_SOURCE[0]}")/live_view.js" "$browser" "http://127.0.0.1:$port/#autostart=1" "$fbp" \
    "$work/profile" "$work/live_view_busy.png" slow "" busy >"$work/dom.html" 2>"$work/chromium.err" || true
  fail=0
  if grep -qE "^busy: busy . [1-4] queued$" "$work/chromium.err"; then
    echo "ok   the node was drawn busy with packets queued ($(grep '^busy:' "$work/chromium.err"))"
  else
    echo "FAIL the node was not drawn busy with packets queued"; fail=1
  fi
  if grep -qE "^idle: node data-queued=\"0\" text=\"\"$" "$work/chromium.err"; then
    echo "ok   then idle, its queue empty"
  else
    echo "FAIL the node did not go back to idle"; fail=1
  fi
  if [ "$fail" -ne 0 ]; then tail -20 "$work/chromium.err"; exit 1; fi
  kill "$server"
  wait "$server"
  trap - EXIT
  echo "live view, busy nodes: 2 passed, 0 failed"
  exit 0
fi

if [ "$mode" = counts ]; then
  # graphs/live.fbp has an inport: the network keeps running; live_view.js feeds it five packets and reads
  # the drawn count of the edge Rep -> Sink after each. It must rise with them: 1 2 3 4 5.
  node "$(dirname "${BASH_SOURCE[0]}")/live_view.js" "$browser" "http://127.0.0.1:$port/#autostart=1" "$fbp" \
    "$work/profile" "$work/live_view_counts.png" live "Rep.out>Sink.in" >"$work/dom.html" 2>"$work/chromium.err" || true
  if grep -q "^counts: 1 2 3 4 5$" "$work/chromium.err"; then
    echo "ok   the drawn count rose with each packet: $(grep '^counts:' "$work/chromium.err")"
  else
    echo "FAIL the drawn count did not rise 1 2 3 4 5:"; grep "^counts:" "$work/chromium.err"; tail -20 "$work/chromium.err"
    exit 1
  fi
  kill "$server"
  wait "$server"
  trap - EXIT
  echo "live view, counts: 1 passed, 0 failed"
  exit 0
fi
node "$(dirname "${BASH_SOURCE[0]}")/live_view.js" "$browser" "http://127.0.0.1:$port/#autostart=1" "$fbp" \
  "$work/profile" "$work/live_view.png" >"$work/dom.html" 2>"$work/chromium.err" || true

fail=0
expect() { # what, fixed string
  if grep -qF -- "$2" "$work/dom.html"; then echo "ok   $1"; else echo "FAIL $1: no $2"; fail=1; fi
}
expect "the main graph is named" '<code id="graph">hello</code>'
expect "the IIP's edge, one packet" '<td>DATA -&gt; IN Rep()</td><td>1</td><td>"hi"</td>'
expect "the Repeat to Output edge, one packet" '<td>Rep() OUT -&gt; IN Show()</td><td>1</td><td>"hi"</td>'
expect "the Output node's line" 'network output: hi'
expect "the network has finished" '<span id="state">finished</span>'
expect_re() { # what, extended regex
  if grep -qE -- "$2" "$work/dom.html"; then echo "ok   $1"; else echo "FAIL $1: no /$2/"; fail=1; fi
}
expect_re "the drawing names node Rep" 'class="node-name"[^>]*>Rep</text>'
expect_re "the drawing names node Show" 'class="node-name"[^>]*>Show</text>'
expect_re "the drawing gives each node its component" 'class="node-comp"[^>]*>core/Output</text>'
[ "$(grep -oE 'class="edge-label"[^>]*>1 msgs' "$work/dom.html" | wc -l)" = 2 ] &&
  echo "ok   both drawn edges count their packet" || { echo "FAIL the drawn edges' counts"; fail=1; }
if [ -s "$work/live_view.png" ] && [ "$(head -c 8 "$work/live_view.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
  echo "ok   a screenshot, kept as $work/live_view.png"
else
  echo "FAIL no screenshot (a PNG) in $work/live_view.png"; fail=1
fi
if [ "$fail" -ne 0 ]; then
  echo "--- the DOM:"; cat "$work/dom.html"; echo "--- chromium:"; tail -20 "$work/chromium.err"
  exit 1
fi
kill "$server"
wait "$server"   # SIGTERM: exit 0 (under ASan: no leak)
trap - EXIT
echo "live view: 10 passed, 0 failed"
