//! Headers on every answer: what may carry personal data is never kept by a browser or a proxy,
//! no answer is sniffed into another content type, and no page of the service can be framed
//! (clickjacking of the Swagger UI or of a frontend that embeds an answer).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The one answer under `/api/` that names no one and that clients may cache: the spec.
const CACHEABLE: &[&str] = &["/api/v1/openapi.json"];

/// Whether an answer to `path` may carry personal data: everything under `/api/` but the spec.
fn may_carry_personal_data(path: &str) -> bool {
    path.starts_with("/api/") && !CACHEABLE.contains(&path)
}

/// Whether `path` is a file of the vendored Swagger UI that changes only with the build: its
/// scripts, styles and images (the page and its configuration may change with the settings).
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/docs/")
        && !path.ends_with("swagger-initializer.js")
        && [".js", ".css", ".png", ".map"].iter().any(|suffix| path.ends_with(suffix))
}

/// A week: the assets change with an upgrade of the service, rarely.
const ASSET_CACHE: &str = "public, max-age=604800";

/// Adds the headers to every answer of the application, problems included.
pub async fn protect_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let personal = may_carry_personal_data(req.path());
    let asset = is_static_asset(req.path());
    let mut res = next.call(req).await?;
    let success = res.status().is_success();
    let headers = res.headers_mut();
    if asset && success {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE));
    }
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_under_the_api_but_the_spec_may_carry_personal_data() {
        assert!(may_carry_personal_data("/api/v1/cases/0190"));
        assert!(may_carry_personal_data("/api/v1/exports/cases"));
        assert!(!may_carry_personal_data("/api/v1/openapi.json"));
        assert!(!may_carry_personal_data("/docs/index.html"));
        assert!(!may_carry_personal_data("/health"));
    }

    #[test]
    fn swagger_uis_scripts_and_styles_are_cached_but_not_its_page_or_settings() {
        assert!(is_static_asset("/docs/swagger-ui-bundle.js"));
        assert!(is_static_asset("/docs/swagger-ui.css"));
        assert!(!is_static_asset("/docs/"));
        assert!(!is_static_asset("/docs/index.html"));
        assert!(!is_static_asset("/docs/swagger-initializer.js"));
        assert!(!is_static_asset("/api/v1/cases.js"));
    }
}
