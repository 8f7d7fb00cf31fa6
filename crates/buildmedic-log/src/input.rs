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
    open_input_with(path, false)
}

/// [`open_input`]; with `read_ahead`, gzip is decoded on a thread of its own, ahead of the
/// reader (for `diagnose -j`: decompression then overlaps framing and matching).
pub fn open_input_with(path: &Path, read_ahead: bool) -> Result<Box<dyn Read + Send>, InputError> {
    let io_err = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        return sniff_with(Box::new(io::stdin()), read_ahead).map_err(io_err);
    }
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(InputError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let file = File::open(path).map_err(io_err)?;
    sniff_with(Box::new(file), read_ahead).map_err(io_err)
}

/// Wraps `inner` in a gzip decoder if it starts with the gzip magic.
pub fn sniff(inner: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    sniff_with(inner, false)
}

fn sniff_with(inner: Box<dyn Read + Send>, read_ahead: bool) -> io::Result<Box<dyn Read + Send>> {
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
        let decoder = Box::new(flate2::read::MultiGzDecoder::new(buffered));
        Ok(if read_ahead {
            Box::new(ReadAhead::new(decoder))
        } else {
            decoder
        })
    } else {
        Ok(Box::new(buffered))
    }
}

/// Blocks read ahead of the consumer.
const AHEAD_BLOCK: usize = 1 << 20;
/// Blocks read ahead at most.
const AHEAD_BLOCKS: usize = 3;

/// Reads `inner` on a thread of its own, a few blocks ahead of the consumer. Dropping the
/// reader stops the thread (at its next block).
pub struct ReadAhead {
    blocks: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    done: bool,
}

impl ReadAhead {
    pub fn new(mut inner: Box<dyn Read + Send>) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(AHEAD_BLOCKS);
        std::thread::spawn(move || {
            loop {
                let mut block = vec![0u8; AHEAD_BLOCK];
                let mut filled = 0;
                let result = loop {
                    match inner.read(&mut block[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == block.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                block.truncate(filled);
                let last = filled == 0 || result.is_err();
                let message = match result {
                    Ok(()) => Ok(block),
                    Err(e) => Err(e),
                };
                if tx.send(message).is_err() || last {
                    return;
                }
            }
        });
        ReadAhead {
            blocks: rx,
            current: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.blocks.recv() {
                Ok(Ok(block)) => {
                    self.done = block.is_empty();
                    self.current = block;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
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
    fn read_ahead_gives_the_same_bytes_and_errors() {
        let data: Vec<u8> = (0..3 * AHEAD_BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        ReadAhead::new(Box::new(io::Cursor::new(data.clone())))
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello\nworld\n").unwrap();
        let mut gz = enc.finish().unwrap();
        gz.truncate(gz.len() - 4);
        let mut r = sniff_with(Box::new(io::Cursor::new(gz)), true).unwrap();
        assert!(r.read_to_end(&mut Vec::new()).is_err());
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
