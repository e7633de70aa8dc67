//! The XML text kept in the database.
//!
//! A deployment stores the file as UTF-8 text (a `TEXT` column), never as bytes: both
//! databases search, show and diff text, and the model editor works on it. The parser also
//! accepts other encodings (windows-1252, GBK, UTF-16, ...), so such a file is transcoded and
//! its XML declaration rewritten to say UTF-8; otherwise the stored text, read back, would be
//! decoded a second time and every accented or Chinese name would come out garbled.

use std::ops::Range;

use crate::bpmn::parse::encoding::{encoding_value, utf8_text};

/// The text of a file the parser accepted, as UTF-8 that re-parses to the same model.
///
/// Line numbers are unchanged (only the value of the `encoding` pseudo-attribute on the
/// first line may change), so positions reported for the stored text match the file.
pub(crate) fn stored_text(bytes: &[u8]) -> String {
    // The parser decoded the file the same way, so this cannot fail for a parsed file;
    // lossy conversion is a mere safety net.
    utf8_text(bytes).unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}

/// Text typed or pasted into the model editor is Unicode whatever its XML declaration says,
/// so a declared encoding other than UTF-8 is corrected rather than obeyed.
pub(crate) fn editor_text(text: &str) -> String {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    match encoding_value(text.as_bytes()) {
        Some(range) if !text.get(range.clone()).is_some_and(|v| v.eq_ignore_ascii_case("utf-8")) => {
            replace_range(text.to_string(), range, "UTF-8")
        }
        _ => text.to_string(),
    }
}

fn replace_range(mut text: String, range: Range<usize>, with: &str) -> String {
    // The range was found on ASCII bytes, so it lies on character boundaries; `get` keeps
    // this panic-free even if that ever stopped being true.
    if text.get(range.clone()).is_some() {
        text.replace_range(range, with);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_as_is_without_bom() {
        let file = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a name=\"报销\"/>";
        assert_eq!(stored_text(file.as_bytes()), &file[3..]);
    }

    #[test]
    fn latin1_is_transcoded_and_redeclared() {
        let mut file = b"<?xml version='1.0' encoding='ISO-8859-1'?>\n<a name='Caf".to_vec();
        file.extend_from_slice(b"\xE9'/>");
        assert_eq!(stored_text(&file), "<?xml version='1.0' encoding='UTF-8'?>\n<a name='Café'/>");
    }

    #[test]
    fn gbk_and_utf16_are_transcoded() {
        // 报销 in GBK.
        let gbk = b"<?xml version=\"1.0\" encoding=\"GBK\"?>\n<a name=\"\xB1\xA8\xCF\xFA\"/>";
        assert_eq!(stored_text(gbk), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a name=\"报销\"/>");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<?xml version='1.0' encoding='UTF-16'?><a name='é'/>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(stored_text(&utf16), "<?xml version='1.0' encoding='UTF-8'?><a name='é'/>");
    }

    #[test]
    fn no_declaration_no_change() {
        assert_eq!(stored_text(b"<a/>"), "<a/>");
        assert_eq!(stored_text(b"<?xml version=\"1.0\"?><a/>"), "<?xml version=\"1.0\"?><a/>");
    }

    #[test]
    fn editor_text_always_declares_utf8() {
        assert_eq!(
            editor_text("<?xml version=\"1.0\" encoding=\"latin1\"?><a/>"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>"
        );
        assert_eq!(
            editor_text("<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>"
        );
        assert_eq!(editor_text("\u{FEFF}<a/>"), "<a/>");
    }
}
