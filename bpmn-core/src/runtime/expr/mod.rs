//! A safe evaluator for the JUEL expressions found in process files, as Camunda 7 and
//! Flowable evaluate them (`${amount > 1000}`, `${initiator}`,
//! `${execution.getVariable('days') > 3 ? 'boss' : 'lead'}`, `${var:equals(approve, true)}`).
//!
//! Supported:
//! - literals (numbers, `'..'`/`".."` strings, `true`/`false`/`null`); variables with dotted
//!   (`a.b`) and indexed (`a['b']`, `a[0]`) access into JSON values;
//! - comparison (`> >= < <= == !=`, `gt ge lt le eq ne`), logic (`&& || !`, `and or not`)
//!   with short-circuit, arithmetic (`+ - * / %`, `div`, `mod`), `empty x`, `a ? b : c`,
//!   with JUEL's coercions (`'5000' > 1000`, `'1' == 1`, `null > 5` is false: see [`eval`]);
//! - `execution` properties and methods, `task` properties in task listeners, methods on
//!   strings, lists and maps, Flowable's `variables:`/`vars:`/`var:` functions, `now()` and
//!   `dateTime()` with date methods (see [`functions`] and [`dates`]).
//!
//! A text without `${` (or `#{`) is a literal string, which is how assignees and candidate
//! lists are usually written. A text mixing literal parts and expressions (`Order ${id}`) is
//! evaluated to a string.
//!
//! Nothing here panics and nothing calls out: the functions and methods are a fixed list
//! evaluated here (no reflection, no beans), so an expression from an uploaded file can only
//! read the variables and facts it is given, and write only through
//! [`Variables::set_variable`]. Unknown names are refused when the text is parsed, so
//! [`check`] finds them at deploy time. Nesting is bounded so that a hostile expression cannot
//! exhaust the stack.

mod dates;
mod eval;
mod functions;
mod lex;
mod parse;

use serde_json::{Map, Value};

use self::eval::Eval;
use self::lex::lex;
use self::parse::{Ast, Parser};
use crate::text::Text;

/// How deeply an expression may nest (parentheses, unary operators, operator chains).
/// Hand-written conditions stay far below; the bound exists to keep the stack safe.
pub const MAX_DEPTH: usize = 64;

/// Where an expression reads its variables from.
///
/// Implemented for a plain variable map; the runtime may layer several scopes (instance,
/// sub-process, multi-instance counters) behind one implementation.
pub trait Variables {
    /// The value of the variable `name`, or `None` when it is not defined.
    fn lookup(&self, name: &str) -> Option<&Value>;

    /// What `execution.…` and `task.…` read besides variables, and the time for `now()`.
    /// None of it by default.
    fn facts(&self) -> Facts<'_> {
        Facts::default()
    }

    /// `execution.setVariable(name, value)`: records the write and answers `true`, or
    /// answers `false` where an expression may not write (the default: conditions, names).
    fn set_variable(&self, name: &str, value: Value) -> bool {
        let _ = (name, value);
        false
    }
}

/// Facts about the execution an expression runs in (`execution.processInstanceId`,
/// `execution.processBusinessKey`, `execution.currentActivityId`,
/// `execution.processDefinitionId`), the task a task listener runs for (`task.id`,
/// `task.name`, `task.assignee`), and the step's time (`now()`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts<'a> {
    pub instance_id: Option<&'a str>,
    pub business_key: Option<&'a str>,
    pub definition_id: Option<&'a str>,
    pub activity_id: Option<&'a str>,
    pub task: Option<TaskFacts<'a>>,
    /// Epoch milliseconds of the step.
    pub now: Option<i64>,
}

/// The task of a task listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskFacts<'a> {
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub assignee: Option<&'a str>,
}

impl Variables for Map<String, Value> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Why an expression could not be evaluated. Every message names the expression text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    /// The text is not a well-formed expression.
    #[error("expression `{expr}`: syntax error at character {pos}: {message}")]
    Syntax {
        /// The whole text that was evaluated.
        expr: String,
        /// 0-based character offset of the problem in `expr`.
        pos: usize,
        /// What is wrong.
        message: Text,
    },
    /// A variable the expression reads is not defined.
    #[error("expression `{expr}`: unknown variable `{name}`")]
    UnknownVariable {
        /// The whole text that was evaluated.
        expr: String,
        /// The name of the missing variable.
        name: String,
    },
    /// An operator was applied to values of the wrong type, e.g. `'abc' > 3`.
    #[error("expression `{expr}`: {message}")]
    TypeMismatch {
        /// The whole text that was evaluated.
        expr: String,
        /// Which operator and which types.
        message: Text,
    },
    /// Division by zero, integer overflow or a non-finite result.
    #[error("expression `{expr}`: {message}")]
    Arithmetic {
        /// The whole text that was evaluated.
        expr: String,
        /// What went wrong.
        message: Text,
    },
    /// A function, method or property that does not exist, or a wrong number of arguments.
    #[error("expression `{expr}`: {message} (at character {pos})")]
    UnknownFunction {
        /// The whole text that was evaluated.
        expr: String,
        /// 0-based character offset of the name in `expr` (0 when found while evaluating).
        pos: usize,
        /// Which name, and the known ones.
        message: Text,
    },
    /// An argument a method cannot use, e.g. `'abc'.substring(5)`.
    #[error("expression `{expr}`: {message}")]
    BadArgument {
        /// The whole text that was evaluated.
        expr: String,
        /// Which method and what is wrong.
        message: Text,
    },
    /// The expression does what is not allowed where it runs (`execution.setVariable` in a
    /// condition) or needs what is not known there (`now()` without a time).
    #[error("expression `{expr}`: {message}")]
    NotAllowed {
        /// The whole text that was evaluated.
        expr: String,
        /// What is not allowed, and where it is.
        message: Text,
    },
    /// The expression nests more than [`MAX_DEPTH`] levels.
    #[error("expression `{expr}`: nested more than {MAX_DEPTH} levels deep")]
    TooDeep {
        /// The whole text that was evaluated.
        expr: String,
    },
}

impl ExprError {
    /// The error as a sentence for people (its English is the `Display` text).
    pub fn text(&self) -> Text {
        match self {
            ExprError::Syntax { expr, pos, message } => {
                Text::new("run.expr.syntax").with("expr", expr).with("pos", pos).with_text("what", message.clone())
            }
            ExprError::UnknownVariable { expr, name } => {
                Text::new("run.expr.unknown_variable").with("expr", expr).with("name", name)
            }
            ExprError::TypeMismatch { expr, message }
            | ExprError::Arithmetic { expr, message }
            | ExprError::BadArgument { expr, message }
            | ExprError::NotAllowed { expr, message } => {
                Text::new("run.expr.error").with("expr", expr).with_text("what", message.clone())
            }
            ExprError::UnknownFunction { expr, pos, message } => Text::new("run.expr.unknown_function")
                .with("expr", expr)
                .with("pos", pos)
                .with_text("what", message.clone()),
            ExprError::TooDeep { expr } => Text::new("run.expr.too_deep").with("expr", expr).with("max", MAX_DEPTH),
        }
    }
}

/// Evaluates `text`: a literal string when it holds no `${`, the value of the expression when
/// it is exactly one `${...}`, otherwise the string made of its parts.
pub fn evaluate(text: &str, vars: &dyn Variables) -> Result<Value, ExprError> {
    let parts = split(text)?;
    // Whitespace around a lone expression (common in `<conditionExpression>` text) is layout,
    // not content: the expression's own value is the result.
    let mut significant = parts.iter().filter(|p| !matches!(p, Part::Literal(s) if s.trim().is_empty()));
    if let (Some(Part::Expr(ast)), None) = (significant.next(), significant.next()) {
        return eval(ast, vars, text);
    }
    match parts.as_slice() {
        [] => Ok(Value::String(String::new())),
        [Part::Literal(s)] => Ok(Value::String(s.clone())),
        _ => {
            let mut out = String::new();
            for part in &parts {
                match part {
                    Part::Literal(s) => out.push_str(s),
                    Part::Expr(ast) => out.push_str(&to_text(&eval(ast, vars, text)?)),
                }
            }
            Ok(Value::String(out))
        }
    }
}

/// Evaluates a condition (a sequence flow's `conditionExpression`): the result must be a boolean.
pub fn evaluate_bool(text: &str, vars: &dyn Variables) -> Result<bool, ExprError> {
    match evaluate(text, vars)? {
        Value::Bool(b) => Ok(b),
        // A literal `true`/`false` without `${}` is accepted, as Camunda and Flowable do.
        Value::String(s) if s.trim() == "true" => Ok(true),
        Value::String(s) if s.trim() == "false" => Ok(false),
        other => Err(ExprError::TypeMismatch {
            expr: text.to_owned(),
            message: Text::new("run.expr.condition_not_boolean").with_text("value", type_text(&other)),
        }),
    }
}

/// Evaluates a text used as a name (assignee, due date...): the value's text form, `None` for
/// `null` or an empty result.
pub fn evaluate_string(text: &str, vars: &dyn Variables) -> Result<Option<String>, ExprError> {
    let s = to_text(&evaluate(text, vars)?);
    Ok(if s.is_empty() { None } else { Some(s) })
}

/// Evaluates a text that may yield a list (candidate users or groups): a JSON array gives one
/// entry per element, a string is split on commas.
pub fn evaluate_list(text: &str, vars: &dyn Variables) -> Result<Vec<String>, ExprError> {
    Ok(match evaluate(text, vars)? {
        Value::Array(items) => items.iter().map(to_text).filter(|s| !s.is_empty()).collect(),
        other => to_text(&other).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    })
}

/// Parses `text` without evaluating it: `Err` for a syntax error or an unknown function,
/// method or `execution` property, with the position. What deploy checks run on every
/// expression of a file.
pub fn check(text: &str) -> Result<(), ExprError> {
    split(text).map(|_| ())
}

/// The text form of a value: strings as they are, `null` as nothing, the rest as JSON.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How a value's type is named in messages ("a string", "a list"...).
pub(crate) fn type_text(v: &Value) -> Text {
    Text::new(match v {
        Value::Null => "run.expr.type.null",
        Value::Bool(_) => "run.expr.type.boolean",
        Value::Number(_) => "run.expr.type.number",
        Value::String(_) => "run.expr.type.string",
        Value::Array(_) => "run.expr.type.list",
        Value::Object(_) => "run.expr.type.object",
    })
}

// ----- splitting the text into literal parts and expressions -------------------------------

enum Part {
    Literal(String),
    Expr(Ast),
}

fn split(text: &str) -> Result<Vec<Part>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let opens = (chars[i] == '$' || chars[i] == '#') && chars.get(i + 1) == Some(&'{');
        if !opens {
            literal.push(chars[i]);
            i += 1;
            continue;
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(&mut literal)));
        }
        let (tokens, end) = lex(&chars, i + 2, text)?;
        parts.push(Part::Expr(Parser::new(tokens, text).parse_all()?));
        i = end + 1;
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

fn eval(ast: &Ast, vars: &dyn Variables, expr: &str) -> Result<Value, ExprError> {
    Eval { vars, expr }.eval(ast)
}

#[cfg(test)]
mod tests;
