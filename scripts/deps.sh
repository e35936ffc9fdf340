#!/usr/bin/env bash
# deps.sh - make sure the Debian packages runnel needs are installed.
#
# Shared by scripts/test.sh, scripts/demo.sh and .ci/run, so that there is one list. It asks apt only when
# something is missing (checked with dpkg-query, which needs no network), and then runs `apt-get update`
# once before installing: a machine that already has everything never touches the network.
set -euo pipefail

RUNNEL_PACKAGES=(
  build-essential cmake pkg-config     # the C toolchain and the build
  libjansson-dev                       # JSON (manifests, actor messages, the spec runner)
  libcmocka-dev                        # unit tests
  clang lld libclang-rt-14-dev         # the second compiler, libFuzzer and the sanitizers' runtimes
  wabt                                 # wat2wasm & co. for examples and tests
  binaryen                             # wasm-opt -ttf: the modules of the differential test against V8 (tests/diff)
  wasi-libc libclang-rt-14-dev-wasm32  # building C examples and plugins to wasm32-wasi
  libcurl4-openssl-dev                 # Extism's http_request
  libsqlite3-dev                       # the graph layer's state file (runnel run GRAPH --state)
  sqlite3                              # tests read state files with it
  libwebsockets-dev                    # runnel serve: the FBP Network Protocol over WebSocket
  chromium                             # runnel serve's live view, tested in headless Chromium
  nodejs                               # cross-checks against reference implementations (V8; npm fbp, with the npm that comes with it)
)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${RUNNEL_PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "deps.sh: missing packages (${missing[*]}) and not root; install them and retry" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
