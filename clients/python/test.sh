#!/usr/bin/env bash
# Runs test_camunda.py (pycamunda from PyPI) against a server's Camunda 7 compatible REST API.
# Usage: clients/python/test.sh <base url, e.g. http://127.0.0.1:3000/engine-rest>
# Credentials: HTTP Basic as `admin` with $BPM_CLIENT_ADMIN_PASSWORD (clients/run.sh sets it).
# The virtual environment (clients/python/.venv) is made by `make clients-tools`, or here when
# it is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="${1:?usage: test.sh <base url of /engine-rest>}"
: "${BPM_CLIENT_ADMIN_PASSWORD:?set BPM_CLIENT_ADMIN_PASSWORD to the admin password of the server}"
if [ ! -x "$here/.venv/bin/python" ] || ! "$here/.venv/bin/python" -c 'import pycamunda' 2>/dev/null; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
exec "$here/.venv/bin/python" "$here/test_camunda.py" "$base"
