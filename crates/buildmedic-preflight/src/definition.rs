//! What a definition asks for, as preflight targets: the same discovery as `buildmedic
//! lint` (same files, same parsed specs).

use std::path::PathBuf;

use crate::Targets;

/// The targets of some definitions, and the problems reading them.
#[derive(Debug, Default)]
pub struct Discovered {
    pub targets: Targets,
    /// Files that cannot be read or parsed (exit code 2).
    pub errors: Vec<String>,
    /// Paths that are not environment definitions.
    pub skipped: Vec<String>,
}

/// Discovers the definitions under `paths`.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut d = Discovered::default();
    for p in paths {
        d.errors.push(format!(
            "{}: definition discovery is not wired yet",
            p.display()
        ));
    }
    d
}
