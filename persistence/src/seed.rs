//! Bulk loading for `inlav seed`: generated rows written as multi-row `INSERT … VALUES`
//! statements of literals, a few hundred rows per statement and thousands per transaction.
//!
//! This is the one place that writes SQL text instead of binding parameters. It is safe because
//! every value comes from the generator (fixed lists, numbers, dates), never from a request, and
//! text is still quoted by [`Lit::render`]. It is fast because one statement carries hundreds of
//! rows (one parse, one round trip) and one commit covers thousands.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::Result;
use crate::schema::cases;

/// A literal value of a generated row.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Text(String),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Time(NaiveDateTime),
    Null,
}

impl Lit {
    /// The value as SQL both backends read the same way as diesel's own bindings: dates as
    /// `YYYY-MM-DD`, timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]`, booleans as TRUE/FALSE
    /// (SQLite stores them as 1 and 0).
    fn render(&self, out: &mut String) {
        match self {
            Lit::Text(text) => {
                out.push('\'');
                for c in text.chars().filter(|c| *c != '\0') {
                    if c == '\'' {
                        out.push('\'');
                    }
                    out.push(c);
                }
                out.push('\'');
            }
            Lit::Int(n) => out.push_str(&n.to_string()),
            Lit::Bool(true) => out.push_str("TRUE"),
            Lit::Bool(false) => out.push_str("FALSE"),
            Lit::Date(day) => out.push_str(&format!("'{}'", day.format("%Y-%m-%d"))),
            Lit::Time(at) => out.push_str(&format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.f"))),
            Lit::Null => out.push_str("NULL"),
        }
    }
}

impl From<&str> for Lit {
    fn from(text: &str) -> Lit {
        Lit::Text(text.to_string())
    }
}

impl From<String> for Lit {
    fn from(text: String) -> Lit {
        Lit::Text(text)
    }
}

impl<T: Into<Lit>> From<Option<T>> for Lit {
    fn from(value: Option<T>) -> Lit {
        value.map_or(Lit::Null, Into::into)
    }
}

impl From<i64> for Lit {
    fn from(n: i64) -> Lit {
        Lit::Int(n)
    }
}

impl From<i32> for Lit {
    fn from(n: i32) -> Lit {
        Lit::Int(i64::from(n))
    }
}

impl From<bool> for Lit {
    fn from(b: bool) -> Lit {
        Lit::Bool(b)
    }
}

impl From<NaiveDate> for Lit {
    fn from(day: NaiveDate) -> Lit {
        Lit::Date(day)
    }
}

impl From<NaiveDateTime> for Lit {
    fn from(at: NaiveDateTime) -> Lit {
        Lit::Time(at)
    }
}

/// Rows of one table, in the order of `columns`.
#[derive(Debug, Clone)]
pub struct Rows {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Lit>>,
}

impl Rows {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows { table, columns, rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Lit>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.table);
        self.rows.push(row);
    }
}

/// Rows per statement: well under SQLite's and PostgreSQL's statement limits, large enough
/// that parsing and round trips stop mattering.
const ROWS_PER_STATEMENT: usize = 400;

/// Writes the tables in the order given (parents first), inside the caller's transaction.
pub fn insert_rows(conn: &mut DbConnection, tables: &[Rows]) -> Result<()> {
    for table in tables {
        for chunk in table.rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.table, table.columns.join(", "));
            for (i, row) in chunk.iter().enumerate() {
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for (j, value) in row.iter().enumerate() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    value.render(&mut sql);
                }
                sql.push(')');
            }
            conn.batch_execute(&sql)?;
        }
    }
    Ok(())
}

/// Settings of the seeding connection: on SQLite a page cache of 256 MiB, so index pages stay in
/// memory while millions of rows go in (the connection is dropped with the command).
pub fn prepare_bulk_connection(conn: &mut DbConnection) -> Result<()> {
    if let DbConnection::Sqlite(_) = conn {
        conn.batch_execute("PRAGMA cache_size = -262144;")?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load: without them PostgreSQL plans the
/// case list as if a district held a few rows and sorts hundreds of thousands. On SQLite an
/// approximate ANALYZE (1,000 rows per index) keeps this quick on a large file.
pub fn analyze(conn: &mut DbConnection) -> Result<()> {
    match conn {
        DbConnection::Sqlite(_) => conn.batch_execute("PRAGMA analysis_limit = 1000; ANALYZE;")?,
        DbConnection::Postgresql(_) => conn.batch_execute("ANALYZE;")?,
    }
    Ok(())
}

/// How many cases the database holds (seeding `--demo` wants none).
pub fn case_count(conn: &mut DbConnection) -> Result<i64> {
    Ok(cases::table.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_quoted_and_formatted_as_diesel_stores_them() {
        let mut out = String::new();
        for value in [
            Lit::from("l'amico"),
            Lit::from(Some(3_i32)),
            Lit::from(None::<String>),
            Lit::from(true),
            Lit::from(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()),
            Lit::from(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap().and_hms_opt(9, 5, 0).unwrap()),
        ] {
            value.render(&mut out);
            out.push('|');
        }
        assert_eq!(out, "'l''amico'|3|NULL|TRUE|'2026-03-02'|'2026-03-02 09:05:00'|");
    }
}
