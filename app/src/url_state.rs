//! A list's state in the address: tab, search, filters, sort and page live in the query
//! string (`/tasks?tab=overdue&q=王&after=…`), so a list can be shared as a link, reloaded
//! as it was, and Back returns to the previous tab, search or page.
//!
//! The page keeps its state in signals as before and names each one with a query key
//! ([`UrlField`]); [`keep_in_url`] reads them from the address when the page opens (on the
//! server too, so the first render already shows the right list), writes each change into
//! the address as one history entry, and follows the address when the user goes Back or
//! Forward.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

type Read = Arc<dyn Fn() -> Option<String> + Send + Sync>;
type Write = Arc<dyn Fn(Option<String>) + Send + Sync>;

/// One query key and the state it stands for: `read` gives its value for the address (none
/// when it is the default), `write` sets the state from the address (none: the default).
#[derive(Clone)]
pub struct UrlField {
    key: &'static str,
    read: Read,
    write: Write,
}

impl UrlField {
    /// A field of any kind, through two functions.
    pub fn new(
        key: &'static str,
        read: impl Fn() -> Option<String> + Send + Sync + 'static,
        write: impl Fn(Option<String>) + Send + Sync + 'static,
    ) -> UrlField {
        UrlField { key, read: Arc::new(read), write: Arc::new(write) }
    }

    /// A text (a search box's applied value); empty is left out.
    pub fn text(key: &'static str, s: RwSignal<String>) -> UrlField {
        UrlField::new(
            key,
            move || Some(s.get()).filter(|v| !v.is_empty()),
            move |v| {
                let v = v.unwrap_or_default();
                if s.with_untracked(|cur| *cur != v) {
                    s.set(v);
                }
            },
        )
    }

    /// A choice among named values (a tab, a sort order); `names` gives each value its word
    /// in the address, the first one being the default, which is left out.
    pub fn choice<T>(key: &'static str, s: RwSignal<T>, names: &'static [(T, &'static str)]) -> UrlField
    where
        T: Copy + PartialEq + Send + Sync + 'static,
    {
        UrlField::new(
            key,
            move || {
                let v = s.get();
                names.iter().skip(1).find(|(n, _)| *n == v).map(|(_, w)| (*w).to_string())
            },
            move |w| {
                let v = w.and_then(|w| names.iter().find(|(_, n)| *n == w)).or(names.first()).map(|(v, _)| *v);
                if let Some(v) = v.filter(|v| s.with_untracked(|cur| cur != v)) {
                    s.set(v);
                }
            },
        )
    }

    /// A flag, `1` when set.
    pub fn flag(key: &'static str, s: RwSignal<bool>) -> UrlField {
        UrlField::new(
            key,
            move || s.get().then(|| "1".to_string()),
            move |v| {
                let on = v.as_deref() == Some("1");
                if s.get_untracked() != on {
                    s.set(on);
                }
            },
        )
    }

    /// The page of a keyset-paged list: the cursor of the page shown (the first page has
    /// none). Opened from the address, Previous leads to the first page.
    pub fn page(key: &'static str, cursors: RwSignal<Vec<Option<String>>>) -> UrlField {
        UrlField::new(
            key,
            move || cursors.with(|c| c.last().cloned().flatten()),
            move |v| {
                if cursors.with_untracked(|c| c.last().cloned().flatten()) != v {
                    cursors.set(match v {
                        Some(c) => vec![None, Some(c)],
                        None => vec![None],
                    });
                }
            },
        )
    }
}

/// Keeps `fields` in the address of the current page (see the module documentation).
pub fn keep_in_url(fields: Vec<UrlField>) {
    let query = use_query_map();
    let start = query.get_untracked();
    for f in &fields {
        (f.write)(start.get(f.key));
    }
    let fields = Arc::new(fields);
    // The state into the address: one history entry per change.
    let location = use_location();
    let navigate = use_navigate();
    let out = fields.clone();
    Effect::new(move |_| {
        let values: Vec<(&str, Option<String>)> = out.iter().map(|f| (f.key, (f.read)())).collect();
        let shown = query.get_untracked();
        if values.iter().any(|(k, v)| shown.get(k) != *v) {
            let pairs: Vec<(&str, String)> = values.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
            let wanted = query_string(&pairs);
            let path = location.pathname.get_untracked();
            let url = if wanted.is_empty() { path } else { format!("{path}?{wanted}") };
            navigate(&url, NavigateOptions { scroll: false, ..NavigateOptions::default() });
        }
    });
    // The address into the state: Back and Forward.
    Effect::new(move |_| {
        let q = query.get();
        for f in fields.iter() {
            (f.write)(q.get(f.key));
        }
    });
}

/// `key=value&…`, each part percent-encoded.
fn query_string(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_encoded() {
        let q = query_string(&[("tab", "overdue".into()), ("q", "王芳 & co".into())]);
        assert_eq!(q, "tab=overdue&q=%E7%8E%8B%E8%8A%B3%20%26%20co");
        assert_eq!(query_string(&[]), "");
    }
}
