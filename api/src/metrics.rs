//! `/metrics` for the Region's Prometheus, in its text format: requests by route template,
//! method and status, their latency, the pool's connections and the waits for one, the writer's
//! queue and commit groups, long reads running, waiting and refused, webhook attempts by
//! outcome, the build. Never labelled with an id, a path as sent, or anything about a person.
//! Served only when `INLAV_METRICS_TOKEN` is set, to requests bearing it.

use std::sync::OnceLock;

use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// Latency buckets in seconds: from a cached lookup (under a millisecond) to the 30 s a
/// statement may take.
const SECONDS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0];
/// Jobs or entries per commit of the writer (it commits at most 256 entries and 64 writes).
const GROUP_SIZES: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed the first time metrics are asked for; `None` when another
/// recorder was installed first.
fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Prefix("inlav_writer_group_".into()), &GROUP_SIZES))
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => {
                    metrics::gauge!("inlav_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
                    Some(handle)
                }
                Err(error) => {
                    tracing::error!(%error, "cannot install the metrics recorder; /metrics is not served");
                    None
                }
            }
        })
        .as_ref()
}

/// Who may scrape, and what.
struct Scrape {
    token_digest: [u8; 32],
    handle: &'static PrometheusHandle,
}

/// Registers `GET /metrics` when a token is configured (and installs the recorder).
pub fn configure(token: Option<String>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        if let Some(handle) = token.as_ref().and_then(|_| recorder()) {
            let token_digest = digest(token.as_deref().unwrap_or_default());
            config.app_data(web::Data::new(Scrape { token_digest, handle })).route("/metrics", web::get().to(scrape));
        }
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

async fn scrape(
    req: HttpRequest,
    scrape: web::Data<Scrape>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Digests compared: the time taken says nothing about how much of the token was right.
    let presented = crate::bearer::bearer_token(&req).map(|token| digest(&token));
    if presented != Some(scrape.token_digest) {
        return Err(ApiError::unauthorized("send the metrics token: Authorization: Bearer <INLAV_METRICS_TOKEN>"));
    }
    let occupancy = state.database().occupancy();
    let in_use = occupancy.connections_open.saturating_sub(occupancy.connections_idle);
    metrics::gauge!("inlav_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    metrics::gauge!("inlav_db_pool_connections", "state" => "idle").set(f64::from(occupancy.connections_idle));
    metrics::gauge!("inlav_long_reads_running").set(occupancy.long_reads_running as f64);
    metrics::gauge!("inlav_long_reads_waiting").set(occupancy.long_reads_waiting as f64);
    scrape.handle.run_upkeep();
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(scrape.handle.render()))
}

/// Counts an answered request under its route template (`/api/v1/cases/{id}`), never its path.
pub fn observe(response: &ServiceResponse<impl actix_web::body::MessageBody>, method: &Method, seconds: f64) {
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
    let method = match *method {
        Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::HEAD | Method::OPTIONS => {
            method.as_str().to_string()
        }
        _ => "other".to_string(),
    };
    let status = response.status().as_u16().to_string();
    metrics::counter!("inlav_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("inlav_http_request_duration_seconds", "method" => method, "route" => route).record(seconds);
}
