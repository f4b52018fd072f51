// A frontend's or partner's first program against the InLav PUA API, written with the types
// openapi-typescript generates from openapi/openapi.json and the openapi-fetch client: log in,
// list cases, record an interception with an Idempotency-Key, read a problem's code, download a
// CSV, and get a partner system's token with OAuth 2 client credentials. No cast anywhere:
// `make client-check` type-checks it in CI.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Problem = components["schemas"]["Problem"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

/** One line for a person, whatever the kind of problem. */
export function describe(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message} (${e.code})`);
  return [`${problem.code}: ${problem.title}`, problem.detail ?? "", ...fields].join("\n");
}

export async function deskDay(email: string, password: string): Promise<string[]> {
  const log: string[] = [];
  const login = await api.POST("/api/v1/auth/login", {
    body: { email, password },
    headers: { "Accept-Language": "it" },
  });
  if (login.error) return [describe(login.error)];
  const headers = { Authorization: `Bearer ${login.data.access_token}` };

  const page = await api.GET("/api/v1/cases", { params: { query: { limit: 20, status: "intercepted" } }, headers });
  for (const item of page.data?.items ?? []) {
    // `view` tells the full case from the interception view of a case worker's colleague.
    log.push(item.view === "full" ? `${item.id} ${item.status} ${item.beneficiary.alias}` : `${item.id} ${item.status} ${item.alias}`);
  }
  if (page.data?.next_cursor) log.push(`more after ${page.data.next_cursor}`);

  const created = await api.POST("/api/v1/cases", {
    params: { header: { "Idempotency-Key": "desk-2026-03-02-0001" } },
    headers,
    body: {
      district: "milano",
      channel: "street_outreach",
      intercepted_at: "2026-03-02T09:00:00Z",
      beneficiary: { alias: "Persona 1", citizenships: ["PK"] },
    },
  });
  if (created.error) {
    switch (created.error.code) {
      case "possible_duplicate":
        log.push(...(created.error.candidates ?? []).map((c) => `maybe ${c.alias} (${c.district})`));
        break;
      case "validation_failed":
        log.push(describe(created.error));
        break;
      default:
        log.push(`${created.error.code} ${created.error.status}`);
    }
  } else {
    log.push(`case ${created.data.id} recorded`);
  }

  const csv = await api.GET("/api/v1/exports/cases", {
    params: { query: { format: "csv", from: "2026-01-01" } },
    headers,
    parseAs: "text",
  });
  if (csv.error) log.push(describe(csv.error));
  else log.push(`${csv.data.split("\n").length - 1} rows of CSV`);
  return log;
}

/** A partner system's token: OAuth 2 client credentials, as a form. */
export async function partnerToken(clientId: string, clientSecret: string): Promise<string> {
  const reply = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: "referrals:read" },
    bodySerializer: (body) => new URLSearchParams(Object.entries(body ?? {}).filter((e): e is [string, string] => typeof e[1] === "string")),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (reply.error) throw new Error(`${reply.error.error}: ${reply.error.error_description}`);
  return `${reply.data.token_type} ${reply.data.access_token} (${reply.data.scope}, ${reply.data.expires_in} s)`;
}
