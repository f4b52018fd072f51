//! Monitoring and evaluation: the arithmetic of the figures (suppression, medians, rates, age
//! bands), and the indicators report built from typed tallies.

mod indicators;
mod statistics;

pub use indicators::*;
pub use statistics::*;
