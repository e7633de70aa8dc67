//! Sentences for people, in the console's two languages.
//!
//! Whoever refuses (the parser, a rule, the engine) says *what* as a [`Text`]: a key of the
//! message catalog and the named values that fill it. The REST API answers with the English
//! rendering beside the code; the console renders the same `Text` in the language the user
//! chose. The catalog lives here, in the pure core, because the browser needs it too.
//!
//! Templates name their values in braces (`{id}`); `{{` and `}}` are literal braces. A value
//! may itself be a `Text` (the thing a "not found" is about, a parse error inside a
//! deployment refusal), rendered in the same language.

mod catalog;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The value stored in the language cookie and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads such a value; anything unknown means Chinese.
    pub fn from_code(code: &str) -> Lang {
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// A sentence: a catalog key and the values its template names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub key: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(Cow<'static, str>, Arg)>,
}

/// A value of a [`Text`]: plain (an id, a number, a name from the user's file) or itself a
/// sentence or word to translate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Plain(String),
    Text(Text),
}

/// The key of a text that is not in the catalog: its one value is shown as it is, in every
/// language (a message from outside, such as a database's or an HTTP peer's).
const VERBATIM: &str = "verbatim";

impl Text {
    /// The sentence of catalog key `key`. Keys are literals (`Text::new("task.not_yours")`),
    /// so that a test can find each one in the catalog.
    pub fn new(key: &'static str) -> Text {
        Text { key: Cow::Borrowed(key), args: Vec::new() }
    }

    /// A sentence from outside that is shown as it is.
    pub fn verbatim(s: impl Into<String>) -> Text {
        Text::new(VERBATIM).with("text", s.into())
    }

    /// Fills `{name}` with `value`.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Text {
        self.args.push((Cow::Borrowed(name), Arg::Plain(value.to_string())));
        self
    }

    /// Fills `{name}` with another text, rendered in the same language.
    pub fn with_text(mut self, name: &'static str, value: Text) -> Text {
        self.args.push((Cow::Borrowed(name), Arg::Text(value)));
        self
    }

    /// Several sentences as one, separated as each language separates list items (`；` and
    /// `; `). None gives an empty text.
    pub fn list(items: impl IntoIterator<Item = Text>) -> Text {
        let mut items = items.into_iter();
        let Some(first) = items.next() else { return Text::verbatim("") };
        items.fold(first, |acc, next| Text::new("error.list_pair").with_text("a", acc).with_text("b", next))
    }

    /// The sentence in `lang`. An unknown key shows itself and its values, so that a gap is
    /// visible, not fatal.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        self.render_into(lang, &mut out);
        out
    }

    /// The English sentence (what the REST API and the logs carry).
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }

    fn render_into(&self, lang: Lang, out: &mut String) {
        if self.key == VERBATIM {
            self.arg_into("text", lang, out);
            return;
        }
        let Some(template) = catalog::lookup(&self.key, lang) else {
            out.push_str(&self.key);
            for (name, _) in &self.args {
                out.push_str(if out.ends_with(&*self.key) { " (" } else { ", " });
                out.push_str(name);
                out.push_str(": ");
                self.arg_into(name, lang, out);
            }
            if !self.args.is_empty() {
                out.push(')');
            }
            return;
        };
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            let brace = rest.as_bytes()[i];
            rest = &rest[i + 1..];
            if rest.as_bytes().first() == Some(&brace) {
                out.push(brace as char);
                rest = &rest[1..];
            } else if brace == b'{' {
                match rest.find('}') {
                    Some(end) => {
                        self.arg_into(&rest[..end], lang, out);
                        rest = &rest[end + 1..];
                    }
                    None => out.push('{'),
                }
            } else {
                out.push('}');
            }
        }
        out.push_str(rest);
    }

    fn arg_into(&self, name: &str, lang: Lang, out: &mut String) {
        match self.args.iter().find(|(n, _)| n == name).map(|(_, a)| a) {
            Some(Arg::Plain(s)) => out.push_str(s),
            Some(Arg::Text(t)) => t.render_into(lang, out),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
    }

    /// The form kept in a database column: the JSON of key and values.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.english())
    }

    /// The stored form cut to at most `max` bytes: the JSON when it fits, else the English
    /// sentence cut on a character boundary (shown as it is).
    pub fn to_stored_within(&self, max: usize) -> String {
        let stored = self.to_stored();
        if stored.len() <= max {
            return stored;
        }
        let english = self.english();
        let cut = english.char_indices().map(|(i, _)| i).take_while(|&i| i + 64 <= max).last().unwrap_or(0);
        Text::verbatim(format!("{}…", &english[..cut])).to_stored()
    }

    /// A sentence read from a database column: the JSON of a `Text`, or plain text (a row
    /// written before sentences were stored typed, a message from outside) shown as it is.
    pub fn from_stored(stored: &str) -> Text {
        if stored.starts_with("{\"key\":") {
            if let Ok(t) = serde_json::from_str::<Text>(stored) {
                return t;
            }
        }
        Text::verbatim(stored)
    }

    /// The plain value named `name`, if any (for tests and for callers that need an id back).
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(n, _)| n == name).and_then(|(_, a)| match a {
            Arg::Plain(s) => Some(s.as_str()),
            Arg::Text(_) => None,
        })
    }
}

/// In tests a plain string stands for the sentence shown as it is.
#[cfg(test)]
impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::verbatim(s)
    }
}

#[cfg(test)]
impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::verbatim(s)
    }
}

impl std::fmt::Display for Text {
    /// The English sentence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// The catalog keys whose sentence holds `word` (in lower case) in either language, outside
/// the values it names: how a search finds a stored sentence (`Text::to_stored`, which holds
/// the key, not the words) by the words people read. At most `max`; `None` when more match
/// (a word too common to tell sentences apart).
pub fn keys_with_word(word: &str, max: usize) -> Option<Vec<&'static str>> {
    let word = word.to_lowercase();
    let holds = |template: &str| {
        // The template's words alone: `{url}` is filled by a value, searched as it is stored.
        let mut words = String::with_capacity(template.len());
        let mut depth = 0usize;
        for c in template.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                c if depth == 0 => words.extend(c.to_lowercase()),
                _ => {}
            }
        }
        words.contains(&word)
    };
    let keys: Vec<&'static str> =
        catalog::all().filter(|(_, zh, en)| holds(zh) || holds(en)).map(|(k, _, _)| k).collect();
    (keys.len() <= max).then_some(keys)
}

/// Every catalog key with its two templates, for tests of other crates (every key they use
/// exists; no template names a value the other language lacks).
pub fn catalog_keys() -> impl Iterator<Item = &'static str> {
    catalog::all().map(|(k, _, _)| k)
}

#[cfg(test)]
mod tests;
