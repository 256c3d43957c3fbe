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

# Runs a build command with ninja's per-file progress lines filtered out of its output and
# returns the build command's own exit status (not the filter's), whatever the caller's
# shell options (errexit, pipefail).
run_build() {
  local status_file status
  status_file=$(mktemp "${TMPDIR:-/tmp}/tripstream-build-status.XXXXXX")
  { status=0; "$@" || status=$?; echo "$status" >"$status_file"; } \
    | { grep -Ev '^\[[0-9]+/[0-9]+\] (Building|Linking)' || true; }
  status=$(cat "$status_file"); rm -f "$status_file"
  return "${status:-1}"
}

# Configures DIR with the CMakePresets.json preset PRESET (once: when DIR has no build.ninja
# yet) and builds TARGETS there (everything when none is named). Exits on failure.
build_tree() {
  local preset=$1 dir=$2; shift 2
  local werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir (preset $preset)"
    cmake --preset "$preset" -S "$TRIPSTREAM_ROOT" -B "$dir" -DTRIPSTREAM_WERROR="$werror" >/dev/null \
      || die "configuring $dir failed"
  fi
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  say "building $dir${*:+ ($*)}"
  run_build cmake --build "$dir" --parallel "$(nproc)" "${targets[@]}" || die "build failed ($dir)"
}

# Configures (once) and builds the Release tree ($BUILD_DIR).
build_release() { build_tree release "$BUILD_DIR"; }

# Runs ctest in the build folder DIR with ARGS (e.g. -L unit, -R REGEX) and returns non-zero
# unless tests ran and every one of them passed. Fails the run: a failed test; a skipped one
# (ctest's "Not Run": gtest_discover_tests maps GoogleTest's SKIPPED to it, and GoogleTest
# 1.12 reports the tests of a suite whose SetUpTestSuite() failed as SKIPPED; ctest itself
# counts neither as a failure); a test whose executable is missing; a selection that matches
# no test (--no-tests=error). The verdict comes from ctest's JUnit report, not its summary.
run_ctest() {
  local dir=$1; shift
  local junit status=0
  junit=$(mktemp "${TMPDIR:-/tmp}/tripstream-ctest.XXXXXX")
  (cd "$dir" && ctest --output-on-failure --no-tests=error --output-junit "$junit" "$@") || status=$?
  local total=0 ran=0 failed=0 not_run=0 disabled=0
  if [ -s "$junit" ]; then
    total=$(grep -c '<testcase ' "$junit" || true)
    ran=$(grep -c '<testcase [^>]*status="run"' "$junit" || true)
    failed=$(grep -c '<testcase [^>]*status="fail"' "$junit" || true)
    not_run=$(grep -c '<testcase [^>]*status="notrun"' "$junit" || true)
    disabled=$(grep -c '<testcase [^>]*status="disabled"' "$junit" || true)
  fi
  local other=$((total - ran - failed - not_run - disabled))
  local problems=()
  [ "$status" -eq 0 ] || problems+=("ctest exited with status $status")
  [ "$total" -gt 0 ] || problems+=("no test ran (nothing built, or a -L/-R selection that matches no test)")
  [ "$failed" -eq 0 ] || problems+=("$failed tests failed")
  if [ "$not_run" -gt 0 ]; then
    problems+=("$not_run tests skipped or not run (a failed SetUpTestSuite, GTEST_SKIP, a missing executable):")
    mapfile -t -O "${#problems[@]}" problems \
      < <(sed -n 's/.*<testcase name="\([^"]*\)"[^>]*status="notrun".*/  \1/p' "$junit")
  fi
  [ "$other" -eq 0 ] || problems+=("$other tests with a status this check does not know")
  rm -f "$junit"
  if [ "${#problems[@]}" -gt 0 ]; then
    printf '\033[1;31m[tripstream] ctest in %s did not pass:\033[0m\n' "$dir" >&2
    printf '  %s\n' "${problems[@]}" >&2
    return 1
  fi
  [ "$disabled" -eq 0 ] || say "ctest: $disabled disabled tests (DISABLED_ in their names) did not run"
  say "ctest: all $ran tests passed ($dir)"
}

# Loads the connection settings that 'scripts/stack up' wrote.
load_stack_env() {
  [ -f "$STACK_DIR/env" ] || die "no $STACK_DIR/env: run scripts/stack up first"
  # shellcheck disable=SC1091
  set -a; . "$STACK_DIR/env"; set +a
}
