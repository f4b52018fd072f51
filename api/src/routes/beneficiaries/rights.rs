//! The rights of the people served over their data: a copy of it all (GDPR art. 15 and 20),
//! erasure (art. 17). District
//! coordinators exercise them for the person; the use cases (`app::erasure`) check access and
//! audit each decision with its reason.

use actix_web::http::header;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use app::ReadVersion;
use app::{erasure, subject_access as access};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::subject_access::{SubjectAccessFormat, SubjectAccessQuery, SubjectAccessView, document};
use super::views::BeneficiaryView;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IfMatch, ValidJson, ValidQuery, etag, resource_id};
use crate::formats::asks_for;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureInput {
    /// Why: the person's request, or another ground of art. 17. Kept in the audit trail; do
    /// not write the person's data in it.
    #[schema(example = "richiesta dell'interessato del 30/11/2026")]
    pub reason: String,
}

/// Erase a person (GDPR art. 17): every direct identifier and free text of the person and of
/// their cases is removed — names, alias, codice fiscale, contacts, municipality, the birth
/// date (the birth year stays, for the age band), guardian, permit number, employer, the texts
/// of notes, services, referrals, legal procedures and events, and the stored answers of
/// retried requests that held them. The statistical facts stay (gender, citizenship, dates,
/// statuses, counts): every report is the same before and after. The audit trail keeps its
/// entries (they name ids), with their reasons' texts erased, and still verifies. Refused
/// (409 `legal_hold`) while a legal procedure of the person is planned, filed or pending.
/// District coordinators only; requires `If-Match`.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = ErasureInput,
    responses(
        (status = 200, description = "The person as erased", body = BeneficiaryView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Only district coordinators erase", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A legal procedure holds the data (`legal_hold`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The person changed since it was read", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/beneficiaries/{id}/erasure")]
pub async fn erase_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<ErasureInput>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let erased = erasure::erase(state.context(), &caller, state.now(), target, &body.0.reason).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(erased.version))).json(BeneficiaryView::from(erased)))
}

/// A copy of everything held on a person (GDPR art. 15, and art. 20 as JSON): identity,
/// documents, consents, every case of your districts with its timeline, services, referrals
/// and the organisations the data was shared with, legal procedures, work grants, notes, and
/// the access log (who read or changed the data, when, in what role). As JSON, or with
/// `format=html` (or `Accept: text/html`) as a document in Italian to print for the person.
/// Notes at level `legal` only with `include_legal=true`, a decision recorded in the audit
/// trail (`legal_disclosure`); the copy itself is recorded as `subject_access`. District
/// coordinators only.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id"), SubjectAccessQuery),
    responses(
        (status = 200, description = "The copy", content(
            (SubjectAccessView = "application/json"),
            (String = "text/html", example = "<!DOCTYPE html><html lang=\"it\">…"),
        )),
        (status = 403, description = "Only district coordinators give a copy", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person in your districts", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries/{id}/subject-access")]
pub async fn subject_access(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    query: ValidQuery<SubjectAccessQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let format = query.format.map(|format| match format {
        SubjectAccessFormat::Json => "json",
        SubjectAccessFormat::Html => "html",
    });
    let html = asks_for(&req, format, "html", "text/html");
    let copy = access::subject_access(
        state.context(),
        &caller,
        state.now(),
        resource_id(&id)?,
        query.include_legal.unwrap_or(false),
    )
    .await?;
    if html {
        return Ok(HttpResponse::Ok().insert_header(ContentType::html()).body(document(&copy).into_string()));
    }
    Ok(HttpResponse::Ok().json(SubjectAccessView::from(copy)))
}
