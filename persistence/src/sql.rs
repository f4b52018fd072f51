//! Small SQL helpers shared by the repositories.

use std::collections::HashMap;

use diesel::sql_types::Text;
use domain::districts::DistrictCode;

diesel::define_sql_function! {
    /// Lower-cases text; pair with a pattern lower-cased in Rust for case-insensitive LIKE
    /// (`ilike` does not exist on SQLite).
    fn lower(value: Text) -> Text;
}

/// District codes grouped by the row that owns them (a user, an organisation), loaded in one
/// query for a whole page.
#[derive(Debug, Default)]
pub struct DistrictsByOwner(HashMap<String, Vec<DistrictCode>>);

impl DistrictsByOwner {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut by_owner: HashMap<String, Vec<DistrictCode>> = HashMap::new();
        for (owner, code) in pairs {
            by_owner.entry(owner).or_default().push(DistrictCode::from_trusted(code));
        }
        for codes in by_owner.values_mut() {
            codes.sort();
        }
        DistrictsByOwner(by_owner)
    }

    pub fn of(&self, owner: &str) -> Vec<DistrictCode> {
        self.0.get(owner).cloned().unwrap_or_default()
    }
}

/// Loads the rows of `table` whose `column` is one of `ids`, shaped by `finish` (a select, an
/// order). A single id is compared with `=` in a query of its own type: diesel finds that
/// prepared statement by the type, without writing out its SQL text to look it up (a boxed query
/// is looked up by its text, built again on every call: a few per cent of a read of one case),
/// while an `IN (…)` list is prepared again on every call (its length varies) — and most of these
/// loads are of one case or one person. Run on the backend's own connection
/// ([on_backend](crate::db::on_backend)).
macro_rules! load_for_ids {
    ($conn:expr, $table:expr, $column:expr, $ids:expr, |$query:ident| $finish:expr) => {
        match $ids {
            [one] => {
                let $query = diesel::QueryDsl::filter($table, $column.eq(one));
                $crate::db::on_backend!($conn, |inner| $finish.load(inner))
            }
            ids => {
                let $query = diesel::QueryDsl::filter($table, $column.eq_any(ids));
                $crate::db::on_backend!($conn, |inner| $finish.load(inner))
            }
        }
    };
}
pub(crate) use load_for_ids;
