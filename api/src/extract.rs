//! Request extractors that turn every kind of bad input into a clear problem: JSON bodies,
//! query strings, `If-Match`, resource ids and pagination cursors.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::future::{LocalBoxFuture, Ready, ready};
use persistence::ChangedSince;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::body_schemas::BodySchemas;
use crate::error::{ApiError, FieldError, ProblemCode};
use crate::limits::{DEFAULT_PAGE_SIZE, MAX_BODY_BYTES};
use crate::problem::allowed_values;

/// A JSON body, deserialised (unknown fields refused by the types) and validated, with the
/// digest of its canonical form (for idempotency: the same JSON however it is spaced or ordered).
#[derive(Debug)]
pub struct ValidJson<T>(pub T, pub String);

impl<T: DeserializeOwned + Validate + ToSchema + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type = check_json_media_type(req);
        let schemas = req.app_data::<web::Data<BodySchemas>>().cloned();
        let declared_length = declared_length(req);
        let mut payload = payload.take();
        Box::pin(async move {
            media_type?;
            if declared_length.is_some_and(|length| length > MAX_BODY_BYTES) {
                return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
            }
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
                }
                body.extend_from_slice(&chunk);
            }
            let (value, digest): (T, String) = parse_json_with_digest(&body).map_err(|error| match &schemas {
                Some(schemas) => with_schema_errors(error, schemas, &T::name(), &body),
                None => error,
            })?;
            value.validate()?;
            Ok(ValidJson(value, digest))
        })
    }
}

/// A body serde refused, checked against its schema too: the 422 then names every error of
/// the document, and still the one serde found should the schema have let it pass.
fn with_schema_errors(error: ApiError, schemas: &BodySchemas, name: &str, body: &[u8]) -> ApiError {
    if error.code() != ProblemCode::ValidationFailed || error.errors().iter().any(|e| e.code == "invalid_character") {
        return error;
    }
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(body) else { return error };
    let mut errors = schemas.check(name, &document);
    if errors.is_empty() {
        return error;
    }
    for found in error.errors() {
        if !errors.iter().any(|e| e.field == found.field) {
            errors.push(found.clone());
        }
    }
    ApiError::validation(errors)
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// Accepts `application/json` and `application/*+json`, with parameters; a charset, if given,
/// must be UTF-8 (JSON is UTF-8: a body in another encoding would be misread).
fn check_json_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(ApiError::unsupported_media_type("send the body as application/json"));
    };
    let mut parts = value.to_str().unwrap_or("").split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if !(essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))) {
        return Err(ApiError::unsupported_media_type("send the body as application/json"));
    }
    let foreign_charset = parts.filter_map(|p| p.split_once('=')).any(|(name, value)| {
        name.trim().eq_ignore_ascii_case("charset")
            && !["utf-8", "utf8"].contains(&value.trim().trim_matches('"').to_ascii_lowercase().as_str())
    });
    if foreign_charset {
        return Err(ApiError::unsupported_media_type("send the body as application/json in UTF-8"));
    }
    Ok(())
}

/// Parses a JSON body: syntax errors are 400; values that do not fit the type are 422 with the
/// path of the field. Strings with NUL characters are refused: PostgreSQL cannot store them.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    parse_json_with_digest(body).map(|(value, _)| value)
}

fn parse_json_with_digest<T: DeserializeOwned>(body: &[u8]) -> Result<(T, String), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("a JSON body is required"));
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| ApiError::bad_request(format!("malformed JSON: {err}")))?;
    if let Some(field) = find_nul(&value, String::new()) {
        return Err(ApiError::field(field, "invalid_character", "must not contain NUL characters"));
    }
    // serde_json's maps are sorted, so this text is the same for equal JSON values.
    let digest = sha256_hex(value.to_string().as_bytes());
    let parsed = serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        ApiError::validation(vec![describe_serde_error(&path, &inner.to_string())])
    })?;
    Ok((parsed, digest))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    domain::to_hex(&Sha256::digest(bytes))
}

fn find_nul(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(path),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(index, item)| find_nul(item, format!("{path}[{index}]")))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(path.clone());
            }
            find_nul(item, if path.is_empty() { key.clone() } else { format!("{path}.{key}") })
        }),
        _ => None,
    }
}

/// Turns a serde message into a field error with a stable code; the message comes from the
/// catalogue, never from serde (whose text names Rust types).
fn describe_serde_error(path: &str, message: &str) -> FieldError {
    let path = if path == "." { "" } else { path };
    let quoted = |message: &str| message.split('`').nth(1).map(ToString::to_string);
    let join = |name: String| {
        if path.is_empty() { name } else { format!("{path}.{name}") }
    };
    if message.starts_with("missing field") {
        return FieldError::of(quoted(message).map(join).unwrap_or_else(|| path.to_string()), "required", Vec::new());
    }
    if message.starts_with("unknown field") {
        // serde_path_to_error already ends the path with the unknown key.
        let field = match quoted(message) {
            Some(name) if !path.ends_with(name.as_str()) => join(name),
            _ => path.to_string(),
        };
        return FieldError::of(field, "unknown_field", Vec::new());
    }
    if message.starts_with("unknown variant") {
        // "unknown variant `x`, expected one of `a`, `b`": the values a client may send.
        let allowed: Vec<&str> =
            message.split_once("expected").map_or(Vec::new(), |(_, rest)| rest.split('`').skip(1).step_by(2).collect());
        return FieldError::of(path, "unknown_code", allowed_values(&allowed));
    }
    let code = if message.starts_with("invalid type") {
        "invalid_type"
    } else if message.starts_with("unknown") && message.contains("code") {
        "unknown_code"
    } else if message.starts_with("invalid length") {
        "invalid_length"
    } else {
        "invalid_value"
    };
    FieldError::of(path, code, Vec::new())
}

/// A query string, deserialised with field paths and validated. Unknown parameters are refused,
/// as are values with control characters.
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name.chars().chain(value.chars()).any(char::is_control) {
            let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
            return Err(ApiError::field(name, "invalid_character", "must not contain control characters"));
        }
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        ApiError::validation(vec![describe_serde_error(&path, &inner.to_string())])
    })?;
    value.validate()?;
    Ok(value)
}

/// The `Idempotency-Key` of a POST, with the method and path it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: Option<String>,
    pub target: String,
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let target = format!("{} {}", req.method(), req.path());
        let key = match req.headers().get("idempotency-key") {
            None => Ok(None),
            Some(value) => match value.to_str() {
                Ok(text) if !text.is_empty() && text.len() <= 255 && text.bytes().all(|b| b.is_ascii_graphic()) => {
                    Ok(Some(text.to_string()))
                }
                _ => Err(ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")),
            },
        };
        ready(key.map(|key| IdempotencyKey { key, target }))
    }
}

/// The version a client read, from `If-Match: "<version>"`. Updates require it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i32);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let result = match req.headers().get(header::IF_MATCH) {
            None => Err(ApiError::precondition_required()),
            // An If-Match no version can match (weak, `*`, garbage) fails as stale.
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|text| text.trim().strip_prefix('"')?.strip_suffix('"')?.parse::<i32>().ok())
                .map(IfMatch)
                .ok_or_else(ApiError::precondition_failed),
        };
        ready(result)
    }
}

/// For `Option<Option<T>>` fields of PATCH bodies: tells an absent field (`None`, leave it)
/// from an explicit `null` (`Some(None)`, clear it). Use with `#[serde(default)]`.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// The ETag of a resource version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The ETag of a document that has no version of its own (the spec, a report): its digest.
pub fn content_etag(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("\"{}\"", &domain::to_hex(&Sha256::digest(body))[..32])
}

/// Whether the request's `If-None-Match` names `etag` (or `*`): the client's copy is current,
/// answer 304 without the body.
pub fn client_has(req: &actix_web::HttpRequest, etag: &str) -> bool {
    req.headers().get(actix_web::http::header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()).is_some_and(
        |tags| {
            tags.split(',').map(str::trim).any(|tag| tag == etag || tag == "*" || tag.strip_prefix("W/") == Some(etag))
        },
    )
}

/// Parses an id from a path; anything that is not an id cannot exist: 404.
pub fn resource_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found())
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to read the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The opaque cursor of a list: the sort key of the last row, as a JSON array in base64url.
pub fn encode_cursor(key: &[String]) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor(raw: &str, parts: usize) -> Result<Vec<String>, ApiError> {
    let invalid = || ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let key: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if key.len() == parts { Ok(key) } else { Err(invalid()) }
}

/// The cursor of a list read in the order of last change: the `(updated_at, id)` of its last row.
pub fn encode_changed_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    encode_cursor(&["changed".to_string(), at.to_rfc3339(), id.to_string()])
}

/// The read of a list in the order of last change from `since`, from a cursor of that order;
/// `None` without `since` (the list's own order and cursor then apply).
pub fn changed_since(since: Option<DateTime<Utc>>, cursor: Option<&str>) -> Result<Option<ChangedSince>, ApiError> {
    let Some(since) = since else { return Ok(None) };
    let invalid = || ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list");
    let after = cursor
        .map(|raw| {
            let key = decode_cursor(raw, 3)?;
            if key[0] != "changed" {
                return Err(invalid());
            }
            let at = DateTime::parse_from_rfc3339(&key[1]).map_err(|_| invalid())?.with_timezone(&Utc);
            Ok((at, Uuid::parse_str(&key[2]).map_err(|_| invalid())?))
        })
        .transpose()?;
    Ok(Some(ChangedSince { since, after }))
}

/// A cursor that holds one id.
pub fn decode_id_cursor(raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    raw.map(|raw| {
        let key = decode_cursor(raw, 1)?;
        Uuid::parse_str(&key[0])
            .map_err(|_| ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list"))
    })
    .transpose()
}

pub fn page_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_PAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        #[validate(range(min = 1, max = 10))]
        count: i32,
        tags: Option<Vec<String>>,
    }

    fn codes(error: &ApiError) -> Vec<(String, String)> {
        error.errors().iter().map(|e| (e.field.clone(), e.code.clone())).collect()
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [&b"{"[..], b"{\"name\": }", b"", b"   ", b"\xff\xfe", b"{\"name\":\"a\xff\"}"] {
            assert_eq!(parse_json::<Body>(body).unwrap_err().status().as_u16(), 400, "{body:?}");
        }
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(parse_json::<Body>(deep.as_bytes()).unwrap_err().status().as_u16(), 400);
    }

    #[test]
    fn type_errors_name_the_field() {
        let err = parse_json::<Body>(br#"{"name": 1, "count": 2}"#).unwrap_err();
        assert_eq!(err.status().as_u16(), 422);
        assert_eq!(codes(&err), [("name".to_string(), "invalid_type".to_string())]);

        let err = parse_json::<Body>(br#"{"name": "a", "count": 2, "tags": ["x", 3]}"#).unwrap_err();
        assert_eq!(codes(&err), [("tags[1]".to_string(), "invalid_type".to_string())]);

        let err = parse_json::<Body>(br#"{"name": "a"}"#).unwrap_err();
        assert_eq!(codes(&err), [("count".to_string(), "required".to_string())]);

        let err = parse_json::<Body>(br#"{"name": "a", "count": 1, "admin": true}"#).unwrap_err();
        assert_eq!(codes(&err), [("admin".to_string(), "unknown_field".to_string())]);

        let err = parse_json::<Body>(br#"{"name": "a", "count": 99999999999999999999}"#).unwrap_err();
        assert_eq!(err.status().as_u16(), 422);
    }

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let err = parse_json::<Body>(br#"{"name": "a\u0000b", "count": 1}"#).unwrap_err();
        assert_eq!(codes(&err), [("name".to_string(), "invalid_character".to_string())]);
    }

    #[test]
    fn query_strings_are_checked() {
        #[derive(Debug, serde::Deserialize, Validate)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Query {
            #[validate(range(min = 1, max = 200))]
            limit: Option<i64>,
            q: Option<String>,
        }
        assert!(parse_query::<Query>("limit=5&q=anna").is_ok());
        assert_eq!(
            codes(&parse_query::<Query>("limit=abc").unwrap_err()),
            [("limit".to_string(), "invalid_value".to_string())]
        );
        assert_eq!(codes(&parse_query::<Query>("limit=0").unwrap_err()), [("limit".to_string(), "range".to_string())]);
        assert_eq!(
            codes(&parse_query::<Query>("q=a%00b").unwrap_err()),
            [("q".to_string(), "invalid_character".to_string())]
        );
        assert_eq!(parse_query::<Query>("colour=red").unwrap_err().status().as_u16(), 422);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let cursor = encode_cursor(&[id.to_string()]);
        assert_eq!(decode_id_cursor(Some(&cursor)).unwrap(), Some(id));
        for bad in
            ["", "!!!", "bm90IGpzb24", &encode_cursor(&["a".into(), "b".into()]), &encode_cursor(&["not-an-id".into()])]
        {
            assert_eq!(decode_id_cursor(Some(bad)).unwrap_err().status().as_u16(), 422, "{bad}");
        }
    }
}
