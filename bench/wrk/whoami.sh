#!/usr/bin/env bash
# Requests per second of GET /api/v1/whoami (a cached token) against the bare /healthz of the
# same server, in the same run, and their ratio. Loopback only; bounded in time.
#   bench/wrk/whoami.sh [duration=10s] [connections=32] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10s}; connections=${2:-32}; threads=${3:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d)
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
dotnet build -c Release src/Latchkey.Server -v q -nologo >/dev/null
LATCHKEY_DATADIR="$data" LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="$password" Logging__LogLevel__Default=Warning \
  dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey-server.dll --urls "http://127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

token=$(curl -sf -X POST "$base/api/v1/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@latchkey.local\",\"password\":\"$password\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/')

rps() { wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" | tee /dev/stderr | awk '/^Requests\/sec/ {print $2}'; }
wrk -t1 -c4 -d2s "$base/healthz" >/dev/null            # warm up both paths
wrk -t1 -c4 -d2s -H "Authorization: Bearer $token" "$base/api/v1/whoami" >/dev/null
bare=$(rps "$base/healthz")
whoami=$(rps -H "Authorization: Bearer $token" "$base/api/v1/whoami")
echo "bare /healthz: $bare req/s; whoami (cached token): $whoami req/s; ratio: $(python3 -c "print(f'{$whoami/$bare:.2f}')")"
