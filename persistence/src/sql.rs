//! Small SQL helpers shared by the repositories.

use std::collections::HashMap;

use diesel::dsl::{Eq, EqAny};
use diesel::query_dsl::methods::FilterDsl;
use diesel::sql_types::Text;
use diesel::{Expression, ExpressionMethods};
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

/// Keeps the rows of a (boxed) query whose `column` is one of `ids`. A single id is compared
/// with `=`: diesel keeps that prepared statement, while an `IN (…)` list is prepared again on
/// every call (its length varies) — and most of these loads are of one case or one person.
pub fn with_ids<'a, Q, C>(query: Q, column: C, ids: &'a [String]) -> Q
where
    C: ExpressionMethods + Expression<SqlType = Text>,
    Q: FilterDsl<Eq<C, &'a String>, Output = Q> + FilterDsl<EqAny<C, &'a [String]>, Output = Q>,
{
    match ids {
        [one] => FilterDsl::filter(query, column.eq(one)),
        _ => FilterDsl::filter(query, column.eq_any(ids)),
    }
}
