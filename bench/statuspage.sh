#!/usr/bin/env bash
# Status page load benchmark: vigie serve vs nginx serving the static export
# of the same page, in the same run, on loopback. Bounded: each wrk run lasts
# DURATION (default 10s), ROUNDS alternating rounds (default 5, medians
# reported); total about 2 × 2 × 2 × ROUNDS × DURATION plus setup.
#
#   bash bench/statuspage.sh            # 64 and 256 connections, 10 s each
#   DURATION=5s CONNS="64" bash bench/statuspage.sh
#   SERVE_FLAGS="--role web" …          # extra flags for vigie serve
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-"64 256"}
ROUNDS=${ROUNDS:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install nginx-light)"; exit 2; }

work=$(mktemp -d /tmp/vigie-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

go build -o "$work/vigie" ./cmd/vigie
vport=$(free_port); nport=$(free_port)
data="$work/data"
"$work/vigie" incident declare --data "$data" --scenario whatsapp-outage --auto-publish >/dev/null 2>&1
VIGIE_DETECT=false VIGIE_LOG_LEVEL=warn "$work/vigie" serve --data "$data" --listen "127.0.0.1:$vport" ${SERVE_FLAGS:-} >"$work/serve.log" 2>&1 &
pids+=($!)
"$work/vigie" statuspage export "$work/public" --data "$data" --base-url "http://127.0.0.1:$vport" >/dev/null 2>&1
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  types { text/html html; application/json json; application/rss+xml rss; text/javascript js; image/svg+xml svg; }
  client_body_temp_path $work/nginx-tmp; proxy_temp_path $work/nginx-tmp; fastcgi_temp_path $work/nginx-tmp; uwsgi_temp_path $work/nginx-tmp; scgi_temp_path $work/nginx-tmp;
  server { listen 127.0.0.1:$nport; root $work/public; gzip_static on; etag on; location / { try_files \$uri \$uri/index.html =404; } }
}
CONF
mkdir -p "$work/nginx-tmp"
chmod -R a+rX "$work"   # nginx workers run as an unprivileged user
"$NGINX" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
for i in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$vport/readyz" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$nport/api/v2/summary.json" >/dev/null 2>&1 && break
  sleep 0.1
done

# wrk prints latency percentiles with --latency; convert them to ms.
ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else if (v ~ /s$/) printf "%.2f", v*1000; else print v }'; }
run() { # url conns → "rps p50 p99 errors"
  local out; out=$(wrk -t2 -c"$2" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' -H 'Accept-Language: fr' "$1" 2>&1)
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(ms "$(awk '$1=="50%"{print $2}' <<<"$out")")
  p99=$(ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
  errs=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')
  echo "$rps $p50 $p99 ${errs:-0}"
}
# median of the numbers on stdin
median() { sort -g | awk '{v[NR]=$1} END{ if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2 }'; }
echo "ROUNDS=$ROUNDS alternating rounds of ${DURATION} per server and case; medians (a p99 alone swings 2x between runs on a shared 2-core machine)"
echo "| path | conns | vigie req/s | nginx req/s | ratio | vigie p50 ms | nginx p50 ms | vigie p99 ms | nginx p99 ms | p99 ratio | errors |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for path in /api/v2/summary.json /fr/; do
  for c in $CONNS; do
    vrs=() v50s=() v99s=() nrs=() n50s=() n99s=() errs=""
    for round in $(seq 1 "$ROUNDS"); do
      read -r vr v50 v99 verr <<<"$(run "http://127.0.0.1:$vport$path" "$c")"
      read -r nr n50 n99 nerr <<<"$(run "http://127.0.0.1:$nport$path" "$c")"
      vrs+=("$vr") v50s+=("$v50") v99s+=("$v99") nrs+=("$nr") n50s+=("$n50") n99s+=("$n99")
      errs="$errs vigie: $verr nginx: $nerr;"
    done
    vr=$(printf '%s\n' "${vrs[@]}" | median); nr=$(printf '%s\n' "${nrs[@]}" | median)
    v50=$(printf '%s\n' "${v50s[@]}" | median); n50=$(printf '%s\n' "${n50s[@]}" | median)
    v99=$(printf '%s\n' "${v99s[@]}" | median); n99=$(printf '%s\n' "${n99s[@]}" | median)
    ratio=$(awk -v a="$vr" -v b="$nr" 'BEGIN{printf "%.2f", a/b}')
    p99r=$(awk -v a="$v99" -v b="$n99" 'BEGIN{printf "%.2f", a/b}')
    echo "| $path | $c | $vr | $nr | $ratio | $v50 | $n50 | $v99 | $n99 | $p99r |$errs |"
  done
done
echo
for enc in gzip br; do
  sz() { curl -s -H "Accept-Encoding: $enc" "http://127.0.0.1:$vport$1" | wc -c; }
  echo "bytes of a first visit ($enc): page $(sz /fr/) + style.css $(sz /assets/style.css) + live.js $(sz /assets/live.js); FAQ page $(sz /fr/faq/)"
done
echo "vigie RSS after the run: $(awk '/VmRSS/{print $2, $3}' /proc/${pids[0]}/status)"
