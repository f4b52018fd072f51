#!/usr/bin/env python3
"""Schemathesis against the real binary, as a district coordinator and as a partner.

Starts `inlav serve` on a fresh database (SQLite by default, or DATABASE_URL), creates the two
users and a little data for ids to point at, runs schemathesis once per identity against the
served spec, then reads the server's own request log: it fails unless at least MIN_REQUESTS
requests were answered, none with a 5xx, and schemathesis found no response that breaks the spec.

usage: fuzz.py <path to inlav> <path to schemathesis> [DATABASE_URL]
Only 127.0.0.1 is contacted; every run is bounded by FUZZ_SECONDS per identity.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORD, REGION, call, free_port, login  # noqa: E402

MIN_REQUESTS = int(os.environ.get("FUZZ_MIN_REQUESTS", "5000"))
SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))


def expect(result, status, what):
    if result[0] != status:
        sys.exit(f"fuzz: {what}: expected {status}, got {result[0]}: {result[1]}")
    return result[1]


def prepare(base):
    """Two identities, and a case, a referral and an activity for generated ids to meet."""
    admin = login(base, "admin@inlav.local")
    partner_org = expect(
        call(base, "POST", "/api/v1/organizations", {"name": "ETS Fuzz", "kind": "ets", "districts": ["milano"]}, admin),
        201,
        "organisation",
    )["id"]
    for email, role, org, districts in [
        ("coordinator@fuzz.local", "district_coordinator", REGION, ["milano"]),
        ("partner@fuzz.local", "partner", partner_org, []),
    ]:
        user = {"email": email, "display_name": role, "role": role, "organization_id": org, "districts": districts, "password": PASSWORD}
        expect(call(base, "POST", "/api/v1/users", user, admin), 201, f"user {role}")
    coordinator = login(base, "coordinator@fuzz.local")
    person = {"alias": "Fuzz", "citizenships": ["MA"], "gender": "male", "birth_year": 1990}
    case = expect(
        call(base, "POST", "/api/v1/cases", {"beneficiary": person, "district": "milano", "channel": "street_outreach", "intercepted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))}, coordinator),
        201,
        "case",
    )
    activity = {"kind": "awareness_session", "held_on": "2026-01-10", "participants": {"male": 3}}
    expect(call(base, "POST", "/api/v1/activities", activity, coordinator), 201, "activity")
    return case["id"]


def main():
    binary, schemathesis = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    database_url = sys.argv[3] if len(sys.argv) > 3 else ""
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "INLAV_BIND": f"127.0.0.1:{port}",
            "INLAV_DATA_DIR": data_dir,
            "INLAV_LOG": "info,json",
            "INLAV_ADMIN_PASSWORD": PASSWORD,
            # Generated bodies register webhooks to generated hosts: nothing may leave 127.0.0.1.
            "INLAV_WEBHOOK_DISPATCH": "off",
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        log_path = os.path.join(data_dir, "server.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen([binary, "serve"], env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    sys.exit(f"fuzz: the server exited with {server.returncode}")
                try:
                    if call(base, "GET", "/ready")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("fuzz: the server did not become ready in 60 s")
                time.sleep(0.2)
            prepare(base)
            failed = []
            for email in ["coordinator@fuzz.local", "partner@fuzz.local"]:
                token = login(base, email)
                print(f"\n--- schemathesis as {email} ({SECONDS} s) ---", flush=True)
                run = subprocess.run(
                    [
                        schemathesis, "run", f"{base}/api/v1/openapi.json",
                        "--header", f"Authorization: Bearer {token}",
                        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
                        "--max-time", str(SECONDS),
                        # One worker: with two threads, CPython 3.11 sometimes fails inside
                        # schemathesis ("AST constructor recursion depth mismatch"), not in the API.
                        "--workers", "1",
                        "--request-timeout", "10",
                        "--suppress-health-check", "all",
                        "--seed", "20261125",
                        "--no-color",
                    ],
                    timeout=SECONDS + 120,
                )
                if run.returncode != 0:
                    failed.append(email)
        finally:
            server.terminate()
            server.wait(timeout=40)
        statuses = Counter()
        with open(log_path) as log:
            for line in log:
                try:
                    fields = json.loads(line).get("fields", {})
                except ValueError:
                    continue
                if "status" in fields and fields.get("message") in ("request", "request failed"):
                    statuses[int(fields["status"])] += 1
        total = sum(statuses.values())
        errors = sum(n for s, n in statuses.items() if s >= 500)
        print(f"\nfuzz: {total} requests answered; by status: {dict(sorted(statuses.items()))}")
        if failed:
            sys.exit(f"fuzz: schemathesis found failures as {', '.join(failed)}")
        if errors:
            sys.exit(f"fuzz: {errors} responses with a 5xx status")
        if total < MIN_REQUESTS:
            sys.exit(f"fuzz: only {total} requests, fewer than {MIN_REQUESTS}")
        print("fuzz: ok")


if __name__ == "__main__":
    main()
