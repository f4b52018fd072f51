//! The bearer token of a request (`Authorization: Bearer <token>`), read alike by the API's
//! callers and by the metrics scrape.

use actix_web::HttpRequest;
use actix_web::http::header;

pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_string())
}
