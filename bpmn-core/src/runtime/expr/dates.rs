//! Dates in expressions: `now()` and `dateTime()` give the step's time as an ISO 8601 UTC
//! text (`2026-12-07T09:30:00.000Z`), which compares correctly with other such texts and is
//! what timers and due dates accept. A text holding a date has Joda-style methods, as
//! Camunda's `dateTime()` does: `plusDays(1)`, `minusHours(2)`, `plusMonths(1)`..., `toDate()`,
//! `getMillis()`, `isBefore(other)`, `isAfter(other)`.

use serde_json::Value;

use super::eval::Eval;
use super::functions::int_arg;
use super::{to_text, ExprError};
use crate::schedule::calendar::{civil_from_days, days_from_civil, days_in_month};
use crate::schedule::parse_datetime;
use crate::text::Text;

const SECOND: i64 = 1000;
const DAY: i64 = 86_400 * SECOND;

/// The date methods, for the parser's check (all take the numbers of units or another date).
pub(super) const METHODS: [(&str, usize, usize); 18] = [
    ("plusSeconds", 1, 1),
    ("plusMinutes", 1, 1),
    ("plusHours", 1, 1),
    ("plusDays", 1, 1),
    ("plusWeeks", 1, 1),
    ("plusMonths", 1, 1),
    ("plusYears", 1, 1),
    ("minusSeconds", 1, 1),
    ("minusMinutes", 1, 1),
    ("minusHours", 1, 1),
    ("minusDays", 1, 1),
    ("minusWeeks", 1, 1),
    ("minusMonths", 1, 1),
    ("minusYears", 1, 1),
    ("toDate", 0, 0),
    ("getMillis", 0, 0),
    ("isBefore", 1, 1),
    ("isAfter", 1, 1),
];

/// Epoch milliseconds as the text expressions see.
pub(super) fn format(millis: i64) -> Value {
    Value::String(crate::time::iso8601(millis))
}

/// `target.name(args)` when `name` is a date method: `Ok(None)` when it is not one.
pub(super) fn method(ev: &Eval<'_>, target: &Value, name: &str, args: &[Value]) -> Result<Option<Value>, ExprError> {
    if !METHODS.iter().any(|(n, _, _)| *n == name) {
        return Ok(None);
    }
    let date = |v: &Value| {
        parse_datetime(&to_text(v)).map_err(|e| ExprError::BadArgument {
            expr: ev.expr.to_owned(),
            message: Text::new("run.expr.needs_date").with("name", name).with_text("error", e.text()),
        })
    };
    let at = date(target)?;
    let arg = args.first().unwrap_or(&Value::Null);
    let out = match name {
        "toDate" => format(at),
        "getMillis" => Value::from(at),
        "isBefore" => Value::Bool(at < date(arg)?),
        "isAfter" => Value::Bool(at > date(arg)?),
        _ => {
            let n = int_arg(ev, name, arg)?;
            let (sign, unit) = match name.strip_prefix("plus") {
                Some(unit) => (1, unit),
                None => (-1, name.trim_start_matches("minus")),
            };
            let moved = n.checked_mul(sign).and_then(|n| shift(at, unit, n)).ok_or_else(|| ExprError::Arithmetic {
                expr: ev.expr.to_owned(),
                message: Text::new("run.expr.date_out_of_range").with("name", name).with("n", n),
            })?;
            format(moved)
        }
    };
    Ok(Some(out))
}

/// `at` moved by `n` units; months and years keep the day of the month where it exists and
/// otherwise take the month's last day (Jan 31 plus one month is Feb 28 or 29).
fn shift(at: i64, unit: &str, n: i64) -> Option<i64> {
    let fixed = match unit {
        "Seconds" => Some(SECOND),
        "Minutes" => Some(60 * SECOND),
        "Hours" => Some(3600 * SECOND),
        "Days" => Some(DAY),
        "Weeks" => Some(7 * DAY),
        _ => None,
    };
    if let Some(step) = fixed {
        return at.checked_add(n.checked_mul(step)?);
    }
    let months = if unit == "Years" { n.checked_mul(12)? } else { n };
    let (day_no, in_day) = (at.div_euclid(DAY), at.rem_euclid(DAY));
    let (y, m, d) = civil_from_days(day_no);
    let total = y.checked_mul(12)?.checked_add(i64::from(m) - 1)?.checked_add(months)?;
    let (ny, nm) = (total.div_euclid(12), u32::try_from(total.rem_euclid(12)).ok()? + 1);
    // Far beyond any real date; also keeps the day arithmetic below from overflowing.
    if ny.abs() > 1_000_000 {
        return None;
    }
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd).checked_mul(DAY)?.checked_add(in_day)
}
