#!/bin/bash
# input_limit.sh RUNNEL FIB.wasm COUNTER.wasm - every file and stdin the command reads is held to the
# input limit (RUNNEL_MAX_INPUT, default 256 MiB; docs/limits.md "The limits"), with an error naming it:
# an endless input (/dev/zero) ends in an error instead of growing until memory runs out.
#
# Each command runs under `timeout`, so that a reader without the limit fails the test instead of
# hanging it. Exactly the limit is accepted, one byte less is refused.
set -u
RUNNEL=$(realpath "$1")
FIB=$(realpath "$2")
COUNTER=$(realpath "$3")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
# expect RC REGEX COMMAND...: runs COMMAND (stdin as given to expect), checks exit code and stderr
# (an empty REGEX: stderr must be empty)
expect() {
    local want_rc=$1 want_err=$2
    shift 2
    timeout 120 "$@" > out.txt 2> err.txt
    local rc=$?
    [ $rc = "$want_rc" ] || fail "$*: exit $rc, want $want_rc; stderr: $(head -c 500 err.txt)"
    if [ -z "$want_err" ]; then
        [ ! -s err.txt ] || fail "$*: stderr is not empty: $(head -c 500 err.txt)"
        return
    fi
    grep -Eq -- "$want_err" err.txt || fail "$*: stderr does not match '$want_err': $(head -c 500 err.txt)"
}
limit_msg="larger than the input limit of 4096 bytes \(set RUNNEL_MAX_INPUT to change it\)"
export RUNNEL_MAX_INPUT=4096

# endless inputs: a file, stdin for a module, stdin for a plugin's input, a manifest's wasm path
expect 1 "cannot read /dev/zero: $limit_msg" "$RUNNEL" validate /dev/zero
expect 1 "cannot read stdin: $limit_msg" "$RUNNEL" run - < /dev/zero
expect 1 "cannot read stdin: $limit_msg" "$RUNNEL" call --stdin "$FIB" fib < /dev/zero
echo '{"wasm": [{"path": "/dev/zero"}]}' > zero.json
expect 1 "Unable to load Wasm file \"/dev/zero\": $limit_msg" "$RUNNEL" call -m zero.json f
expect 1 "cannot read /dev/zero: $limit_msg" "$RUNNEL" inspect /dev/zero
expect 1 "cannot read /dev/zero: $limit_msg" "$RUNNEL" send /dev/zero in=1

# regular files: one byte over is refused before anything is read; exactly the limit is read
size=$(stat -c %s "$FIB")
head -c $((size + 1)) /dev/zero > big.json
expect 1 "cannot read big.json: larger than the input limit of $size bytes" env RUNNEL_MAX_INPUT=$size "$RUNNEL" call -m big.json f
expect 2 "big.json: cannot read it \(larger than the input limit of $size bytes" env RUNNEL_MAX_INPUT=$size "$RUNNEL" graph check big.json
expect 0 "" env RUNNEL_MAX_INPUT=$size "$RUNNEL" validate "$FIB"
expect 1 "larger than the input limit of $((size - 1)) bytes" env RUNNEL_MAX_INPUT=$((size - 1)) "$RUNNEL" validate "$FIB"
expect 0 "" env RUNNEL_MAX_INPUT=$size "$RUNNEL" run --invoke fib - 10 < "$FIB"
grep -qx 55 out.txt || fail "fib 10 through stdin at the limit gave $(cat out.txt)"
# the same through a pipe, which has no size to look at: read up to the limit plus one byte
cat "$FIB" | expect 0 "" env RUNNEL_MAX_INPUT=$size "$RUNNEL" run --invoke fib - 10
grep -qx 55 out.txt || fail "fib 10 through a pipe at the limit gave $(cat out.txt)"
cat "$FIB" | expect 1 "cannot read stdin: larger than the input limit of $((size - 1)) bytes" \
    env RUNNEL_MAX_INPUT=$((size - 1)) "$RUNNEL" run --invoke fib - 10
expect 0 "" env RUNNEL_MAX_INPUT=$(stat -c %s "$COUNTER") "$RUNNEL" send "$COUNTER" increment

# a limit that is not a number is an error, not ignored
expect 1 "RUNNEL_MAX_INPUT must be a positive number of bytes, not 'lots'" env RUNNEL_MAX_INPUT=lots "$RUNNEL" validate "$FIB"
expect 1 "RUNNEL_MAX_INPUT must be a positive number of bytes, not '0'" env RUNNEL_MAX_INPUT=0 "$RUNNEL" validate "$FIB"

# the default limit, 256 MiB, without the variable
unset RUNNEL_MAX_INPUT
expect 1 "cannot read /dev/zero: larger than the input limit of 268435456 bytes" "$RUNNEL" validate /dev/zero
echo PASS
