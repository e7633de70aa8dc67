#!/usr/bin/env bash
# Starts the built console on a free port with a fresh SQLite file, runs every real client
# program against its Camunda 7 compatible REST API (`clients/*/test.sh <base url>`), and stops
# it. Usage: clients/run.sh <server binary> [client folder, e.g. js]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="${1:?usage: run.sh <server binary> [client]}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
work="$(mktemp -d)"
log="$work/server.log"
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export BPM_CLIENT_ADMIN_PASSWORD="client-admin-password"
export BPM_CLIENT_API_TOKEN="client-api-token-0123456789abcdef"
(cd "$root" && DATABASE_URL="sqlite://$work/bpm.sqlite?mode=rwc" BPM_ADDR="127.0.0.1:$port" \
  BPM_ADMIN_PASSWORD="$BPM_CLIENT_ADMIN_PASSWORD" BPM_API_TOKEN="$BPM_CLIENT_API_TOKEN" BPM_DEMO=off \
  RUST_LOG=warn exec "$bin" >"$log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "the server exited:"; cat "$log"; exit 1; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not become healthy:"; cat "$log"; exit 1; }
status=0
for t in "$here"/${2:-*}/test.sh; do
  [ -x "$t" ] || continue
  echo "== client $(basename "$(dirname "$t")")"
  "$t" "http://127.0.0.1:$port/engine-rest" || status=$?
done
if [ "$status" -ne 0 ]; then echo "--- server log ---"; tail -n 80 "$log"; fi
exit "$status"
