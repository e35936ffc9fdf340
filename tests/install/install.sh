#!/usr/bin/env bash
# install.sh MODE - the installed tree, as an embedder meets it (tests/install/CMakeLists.txt runs each
# mode as one ctest test). The environment says where things are:
#   BUILD    the build directory          PREFIX   the prefix to install into (under BUILD, no root)
#   LIBDIR   lib, as CMAKE_INSTALL_LIBDIR  HERE     this directory (the embedders' sources)
#   CC       the build's C compiler        SANFLAGS the build's sanitizer flags (an embedder of
#   FIB      examples' fib.wasm                     sanitized libraries must be sanitized too)
#   CODE     Extism's code.wasm (count_vowels)
# Modes:
#   setup     cmake --install BUILD --prefix PREFIX, then the extism_compat component into the same prefix
#   exports   every installed shared library exports the public API and nothing else: no rn_ name, only
#             runnel_/extism_ names, no rn_ name left undefined; together they export exactly the functions
#             the headers mark RUNNEL_API; the engine needs nothing but libc and libm; the support
#             objects (linked privately into every shared library) keep no state
#   pkgconfig docs/embedding.md shows host_engine.c unchanged; embedders built with
#             `$CC $(pkg-config --cflags --libs runnel-engine)` (and runnel-plugin,
#             and extism for the drop-in) only, then run
#   cmake     the same embedders built by a CMake project with find_package(runnel), shared and static
#   man       a man page for runnel and each subcommand its --help lists, made from that help
set -euo pipefail
trap 'echo "FAIL: install.sh line $LINENO: $BASH_COMMAND"' ERR
mode=${1:?usage: install.sh setup|exports|pkgconfig|cmake|man}
: "${BUILD:?}" "${PREFIX:?}" "${LIBDIR:?}" "${HERE:?}" "${CC:?}"
SANFLAGS=${SANFLAGS:-}
lib="$PREFIX/$LIBDIR"
work="$PREFIX.work/$mode"
fail() { echo "FAIL: $*"; exit 1; }

# expect NAME WANT_RC WANT_OUTPUT CMD...: run CMD (stdout and stderr), check its status and that its
# output contains WANT_OUTPUT
expect() {
  local name=$1 want_rc=$2 want=$3 rc=0 out
  shift 3
  out=$(LD_LIBRARY_PATH="$lib" "$@" 2>&1) || rc=$?
  [ "$rc" = "$want_rc" ] || fail "$name: exit $rc, wanted $want_rc; output: $out"
  [[ "$out" == *"$want"* ]] || fail "$name: output lacks '$want': $out"
  echo "ok   $name: $out"
}

case $mode in
setup)
  rm -rf "$PREFIX" "$PREFIX.work"
  cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
  cmake --install "$BUILD" --prefix "$PREFIX" --component extism_compat >/dev/null
  for f in bin/runnel include/runnel/engine.h include/runnel/extism.h include/runnel/export.h include/extism.h \
           "$LIBDIR/librunnel-engine.a" "$LIBDIR/librunnel-engine.so" "$LIBDIR/libextism.so" \
           "$LIBDIR/pkgconfig/runnel-engine.pc" "$LIBDIR/cmake/runnel/runnelConfig.cmake"; do
    [ -e "$PREFIX/$f" ] || fail "not installed: $f"
  done
  echo "PASS installed into $PREFIX"
  ;;

exports)
  # the functions the public headers declare with RUNNEL_API
  api=$(grep -ohE '^RUNNEL_API [^(]*\b(runnel|extism)_[A-Za-z0-9_]+\(' "$PREFIX"/include/runnel/*.h |
        grep -oE '(runnel|extism)_[A-Za-z0-9_]+\($' | tr -d '(' | sort -u)
  [ "$(printf '%s\n' "$api" | wc -l)" -gt 200 ] || fail "too few RUNNEL_API functions read from the headers"
  layers=""
  nlibs=0
  for so in "$lib"/librunnel*.so "$lib"/libextism.so; do
    real=$(readlink -f "$so")
    [ -f "$real" ] || fail "$so: no library behind it"
    nlibs=$((nlibs + 1))
    exported=$(nm -D --defined-only "$real" | awk 'NF == 3 {print $3}' | sort -u)
    bad=$(printf '%s\n' "$exported" | grep -vE '^(runnel|extism)_' || true)
    [ -z "$bad" ] || fail "$(basename "$so") exports names outside the API: $(echo $bad)"
    rn=$(nm -D "$real" | grep -E ' rn_' || true)
    [ -z "$rn" ] || fail "$(basename "$so") exports or needs rn_ names: $(echo $rn)"
    missing=$(comm -13 <(printf '%s\n' "$api") <(printf '%s\n' "$exported"))
    [ -z "$missing" ] || fail "$(basename "$so") exports what no header declares RUNNEL_API: $(echo $missing)"
    case $(basename "$so") in
    librunnel.so) union=$exported ;;
    librunnel-*.so) layers+="$exported"$'\n' ;;
    esac
    echo "ok   $(basename "$real"): $(printf '%s\n' "$exported" | wc -l) functions, all runnel_/extism_"
  done
  [ "$nlibs" -ge 8 ] || fail "only $nlibs shared libraries installed"
  layers=$(printf '%s' "$layers" | sort -u)
  for set in union layers; do
    lost=$(comm -23 <(printf '%s\n' "$api") <(printf '%s\n' "${!set}"))
    [ -z "$lost" ] || fail "declared RUNNEL_API but not exported ($set): $(echo $lost)"
  done
  # the engine: libc and libm only (and a sanitizer's runtime in a sanitizer build)
  needed=$(readelf -d "$lib/librunnel-engine.so" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5}')
  for n in $needed; do
    case $n in
    libc.so.* | libm.so.* | ld-linux*) ;;
    libasan.so.* | libubsan.so.* | libtsan.so.* | libgcc_s.so.* | libstdc++.so.* | libpthread.so.* | libdl.so.* | librt.so.*)
      [ -n "$SANFLAGS" ] || fail "librunnel-engine.so needs $n" ;;
    *) fail "librunnel-engine.so needs $n (the engine may use libc and libm only)" ;;
    esac
  done
  echo "ok   librunnel-engine.so needs: $(echo $needed)"
  # the support objects, of which every shared library has its own copy, keep no state (no data, no bss)
  objs=$(find "$BUILD/CMakeFiles/runnel_support_objects.dir" -name '*.o' | sort)
  [ -n "$objs" ] || fail "no support objects under $BUILD"
  # shellcheck disable=SC2086
  state=$(nm $objs | grep -E ' [bBdDgGsS] ' || true)
  [ -z "$state" ] || fail "the support objects keep state, and each shared library would have its own: $state"
  echo "ok   support objects ($(echo $objs | wc -w)) keep no state"
  echo "PASS $(printf '%s\n' "$api" | wc -l) API functions, exported exactly, by $nlibs libraries"
  ;;

pkgconfig)
  # docs/embedding.md shows host_engine.c as it is: the first C block after "## A minimal host"
  doc="$HERE/../../docs/embedding.md"
  shown=$(awk '/^## A minimal host/ {on = 1} on && /^```c$/ {c = 1; next} c && /^```$/ {exit} c {print}' "$doc")
  [ "$shown" = "$(cat "$HERE/host_engine.c")" ] || fail "docs/embedding.md does not show tests/install/host_engine.c as it is"
  echo "ok   docs/embedding.md shows host_engine.c unchanged"
  export PKG_CONFIG_PATH="$lib/pkgconfig"
  mkdir -p "$work"
  # shellcheck disable=SC2046,SC2086  # word splitting of the flags is intended
  $CC $SANFLAGS -o "$work/host_engine" "$HERE/host_engine.c" $(pkg-config --cflags --libs runnel-engine)
  expect "engine: fib" 0 "fib(25) = 75025" "$work/host_engine" "$FIB" fib 25
  expect "engine: no such export" 1 "error: no such export" "$work/host_engine" "$FIB" nosuch 1
  expect "engine: not wasm" 1 "error: " "$work/host_engine" "$HERE/host_engine.c" fib 1
  expect "engine: usage" 2 "usage: host_engine" "$work/host_engine"
  # shellcheck disable=SC2046,SC2086
  $CC $SANFLAGS -o "$work/host_plugin" "$HERE/host_plugin.c" $(pkg-config --cflags --libs runnel-plugin)
  expect "plugin: count_vowels" 0 '{"count":3,"total":3,"vowels":"aeiouAEIOU"}' \
         "$work/host_plugin" "$CODE" count_vowels "Hello, world!"
  expect "plugin: unknown function" 1 "error: " "$work/host_plugin" "$CODE" nosuch "x"
  # shellcheck disable=SC2046,SC2086
  $CC $SANFLAGS -o "$work/host_extism" "$HERE/host_extism.c" $(pkg-config --cflags --libs extism)
  expect "extism drop-in: count_vowels" 0 '{"count":3,"total":3,"vowels":"aeiouAEIOU"}' \
         "$work/host_extism" "$CODE" count_vowels "Hello, world!"
  echo "PASS embedders built with pkg-config only"
  ;;

cmake)
  mkdir -p "$work"
  cmake -S "$HERE/consumer" -B "$work" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_COMPILER="$CC" \
        -DCMAKE_C_FLAGS="$SANFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SANFLAGS" -DHOSTS_DIR="$HERE" >"$work.log" 2>&1 ||
    { cat "$work.log"; fail "configuring the find_package(runnel) project"; }
  cmake --build "$work" -j2 >>"$work.log" 2>&1 || { cat "$work.log"; fail "building the find_package(runnel) project"; }
  expect "runnel::engine" 0 "fib(25) = 75025" "$work/host_engine" "$FIB" fib 25
  expect "runnel::engine_static" 0 "fib(20) = 6765" "$work/host_engine_static" "$FIB" fib 20
  expect "runnel::plugin_static" 0 '{"count":3,"total":3,"vowels":"aeiouAEIOU"}' \
         "$work/host_plugin_static" "$CODE" count_vowels "Hello, world!"
  if readelf -d "$work/host_engine_static" | grep 'librunnel' >/dev/null; then
    fail "host_engine_static needs a runnel shared library"
  fi
  echo "PASS embedders built with find_package(runnel)"
  ;;

man)
  runnel="$PREFIX/bin/runnel"
  subs=$(LD_LIBRARY_PATH="$lib" "$runnel" --help | awk '/^commands:$/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
  [ "$(printf '%s\n' "$subs" | wc -l)" -ge 8 ] || fail "runnel --help lists too few commands: $subs"
  man1="$PREFIX/share/man/man1"
  [ -s "$man1/runnel.1" ] || fail "no runnel.1"
  for sub in $subs; do
    page="$man1/runnel-$sub.1"
    [ -s "$page" ] || fail "no man page for runnel $sub"
    # true to the help: the page holds the first usage line and the last line of `runnel help SUB`
    help=$("$runnel" help "$sub")
    first=$(printf '%s\n' "$help" | sed -n 1p | sed 's/^usage: //; s/-/\\-/g')
    last=$(printf '%s\n' "$help" | grep -v '^$' | tail -1 | sed 's/^[a-z ]*: //; s/-/\\-/g')
    grep -qF -- "$first" "$page" || fail "runnel-$sub.1 lacks the usage line: $first"
    grep -qF -- "$last" "$page" || fail "runnel-$sub.1 lacks the help's last line: $last"
    if command -v groff >/dev/null; then
      warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
      [ -z "$warn" ] || fail "groff warns on runnel-$sub.1: $warn"
    fi
  done
  echo "PASS man pages: runnel.1 and runnel-{$(echo $subs | tr ' ' ,)}.1"
  ;;

*) fail "unknown mode $mode" ;;
esac
