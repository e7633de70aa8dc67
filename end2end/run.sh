#!/usr/bin/env bash
# Starts the built console on a free port with a fresh SQLite file, runs the Playwright tests
# against it, and stops it. Usage: end2end/run.sh <server binary> [playwright test arguments, e.g. a spec file]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="${1:?usage: run.sh <server binary>}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
work="$(mktemp -d)"
log="$work/server.log"
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export BPM_E2E_ADMIN_PASSWORD="e2e-admin-password"
# `exec`, so that $! is the server itself and the cleanup stops it (not only the subshell).
(cd "$root" && DATABASE_URL="sqlite://$work/bpm.sqlite?mode=rwc" BPM_ADDR="127.0.0.1:$port" \
  BPM_ADMIN_PASSWORD="$BPM_E2E_ADMIN_PASSWORD" BPM_DEMO=on RUST_LOG=warn exec "$bin" >"$log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "the server exited:"; cat "$log"; exit 1; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not become healthy:"; cat "$log"; exit 1; }
cd "$here"
status=0
BPM_E2E_URL="http://127.0.0.1:$port" npx playwright test "${@:2}" || status=$?
if [ "$status" -ne 0 ]; then echo "--- server log ---"; tail -n 80 "$log"; fi
exit "$status"
