#!/usr/bin/env bash
# state_file.sh RUNNEL GRAPH WORKDIR COMPONENTS... - `runnel run GRAPH --state FILE` keeps the promises
# `runnel send --state` keeps (docs/graphs.md, "Durable state"): a file that is not a runnel state
# database is refused and left byte for byte as it was, the file's mode is kept, a symbolic link is
# followed (the link stays) and one to nothing is refused. And the one writer (fileio.h) writes into a
# FIFO or device rather than replacing it.
set -uo pipefail
runnel=$(realpath "$1") graph=$(realpath "$2") work=$3
shift 3
comps=()
for d in "$@"; do comps+=(--components "$(realpath "$d")"); done
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 1
command -v sqlite3 >/dev/null || { echo "state_file: sqlite3 (the Debian package) is needed"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }

# run DB [N]: N messages (default 1, all 5) through the graph with --state DB; sets rc, out, err. A state
# file remembers how many inputs it accepted, so a second run on it takes only the ones after those.
run() {
    out=$(for ((i = 0; i < ${2:-1}; i++)); do echo '{"port":"in","message":5}'; done | "$runnel" run --quiet --state "$1" "${comps[@]}" "$graph" 2>err.txt)
    rc=$?
    err=$(cat err.txt)
}

# 1. a text file: refused, unchanged
printf 'shopping list\nmilk\n' > notes.db
run notes.db
[ $rc != 0 ] && [[ $err == *"not a runnel state file"*"left untouched"* ]] || fail "text: exit $rc, stderr '$err'"
[ "$(cat notes.db)" = "$(printf 'shopping list\nmilk')" ] || fail "text: the file changed"

# 2. an SQLite database of something else: refused, unchanged (no tables added, not switched to WAL)
sqlite3 mine.db "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ada');"
sum=$(sha256sum < mine.db)
run mine.db
[ $rc != 0 ] && [[ $err == *"database of something else (it holds \`contacts\`)"* ]] ||
    fail "foreign db: exit $rc, stderr '$err'"
[ "$(sha256sum < mine.db)" = "$sum" ] || fail "foreign db: the file changed ($(sqlite3 mine.db .tables))"
[ ! -e mine.db-wal ] || fail "foreign db: a WAL file was made"

# 3. a state file of mode 0600 stays 0600 through a run that writes to it
run private.db
[ $rc = 0 ] || fail "first run: exit $rc, stderr '$err'"
chmod 600 private.db
run private.db 2
[ $rc = 0 ] && [[ $out == *'"data":20'* ]] || fail "0600: exit $rc, stdout '$out', stderr '$err'"
[ "$(stat -c %a private.db)" = 600 ] || fail "0600: mode is now $(stat -c %a private.db)"

# 4. a symbolic link: the database it points to is used, the link stays
mkdir real
run real/state.db
ln -s real/state.db link.db
run link.db 2
[ $rc = 0 ] && [[ $out == *'"data":20'* ]] || fail "symlink: exit $rc, stdout '$out', stderr '$err'"
[ -L link.db ] || fail "symlink: link.db is no longer a symbolic link"
[ "$(sqlite3 real/state.db "SELECT n_in FROM runnel_nodes WHERE id = 'tally'")" = 2 ] ||
    fail "symlink: the target does not hold both runs"

# 5. a symbolic link to nothing: refused, nothing created
ln -s missing/state.db dangling.db
run dangling.db
[ $rc != 0 ] && [[ $err == *"symbolic link to a file that does not exist"* ]] || fail "dangling: exit $rc, stderr '$err'"
[ ! -e missing ] || fail "dangling: something was created"
# 6. an output that is a FIFO (or a device such as /dev/null) is written into, not replaced by a file:
#    `graph convert -o` goes through the same writer as the state files
mkfifo out.fifo
timeout 60 cat out.fifo > got.json &
reader=$!
"$runnel" graph convert "$graph" --to reflow -o out.fifo 2>err.txt
rc=$?
[ -p out.fifo ] || { kill $reader 2>/dev/null; fail "fifo: out.fifo is no longer a FIFO"; }
wait $reader
[ $rc = 0 ] && grep -q '"processes"' got.json || fail "fifo: exit $rc, read '$(head -c 200 got.json)', stderr '$(cat err.txt)'"
echo PASS
