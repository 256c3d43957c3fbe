# Helpers shared by the benchmark scripts. Sourced.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

BENCH_OUT="$TRIPSTREAM_ROOT/benchmarks/out"   # git-ignored: data sets and raw results
mkdir -p "$BENCH_OUT"

machine_line() {
  printf '%s, %s cores, %s RAM, %s' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
    "$(nproc)" "$(free -h | awk '/^Mem:/{print $2}')" "$(. /etc/os-release && echo "$PRETTY_NAME")"
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
