#!/usr/bin/env bash
# One consumer run under callgrind: consumes the scratch topic bench-consumer-cgd-N (see
# README.md for producing it) into a fresh scratch database, with batches bounded by size only
# (BATCH_SIZE=50000, BATCH_MAX_WAIT_MS=600000: no batch boundary depends on timing), and stops
# it with SIGTERM once it has read everything (3 s without CPU use and some rows committed);
# SIGTERM commits the last partial batch. Prints the total Ir; the output file is
# OUT_DIR/LABEL-N.cg (OUT_DIR default /tmp/cgd/out).
#
# Usage: measure.sh LABEL BUILD_DIR CONFIG_YML N
set -euo pipefail
label=$1 bin=$2 cfg=$3 n=$4
root=$(cd "$(dirname "$0")/../../.." && pwd)
out_dir=${OUT_DIR:-/tmp/cgd/out}
mkdir -p "$out_dir"
set -a; . "$root/.stack/env"; set +a
admin=$DATABASE_URL base=${DATABASE_URL%/*}
db=cgd_${label//-/_}_$n
psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -X -q "$base/$db" -c "CREATE EXTENSION postgis" >/dev/null
t=bench-consumer-cgd-$n
out=$out_dir/$label-$n
rm -f "$out.cg" "$out.log"
TOPIC=$t DEAD_LETTER_TOPIC=$t.dlq JOBS_TOPIC=$t.jobs CONSUMER_GROUP=cgd-grp-$label-$n \
DATABASE_URL=$base/$db BATCH_SIZE=50000 BATCH_MAX_WAIT_MS=600000 \
  valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$bin/consumer/tripstream-consumer" \
  --config "$cfg" --id cgd-consumer >"$out.log" 2>&1 &
pid=$!
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
idle=0 prev=$(ticks)
while kill -0 $pid 2>/dev/null; do
  sleep 1; cur=$(ticks); d=$((cur - prev)); prev=$cur
  stored=$(psql -X -Atc "SELECT count(*) FROM tripstream.trips" "$base/$db" 2>/dev/null || echo 0)
  if [ "${stored:-0}" -gt 0 ] && [ $d -lt 25 ]; then idle=$((idle + 1)); else idle=0; fi
  [ $idle -ge 3 ] && break
done
kill -TERM $pid; wait $pid || true
stored=$(psql -X -Atc "SELECT count(*) FROM tripstream.trips" "$base/$db")
ir=$(grep -m1 '^summary:\|^totals:' "$out.cg" | awk '{print $2}')
echo "$label n=$n stored=$stored Ir=$ir"
[ "$stored" -eq "$n" ] || echo "WARNING: $stored rows stored, expected $n: stopped too early, run again" >&2
psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
