//! Evaluation of a syntax tree against the variables, with JUEL's coercions (EL 2.2 §1.7–1.9)
//! applied to JSON values:
//!
//! - `==`/`!=`: equal JSON values are equal; `null` equals only `null`; when either side is a
//!   number both are read as numbers (`'1' == 1`); else when either is a boolean both are read
//!   as booleans (`'true' == true`); else when either is a string both are compared as text.
//! - `< > <= >=`: `false` when either side is `null`; numbers when either side is a number
//!   (`'5000' > 1000`); text when either side is a string; `false < true`.
//! - `+ - * / %`: `null` counts as 0 and a numeric string as its number (`'5' + 3` is 8);
//!   whole numbers stay whole except for `/`. Two strings that are not both numbers are joined
//!   by `+` (a convenience JUEL lacks).
//! - `&& || ! ? :`: `null` is false and a string is true when it says `true`.
//!
//! Where JUEL would throw (a string that is not a number compared with a number, a boolean in
//! arithmetic), the evaluation fails with a message naming both sides.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::functions::{self, Callee};
use super::parse::Ast;
use super::{to_text, type_text, ExprError, Variables};
use crate::text::Text;

/// One evaluation: the variables and the expression's text (for messages).
pub(super) struct Eval<'a> {
    pub(super) vars: &'a dyn Variables,
    pub(super) expr: &'a str,
}

/// A number read for arithmetic or comparison.
#[derive(Debug, Clone, Copy)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            // Precision loss only beyond 2^53, where JUEL's double arithmetic loses it too.
            #[allow(clippy::cast_precision_loss)]
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// `v` as a number: numbers as they are, `null` as 0, a string holding a number as that number.
pub(super) fn number(v: &Value) -> Option<Num> {
    match v {
        Value::Null => Some(Num::Int(0)),
        Value::Number(n) => Some(n.as_i64().map_or_else(|| Num::Float(n.as_f64().unwrap_or(f64::NAN)), Num::Int)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .map(Num::Int)
                .or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::Float))
        }
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => None,
    }
}

fn compare_nums(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

/// How a value is named in a coercion message: its type, and the text of a string.
fn describe(v: &Value) -> Text {
    match v {
        Value::String(s) => Text::new("run.expr.the_string").with("text", s),
        other => type_text(other),
    }
}

impl Eval<'_> {
    pub(super) fn mismatch(&self, message: Text) -> ExprError {
        ExprError::TypeMismatch { expr: self.expr.to_owned(), message }
    }

    fn cannot_compare(&self, op: &str, a: Text, b: Text) -> ExprError {
        self.mismatch(Text::new("run.expr.cannot_compare").with("op", op).with_text("a", a).with_text("b", b))
    }

    /// `v` as a boolean for `&&`, `||`, `!` and `? :`.
    pub(super) fn truth(&self, v: &Value, op: &str) -> Result<bool, ExprError> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Null => Ok(false),
            Value::String(s) => Ok(s.trim().eq_ignore_ascii_case("true")),
            other => {
                Err(self
                    .mismatch(Text::new("run.expr.needs_boolean").with("op", op).with_text("value", type_text(other))))
            }
        }
    }

    /// JUEL's `==`.
    pub(super) fn equal(&self, l: &Value, r: &Value) -> Result<bool, ExprError> {
        if l == r {
            return Ok(true);
        }
        match (l, r) {
            (Value::Null, _) | (_, Value::Null) => Ok(false),
            (Value::Number(_), _) | (_, Value::Number(_)) => match (number(l), number(r)) {
                (Some(a), Some(b)) => Ok(compare_nums(a, b) == Some(Ordering::Equal)),
                _ => Err(self.cannot_compare("==", describe(l), describe(r))),
            },
            (Value::Bool(_), _) | (_, Value::Bool(_)) => match (l, r) {
                (Value::Bool(a), Value::Bool(b)) => Ok(a == b),
                (Value::Bool(a), Value::String(s)) | (Value::String(s), Value::Bool(a)) => {
                    Ok(*a == s.trim().eq_ignore_ascii_case("true"))
                }
                _ => Err(self.cannot_compare("==", describe(l), describe(r))),
            },
            (Value::String(_), _) | (_, Value::String(_)) => Ok(to_text(l) == to_text(r)),
            _ => Ok(false),
        }
    }

    /// JUEL's ordering for `< > <= >=`; `None` when either side is `null` (the comparison is false).
    pub(super) fn order(&self, op: &str, l: &Value, r: &Value) -> Result<Option<Ordering>, ExprError> {
        let fail = || {
            let (what_l, what_r) = match (l, r) {
                // Keep the message short when a text is not a number: that is the usual mistake.
                (Value::String(_), Value::Number(_)) | (Value::Number(_), Value::String(_)) => {
                    (type_text(l), type_text(r))
                }
                _ => (describe(l), describe(r)),
            };
            self.cannot_compare(op, what_l, what_r)
        };
        match (l, r) {
            (Value::Null, _) | (_, Value::Null) => Ok(None),
            (Value::Number(_), _) | (_, Value::Number(_)) => match (number(l), number(r)) {
                (Some(a), Some(b)) => Ok(compare_nums(a, b)),
                _ => Err(fail()),
            },
            (Value::String(a), Value::String(b)) => Ok(Some(a.cmp(b))),
            (Value::String(_), Value::Bool(_)) | (Value::Bool(_), Value::String(_)) => {
                Ok(Some(to_text(l).cmp(&to_text(r))))
            }
            (Value::Bool(a), Value::Bool(b)) => Ok(Some(a.cmp(b))),
            _ => Err(fail()),
        }
    }

    pub(super) fn eval(&self, ast: &Ast) -> Result<Value, ExprError> {
        match ast {
            Ast::Lit(v) => Ok(v.clone()),
            Ast::Var(name) => self.variable(name),
            Ast::Index(base, index) => match Callee::of(base) {
                Callee::Execution => {
                    let name = to_text(&self.eval(index)?);
                    functions::execution_value(self, &name)
                }
                Callee::Task if self.vars.facts().task.is_some() => {
                    let name = to_text(&self.eval(index)?);
                    functions::task_value(self, &name)
                }
                _ => {
                    let base = self.eval(base)?;
                    let index = self.eval(index)?;
                    self.index(&base, &index)
                }
            },
            Ast::Not(inner) => Ok(Value::Bool(!self.truth(&self.eval(inner)?, "!")?)),
            Ast::Neg(inner) => {
                let v = self.eval(inner)?;
                match number(&v) {
                    Some(n) => self.arith("-", Num::Int(0), n),
                    None => Err(self
                        .mismatch(Text::new("run.expr.needs_number").with("op", "-").with_text("value", describe(&v)))),
                }
            }
            Ast::Empty(inner) => Ok(Value::Bool(is_empty(&self.eval(inner)?))),
            Ast::Cond(condition, then, otherwise) => {
                if self.truth(&self.eval(condition)?, "? :")? {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
            Ast::Binary(op @ ("&&" | "||"), left, right) => {
                let l = self.truth(&self.eval(left)?, op)?;
                // Short-circuit: the right side may name variables that only exist in one case.
                if (*op == "&&" && !l) || (*op == "||" && l) {
                    return Ok(Value::Bool(l));
                }
                Ok(Value::Bool(self.truth(&self.eval(right)?, op)?))
            }
            Ast::Binary(op, left, right) => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                self.binary(op, &l, &r)
            }
            Ast::Method { base, name, args } => functions::call_method(self, base, name, args),
            Ast::Function { prefix, name, args } => functions::call_function(self, prefix.as_deref(), name, args),
        }
    }

    fn variable(&self, name: &str) -> Result<Value, ExprError> {
        match Callee::of_name(name) {
            Callee::Execution => return Err(self.not_a_value("execution", "execution.processInstanceId")),
            Callee::Task if self.vars.facts().task.is_some() => return Err(self.not_a_value("task", "task.assignee")),
            _ => {}
        }
        self.vars
            .lookup(name)
            .cloned()
            .ok_or_else(|| ExprError::UnknownVariable { expr: self.expr.to_owned(), name: name.to_owned() })
    }

    fn not_a_value(&self, what: &str, example: &str) -> ExprError {
        self.mismatch(Text::new("run.expr.not_a_value").with("what", what).with("example", example))
    }

    /// `base[index]` / `base.index`.
    pub(super) fn index(&self, base: &Value, index: &Value) -> Result<Value, ExprError> {
        match base {
            // A missing key reads as null, as JUEL does for maps; only top-level names must exist.
            Value::Object(map) => Ok(map.get(&to_text(index)).cloned().unwrap_or(Value::Null)),
            Value::Array(items) => match number(index) {
                Some(Num::Int(i)) if !matches!(index, Value::Null) => {
                    Ok(usize::try_from(i).ok().and_then(|i| items.get(i)).cloned().unwrap_or(Value::Null))
                }
                _ => Err(self.mismatch(Text::new("run.expr.list_index").with_text("value", describe(index)))),
            },
            // JUEL: a property of null is null.
            Value::Null => Ok(Value::Null),
            _ => Err(self.mismatch(
                Text::new("run.expr.cannot_read").with("name", to_text(index)).with_text("value", type_text(base)),
            )),
        }
    }

    fn binary(&self, op: &str, l: &Value, r: &Value) -> Result<Value, ExprError> {
        match op {
            "==" => Ok(Value::Bool(self.equal(l, r)?)),
            "!=" => Ok(Value::Bool(!self.equal(l, r)?)),
            "<" | ">" | "<=" | ">=" => {
                let holds = self.order(op, l, r)?.is_some_and(|ord| match op {
                    "<" => ord.is_lt(),
                    ">" => ord.is_gt(),
                    "<=" => ord.is_le(),
                    _ => ord.is_ge(),
                });
                Ok(Value::Bool(holds))
            }
            _ => match (number(l), number(r)) {
                (Some(a), Some(b)) => self.arith(op, a, b),
                // Plain string concatenation is what modellers expect from `+` on texts.
                _ if op == "+" && l.is_string() && r.is_string() => {
                    Ok(Value::String(format!("{}{}", to_text(l), to_text(r))))
                }
                _ => Err(self.mismatch(
                    Text::new("run.expr.cannot_combine")
                        .with("op", op)
                        .with_text("a", describe(l))
                        .with_text("b", describe(r)),
                )),
            },
        }
    }

    pub(super) fn arith(&self, op: &str, a: Num, b: Num) -> Result<Value, ExprError> {
        let fail = |key: &'static str| ExprError::Arithmetic { expr: self.expr.to_owned(), message: Text::new(key) };
        // Whole numbers stay whole, except for `/`, which JUEL defines as a decimal division.
        if let (Num::Int(x), Num::Int(y), false) = (a, b, op == "/") {
            let result = match op {
                "+" => x.checked_add(y),
                "-" => x.checked_sub(y),
                "*" => x.checked_mul(y),
                _ if y == 0 => return Err(fail("run.expr.division_by_zero")),
                _ => x.checked_rem(y),
            };
            return result.map(|n| Value::Number(n.into())).ok_or_else(|| fail("run.expr.too_large"));
        }
        let (x, y) = (a.as_f64(), b.as_f64());
        if (op == "/" || op == "%") && y == 0.0 {
            return Err(fail("run.expr.division_by_zero"));
        }
        let result = match op {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            _ => x % y,
        };
        Number::from_f64(result).map(Value::Number).ok_or_else(|| fail("run.expr.not_finite"))
    }
}

/// JUEL's `empty`: null, an empty text, list or map.
pub(super) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}
