//! One module per subcommand.

pub mod diagnose;
pub mod diff;
pub mod explain;
pub mod kinds;
pub mod lint;
pub mod preflight;
pub mod rules;
pub mod serve;
pub mod stats;
