//! Bytes → text. Only UTF-8 and ISO-8859-1 are accepted: they cover every modelling tool
//! we know of, and refusing the rest beats silently garbling names.

use std::borrow::Cow;
use std::ops::Range;

use super::{Location, ParseError, ParseErrorKind};

pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding names read as ISO-8859-1 (compared case-insensitively).
const LATIN1_NAMES: &[&[u8]] = &[
    b"iso-8859-1",
    b"iso8859-1",
    b"iso_8859-1",
    b"latin1",
    b"latin-1",
    b"l1",
    b"cp819",
    b"ibm819",
    b"iso-ir-100",
    b"csisolatin1",
];

/// Whether `name` (an `encoding` value) is one the parser reads as ISO-8859-1.
pub fn is_latin1_name(name: &[u8]) -> bool {
    LATIN1_NAMES.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// Decodes the file, dropping a UTF-8 byte order mark.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);

    // UTF-16 and UTF-32 files start with a BOM or have a NUL byte among the first two
    // (the `<` of the first tag is padded with zeroes).
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") || bytes.iter().take(2).any(|&b| b == 0) {
        return Err(ParseError::new(
            ParseErrorKind::Encoding,
            Location::at(1, 1),
            format_args!("the file is encoded in UTF-16 or UTF-32, which is not supported"),
            "Save it as UTF-8 (most modelling tools have this option in their export dialog).",
        ));
    }

    match declared_encoding(bytes) {
        None => utf8(bytes),
        Some((name, column)) => {
            let lower = name.to_ascii_lowercase();
            match lower.as_slice() {
                // ASCII is a subset of UTF-8, so the UTF-8 check covers it.
                b"utf-8" | b"utf8" | b"us-ascii" | b"ascii" => utf8(bytes),
                _ if is_latin1_name(&lower) => Ok(latin1(bytes)),
                _ => Err(ParseError::new(
                    ParseErrorKind::Encoding,
                    Location::at(1, column),
                    format_args!(
                        "the XML declaration says encoding=\"{}\"; only UTF-8 and ISO-8859-1 are supported",
                        String::from_utf8_lossy(name)
                    ),
                    "Save the file as UTF-8 and change the declaration to encoding=\"UTF-8\".",
                )),
            }
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let (line, column) = line_col(good, good.len());
            let bad = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            Err(ParseError::new(
                ParseErrorKind::Encoding,
                Location::at(line, column),
                format_args!("byte 0x{bad:02X} is not valid UTF-8"),
                "The file is probably ISO-8859-1 or Windows-1252: save it as UTF-8, or declare \
                 <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?> if it really is ISO-8859-1.",
            ))
        }
    }
}

/// ISO-8859-1 maps each byte to the Unicode code point of the same value.
pub fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        // Pure ASCII (the usual case even for files declared ISO-8859-1): nothing to convert.
        Ok(text) if bytes.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// The `encoding` pseudo-attribute of the XML declaration, with its 1-based column.
/// A missing or unreadable declaration yields `None`; quick-xml reports a broken one later.
fn declared_encoding(bytes: &[u8]) -> Option<(&[u8], u32)> {
    let range = encoding_value(bytes)?;
    // The declaration is on line 1 and ASCII, so the byte offset is the column.
    let column = u32::try_from(range.start + 1).unwrap_or(u32::MAX);
    Some((&bytes[range], column))
}

/// The byte range of the value of `encoding="…"` in a leading XML declaration.
pub fn encoding_value(bytes: &[u8]) -> Option<Range<usize>> {
    let rest = bytes.strip_prefix(b"<?xml")?;
    if !rest.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    // The declaration is short; looking further would only find `?>` of a later PI.
    let window = &bytes[..bytes.len().min(1024)];
    let end = find(window, b"?>")?;
    let decl = &window[..end];
    let mut at = find(decl, b"encoding")? + b"encoding".len();
    let skip_ws = |at: &mut usize| {
        while decl.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    skip_ws(&mut at);
    if decl.get(at) != Some(&b'=') {
        return None;
    }
    at += 1;
    skip_ws(&mut at);
    let quote = *decl.get(at)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let start = at + 1;
    let len = decl.get(start..)?.iter().position(|&b| b == quote)?;
    Some(start..start + len)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// 1-based line and column (in characters) of byte offset `pos` in UTF-8 `text`.
pub(super) fn line_col(text: &[u8], pos: usize) -> (u32, u32) {
    let mut tracker = LineTracker::new(text);
    tracker.advance_to(pos)
}

/// Computes line and column of increasing byte offsets in one pass over the text.
pub(super) struct LineTracker<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
    column: u32,
}

impl<'a> LineTracker<'a> {
    pub(super) fn new(text: &'a [u8]) -> Self {
        LineTracker { text, pos: 0, line: 1, column: 1 }
    }

    /// Line and column of `pos`, which must not be before the previous call's (it is clamped).
    pub(super) fn advance_to(&mut self, pos: usize) -> (u32, u32) {
        let pos = pos.min(self.text.len()).max(self.pos);
        for &b in &self.text[self.pos..pos] {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Count characters, not bytes: UTF-8 continuation bytes are 10xxxxxx.
                self.column = self.column.saturating_add(1);
            }
        }
        self.pos = pos;
        (self.line, self.column)
    }
}
