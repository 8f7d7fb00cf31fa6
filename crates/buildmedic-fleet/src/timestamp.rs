//! When a build ran, from the log itself: the date of the first line that starts with a
//! timestamp (GitHub Actions and `docker logs --timestamps` prefixes, `2024-03-01 12:34:56`
//! logger lines, `2024/03/01 12:34:56` Azure and Go loggers). File times are not used:
//! copying an archive resets them.

use std::io::{self, Read};

/// Bytes of the (decoded) log searched for a timestamp.
pub const HEAD: usize = 8 * 1024;

/// A reader that keeps the first [`HEAD`] bytes it passes on.
pub struct HeadCapture<R> {
    inner: R,
    pub head: Vec<u8>,
}

impl<R: Read> HeadCapture<R> {
    pub fn new(inner: R) -> Self {
        HeadCapture {
            inner,
            head: Vec::new(),
        }
    }
}

impl<R: Read> Read for HeadCapture<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.head.len() < HEAD {
            let take = n.min(HEAD - self.head.len());
            self.head.extend_from_slice(&buf[..take]);
        }
        Ok(n)
    }
}

/// `YYYY-MM-DD` of the first line of `head` that starts (after an optional `[`) with a date
/// followed by a time.
pub fn first_day(head: &[u8]) -> Option<String> {
    head.split(|&b| b == b'\n').find_map(|line| {
        let line = line.strip_prefix(b"[").unwrap_or(line);
        day_at_start(line)
    })
}

fn day_at_start(l: &[u8]) -> Option<String> {
    // YYYY-MM-DD[T ]HH:MM  or  YYYY/MM/DD HH:MM
    if l.len() < 16 {
        return None;
    }
    let d = |r: std::ops::Range<usize>| -> Option<i32> {
        let s = &l[r];
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0')))
    };
    let sep = l[4];
    if !(sep == b'-' || sep == b'/')
        || l[7] != sep
        || !matches!(l[10], b'T' | b' ')
        || l[13] != b':'
    {
        return None;
    }
    let (year, month, day) = (d(0..4)?, d(5..7)?, d(8..10)?);
    let (hour, minute) = (d(11..13)?, d(14..16)?);
    if hour > 23 || minute > 59 {
        return None;
    }
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    Some(date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_dated_line() {
        let log = b"#0 building with default\n2024-03-01T12:34:56.1234567Z ##[group]Run docker build .\n2024-03-02T00:00:00Z later\n";
        assert_eq!(first_day(log).as_deref(), Some("2024-03-01"));
        assert_eq!(
            first_day(b"2023/11/30 08:15:00 Step 1/4").as_deref(),
            Some("2023-11-30")
        );
        assert_eq!(
            first_day(b"[2022-01-05 10:00:00] x").as_deref(),
            Some("2022-01-05")
        );
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        assert_eq!(first_day(b"2024-02-30T10:00:00Z bad day"), None);
        assert_eq!(
            first_day(b"Step 1/4 : FROM python:3.10 2024-03-01T10:00"),
            None
        );
        assert_eq!(first_day(b"1234-56-78 nothing"), None);
        assert_eq!(first_day(b""), None);
    }

    #[test]
    fn capture_keeps_only_the_head() {
        let data = vec![b'x'; HEAD * 3];
        let mut r = HeadCapture::new(&data[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), HEAD * 3);
        assert_eq!(r.head.len(), HEAD);
    }
}
