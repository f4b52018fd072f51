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
