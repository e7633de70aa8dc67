//! The message catalog: (key, 中文, English) per sentence, one file per area so that each
//! area's sentences sit together. Keys are `area.what` in snake case.

use super::Lang;

mod common;
mod details;
mod identity;
mod jobs;
mod parse;
mod repo;
mod request;
mod runtime;
mod xml;

/// Every area's sentences.
const AREAS: &[&[(&str, &str, &str)]] = &[
    common::MESSAGES,
    parse::MESSAGES,
    runtime::MESSAGES,
    details::MESSAGES,
    jobs::MESSAGES,
    xml::MESSAGES,
    repo::MESSAGES,
    identity::MESSAGES,
    request::MESSAGES,
];

/// The template of `key` in `lang`.
pub(super) fn lookup(key: &str, lang: Lang) -> Option<&'static str> {
    all().find(|(k, _, _)| *k == key).map(|(_, zh, en)| match lang {
        Lang::Zh => zh,
        Lang::En => en,
    })
}

/// Every entry.
pub(super) fn all() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    AREAS.iter().flat_map(|area| area.iter().copied())
}
