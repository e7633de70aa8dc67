//! Checks of what users type: names, codes and ids, and text the database cannot store.

use crate::error::{EngineError, Result, Text};

/// The longest name (of a tenant, unit, person, catalog node), in characters.
const MAX_NAME_CHARS: usize = 100;

/// Checks a tenant name: trimmed, not empty, at most 100 characters.
pub fn parse_tenant_name(raw: &str) -> Result<String> {
    parse_name("name", "ident.word.tenant_name", raw)
}

/// Checks a name given as `field` (`what` is the catalog key of the word that names it in
/// the refusal, e.g. `ident.word.unit_name`): trimmed, not empty, at most 100 characters, no
/// NUL character.
pub fn parse_name(field: &'static str, what: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(EngineError::invalid(field, Text::new("ident.name_empty").with_text("what", Text::new(what))));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        let text = Text::new("ident.name_too_long").with_text("what", Text::new(what)).with("max", MAX_NAME_CHARS);
        return Err(EngineError::invalid(field, text));
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
        let text = Text::new("ident.code_invalid").with("value", v).with_text("field", field_word(field));
        Err(EngineError::invalid(field, text))
    }
}

/// The word for an identifier-like `field` in a refusal.
fn field_word(field: &str) -> Text {
    match field {
        "username" => Text::new("ident.word.username"),
        "id" => Text::new("ident.word.id"),
        "code" => Text::new("repo.word.code"),
        other => Text::verbatim(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpmn_core::text::Lang;

    #[test]
    fn tenant_name_refusals_speak_both_languages() {
        let empty = parse_tenant_name("  ").unwrap_err();
        assert_eq!(empty.text().render(Lang::Zh), "租户名称为空，请输入名称。");
        assert_eq!(empty.to_string(), "The tenant name is empty; type a name.");
        let long = parse_tenant_name(&"租".repeat(101)).unwrap_err();
        assert_eq!(long.text().render(Lang::Zh), "租户名称超过 100 个字符，请缩短。");
        assert_eq!(long.to_string(), "The tenant name is longer than 100 characters; shorten it.");
        assert!(matches!(long, EngineError::Invalid { field: Some("name"), .. }));
    }

    #[test]
    fn code_refusals_name_the_field_in_both_languages() {
        let bad = parse_code("id", "a b").unwrap_err();
        assert_eq!(bad.to_string(), "'a b' is not a valid id: use 1 to 64 letters, digits, '-', '_' or '.'.");
        assert_eq!(bad.text().render(Lang::Zh), "“a b”不是有效的标识：请使用 1 到 64 个字母、数字、“-”、“_”或“.”。");
        assert_eq!(parse_code("code", " ok.1 ").unwrap(), "ok.1");
    }
}
