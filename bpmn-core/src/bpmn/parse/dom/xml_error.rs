//! quick-xml's errors as sentences in either language: each variant that a BPMN file can
//! cause has its catalog key (`parse.xml.*`) with the tag, name or position it names; only
//! what cannot come from reading a string in memory (I/O) keeps quick-xml's English.

use quick_xml::encoding::EncodingError;
use quick_xml::errors::{Error, IllFormedError, SyntaxError};
use quick_xml::escape::{EscapeError, ParseCharRefError};
use quick_xml::events::attributes::AttrError;
use quick_xml::name::NamespaceError;

use crate::text::Text;

/// A reader error.
pub(super) fn xml_error(e: &Error) -> Text {
    match e {
        Error::Syntax(s) => Text::new(match s {
            SyntaxError::InvalidBangMarkup => "parse.xml.invalid_bang",
            SyntaxError::UnclosedPIOrXmlDecl => "parse.xml.unclosed_pi",
            SyntaxError::UnclosedComment => "parse.xml.unclosed_comment",
            SyntaxError::UnclosedDoctype => "parse.xml.unclosed_doctype",
            SyntaxError::UnclosedCData => "parse.xml.unclosed_cdata",
            SyntaxError::UnclosedTag => "parse.xml.unclosed_tag",
        }),
        Error::IllFormed(i) => ill_formed(i),
        Error::InvalidAttr(a) => attr_error(a),
        Error::Encoding(e) => encoding_error(e),
        Error::Escape(e) => escape_error(e),
        Error::Namespace(n) => namespace_error(n),
        Error::Io(_) => Text::verbatim(e.to_string()),
    }
}

fn ill_formed(e: &IllFormedError) -> Text {
    match e {
        IllFormedError::MissingDeclVersion(None) => Text::new("parse.xml.decl_no_version"),
        IllFormedError::MissingDeclVersion(Some(first)) => {
            Text::new("parse.xml.decl_version_not_first").with("attribute", first)
        }
        IllFormedError::MissingDoctypeName => Text::new("parse.xml.doctype_no_name"),
        IllFormedError::MissingEndTag(tag) => Text::new("parse.xml.missing_end_tag").with("tag", tag),
        IllFormedError::UnmatchedEndTag(tag) => Text::new("parse.xml.unmatched_end_tag").with("tag", tag),
        IllFormedError::MismatchedEndTag { expected, found } => {
            Text::new("parse.xml.mismatched_end_tag").with("expected", expected).with("found", found)
        }
        IllFormedError::DoubleHyphenInComment => Text::new("parse.xml.double_hyphen"),
        IllFormedError::UnclosedReference => Text::new("parse.xml.unclosed_reference"),
    }
}

/// An attribute that cannot be read; its position counts from the tag name.
pub(super) fn attr_error(e: &AttrError) -> Text {
    match e {
        AttrError::ExpectedEq(_) => Text::new("parse.xml.attr_expected_eq"),
        AttrError::ExpectedValue(_) => Text::new("parse.xml.attr_expected_value"),
        AttrError::UnquotedValue(_) => Text::new("parse.xml.attr_unquoted"),
        AttrError::ExpectedQuote(_, quote) => {
            Text::new("parse.xml.attr_expected_quote").with("quote", char::from(*quote))
        }
        AttrError::Duplicated(_, _) => Text::new("parse.xml.attr_duplicated"),
    }
}

/// Text that is not valid in the file's encoding.
pub(super) fn encoding_error(e: &EncodingError) -> Text {
    match e {
        EncodingError::Utf8(u) => Text::new("parse.xml.not_utf8").with("offset", u.valid_up_to()),
        #[allow(unreachable_patterns)]
        other => Text::verbatim(other.to_string()),
    }
}

fn escape_error(e: &EscapeError) -> Text {
    match e {
        EscapeError::UnrecognizedEntity(_, name) => Text::new("parse.xml.unknown_entity").with("name", name),
        EscapeError::UnterminatedEntity(_) => Text::new("parse.xml.unterminated_entity"),
        EscapeError::InvalidCharRef(c) => char_ref_error(c),
    }
}

fn char_ref_error(e: &ParseCharRefError) -> Text {
    match e {
        ParseCharRefError::UnexpectedSign => Text::new("parse.xml.char_ref_sign"),
        ParseCharRefError::InvalidNumber(_) => Text::new("parse.xml.char_ref_number"),
        ParseCharRefError::InvalidCodepoint(n) => Text::new("parse.xml.char_ref_codepoint").with("n", n),
        ParseCharRefError::IllegalCharacter(n) => Text::new("parse.xml.char_ref_illegal").with("n", format!("{n:x}")),
    }
}

fn namespace_error(e: &NamespaceError) -> Text {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match e {
        NamespaceError::UnknownPrefix(p) => Text::new("parse.xml.unknown_prefix").with("prefix", lossy(p)),
        NamespaceError::InvalidXmlPrefixBind(ns) => Text::new("parse.xml.xml_prefix_bind").with("namespace", lossy(ns)),
        NamespaceError::InvalidXmlnsPrefixBind(ns) => {
            Text::new("parse.xml.xmlns_prefix_bind").with("namespace", lossy(ns))
        }
        NamespaceError::InvalidPrefixForXml(p) => Text::new("parse.xml.prefix_for_xml").with("prefix", lossy(p)),
        NamespaceError::InvalidPrefixForXmlns(p) => Text::new("parse.xml.prefix_for_xmlns").with("prefix", lossy(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    #[test]
    fn every_variant_a_file_can_cause_has_both_languages() {
        let cases: Vec<(Text, &str, &str)> = vec![
            (
                xml_error(&Error::IllFormed(IllFormedError::MismatchedEndTag {
                    expected: "bpmn:process".into(),
                    found: "bpmn:task".into(),
                })),
                "应为 </bpmn:process>，却出现了 </bpmn:task>",
                "expected </bpmn:process>, but </bpmn:task> was found",
            ),
            (xml_error(&Error::Syntax(SyntaxError::UnclosedTag)), "标签没有以 > 结束", "a tag is not closed with >"),
            (attr_error(&AttrError::ExpectedQuote(3, b'"')), "缺少结束引号 \"", "the closing quote \" is missing"),
            (
                xml_error(&Error::Escape(EscapeError::InvalidCharRef(ParseCharRefError::InvalidCodepoint(1_114_112)))),
                "1114112 不是有效的 Unicode 码位",
                "1114112 is not a valid Unicode code point",
            ),
            (
                xml_error(&Error::Namespace(NamespaceError::UnknownPrefix(b"foo".to_vec()))),
                "命名空间前缀“foo”未声明",
                "the namespace prefix 'foo' is not declared",
            ),
        ];
        for (text, zh, en) in cases {
            assert_eq!(text.render(Lang::Zh), zh);
            assert_eq!(text.render(Lang::En), en);
        }
    }
}
