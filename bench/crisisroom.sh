#!/usr/bin/env bash
# Crisis-room latency on SQLite, on loopback: real declarations through the
# API (bench/declare), then wrk on POST /api/v1/incidents (the idempotent
# path: the scenario is already open) and on the crisis-room page of a
# signed-in user. Bounded: DURATION per wrk run (default 10s).
#
#   bash bench/crisisroom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
work=$(mktemp -d /tmp/vigie-crisis.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
go build -o "$work/vigie" ./cmd/vigie
go build -o "$work/declare" ./bench/declare
data="$work/data"
printf '%s\n' 'bench-password-123' | "$work/vigie" user add --data "$data" --username marie --role commander --person marie --password-stdin >/dev/null
token=$("$work/vigie" token create --data "$data" --user marie --scope write | grep -o 'vigie_[A-Za-z0-9_-]*')
VIGIE_DETECT=false VIGIE_LOG_LEVEL=warn "$work/vigie" serve --data "$data" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== real declarations (drill + resolve), sequential"
"$work/declare" -url "$base" -token "$token" -n 200

# An open incident for the idempotent POST and for the page.
id=$(curl -s -H "Authorization: Bearer $token" -d '{"scenario":"whatsapp-outage"}' "$base/api/v1/incidents" | python3 -c 'import json,sys;print(json.load(sys.stdin)["incident"]["id"])')

# Sign in as marie for the page.
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "$base/admin/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" --data-urlencode "csrf=$csrf" --data-urlencode "username=marie" --data-urlencode "password=bench-password-123" "$base/admin/login"
cookie=$(awk '$6=="vigie_session"{print "vigie_session=" $7}' "$jar")
[ -n "$cookie" ] || { echo "sign-in failed"; exit 1; }

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"scenario":"whatsapp-outage"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
echo "== wrk POST /api/v1/incidents (scenario already open → 200 with the incident), 16 connections"
wrk -t2 -c16 -d"$DURATION" --latency -s "$work/post.lua" "$base/api/v1/incidents" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
echo "== wrk GET /admin/incidents/$id (crisis room, signed in), 16 connections"
wrk -t2 -c16 -d"$DURATION" --latency -H "Cookie: $cookie" "$base/admin/incidents/$id" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
echo "vigie RSS: $(awk '/VmRSS/{print $2, $3}' /proc/$pid/status)"
