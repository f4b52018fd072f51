#!/usr/bin/env python3
"""Smoke test of the real binary: start `inlav serve`, wait for /ready, log in as the first
admin, read /api/v1/me, /docs/ and /metrics, back the database up from another process while
it serves and restore the copy elsewhere, stop with SIGTERM and expect exit 0.

usage: smoke.py <path to inlav> [DATABASE_URL]   (default: a SQLite file in a temp dir)
Only 127.0.0.1 is contacted; every wait is bounded.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


METRICS_TOKEN = "smoke-metrics-token-0123456789"


def request(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def backup_and_restore(binary, env, data_dir):
    """`inlav backup` from another process while the server runs; the copy restores elsewhere."""
    backup_dir = os.path.join(data_dir, "backup")
    done = subprocess.run([binary, "backup", "--to", backup_dir], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "backup written" in done.stdout, done.stdout + done.stderr
    with open(os.path.join(backup_dir, "manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["audit"]["checkpoint"].startswith("inlav-audit-checkpoint.v1."), manifest
    if "DATABASE_URL" in env:
        return  # PostgreSQL: the database itself is copied with pg_dump
    restored = dict(env, INLAV_DATA_DIR=os.path.join(data_dir, "restored"))
    done = subprocess.run([binary, "restore", "--from", backup_dir], env=restored, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "audit chain verified" in done.stdout, done.stdout + done.stderr
    done = subprocess.run([binary, "user", "list", "--json"], env=restored, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)[0]["email"] == "admin@inlav.local", done.stdout + done.stderr


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "INLAV_BIND": f"127.0.0.1:{port}",
            "INLAV_DATA_DIR": data_dir,
            # The housekeeping's info lines hold the audit checkpoint logged at start.
            "INLAV_LOG": "warn,api::housekeeping=info",
            "INLAV_METRICS_TOKEN": METRICS_TOKEN,
        }
        if len(sys.argv) > 2 and sys.argv[2]:
            env["DATABASE_URL"] = sys.argv[2]
        server = subprocess.Popen([binary], env=env, cwd=data_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    sys.exit(f"smoke: the server exited with {server.returncode}: {server.stderr.read()}")
                try:
                    status, _ = request(base, "GET", "/ready")
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("smoke: not ready within 60 s")
                time.sleep(0.1)
            # The first start prints the generated admin password once on stdout.
            password = None
            deadline = time.monotonic() + 10
            while password is None and time.monotonic() < deadline:
                line = server.stdout.readline()
                if line.strip().startswith("password:"):
                    password = line.split(":", 1)[1].strip()
            if not password:
                sys.exit("smoke: no generated admin password on the console")
            status, body = request(base, "POST", "/api/v1/auth/login", {"email": "admin@inlav.local", "password": password})
            assert status == 200, (status, body)
            token = json.loads(body)["access_token"]
            status, body = request(base, "GET", "/api/v1/me", token=token)
            assert status == 200 and json.loads(body)["role"] == "admin", (status, body)
            status, body = request(base, "GET", "/docs/")
            assert status == 200 and b"swagger-ui" in body, status
            status, body = request(base, "GET", "/api/v1/openapi.json")
            assert status == 200 and json.loads(body)["openapi"] == "3.1.0", status
            if "DATABASE_URL" not in env:
                mode = os.stat(os.path.join(data_dir, "inlav.db")).st_mode & 0o777
                assert mode == 0o600, oct(mode)
            status, _ = request(base, "GET", "/metrics")
            assert status == 401, status
            status, body = request(base, "GET", "/metrics", token=METRICS_TOKEN)
            assert status == 200 and b'inlav_http_requests_total{method="GET",route="/api/v1/me",status="200"}' in body, body[:2000]
            backup_and_restore(binary, env, data_dir)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=35)
            except subprocess.TimeoutExpired:
                server.kill()
                sys.exit("smoke: the server did not stop within 35 s of SIGTERM")
        log = server.stdout.read() + server.stderr.read()
        if code != 0:
            sys.exit(f"smoke: the server exited with {code} after SIGTERM: {log}")
        # The checkpoint serve logged at start, kept as a file, checks the chain.
        if "inlav-audit-checkpoint.v1." not in log:
            sys.exit(f"smoke: no audit checkpoint in the log of serve: {log}")
        log_file = os.path.join(data_dir, "serve.log")
        with open(log_file, "w") as f:
            f.write(log)
        verify = subprocess.run([binary, "audit", "verify", "--checkpoint", log_file], env=env, capture_output=True, text=True)
        if verify.returncode != 0 or "consistent with 1 checkpoints" not in verify.stdout:
            sys.exit(f"smoke: audit verify --checkpoint on the log of serve: {verify.stdout}{verify.stderr}")
    print(f"smoke: ok ({env.get('DATABASE_URL', 'sqlite')})")


if __name__ == "__main__":
    main()
