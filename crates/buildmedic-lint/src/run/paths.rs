//! Paths as shown to the user, and references resolved against the file that makes them.

use std::path::{Component, Path, PathBuf};

use crate::syntax::source::SourceFile;

/// Path as shown to the user: as given, without `./` noise.
pub(crate) fn display_path(path: &Path) -> String {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        ".".to_string()
    } else {
        out.to_string_lossy().into_owned()
    }
}

/// Resolves `reference` (relative to the directory of `file`) for a follow-up.
pub(crate) fn resolve(file: &SourceFile, reference: &str) -> (PathBuf, String) {
    let rel = Path::new(reference);
    let path = if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        file.dir().join(rel)
    };
    let display = display_path(&path);
    (path, display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_tidy() {
        assert_eq!(display_path(Path::new("./a/./b/../c.yml")), "a/c.yml");
        assert_eq!(display_path(Path::new("../x")), "../x");
    }
}
