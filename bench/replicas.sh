#!/usr/bin/env bash
# One, then three Release replicas on one throwaway PostgreSQL 15, all on this machine, sharing one data folder
# (the token key). TOKENS distinct tokens are verified at forward-auth, taken in turn, on every
# replica at once: first with the verification cache on (every token is a hit once seen), then on
# other replicas with it off (every request is a database lookup). For each run: the requests/s
# of each replica and their sum, and what the database did meanwhile (transactions/s from
# pg_stat_database, CPU seconds per second of all PostgreSQL processes). docs/capacity.md builds its
# model from these figures. Loopback only; bounded in time.
#   bench/replicas.sh [duration=15s] [connections-per-replica=16]     # TOKENS=1000
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15s}; connections=${2:-16}; tokens=${TOKENS:-1000}
pgbin=/usr/lib/postgresql/15/bin
for tool in wrk jq curl python3; do command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }; done
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 1; }

work=$(mktemp -d)
chmod 0755 "$work"
servers=() pgdata=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_servers() { set +e; for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; servers=(); set -e; }
cleanup() {
  set +e
  stop_servers
  [ -n "$pgdata" ] && as_postgres "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

dotnet build -c Release src/Latchkey.Server -v q -nologo >/dev/null
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')

pgdata="$work/pg"; mkdir -m 0700 "$pgdata"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pgdata"; fi
pgport=$(free_port)
as_postgres "$pgbin/initdb" -D "$pgdata" -U postgres -A trust --locale=C -E UTF8 >"$work/initdb.log" 2>&1
as_postgres "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start \
  -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
psql() { as_postgres "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -Atqc "$1"; }
connection="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres"
mkdir -p "$work/data"

# start EXTRA_ARGS... : one more replica on the shared store; appends its base URL to $bases.
bases=()
start() {
  local port; port=$(free_port)
  LATCHKEY_DATADIR="$work/data" LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="$password" Logging__LogLevel__Default=Warning \
    dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey-server.dll --urls "http://127.0.0.1:$port" \
    --Latchkey:Database:Provider=postgres "--Latchkey:Database:ConnectionString=$connection" \
    --Latchkey:FailedAttemptsPerMinute=100000000 "$@" >"$work/replica-$port.log" 2>&1 &
  servers+=($!)
  local base="http://127.0.0.1:$port"
  for _ in $(seq 150); do curl -sf "$base/readyz" >/dev/null && { bases+=("$base"); return; }; sleep 0.2; done
  echo "a replica did not start" >&2; cat "$work/replica-$port.log" >&2; exit 1
}

# postgres_cpu : CPU seconds used so far by every PostgreSQL process.
postgres_cpu() {
  local ticks=0 pid
  for pid in $(pgrep -u postgres -f postgres || true); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  python3 -c "print($ticks / $(getconf CLK_TCK))"
}
commits() { psql "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database"; }

# measure NAME : wrk on every replica at once with the token script; prints per replica and the sum.
measure() {
  local name=$1 i pids=() before_cpu before_tx start_ns
  before_cpu=$(postgres_cpu); before_tx=$(commits); start_ns=$(date +%s%N)
  for i in "${!bases[@]}"; do
    wrk -t1 -c"$connections" -d"$duration" -s "$work/verify.lua" "${bases[$i]}" >"$work/$name-$i.wrk" &
    pids+=($!)
  done
  wait "${pids[@]}"
  local seconds cpu tx total=0 rps
  seconds=$(python3 -c "print(($(date +%s%N) - $start_ns) / 1e9)")
  cpu=$(python3 -c "print(f'{($(postgres_cpu) - $before_cpu) / $seconds:.2f}')")
  tx=$(python3 -c "print(f'{($(commits) - $before_tx) / $seconds:.0f}')")
  for i in "${!bases[@]}"; do
    rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$name-$i.wrk")
    printf '  %-12s replica %d %10s req/s %s\n' "$name" "$((i + 1))" "$rps" "$(grep -E 'Non-2xx|Socket errors' "$work/$name-$i.wrk" | tr -s ' ' || true)"
    total=$(python3 -c "print($total + $rps)")
  done
  printf '  %-12s all %d     %10.0f req/s; PostgreSQL %s transactions/s, %s CPU cores\n' "$name" "${#bases[@]}" "$total" "$tx" "$cpu"
}

# one NAME CACHE_TTL COUNT : COUNT replicas with that verification cache, the same tokens, warm-up, measure.
one() {
  local name=$1 ttl=$2 count=$3 admin
  bases=()
  for _ in $(seq "$count"); do start --Latchkey:VerificationCacheTtl="$ttl"; done
  admin=$(jq -n --arg p "$password" '{email: "admin@latchkey.local", password: $p}' |
    curl -sf -X POST "${bases[0]}/api/v1/login" -H 'Content-Type: application/json' --data @- | jq -r .token)
  if [ ! -s "$work/verify.lua" ]; then
    { echo 'local tokens = {'
      for i in $(seq "$tokens"); do
        curl -sf -X POST "${bases[0]}/api/v1/tokens" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
          -d "{\"name\":\"replica bench $i\"}" | jq -r '"  \"" + .secret + "\","'
      done
      cat <<'LUA'
}
local next = math.random(#tokens)
request = function()
  next = next % #tokens + 1
  return wrk.format("GET", "/auth/verify?scope=metrics:read", { ["Authorization"] = "Bearer " .. tokens[next] })
end
LUA
    } >"$work/verify.lua"
  fi
  for base in "${bases[@]}"; do wrk -t1 -c4 -d3s -s "$work/verify.lua" "$base" >/dev/null; done
  local bare; bare=$(wrk -t1 -c"$connections" -d5s "${bases[0]}/healthz" | awk '/^Requests\/sec/ {print $2}')
  echo "$name: bare /healthz of replica 1 alone: $bare req/s"
  measure "$name"
  stop_servers
}

echo "1 then 3 replicas, $connections connections each, $duration, $tokens tokens; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
one "cached, 1" 00:01:00 1
one "uncached, 1" 00:00:00 1
one "cached, 3" 00:01:00 3
one "uncached, 3" 00:00:00 3
