#!/usr/bin/env bash
# Runs the official Camunda external-task worker for Node.js against <base url of /engine-rest>
# (see test.mjs). Usage: clients/js/test.sh http://127.0.0.1:8080/engine-rest
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/camunda-external-task-client-js ] || npm ci --no-audit --no-fund
exec node test.mjs "${1:?usage: test.sh <base url of /engine-rest>}"
