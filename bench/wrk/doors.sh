#!/usr/bin/env bash
# Requests per second and p99 latency of every door that checks a token, each as a ratio to the
# bare /healthz of the same server in the same run: whoami (REST API), forward-auth, TokenReview,
# forward-auth with the verification cache off (TOKENS=200 distinct tokens in turn, every request a
# SQLite lookup; bench/wrk/create.sh does the same on PostgreSQL), and a flood of
# garbage tokens (bad checksum). Loopback only; every run is bounded in time.
#   bench/wrk/doors.sh [duration=10s] [connections=32] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10s}; connections=${2:-32}; threads=${3:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed (apt-get install jq)" >&2; exit 1; }

work=$(mktemp -d)
servers=()
cleanup() { for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
dotnet build -c Release src/Latchkey.Server -v q -nologo >/dev/null
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')

# start NAME EXTRA_ARGS... : a Release server on a free port with its own data folder; sets $base.
start() {
  local name=$1; shift
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/$name"
  LATCHKEY_DATADIR="$work/$name" LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="$password" Logging__LogLevel__Default=Warning \
    dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey-server.dll --urls "http://127.0.0.1:$port" \
    --Latchkey:FailedAttemptsPerMinute=100000000 "$@" >"$work/$name.log" 2>&1 &
  servers+=($!)
  base="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && return; sleep 0.2; done
  echo "server $name did not start" >&2; cat "$work/$name.log" >&2; exit 1
}

login() {
  jq -n --arg p "$password" '{email: "admin@latchkey.local", password: $p}' |
    curl -sf -X POST "$1/api/v1/login" -H 'Content-Type: application/json' --data @- | jq -r .token
}

# run NAME ARGS... : prints "req/s p99" of one wrk run
run() {
  local name=$1; shift
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" >"$work/$name.wrk"
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.wrk")
  local errors; errors=$(grep -E 'Non-2xx|Socket errors' "$work/$name.wrk" || true)
  echo "$rps $p99 $errors"
}

report() { # NAME BARE_RPS RESULT...
  local name=$1 bare=$2 rps=$3 p99=$4; shift 4
  printf '%-34s %10s req/s  p99 %-8s ratio %s %s\n' "$name" "$rps" "$p99" "$(python3 -c "print(f'{$rps/$bare:.2f}')")" "$*"
}

start main
admin=$(login "$base")
curl -sf -X POST "$base/api/v1/clusters" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"bench","server":"https://bench.example.test:6443"}' >/dev/null
webhook=$(curl -sf "$base/api/v1/clusters/bench/webhook-config" -H "Authorization: Bearer $admin" | jq -r .authenticationConfig | sed -n 's/.*token: //p')
garbage="lk_$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 30)000000"
cat >"$work/review.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"$admin"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $webhook"
LUA

for path in /healthz /api/v1/whoami "/auth/verify?scope=metrics:read"; do   # warm up
  wrk -t1 -c4 -d2s -H "Authorization: Bearer $admin" "$base$path" >/dev/null
done
wrk -t1 -c4 -d2s -s "$work/review.lua" "$base/apis/authentication.k8s.io/v1/tokenreviews" >/dev/null

read -r bare bare_p99 _ <<<"$(run bare "$base/healthz")"
echo "connections $connections, threads $threads, $duration each"
printf '%-34s %10s req/s  p99 %s\n' "bare /healthz" "$bare" "$bare_p99"
report "whoami (cached token)" "$bare" $(run whoami -H "Authorization: Bearer $admin" "$base/api/v1/whoami")
report "forward-auth (cached token)" "$bare" $(run forward -H "Authorization: Bearer $admin" "$base/auth/verify?scope=metrics:read")
report "TokenReview (cached token)" "$bare" $(run review -s "$work/review.lua" "$base/apis/authentication.k8s.io/v1/tokenreviews")
report "forward-auth, garbage tokens" "$bare" $(run garbage -H "Authorization: Bearer $garbage" "$base/auth/verify?scope=metrics:read")

start nocache --Latchkey:VerificationCacheTtl=00:00:00
admin2=$(login "$base")
# Distinct tokens taken in turn, so that every request is a store lookup of its own (concurrent
# first uses of one token share a lookup, which would hide the store's cost).
{ echo 'local tokens = {'
  for i in $(seq "${TOKENS:-200}"); do
    curl -sf -X POST "$base/api/v1/tokens" -H "Authorization: Bearer $admin2" -H 'Content-Type: application/json' \
      -d "{\"name\":\"doors $i\"}" | jq -r '"  \"" + .secret + "\","'
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
wrk -t1 -c4 -d2s -s "$work/verify.lua" "$base" >/dev/null
read -r bare2 _ <<<"$(run bare2 "$base/healthz")"
report "forward-auth, no cache (SQLite)" "$bare2" $(run nocache -s "$work/verify.lua" "$base") "(${TOKENS:-200} tokens in turn; bare of that server: $bare2)"
