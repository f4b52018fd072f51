#!/usr/bin/env python3
"""`make bench`: the release server on a generated database, driven by wrk on 127.0.0.1.

For each backend and size it seeds a fresh database (`inlav seed --synthetic N`), measures
start-up to ready, then runs each scenario for a fixed time with a fixed number of connections
(32 by default, as many as a desk's clients at once) and prints successful answers/s (2xx and
3xx; the errors column counts the others, such as a long read refused with 503), p50, p99, errors,
the server's peak RSS during the scenario, its CPU time per request and its share of the cores
(CPU seconds over wall seconds times cores: below 1 the server waits, on the disk or a lock),
how busy its writer thread was (a share of one core: near 100%, writes queue for it), and the
share of the ceiling measured in the same run. It starts by measuring the disk's fsyncs per
second.

  ceiling        GET /health (no database): the HTTP limit of this machine
  read case      GET /api/v1/cases/{id} as a district coordinator (auth, scope, audit)
  list 50        GET /api/v1/cases?status=taken_in_charge&limit=50
  create         POST /api/v1/cases (an interception with a new person), each with its own
                 Idempotency-Key, as the clients send them
  transition     POST /api/v1/cases/{id}/transitions, intercepted -> screening, If-Match "1"
  service        POST /api/v1/cases/{id}/services delivered by a partner without a webhook,
                 then by one whose webhook is told of each (the outbox written in the request,
                 the dispatcher delivering to a receiver on 127.0.0.1 meanwhile)
  first report   the same, once, right after the writes (it recounts the day they filled)
  indicators 1   GET /api/v1/reports/indicators?district=milano (one district), 32 connections
  indicators all GET /api/v1/reports/indicators as the regional coordinator (12 districts), 32
  desk, quiet    GET /api/v1/cases/{id} on 8 connections, nothing else running
  desk, busy     the same while 12 clients run research exports and all-district reports in a
                 loop (honouring Retry-After when refused); their own row follows
  export alone   one research export of the year as CSV: the time to its headers (first pass
                 and k-anonymity plan), to its end, and its InLav-Anonymity header

usage: bench.py <inlav release binary> [--sizes 10000,1000000] [--backends sqlite,postgres]
                [--seconds 10] [--connections 32] [--only read,list] [--keep-seed DIR]

--only runs the scenarios whose names contain one of the words (and the ceiling), to iterate
on one; --keep-seed keeps each SQLite database as seeded in DIR and starts the next run from a
copy of it instead of seeding again (the figures published come from fresh seeds).
wrk is installed from Debian's packages when missing. Only 127.0.0.1 is contacted.
"""
import argparse
import http.server
import json
import threading
import urllib.error
import urllib.request
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORD, Server, call, login  # noqa: E402

PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# A scenario of one request, timed by the client (its p50 column is that request's time).
ONCE = 0
# A busy desk: the operators of a few districts reading cases at once.
DESK = 8


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk from Debian's packages", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        # A fresh machine has no package lists yet.
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
        subprocess.run(install, check=True, env=env, capture_output=True)


def cli(binary, env, *args, stdin=None):
    run = subprocess.run([binary, *args], env=env, input=stdin, capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        sys.exit(f"bench: inlav {' '.join(args)}: {run.stderr.strip()}")
    return run.stdout


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in socket.groups()) if socket else 0)
    # Answers per second that did what was asked: a 503 of a refused long read is not a report.
    answered = rate * max(0, total - errors) / total if total else 0.0
    return {"rps": answered, "sent_rps": rate, "p50": p50, "p99": p99, "requests": total, "errors": errors}


LUA_TEMPLATE = """
local token = "%(token)s"
local targets = {%(targets)s}
local method = "%(method)s"
local body = %(body)s
local idempotent = %(idempotent)s
local run_id = "%(run_id)s"
local counter = 0
local threads = 0
-- Each wrk thread takes every other target (thread_offset is set in the thread's state).
setup = function(thread)
  thread:set("thread_offset", threads)
  threads = threads + 1
end
request = function()
  local index = (counter * 2 + (thread_offset or 0)) %% #targets + 1
  counter = counter + 1
  local target = targets[index]
  local headers = {["Authorization"] = "Bearer " .. token}
  if body then headers["Content-Type"] = "application/json" end
  if target[2] then headers["If-Match"] = target[2] end
  if idempotent then headers["Idempotency-Key"] = run_id .. "-" .. (thread_offset or 0) .. "-" .. counter end
  return wrk.format(method, target[1], headers, body)
end
"""


def lua_string(text):
    return json.dumps(text)


def wrk(base, token, targets, seconds, connections, method="GET", body=None):
    """`targets`: paths, or (path, If-Match) pairs; each request takes the next one. A POST
    without If-Match carries an Idempotency-Key of its own, as clients retrying safely send."""
    pairs = [t if isinstance(t, tuple) else (t, None) for t in targets]
    idempotent = method == "POST" and all(e is None for _, e in pairs)
    script = LUA_TEMPLATE % {
        "token": token,
        "targets": ",".join("{%s, %s}" % (lua_string(p), lua_string(e) if e else "nil") for p, e in pairs),
        "method": method,
        "body": lua_string(body) if body else "nil",
        "idempotent": "true" if idempotent else "false",
        "run_id": f"bench{time.time_ns()}",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        run = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", path, base],
            capture_output=True, text=True, timeout=seconds + 60,
        )
    finally:
        os.unlink(path)
    if run.stderr.strip():
        # wrk reports a script it cannot load on stderr, then runs without it.
        sys.exit(f"bench: wrk: {run.stderr.strip()[:500]}")
    return parse_wrk(run.stdout)


class HeavyLoad:
    """`clients` threads that each run a research export (even) or an all-district report (odd)
    in a loop until stopped, as the Region's officers and the evaluators would. A refusal (503 or
    429) is honoured: the client waits Retry-After (at most 5 s) before asking again."""

    def __init__(self, base, token, clients, from_day, to_day):
        self.base, self.token, self.clients = base, token, clients
        query = f"from={from_day}&to={to_day}"
        self.paths = [f"/api/v1/exports/cases?format=csv&{query}", f"/api/v1/reports/indicators?{query}"]
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.done, self.refused, self.failed, self.latencies = 0, 0, 0, []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(clients)]

    def run(self, index):
        path = self.paths[index % 2]
        while not self.stopping.is_set():
            req = urllib.request.Request(self.base + path, headers={"Authorization": "Bearer " + self.token})
            started = time.monotonic()
            status, retry_after = 0, 1.0
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:
                    while resp.read(1 << 16):
                        pass
                    status = resp.status
            except urllib.error.HTTPError as err:
                status = err.code
                try:
                    retry_after = float(err.headers.get("Retry-After", "1"))
                except ValueError:
                    pass
            except OSError:
                status = 0
            took = time.monotonic() - started
            with self.lock:
                if status == 200:
                    self.done += 1
                    self.latencies.append(took)
                elif status in (429, 503):
                    self.refused += 1
                else:
                    self.failed += 1
            if status in (429, 503):
                self.stopping.wait(min(5.0, max(0.1, retry_after)))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=130)

    def row(self, seconds):
        latencies = sorted(self.latencies) or [0.0]
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        return {"rps": self.done / seconds, "p50": pick(0.5), "p99": pick(0.99), "errors": self.failed,
                "refused": self.refused, "done": self.done}


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook endpoint on 127.0.0.1 that counts what it gets and answers 204."""

    # A listen backlog for a dispatcher's many connections at once (the default is 5).
    request_queue_size = 128

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.received = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def partners(base, receiver):
    """Two partner organisations, the second with a webhook on `receiver` told of services
    (None for a binary older than webhooks, to compare with it)."""
    admin = login(base, "admin.bench@bench.local")
    ids = []
    for name in ("Ente senza webhook", "Ente con webhook"):
        status, body, _, _ = call(base, "POST", "/api/v1/organizations", {"name": f"{name} {time.time_ns()}", "kind": "ets", "districts": ["milano"]}, admin)
        if status != 201:
            sys.exit(f"bench: organisation: {status} {body}")
        ids.append(body["id"])
    hook = {"organization_id": ids[1], "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "events": ["service.created"]}
    status, body, _, _ = call(base, "POST", "/api/v1/webhooks", hook, admin)
    if status == 404:
        return ids[0], None
    if status != 201:
        sys.exit(f"bench: webhook: {status} {body}")
    return ids[0], ids[1]


def reset_peak_rss(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stat_cpu(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User and system CPU time of the process so far."""
    return stat_cpu(f"/proc/{pid}/stat")


def thread_cpu_seconds(pid, name):
    """CPU time so far of the process's threads called `name` (the SQLite writer is `writer`),
    or None when it has none."""
    total, found = 0.0, False
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                if f.read().strip() != name:
                    continue
            total, found = total + stat_cpu(f"/proc/{pid}/task/{task}/stat"), True
        except OSError:
            continue
    return total if found else None


class Cpu:
    """The server's CPU time over a scenario: the whole process and its writer thread."""

    def __init__(self, pid):
        self.pid, self.started = pid, time.monotonic()
        self.process, self.writer = cpu_seconds(pid), thread_cpu_seconds(pid, "writer")

    def add_to(self, result):
        """Adds the server's CPU per request (ms), its share of the machine's cores, and how
        busy the writer thread was (a share of one core: near 100%, writes wait for it)."""
        wall = time.monotonic() - self.started
        cpu = cpu_seconds(self.pid) - self.process
        requests = result.get("requests") or 0
        result["cpu_ms"] = cpu * 1000 / requests if requests else None
        result["cores"] = cpu / (wall * (os.cpu_count() or 1)) if wall > 0 else None
        writer = thread_cpu_seconds(self.pid, "writer")
        result["writer"] = (writer - self.writer) / wall if writer is not None and self.writer is not None and wall > 0 else None
        return result


def query_ids(backend, data_dir, url, sql):
    if backend == "postgres":
        out = subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True, check=True).stdout
        return out.splitlines()
    import sqlite3
    with sqlite3.connect(os.path.join(data_dir, "inlav.db")) as db:
        return [row[0] for row in db.execute(sql)]


def seed(binary, env, backend, size, data_dir, keep_seed):
    """Seeds the database, or copies the one kept in `keep_seed` (SQLite), and returns the
    seed's output and its wall time."""
    kept = os.path.join(keep_seed, f"sqlite-{size}") if keep_seed and backend == "sqlite" else None
    if kept and os.path.exists(os.path.join(kept, "seed.txt")):
        for name in os.listdir(kept):
            if name.startswith("inlav.db"):
                shutil.copy(os.path.join(kept, name), data_dir)
        cli(binary, env, "migrate")
        with open(os.path.join(kept, "seed.txt")) as out:
            return out.read(), 0.0
    started = time.monotonic()
    seeded = cli(binary, env, "seed", "--synthetic", str(size), "--seed", "42")
    took = time.monotonic() - started
    if kept:
        os.makedirs(kept, exist_ok=True)
        for name in os.listdir(data_dir):
            if name.startswith("inlav.db"):
                shutil.copy(os.path.join(data_dir, name), kept)
        with open(os.path.join(kept, "seed.txt"), "w") as out:
            out.write(seeded)
    return seeded, took


def bench_one(binary, backend, size, seconds, connections, only=None, keep_seed=None):
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        url = None
        if backend == "postgres":
            name = "inlav_bench"
            subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True, capture_output=True)
            subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
            # Over loopback TLS protects nothing and cost creates 15-20% (measured): the bench
            # connects as a server beside its database would. Across a network, keep TLS.
            url = f"{PG_BASE}/{name}?sslmode=disable"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "INLAV_DATA_DIR": data_dir, "INLAV_LOG": "warn", "INLAV_ADMIN_PASSWORD": PASSWORD}
        if url:
            env["DATABASE_URL"] = url
        # The service's tuning knobs pass through, to compare settings on one machine.
        env.update({k: v for k, v in os.environ.items() if k in ("INLAV_LONG_READS", "INLAV_WORKERS", "INLAV_DB_POOL_SIZE")})
        cli(binary, env, "migrate")
        seeded, seed_seconds = seed(binary, env, backend, size, data_dir, keep_seed)
        # The seed leaves gigabytes of dirty pages; the kernel writing them back during the
        # scenarios would slow every commit's fsync and measure the seed, not the server.
        os.sync()
        print(f"  {seeded.splitlines()[0]} (wall {seed_seconds:.1f} s)", flush=True)
        email = re.search(r"district_coordinator\s+(coordinatore\.milano@\S+)", seeded).group(1)
        password = re.search(r"password: (\S+)\)", seeded).group(1)
        cli(binary, env, "user", "create", "--email", "admin.bench@bench.local", "--name", "Admin", "--role", "admin", "--organization", "Regione Lombardia", "--password-stdin", stdin=PASSWORD + "\n")
        cli(binary, env, "user", "create", "--email", "regione.bench@bench.local", "--name", "Regione", "--role", "regional_coordinator", "--organization", "Regione Lombardia", "--password-stdin", stdin=PASSWORD + "\n")
        server = Server(binary, data_dir, url, pool_size=8, workers=2, env={"INLAV_WEBHOOK_ALLOW": "127.0.0.1"})
        receiver = Receiver()
        ready = server.start()
        rows.append(("start-up to ready", {"rps": None, "p50": ready * 1000, "p99": None, "errors": 0, "rss": peak_rss_mb(server.process.pid), "connections": 1}))
        try:
            token = login(server.base, email, password)
            regional = login(server.base, "regione.bench@bench.local", PASSWORD)
            milano = query_ids(backend, data_dir, url, "SELECT id FROM cases WHERE district_code = 'milano' ORDER BY id LIMIT 20000")
            from_day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
            to_day = time.strftime("%Y-%m-%d", time.gmtime())
            quiet_partner, told_partner = partners(server.base, receiver)
            # A closed case takes no service.
            open_cases = query_ids(backend, data_dir, url, "SELECT id FROM cases WHERE district_code = 'milano' AND status <> 'closed' ORDER BY id LIMIT 5000")
            service = {"category": "orientation_work", "delivered_on": to_day}
            interception = json.dumps({"beneficiary": {"alias": "Bench", "citizenships": ["PK"], "gender": "male"}, "district": "milano", "channel": "street_outreach", "intercepted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))})
            scenarios = [
                ("ceiling: GET /health", token, ["/health"], "GET", None, connections),
                ("read one case", token, [f"/api/v1/cases/{i}" for i in milano], "GET", None, connections),
                ("list of 50, filtered", token, ["/api/v1/cases?status=taken_in_charge&limit=50"], "GET", None, connections),
                ("create an interception", token, ["/api/v1/cases"], "POST", interception, connections),
                ("transition a case", token, None, "POST", json.dumps({"to": "screening", "effective_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))}), connections),
                ("record a service, no webhook", token, [f"/api/v1/cases/{i}/services" for i in open_cases], "POST", json.dumps({**service, "delivered_by": quiet_partner}), connections),
                ("record a service, a webhook told", token, [f"/api/v1/cases/{i}/services" for i in open_cases], "POST", json.dumps({**service, "delivered_by": told_partner}), connections),
                # The first report after the writes recounts the day they filled (tens of
                # thousands of rows written in seconds): one request, timed on its own, so that
                # wrk's correction for coordinated omission does not spread it over the p99 of
                # the reports that follow.
                ("indicators, first after the writes", token, [f"/api/v1/reports/indicators?district=milano&from={from_day}&to={to_day}"], "GET", None, ONCE),
                ("indicators, one district", token, [f"/api/v1/reports/indicators?district=milano&from={from_day}&to={to_day}"], "GET", None, connections),
                ("indicators, all districts", regional, [f"/api/v1/reports/indicators?from={from_day}&to={to_day}"], "GET", None, connections),
                # The desk while the Region's officers and the evaluators pull exports and
                # all-district reports: interactive reads must keep their latency.
                ("desk: read one case, quiet", token, [f"/api/v1/cases/{i}" for i in milano], "GET", None, DESK),
                ("desk: read one case, 12 exports and reports running", token, [f"/api/v1/cases/{i}" for i in milano], "GET", None, DESK),
            ]
            if told_partner is None:
                scenarios = [row for row in scenarios if not row[0].endswith("webhook told")]
            if only:
                scenarios = [row for row in scenarios if row[0].startswith("ceiling") or any(word in row[0] for word in only)]
            for label, who, targets, method, body, clients in scenarios:
                duration = seconds
                if targets is None:
                    # Every intercepted case of Milano (the create scenario added many), once each;
                    # the run is cut short so that it ends before the cases run out.
                    # At most 30,000: wrk's LuaJIT refuses a script of more than 65,536 constants,
                    # and wrk then sends `GET /` instead, which only fails fast.
                    found = query_ids(backend, data_dir, url, "SELECT id || ' ' || version FROM cases WHERE status = 'intercepted' AND district_code = 'milano' LIMIT 30000")
                    targets = [(f"/api/v1/cases/{r.split()[0]}/transitions", f'"{r.split()[1]}"') for r in found]
                    created_rps = next((r["rps"] for label, r in rows if label == "create an interception"), 1000)
                    duration = max(1, min(seconds, int(len(targets) / max(1.0, 2.5 * created_rps))))
                    print(f"  ({len(targets)} cases to transition, {duration} s)", flush=True)
                reset_peak_rss(server.process.pid)
                if label.endswith("running"):
                    with HeavyLoad(server.base, regional, 12, from_day, to_day) as heavy:
                        # Let the long reads get going before the desk is measured.
                        time.sleep(2)
                        started, cpu = time.monotonic(), Cpu(server.process.pid)
                        result = wrk(server.base, who, targets, duration, clients, method, body)
                        heavy_seconds = time.monotonic() - started
                        # The long reads' CPU is in it: the share says how busy the cores were.
                        cpu.add_to(result)
                    result["connections"] = clients
                    result["rss"] = peak_rss_mb(server.process.pid)
                    rows.append((label, result))
                    heavy_row = heavy.row(heavy_seconds)
                    heavy_row["connections"] = 12
                    heavy_row["rss"] = result["rss"]
                    rows.append(("  the 12 exports and reports (done/s)", heavy_row))
                    quiet = next(r for l, r in rows if l == "desk: read one case, quiet")
                    print(f"  {label:<34} c={clients:<3} {result['rps']:>9.0f} req/s  p50 {result['p50']:>8.2f} ms  p99 {result['p99']:>8.2f} ms  errors {result['errors']:>6}  rss {result['rss']:.0f} MB{cpu_text(result, rows)}", flush=True)
                    print(f"    p99 {result['p99'] / max(quiet['p99'], 0.001):.2f}x the quiet desk's; exports and reports: {heavy_row['done']} done, {heavy_row['refused']} refused (503/429), {heavy_row['errors']} failed, p50 {heavy_row['p50']:.0f} ms, p99 {heavy_row['p99']:.0f} ms", flush=True)
                    continue
                if clients == ONCE:
                    status, _, _, took = call(server.base, method, targets[0], token=who)
                    result = {"rps": None, "p50": took * 1000, "p99": None, "errors": int(status != 200), "connections": 1}
                else:
                    cpu = Cpu(server.process.pid)
                    result = wrk(server.base, who, targets, duration, clients, method, body)
                    cpu.add_to(result)
                    result["connections"] = clients
                result["rss"] = peak_rss_mb(server.process.pid)
                rows.append((label, result))
                if label.endswith("webhook told"):
                    # Every service recorded is a message: wait (bounded) until they are all sent.
                    wanted = int(query_ids(backend, data_dir, url, "SELECT count(*) FROM webhook_messages")[0])
                    deadline = time.monotonic() + 60
                    while receiver.received < wanted and time.monotonic() < deadline:
                        time.sleep(0.1)
                    print(f"    webhook messages: {wanted} queued, {receiver.received} received {time.monotonic() - deadline + 60:.1f} s after the scenario", flush=True)
                rps = f"{result['rps']:>9.0f}" if result["rps"] is not None else f"{'–':>9}"
                p99 = f"{result['p99']:>8.2f}" if result["p99"] is not None else f"{'–':>8}"
                print(f"  {label:<34} c={result['connections']:<3} {rps} req/s  p50 {result['p50']:>8.2f} ms  p99 {p99} ms  errors {result['errors']:>6}  rss {result['rss']:.0f} MB{cpu_text(result, rows)}", flush=True)
            # A research export of the year, alone: its headers come after the first pass and
            # the anonymisation plan, so the time to them is what the plan costs.
            # The exports of the busy desk may still be running: wait for the long reads to
            # drain, as a client honouring Retry-After would.
            if not only or any(word in "research export of a year, alone" for word in only):
                reset_peak_rss(server.process.pid)
                path = f"/api/v1/exports/cases?format=csv&from={from_day}&to={to_day}"
                for _ in range(120):
                    req = urllib.request.Request(server.base + path, headers={"Authorization": "Bearer " + regional})
                    started = time.monotonic()
                    size, status = 0, 0
                    try:
                        with urllib.request.urlopen(req, timeout=900) as resp:
                            headers_after = time.monotonic() - started
                            anonymity = resp.headers.get("InLav-Anonymity", "")
                            while chunk := resp.read(1 << 16):
                                size += len(chunk)
                            status = resp.status
                    except urllib.error.HTTPError as err:
                        headers_after, anonymity, status = time.monotonic() - started, f"failed: {err}", err.code
                    except (OSError, urllib.error.URLError) as err:
                        headers_after, anonymity = time.monotonic() - started, f"failed: {err}"
                    if status != 503:
                        break
                    time.sleep(5)
                took = time.monotonic() - started
                rss = peak_rss_mb(server.process.pid)
                rows.append(("research export of a year, alone", {"rps": None, "p50": took * 1000, "p99": None, "errors": int(status != 200), "rss": rss, "connections": 1}))
                print(f"  research export of a year: headers after {headers_after:.1f} s, whole {took:.1f} s, {size / 1e6:.0f} MB, rss {rss:.0f} MB; {anonymity}", flush=True)
        finally:
            server.stop()
            receiver.shutdown()
    return rows


def fsyncs_per_second(directory, seconds=2.0):
    """Syncs of a 4 KiB write per second in `directory`: the disk's limit on commits that wait
    for it (each group of SQLite commits is one or two of them)."""
    path = os.path.join(directory, "fsync-probe")
    count, started = 0, time.monotonic()
    with open(path, "wb") as probe:
        while time.monotonic() - started < seconds:
            probe.seek(0)
            probe.write(os.urandom(4096))
            probe.flush()
            os.fsync(probe.fileno())
            count += 1
    os.remove(path)
    return count / (time.monotonic() - started)


def ceiling_of(rows):
    return next((r["rps"] for label, r in rows if label.startswith("ceiling")), None)


def cpu_text(result, rows):
    parts = []
    if result.get("cpu_ms") is not None:
        parts.append(f"cpu {result['cpu_ms']:.3f} ms/req, cores {result['cores'] * 100:.0f}%")
    if result.get("writer") is not None:
        parts.append(f"writer {result['writer'] * 100:.0f}%")
    ceiling = ceiling_of(rows)
    if result.get("rps") and ceiling:
        parts.append(f"{result['rps'] / ceiling * 100:.1f}% of ceiling")
    return ("  " + ", ".join(parts)) if parts else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default=None, help="comma-separated words of the scenarios to run")
    parser.add_argument("--keep-seed", default=None, help="a directory keeping the seeded SQLite databases")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    ensure_wrk()
    binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory() as probe:
        print(f"this disk: {fsyncs_per_second(probe):,.0f} fsyncs of 4 KiB per second (a Python loop)", flush=True)
    table = []
    for backend in args.backends.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            print(f"\n=== {backend}, {size:,} cases ({args.connections} connections, {args.seconds} s each) ===", flush=True)
            for label, result in bench_one(binary, backend, size, args.seconds, args.connections, only, args.keep_seed):
                table.append((backend, size, label, result))
    print(f"\n{os.cpu_count()} cores; CPU per request and the share of the cores are the server's own.")
    print("\n| backend | cases | scenario | connections | answered/s | share of ceiling | p50 ms | p99 ms | errors | peak RSS MB | CPU ms/req | cores busy | writer busy |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ceilings = {(b, n): r["rps"] for b, n, label, r in table if label.startswith("ceiling")}
    for backend, size, label, r in table:
        rps = f"{r['rps']:.0f}" if r["rps"] is not None else "–"
        p99 = f"{r['p99']:.2f}" if r["p99"] is not None else "–"
        ceiling = ceilings.get((backend, size))
        share = f"{r['rps'] / ceiling * 100:.1f}%" if r["rps"] and ceiling and not label.startswith("ceiling") else "–"
        cpu = f"{r['cpu_ms']:.3f}" if r.get("cpu_ms") is not None else "–"
        cores = f"{r['cores'] * 100:.0f}%" if r.get("cores") is not None else "–"
        writer = f"{r['writer'] * 100:.0f}%" if r.get("writer") is not None else "–"
        print(f"| {backend} | {size:,} | {label} | {r['connections']} | {rps} | {share} | {r['p50']:.2f} | {p99} | {r['errors']} | {r['rss']:.0f} | {cpu} | {cores} | {writer} |")


if __name__ == "__main__":
    main()
