//! Keyset pagination: a page is the rows after a key, plus whether more follow.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// At most this many rows per page, whatever the caller asks.
pub const MAX_PAGE_SIZE: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K> {
    /// The sort key of the last row of the previous page.
    pub after: Option<K>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<K> PageRequest<K> {
    /// Rows to fetch: one more than the limit tells whether a next page exists.
    pub fn fetch_size(&self) -> i64 {
        self.limit.clamp(1, MAX_PAGE_SIZE) + 1
    }

    pub fn page<T>(&self, mut rows: Vec<T>) -> Page<T> {
        let limit = usize::try_from(self.limit.clamp(1, MAX_PAGE_SIZE)).unwrap_or(1);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        Page { items: rows, has_more }
    }
}

/// A list read in the order of last change, from an instant on (`updated_since`): what a
/// client syncing deltas asks for. Rows come by `(updated_at, id)`, oldest change first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangedSince {
    /// Inclusive.
    pub since: DateTime<Utc>,
    /// The `(updated_at, id)` of the last row of the previous page.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

/// Escapes LIKE wildcards so that user input matches literally (used with `ESCAPE '\'`).
pub fn like_contains(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_extra_row_signals_a_next_page() {
        let request = PageRequest::<i32> { after: None, limit: 2 };
        assert_eq!(request.fetch_size(), 3);
        assert_eq!(request.page(vec![1, 2, 3]), Page { items: vec![1, 2], has_more: true });
        assert_eq!(request.page(vec![1, 2]), Page { items: vec![1, 2], has_more: false });
        let huge = PageRequest::<i32> { after: None, limit: 10_000 };
        assert_eq!(huge.fetch_size(), MAX_PAGE_SIZE + 1);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("Ab%_\\c"), "%ab\\%\\_\\\\c%");
    }
}
