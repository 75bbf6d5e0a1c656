#!/usr/bin/env bash
# One load run against `jalin serve` as shipped (see README.md beside this file):
#   DATABASE_URL=postgres://…/jalin_load JALIN_DATA_DIR=/tmp/jalin-load bench/load/run.sh [duration] [users] [spawn rate]
# The database must be migrated and seeded (`jalin manage seed_volume …`). Prints the load average, the
# check before and after (queries per page, action steps, audit verify) and locust's figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-5m}; users=${2:-50}; rate=${3:-5}
port=${JALIN_LOAD_PORT:-8765}
export SECRET_KEY=${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export ALLOWED_HOSTS=127.0.0.1 JALIN_LOG_LEVEL=WARNING
echo "== $(date -u +%FT%TZ) database: ${DATABASE_URL:-SQLite in $JALIN_DATA_DIR}; $(uptime)"
python bench/load/check.py --skip-verify
jalin serve --bind "127.0.0.1:$port" > /tmp/jalin-load-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf -o /dev/null -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$port/login/" && break; sleep 1; done
# Warm every worker and thread (a server that has been up a while): 24 parallel requests of the login page.
seq 24 | xargs -P 12 -I{} curl -sf -o /dev/null -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$port/login/"
locust -f bench/load/locustfile.py --headless -u "$users" -r "$rate" -t "$duration" -H "http://127.0.0.1:$port" \
  --only-summary --loglevel WARNING 2>&1 | sed -n '/^run:/,$p' || true  # locust exits 1 when a request failed
echo "== after: $(uptime)"
kill $server; wait $server 2>/dev/null || true
trap - EXIT
python bench/load/check.py
grep -c '" 5[0-9][0-9] ' /tmp/jalin-load-serve.log | sed 's/^/server log: HTTP 5xx lines: /' || true
