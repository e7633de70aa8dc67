//! The types of instance variables: what type a value shows as, and reading a typed text
//! into a value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kinds of values a variable holds, for the variable editor's type check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableType {
    String,
    Number,
    Boolean,
    /// An ISO 8601 date or date-time, kept as text.
    Date,
    /// Any JSON object or array.
    Object,
}

impl VariableType {
    /// Every type, in the order the editor offers them.
    pub const ALL: [VariableType; 5] =
        [VariableType::String, VariableType::Number, VariableType::Boolean, VariableType::Date, VariableType::Object];

    /// `string`, `number`, `boolean`, `date` or `object`: the value of the type select.
    pub fn code(self) -> &'static str {
        match self {
            VariableType::String => "string",
            VariableType::Number => "number",
            VariableType::Boolean => "boolean",
            VariableType::Date => "date",
            VariableType::Object => "object",
        }
    }

    /// Reads the type select's value.
    pub fn from_code(code: &str) -> VariableType {
        VariableType::ALL.into_iter().find(|k| k.code() == code).unwrap_or(VariableType::String)
    }

    /// The type a stored value shows as.
    pub fn of(value: &Value) -> VariableType {
        match value {
            Value::Bool(_) => VariableType::Boolean,
            Value::Number(_) => VariableType::Number,
            Value::String(s) if crate::schedule::parse_datetime(s).is_ok() => VariableType::Date,
            Value::String(_) | Value::Null => VariableType::String,
            Value::Array(_) | Value::Object(_) => VariableType::Object,
        }
    }

    /// Reads `text` as a value of this type; the error says what was expected.
    pub fn parse(self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        match self {
            VariableType::String => Ok(Value::String(text.to_owned())),
            VariableType::Number => t
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| t.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).ok_or(()))
                .map_err(|_| format!("`{t}` is not a number (e.g. 5000 or 12.5).")),
            VariableType::Boolean => match t {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("`{t}` is not a boolean: write true or false.")),
            },
            VariableType::Date => {
                crate::schedule::parse_datetime(t).map(|_| Value::String(t.to_owned())).map_err(|e| format!("{e}"))
            }
            VariableType::Object => match serde_json::from_str::<Value>(t) {
                Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
                Ok(_) => Err("An object must be a JSON object or array, e.g. {\"a\": 1}.".into()),
                Err(e) => Err(format!("Not valid JSON: {e}.")),
            },
        }
    }
}
