# Helpers shared by the benchmark scripts. Sourced.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

BENCH_OUT="$TRIPSTREAM_ROOT/benchmarks/out"   # git-ignored: data sets and raw results
mkdir -p "$BENCH_OUT"

machine_line() {
  printf '%s, %s cores, %s RAM, %s' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
    "$(nproc)" "$(free -h | awk '/^Mem:/{print $2}')" "$(. /etc/os-release && echo "$PRETTY_NAME")"
}

# Builds the Release tree unless BENCH_NO_BUILD=1 (then the binaries in BUILD_DIR are used
# as they are, e.g. a build of an exported commit: see source_line).
bench_build() {
  if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
    say "BENCH_NO_BUILD=1: using the binaries in $BUILD_DIR as they are"
  else
    build_release
  fi
}

# What was measured, for the "Run ..." line of a section: the commit of the source the
# binaries in BUILD_DIR were built from and whether the work tree differed from it. A build
# from an exported tree (`git archive COMMIT | tar -x -C DIR`, with DIR/.source-commit holding
# the commit) is named as such; the benchmark scripts themselves are always this tree's.
source_line() {
  local root="$TRIPSTREAM_ROOT" src head changed scripts
  head=$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
  src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
  scripts=$(git -C "$root" status --porcelain --untracked-files=all -- benchmarks 2>/dev/null | grep -vc '^?? benchmarks/out/' || true)
  if [ -n "$src" ] && [ "$src" != "$root" ] && [ -f "$src/.source-commit" ]; then
    printf 'binaries built from an export of commit %s' "$(head -1 "$src/.source-commit" | cut -c1-7)"
    # A second line says what differs from that commit (e.g. benchmark drivers copied in).
    sed -n '2p' "$src/.source-commit" | sed 's/^./ (&/; s/.$/&)/' | tr -d '\n'
  else
    changed=$(git -C "$root" status --porcelain --untracked-files=no -- . ':!docs/benchmarks.md' ':!benchmarks' 2>/dev/null | wc -l)
    printf 'commit %s' "$head"
    [ "$changed" -gt 0 ] && printf ' with %s uncommitted source changes' "$changed"
  fi
  if [ "${scripts:-0}" -gt 0 ]; then
    printf '; benchmark scripts: work tree of commit %s, uncommitted changes under benchmarks/' "$head"
  fi
}

# Generates (once) a CSV of N generated trips with the given seed; prints its path.
generated_csv() {
  local rows="$1" seed="${2:-42}" path="$BENCH_OUT/trips-$1-seed$2.csv"
  if [ ! -s "$path" ]; then
    say "generating $rows trips into $path"
    "$BUILD_DIR/producer/tripstream-producer" --generate "$rows" --seed "$seed" \
      --output "$path.tmp" --progress log >/dev/null
    mv "$path.tmp" "$path"
  fi
  echo "$path"
}

# Replaces the section between <!-- NAME:begin --> and <!-- NAME:end --> in
# docs/benchmarks.md with the contents of FILE (appends the section if absent).
update_benchmarks_doc() {
  local name="$1" file="$2" doc="$TRIPSTREAM_ROOT/docs/benchmarks.md"
  [ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
  python3 - "$doc" "$name" "$file" <<'PY'
import sys, re
doc, name, file = sys.argv[1:]
text = open(doc).read()
body = open(file).read().rstrip("\n")
block = f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->"
pattern = re.compile(rf"<!-- {re.escape(name)}:begin -->.*?<!-- {re.escape(name)}:end -->", re.S)
text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
open(doc, "w").write(text)
PY
}

# Starts tripstream-api in the background on DATABASE (a URL), with any further VAR=value
# settings (e.g. QUERY_ENGINE=database), logging to LOG; waits until it answers /healthz and,
# with the index engine, until its in-memory index and cell aggregate are loaded. Sets
# BENCH_API_PID and BENCH_API_PORT. Usage: bench_start_api DATABASE LOG [VAR=value...]
bench_start_api() {
  local database="$1" log="$2" i engine=index
  shift 2
  for setting in "$@"; do [ "$setting" = QUERY_ENGINE=database ] && engine=database; done
  env DATABASE_URL="$database" LOG_LEVEL=warn API_KEY="" "$@" \
    "$BUILD_DIR/api/tripstream-api" --port 0 >>"$log" 2>&1 &
  BENCH_API_PID=$!
  BENCH_API_PORT=""
  for ((i = 0; i < 600; i++)); do
    kill -0 "$BENCH_API_PID" 2>/dev/null || die "tripstream-api exited (log: $log)"
    BENCH_API_PORT=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$BENCH_API_PID," 'index($0, p) {n = split($4, a, ":"); print a[n]; exit}')
    [ -n "$BENCH_API_PORT" ] && break
    sleep 0.1
  done
  [ -n "$BENCH_API_PORT" ] || die "tripstream-api did not listen (log: $log)"
  until curl -sf "http://127.0.0.1:$BENCH_API_PORT/healthz" >/dev/null; do sleep 0.1; done
  [ "$engine" = index ] || return 0
  for ((i = 0; i < 1200; i++)); do
    [ "$(bench_api_metric tripstream_cell_counts_ready)" = 1 ] &&
      [ "$(bench_api_metric tripstream_index_ready)" = 1 ] && return 0
    kill -0 "$BENCH_API_PID" 2>/dev/null || die "tripstream-api exited (log: $log)"
    sleep 0.5
  done
  die "tripstream-api's index or cell aggregate did not load in 10 minutes (log: $log)"
}

# A gauge of the running benchmark API's /metrics.
bench_api_metric() {
  curl -s "http://127.0.0.1:$BENCH_API_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'
}

bench_stop_api() {
  [ -n "${BENCH_API_PID:-}" ] || return 0
  kill -TERM "$BENCH_API_PID" 2>/dev/null || true
  wait "$BENCH_API_PID" 2>/dev/null || true
  BENCH_API_PID=""
}
