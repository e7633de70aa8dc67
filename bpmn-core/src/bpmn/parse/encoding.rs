//! Bytes → text. A byte order mark decides first (UTF-8, UTF-16 LE or BE); then the XML
//! declaration's `encoding` (any label of the WHATWG Encoding Standard: windows-1252, GBK,
//! GB18030, Big5, Shift_JIS, EUC-KR, KOI8-R, ...), decoded with `encoding_rs`; without
//! either the file is UTF-8. An encoding that cannot be read is refused with its name rather
//! than guessed, and so is a byte that is not valid in the declared encoding: silently
//! garbled names would be worse.

use std::borrow::Cow;
use std::ops::Range;

use encoding_rs::{DecoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8};

use super::{Location, ParseError, ParseErrorKind};
use crate::text::Text;

pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes the file, dropping a byte order mark.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return decode_as(encoding, &bytes[bom..]);
    }
    // Without a BOM, UTF-16 is recognised by its first character `<` padded with a zero byte
    // (XML 1.0, appendix F). Other zero bytes at the start mean UTF-32 or a damaged file.
    match bytes {
        [b'<', 0, b, 0, ..] if *b != 0 => return decode_as(UTF_16LE, bytes),
        [0, b'<', 0, b, ..] if *b != 0 => return decode_as(UTF_16BE, bytes),
        _ if bytes.iter().take(4).any(|&b| b == 0) => {
            return Err(ParseError::new(ParseErrorKind::Encoding, Location::at(1, 1), Text::new("parse.utf32")));
        }
        _ => {}
    }
    let Some((name, column)) = declared_encoding(bytes) else {
        return utf8(bytes);
    };
    match Encoding::for_label(name) {
        // The declaration names UTF-16 but the bytes are single-byte text (no BOM, no
        // zero padding): the file was re-saved without updating it. Browsers read such
        // files as UTF-8 as well.
        Some(e) if e == UTF_16LE || e == UTF_16BE => utf8(bytes),
        Some(e) if e == UTF_8 => utf8(bytes),
        // `replacement` stands for encodings the standard refuses to decode (ISO-2022-KR, ...).
        Some(e) if e != encoding_rs::REPLACEMENT => decode_as(e, bytes),
        _ => Err(ParseError::new(
            ParseErrorKind::Encoding,
            Location::at(1, column),
            Text::new("parse.unknown_encoding").with("encoding", String::from_utf8_lossy(name)),
        )),
    }
}

/// The file as UTF-8 text with its XML declaration saying so: what is stored after a
/// deployment, so that reading the stored text back never decodes it a second time.
/// Line numbers are unchanged: only the declaration's `encoding` value may change.
pub fn utf8_text(bytes: &[u8]) -> Result<String, ParseError> {
    let mut text = decode(bytes)?.into_owned();
    if let Some(range) = encoding_value(text.as_bytes()) {
        let says_utf8 = text.get(range.clone()).is_some_and(|v| v.eq_ignore_ascii_case("utf-8"));
        // The range was found on ASCII bytes, so it lies on character boundaries.
        if !says_utf8 && text.get(range.clone()).is_some() {
            text.replace_range(range, "UTF-8");
        }
    }
    Ok(text)
}

/// Decodes with `encoding`; the first byte sequence that is not valid in it is refused where
/// it is.
fn decode_as<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Result<Cow<'a, str>, ParseError> {
    if encoding == UTF_8 {
        return utf8(bytes);
    }
    if encoding.is_ascii_compatible() && bytes.is_ascii() {
        // The usual case even for files declared windows-1252: nothing to convert.
        return utf8(bytes);
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::new();
    let mut read = 0;
    loop {
        let need = decoder.max_utf8_buffer_length_without_replacement(bytes.len() - read).unwrap_or(usize::MAX);
        text.reserve(need.min(bytes.len().saturating_mul(3)).max(16));
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += n;
        match result {
            DecoderResult::InputEmpty => return Ok(Cow::Owned(text)),
            DecoderResult::OutputFull => continue,
            // Decoding stops at the first bad sequence: it follows the text decoded so far.
            DecoderResult::Malformed(..) => break,
        }
    }
    let (line, column) = line_col(text.as_bytes(), text.len());
    Err(ParseError::new(
        ParseErrorKind::Encoding,
        Location::at(line, column),
        Text::new("parse.invalid_in_encoding").with("encoding", encoding.name()),
    ))
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
                Text::new("parse.invalid_utf8").with("byte", format!("{bad:02X}")),
            ))
        }
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
