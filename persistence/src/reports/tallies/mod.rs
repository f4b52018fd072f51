//! Per-day tallies behind the indicators report.
//!
//! Why: a report sums a year of twelve districts, half a million cases at the programme's
//! scale; counting the rows at each request took seconds. Every figure is counted once per
//! district and per day into `report_tallies`, and a report sums the days of its range.
//!
//! How they stay exact: each write that can change a figure records the district's days it
//! touches in `report_stale_days`, in its own transaction (the `mark_*` functions; on SQLite
//! once per district and day, see [`mark_day`]). Before a
//! report reads, [`refresh`] recounts the stale days of its districts from the rows and deletes
//! the markers it read; a marker committed meanwhile stays for the next refresh, and the recount
//! reads after the markers, so no committed write is left out. Refreshes are serialised by a row
//! lock on `report_tally_state` (SQLite has one writer anyway). A migration or a bulk load sets
//! `full_rebuild`, and the next refresh recounts everything.
//!
//! How a report is known current without counting it: [`figures_version`] changes with every
//! refresh that recounted and every write to the figures counted from their rows (work grants,
//! activities, targets; [`mark_figures_changed`]). While it holds and no day of the report's
//! districts is marked stale, a report counted at that version is still the report.

mod count;
mod figures;
mod marks;
mod sums;

pub use count::{count_days_of, figures_version, is_stale, rebuild, refresh};
pub use figures::{Tallied, Tally};
pub use marks::{
    CaseColumns, mark_beneficiary, mark_case, mark_case_columns, mark_case_day, mark_case_instant, mark_day,
    mark_figures_changed, mark_instant,
};
pub use sums::sum_range;

#[cfg(test)]
mod tests;
