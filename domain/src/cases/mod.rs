//! Cases (percorsi / prese in carico): one pathway of a beneficiary with one district's PUA,
//! and the lifecycle the API asks about before any transition.
//!
//! ```text
//! intercepted ──> screening ──> taken_in_charge <──> suspended
//!      │              │               │                 │
//!      └──────────────┴───────────────┴─────────────────┴──> closed(outcome) ──reopen──> taken_in_charge
//! ```

mod case;
mod changes;
mod lifecycle;

pub use case::*;
pub use changes::*;
pub use lifecycle::*;
