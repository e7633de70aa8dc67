#!/usr/bin/env python3
"""Kill -9 reliability test: on SQLite and on PostgreSQL, run the server binary, load it through
the HTTP API from a few concurrent clients (instance starts and task completions, plus instances
waiting on a 2-second timer), kill the server with SIGKILL a few times during the load and start
it again, then compare what the clients saw acknowledged with what is in the database.

Printed per database:
  lost starts       acknowledged starts (201) whose instance is not in the database
  doubled starts    requests (one business key each, never retried) that made more than one instance
  lost completions  acknowledged completions (204) whose task is not completed
  doubled           a task completed twice: an activity of one instance with more than one task
  stuck timers      acknowledged timer instances whose timer had not fired 30 s after the load
  timer lateness    how late the timers fired (max), kills included: a killed executor's timers
                    are released when the server restarts

Usage: scripts/kill9.py SERVER_BINARY [--seconds 60] [--kills 3] [--clients 4]
           [--databases sqlite,postgres] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
           [--port 39123]
SERVER_BINARY: e.g. target/debug/server after `cargo build -p server` (the API needs no site
files). Only 127.0.0.1 is used. Exits 1 when anything was lost or doubled, or a timer stuck.
Needs python3 (standard library) and, for PostgreSQL, psql.
"""

import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TOKEN = "kill9-token-" + "%08x" % random.getrandbits(32)
TIMER_DELAY_MS = 2_000
DRAIN_SECONDS = 30


def two_steps(key, first, first_xml, last):
    """A process `key`: start, the element `first` (its XML), the user task `last`, end."""
    return """  <process id="{k}" name="kill9 {k}" isExecutable="true">
    <startEvent id="{k}_start" />
    {first_xml}
    <userTask id="{last}" name="{last}" />
    <endEvent id="{k}_end" />
    <sequenceFlow id="{k}_f1" sourceRef="{k}_start" targetRef="{first}" />
    <sequenceFlow id="{k}_f2" sourceRef="{first}" targetRef="{last}" />
    <sequenceFlow id="{k}_f3" sourceRef="{last}" targetRef="{k}_end" />
  </process>
""".format(k=key, first=first, first_xml=first_xml, last=last)


TIMER = '<intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent>'
PROCESSES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="k9" targetNamespace="kill9">\n'
    + two_steps("k9order", "review", '<userTask id="review" name="review" />', "archive")
    + two_steps("k9timer", "wait", TIMER, "after")
    + "</definitions>\n"
)


class Server:
    """The server process under test, on 127.0.0.1:port."""

    def __init__(self, binary, database_url, port, workdir):
        self.binary, self.port, self.workdir = binary, port, workdir
        self.env = dict(os.environ)
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "BPM_ADDR": "127.0.0.1:%d" % port,
                "BPM_API_TOKEN": TOKEN,
                "BPM_DEMO": "off",
                "BPM_ADMIN_PASSWORD": "kill9-admin-password",
                "RUST_LOG": "warn",
            }
        )
        self.env.pop("BPM_EXECUTOR_ID", None)
        self.proc = None
        self.log = open(os.path.join(workdir, "server.log"), "ab")

    def start(self, timeout=60):
        self.proc = subprocess.Popen(
            [self.binary], env=self.env, cwd=self.workdir, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("the server exited with %s; see %s/server.log" % (self.proc.returncode, self.workdir))
            try:
                status, _ = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("the server did not answer /healthz within %d s" % timeout)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()


def request(port, method, path, body=None, timeout=10, headers=None):
    """One HTTP request on a new connection; (status, parsed JSON or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Authorization": "Bearer " + TOKEN}
        h.update(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        try:
            return resp.status, json.loads(data) if data else None
        except ValueError:
            return resp.status, data.decode(errors="replace")
    finally:
        conn.close()


def deploy(port):
    boundary = "kill9%016x" % random.getrandbits(64)
    body = (
        "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kill9.bpmn\"\r\n"
        "Content-Type: application/xml\r\n\r\n%s\r\n--%s--\r\n" % (boundary, PROCESSES, boundary)
    ).encode()
    status, answer = request(
        port, "POST", "/api/v1/deployments", body, headers={"Content-Type": "multipart/form-data; boundary=" + boundary}
    )
    if status != 200:
        raise SystemExit("deployment failed: %s %s" % (status, answer))


class Ledger:
    """What the clients sent and saw acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent_keys = []  # business keys of every start sent (once each)
        self.started = {}  # acknowledged: business key -> instance id
        self.timers = {}  # acknowledged timer instances: business key -> instance id
        self.completed = set()  # acknowledged task completions (task ids)
        self.in_doubt = 0  # requests whose answer was lost (connection reset by the kill)
        self.refused = {}  # other answers: status -> count


def client(port, name, ledger, stop):
    n = 0
    todo = []  # tasks to complete: (task id, instance id, activity)
    while not stop.is_set():
        n += 1
        item = None
        try:
            if todo and random.random() < 0.6:
                item = todo.pop(0)
                task, instance, activity = item
                status, answer = request(port, "POST", "/api/v1/tasks/%s/complete" % task, {"variables": {"n": n}})
                item = None
                if status == 204:
                    with ledger.lock:
                        ledger.completed.add(task)
                    if activity == "review":
                        status, answer = request(port, "GET", "/api/v1/tasks?instanceId=%s" % instance)
                        for t in answer["items"] if status == 200 else []:
                            if t["activityId"] == "archive" and t["state"] == "active":
                                todo.append((t["id"], instance, "archive"))
                elif status == 409 and "already" in json.dumps(answer):
                    pass  # an earlier attempt whose answer was lost did complete it
                else:
                    with ledger.lock:
                        ledger.refused[status] = ledger.refused.get(status, 0) + 1
                continue
            timer = n % 5 == 0
            key = "k9-%s-%d" % (name, n)
            with ledger.lock:
                ledger.sent_keys.append(key)
            proc = "k9timer" if timer else "k9order"
            status, answer = request(port, "POST", "/api/v1/process-definitions/key/%s/start" % proc, {"businessKey": key})
            if status == 201:
                with ledger.lock:
                    (ledger.timers if timer else ledger.started)[key] = answer["id"]
                for task in answer.get("createdTasks", []):
                    todo.append((task, answer["id"], "review"))
            else:
                with ledger.lock:
                    ledger.refused[status] = ledger.refused.get(status, 0) + 1
        except (OSError, http.client.HTTPException):
            # The server was killed under this request: its outcome is unknown. A start is not
            # sent again (so a doubled instance could only come from the server); a completion
            # is, later: its second answer is 204 or "already completed".
            with ledger.lock:
                ledger.in_doubt += 1
            if item is not None:
                todo.append(item)
            time.sleep(0.05)


class Database:
    """Reads the outcome: a SQLite file or a PostgreSQL database."""

    def __init__(self, kind, sqlite_path=None, pg_url=None):
        self.kind, self.sqlite_path, self.pg_url = kind, sqlite_path, pg_url

    def rows(self, sql):
        if self.kind == "sqlite":
            con = sqlite3.connect("file:%s?mode=ro" % self.sqlite_path, uri=True)
            try:
                return [tuple(r) for r in con.execute(sql)]
            finally:
                con.close()
        out = subprocess.run(
            ["psql", self.pg_url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]


def pg_admin(url, sql):
    subprocess.run(["psql", url, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


def with_database(url, name):
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


def run_one(kind, args):
    workdir = tempfile.mkdtemp(prefix="kill9-%s-" % kind)
    if kind == "sqlite":
        path = os.path.join(workdir, "kill9.sqlite")
        url, db = "sqlite://%s?mode=rwc" % path, Database("sqlite", sqlite_path=path)
    else:
        name = "bpm_kill9_%d" % os.getpid()
        pg_admin(args.pg_url, "DROP DATABASE IF EXISTS %s" % name)
        pg_admin(args.pg_url, "CREATE DATABASE %s" % name)
        url = with_database(args.pg_url, name)
        db = Database("postgres", pg_url=url)
    server = Server(args.binary, url, args.port, workdir)
    try:
        server.start()
        deploy(args.port)
        ledger, stop = Ledger(), threading.Event()
        threads = [
            threading.Thread(target=client, args=(args.port, "c%d" % i, ledger, stop), daemon=True)
            for i in range(args.clients)
        ]
        t0 = time.time()
        for t in threads:
            t.start()
        restarts = []
        for k in range(args.kills):
            time.sleep(max(0.0, t0 + args.seconds * (k + 1) / (args.kills + 1) - time.time()))
            server.kill9()
            t = time.time()
            server.start()
            restarts.append(time.time() - t)
        time.sleep(max(0.0, t0 + args.seconds - time.time()))
        stop.set()
        for t in threads:
            t.join(timeout=30)
        # Let the last timers fire (the server runs on), then stop it and read the database.
        deadline = time.time() + DRAIN_SECONDS
        waiting = None
        while time.time() < deadline:
            waiting = db.rows("SELECT COUNT(*) FROM jobs WHERE kind = 'timer'")[0][0]
            if int(waiting) == 0:
                break
            time.sleep(0.5)
        server.stop()
        return check(kind, db, ledger, restarts)
    finally:
        server.stop()
        if kind == "postgres":
            try:
                pg_admin(args.pg_url, "DROP DATABASE IF EXISTS bpm_kill9_%d" % os.getpid())
            except subprocess.CalledProcessError:
                pass


def check(kind, db, ledger, restarts):
    instances = {}
    for key, iid in db.rows("SELECT business_key, id FROM process_instances WHERE business_key LIKE 'k9-%'"):
        instances.setdefault(key, []).append(iid)
    tasks = {}
    per_activity = {}
    for tid, iid, activity, state in db.rows("SELECT id, instance_id, activity_id, state FROM tasks"):
        tasks[tid] = state
        per_activity[(iid, activity)] = per_activity.get((iid, activity), 0) + 1
    lost_starts = sum(1 for k in list(ledger.started) + list(ledger.timers) if k not in instances)
    doubled_starts = sum(1 for k in ledger.sent_keys if len(instances.get(k, [])) > 1)
    lost_completions = sum(1 for t in ledger.completed if tasks.get(t) != "completed")
    doubled_tasks = sum(1 for n in per_activity.values() if n > 1)
    fired = {}
    for iid, finished in db.rows("SELECT instance_id, MIN(finished) FROM job_attempts WHERE ok = 1 GROUP BY instance_id"):
        fired[iid] = int(finished)
    starts = {iid: int(s) for iid, s in db.rows("SELECT id, start_time FROM process_instances WHERE business_key LIKE 'k9-%'")}
    stuck = [iid for iid in ledger.timers.values() if iid not in fired]
    lateness = [fired[i] - starts[i] - TIMER_DELAY_MS for i in ledger.timers.values() if i in fired and i in starts]
    acked = len(ledger.started) + len(ledger.timers)
    print(
        "%-8s kills %d (restart %.1f s max) | acknowledged: %d starts (%d on a timer), %d completions; "
        "in doubt %d; other answers %s"
        % (
            kind,
            len(restarts),
            max(restarts) if restarts else 0.0,
            acked,
            len(ledger.timers),
            len(ledger.completed),
            ledger.in_doubt,
            dict(sorted(ledger.refused.items())) or "none",
        )
    )
    print(
        "%-8s lost starts %d, doubled starts %d, lost completions %d, doubled %d, stuck timers %d, "
        "timer lateness max %.1f s"
        % (
            kind,
            lost_starts,
            doubled_starts,
            lost_completions,
            doubled_tasks,
            len(stuck),
            (max(lateness) / 1000.0) if lateness else 0.0,
        )
    )
    return lost_starts + doubled_starts + lost_completions + doubled_tasks + len(stuck) == 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binary")
    p.add_argument("--seconds", type=float, default=60.0, help="load time per database (default 60)")
    p.add_argument("--kills", type=int, default=3, help="kill -9 during the load (default 3)")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--databases", default="sqlite,postgres")
    p.add_argument("--pg-url", default=os.environ.get("BPM_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--port", type=int, default=39123)
    args = p.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        raise SystemExit("%s is not an executable server binary (cargo build -p server)" % args.binary)
    ok = True
    for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if kind not in ("sqlite", "postgres"):
            raise SystemExit("unknown database %r: sqlite or postgres" % kind)
        ok = run_one(kind, args) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
