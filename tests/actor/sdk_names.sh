#!/usr/bin/env bash
# sdk_names.sh SOURCE_DIR - the guest SDK (sdk/c/runnel.h) and the host's public headers
# (include/runnel/*.h, extism.h included) share no name: a program that embeds runnel and also builds
# actors (a test, a tool) can include both, and a name meaning one thing in a guest and another in the
# host would confuse a reader even where it compiles. Every identifier beginning runnel_/RUNNEL_ (any
# case) in the SDK is compared with those of the host headers; any common one fails, named.
set -euo pipefail
src=${1:?usage: sdk_names.sh SOURCE_DIR}
names() { grep -ohE '\b[Rr][Uu][Nn][Nn][Ee][Ll]_[A-Za-z0-9_]+' "$@" | sort -u; }
sdk=$(names "$src/sdk/c/runnel.h")
host=$(names "$src"/include/runnel/*.h)
[ "$(printf '%s\n' "$sdk" | wc -l)" -gt 50 ] || { echo "FAIL: too few names read from the SDK"; exit 1; }
[ "$(printf '%s\n' "$host" | wc -l)" -gt 100 ] || { echo "FAIL: too few names read from the host headers"; exit 1; }
common=$(comm -12 <(printf '%s\n' "$sdk") <(printf '%s\n' "$host"))
if [ -n "$common" ]; then
  echo "FAIL: names in both the guest SDK and the host's headers:"
  printf '  %s\n' $common
  exit 1
fi
echo "ok   $(printf '%s\n' "$sdk" | wc -l) SDK names, $(printf '%s\n' "$host" | wc -l) host names, none shared"
