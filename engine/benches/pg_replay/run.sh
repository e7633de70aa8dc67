#!/usr/bin/env bash
# The PostgreSQL server's own ceiling for the runtime benchmark's lifecycles: pgbench replays
# the engine's statements (lifecycle.sql: half one-task and half two-task lifecycles, as the
# benchmark does) on a fresh database, with no engine in the loop.
#
#   engine/benches/pg_replay/run.sh [clients=16] [seconds=8]
#
# LIST=1 adds the task lists the benchmark's BENCH_LIST=1 client sends between commands.
#
# Needs psql and pgbench, and the server at PGHOST/PGPORT/PGUSER (default 127.0.0.1, 5432,
# postgres). When it runs on the server's machine as a user who can read the postmaster's
# /proc entry (PG_DATA, default /var/lib/postgresql/15/main), it also prints the CPU the
# server used per lifecycle (every backend and helper process).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
clients="${1:-16}"
seconds="${2:-8}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
# The engine's driver talks plain TCP; so does the replay.
export PGSSLMODE="${PGSSLMODE:-disable}"
db=bpm_replay
psql -qX -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
for f in "$here"/../../../migrations/postgres/*.sql; do
    psql -qX -v ON_ERROR_STOP=1 -d "$db" -f "$f" >/dev/null
done
psql -qX -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
INSERT INTO tenants (id, name, created_at) VALUES ('default', 'Default', 0);
INSERT INTO deployments (id, tenant_id, file_name, content_hash, xml, deployed_at, deployed_by)
    VALUES ('dep1', 'default', 'expense.bpmn', 'h', '<definitions/>', 0, 'system');
INSERT INTO process_definitions (id, deployment_id, tenant_id, process_key, name, name_lower, search_text,
    version, content_hash, startable, not_startable_reasons, deployed_at)
    VALUES ('def1', 'dep1', 'default', 'expense', 'Expense claim', 'expense claim', 'expense claim', 1, 'h', 1, '', 0);
SQL

pid_file="${PG_DATA:-/var/lib/postgresql/15/main}/postmaster.pid"
server_ticks() {
    # CPU ticks of the postmaster's ended children plus its live ones.
    local pm total
    pm="$(head -n1 "$pid_file")"
    total="$(awk '{print $16 + $17}' "/proc/$pm/stat")"
    for p in $(pgrep -P "$pm"); do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
measure=false
[ -r "$pid_file" ] && server_ticks >/dev/null 2>&1 && measure=true
$measure && before="$(server_ticks)"
out="$(pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" -D list="${LIST:-0}" \
    -f "$here/lifecycle.sql" "$db")"
sleep 1
echo "$out" | grep -E '^(number of transactions actually processed|number of failed|tps)'
if $measure; then
    after="$(server_ticks)"
    done_count="$(echo "$out" | awk '/actually processed/ {split($6, x, "/"); print x[1]}')"
    awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$done_count" \
        'BEGIN { printf "server CPU per lifecycle: %.3f ms\n", t * 1000 / hz / n }'
fi
psql -qX -d postgres -c "DROP DATABASE $db"
