//! `GET /engine`, `GET /version` and the OpenAPI document of the API.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::AppState;

/// The Camunda 7 REST version whose shapes this API follows; clients read it to choose
/// features.
pub const CAMUNDA_VERSION: &str = "7.22.0";

/// One fragment per resource; [`openapi`] merges their `paths` and `components.schemas`.
const FRAGMENTS: &[&str] = &[
    include_str!("openapi/base.json"),
    include_str!("openapi/deployments.json"),
    include_str!("openapi/definitions.json"),
    include_str!("openapi/instances.json"),
    include_str!("openapi/messages.json"),
    include_str!("openapi/tasks.json"),
    include_str!("openapi/external_tasks.json"),
    include_str!("openapi/history.json"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/engine", get(|| async { Json(json!([{"name": "default"}])) }))
        .route("/version", get(|| async { Json(json!({"version": CAMUNDA_VERSION})) }))
        .route("/openapi.json", get(openapi_json))
}

async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi().to_string()).into_response()
}

/// The whole OpenAPI document: the base fragment with every other fragment's paths and
/// schemas added.
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        merge(FRAGMENTS.iter().map(|f| {
            serde_json::from_str(f).unwrap_or_else(|e| {
                tracing::error!(error = %e, "an OpenAPI fragment of /engine-rest is not JSON");
                Value::Null
            })
        }))
    })
}

fn merge(fragments: impl Iterator<Item = Value>) -> Value {
    let mut doc = Map::new();
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for fragment in fragments {
        let Value::Object(mut f) = fragment else { continue };
        if let Some(Value::Object(p)) = f.remove("paths") {
            paths.extend(p);
        }
        if let Some(Value::Object(mut c)) = f.remove("components") {
            if let Some(Value::Object(s)) = c.remove("schemas") {
                schemas.extend(s);
            }
        }
        for (k, v) in f {
            doc.entry(k).or_insert(v);
        }
    }
    doc.insert("paths".into(), Value::Object(paths));
    doc.insert(
        "components".into(),
        json!({"schemas": schemas, "securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "bearer": {"type": "http", "scheme": "bearer"}
        }}),
    );
    doc.insert("security".into(), json!([{"basic": []}, {"bearer": []}]));
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fragment_is_json_and_paths_merge() {
        for f in FRAGMENTS {
            serde_json::from_str::<Value>(f).expect("fragment parses");
        }
        let doc = openapi();
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc["paths"]["/engine"].is_object());
        assert!(doc["paths"]["/version"].is_object());
    }

    /// Every `$ref` of every fragment names a schema some fragment defines.
    #[test]
    fn every_reference_resolves() {
        fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r);
                    }
                    m.values().for_each(|v| refs(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc = openapi();
        let mut found = Vec::new();
        refs(doc, &mut found);
        assert!(found.len() > 10, "the fragments use references");
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("local schema: {r}"));
            assert!(doc["components"]["schemas"][name].is_object(), "{r} is defined");
        }
        assert!(doc["paths"]["/process-instance/{id}/variables/{varName}"]["put"].is_object());
    }
}
