#!/bin/bash
# fetch_timeout.sh RUNNEL SILENT_SERVER - `runnel call -m` on a manifest whose wasm `url` is served by
# a server that accepts and never answers ends at --fetch-timeout with an error naming the timeouts,
# instead of hanging (docs/limits.md). The whole script runs under `timeout`, so a hang fails it.
set -u
RUNNEL=$1
SERVER=$2
dir=$(mktemp -d)
coproc SRV { "$SERVER"; }
trap 'exec {SRV[1]}>&-; wait; rm -rf "$dir"' EXIT
read -r port <&"${SRV[0]}" || { echo "FAIL: the silent server did not start"; exit 1; }
printf '{"wasm": [{"url": "http://127.0.0.1:%s/plugin.wasm"}]}' "$port" > "$dir/manifest.json"
fail() { echo "FAIL: $*"; exit 1; }

err=$(timeout 60 "$RUNNEL" call -m "$dir/manifest.json" run --fetch-timeout 300 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] || fail "exit $rc, want 1: $err"
[[ $err == *"cannot fetch wasm from http://127.0.0.1:$port/plugin.wasm: no complete answer within the fetch timeouts (connect 10000 ms, total 300 ms)"* ]] ||
    fail "stderr: $err"

err=$(timeout 60 "$RUNNEL" call -m "$dir/manifest.json" run --fetch-timeout 300 --fetch-connect-timeout 250 2>&1 >/dev/null)
[[ $err == *"(connect 250 ms, total 300 ms)"* ]] || fail "with --fetch-connect-timeout: $err"

err=$("$RUNNEL" call -m "$dir/manifest.json" run --fetch-timeout 0 2>&1 >/dev/null)
rc=$?
[ $rc = 2 ] && [[ $err == *"--fetch-timeout must be 1 or more"* ]] || fail "--fetch-timeout 0: exit $rc, $err"
echo PASS
