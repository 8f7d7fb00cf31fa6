//! The work of one `POST /api/v1/diagnoses`, on a blocking thread: read the body as it
//! arrives (gzip recognised by content), stop at the size limit counted on the *decoded*
//! bytes (a gzip bomb stops at the limit too), diagnose in the same pass, keep the tail of
//! the log for the store, redact and compress it, and build the record.

use std::io::{self, Read};

use buildmedic_engine::{Engine, Status};
use bytes::Bytes;
use tokio::sync::mpsc;

use crate::store::{NewRecord, format_ms};

/// What the request side sends: body chunks, or an error that ends the read.
pub type Chunk = Result<Bytes, ()>;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("the decoded log is larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("the body could not be read: {0}")]
    Read(String),
    #[error("the request body ended with an error")]
    Aborted,
    #[error("the log is empty")]
    Empty,
}

/// Reads body chunks from the channel, blocking the (blocking-pool) thread between them.
struct ChannelReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
}

#[derive(Debug, thiserror::Error)]
#[error("request body aborted")]
struct BodyAborted;

fn read_error(e: &io::Error) -> JobError {
    if e.get_ref().is_some_and(|inner| inner.is::<BodyAborted>()) {
        JobError::Aborted
    } else {
        JobError::Read(e.to_string())
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(())) => {
                    return Err(io::Error::other(BodyAborted));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// Counts decoded bytes (failing past `limit`) and keeps the last `cap` bytes, cut at a line
/// start, with the number of lines dropped before them.
pub(crate) struct LimitTail<R> {
    inner: R,
    limit: u64,
    total: u64,
    exceeded: bool,
    cap: usize,
    tail: Vec<u8>,
    dropped_lines: u64,
    dropped: bool,
}

impl<R: Read> LimitTail<R> {
    pub(crate) fn new(inner: R, limit: u64, cap: usize) -> Self {
        LimitTail {
            inner,
            limit,
            total: 0,
            exceeded: false,
            cap,
            tail: Vec::new(),
            dropped_lines: 0,
            dropped: false,
        }
    }

    fn trim(&mut self, keep: usize) {
        if self.tail.len() <= keep {
            return;
        }
        let mut cut = self.tail.len() - keep;
        if let Some(nl) = memchr::memchr(b'\n', &self.tail[cut..]) {
            cut += nl + 1;
        }
        self.dropped_lines += memchr::memchr_iter(b'\n', &self.tail[..cut]).count() as u64;
        self.tail.drain(..cut);
        self.dropped = true;
    }

    /// `(kept bytes, 1-based line number of the first kept line, whether the head was cut)`.
    pub(crate) fn finish(mut self) -> (Vec<u8>, u64, bool) {
        self.trim(self.cap);
        (self.tail, self.dropped_lines + 1, self.dropped)
    }
}

impl<R: Read> Read for LimitTail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("decoded log exceeds the size limit"));
        }
        if self.cap > 0 {
            self.tail.extend_from_slice(&buf[..n]);
            if self.tail.len() > self.cap.saturating_mul(2).max(1 << 16) {
                self.trim(self.cap);
            }
        }
        Ok(n)
    }
}

pub struct Params {
    pub id: String,
    pub received_at: i64,
    pub source: String,
    pub max_decoded: u64,
    pub log_cap: usize,
}

/// Entities longer than this are cut in the store (commands can be long).
const ENTITY_MAX: usize = 200;

/// Diagnoses the body arriving on `rx` and returns the record to store (its `diagnosis` is
/// the response body).
pub fn diagnose(
    engine: &Engine,
    rx: mpsc::Receiver<Chunk>,
    p: Params,
) -> Result<NewRecord, JobError> {
    let reader = ChannelReader {
        rx,
        current: Bytes::new(),
    };
    let decoded = buildmedic_log::input::sniff(Box::new(reader)).map_err(|e| read_error(&e))?;
    let mut tee = LimitTail::new(decoded, p.max_decoded, p.log_cap);
    let d = match engine.diagnose(&mut tee, &p.source) {
        Ok(d) => d,
        Err(_) if tee.exceeded => return Err(JobError::TooLarge(p.max_decoded)),
        Err(e) => return Err(read_error(&e)),
    };
    let log_bytes = tee.total;
    if log_bytes == 0 {
        return Err(JobError::Empty);
    }
    let (tail, first_line, truncated) = tee.finish();
    let log_gz = if p.log_cap == 0 {
        None
    } else {
        // `from_utf8` is the fast check; only invalid logs pay for the lossy copy.
        let text = match std::str::from_utf8(&tail) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(&tail),
        };
        let redacted = buildmedic_redact::redact(&text);
        Some(gzip(redacted.as_bytes()))
    };
    let primary = d.primary();
    let kind = primary.map(|f| f.kind.clone());
    let title = primary.map(|f| f.title.clone());
    let confidence = primary.map(|f| f64::from(f.confidence));
    let mut entities = Vec::new();
    if let Some(f) = primary {
        for (name, values) in &f.entities {
            for v in values {
                let v = buildmedic_redact::redact(v);
                let v: String = v.chars().take(ENTITY_MAX).collect();
                entities.push((name.clone(), v));
            }
        }
    }
    let json = buildmedic_render::diagnosis::json(&d);
    let body = json.strip_prefix('{').unwrap_or(&json);
    let diagnosis = format!(
        "{{\"id\":{},\"received_at\":{},{}",
        serde_json::Value::from(p.id.as_str()),
        serde_json::Value::from(format_ms(p.received_at)),
        body
    );
    Ok(NewRecord {
        id: p.id,
        received_at: p.received_at,
        source: p.source,
        status: match d.status {
            Status::Failed => "failed",
            Status::Succeeded => "succeeded",
        }
        .to_string(),
        kind,
        title,
        confidence,
        diagnosis,
        log_gz,
        log_bytes: log_bytes as i64,
        log_first_line: first_line as i64,
        log_truncated: truncated,
        entities,
    })
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

pub(crate) fn gunzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_whole_lines_and_counts_the_dropped_ones() {
        let mut log = Vec::new();
        for i in 1..=100_000 {
            log.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        let mut t = LimitTail::new(&log[..], u64::MAX, 1000);
        std::io::copy(&mut t, &mut std::io::sink()).unwrap();
        let (tail, first, cut) = t.finish();
        assert!(cut);
        assert!(tail.len() <= 1000);
        let text = String::from_utf8(tail).unwrap();
        let first_text = text.lines().next().unwrap();
        assert_eq!(first_text, format!("line {first}"));
        assert!(text.ends_with("line 100000\n"));
    }

    #[test]
    fn limit_counts_decoded_bytes() {
        let data = vec![b'a'; 10_000];
        let mut t = LimitTail::new(&data[..], 9_999, 0);
        assert!(std::io::copy(&mut t, &mut std::io::sink()).is_err());
        assert!(t.exceeded);
        let mut t = LimitTail::new(&data[..], 10_000, 0);
        assert!(std::io::copy(&mut t, &mut std::io::sink()).is_ok());
    }
}
