//! Pieces shared by the query endpoints of tasks, history, incidents and jobs: Camunda's list
//! parameters (`tenantIdIn=a,b` in a query, an array in a body), its sorting (`sortBy` +
//! `sortOrder`, or a body's `sorting` array), dates in parameters, the offset window and the
//! count answer.

use std::fmt;

use engine::history::{Sorting, Window};
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::types::parse_camunda_date;
use super::{page, RestError, RestResult};

/// A list parameter: comma-separated in a query string, an array (or one string) in a body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct List(pub Vec<String>);

/// Reads a [`List`] from a string or an array.
struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = List;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a comma-separated list or an array of strings")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<List, E> {
        Ok(List(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element::<String>()? {
            out.push(s);
        }
        Ok(List(out))
    }
}

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

/// The values of an optional list.
pub(super) fn list(l: &Option<List>) -> Vec<String> {
    l.as_ref().map(|l| l.0.clone()).unwrap_or_default()
}

/// One entry of a body's `sorting` array.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SortParam {
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
}

/// The order asked for: `sortBy` with `sortOrder` (both or neither), or a body's `sorting`
/// entries, each key one of `keys` (Camunda's name, the engine's key).
pub(super) fn sorting<K: Copy>(
    sort_by: Option<&str>,
    sort_order: Option<&str>,
    body: Option<&[SortParam]>,
    keys: &[(&str, K)],
) -> RestResult<Vec<Sorting<K>>> {
    let one = |by: Option<&str>, order: Option<&str>| -> RestResult<Option<Sorting<K>>> {
        match (by, order) {
            (None, None) => Ok(None),
            (Some(by), Some(order)) => {
                let key = keys.iter().find(|(name, _)| *name == by).map(|(_, k)| *k).ok_or_else(|| {
                    let names: Vec<&str> = keys.iter().map(|(n, _)| *n).collect();
                    RestError::invalid(format!(
                        "Cannot set query parameter 'sortBy' to value '{by}'; use one of {}.",
                        names.join(", ")
                    ))
                })?;
                let descending = match order {
                    "asc" => false,
                    "desc" => true,
                    _ => {
                        return Err(RestError::invalid(format!(
                            "Cannot set query parameter 'sortOrder' to value '{order}'; use asc or desc."
                        )))
                    }
                };
                Ok(Some(Sorting { key, descending }))
            }
            _ => Err(RestError::invalid(
                "Only a single sorting parameter specified. sortBy and sortOrder required; send both or neither.",
            )),
        }
    };
    let mut out: Vec<Sorting<K>> = one(sort_by, sort_order)?.into_iter().collect();
    for s in body.unwrap_or_default() {
        out.extend(one(s.sort_by.as_deref(), s.sort_order.as_deref())?);
    }
    Ok(out)
}

/// A date parameter named `name` as epoch milliseconds, or a refusal naming the format.
pub(super) fn date_param(name: &str, value: Option<&str>) -> RestResult<Option<i64>> {
    value
        .map(|v| {
            parse_camunda_date(v).ok_or_else(|| {
                RestError::invalid(format!(
                    "Cannot set query parameter '{name}' to value '{v}': use a date such as \
                     2026-12-07T09:00:00.000+0800."
                ))
            })
        })
        .transpose()
}

/// The rows of a list page: `firstResult`, `maxResults` (see [`page`]).
pub(super) fn window(first_result: Option<i64>, max_results: Option<i64>) -> Window {
    let (first, max) = page(first_result, max_results);
    Window { first, max }
}

/// Camunda's count answer, `{"count": n}`.
pub(super) fn count(n: i64) -> Value {
    json!({ "count": n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct P {
        tenant_id_in: Option<List>,
    }

    #[test]
    fn lists_read_from_queries_and_bodies() {
        let uri: axum::http::Uri = "/task?tenantIdIn=a,b".parse().unwrap();
        let q: P = axum::extract::Query::try_from_uri(&uri).unwrap().0;
        assert_eq!(list(&q.tenant_id_in), ["a", "b"]);
        let b: P = serde_json::from_str(r#"{"tenantIdIn": ["a", "c"]}"#).unwrap();
        assert_eq!(list(&b.tenant_id_in), ["a", "c"]);
    }

    #[test]
    fn sorting_needs_both_parameters_and_a_known_key() {
        let keys = [("name", 1), ("created", 2)];
        let s = sorting(Some("name"), Some("desc"), None, &keys).unwrap();
        assert_eq!(s, [Sorting { key: 1, descending: true }]);
        let e = sorting(Some("name"), None, None, &keys).unwrap_err();
        assert!(e.message.contains("sortBy and sortOrder required"), "{}", e.message);
        let e = sorting(Some("size"), Some("asc"), None, &keys).unwrap_err();
        assert!(e.message.contains("name, created"), "{}", e.message);
        let body = [SortParam { sort_by: Some("created".into()), sort_order: Some("asc".into()) }];
        assert_eq!(sorting(None, None, Some(&body), &keys).unwrap(), [Sorting { key: 2, descending: false }]);
    }
}
