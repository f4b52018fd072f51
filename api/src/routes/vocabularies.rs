//! Every code list of the system with its Italian and English labels.

use actix_web::{HttpResponse, get};
use domain::access::Capability;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::schemas::{Vocabularies, vocabularies};

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_vocabularies);
}

/// Every code list with Italian and English labels.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    responses((status = 200, description = "The code lists", body = Vocabularies))
)]
#[get("/vocabularies")]
pub async fn list_vocabularies(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadReferenceData)?;
    Ok(HttpResponse::Ok().json(vocabularies()))
}
