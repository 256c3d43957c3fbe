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
