#!/bin/bash
# state_file.sh - `runnel send --state FILE` never destroys a file it cannot use, and replaces the
# state the way docs/actors.md promises (atomically, keeping the file's mode, through a symlink).
#
#   bash state_file.sh RUNNEL COUNTER.wasm
#
# Every case checks the exit code, the message and the file afterwards; the first failure ends the
# script with a message. The unreadable-file case needs a user other than root (root reads anything):
# as root it runs the command as nobody through setpriv, and is skipped only when that is impossible.
set -u
RUNNEL=$(realpath "$1")
PLUGIN=$(realpath "$2")
dir=$(mktemp -d)
trap 'chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
chmod 755 "$dir"
cd "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# send STATE: runs the counter's increment with --state STATE; sets rc, out, err
send() {
    out=$("$RUNNEL" send "$PLUGIN" increment --state "$1" 2>err.txt)
    rc=$?
    err=$(cat err.txt)
}

# 1. a file that is not JSON: refused, untouched
printf 'my notes, not JSON\n' > notes.json
send notes.json
[ $rc = 1 ] || fail "not JSON: exit $rc, want 1"
[[ $err == *"not JSON"*"left untouched"* ]] || fail "not JSON: stderr '$err'"
[ "$(cat notes.json)" = "my notes, not JSON" ] || fail "not JSON: the file changed"

# 2. JSON that is not an object: refused, untouched
echo '[1, 2]' > array.json
send array.json
[ $rc = 1 ] && [[ $err == *"must be a JSON object"* ]] || fail "array: exit $rc, stderr '$err'"
[ "$(cat array.json)" = "[1, 2]" ] || fail "array: the file changed"

# 3. a directory in the state file's place: refused, still a directory with its contents
mkdir state.d && echo keep > state.d/inside
send state.d
[ $rc = 1 ] && [[ $err == *"cannot read it"*"directory"* ]] || fail "directory: exit $rc, stderr '$err'"
[ -d state.d ] && [ "$(cat state.d/inside)" = keep ] || fail "directory: it changed"

# 4. a state file of mode 0600 comes back 0600, with the new state
echo '{"count":5}' > private.json
chmod 600 private.json
send private.json
[ $rc = 0 ] && [[ $out == *'"data":6'* ]] || fail "0600: exit $rc, stdout '$out' stderr '$err'"
[ "$(stat -c %a private.json)" = 600 ] || fail "0600: mode is now $(stat -c %a private.json)"
[ "$(cat private.json)" = '{"count":6}' ] || fail "0600: the file holds '$(cat private.json)'"
ls private.json.* >/dev/null 2>&1 && fail "0600: a temporary file was left behind"

# 5. a symbolic link: the file it points to gets the new state, the link stays a link
mkdir real && echo '{"count":7}' > real/state.json && chmod 640 real/state.json
ln -s real/state.json link.json
send link.json
[ $rc = 0 ] && [[ $out == *'"data":8'* ]] || fail "symlink: exit $rc, stdout '$out' stderr '$err'"
[ -L link.json ] || fail "symlink: link.json is no longer a symbolic link"
[ "$(cat real/state.json)" = '{"count":8}' ] || fail "symlink: the target holds '$(cat real/state.json)'"
[ "$(stat -c %a real/state.json)" = 640 ] || fail "symlink: the target's mode is now $(stat -c %a real/state.json)"

# 6. a symbolic link to nothing: refused, the link untouched
ln -s missing/state.json dangling.json
send dangling.json
[ $rc = 1 ] && [[ $err == *"symbolic link to a file that does not exist"* ]] || fail "dangling: exit $rc, stderr '$err'"
[ -L dangling.json ] && [ ! -e missing ] || fail "dangling: something was created"

# 7. no file yet: a first run creates it
send fresh.json
[ $rc = 0 ] && [ "$(cat fresh.json)" = '{"count":1}' ] || fail "fresh: exit $rc, file '$(cat fresh.json 2>&1)'"

# 8. a state file over the input limit: refused, untouched
echo '{"count":5,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' > big.json
before=$(cat big.json)
out=$(RUNNEL_MAX_INPUT=16 "$RUNNEL" send "$PLUGIN" increment --state big.json 2>err.txt)
rc=$?
err=$(cat err.txt)
[ $rc = 1 ] && [[ $err == *"larger than the input limit of 16 bytes"* ]] || fail "limit: exit $rc, stderr '$err'"
[ "$(cat big.json)" = "$before" ] || fail "limit: the file changed"

# 9. a file this user cannot read (mode 000), in a directory it may write: refused, untouched
echo '{"count":9}' > locked.json
chmod 000 locked.json
if [ "$(id -u)" = 0 ]; then
    if ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
        echo "skipped: the unreadable-file case (root, and no setpriv to become another user)"
        echo "PASS"
        exit 0
    fi
    chmod 1777 "$dir"
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
    as_user=()
fi
out=$("${as_user[@]}" "$RUNNEL" send "$PLUGIN" increment --state locked.json 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *"cannot read it"*"ermission denied"* ]] || fail "unreadable: exit $rc, output '$out'"
chmod 600 locked.json
[ "$(cat locked.json)" = '{"count":9}' ] || fail "unreadable: the file changed"
echo "PASS"
