#!/usr/bin/env bash
# config_text.sh RUNNEL PLUGINS_DIR - what `runnel call` is told on its command line reaches the manifest
# whole or is refused: a --config value, an --allow-path or a --link that is not valid UTF-8 (a manifest
# holds only UTF-8 text) is an error naming the flag, not dropped (the plugin would then run with its
# default). (Keys and paths are also no longer cut at a fixed length: 1023 bytes for a --config key,
# 4095 for an --allow-path; that is not visible to the plugins at hand, so it is not tested here.)
set -euo pipefail
runnel=${1:?usage: config_text.sh RUNNEL PLUGINS_DIR}
plugins=${2:?usage: config_text.sh RUNNEL PLUGINS_DIR}
fail=0
check() { # what, expected rc, stderr regex, args...
  local what=$1 want=$2 re=$3
  shift 3
  local rc=0
  "$runnel" call "$@" >/tmp/config_text.$$.out 2>/tmp/config_text.$$.err || rc=$?
  if [ "$rc" = "$want" ] && grep -qE -- "$re" /tmp/config_text.$$.err; then
    echo "ok   $what"
  else
    echo "FAIL $what: rc $rc (wanted $want), stderr:"; cat /tmp/config_text.$$.err; fail=1
  fi
}
bad=$(printf 'a\377')
check "a --config value that is not UTF-8 is refused" 1 "--config: vowels=.* is not valid UTF-8" \
  "$plugins/code.wasm" count_vowels -i aaa --config "vowels=$bad"
check "a --config key that is not UTF-8 is refused" 1 "--config: .* is not valid UTF-8" \
  "$plugins/code.wasm" count_vowels -i aaa --config "$bad=x"
check "an --allow-path that is not UTF-8 is refused" 1 "--allow-path: .* is not valid UTF-8" \
  "$plugins/code.wasm" count_vowels -i aaa --allow-path "/tmp/$bad:/data"
check "a --link name that is not UTF-8 is refused" 1 "--link: .* is not valid UTF-8" \
  "$plugins/code.wasm" count_vowels -i aaa --link "$bad=$plugins/code.wasm"
rm -f /tmp/config_text.$$.out /tmp/config_text.$$.err
[ "$fail" = 0 ] && echo "PASS config_text" || exit 1
