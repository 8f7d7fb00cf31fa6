//! conda environment specifications: structure, channels, MatchSpec syntax, pinning.

pub mod conda_bad_spec;
pub mod conda_channels_missing;
pub mod conda_deps_unpinned;
pub mod conda_spec_invalid;
