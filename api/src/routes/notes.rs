//! Case notes: free text at a confidentiality level, each level read only by its roles.
//! Append-only: a correction is a new note that references the one it corrects.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use app::notes::{self, NoteDraft};
use chrono::{DateTime, Utc};
use domain::notes::{Confidentiality, Note};
use domain::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, Paged, ValidJson, resource_id};
use crate::idempotency::{json_reply, respond, retryable};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(write_note).service(list_notes);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub body: String,
    /// `team` (the PUA team), `legal` (legal advisors and coordinators), `coordinators`.
    #[schema(value_type = schemas::Confidentiality)]
    pub confidentiality: Confidentiality,
    /// The note this one corrects (notes are never changed).
    #[serde(default)]
    pub corrects: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub body: String,
    #[schema(value_type = schemas::Confidentiality)]
    pub confidentiality: Confidentiality,
    pub corrects: Option<Uuid>,
    pub author_id: Uuid,
    #[schema(value_type = schemas::Role)]
    pub author_role: Role,
    pub created_at: DateTime<Utc>,
}

impl From<Note> for NoteView {
    fn from(n: Note) -> Self {
        NoteView {
            id: n.id,
            case_id: n.case_id,
            body: n.body,
            confidentiality: n.confidentiality,
            corrects: n.corrects,
            author_id: n.author_id,
            author_role: n.author_role,
            created_at: n.created_at,
        }
    }
}

/// Write a note at a level the caller may read.
#[utoipa::path(
    tag = "notes",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = NoteInput,
    responses(
        (status = 201, description = "Written", body = NoteView),
        (status = 403, description = "Not a level the role may write", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/notes")]
pub async fn write_note(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<NoteInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let draft = NoteDraft { body: input.body, confidentiality: input.confidentiality, corrects: input.corrects };
    let render = |note: Note| json_reply(StatusCode::CREATED, &NoteView::from(note), None, None);
    let answered =
        notes::write(state.context(), &caller, state.now(), resource_id(&id)?, draft, retryable(&key, &digest, render))
            .await?;
    Ok(respond(answered))
}

/// The notes of a case the caller may read, oldest first.
#[utoipa::path(
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Oldest first", body = Paged<NoteView>),
        (status = 403, description = "The role reads no notes", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/notes")]
pub async fn list_notes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let notes = notes::list(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Paged { items: notes.into_iter().map(NoteView::from).collect(), next_cursor: None }))
}
