//! Monitoring and evaluation: the arithmetic of the figures (suppression, medians, rates, age
//! bands), and the indicators report built from typed tallies.

mod days;
mod disclosure;
mod indicators;
mod people;
mod statistics;
mod withholding;

pub use days::*;
pub use disclosure::*;
pub use indicators::*;
pub use people::*;
pub use statistics::*;
pub use withholding::*;
