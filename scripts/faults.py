#!/usr/bin/env python3
"""Fault tests of the real binary (`make faults`), each bounded in time, traffic to 127.0.0.1 only.

1. outage     PostgreSQL is stopped under a write load: answers are 503 problems within the pool
              timeout, /ready says 503, the service recovers by itself within 2 s of the database
              returning, and every write answered 2xx is in the database.
2. races      two server processes on one PostgreSQL database, and one process on SQLite with many
              connections: N concurrent transitions with one If-Match give one 200 and N-1 412;
              N concurrent POSTs with one Idempotency-Key give one resource; never a 5xx. With
              writers on both processes and a reader following the change feed through both at
              once, the reader sees every committed case exactly once, in increasing order.
              Webhooks: test messages queued through both processes are delivered by both
              dispatchers, each message once (FOR UPDATE SKIP LOCKED), each signature valid;
              messages pending while every process stops are delivered after a restart.
3. restart    SIGTERM under a write load (SQLite and PostgreSQL): the process exits 0, a new one
              starts on the same data, and every write answered 2xx is in the database.
4. kill       SIGKILL under reads and writes (SQLite and PostgreSQL): every write answered 2xx
              is in the database, every read answered 200 has its audit entry (reads' entries
              are committed before the answer, synced at the log's pace), the chain verifies,
              and a new process starts on the same data.

usage: faults.py <path to inlav> [outage] [races] [restart] [kill]   (default: all)
It stops and starts the local PostgreSQL cluster (pg_ctlcluster), so run it where that is yours.
"""
import base64
import hashlib
import hmac
import http.server
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import PASSWORD, REGION, call, login  # noqa: E402

PG_BASE = os.environ.get("FAULTS_PG", "postgres://postgres@127.0.0.1:5432")
POOL_TIMEOUT_MS = 1500
FAILURES = []


def check(condition, message):
    status = "ok  " if condition else "FAIL"
    print(f"  [{status}] {message}", flush=True)
    if not condition:
        FAILURES.append(message)


# Deliveries to the receivers of these tests, on 127.0.0.1, retried quickly.
WEBHOOK_ENV = {"INLAV_WEBHOOK_ALLOW": "127.0.0.1", "INLAV_WEBHOOK_RETRY_BASE_MS": "100"}


def Server(binary, data_dir, database_url=None, pool_size=8, port=None):
    return harness.Server(
        binary, data_dir, database_url, pool_size, port, pool_timeout_ms=POOL_TIMEOUT_MS, env=WEBHOOK_ENV
    )


def coordinator_token(base):
    admin = login(base, "admin@inlav.local")
    email = f"coordinator-{uuid.uuid4().hex[:8]}@faults.local"
    user = {"email": email, "display_name": "Coordinatrice", "role": "district_coordinator", "organization_id": REGION, "districts": ["milano"], "password": PASSWORD}
    status, body, _, _ = call(base, "POST", "/api/v1/users", user, admin)
    if status != 201:
        sys.exit(f"faults: create coordinator: {status} {body}")
    return login(base, email)


def interception(alias):
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    return {"beneficiary": {"alias": alias, "citizenships": ["MA"]}, "district": "milano", "channel": "street_outreach", "intercepted_at": at}


class Writers:
    """Threads that create cases until stopped; each answer is kept with its time."""

    def __init__(self, bases, token, threads=4):
        self.bases, self.token, self.threads = bases, token, threads
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.answers = []  # (finished_at, status, seconds, id or None, content_type)
        self.workers = []

    def run(self, index):
        n = 0
        while not self.stop_flag.is_set():
            n += 1
            base = self.bases[n % len(self.bases)]
            status, body, headers, seconds = call(
                base, "POST", "/api/v1/cases", interception(f"w{index}-{n}"), self.token,
                {"Idempotency-Key": uuid.uuid4().hex}, timeout=15,
            )
            case_id = body.get("id") if status == 201 and isinstance(body, dict) else None
            with self.lock:
                self.answers.append((time.monotonic(), status, seconds, case_id, headers.get("content-type", "")))
            if status == 0:
                time.sleep(0.05)

    def start(self):
        for i in range(self.threads):
            worker = threading.Thread(target=self.run, args=(i,), daemon=True)
            worker.start()
            self.workers.append(worker)

    def stop(self):
        self.stop_flag.set()
        for worker in self.workers:
            worker.join(timeout=30)

    def acknowledged(self):
        return {a[3] for a in self.answers if a[1] == 201 and a[3]}


class Readers:
    """Threads that read one case until stopped; counts the reads answered 200."""

    def __init__(self, base, token, case_id, threads=4):
        self.base, self.token, self.case_id, self.threads = base, token, case_id, threads
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.answered = 0
        self.workers = []

    def run(self):
        while not self.stop_flag.is_set():
            status = call(self.base, "GET", f"/api/v1/cases/{self.case_id}", token=self.token, timeout=15)[0]
            if status == 200:
                with self.lock:
                    self.answered += 1
            elif status == 0:
                time.sleep(0.05)

    def start(self):
        for _ in range(self.threads):
            worker = threading.Thread(target=self.run, daemon=True)
            worker.start()
            self.workers.append(worker)

    def stop(self):
        self.stop_flag.set()
        for worker in self.workers:
            worker.join(timeout=30)


def audited_reads(url, data_dir, case_id):
    """How many reads of the case the audit trail holds."""
    sql = f"select count(*) from audit_events where action = 'read' and case_id = '{case_id}'"
    if url:
        return int(subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True, check=True).stdout)
    with sqlite3.connect(os.path.join(data_dir, "inlav.db")) as db:
        return db.execute(sql).fetchone()[0]


def pg_cluster():
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.split()
    return out[0], out[1]


def pg_ctl(action):
    version, name = pg_cluster()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action] + (["-m", "fast"] if action == "stop" else []), check=True, capture_output=True)


def pg_accepts():
    return subprocess.run(["psql", f"{PG_BASE}/postgres", "-Atqc", "select 1"], capture_output=True).returncode == 0


def pg_fresh_database(name):
    subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True, capture_output=True)
    subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return f"{PG_BASE}/{name}"


def pg_case_ids(url):
    out = subprocess.run(["psql", url, "-Atqc", "select id from cases"], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def sqlite_case_ids(data_dir):
    with sqlite3.connect(os.path.join(data_dir, "inlav.db")) as db:
        return {row[0] for row in db.execute("select id from cases")}


def summary(answers):
    return dict(sorted(Counter(a[1] for a in answers).items()))


def outage(binary):
    print("\n=== outage: PostgreSQL stopped under load ===", flush=True)
    url = pg_fresh_database("inlav_faults_outage")
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(binary, data_dir, url, pool_size=4)
        server.start()
        token = coordinator_token(server.base)
        writers = Writers([server.base], token)
        writers.start()
        time.sleep(2)
        pg_ctl("stop")
        stopped_at = time.monotonic()
        print(f"  PostgreSQL stopped after {len(writers.answers)} answers", flush=True)
        ready_answers = []
        while time.monotonic() - stopped_at < 5:
            ready_answers.append(call(server.base, "GET", "/ready", timeout=10))
            time.sleep(0.2)
        starting_at = time.monotonic()
        pg_ctl("start")
        while not pg_accepts():
            time.sleep(0.05)
        back_at = time.monotonic()
        recovered_at = None
        while time.monotonic() - back_at < 10:
            status = call(server.base, "POST", "/api/v1/cases", interception("probe"), token, {"Idempotency-Key": uuid.uuid4().hex}, timeout=5)[0]
            if status == 201:
                recovered_at = time.monotonic()
                break
            time.sleep(0.05)
        time.sleep(2)
        writers.stop()
        # Answers given entirely while the database was down.
        during = [a for a in writers.answers if stopped_at < a[0] - a[2] and a[0] < starting_at]
        print(f"  answers: {summary(writers.answers)}; during the outage: {summary(during)}", flush=True)
        check(all(a[1] == 503 for a in during) and during, f"every write during the outage answers 503 ({len(during)} answers)")
        check(all("application/problem+json" in a[4] for a in during), "as problem+json")
        slowest = max((a[2] for a in during), default=0)
        check(slowest <= POOL_TIMEOUT_MS / 1000 + 1.0, f"promptly: the slowest took {slowest:.2f} s (pool timeout {POOL_TIMEOUT_MS} ms)")
        check(all(r[0] == 503 for r in ready_answers), f"/ready says 503 while the database is down ({Counter(r[0] for r in ready_answers)})")
        recovery = (recovered_at - back_at) if recovered_at else None
        check(recovery is not None and recovery <= 2.0, f"recovers within 2 s of the database returning: {recovery if recovery is None else round(recovery, 3)} s")
        check(call(server.base, "GET", "/ready")[0] == 200, "/ready says 200 again")
        check(not any(a[1] >= 500 and a[1] != 503 for a in writers.answers), "no 5xx but 503")
        acknowledged = writers.acknowledged()
        missing = acknowledged - pg_case_ids(url)
        check(not missing, f"all {len(acknowledged)} writes answered 201 are in the database ({len(missing)} missing)")
        check(server.stop() == 0, "SIGTERM: exit 0")


def race(bases, token, label):
    """N concurrent transitions with one If-Match, and N concurrent POSTs with one key."""
    n = 16
    status, case, headers, _ = call(bases[0], "POST", "/api/v1/cases", interception("race"), token)
    if status != 201:
        sys.exit(f"faults: race case: {status} {case}")
    etag = headers.get("etag") or '"1"'
    results, lock = [], threading.Lock()
    barrier = threading.Barrier(n)

    def transition(i):
        barrier.wait()
        answer = call(bases[i % len(bases)], "POST", f"/api/v1/cases/{case['id']}/transitions", {"to": "screening", "effective_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))}, token, {"If-Match": etag})
        with lock:
            results.append(answer[0])

    threads = [threading.Thread(target=transition, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    counts = Counter(results)
    check(counts.get(200) == 1 and counts.get(412) == n - 1, f"{label}: {n} transitions with one If-Match: {dict(counts)}")

    key, alias = uuid.uuid4().hex, f"idem-{uuid.uuid4().hex[:8]}"
    body = interception(alias)
    posts = []
    barrier = threading.Barrier(n)

    def post(i):
        barrier.wait()
        answer = call(bases[i % len(bases)], "POST", "/api/v1/cases", body, token, {"Idempotency-Key": key})
        with lock:
            posts.append((answer[0], (answer[1] or {}).get("id")))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    ids = {p[1] for p in posts if p[0] == 201}
    check(all(p[0] == 201 for p in posts) and len(ids) == 1, f"{label}: {n} POSTs with one Idempotency-Key: statuses {dict(Counter(p[0] for p in posts))}, {len(ids)} resource(s)")


class FeedReader:
    """Follows the change feed from its start, alternating between the processes, until told
    to stop and caught up; keeps every item in the order read."""

    def __init__(self, bases, token):
        self.bases, self.token = bases, token
        self.items, self.errors = [], []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        cursor, n, deadline = None, 0, time.monotonic() + 120
        while time.monotonic() < deadline:
            n += 1
            path = "/api/v1/changes?limit=50" + (f"&after={cursor}" if cursor else "")
            status, body, _, _ = call(self.bases[n % len(self.bases)], "GET", path, token=self.token)
            if status != 200:
                self.errors.append(status)
                time.sleep(0.05)
                continue
            self.items.extend(body["items"])
            cursor = body["next_cursor"]
            if not body["items"]:
                if self.stop_flag.is_set():
                    return
                time.sleep(0.01)

    def start(self):
        self.thread.start()

    def finish(self):
        self.stop_flag.set()
        self.thread.join(timeout=130)


def feed(bases, token, url, label, seconds=4):
    """Writers on every process, and a reader following the feed through all of them."""
    reader = FeedReader(bases, token)
    reader.start()
    writers = Writers(bases, token, threads=6)
    writers.start()
    time.sleep(seconds)
    writers.stop()
    reader.finish()
    acknowledged = writers.acknowledged()
    seqs = [item["seq"] for item in reader.items]
    created = Counter(item["id"] for item in reader.items if item["resource"] == "case" and item["action"] == "created")
    stored = pg_case_ids(url)
    print(f"  {len(acknowledged)} cases created, {len(reader.items)} changes read, writers {summary(writers.answers)}", flush=True)
    check(not reader.errors and not any(a[1] >= 500 for a in writers.answers), f"{label}: no error reading or writing ({reader.errors[:5]})")
    check(all(a < b for a, b in zip(seqs, seqs[1:])), f"{label}: the feed's order only increases")
    check(acknowledged and not (acknowledged - set(created)), f"{label}: every case answered 201 is in the feed ({len(acknowledged - set(created))} missing)")
    check(all(count == 1 for count in created.values()), f"{label}: each once ({sum(c > 1 for c in created.values())} twice)")
    check(set(created) <= stored, f"{label}: no change of a case that is not stored")


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook endpoint on 127.0.0.1: answers `status` (settable), and keeps the id of each
    message whose signature verifies with `secret`, as a receiver following the README would."""

    # A listen backlog for a dispatcher's many connections at once (the default is 5).
    request_queue_size = 128

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.status, self.secret, self.lock = 200, b"", threading.Lock()
        self.accepted, self.forged = [], 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def verifies(self, headers, body):
        signed = f"{headers.get('webhook-id')}.{headers.get('webhook-timestamp')}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(self.secret, signed, hashlib.sha256).digest()).decode()
        return any(hmac.compare_digest(expected, s) for s in headers.get("webhook-signature", "").split(" "))


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server = self.server
        with server.lock:
            if server.status == 200:
                if server.verifies(self.headers, body):
                    server.accepted.append(self.headers.get("webhook-id"))
                else:
                    server.forged += 1
        self.send_response(server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def webhooks(binary, data_dir, url, servers, label, total=200):
    """Test messages queued through every process: each delivered once, signed; then messages
    pending while every process stops are delivered by one started again."""
    base = servers[0].base
    admin = login(base, "admin@inlav.local")
    status, organization, _, _ = call(base, "POST", "/api/v1/organizations", {"name": f"ETS {uuid.uuid4().hex[:6]}", "kind": "ets", "districts": ["milano"]}, admin)
    check(status == 201, f"{label}: an organisation ({status})")
    receiver = Receiver()
    hook = {"organization_id": organization["id"], "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "events": ["referral.updated"]}
    status, endpoint, _, _ = call(base, "POST", "/api/v1/webhooks", hook, admin)
    check(status == 201, f"{label}: an endpoint ({status})")
    receiver.secret = base64.b64decode(endpoint["secret"].removeprefix("whsec_"))
    queued, lock, counter = [], threading.Lock(), iter(range(total))

    def queue():
        for i in counter:
            answer = call(servers[i % len(servers)].base, "POST", f"/api/v1/webhooks/{endpoint['id']}/test", token=admin)
            with lock:
                queued.append((answer[1] or {}).get("message_id") if answer[0] == 202 else None)

    def delivered_within(wanted, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not wanted <= set(receiver.accepted):
            time.sleep(0.05)
        return wanted <= set(receiver.accepted)

    started = time.monotonic()
    pool = [threading.Thread(target=queue) for _ in range(8)]
    [t.start() for t in pool]
    [t.join(timeout=60) for t in pool]
    ids = set(filter(None, queued))
    check(len(ids) == total, f"{label}: {total} messages queued ({len(ids)})")
    check(delivered_within(ids, 30), f"{label}: every message delivered ({len(ids - set(receiver.accepted))} missing)")
    elapsed = time.monotonic() - started
    repeats = sum(n > 1 for n in Counter(receiver.accepted).values())
    print(f"  {len(receiver.accepted)} messages received in {elapsed:.1f} s, {repeats} twice, {receiver.forged} unsigned", flush=True)
    check(repeats == 0, f"{label}: no message sent twice ({repeats})")
    check(receiver.forged == 0, f"{label}: every signature verifies")

    # Pending while every process stops, delivered after a restart.
    receiver.status = 503
    counter = iter(range(20))
    queued.clear()
    queue()
    pending = set(filter(None, queued))
    time.sleep(0.5)
    check(all(server.stop() == 0 for server in servers), f"{label}: every process exits 0 while deliveries fail")
    receiver.status = 200
    again = Server(binary, data_dir, url)
    again.start()
    # A message taken by a process that stopped waits for its one-minute lease.
    check(delivered_within(pending, 90), f"{label}: messages pending at the stop delivered after a restart ({len(pending - set(receiver.accepted))} missing)")
    check(again.stop() == 0, f"{label}: the new process exits 0")
    receiver.shutdown()


def burst(base, token, label, total=300, threads=24):
    answers, lock = [], threading.Lock()
    counter = iter(range(total))

    def work():
        for i in counter:
            status = call(base, "POST", "/api/v1/cases", interception(f"burst-{i}"), token, timeout=30)[0]
            with lock:
                answers.append(status)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    [t.start() for t in pool]
    [t.join(timeout=120) for t in pool]
    counts = Counter(answers)
    check(not any(s >= 500 for s in answers) and counts.get(201, 0) == total, f"{label}: {total} creates from {threads} clients: {dict(counts)}")


def races(binary):
    print("\n=== races: two processes on one PostgreSQL ===", flush=True)
    url = pg_fresh_database("inlav_faults_races")
    with tempfile.TemporaryDirectory() as data_dir:
        first, second = Server(binary, data_dir, url), Server(binary, data_dir, url)
        first.start()
        second.start()
        token = coordinator_token(first.base)
        race([first.base, second.base], token, "PostgreSQL, two processes")
        feed([first.base, second.base], token, url, "PostgreSQL, two processes, the change feed")
        webhooks(binary, data_dir, url, [first, second], "PostgreSQL, two processes, webhooks")
    print("\n=== races: one process on SQLite, many connections ===", flush=True)
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(binary, data_dir, None, pool_size=16)
        server.start()
        token = coordinator_token(server.base)
        race([server.base], token, "SQLite, 16 connections")
        burst(server.base, token, "SQLite, 16 connections")
        log = open(server.log_path).read()
        check("database is locked" not in log, "no `database is locked` in the log")
        check(server.stop() == 0, "exit 0 on SIGTERM")


def check_acknowledged(writers, url, data_dir):
    """Every case the writers were answered 201 for is in the database."""
    acknowledged = writers.acknowledged()
    stored = pg_case_ids(url) if url else sqlite_case_ids(data_dir)
    missing = acknowledged - stored
    check(acknowledged and not missing, f"all {len(acknowledged)} writes answered 201 are in the database ({len(missing)} missing)")


def restart(binary):
    for backend in ["sqlite", "postgres"]:
        print(f"\n=== restart under load ({backend}) ===", flush=True)
        url = pg_fresh_database("inlav_faults_restart") if backend == "postgres" else None
        with tempfile.TemporaryDirectory() as data_dir:
            server = Server(binary, data_dir, url)
            server.start()
            token = coordinator_token(server.base)
            writers = Writers([server.base], token)
            writers.start()
            time.sleep(2)
            before = len(writers.answers)
            sigterm_at = time.monotonic()
            code = server.stop()
            check(code == 0, f"SIGTERM under load: exit {code}")
            restarted = Server(binary, data_dir, url, port=server.port)
            ready_in = restarted.start()
            print(f"  restarted, ready in {ready_in:.2f} s", flush=True)
            time.sleep(2)
            writers.stop()
            print(f"  answers: {summary(writers.answers)} ({before} before SIGTERM)", flush=True)
            check(not any(a[1] >= 500 for a in writers.answers), "no 5xx")
            cut = [a for a in writers.answers if a[1] == 0 and a[0] - a[2] < sigterm_at - 0.05]
            check(not cut, f"requests in flight at SIGTERM are answered ({len(cut)} cut off)")
            check_acknowledged(writers, url, data_dir)
            check(restarted.stop() == 0, "exit 0")


def kill(binary):
    for backend in ["sqlite", "postgres"]:
        print(f"\n=== SIGKILL under reads and writes ({backend}) ===", flush=True)
        url = pg_fresh_database("inlav_faults_kill") if backend == "postgres" else None
        with tempfile.TemporaryDirectory() as data_dir:
            server = Server(binary, data_dir, url)
            server.start()
            token = coordinator_token(server.base)
            status, body, _, _ = call(server.base, "POST", "/api/v1/cases", interception("letta"), token)
            if status != 201:
                sys.exit(f"faults: create the case to read: {status} {body}")
            writers, readers = Writers([server.base], token), Readers(server.base, token, body["id"])
            writers.start()
            readers.start()
            time.sleep(2)
            server.process.kill()
            server.process.wait(timeout=10)
            writers.stop()
            readers.stop()
            check_acknowledged(writers, url, data_dir)
            audited = audited_reads(url, data_dir, body["id"])
            check(readers.answered > 0 and audited >= readers.answered, f"all {readers.answered} reads answered 200 have their audit entry ({audited} in the trail)")
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "INLAV_DATA_DIR": data_dir, "INLAV_LOG": "error"}
            if url:
                env["DATABASE_URL"] = url
            verify = subprocess.run([binary, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
            check(verify.returncode == 0, f"the audit chain verifies after the kill: {(verify.stdout + verify.stderr).strip()}")
            restarted = Server(binary, data_dir, url, port=server.port)
            ready_in = restarted.start()
            print(f"  restarted, ready in {ready_in:.2f} s", flush=True)
            check(restarted.stop() == 0, "exit 0")


def main():
    binary = os.path.abspath(sys.argv[1])
    chosen = sys.argv[2:] or ["outage", "races", "restart", "kill"]
    if not pg_accepts():
        sys.exit(f"faults: PostgreSQL does not answer at {PG_BASE}")
    deadline = time.monotonic() + 600
    for name in chosen:
        {"outage": outage, "races": races, "restart": restart, "kill": kill}[name](binary)
        if time.monotonic() > deadline:
            sys.exit("faults: over the 10-minute budget")
    if FAILURES:
        sys.exit(f"\nfaults: {len(FAILURES)} failed:\n  " + "\n  ".join(FAILURES))
    print("\nfaults: ok")


if __name__ == "__main__":
    try:
        main()
    finally:
        if not pg_accepts():
            pg_ctl("start")
