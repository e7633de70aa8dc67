//! Checks of what users type: names, codes and ids, and text the database cannot store.

use crate::error::{EngineError, Result, Text};

/// Checks a tenant name: trimmed, not empty, at most 100 characters.
pub fn parse_tenant_name(raw: &str) -> Result<String> {
    parse_name("name", "tenant name", raw)
}

/// Checks a name given as `field` (`what` names it in the refusal, e.g. "unit name"): trimmed,
/// not empty, at most 100 characters, no NUL character.
pub fn parse_name(field: &'static str, what: &str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(EngineError::invalid(field, format!("The {what} is empty; type a name.")));
    }
    if name.chars().count() > 100 {
        return Err(EngineError::invalid(field, format!("The {what} is longer than 100 characters; shorten it.")));
    }
    check_text(field, name)?;
    Ok(name.to_string())
}

/// Refuses text with the NUL character (U+0000), which PostgreSQL cannot store in a text
/// column and no form can type.
pub fn check_text(field: &'static str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(EngineError::invalid(field, nul_message(field)));
    }
    Ok(())
}

/// The path (`a.b.0`, below `path`) of the first string or key of `value` that holds the NUL
/// character; `None` when there is none.
pub fn nul_in_json(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_string()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| nul_in_json(v, &join(&i.to_string()))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "")))
            } else {
                nul_in_json(v, &join(k))
            }
        }),
        _ => None,
    }
}

/// The refusal of a NUL character in `field`.
pub fn nul_message(field: &str) -> Text {
    Text::new("error.nul_in_field").with("field", field)
}

/// Checks an identifier-like value (ids, codes, user names): 1 to 64 characters of letters,
/// digits, `-`, `_` and `.`.
pub fn parse_code(field: &'static str, raw: &str) -> Result<String> {
    let v = raw.trim();
    let ok =
        !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(v.to_string())
    } else {
        Err(EngineError::invalid(
            field,
            format!("'{v}' is not a valid {field}: use 1 to 64 letters, digits, '-', '_' or '.'."),
        ))
    }
}
