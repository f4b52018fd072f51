//! The OpenAPI document: generated from the handlers, then completed with the error answers
//! every operation shares, so the spec documents every status the service can send.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, ContentBuilder, OpenApi, Ref, RefOr};
use utoipa::{Modify, OpenApi as _};

use utoipa::openapi::schema::Schema;

use domain::Vocabulary;
use domain::access::TokenScope;

use crate::error::{FieldError, PROBLEM_JSON, Problem, ProblemCode};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "InLav PUA API",
        description = "System of record of the PUA InLav (Punti Unici di Accesso) of the InLav Lombardia programme \
against labour exploitation. JSON over HTTP; errors are RFC 9457 problem documents (`application/problem+json`). \
Authenticate with `POST /api/v1/auth/login` and send `Authorization: Bearer <access_token>`. \
Lists are paginated with `limit` and the opaque `cursor` from `next_cursor`. Updates require `If-Match` with the \
`ETag` read. Every response carries `X-Request-Id` (sent by the client or generated). \
Problem documents are in English or Italian, as `Accept-Language` asks (`it`, `en`; otherwise the instance's default), \
with `Content-Language`; `code`, `type` and each field error's `code` are the same in every language. A 422 lists every \
invalid field of the body at once.",
        license(name = "EUPL-1.2"),
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Login, token refresh, logout"),
        (name = "users", description = "User accounts"),
        (name = "organizations", description = "Organisations of the programme and of the districts' networks"),
        (name = "beneficiaries", description = "People in the programme, their documents and consents; every access is audited"),
        (name = "transfers", description = "People who move: a person's record passes to another district, asked from a match and accepted with the person's consent"),
        (name = "cases", description = "Interception, screening, taking in charge, the lifecycle, eligibility and risk"),
        (name = "audit", description = "Who read or changed personal data"),
        (name = "services", description = "Services delivered within a case"),
        (name = "referrals", description = "Cases sent to network organisations, and the partners' need-to-know access"),
        (name = "changes", description = "The change feed: what changed, in commit order, by kind and id"),
        (name = "webhooks", description = "Partner organisations' endpoints, told of the changes they follow: signed as Standard Webhooks define, retried for a day"),
        (name = "network", description = "The services organisations offer (Open Referral HSDS names)"),
        (name = "legal", description = "Legal procedures: visible only to legal advisors and coordinators"),
        (name = "work grants", description = "Borse lavoro"),
        (name = "notes", description = "Case notes by confidentiality level"),
        (name = "partner systems", description = "Client credentials for partners' software"),
        (name = "activities", description = "Awareness sessions, outreach and desk shifts, campaigns, trainings, network meetings: no personal data"),
        (name = "pacts", description = "Territorial pacts of the districts' networks"),
        (name = "reports", description = "Indicators against targets, per district and in total; small counts suppressed for the Region and evaluators"),
        (name = "exports", description = "The pseudonymised research export for the evaluators"),
        (name = "reference", description = "Districts, their targets, and code lists"),
        (name = "operations", description = "Liveness and readiness"),
    ),
    modifiers(&BearerSecurity)
)]
pub struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        // Partner systems: OAuth 2 client credentials, so that Swagger UI and generated clients
        // fetch their token themselves.
        let scopes = Scopes::from_iter(TokenScope::ALL.iter().map(|scope| (scope.code(), scope.label_en())));
        components.add_security_scheme(
            PARTNER_SCHEME,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(TOKEN_URL, scopes))],
                "Partner systems (ETS): exchange the client id and secret an administrator issued for a token of \
                 their scopes.",
            )),
        );
    }
}

const PARTNER_SCHEME: &str = "partner";
const TOKEN_URL: &str = "/api/v1/auth/token";

/// The operations a partner system's token reaches, by method and path prefix, with the scope
/// each needs.
const PARTNER_OPERATIONS: &[(&str, &str, TokenScope)] = &[
    ("get", "/api/v1/referrals", TokenScope::ReferralsRead),
    ("get", "/api/v1/changes", TokenScope::ReferralsRead),
    ("post", "/api/v1/referrals/{id}/transitions", TokenScope::ReferralsWrite),
    ("post", "/api/v1/cases/{id}/services", TokenScope::ServicesWrite),
    ("get", "/api/v1/webhooks", TokenScope::WebhooksWrite),
    ("post", "/api/v1/webhooks", TokenScope::WebhooksWrite),
    ("patch", "/api/v1/webhooks", TokenScope::WebhooksWrite),
    ("delete", "/api/v1/webhooks", TokenScope::WebhooksWrite),
];

/// Declares the partner scheme, beside `bearer`, on the operations partner systems call.
fn declare_partner_access(path: &str, item: &mut PathItem) {
    for (method, prefix, scope) in PARTNER_OPERATIONS {
        let operation = match *method {
            "get" => item.get.as_mut(),
            "patch" => item.patch.as_mut(),
            "delete" => item.delete.as_mut(),
            _ => item.post.as_mut(),
        };
        if let Some(operation) = operation
            && path.starts_with(prefix)
        {
            operation
                .security
                .get_or_insert_with(Vec::new)
                .push(SecurityRequirement::new(PARTNER_SCHEME, [scope.code()]));
        }
    }
}

/// The base document the handlers' paths are added to.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// Reusable problem answers: `(status, component name, description)`.
const COMMON: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "Malformed request: unreadable JSON, a bad cursor"),
    ("401", "Unauthorized", "Missing, invalid or expired access token"),
    ("404", "NotFound", "No such resource, or none the caller may see"),
    ("412", "PreconditionFailed", "If-Match names a version that is no longer current: read again"),
    ("413", "PayloadTooLarge", "The body exceeds 1 MiB"),
    ("415", "UnsupportedMediaType", "The body is not application/json"),
    ("422", "ValidationFailed", "Invalid fields; see `errors`"),
    ("428", "PreconditionRequired", "If-Match is missing: send the ETag read"),
    ("431", "HeaderFieldsTooLarge", "A header is longer than 8 KiB, or all of them weigh more than 32 KiB"),
    ("500", "Internal", "The server failed; the incident is logged under the X-Request-Id"),
    (
        "503",
        "Unavailable",
        "The database is unavailable or busy (`unavailable`), as many exports and reports run as the instance allows (`long_reads_busy`), or the storage is at fault: the disk is full (`storage_full`), the database takes no writes (`read_only`) or its file is damaged (`storage_error`); nothing was written; retry after the Retry-After delay",
    ),
];

/// Adds the shared error answers to every operation, as they apply to it, and the list of
/// problem kinds to the problem schemas.
pub fn complete(spec: &mut OpenApi) {
    let components = spec.components.get_or_insert_with(Components::new);
    describe_problems(components);
    for (status, name, description) in COMMON {
        let mut response = problem_response(description);
        if *status == "503" {
            response.headers.insert("Retry-After".to_string(), retry_after());
        }
        components.responses.insert((*name).to_string(), RefOr::T(response));
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        declare_partner_access(path, item);
        if path == TOKEN_URL
            && let Some(RefOr::T(body)) = item.post.as_mut().and_then(|operation| operation.request_body.as_mut())
        {
            // Not marked required: openapi-python-client writes a module that fails to import
            // for a required body of two media types (its issue #1451). An empty form is
            // refused all the same, with `invalid_request`.
            body.required = Some(utoipa::openapi::Required::False);
        }
        let has_path_params = path.contains('{');
        let is_liveness = path == "/health";
        for operation in operations_mut(item) {
            let has_body = operation.request_body.is_some();
            let has_query = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(parameter) if parameter.parameter_in == ParameterIn::Query));
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let conditional = operation.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(parameter) if parameter.parameter_in == ParameterIn::Header && parameter.name.eq_ignore_ascii_case("if-match"))
            });
            let applies = |status: &str| match status {
                "400" | "422" => has_body || has_query,
                "401" => secured,
                "404" => has_path_params,
                "412" | "428" => conditional,
                "413" | "415" => has_body,
                "503" => !is_liveness,
                _ => true,
            };
            for (status, name, _) in COMMON {
                if applies(status) && !operation.responses.responses.contains_key(*status) {
                    operation
                        .responses
                        .responses
                        .insert((*status).to_string(), RefOr::Ref(Ref::from_response_name(*name)));
                }
            }
            // Every 429 says when to try again, and the policy that refused.
            if let Some(RefOr::T(throttled)) = operation.responses.responses.get_mut("429") {
                throttled.headers.entry("Retry-After".to_string()).or_insert_with(retry_after);
                for (name, description) in RATE_LIMIT_FIELDS {
                    throttled.headers.entry(name.to_string()).or_insert_with(|| text_header(description));
                }
            }
        }
    }
}

/// Every kind of problem, named in the schemas: `code` lists them with their `type`, status and
/// meaning; `type` is the closed list of their URIs.
fn describe_problems(components: &mut Components) {
    if let Some(RefOr::T(Schema::Object(code))) = components.schemas.get_mut("ProblemCode") {
        let mut text = String::from(
            "Which kind of problem a document is; each kind has its own `type` (`urn:inlav:problem:` and the code in \
             kebab case).\n\n| code | status | meaning |\n|---|---|---|\n",
        );
        for problem in ProblemCode::ALL {
            let status = match problem {
                ProblemCode::HttpError => "4xx".to_string(),
                other => other.status().as_u16().to_string(),
            };
            text.push_str(&format!("| `{}` | {status} | {} |\n", problem.code(), problem.description()));
        }
        code.description = Some(text);
    }
    if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem")
        && let Some(RefOr::T(Schema::Object(problem_type))) = problem.properties.get_mut("type")
    {
        problem_type.enum_values =
            Some(ProblemCode::ALL.iter().map(|p| serde_json::Value::String(p.type_uri())).collect());
    }
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

/// The rate-limit fields of a 429 (draft-ietf-httpapi-ratelimit-headers).
const RATE_LIMIT_FIELDS: [(&str, &str); 2] = [
    (
        "RateLimit-Policy",
        "The policy that refused: `\"failures\";q=5;w=900`, five failures per 900 seconds for this account or client id",
    ),
    ("RateLimit", "What is left of the quota: `\"failures\";r=0;t=<seconds until it comes back>`"),
];

fn text_header(description: &str) -> RefOr<utoipa::openapi::header::Header> {
    let text = utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String);
    RefOr::T(HeaderBuilder::new().schema(Some(text)).description(Some(description)).build())
}

/// `Retry-After`, in seconds, on the answers that ask a client to come back.
fn retry_after() -> RefOr<utoipa::openapi::header::Header> {
    let seconds = utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Integer);
    RefOr::T(
        HeaderBuilder::new().schema(Some(seconds)).description(Some("Seconds to wait before trying again")).build(),
    )
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The documented routes, to tell "no such path" (404) from "not this method" (405).
#[derive(Debug, Clone, Default)]
pub struct RouteTable(Vec<(Vec<Segment>, String)>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    pub fn from_spec(spec: &OpenApi) -> RouteTable {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_string())
                        }
                    })
                    .collect();
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (segments, methods.join(", "))
            })
            .collect();
        RouteTable(routes)
    }

    /// The methods a path accepts, when some documented route matches it.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments.iter().zip(&parts).all(|(segment, part)| match segment {
                        Segment::Literal(literal) => literal == part,
                        Segment::Parameter => !part.is_empty(),
                    })
            })
            .map(|(_, methods)| methods.as_str())
    }
}
