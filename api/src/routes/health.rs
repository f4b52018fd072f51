//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage_health::{is_storage_fault, mends_by_itself};

pub fn configure(config: &mut ServiceConfig) {
    config.service(health).service(ready);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// The process is alive (it does not touch the database).
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Status)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "alive" })
}

/// The database is reachable, every migration is applied, and writes are not failing for a
/// fault of the storage: a full disk (`storage_full`), a read-only database (`read_only`) or a
/// damaged file (`storage_error`) answers 503 with that kind. While the disk is full or the
/// database read-only, each call tries a small write (no personal data), and answers 200 again
/// once one succeeds; a damaged file answers 503 until a write of a request succeeds.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Status),
        (status = 503, description = "Database unreachable, migrations pending, or the storage at fault (`storage_full`, `read_only`, `storage_error`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.storage_health().fault().is_some_and(|fault| mends_by_itself(fault.code)) {
        probe_storage(&state).await?;
    }
    if let Some(fault) = state.storage_health().fault() {
        let since = fault.since.format("%Y-%m-%d %H:%M:%S UTC");
        return Err(ApiError::of(fault.code)
            .with_detail(format!("writes fail since {since}: {}", fault.code.title(crate::language::Language::En)))
            .with_header(actix_web::http::header::RETRY_AFTER, "30"));
    }
    let pending = app::health::pending_migrations(state.context()).await?;
    if pending > 0 {
        return Err(ApiError::unavailable(format!("{pending} database migrations are not applied")));
    }
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}

/// Writes the storage probe and follows its outcome: a success ends a storage fault's episode,
/// a storage fault starts (or changes) one. The database unreachable or busy is answered as it
/// is (503); a probe that fails for any other cause says nothing of the storage: it is logged,
/// and the episode stands (`/ready` answers no 500).
pub async fn probe_storage(state: &AppState) -> Result<(), ApiError> {
    let error = match app::health::probe_storage(state.context(), state.now()).await {
        Ok(()) => {
            state.storage_health().observe(None, true, state.now());
            return Ok(());
        }
        Err(error) => ApiError::from(error),
    };
    if is_storage_fault(error.code()) {
        state.storage_health().observe(Some(error.code()), false, state.now());
        Ok(())
    } else if error.status() == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
        Err(error)
    } else {
        tracing::warn!(problem = error.code().code(), "the storage probe failed for another cause than the storage");
        Ok(())
    }
}
