//! Camunda's typed variables (`{"value": 5000, "type": "Long", "valueInfo": {}}`) and dates
//! (`2026-12-07T09:00:00.000+0000`), to and from the engine's JSON values.
//!
//! The engine keeps variables as JSON: strings, numbers, booleans, `null`, objects and arrays.
//! Going out, a whole number is an `Integer` when it fits 32 bits and a `Long` otherwise, a
//! fraction a `Double`, an object or array `Json` (its text as the value, as Camunda's Spin
//! does), a text in the exact form a `Date` is kept in a `Date`. Coming in, each Camunda type
//! is checked and converted: a `Date` is kept as its ISO 8601 text (UTC, milliseconds), `Json`
//! and `Object` (`application/json`) are parsed, `Null` is `null`; a value without a type is
//! taken as the JSON it is.

use bpmn_core::schedule::parse_datetime;
use bpmn_core::time::iso8601;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::RestError;

/// One typed value as a request carries it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TypedValue {
    #[serde(default)]
    pub value: Value,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "valueInfo", default, skip_serializing_if = "Option::is_none")]
    pub value_info: Option<Map<String, Value>>,
}

/// A value as Camunda answers it: `{"type", "value", "valueInfo"}`.
pub fn typed(v: &Value) -> Value {
    match v {
        Value::Null => json!({"type": "Null", "value": null, "valueInfo": {}}),
        Value::Bool(b) => json!({"type": "Boolean", "value": b, "valueInfo": {}}),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => json!({"type": "Integer", "value": i, "valueInfo": {}}),
            Some(i) => json!({"type": "Long", "value": i, "valueInfo": {}}),
            None => json!({"type": "Double", "value": n, "valueInfo": {}}),
        },
        Value::String(s) => match stored_date(s) {
            Some(ms) => json!({"type": "Date", "value": camunda_date(ms), "valueInfo": {}}),
            None => json!({"type": "String", "value": s, "valueInfo": {}}),
        },
        Value::Array(_) | Value::Object(_) => json!({"type": "Json", "value": v.to_string(), "valueInfo": {}}),
    }
}

/// The time of a text exactly as a `Date` value is stored (`2026-12-07T01:00:00.000Z`, what
/// [`untyped`] keeps of a `Date`), so that dates go out as the `Date`s they came in as.
fn stored_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let shaped = b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z';
    shaped.then(|| parse_camunda_date(s)).flatten().filter(|ms| iso8601(*ms) == s)
}

/// Every variable of `vars` typed, as a JSON object keyed by name.
pub fn typed_map(vars: &Map<String, Value>) -> Value {
    Value::Object(vars.iter().map(|(k, v)| (k.clone(), typed(v))).collect())
}

/// The engine's value of one typed value named `name`, or a refusal that names the variable,
/// its type and what would be accepted.
pub fn untyped(name: &str, t: TypedValue) -> Result<Value, RestError> {
    let kind = t.kind.as_deref().map(str::trim).unwrap_or("");
    let shown = short(&t.value);
    let wrong = |expected: &str| {
        RestError::invalid(format!(
            "Cannot convert the value of variable '{name}' to type {kind}: {shown} is not {expected}."
        ))
    };
    Ok(match kind.to_ascii_lowercase().as_str() {
        "" => t.value,
        "null" => Value::Null,
        "string" => match t.value {
            Value::String(s) => Value::String(s),
            Value::Null => Value::Null,
            other => Value::String(other.to_string()),
        },
        "boolean" => match &t.value {
            Value::Bool(b) => Value::Bool(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            Value::Null => Value::Null,
            _ => return Err(wrong("true or false")),
        },
        "integer" | "long" | "short" => {
            let (lo, hi) = match kind.to_ascii_lowercase().as_str() {
                "short" => (i64::from(i16::MIN), i64::from(i16::MAX)),
                "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            let n = match &t.value {
                Value::Null => return Ok(Value::Null),
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(n) if (lo..=hi).contains(&n) => Value::from(n),
                _ => return Err(wrong(&format!("a whole number between {lo} and {hi}"))),
            }
        }
        "double" => match &t.value {
            Value::Null => Value::Null,
            Value::Number(n) => Value::Number(n.clone()),
            Value::String(s) => match s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) => Value::Number(n),
                None => return Err(wrong("a number")),
            },
            _ => return Err(wrong("a number")),
        },
        "date" => match &t.value {
            Value::Null => Value::Null,
            Value::String(s) => match parse_camunda_date(s) {
                Some(ms) => Value::String(iso8601(ms)),
                None => return Err(wrong("a date such as 2026-12-07T09:00:00.000+0800")),
            },
            _ => return Err(wrong("a date such as 2026-12-07T09:00:00.000+0800")),
        },
        "xml" => {
            return Err(RestError::invalid(format!(
                "Variable '{name}': XML values are not supported; send the data as type Json."
            )))
        }
        "json" | "object" => match &t.value {
            Value::String(s) => serde_json::from_str(s).map_err(|_| wrong("JSON text"))?,
            other => other.clone(),
        },
        "bytes" | "file" => {
            return Err(RestError::invalid(format!(
                "Variable '{name}': {kind} values are not supported; send the data as type String or Json."
            )))
        }
        _ => {
            return Err(RestError::invalid(format!(
                "Variable '{name}' has the unknown type '{kind}'; use String, Integer, Long, Short, Double, Boolean, \
                 Date, Json, Object or Null."
            )))
        }
    })
}

/// A request's `variables` object (`{"name": {"value", "type"}}`) as the engine's variables.
pub fn untyped_map(vars: Option<Map<String, Value>>) -> Result<Map<String, Value>, RestError> {
    let mut out = Map::new();
    for (name, v) in vars.unwrap_or_default() {
        let t: TypedValue = match v {
            Value::Object(o) if o.contains_key("value") || o.contains_key("type") => {
                serde_json::from_value(Value::Object(o)).map_err(|e| {
                    RestError::invalid(format!("Variable '{name}' is not a typed value {{\"value\", \"type\"}}: {e}."))
                })?
            }
            Value::Null => TypedValue { value: Value::Null, kind: Some("Null".into()), value_info: None },
            other => {
                return Err(RestError::invalid(format!(
                    "Variable '{name}' must be an object {{\"value\": ..., \"type\": ...}}, not {}.",
                    short(&other)
                )))
            }
        };
        out.insert(name.clone(), untyped(&name, t)?);
    }
    Ok(out)
}

/// Epoch milliseconds in Camunda's date format, `2026-12-07T09:00:00.000+0000`.
pub fn camunda_date(ms: i64) -> String {
    let iso = iso8601(ms);
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// `camunda_date` for an optional time.
pub fn camunda_date_opt(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(camunda_date(ms)))
}

/// A date in Camunda's format (or any ISO 8601 date-time) as epoch milliseconds.
pub fn parse_camunda_date(text: &str) -> Option<i64> {
    parse_datetime(text).ok()
}

/// A tenant as Camunda names it: the console's default tenant is Camunda's "no tenant"
/// (`null`), where deployments without a `tenant-id` go.
pub fn tenant_out(tenant_id: &str) -> Value {
    if tenant_id == engine::demo::DEFAULT_TENANT {
        Value::Null
    } else {
        Value::String(tenant_id.to_owned())
    }
}

/// The tenants a list asks for: `tenantIdIn` (comma-separated), with `withoutTenantId`
/// meaning the console's default tenant.
pub fn tenants_in(tenant_id_in: Option<&str>, without_tenant_id: Option<bool>) -> Vec<String> {
    let mut out = list(tenant_id_in);
    if without_tenant_id == Some(true) {
        out.push(engine::demo::DEFAULT_TENANT.to_owned());
    }
    out
}

/// The items of a comma-separated list parameter (`a,b,c`), trimmed, without empty ones.
pub fn list(text: Option<&str>) -> Vec<String> {
    text.map(|t| t.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
}

/// Whether `sortOrder` asks for descending order: `asc` (the default) or `desc`.
pub fn descending(sort_order: Option<&str>) -> Result<bool, RestError> {
    match sort_order.map(str::trim) {
        None | Some("") | Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        Some(other) => Err(RestError::invalid(format!(
            "Cannot set query parameter 'sortOrder' to value '{other}': use asc or desc."
        ))),
    }
}

/// A `…Like` parameter as plain text: Camunda's `%` wildcards stripped (the engine matches a
/// substring).
pub fn like(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim_matches('%').to_owned()).filter(|t| !t.is_empty())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tv(value: Value, kind: &str) -> TypedValue {
        TypedValue { value, kind: Some(kind.into()), value_info: None }
    }

    #[test]
    fn answers_types_as_camunda_does() {
        assert_eq!(typed(&json!(5))["type"], "Integer");
        assert_eq!(typed(&json!(5_000_000_000i64))["type"], "Long");
        assert_eq!(typed(&json!(1.5))["type"], "Double");
        assert_eq!(typed(&json!({"a": 1}))["value"], "{\"a\":1}");
        assert_eq!(typed(&Value::Null)["type"], "Null");
        let date = typed(&json!("2026-12-07T01:00:00.000Z"));
        assert_eq!(date, json!({"type": "Date", "value": "2026-12-07T01:00:00.000+0000", "valueInfo": {}}));
        assert_eq!(typed(&json!("2026-12-07T01:00:00Z"))["type"], "String");
        assert_eq!(typed(&json!("2026-13-07T01:00:00.000Z"))["type"], "String");
    }

    #[test]
    fn reads_typed_values() {
        assert_eq!(untyped("n", tv(json!("42"), "Long")).unwrap(), json!(42));
        assert_eq!(untyped("b", tv(json!("true"), "Boolean")).unwrap(), json!(true));
        assert_eq!(untyped("j", tv(json!("{\"a\":[1]}"), "Json")).unwrap(), json!({"a": [1]}));
        assert_eq!(
            untyped("d", tv(json!("2026-12-07T09:00:00.000+0800"), "Date")).unwrap(),
            json!("2026-12-07T01:00:00.000Z")
        );
        let e = untyped("n", tv(json!(3_000_000_000i64), "Integer")).unwrap_err();
        assert!(e.message.contains("'n'"), "{}", e.message);
        assert!(untyped("x", tv(json!(1), "Unknown")).is_err());
    }

    #[test]
    fn formats_dates_as_camunda_does() {
        assert_eq!(camunda_date(0), "1970-01-01T00:00:00.000+0000");
        assert_eq!(parse_camunda_date("1970-01-01T00:00:00.000+0000"), Some(0));
    }
}
