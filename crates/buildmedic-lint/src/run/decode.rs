//! Reading a file's bytes as text: UTF-8 (a BOM dropped), UTF-16 with a byte order mark,
//! and lossy decoding that keeps the first problem for `utf8-decode`.

use crate::syntax::source::Utf8Problem;

/// Decodes bytes as UTF-8 (dropping a UTF-8 BOM); invalid bytes become U+FFFD.
pub(crate) fn decode(bytes: &[u8]) -> (String, Option<Utf8Problem>) {
    // UTF-16 with a byte order mark: report it, but read the content so the other checks
    // still see the definition.
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, u16::from_le_bytes as fn([u8; 2]) -> u16)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, u16::from_be_bytes as fn([u8; 2]) -> u16)),
        _ => None,
    };
    if let Some((rest, read)) = utf16 {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
        let text = String::from_utf16_lossy(&units).replace('\0', "\u{FFFD}");
        return (
            text,
            Some(Utf8Problem {
                offset: 0,
                what: "a UTF-16 byte order mark",
                byte: bytes.first().copied(),
            }),
        );
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) if !s.contains('\0') => (s.to_string(), None),
        Ok(s) => {
            let offset = s.find('\0').unwrap_or(0);
            (
                s.replace('\0', "\u{FFFD}"),
                Some(Utf8Problem {
                    offset,
                    what: "a NUL byte (UTF-16 text?)",
                    byte: Some(0),
                }),
            )
        }
        Err(e) => {
            let what = if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
                "a UTF-16 byte order mark"
            } else {
                "a byte that is not valid UTF-8"
            };
            let offset = e.valid_up_to();
            let text = String::from_utf8_lossy(body).replace('\0', "\u{FFFD}");
            (
                text,
                Some(Utf8Problem {
                    offset,
                    what,
                    byte: body.get(offset).copied(),
                }),
            )
        }
    }
}

pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot read: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reports_first_bad_byte() {
        let (_, p) = decode(b"name: x\n\xff\xfe");
        assert_eq!(p.unwrap().offset, 8);
        let (t, p) = decode(b"\xEF\xBB\xBFname: x");
        assert!(p.is_none());
        assert_eq!(t, "name: x");
        let (t, p) = decode(b"\xff\xfen\0a\0");
        assert_eq!(p.unwrap().what, "a UTF-16 byte order mark");
        assert_eq!(t, "na");
    }
}
