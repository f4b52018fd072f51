#!/usr/bin/env python3
"""The README's partner quick-start, walked against the real binary on the demo data: the
administrator issues client credentials; the partner's system, with only those, takes a token,
reads the change feed to its end and registers a webhook on a receiver of its own; a
coordinator sends it a referral; the system learns of it from the feed and from a signed
message (verified as the README says, with Python's standard library), and reads the referral.

usage: quickstart.py <path to inlav>
Only 127.0.0.1 is contacted; every wait is bounded.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import call  # noqa: E402

DEMO_PASSWORD = "demo-password-2026"


class Receiver(http.server.ThreadingHTTPServer):
    """The partner's endpoint: keeps every message with the time it arrived."""

    # A listen backlog for a dispatcher's many connections at once (the default is 5).
    request_queue_size = 128

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.messages = []
        threading.Thread(target=self.serve_forever, daemon=True).start()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.messages.append((time.monotonic(), {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def verified(secret, headers, raw_body):
    """The README's four lines."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw_body
    good = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(good, s) for s in headers["webhook-signature"].split(" "))


def must(answer, status, what):
    if answer[0] != status:
        sys.exit(f"quickstart: {what}: {answer[0]} {answer[1]}")
    return answer[1]


def token_for(base, client_id, secret):
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    request = urllib.request.Request(base + "/api/v1/auth/token", data=form.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["access_token"]


def follow(base, token, cursor):
    """Every change after `cursor`; answers them and the cursor to keep."""
    items = []
    while True:
        page = must(call(base, "GET", "/api/v1/changes?limit=200" + (f"&after={cursor}" if cursor else ""), token=token), 200, "the feed")
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["items"]:
            return items, cursor


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as data_dir:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "INLAV_DATA_DIR": data_dir}
        seeded = subprocess.run([binary, "seed", "--demo"], env=env, cwd=data_dir, capture_output=True, text=True, timeout=300)
        if seeded.returncode != 0:
            sys.exit(f"quickstart: seed --demo: {seeded.stderr}")
        server = harness.Server(binary, data_dir, env={"INLAV_WEBHOOK_ALLOW": "127.0.0.1"})
        server.start()
        receiver = Receiver()
        try:
            base = server.base
            admin = harness.login(base, "admin@demo.inlav.local", DEMO_PASSWORD)
            partner = harness.login(base, "partner@demo.inlav.local", DEMO_PASSWORD)
            organization = must(call(base, "GET", "/api/v1/me", token=partner), 200, "the partner's organisation")["organization_id"]

            # The administrator issues credentials; from here on the system has only them.
            system = {"organization_id": organization, "name": "Gestionale ETS", "scopes": ["referrals:read", "webhooks:write"]}
            issued = must(call(base, "POST", "/api/v1/service-accounts", system, admin), 201, "credentials")
            token = token_for(base, issued["client_id"], issued["client_secret"])
            _, cursor = follow(base, token, None)
            hook = {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hooks/inlav", "events": ["referral.updated"]}
            endpoint = must(call(base, "POST", "/api/v1/webhooks", hook, token), 201, "the webhook")

            # A coordinator of Milan sends the organisation a referral of a case in charge.
            coordinator = harness.login(base, "coordinatore.milano@demo.inlav.local", DEMO_PASSWORD)
            cases = must(call(base, "GET", "/api/v1/cases?status=taken_in_charge&district=milano&limit=1", token=coordinator), 200, "a case")
            case = cases["items"][0]["id"]
            proposal = {"to_organization_id": organization, "category": "orientation_work", "reason": "Orientamento al lavoro", "joint_intake": False}
            referral = must(call(base, "POST", f"/api/v1/cases/{case}/referrals", proposal, coordinator), 201, "a referral")
            send = {"to": "sent", "consent_override_reason": "Consenso raccolto su carta, da registrare"}
            must(call(base, "POST", f"/api/v1/referrals/{referral['id']}/transitions", send, coordinator, {"If-Match": '"1"'}), 200, "sending it")
            sent_at = time.monotonic()

            deadline = sent_at + 15
            while time.monotonic() < deadline and not receiver.messages:
                time.sleep(0.02)
            if not receiver.messages:
                sys.exit("quickstart: no webhook within 15 s of the referral being sent")
            arrived, headers, body = receiver.messages[0]
            if not verified(endpoint["secret"], headers, body):
                sys.exit(f"quickstart: the signature does not verify: {headers}")
            message = json.loads(body)
            if message["type"] != "referral.updated" or message["data"]["id"] != referral["id"]:
                sys.exit(f"quickstart: not the referral sent: {message}")
            items, _ = follow(base, token, cursor)
            if [(i["resource"], i["id"]) for i in items] != [("referral", referral["id"])]:
                sys.exit(f"quickstart: the feed after the cursor: {items}")
            read = must(call(base, "GET", f"/api/v1/referrals/{referral['id']}", token=token), 200, "reading the referral")
            log = must(call(base, "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries", token=token), 200, "the deliveries")
            attempts = log["items"][0]["attempts"]
            print(
                f"quickstart: ok: the signed webhook arrived {arrived - sent_at:.2f} s after the referral was sent "
                f"({attempts[0]['outcome']} in {attempts[0]['duration_ms']} ms), the feed showed it, "
                f"the system read it ({read['status']})"
            )
        finally:
            receiver.shutdown()
            if server.stop() != 0:
                sys.exit(f"quickstart: the server did not exit 0; see {server.log_path}")


if __name__ == "__main__":
    main()
