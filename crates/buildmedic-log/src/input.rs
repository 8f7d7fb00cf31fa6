//! Opening inputs: files, stdin, gzip recognised by content.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// An input that cannot be read. Names the path so the user knows which one.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: is a directory, not a log file")]
    IsDirectory { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl InputError {
    pub fn path(&self) -> &Path {
        match self {
            InputError::IsDirectory { path } | InputError::Io { path, .. } => path,
        }
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Opens `path` (`-` is stdin) and returns a reader of its decoded bytes. Gzip is
/// recognised by its magic bytes, not by the file name, so `.log` files that are really
/// gzip and `.gz` files that are not both work.
pub fn open_input(path: &Path) -> Result<Box<dyn Read + Send>, InputError> {
    let io_err = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        return sniff(Box::new(io::stdin())).map_err(io_err);
    }
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(InputError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let file = File::open(path).map_err(io_err)?;
    sniff(Box::new(file)).map_err(io_err)
}

/// Wraps `inner` in a gzip decoder if it starts with the gzip magic.
pub fn sniff(inner: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut buffered = BufReader::with_capacity(1 << 16, inner);
    let head = loop {
        match buffered.fill_buf() {
            Ok(head) => break head,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    if head.starts_with(&GZIP_MAGIC) {
        // Multi-member: `cat a.gz b.gz` and concatenating rotated logs are both valid gzip.
        Ok(Box::new(flate2::read::MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_detected_by_content() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello\nworld\n").unwrap();
        let gz = enc.finish().unwrap();
        let mut out = String::new();
        sniff(Box::new(io::Cursor::new(gz)))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "hello\nworld\n");
    }

    #[test]
    fn plain_bytes_pass_through() {
        let mut out = Vec::new();
        sniff(Box::new(io::Cursor::new(b"\x1f plain".to_vec())))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"\x1f plain");
    }

    #[test]
    fn directories_and_missing_files_name_the_path() {
        let dir = std::env::temp_dir();
        let e = open_input(&dir).err().unwrap();
        assert!(matches!(e, InputError::IsDirectory { .. }));
        assert!(e.to_string().contains(&*dir.to_string_lossy()));
        let missing = dir.join("buildmedic-no-such-file.log");
        let e = open_input(&missing).err().unwrap();
        assert!(e.to_string().starts_with(&*missing.to_string_lossy()));
    }
}
