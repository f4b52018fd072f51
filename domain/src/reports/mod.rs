//! Monitoring and evaluation: the arithmetic of the figures (suppression, medians, rates, age
//! bands), and the indicators report built from typed tallies.

mod days;
mod indicators;
mod people;
mod statistics;

pub use days::*;
pub use indicators::*;
pub use people::*;
pub use statistics::*;
