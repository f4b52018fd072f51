"""`make browser-check`: a single-page app on another origin, in a real headless Chromium
(Debian's package, installed when missing), logs in, lists cases and records one through CORS,
reading the exposed headers; a page on an origin not listed is refused by the browser, and
preflights from it get no CORS header. Only 127.0.0.1 is contacted; every wait is bounded.

Usage: browser_cors.py BINARY"""
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

from harness import PASSWORD, REGION, Server, call, free_port, login

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>PUA desk</title></head>
<body><pre id="result">pending</pre>
<script>
const api = API;
async function run() {
  const out = document.getElementById("result");
  try {
    const login = await fetch(api + "/api/v1/auth/login", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": "it"},
      body: JSON.stringify({email: EMAIL, password: PASSWORD}),
    });
    const token = (await login.json()).access_token;
    const auth = {"Authorization": "Bearer " + token};
    const created = await fetch(api + "/api/v1/cases", {
      method: "POST",
      headers: {...auth, "Content-Type": "application/json", "Idempotency-Key": "browser-check-1"},
      body: JSON.stringify({district: "milano", channel: "street_outreach",
        intercepted_at: new Date(Date.now() - 3600e3).toISOString(), beneficiary: {alias: "Dal browser"}}),
    });
    const cases = await fetch(api + "/api/v1/cases?limit=5", {headers: {...auth, "X-Request-Id": "browser-check-2"}});
    const page = await cases.json();
    const wrong = await fetch(api + "/api/v1/cases", {headers: {...auth, "Accept-Language": "it"}, method: "DELETE"});
    out.textContent = JSON.stringify({
      created: created.status,
      location: created.headers.get("Location") !== null,
      listed: page.items.length,
      request_id: cases.headers.get("X-Request-Id"),
      problem_language: wrong.headers.get("Content-Language"),
      problem_code: (await wrong.json()).code,
    });
  } catch (error) {
    out.textContent = JSON.stringify({refused: String(error)});
  }
}
run();
</script></body></html>
"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_pages(directory):
    """A static server for `directory` on a free port of 127.0.0.1; answers its origin."""
    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def ensure_chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    print("Chromium is not installed: installing it from Debian's packages")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=900,
                   stdout=subprocess.DEVNULL)
    return shutil.which("chromium") or sys.exit("browser-check: chromium did not install")


def open_in_chromium(chromium, url, profile):
    """The page's result once its scripts ran (bounded virtual time, then 90 s of wall time)."""
    command = [
        chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", f"--user-data-dir={profile}",
        "--virtual-time-budget=20000", "--dump-dom", url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    if not found:
        sys.exit(f"browser-check: no result in the page ({done.returncode}): {done.stdout[-500:]} {done.stderr[-1500:]}")
    return json.loads(html.unescape(found.group(1)))


def cors_headers(headers):
    return {name: value for name, value in headers.items() if name.startswith("access-control-")}


def main():
    binary = os.path.abspath(sys.argv[1])
    chromium = ensure_chromium()
    with tempfile.TemporaryDirectory() as work:
        pages = os.path.join(work, "pages")
        os.mkdir(pages)
        listed_server, listed = serve_pages(pages)
        unlisted_server, unlisted = serve_pages(pages)
        data_dir = os.path.join(work, "data")
        os.mkdir(data_dir)
        server = Server(binary, data_dir, env={"INLAV_CORS_ORIGINS": listed})
        server.start()
        try:
            admin = login(server.base, "admin@inlav.local")
            email = "desk@browser.test"
            status, body, _, _ = call(server.base, "POST", "/api/v1/users", {
                "email": email, "display_name": "Desk", "role": "case_worker", "organization_id": REGION,
                "districts": ["milano"], "password": PASSWORD}, token=admin)
            assert status == 201, (status, body)
            page = PAGE.replace("API", json.dumps(server.base)).replace("EMAIL", json.dumps(email))
            page = page.replace("PASSWORD", json.dumps(PASSWORD))
            with open(os.path.join(pages, "desk.html"), "w") as f:
                f.write(page)

            # Preflights, as the browser sends them.
            asked = {"Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,content-type,idempotency-key"}
            _, _, headers, _ = call(server.base, "OPTIONS", "/api/v1/cases", headers={"Origin": listed, **asked})
            allowed = cors_headers(headers)
            assert allowed.get("access-control-allow-origin") == listed, headers
            assert "idempotency-key" in allowed.get("access-control-allow-headers", "").lower(), headers
            assert allowed.get("access-control-max-age") == "3600", headers
            assert "origin" in headers.get("vary", "").lower(), headers
            _, _, headers, _ = call(server.base, "OPTIONS", "/api/v1/cases", headers={"Origin": unlisted, **asked})
            assert cors_headers(headers) == {}, f"an unlisted origin got CORS headers: {headers}"

            # The listed origin's page works; the other's is refused by the browser.
            result = open_in_chromium(chromium, f"{listed}/desk.html", os.path.join(work, "profile-a"))
            expected = {"created": 201, "location": True, "listed": 1, "request_id": "browser-check-2",
                        "problem_language": "it", "problem_code": "method_not_allowed"}
            assert result == expected, f"the page on {listed}: {result}"
            result = open_in_chromium(chromium, f"{unlisted}/desk.html", os.path.join(work, "profile-b"))
            assert "refused" in result, f"the page on {unlisted} was not refused: {result}"
            # Refused by the browser, not by the server: nothing was recorded twice.
            token = login(server.base, email)
            status, body, _, _ = call(server.base, "GET", "/api/v1/cases", token=token)
            assert status == 200 and len(body["items"]) == 1, (status, body)
        finally:
            code = server.stop()
            listed_server.shutdown()
            unlisted_server.shutdown()
        if code != 0:
            sys.exit(f"browser-check: the server exited with {code}; see {server.log_path}")
    print(f"browser-check: a page on {listed} logged in, recorded and listed a case in Chromium; "
          f"one on {unlisted} was refused")


if __name__ == "__main__":
    main()
