#!/bin/bash
# hostile_text.sh RUNNEL --wat WAT_DIR | RUNNEL --actor PLUGIN - a guest's texts reach the terminal
# escaped (src/engine/text.c).
#
# hostile_text.wasm logs, fails with and traps in a function named with terminal control sequences (a
# window title ESC ] 0 ; ... BEL, a screen clear ESC [ 2 J, the C1 CSI U+009B, a newline, a byte that is
# not UTF-8); hostile_names.wasm traps in such a function under `runnel run`. Every
# output must be free of ESC, of C1 controls and of invalid UTF-8, and must show the escaped text.
# wat identifiers cannot hold control characters: the names are written over placeholders of the same
# length in the name section, so that no size in the module changes.
# --actor: tests/actor/plugins/hostile.c, whose metadata, outputs and failure carry the same sequences,
# under `runnel inspect`, `runnel send` and `runnel run GRAPH`, and names in `runnel graph check`.
set -u
runnel=$1 mode=$2 arg=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
# 16 bytes, as the placeholders: ESC ] 0 ; p w n BEL ESC [ 2 J, C2 9B, z z
name=$'\x1b]0;pwn\x07\x1b[2J\xc2\x9bzz'
shown='\x1b]0;pwn\x07\x1b[2J\u009bzz'
wat=$arg
[ "$mode" = --wat ] && for m in hostile_text hostile_names; do
    LC_ALL=C perl -0777 -pe 's/AAAAAAAAAAAAAAAA/\x1b]0;pwn\x07\x1b[2J\xc2\x9bzz/g;' \
        < "$wat/$m.wasm" > "$tmp/$m.wasm" || exit 1
    LC_ALL=C grep -qF "$name" "$tmp/$m.wasm" || { echo "FAIL: $m: the placeholder was not replaced"; exit 1; }
done

# check NAME WANT_RC WANT_TEXT COMMAND...: exit code, WANT_TEXT (fixed string) in stdout+stderr, no raw
# control byte in either
check() {
    local what=$1 want_rc=$2 want=$3
    shift 3
    "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$? ok=1
    cat "$tmp/out" "$tmp/err" > "$tmp/all"
    if [ "$rc" != "$want_rc" ]; then echo "FAIL: $what: exit code $rc, want $want_rc"; ok=0; fi
    if ! grep -qF -- "$want" "$tmp/all"; then echo "FAIL: $what: no '$want' in the output"; ok=0; fi
    if LC_ALL=C grep -q $'\x1b' "$tmp/all"; then echo "FAIL: $what: a raw ESC in the output"; ok=0; fi
    if LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$tmp/all"; then echo "FAIL: $what: a raw C1 control in the output"; ok=0; fi
    if ! iconv -f UTF-8 -t UTF-8 "$tmp/all" > /dev/null 2>&1; then echo "FAIL: $what: invalid UTF-8 in the output"; ok=0; fi
    if [ $ok = 0 ]; then
        echo "--- stdout and stderr:"; cat -v "$tmp/all"; fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
}

actor_cases() {
    local p=$arg shown='\x1b]0;pwn\x07\x1b[2J\u009b'
    check "inspect component" 0 "component:    Hostile$shown" "$runnel" inspect "$p"
    check "inspect description" 0 "description:  description $shown" "$runnel" inspect "$p"
    check "inspect port" 0 "out$shown  String  out-port $shown" "$runnel" inspect "$p"
    check "inspect config" 0 "key$shown  string  config $shown" "$runnel" inspect "$p"
    check "send output" 0 "out out$shown {\"type\":\"String\",\"data\":\"text \\u001B]0;pwn\\u0007\\u001B[2J\u009b\"}" \
        "$runnel" send "$p" in=1
    check "send failure" 1 "runnel: error: process failed: Actor processing error: failure $shown" "$runnel" send "$p" fail=1
    # a graph: the node's failure (src/graph/sched.c), and names in a graph's diagnostics (diag.c)
    printf '%s' '{"processes":{"h\u001b[2J":{"component":"hostile"}},"connections":[{"data":1,"tgt":{"process":"h\u001b[2J","port":"fail"}}]}' \
        > "$tmp/run.json"
    check "graph run failure" 1 "runnel: node h\x1b[2J: process failed: Actor processing error: failure $shown" \
        "$runnel" run --components "$(dirname "$p")" "$tmp/run.json"
    printf '%s' '{"processes":{"n\u009b":{"component":"C\u001b]0;pwn\u0007"}}}' > "$tmp/check.json"
    check "graph check names" 2 "node n\u009b: unknown component C\x1b]0;pwn\x07" "$runnel" graph check "$tmp/check.json"
}

if [ "$mode" = --actor ]; then
    actor_cases
    if [ $fails = 0 ]; then echo PASS; else echo "FAIL: $fails case(s)"; exit 1; fi
    exit 0
fi

h=$tmp/hostile_text.wasm n=$tmp/hostile_names.wasm
# runnel call: a log line, an error_set text, a backtrace's function name
check "call log" 0 'ERROR main: log \x1b]0;pwned-log\x07\x1b[2J\u009b2J\x0afake line\xff end' \
    "$runnel" call "$h" log --log-level error
check "call error text" 1 'error \x1b]0;pwned-error\x07\x1b[2J\u009b2J\x0afake line\xff end' \
    "$runnel" call "$h" fail
check "call backtrace" 1 "  at $shown (offset 0x" "$runnel" call "$h" trap
# runnel run: a trap's backtrace (runnel_report_print)
check "run trap backtrace" 1 "  #0  $shown (func 0) at offset 0x" "$runnel" run --invoke trap "$n"

if [ $fails = 0 ]; then echo PASS; else echo "FAIL: $fails case(s)"; exit 1; fi
