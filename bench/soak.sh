#!/usr/bin/env bash
# Ten minutes of mixed load on one Release server: forward-auth and TokenReview with cached tokens
# (wrk, in 10-second rounds) while a churn loop creates and revokes tokens. Every 10 s it prints the
# server's resident memory, threads, open file descriptors and the errors of that round (non-2xx
# answers and socket errors of wrk, failed creations and revocations). At the end: RSS growth from
# the end of the warm-up to the last sample, which should stay under 10%.
#   bench/soak.sh [duration-seconds=600] [warmup-seconds=60] [connections=16]
#   STORE=postgres bench/soak.sh   # a throwaway PostgreSQL 15 instead of SQLite
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-600}; warmup=${2:-60}; connections=${3:-16}; store=${STORE:-sqlite}
pgbin=/usr/lib/postgresql/15/bin
for tool in wrk jq curl; do command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install $tool)" >&2; exit 1; }; done

work=$(mktemp -d)
chmod 0755 "$work"
server="" churn="" pgdata=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  set +e
  [ -n "$churn" ] && kill "$churn" 2>/dev/null && wait "$churn" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -n "$pgdata" ] && as_postgres "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

dotnet build -c Release src/Latchkey.Server -v q -nologo >/dev/null
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
args=()
if [ "$store" = postgres ]; then
  [ -x "$pgbin/initdb" ] || { echo "PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 1; }
  pgdata="$work/pg"; mkdir -m 0700 "$pgdata"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pgdata"; fi
  pgport=$(free_port)
  as_postgres "$pgbin/initdb" -D "$pgdata" -U postgres -A trust --locale=C -E UTF8 >"$work/initdb.log" 2>&1
  as_postgres "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1" >/dev/null
  args=(--Latchkey:Database:Provider=postgres "--Latchkey:Database:ConnectionString=Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres")
fi

port=$(free_port)
base="http://127.0.0.1:$port"
mkdir -p "$work/data"
LATCHKEY_DATADIR="$work/data" LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="$password" Logging__LogLevel__Default=Warning \
  dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey-server.dll --urls "$base" \
  --Latchkey:FailedAttemptsPerMinute=100000000 "${args[@]}" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/readyz" >/dev/null || { echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

admin=$(jq -n --arg p "$password" '{email: "admin@latchkey.local", password: $p}' |
  curl -sf -X POST "$base/api/v1/login" -H 'Content-Type: application/json' --data @- | jq -r .token)
auth=(-H "Authorization: Bearer $admin")
curl -sf -X POST "$base/api/v1/clusters" "${auth[@]}" -H 'Content-Type: application/json' \
  -d '{"name":"soak","server":"https://soak.example.test:6443"}' >/dev/null
webhook=$(curl -sf "$base/api/v1/clusters/soak/webhook-config" "${auth[@]}" | jq -r .authenticationConfig | sed -n 's/.*token: //p')
cat >"$work/review.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"$admin"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $webhook"
LUA

# Churn: create a token, verify it once, revoke it; failures are counted in a file per answer.
: >"$work/churn.errors"; : >"$work/churn.done"
( while true; do
    id=$(curl -s -X POST "$base/api/v1/tokens" "${auth[@]}" -H 'Content-Type: application/json' \
      -d '{"name":"soak churn","note":"created and revoked by the soak","expiresInDays":1}' | jq -r '.id // empty')
    if [ -z "$id" ]; then echo create >>"$work/churn.errors"; continue; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/api/v1/tokens/$id" "${auth[@]}")
    if [ "$code" = 204 ] || [ "$code" = 200 ]; then echo . >>"$work/churn.done"; else echo "revoke $code" >>"$work/churn.errors"; fi
  done ) &
churn=$!

# errors FILE : non-2xx answers plus socket errors in one wrk output.
errors() { awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$1"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
# metric NAME : one series of /metrics, in MiB (where the resident memory goes: the GC heap, SQLite's caches).
metric() { curl -sf "${auth[@]}" "$base/metrics" | awk -v n="$1" '$1 == n {printf "%.1f", $2 / 1048576}'; }

echo "store $store, $connections connections per door, $duration s ($warmup s warm-up); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %10s %9s %10s %8s %6s %12s %12s %7s\n' "time" "rss MiB" "heap MiB" "sqlite MiB" "threads" "fds" "fwd req/s" "review req/s" "errors"
elapsed=0 warm_rss="" last_rss="" total_errors=0 last_churn=0
while [ "$elapsed" -lt "$duration" ]; do
  wrk -t1 -c"$connections" -d10s "${auth[@]}" "$base/auth/verify?scope=metrics:read" >"$work/fwd.wrk" &
  fwd=$!
  wrk -t1 -c"$connections" -d10s -s "$work/review.lua" "$base/apis/authentication.k8s.io/v1/tokenreviews" >"$work/review.wrk"
  wait "$fwd"
  elapsed=$((elapsed + 10))
  churned=$(wc -l <"$work/churn.errors")
  round_errors=$(( $(errors "$work/fwd.wrk") + $(errors "$work/review.wrk") + churned - last_churn ))
  last_churn=$churned
  total_errors=$((total_errors + round_errors))
  rss=$(rss_kib)
  last_rss=$rss
  if [ "$elapsed" -ge "$warmup" ] && [ -z "$warm_rss" ]; then warm_rss=$rss; fi
  if [ "$elapsed" -ge "$warmup" ]; then echo "$rss" >>"$work/rss.after-warmup"; fi
  printf '%5ss %10.1f %9s %10s %8s %6s %12s %12s %7s\n' "$elapsed" "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" \
    "$(metric dotnet_gc_heap_size_bytes)" "$(metric latchkey_sqlite_memory_bytes)" \
    "$(awk '/^Threads/ {print $2}' "/proc/$server/status")" "$(ls "/proc/$server/fd" | wc -l)" \
    "$(awk '/^Requests\/sec/ {print $2}' "$work/fwd.wrk")" "$(awk '/^Requests\/sec/ {print $2}' "$work/review.wrk")" "$round_errors"
done

# One sample against one sample swings with the GC's timing (a collection returns 10-20 MiB): the
# growth is judged on the median of the first and of the last six samples after warm-up.
read -r first_median last_median growth <<<"$(python3 - "$work/rss.after-warmup" <<'PY'
import statistics, sys
rss = [int(line) for line in open(sys.argv[1])]
first, last = statistics.median(rss[:6]), statistics.median(rss[-6:])
print(int(first), int(last), f"{(last - first) / first * 100:.1f}")
PY
)"
echo "rss after warm-up $((warm_rss / 1024)) MiB, at the end $((last_rss / 1024)) MiB; median of the first minute after warm-up $((first_median / 1024)) MiB, of the last minute $((last_median / 1024)) MiB: growth $growth% (target < 10%); tokens created and revoked $(wc -l <"$work/churn.done"); errors $total_errors"
python3 -c "import sys; sys.exit(0 if $growth < 10 and $total_errors == 0 else 1)"
