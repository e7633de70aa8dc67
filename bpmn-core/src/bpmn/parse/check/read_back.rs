//! The sentence of a reason or warning, read back from its English.
//!
//! The reasons of [`check_executable`](super::check_executable) and the deploy warnings are
//! stored and sent as English strings (`Unsupported::reason`, `Warning::text`): the REST API,
//! the stored definitions and older clients all read that field. Each is the English of a
//! `check.*` text, so the text can be found again by matching the English against the
//! catalog's English templates: the console then shows it in the user's language, even for a
//! reason stored long ago. A string that matches no template (stored by an older version,
//! written by hand) comes back as it is.
//!
//! Values named `what` or `fix` are read back as nested texts (`check.subject.*`,
//! `check.fix.*`, `check.diagram.value.*`), and `error` as an expression's or a timer's error
//! (`run.expr.*`, `run.schedule.*`, `run.cron.*`, whose own parts are read back the same way);
//! every other value is plain. A template's placeholders are separated by text, so that each
//! value has one place to end.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::text::{catalog_keys, Arg, Lang, Text};

/// The key of the reason wrapping a deploy warning, `ignored by the engine: {what}`.
pub(crate) const IGNORED_KEY: &str = "check.ignored_by_engine";

/// Keys only ever found inside another check sentence, as its `what` or `fix`.
const FRAGMENTS: &[&str] = &["check.fix.", "check.subject.", "check.diagram.value."];

/// The values that hold a nested text.
const NESTED: &[&str] = &["what", "fix"];

/// The keys of the details a check sentence's `error` holds: an expression's or a schedule's.
const DETAILS: &[&str] = &["run.expr.", "run.schedule.", "run.cron."];

/// The values of a detail that may hold another detail.
const DETAIL_NESTED: &[&str] = &["what", "value", "a", "b", "reason", "kind", "error", "wanted", "known", "field"];

/// Which sentences a template belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// A whole check sentence.
    Check,
    /// A `what` or `fix` inside one.
    Fragment,
    /// An `error` inside one, or a part of such an error.
    Detail,
}

/// A piece of an English template.
enum Piece {
    Literal(String),
    Value(String),
}

struct Template {
    key: &'static str,
    pieces: Vec<Piece>,
    /// The characters of the template outside its values: the more, the more specific.
    literal_len: usize,
    family: Family,
}

fn templates() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        catalog_keys()
            .filter_map(|key| {
                let family = if DETAILS.iter().any(|d| key.starts_with(d)) {
                    Family::Detail
                } else if !key.starts_with("check.") || key == IGNORED_KEY {
                    return None;
                } else if FRAGMENTS.iter().any(|f| key.starts_with(f)) {
                    Family::Fragment
                } else {
                    Family::Check
                };
                // Without values, each placeholder shows as `{name}` (and `{{` as `{`).
                let pieces = pieces(&Text::new(key).render(Lang::En));
                let literal_len = pieces.iter().map(|p| if let Piece::Literal(l) = p { l.len() } else { 0 }).sum();
                Some(Template { key, pieces, literal_len, family })
            })
            .collect()
    })
}

/// Splits a template rendered without values into text and `{name}` placeholders (a name is
/// snake case; other braces are text).
fn pieces(template: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        literal.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let name = after.find('}').map(|end| &after[..end]);
        match name
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
        {
            Some(name) => {
                if !literal.is_empty() {
                    out.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                out.push(Piece::Value(name.to_owned()));
                rest = &after[name.len() + 1..];
            }
            None => {
                literal.push('{');
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Piece::Literal(literal));
    }
    out
}

/// Fills `values` (name, value) so that `pieces` read `s`; each value ends at the first
/// place where the rest still fits.
fn fit_values<'t>(pieces: &'t [Piece], s: &str, values: &mut Vec<(&'t str, String)>) -> bool {
    match pieces.split_first() {
        None => s.is_empty(),
        Some((Piece::Literal(l), rest)) => s.strip_prefix(l.as_str()).is_some_and(|s| fit_values(rest, s, values)),
        Some((Piece::Value(name), rest)) => match rest.first() {
            None => {
                values.push((name, s.to_owned()));
                true
            }
            Some(Piece::Literal(next)) => {
                let mut from = 0;
                while let Some(i) = s[from..].find(next.as_str()).map(|i| from + i) {
                    let n = values.len();
                    values.push((name, s[..i].to_owned()));
                    if fit_values(rest, &s[i..], values) {
                        return true;
                    }
                    values.truncate(n);
                    from = i + s[i..].chars().next().map_or(1, char::len_utf8);
                }
                false
            }
            // Two values side by side: where one ends is anyone's guess.
            Some(Piece::Value(_)) => false,
        },
    }
}

/// The most specific template of `family` that reads `s`.
fn read(s: &str, family: Family) -> Option<Text> {
    let mut best: Option<(&Template, Vec<(&str, String)>)> = None;
    for t in templates().iter().filter(|t| t.family == family) {
        if best.as_ref().is_some_and(|(b, _)| b.literal_len >= t.literal_len) {
            continue;
        }
        let mut values = Vec::new();
        if fit_values(&t.pieces, s, &mut values) {
            best = Some((t, values));
        }
    }
    let (t, values) = best?;
    let mut text = Text::new(t.key);
    for (name, value) in values {
        let nested = match (family, name) {
            (Family::Detail, n) if DETAIL_NESTED.contains(&n) => read(&value, Family::Detail),
            (Family::Detail, _) => None,
            (_, "error") => read(&value, Family::Detail),
            (_, n) if NESTED.contains(&n) => read(&value, Family::Fragment),
            _ => None,
        };
        let arg = match nested {
            Some(nested) => Arg::Text(nested),
            None => Arg::Plain(value),
        };
        text.args.push((Cow::Owned(name.to_owned()), arg));
    }
    Some(text)
}

/// The text of a reason of [`check_executable`](super::check_executable), or of a deploy
/// warning in the shape of one (`ignored by the engine: ...`).
pub(crate) fn reason(reason: &str) -> Text {
    if let Some(what) = reason.strip_prefix(crate::bpmn::parse::IGNORED).and_then(|rest| rest.strip_prefix(": ")) {
        return Text::new(IGNORED_KEY).with_text("what", warning(what));
    }
    read(reason, Family::Check).unwrap_or_else(|| Text::verbatim(reason))
}

/// The text of a deploy warning's `text` (something ignored, a diagram defect).
pub(crate) fn warning(text: &str) -> Text {
    read(text, Family::Check).unwrap_or_else(|| Text::verbatim(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every check sentence, filled with distinct values, reads back as itself.
    #[test]
    fn every_check_template_reads_back() {
        for t in templates() {
            let mut text = Text::new(t.key);
            for (i, p) in t.pieces.iter().enumerate() {
                if let Piece::Value(name) = p {
                    text.args.push((Cow::Owned(name.clone()), Arg::Plain(format!("v{i}"))));
                }
            }
            assert!(
                !t.pieces.windows(2).any(|w| matches!(w, [Piece::Value(_), Piece::Value(_)])),
                "{}: two values side by side",
                t.key
            );
            let english = text.english();
            let back = read(&english, t.family).unwrap_or_else(|| panic!("{}: {english:?} not read back", t.key));
            assert_eq!(back.key, t.key, "{english:?}");
            assert_eq!(back.render(Lang::Zh), text.render(Lang::Zh), "{}", t.key);
        }
    }

    #[test]
    fn the_ignored_wrapper_is_the_reason_of_a_warning() {
        let wrapped = Text::new(IGNORED_KEY).with("what", "x");
        assert_eq!(wrapped.english(), format!("{}: x", crate::bpmn::parse::IGNORED));
    }

    #[test]
    fn unknown_sentences_come_back_as_they_are() {
        assert_eq!(reason("something else entirely"), Text::verbatim("something else entirely"));
        assert_eq!(warning(""), Text::verbatim(""));
    }

    #[test]
    fn nested_subjects_and_fixes_are_read_back() {
        let t = reason("the camunda:taskListener's script has no script text; write the script or remove it");
        assert_eq!(t.key, "check.script_empty");
        assert_eq!(t.render(Lang::Zh), "camunda:taskListener 的脚本没有脚本内容；请编写脚本或将其删除");
        let t = reason("ignored by the engine: follow-up date (camunda:followUpDate)");
        assert_eq!(t.render(Lang::Zh), "引擎已忽略：跟进日期（camunda:followUpDate）");
    }
}
