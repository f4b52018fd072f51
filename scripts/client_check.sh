#!/usr/bin/env bash
# `make client-check`: generates a TypeScript client (openapi-typescript types, openapi-fetch)
# and a Python client (openapi-python-client) from the committed spec, and type-checks the
# programs of clients/ against them: one reads every member of the problem documents without
# a cast; the samples log in, list cases, create a case with an Idempotency-Key, read a
# problem's code, download a CSV and get a partner token with client credentials.
# Node.js and npm come from Debian's packages when missing; the npm and PyPI packages, pinned,
# go into .client-check/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js is not installed: installing it from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi

work=.client-check
mkdir -p "$work/ts" "$work/py"

# TypeScript
cd "$root/$work/ts"
if [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/.bin/openapi-typescript ] || [ ! -d node_modules/openapi-fetch ]; then
  [ -f package.json ] || echo '{"name": "inlav-client-check", "private": true}' > package.json
  npm install --no-audit --no-fund --silent openapi-typescript@7.10.1 openapi-fetch@0.17.0 typescript@5.9.3
fi
node_modules/.bin/openapi-typescript "$root/openapi/openapi.json" -o api.d.ts >/dev/null
cp "$root"/clients/typescript/*.ts .
node_modules/.bin/tsc --noEmit --strict --target es2022 --lib es2022,dom --module es2022 \
  --moduleResolution bundler --skipLibCheck problems.ts sample.ts
echo "client-check: TypeScript (openapi-typescript + openapi-fetch) type-checks clients/typescript/"

# Python
cd "$root/$work/py"
if [ ! -x venv/bin/openapi-python-client ] || [ ! -x venv/bin/mypy ]; then
  python3 -m venv venv
  venv/bin/pip install -q 'openapi-python-client==0.29.1' 'mypy==2.4.1'
fi
echo 'post_hooks: []' > generator.yaml
rm -rf inlav_client
venv/bin/openapi-python-client generate --path "$root/openapi/openapi.json" --meta none \
  --output-path inlav_client --config generator.yaml >/dev/null
cp "$root"/clients/python/*.py .
venv/bin/mypy --strict --no-incremental sample.py
venv/bin/python -c 'import sample'
echo "client-check: Python (openapi-python-client) type-checks clients/python/ with mypy --strict"
