#!/bin/sh
# Side by side: builds the server of this checkout, starts it on the seeded
# database, runs bench/feedload -mode side against it, stops it, and writes
# the table to $OUT/side-<label>.md (docs/benchmarks.md, "Side by side").
#
#   bench/side.sh before        # on the base commit
#   bench/side.sh after         # on the branch being measured
#
# Environment (defaults in brackets): DATABASE_URL [kira_bench on
# 127.0.0.1], KIRA_DATA_DIR [/tmp/kira-bench-data], ADDR [127.0.0.1:18080],
# OUT [/tmp/kb]; any further arguments go to feedload (-d 5s, -routes …).
set -eu
label=${1:-run}
[ $# -gt 0 ] && shift
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kira_bench?sslmode=disable}
KIRA_DATA_DIR=${KIRA_DATA_DIR:-/tmp/kira-bench-data}
ADDR=${ADDR:-127.0.0.1:18080}
OUT=${OUT:-/tmp/kb}
mkdir -p "$OUT"
go build -o "$OUT/kira-$label" ./cmd/kira
go build -o "$OUT/feedload" ./bench/feedload
DATABASE_URL=$DATABASE_URL KIRA_DATA_DIR=$KIRA_DATA_DIR KIRA_ADDR=$ADDR KIRA_LOG_LEVEL=warn \
	"$OUT/kira-$label" serve >"$OUT/server-$label.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 50); do
	curl -fs "http://$ADDR/health" >/dev/null 2>&1 && break
	sleep 0.2
done
"$OUT/feedload" -url "http://$ADDR" -db "$DATABASE_URL" -data-dir "$KIRA_DATA_DIR" -pid "$server" "$@" \
	| tee "$OUT/side-$label.md"
