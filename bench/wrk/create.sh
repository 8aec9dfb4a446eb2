#!/usr/bin/env bash
# Token creation (POST /api/v1/tokens) and uncached verification (forward-auth with the
# verification cache off, 200 distinct tokens in turn: one store lookup per request) on SQLite
# and on PostgreSQL, in the same run, each as a ratio to the bare /healthz of the same server. PostgreSQL is a throwaway 15 from
# /usr/lib/postgresql/15/bin with its default durability (fsync and synchronous_commit on), in a
# temp folder on a free loopback port, stopped and removed at the end. Loopback only; bounded in time.
#   bench/wrk/create.sh [duration=10s] [connections=32] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10s}; connections=${2:-32}; threads=${3:-2}; tokens=${TOKENS:-200}
pgbin=/usr/lib/postgresql/15/bin
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed (apt-get install jq)" >&2; exit 1; }
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 1; }

work=$(mktemp -d)
chmod 0755 "$work"   # the postgres user reaches its folder inside
server=""
pgdata=""
# As root, PostgreSQL runs as the postgres user (initdb refuses root).
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_server() { if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; server=""; fi; }
cleanup() {
  stop_server
  if [ -n "$pgdata" ]; then as_postgres "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
dotnet build -c Release src/Latchkey.Server -v q -nologo >/dev/null
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME EXTRA_ARGS... : a Release server on a free port with its own data folder; sets $base.
start() {
  local name=$1; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  LATCHKEY_DATADIR="$work/$name" LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="$password" Logging__LogLevel__Default=Warning \
    dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey-server.dll --urls "http://127.0.0.1:$port" \
    --Latchkey:FailedAttemptsPerMinute=100000000 "$@" >"$work/$name.log" 2>&1 &
  server=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 150); do curl -sf "$base/readyz" >/dev/null && return; sleep 0.2; done
  echo "server $name did not start" >&2; cat "$work/$name.log" >&2; exit 1
}

login() {
  jq -n --arg p "$password" '{email: "admin@latchkey.local", password: $p}' |
    curl -sf -X POST "$1/api/v1/login" -H 'Content-Type: application/json' --data @- | jq -r .token
}

# run NAME ARGS... : prints "req/s p99 [errors]" of one wrk run
run() {
  local name=$1; shift
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" >"$work/$name.wrk"
  local rps p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.wrk")
  errors=$(grep -E 'Non-2xx|Socket errors' "$work/$name.wrk" | tr -s ' ' || true)
  echo "$rps $p99 $errors"
}

report() { # NAME BARE_RPS RPS P99 NOTES...
  local name=$1 bare=$2 rps=$3 p99=$4; shift 4
  printf '%-44s %10s req/s  p99 %-8s ratio %s %s\n' "$name" "$rps" "$p99" "$(python3 -c "print(f'{$rps/$bare:.2f}')")" "$*"
}

# store_args KIND NAME : the server arguments for a store of that kind (sqlite: its data folder).
store_args() {
  if [ "$1" = postgres ]; then
    as_postgres "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres "bench_$2"
    echo --Latchkey:Database:Provider=postgres "--Latchkey:Database:ConnectionString=Host=127.0.0.1;Port=$pgport;Username=postgres;Database=bench_$2"
  fi
}

# measure KIND : creation on one server, uncached verification on another, each on a fresh store of that kind.
measure() {
  local kind=$1 args bare bare_p99 admin
  read -ra args <<<"$(store_args "$kind" create)"
  start "$kind-create" "${args[@]}"
  admin=$(login "$base")
  cat >"$work/create.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"bench","note":"wrk","expiresInDays":1}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $admin"
LUA
  # Warm up long enough for the JIT to finish tiering up the creation path: after 10 s of creation
  # the tiered-compilation thread still took a third of the server's CPU (seen with perf); after 30 s, 2%.
  wrk -t1 -c4 -d2s "$base/healthz" >/dev/null
  wrk -t2 -c16 -d"${WARMUP:-30s}" -s "$work/create.lua" "$base/api/v1/tokens" >/dev/null
  read -r bare bare_p99 _ <<<"$(run "$kind-bare" "$base/healthz")"
  printf '%-44s %10s req/s  p99 %s\n' "$kind: bare /healthz" "$bare" "$bare_p99"
  report "$kind: create token (201)" "$bare" $(run "$kind-create" -s "$work/create.lua" "$base/api/v1/tokens")
  stop_server

  read -ra args <<<"$(store_args "$kind" nocache)"
  start "$kind-nocache" --Latchkey:VerificationCacheTtl=00:00:00 "${args[@]}"
  admin=$(login "$base")
  # Distinct tokens, taken in turn: concurrent first uses of one token share a lookup, which would
  # hide the store's cost.
  { echo 'local tokens = {'
    for i in $(seq "$tokens"); do
      curl -sf -X POST "$base/api/v1/tokens" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
        -d "{\"name\":\"verify $i\"}" | jq -r '"  \"" + .secret + "\","'
    done
    cat <<'LUA'
}
local next = 0
request = function()
  next = next % #tokens + 1
  return wrk.format("GET", "/auth/verify?scope=metrics:read", { ["Authorization"] = "Bearer " .. tokens[next] })
end
LUA
  } >"$work/verify.lua"
  wrk -t1 -c4 -d2s "$base/healthz" >/dev/null
  wrk -t1 -c4 -d2s -s "$work/verify.lua" "$base" >/dev/null
  read -r bare bare_p99 _ <<<"$(run "$kind-bare2" "$base/healthz")"
  printf '%-44s %10s req/s  p99 %s\n' "$kind: bare /healthz" "$bare" "$bare_p99"
  report "$kind: forward-auth, no cache, $tokens tokens" "$bare" $(run "$kind-nocache" -s "$work/verify.lua" "$base")
  stop_server
}

# A throwaway PostgreSQL 15 with its default durability, reached over loopback TCP.
pgdata="$work/pg"
mkdir -m 0700 "$pgdata"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pgdata"; fi
pgport=$(free_port)
as_postgres "$pgbin/initdb" -D "$pgdata" -U postgres -A trust --locale=C -E UTF8 >"$work/initdb.log" 2>&1
as_postgres "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start \
  -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null

echo "connections $connections, threads $threads, $duration each; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
measure sqlite
measure postgres
