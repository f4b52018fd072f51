#!/usr/bin/env bash
# deploy/inlav.service passes `systemd-analyze verify`, with ExecStart pointed at the binary
# just built (verify checks that the command exists). Installs systemd's tools when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$(realpath "${1:-target/debug/inlav}")"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-analyze is missing: installing systemd from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/local/bin/inlav|ExecStart=${binary}|" deploy/inlav.service > "$work/inlav.service"
# Any warning fails the check, not only errors.
output="$(systemd-analyze verify "$work/inlav.service" 2>&1)" || { echo "$output"; exit 1; }
if [ -n "$output" ]; then
  echo "$output"
  exit 1
fi
echo "deploy/inlav.service: systemd-analyze verify passed"
