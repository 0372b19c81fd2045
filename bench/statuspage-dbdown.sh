#!/usr/bin/env bash
# Status page under load while its PostgreSQL database is stopped mid-run:
# vigie serve on a throwaway PostgreSQL cluster (loopback), wrk on the page
# and on /api/v2/summary.json for DURATION (default 10s); halfway through
# the cluster is stopped with `pg_ctl -m immediate`. The snapshot keeps
# being served: the error count must stay 0. Run as root or as a user that
# can run initdb.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is not installed"; exit 2; }
work=$(mktemp -d /tmp/vigie-dbdown.XXXXXX)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && su -s /bin/sh postgres -c "$*"); else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; as_pg "$pg_bin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
pgport=$(free_port); port=$(free_port)
as_pg "$pg_bin/initdb -D $work/pg -U vigie --auth=trust >/dev/null && $pg_bin/pg_ctl -D $work/pg -l $work/pg.log -w -o '-c listen_addresses=127.0.0.1 -p $pgport -k $work' start >/dev/null && $pg_bin/createdb -h 127.0.0.1 -p $pgport -U vigie vigie"
export VIGIE_DATABASE_URL="postgres://vigie@127.0.0.1:$pgport/vigie?sslmode=disable"
go build -o "$work/vigie" ./cmd/vigie
VIGIE_DETECT=false VIGIE_LOG_LEVEL=warn VIGIE_SECRET_KEY=$(head -c 32 /dev/urandom | base64) "$work/vigie" serve --data "$work/data" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$work/vigie" incident declare --scenario whatsapp-outage --auto-publish >/dev/null
sleep 1
for path in /api/v2/summary.json /fr/; do
  ( sleep $((DURATION / 2)); as_pg "$pg_bin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1; echo "   (PostgreSQL stopped at +$((DURATION / 2))s)" ) &
  stopper=$!
  echo "== $path, $CONNS connections, ${DURATION}s"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|requests in" || true
  wait $stopper
  echo "   readyz now: $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/readyz); page: $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/fr/)"
  as_pg "$pg_bin/pg_ctl -D $work/pg -l $work/pg.log -w -o '-c listen_addresses=127.0.0.1 -p $pgport -k $work' start" >/dev/null
  sleep 1
done
echo "vigie RSS: $(awk '/VmRSS/{print $2, $3}' /proc/$pid/status)"
