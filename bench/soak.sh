#!/bin/sh
# Soak: builds the server and bench/soak of this checkout, seeds a fresh
# data directory, starts INSTANCES `kira serve` processes on it, runs the
# soak against all of them and writes the report to $OUT/soak.md
# (docs/benchmarks.md, "Soak").
#
#   bench/soak.sh -duration 10m -ws 50
#   INSTANCES=2 DATABASE_URL=postgres://… REDIS_URL=redis://… bench/soak.sh -duration 10m
#
# Environment (defaults in brackets): INSTANCES [1]; DATABASE_URL [empty:
# SQLite, one instance only] and REDIS_URL [empty], shared by the
# instances; REDIS_PREFIX [kira-soak-<pid>:]; KIRA_DATA_DIR [a new
# directory under $OUT], shared (development key, URL key, blobs); PORT
# [18090, then +1 per instance]; SEED ["--users 200 --posts 5000"]; OUT
# [/tmp/kira-soak]. Rate limits stay at their defaults; the one setting
# added is RATE_LIMIT_TRUSTED_PROXIES=127.0.0.1 with soak's
# -forwarded-for, so that each simulated user is its own client IP. Further
# arguments go to soak.
set -eu
INSTANCES=${INSTANCES:-1}
OUT=${OUT:-/tmp/kira-soak}
PORT=${PORT:-18090}
SEED=${SEED:---users 200 --posts 5000}
export DATABASE_URL=${DATABASE_URL:-}
export REDIS_URL=${REDIS_URL:-}
export REDIS_PREFIX=${REDIS_PREFIX:-kira-soak-$$:}
mkdir -p "$OUT"
export KIRA_DATA_DIR=${KIRA_DATA_DIR:-$(mktemp -d "$OUT/data.XXXXXX")}
if [ "$INSTANCES" -gt 1 ] && [ -z "$DATABASE_URL" ]; then
	echo "soak.sh: several instances need DATABASE_URL (and REDIS_URL)" >&2
	exit 2
fi
go build -o "$OUT/kira" ./cmd/kira
go build -o "$OUT/soak" ./bench/soak
"$OUT/kira" seed $SEED --quiet
pids=""
urls=""
trap 'kill $pids 2>/dev/null || true' EXIT INT TERM
for i in $(seq "$INSTANCES"); do
	port=$((PORT + i - 1))
	KIRA_ADDR=127.0.0.1:$port KIRA_PUBLIC_URL=http://127.0.0.1:$port KIRA_LOG_LEVEL=warn \
		RATE_LIMIT_TRUSTED_PROXIES=127.0.0.1 "$OUT/kira" serve >"$OUT/server-$i.log" 2>&1 &
	pids="$pids $!"
	urls="$urls${urls:+,}http://127.0.0.1:$port"
	for _ in $(seq 100); do # the first applies the migrations and makes the keys: wait for it
		curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
		sleep 0.2
	done
done
set +e
"$OUT/soak" -url "$urls" -data-dir "$KIRA_DATA_DIR" -kira "$OUT/kira" -forwarded-for "$@" >"$OUT/soak.md"
rc=$?
cat "$OUT/soak.md"
exit $rc
