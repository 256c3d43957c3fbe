# Shared helpers for the scripts in this folder. Sourced, not executed.
# shellcheck shell=bash

TRIPSTREAM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${TRIPSTREAM_STACK_DIR:-$TRIPSTREAM_ROOT/.stack}"
BUILD_DIR="${TRIPSTREAM_BUILD_DIR:-$TRIPSTREAM_ROOT/build/release}"

say() { printf '\033[1m[tripstream]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[tripstream] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install sudo or run as root)"; fi
}

# Configures (once) and builds the Release tree.
build_release() {
  local werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    say "configuring $BUILD_DIR"
    cmake --preset release -S "$TRIPSTREAM_ROOT" -DTRIPSTREAM_WERROR="$werror" >/dev/null
  fi
  say "building (Release)"
  cmake --build "$BUILD_DIR" --parallel "$(nproc)" | grep -Ev '^\[[0-9]+/[0-9]+\] (Building|Linking)' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "build failed"
}

# Loads the connection settings that 'scripts/stack up' wrote.
load_stack_env() {
  [ -f "$STACK_DIR/env" ] || die "no $STACK_DIR/env: run scripts/stack up first"
  # shellcheck disable=SC1091
  set -a; . "$STACK_DIR/env"; set +a
}
