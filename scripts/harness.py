"""What the scripts that drive the real binary share: a server process, an HTTP call, a login.
Only 127.0.0.1 is contacted; every wait is bounded."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

PASSWORD = "harness-password-0123"
REGION = "01900000-0000-7000-8000-000000000001"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lower(headers):
    return {name.lower(): value for name, value in headers.items()}


def call(base, method, path, body=None, token=None, headers=None, timeout=15):
    """Answers (status, json or None, headers in lower case, seconds); status 0 when the
    connection failed."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None), lower(resp.headers), time.monotonic() - started
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return err.code, parsed, lower(err.headers), time.monotonic() - started
    except (OSError, urllib.error.URLError):
        return 0, None, {}, time.monotonic() - started


def login(base, email, password=PASSWORD):
    status, body, _, _ = call(base, "POST", "/api/v1/auth/login", {"email": email, "password": password})
    if status != 200:
        sys.exit(f"login {email}: {status} {body}")
    return body["access_token"]


class Server:
    """One `inlav serve` process on 127.0.0.1, its log in the data directory."""

    def __init__(
        self, binary, data_dir, database_url=None, pool_size=8, port=None, pool_timeout_ms=5000, workers=2, env=None
    ):
        self.binary, self.data_dir, self.database_url = binary, data_dir, database_url
        self.extra_env = env or {}
        self.pool_size, self.pool_timeout_ms, self.workers = pool_size, pool_timeout_ms, workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_path = os.path.join(data_dir, f"server-{self.port}.log")

    def start(self):
        """Starts the process; answers the seconds until /ready said 200."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "INLAV_BIND": f"127.0.0.1:{self.port}",
            "INLAV_DATA_DIR": self.data_dir,
            "INLAV_LOG": "warn",
            "INLAV_ADMIN_PASSWORD": PASSWORD,
            "INLAV_JWT_SECRET": "harness-secret-harness-secret-harness-secret",
            "INLAV_DB_POOL_SIZE": str(self.pool_size),
            "INLAV_DB_TIMEOUT_MS": str(self.pool_timeout_ms),
            "INLAV_WORKERS": str(self.workers),
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        log = open(self.log_path, "a")
        started = time.monotonic()
        self.process = subprocess.Popen([self.binary, "serve"], env=env, cwd=self.data_dir, stdout=log, stderr=log)
        while time.monotonic() - started < 60:
            if self.process.poll() is not None:
                sys.exit(f"the server exited with {self.process.returncode}; see {self.log_path}")
            if call(self.base, "GET", "/ready", timeout=2)[0] == 200:
                return time.monotonic() - started
            time.sleep(0.005)
        sys.exit("the server did not become ready in 60 s")

    def stop(self):
        """SIGTERM; answers the exit code (None if it had to be killed)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return None
        return self.process.returncode if self.process else None
