#!/usr/bin/env bash
# `make client-check`: generates TypeScript types from the committed spec with openapi-typescript
# and type-checks a client that reads every member of the problem documents (code, type,
# candidates, other_matches, reachable, preconditions, rules, errors) without a cast. Node.js
# and npm come from Debian's packages when missing; the packages from the npm registry, pinned,
# into .client-check/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js is not installed: installing it from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi

work=.client-check
mkdir -p "$work"
cp openapi/openapi.json "$work/openapi.json"
cd "$work"
if [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/.bin/openapi-typescript ]; then
  [ -f package.json ] || echo '{"name": "inlav-client-check", "private": true}' > package.json
  npm install --no-audit --no-fund --silent openapi-typescript@7.10.1 typescript@5.9.3
fi
node_modules/.bin/openapi-typescript openapi.json -o api.d.ts >/dev/null

cat > client.ts <<'TS'
// A client reads what each kind of problem carries, as the spec types it: no cast anywhere.
import type { components, paths } from "./api";

type Problem = components["schemas"]["Problem"];
type Registration = paths["/api/v1/beneficiaries"]["post"]["responses"]["409"]["content"]["application/problem+json"];
type Transition = paths["/api/v1/cases/{id}/transitions"]["post"]["responses"]["409"]["content"]["application/problem+json"];

export function explain(problem: Problem): string[] {
  const lines: string[] = [`${problem.status} ${problem.code} ${problem.type}: ${problem.title}`];
  if (problem.detail !== undefined) lines.push(problem.detail);
  for (const error of problem.errors ?? []) lines.push(`${error.field}: ${error.code} ${error.message}`);
  return lines;
}

export function duplicates(problem: Registration): string[] {
  if (problem.code !== "possible_duplicate") return [];
  const seen = (problem.candidates ?? []).map((c) => `${c.id} ${c.alias} ${c.district} ${c.birth_year ?? "?"}`);
  seen.push(`and ${problem.other_matches ?? 0} you may not see`);
  return seen;
}

export function nextSteps(problem: Transition): string[] {
  switch (problem.code) {
    case "invalid_transition":
      return (problem.reachable ?? []).map((status) => `can become ${status}`);
    case "preconditions_failed":
      return (problem.preconditions ?? []).map((p) => `${p.code}: ${p.message}`);
    default:
      return [];
  }
}

export function grantRules(problem: Problem): string[] {
  return (problem.rules ?? []).map((rule) => `${rule.code}: ${rule.message}`);
}

// Every kind is a member of the closed list; a code outside it does not type-check.
const kinds: components["schemas"]["ProblemCode"][] = ["possible_duplicate", "consent_missing", "long_reads_busy"];
export const known = kinds.length;
TS
node_modules/.bin/tsc --noEmit --strict --target es2020 --moduleResolution node client.ts
echo "client-check: a client generated from openapi/openapi.json reads every problem member without a cast"
