//! What an expression may call: `execution` and `task` properties and methods, methods on
//! strings, lists and maps (as Java's `String`, `List` and `Map` have them), Flowable's
//! variable functions (`var:equals(approve, true)`), and `now()`/`dateTime()`.
//!
//! The tables here are also what the parser checks names and argument counts against, so an
//! unknown name is refused at deploy time rather than when a token reaches it.

use serde_json::Value;

use super::eval::{is_empty, number, Eval, Num};
use super::parse::Ast;
use super::{dates, to_text, type_text, ExprError};
use crate::text::Text;

/// The prefixes of Flowable's variable functions.
pub(super) const NAMESPACES: [&str; 3] = ["variables", "vars", "var"];

/// A name with the least and most arguments it takes.
type Sig = (&'static str, usize, usize);

/// Enough for any hand-written `var:contains(list, a, b, ...)`.
const MANY: usize = 64;

const EXECUTION_PROPERTIES: [&str; 6] =
    ["id", "processInstanceId", "processBusinessKey", "businessKey", "currentActivityId", "processDefinitionId"];

const EXECUTION_METHODS: [Sig; 5] = [
    ("getVariable", 1, 1),
    ("getVariableLocal", 1, 1),
    ("hasVariable", 1, 1),
    ("hasVariableLocal", 1, 1),
    ("setVariable", 2, 2),
];

const TASK_PROPERTIES: [&str; 3] = ["id", "name", "assignee"];

const VALUE_METHODS: [Sig; 16] = [
    ("equals", 1, 1),
    ("equalsIgnoreCase", 1, 1),
    ("contains", 1, 1),
    ("containsKey", 1, 1),
    ("startsWith", 1, 1),
    ("endsWith", 1, 1),
    ("length", 0, 0),
    ("isEmpty", 0, 0),
    ("size", 0, 0),
    ("toUpperCase", 0, 0),
    ("toLowerCase", 0, 0),
    ("trim", 0, 0),
    ("substring", 1, 2),
    ("indexOf", 1, 1),
    ("get", 1, 1),
    ("toString", 0, 0),
];

const VAR_FUNCTIONS: [Sig; 23] = [
    ("get", 1, 1),
    ("getOrDefault", 2, 2),
    ("exists", 1, 1),
    ("exist", 1, 1),
    ("isEmpty", 1, 1),
    ("empty", 1, 1),
    ("isNotEmpty", 1, 1),
    ("notEmpty", 1, 1),
    ("equals", 2, 2),
    ("eq", 2, 2),
    ("notEquals", 2, 2),
    ("ne", 2, 2),
    ("contains", 2, MANY),
    ("containsAny", 2, MANY),
    ("lowerThan", 2, 2),
    ("lt", 2, 2),
    ("lowerThanOrEquals", 2, 2),
    ("lte", 2, 2),
    ("greaterThan", 2, 2),
    ("gt", 2, 2),
    ("greaterThanOrEquals", 2, 2),
    ("gte", 2, 2),
    // ruoyi-vue-pro (yudao) registers it and its designer writes it on the right of every
    // comparison: `vars:getOrDefault(age, null) > var:convertByType(age, 18)`.
    ("convertByType", 2, 2),
];

const FREE_FUNCTIONS: [Sig; 2] = [("now", 0, 0), ("dateTime", 0, 0)];

/// What a method is called on, as far as the parser can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Callee {
    /// `execution.…`: the execution's facts and variables.
    Execution,
    /// `task.…`: the task of a task listener (or a variable named `task` elsewhere).
    Task,
    /// Any other value.
    Value,
}

impl Callee {
    pub(super) fn of(ast: &Ast) -> Callee {
        match ast {
            Ast::Var(name) => Callee::of_name(name),
            _ => Callee::Value,
        }
    }

    pub(super) fn of_name(name: &str) -> Callee {
        match name {
            "execution" => Callee::Execution,
            "task" => Callee::Task,
            _ => Callee::Value,
        }
    }
}

fn names(sigs: &[Sig]) -> String {
    let mut out: Vec<&str> = sigs.iter().map(|(n, _, _)| *n).collect();
    out.dedup();
    out.join(", ")
}

/// Checks `name` (written `shown_name`) with `given` arguments against `sigs`: `Err` says what
/// is wrong. `kind` is the catalog key of what `name` is (a method, a function...).
fn check_sig(
    sigs: &[Sig],
    kind: &'static str,
    name: &str,
    shown_name: &str,
    given: usize,
    known: Text,
) -> Result<(), Text> {
    let Some(&(_, min, max)) = sigs.iter().find(|(n, _, _)| *n == name) else {
        return Err(Text::new("run.expr.unknown_name")
            .with_text("kind", Text::new(kind))
            .with("name", shown_name)
            .with_text("known", known));
    };
    if (min..=max).contains(&given) {
        return Ok(());
    }
    let wanted = match (min, max) {
        (a, b) if a == b => Text::verbatim(a.to_string()),
        (a, MANY) => Text::new("run.expr.args_at_least").with("min", a),
        (a, b) => Text::new("run.expr.args_range").with("min", a).with("max", b),
    };
    Err(Text::new("run.expr.arity").with("name", shown_name).with_text("wanted", wanted).with("given", given))
}

/// The property a getter reads (`getProcessInstanceId` → `processInstanceId`), if `name` is a
/// getter of one of `properties`.
fn getter<'p>(properties: &[&'p str], name: &str) -> Option<&'p str> {
    let rest = name.strip_prefix("get")?;
    let mut chars = rest.chars();
    let first = chars.next()?.to_ascii_lowercase();
    properties.iter().copied().find(|p| p.starts_with(first) && p.get(1..) == Some(chars.as_str()))
}

/// Whether `name(…)` with `given` arguments is a method of what `callee` is.
pub(super) fn method_arity(callee: Callee, name: &str, given: usize) -> Result<(), Text> {
    let all_value_methods = || Text::verbatim(format!("{}, {}", names(&VALUE_METHODS), names(&dates::METHODS)));
    match callee {
        Callee::Execution if getter(&EXECUTION_PROPERTIES, name).is_some() && given == 0 => Ok(()),
        Callee::Execution => {
            let known = Text::new("run.expr.known_execution")
                .with("methods", names(&EXECUTION_METHODS))
                .with("properties", EXECUTION_PROPERTIES.join(", "));
            check_sig(&EXECUTION_METHODS, "run.expr.kind.execution_method", name, name, given, known)
        }
        Callee::Task if getter(&TASK_PROPERTIES, name).is_some() && given == 0 => Ok(()),
        Callee::Task | Callee::Value => {
            check_sig(&VALUE_METHODS, "run.expr.kind.method", name, name, given, all_value_methods()).or_else(|e| {
                check_sig(&dates::METHODS, "run.expr.kind.method", name, name, given, Text::verbatim("")).map_err(|_| e)
            })
        }
    }
}

/// Whether `execution.name` is a property we know.
pub(super) fn execution_property(name: &str) -> Result<(), Text> {
    if EXECUTION_PROPERTIES.contains(&name) {
        Ok(())
    } else {
        Err(Text::new("run.expr.unknown_name")
            .with_text("kind", Text::new("run.expr.kind.execution_property"))
            .with("name", name)
            .with("known", EXECUTION_PROPERTIES.join(", ")))
    }
}

/// Whether `prefix:name(…)` / `name(…)` with `given` arguments is a function we know.
pub(super) fn function_arity(prefix: Option<&str>, name: &str, given: usize) -> Result<(), Text> {
    match prefix {
        None => check_sig(
            &FREE_FUNCTIONS,
            "run.expr.kind.function",
            name,
            name,
            given,
            Text::verbatim(names(&FREE_FUNCTIONS)),
        ),
        Some(p) if NAMESPACES.contains(&p) => check_sig(
            &VAR_FUNCTIONS,
            "run.expr.kind.variable_function",
            name,
            &format!("{p}:{name}"),
            given,
            Text::verbatim(names(&VAR_FUNCTIONS)),
        ),
        Some(p) => Err(Text::new("run.expr.unknown_prefix")
            .with("prefix", p)
            .with("name", name)
            .with("known", NAMESPACES.join(", "))),
    }
}

/// What an arity check found wrong, or (never expected) the name alone.
fn arity_error(found: Result<(), Text>, name: &str) -> Text {
    found.err().unwrap_or_else(|| Text::verbatim(name))
}

fn unknown(ev: &Eval<'_>, message: Text) -> ExprError {
    ExprError::UnknownFunction { expr: ev.expr.to_owned(), pos: 0, message }
}

/// `execution.name`.
pub(super) fn execution_value(ev: &Eval<'_>, name: &str) -> Result<Value, ExprError> {
    let facts = ev.vars.facts();
    let text = match name {
        "id" | "processInstanceId" => facts.instance_id,
        "processBusinessKey" | "businessKey" => facts.business_key,
        "currentActivityId" => facts.activity_id,
        "processDefinitionId" => facts.definition_id,
        _ => return Err(unknown(ev, arity_error(execution_property(name), name))),
    };
    Ok(text.map_or(Value::Null, |s| Value::String(s.to_owned())))
}

/// `task.name` in a task listener.
pub(super) fn task_value(ev: &Eval<'_>, name: &str) -> Result<Value, ExprError> {
    let task = ev.vars.facts().task.unwrap_or_default();
    let text = match name {
        "id" => task.id,
        "name" => task.name,
        "assignee" => task.assignee,
        _ => {
            return Err(unknown(
                ev,
                Text::new("run.expr.unknown_name")
                    .with_text("kind", Text::new("run.expr.kind.task_property"))
                    .with("name", name)
                    .with("known", TASK_PROPERTIES.join(", ")),
            ))
        }
    };
    Ok(text.map_or(Value::Null, |s| Value::String(s.to_owned())))
}

fn eval_args(ev: &Eval<'_>, args: &[Ast]) -> Result<Vec<Value>, ExprError> {
    args.iter().map(|a| ev.eval(a)).collect()
}

/// The text of argument `i` (already checked to exist by the parser's arity check).
fn text_arg(ev: &Eval<'_>, args: &[Ast], i: usize) -> Result<String, ExprError> {
    args.get(i).map_or(Ok(String::new()), |a| ev.eval(a).map(|v| to_text(&v)))
}

/// `base.name(args)`.
pub(super) fn call_method(ev: &Eval<'_>, base: &Ast, name: &str, args: &[Ast]) -> Result<Value, ExprError> {
    match Callee::of(base) {
        Callee::Execution => {
            if let Some(property) = getter(&EXECUTION_PROPERTIES, name) {
                return execution_value(ev, property);
            }
            let variable = text_arg(ev, args, 0)?;
            match name {
                "getVariable" | "getVariableLocal" => Ok(ev.vars.lookup(&variable).cloned().unwrap_or(Value::Null)),
                "hasVariable" | "hasVariableLocal" => Ok(Value::Bool(ev.vars.lookup(&variable).is_some())),
                "setVariable" => {
                    let value = args.get(1).map_or(Ok(Value::Null), |a| ev.eval(a))?;
                    if ev.vars.set_variable(&variable, value) {
                        Ok(Value::Null)
                    } else {
                        Err(ExprError::NotAllowed {
                            expr: ev.expr.to_owned(),
                            message: Text::new("run.expr.set_variable_not_allowed"),
                        })
                    }
                }
                _ => Err(unknown(ev, arity_error(method_arity(Callee::Execution, name, args.len()), name))),
            }
        }
        Callee::Task if ev.vars.facts().task.is_some() => match getter(&TASK_PROPERTIES, name) {
            Some(property) => task_value(ev, property),
            None => Err(unknown(ev, Text::new("run.expr.task_method").with("name", name))),
        },
        Callee::Task | Callee::Value => {
            method_arity(Callee::Value, name, args.len()).map_err(|m| unknown(ev, m))?;
            let target = ev.eval(base)?;
            let args = eval_args(ev, args)?;
            value_method(ev, &target, name, &args)
        }
    }
}

/// Java's equality for `equals` and `contains`: the same value, numbers compared by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// A whole-number argument (an index or a count).
pub(super) fn int_arg(ev: &Eval<'_>, name: &str, v: &Value) -> Result<i64, ExprError> {
    match (v, number(v)) {
        (Value::Number(_) | Value::String(_), Some(Num::Int(i))) => Ok(i),
        _ => {
            Err(ev
                .mismatch(Text::new("run.expr.needs_whole_number").with("name", name).with_text("value", type_text(v))))
        }
    }
}

/// A character index within `len` (inclusive), or an error naming the method.
fn char_index(ev: &Eval<'_>, name: &str, v: &Value, len: usize) -> Result<usize, ExprError> {
    let i = int_arg(ev, name, v)?;
    usize::try_from(i).ok().filter(|i| *i <= len).ok_or_else(|| ExprError::BadArgument {
        expr: ev.expr.to_owned(),
        message: Text::new("run.expr.index_outside").with("name", name).with("index", i).with("len", len),
    })
}

/// A method of a string, list or map value (or a date text, see [`dates`]).
fn value_method(ev: &Eval<'_>, target: &Value, name: &str, args: &[Value]) -> Result<Value, ExprError> {
    let arg = args.first().unwrap_or(&Value::Null);
    let wrong =
        || ev.mismatch(Text::new("run.expr.method_on").with("name", name).with_text("value", type_text(target)));
    if target.is_null() {
        return Err(ev.mismatch(Text::new("run.expr.method_on_null").with("name", name)));
    }
    if name == "equals" {
        return Ok(Value::Bool(same(target, arg)));
    }
    if name == "toString" {
        return Ok(Value::String(to_text(target)));
    }
    if let Some(result) = dates::method(ev, target, name, args)? {
        return Ok(result);
    }
    let v = match (target, name) {
        (Value::String(s), "equalsIgnoreCase") => Value::Bool(s.to_lowercase() == to_text(arg).to_lowercase()),
        (Value::String(s), "contains") => Value::Bool(s.contains(&to_text(arg))),
        (Value::String(s), "startsWith") => Value::Bool(s.starts_with(&to_text(arg))),
        (Value::String(s), "endsWith") => Value::Bool(s.ends_with(&to_text(arg))),
        (Value::String(s), "length") => Value::from(s.chars().count()),
        (Value::String(s), "toUpperCase") => Value::String(s.to_uppercase()),
        (Value::String(s), "toLowerCase") => Value::String(s.to_lowercase()),
        (Value::String(s), "trim") => Value::String(s.trim().to_owned()),
        (Value::String(s), "substring") => {
            let chars: Vec<char> = s.chars().collect();
            let begin = char_index(ev, name, arg, chars.len())?;
            let end = match args.get(1) {
                Some(e) => char_index(ev, name, e, chars.len())?,
                None => chars.len(),
            };
            if end < begin {
                return Err(ExprError::BadArgument {
                    expr: ev.expr.to_owned(),
                    message: Text::new("run.expr.substring_order").with("end", end).with("begin", begin),
                });
            }
            Value::String(chars.get(begin..end).unwrap_or_default().iter().collect())
        }
        (Value::String(s), "indexOf") => {
            let needle = to_text(arg);
            s.find(&needle).map_or(Value::from(-1), |byte| Value::from(s[..byte].chars().count()))
        }
        (Value::Array(items), "contains") => Value::Bool(items.iter().any(|i| same(i, arg))),
        (Value::Array(items), "indexOf") => {
            items.iter().position(|i| same(i, arg)).map_or(Value::from(-1), Value::from)
        }
        (Value::Array(items), "get") => {
            let i = int_arg(ev, name, arg)?;
            usize::try_from(i).ok().and_then(|i| items.get(i)).cloned().ok_or_else(|| ExprError::BadArgument {
                expr: ev.expr.to_owned(),
                message: Text::new("run.expr.get_outside").with("index", i).with("len", items.len()),
            })?
        }
        (Value::Object(map), "get") => map.get(&to_text(arg)).cloned().unwrap_or(Value::Null),
        (Value::Object(map), "containsKey") => Value::Bool(map.contains_key(&to_text(arg))),
        (Value::String(_) | Value::Array(_) | Value::Object(_), "isEmpty") => Value::Bool(is_empty(target)),
        (Value::Array(items), "size") => Value::from(items.len()),
        (Value::Object(map), "size") => Value::from(map.len()),
        _ => return Err(wrong()),
    };
    Ok(v)
}

/// `value` converted to the type of `variable` where it reads as one (ruoyi-vue-pro's
/// `convertByType`): a text when the variable is a text, a number or a boolean from a text
/// when the variable is one; otherwise `value` as it is.
fn convert_like(variable: &Value, value: &Value) -> Value {
    match (variable, value) {
        (_, Value::Null) | (Value::Null, _) => value.clone(),
        (Value::String(_), v) if !v.is_string() => Value::String(to_text(v)),
        (Value::Number(_), Value::String(s)) => match number(value) {
            Some(Num::Int(i)) => Value::from(i),
            Some(Num::Float(f)) => {
                serde_json::Number::from_f64(f).map_or_else(|| Value::String(s.clone()), Value::Number)
            }
            None => value.clone(),
        },
        (Value::Bool(_), Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Value::Bool(true),
        (Value::Bool(_), Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Value::Bool(false),
        _ => value.clone(),
    }
}

/// `prefix:name(args)` or `name(args)`.
pub(super) fn call_function(ev: &Eval<'_>, prefix: Option<&str>, name: &str, args: &[Ast]) -> Result<Value, ExprError> {
    if prefix.is_none() {
        // `now()` and `dateTime()`: the step's time.
        return ev.vars.facts().now.map(dates::format).ok_or_else(|| ExprError::NotAllowed {
            expr: ev.expr.to_owned(),
            message: Text::new("run.expr.needs_time").with("name", name),
        });
    }
    // Flowable writes the variable's name bare (`var:equals(approve, true)`) or quoted.
    let variable = match args.first() {
        Some(Ast::Var(v)) => v.clone(),
        _ => text_arg(ev, args, 0)?,
    };
    let value = ev.vars.lookup(&variable).cloned();
    let rest = eval_args(ev, args.get(1..).unwrap_or_default())?;
    let other = rest.first().unwrap_or(&Value::Null);
    let current = value.clone().unwrap_or(Value::Null);
    let compare = |holds: fn(std::cmp::Ordering) -> bool| -> Result<Value, ExprError> {
        Ok(Value::Bool(ev.order(name, &current, other)?.is_some_and(holds)))
    };
    let contained = |item: &Value| match &current {
        Value::String(s) => s.contains(&to_text(item)),
        Value::Array(items) => items.iter().any(|i| ev.equal(i, item).unwrap_or(false)),
        _ => false,
    };
    match name {
        "get" => Ok(current),
        "getOrDefault" => Ok(if current.is_null() { other.clone() } else { current }),
        "exists" | "exist" => Ok(Value::Bool(value.is_some())),
        "isEmpty" | "empty" => Ok(Value::Bool(is_empty(&current))),
        "isNotEmpty" | "notEmpty" => Ok(Value::Bool(!is_empty(&current))),
        // Flowable compares loosely: values of types that cannot be compared are not equal.
        "equals" | "eq" => Ok(Value::Bool(ev.equal(&current, other).unwrap_or(false))),
        "notEquals" | "ne" => Ok(Value::Bool(!ev.equal(&current, other).unwrap_or(false))),
        "contains" => Ok(Value::Bool(!current.is_null() && rest.iter().all(contained))),
        "containsAny" => Ok(Value::Bool(rest.iter().any(contained))),
        "lowerThan" | "lt" => compare(std::cmp::Ordering::is_lt),
        "lowerThanOrEquals" | "lte" => compare(std::cmp::Ordering::is_le),
        "greaterThan" | "gt" => compare(std::cmp::Ordering::is_gt),
        "greaterThanOrEquals" | "gte" => compare(std::cmp::Ordering::is_ge),
        "convertByType" => Ok(convert_like(&current, other)),
        _ => Err(unknown(ev, arity_error(function_arity(prefix, name, args.len()), name))),
    }
}
