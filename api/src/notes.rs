//! Case notes: free text at a confidentiality level, each level read only by its roles.
//! Append-only: a correction is a new note that references the one it corrects.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::notes::{Confidentiality, NOTE_MAX_CHARS, Note, may_read};
use domain::users::Role;
use persistence::audit;
use persistence::notes::{self as store, NewNote};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::cases::visible_case;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, Paged, ValidJson, resource_id};
use crate::idempotency::{Answer, once};
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
        (status = 403, description = "Not a level the role may write", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::UseNotes)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    if !may_read(caller.role, input.confidentiality) {
        return Err(ApiError::forbidden()
            .with_detail(format!("your role does not write {} notes", input.confidentiality.code())));
    }
    let body = input.body.trim().to_string();
    if body.is_empty() {
        return Err(ApiError::field("body", "required", "must not be empty"));
    }
    if body.chars().count() > NOTE_MAX_CHARS {
        return Err(ApiError::field("body", "too_long", format!("must be at most {NOTE_MAX_CHARS} characters")));
    }
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        if let Some(corrected) = input.corrects {
            let fits = match store::find(conn, corrected) {
                Ok(note) => note.case_id == case_id && may_read(actor.role, note.confidentiality),
                Err(persistence::Error::NotFound) => false,
                Err(other) => return Err(other.into()),
            };
            if !fits {
                return Err(ApiError::field(
                    "corrects",
                    "unknown_note",
                    "no note of this case you may read has this id",
                ));
            }
        }
        let note = store::insert(
            conn,
            &NewNote {
                case_id,
                body,
                confidentiality: input.confidentiality,
                corrects: input.corrects,
                author_id: actor.user_id,
                author_role: actor.role,
            },
            now,
        )?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        Answer::json(StatusCode::CREATED, &NoteView::from(note))
    })
    .await
}

/// The notes of a case the caller may read, oldest first.
#[utoipa::path(
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Oldest first", body = Paged<NoteView>),
        (status = 403, description = "The role reads no notes", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/notes")]
pub async fn list_notes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::UseNotes)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let levels: Vec<Confidentiality> =
        Confidentiality::ALL.iter().copied().filter(|l| may_read(caller.role, *l)).collect();
    let now = state.now();
    let notes = audited(&state, Via::Query, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        let notes = store::of_case(conn, case_id, &levels)?;
        Ok((
            notes,
            vec![caller.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id))],
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged { items: notes.into_iter().map(NoteView::from).collect(), next_cursor: None }))
}
