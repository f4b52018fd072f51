//! Case notes: appended, never changed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::notes::{Confidentiality, Note};
use domain::users::Role;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Result, decode, decode_id};
use crate::schema::case_notes;

type NoteRow = (String, String, String, String, Option<String>, String, String, NaiveDateTime);

#[derive(Debug, Clone)]
pub struct NewNote {
    pub case_id: Uuid,
    pub body: String,
    pub confidentiality: Confidentiality,
    pub corrects: Option<Uuid>,
    pub author_id: Uuid,
    pub author_role: Role,
}

pub fn insert(conn: &mut DbConnection, new: &NewNote, now: DateTime<Utc>) -> Result<Note> {
    let id = Uuid::now_v7();
    diesel::insert_into(case_notes::table)
        .values((
            case_notes::id.eq(id.to_string()),
            case_notes::case_id.eq(new.case_id.to_string()),
            case_notes::body.eq(&new.body),
            case_notes::confidentiality.eq(new.confidentiality.code()),
            case_notes::corrects_id.eq(new.corrects.map(|id| id.to_string())),
            case_notes::author_id.eq(new.author_id.to_string()),
            case_notes::author_role.eq(new.author_role.code()),
            case_notes::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Note> {
    let row: NoteRow = case_notes::table
        .find(id.to_string())
        .select((
            case_notes::id,
            case_notes::case_id,
            case_notes::body,
            case_notes::confidentiality,
            case_notes::corrects_id,
            case_notes::author_id,
            case_notes::author_role,
            case_notes::created_at,
        ))
        .first(conn)?;
    into_note(row)
}

/// The notes of a case at the given levels, oldest first.
pub fn of_case(conn: &mut DbConnection, case_id: Uuid, levels: &[Confidentiality]) -> Result<Vec<Note>> {
    let rows: Vec<NoteRow> = case_notes::table
        .filter(case_notes::case_id.eq(case_id.to_string()))
        .filter(case_notes::confidentiality.eq_any(levels.iter().map(|l| l.code()).collect::<Vec<_>>()))
        .select((
            case_notes::id,
            case_notes::case_id,
            case_notes::body,
            case_notes::confidentiality,
            case_notes::corrects_id,
            case_notes::author_id,
            case_notes::author_role,
            case_notes::created_at,
        ))
        .order((case_notes::created_at.asc(), case_notes::id.asc()))
        .load(conn)?;
    rows.into_iter().map(into_note).collect()
}

/// When each of the given cases last had a note.
pub fn last_written(conn: &mut DbConnection, case_ids: &[Uuid]) -> Result<HashMap<Uuid, DateTime<Utc>>> {
    if case_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, Option<NaiveDateTime>)> = case_notes::table
        .filter(case_notes::case_id.eq_any(case_ids.iter().map(Uuid::to_string).collect::<Vec<_>>()))
        .group_by(case_notes::case_id)
        .select((case_notes::case_id, diesel::dsl::max(case_notes::created_at)))
        .load(conn)?;
    rows.into_iter().filter_map(|(id, at)| at.map(|at| decode_id(&id).map(|id| (id, from_db_time(at))))).collect()
}

fn into_note(
    (id, case_id, body, confidentiality, corrects, author_id, author_role, created_at): NoteRow,
) -> Result<Note> {
    Ok(Note {
        id: decode_id(&id)?,
        case_id: decode_id(&case_id)?,
        body,
        confidentiality: decode(&confidentiality)?,
        corrects: corrects.as_deref().map(decode_id).transpose()?,
        author_id: decode_id(&author_id)?,
        author_role: decode(&author_role)?,
        created_at: from_db_time(created_at),
    })
}
