//! Cron expressions (Quartz and Unix forms) and their next matching time on the wall clock
//! of a time zone.

use std::fmt;

use jiff::tz::TimeZone;

use super::calendar::{civil_from_days, days_from_civil, days_in_month, epoch_millis, weekday};
use super::zone::{to_instant, to_local};
use super::{quote, ScheduleError, SECOND};
use crate::text::Text;

/// How many calendar years a cron search looks at before it gives up. Eight years is the
/// longest gap between two February 29ths (2096 → 2104), so every satisfiable expression
/// without a year field is found within this bound.
const CRON_SEARCH_YEARS: u32 = 9;

/// How many matching wall-clock times [`CronSpec::next_after`] passes over (times already
/// past in a repeated hour) before it gives up.
const CRON_PASSED_OVER_MAX: usize = 8;

/// A cron expression, evaluated on the wall clock of a time zone (`0 0 9 * * ?` is due at
/// 09:00 there, whatever the season).
///
/// Two forms, told apart by the number of fields:
/// - Quartz / Camunda, 6 or 7 fields: `second minute hour day-of-month month day-of-week
///   [year]`, day-of-week `1`=SUN … `7`=SAT, year 1970–2099.
/// - Unix, 5 fields: `minute hour day-of-month month day-of-week` (second 0), day-of-week
///   `0`=SUN … `6`=SAT and `7`=SUN.
///
/// Each field is a comma-separated list of `*`, `n`, `a-b`, `*/n`, `a/n` (from `a` to the end
/// in steps of `n`) and `a-b/n`. Months may be named `JAN`–`DEC` and days `SUN`–`SAT` (any
/// case). A range may wrap (`FRI-MON`, `22-2`). `?` means "any" in day-of-month and
/// day-of-week; `L` in day-of-month is the last day of the month. `W`, `#` and `nL` are not
/// supported. When both day-of-month and day-of-week are restricted (neither `*` nor `?`), a
/// day matching either one is due, as in Unix cron.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSpec {
    /// The expression as written (fields separated by single spaces).
    text: String,
    /// Bit `n` set: second `n` (0–59) matches.
    pub(super) seconds: u64,
    /// Bit `n` set: minute `n` (0–59) matches.
    pub(super) minutes: u64,
    /// Bit `n` set: hour `n` (0–23) matches.
    pub(super) hours: u64,
    /// Bit `n` set: day of month `n` (1–31) matches.
    days_of_month: u64,
    /// The last day of the month matches (`L`).
    last_day_of_month: bool,
    /// Day-of-month is `*` or `?`.
    any_day_of_month: bool,
    /// Bit `n` set: month `n` (1–12) matches.
    pub(super) months: u64,
    /// Bit `n` set: weekday `n` (0 = Sunday … 6 = Saturday) matches.
    days_of_week: u64,
    /// Day-of-week is `*` or `?`.
    any_day_of_week: bool,
    /// The matching years, ascending; `None` = every year.
    pub(super) years: Option<Vec<i64>>,
}

/// How one cron field is read.
struct Field {
    /// The catalog key of the field's name.
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for the values `names_base`, `names_base + 1`, …
    names: &'static [&'static str],
    names_base: u32,
    /// `?` and `L` are allowed (day-of-month) or `?` only (day-of-week).
    question: bool,
    last: bool,
}

const MONTH_NAMES: &[&str] = &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const fn field(name: &'static str, min: u32, max: u32) -> Field {
    Field { name, min, max, names: &[], names_base: 0, question: false, last: false }
}

const SECOND_FIELD: Field = field("run.cron.field.second", 0, 59);
const MINUTE_FIELD: Field = field("run.cron.field.minute", 0, 59);
const HOUR_FIELD: Field = field("run.cron.field.hour", 0, 23);
const DAY_OF_MONTH_FIELD: Field = Field { question: true, last: true, ..field("run.cron.field.day_of_month", 1, 31) };
const MONTH_FIELD: Field = Field { names: MONTH_NAMES, names_base: 1, ..field("run.cron.field.month", 1, 12) };
const QUARTZ_WEEKDAY_FIELD: Field =
    Field { names: DAY_NAMES, names_base: 1, question: true, ..field("run.cron.field.day_of_week", 1, 7) };
const UNIX_WEEKDAY_FIELD: Field =
    Field { names: DAY_NAMES, names_base: 0, question: true, ..field("run.cron.field.day_of_week", 0, 7) };
const YEAR_FIELD: Field = field("run.cron.field.year", 1970, 2099);

/// One field, read.
struct FieldValues {
    /// The values, ascending, without duplicates.
    values: Vec<u32>,
    /// The field is exactly `*` or `?`.
    any: bool,
    /// `L` was given.
    last: bool,
}

impl Field {
    /// The field's name, in either language.
    fn named(&self, key: &'static str) -> Text {
        Text::new(key).with_text("field", Text::new(self.name))
    }

    fn parse(&self, text: &str) -> Result<FieldValues, Text> {
        if text == "*" || (self.question && text == "?") {
            return Ok(FieldValues { values: (self.min..=self.max).collect(), any: true, last: false });
        }
        let mut values = Vec::new();
        let mut last = false;
        for item in text.split(',') {
            if item.is_empty() {
                return Err(self.named("run.cron.empty_item").with("text", text));
            }
            if self.last && item.eq_ignore_ascii_case("L") {
                last = true;
                continue;
            }
            if item == "?" {
                return Err(self.named(if self.question {
                    "run.cron.question_alone"
                } else {
                    "run.cron.question_not_here"
                }));
            }
            if is_unsupported_special(item) {
                return Err(self.named("run.cron.unsupported_special").with("item", item));
            }
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(self.number(step, "run.cron.what.step")?)),
                None => (item, None),
            };
            if step == Some(0) {
                return Err(self.named("run.cron.step_zero").with("item", item));
            }
            let (from, to) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                (self.value(a)?, self.value(b)?)
            } else {
                let a = self.value(range)?;
                (a, if step.is_some() { self.max } else { a })
            };
            let step = step.unwrap_or(1);
            // Walk from `from` to `to`, wrapping past the maximum if `to` < `from`.
            let width = self.max - self.min + 1;
            let span = (to + width - from) % width;
            let mut k = 0;
            while k <= span {
                values.push(self.min + (from - self.min + k) % width);
                k += step;
            }
        }
        values.sort_unstable();
        values.dedup();
        Ok(FieldValues { values, any: false, last })
    }

    /// A number or a name, within the field's range.
    fn value(&self, text: &str) -> Result<u32, Text> {
        if let Some(index) = self.names.iter().position(|name| name.eq_ignore_ascii_case(text)) {
            return Ok(self.names_base + index as u32);
        }
        let value = self.number(text, "run.cron.what.value")?;
        if value < self.min || value > self.max {
            return Err(self
                .named("run.cron.out_of_range")
                .with("value", value)
                .with("min", self.min)
                .with("max", self.max));
        }
        Ok(value)
    }

    /// A number; `what` is the catalog key of what it is (a value, a step).
    fn number(&self, text: &str, what: &'static str) -> Result<u32, Text> {
        if text.is_empty() || text.len() > 4 || !text.bytes().all(|c| c.is_ascii_digit()) {
            let t = match self.names.first() {
                None => self.named("run.cron.not_a_number"),
                Some(name) => self.named("run.cron.not_a_number_or_name").with("name", name),
            };
            return Err(t.with("text", text).with_text("what", Text::new(what)));
        }
        text.parse::<u32>().map_err(|_| Text::new("run.cron.not_a_number_at_all").with("text", text))
    }
}

/// Quartz's `W`, `#`, `nL`, `LW` and `L-n`, which this reader does not support.
fn is_unsupported_special(item: &str) -> bool {
    let upper = item.to_ascii_uppercase();
    let prefix = upper.trim_end_matches(['L', 'W']);
    upper.contains('#')
        || upper.starts_with('L')
        || (prefix.len() < upper.len() && prefix.bytes().all(|c| c.is_ascii_digit() || c == b'-'))
}

fn mask(values: &[u32]) -> u64 {
    values.iter().filter(|&&v| v < 64).fold(0, |m, &v| m | (1u64 << v))
}

/// The smallest set bit of `mask` at or above `from`.
fn next_bit(mask: u64, from: u32) -> Option<u32> {
    if from >= 64 {
        return None;
    }
    let rest = mask >> from;
    (rest != 0).then(|| from + rest.trailing_zeros())
}

impl CronSpec {
    /// Parses a cron expression (see the type's documentation for the forms).
    pub fn parse(text: &str) -> Result<CronSpec, ScheduleError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let bad = |reason: Text| ScheduleError::BadCron { text: quote(text), reason };
        let (seconds, rest, weekday_field) = match fields.len() {
            5 => ("0", &fields[..], &UNIX_WEEKDAY_FIELD),
            6 | 7 => (fields[0], &fields[1..], &QUARTZ_WEEKDAY_FIELD),
            0 => return Err(ScheduleError::Empty { what: "run.schedule.what.cron", example: "0 0 9 ? * MON-FRI" }),
            n => return Err(bad(Text::new("run.cron.field_count").with("count", n))),
        };
        let seconds = SECOND_FIELD.parse(seconds).map_err(bad)?;
        let minutes = MINUTE_FIELD.parse(rest[0]).map_err(bad)?;
        let hours = HOUR_FIELD.parse(rest[1]).map_err(bad)?;
        let days_of_month = DAY_OF_MONTH_FIELD.parse(rest[2]).map_err(bad)?;
        let months = MONTH_FIELD.parse(rest[3]).map_err(bad)?;
        let days_of_week = weekday_field.parse(rest[4]).map_err(bad)?;
        let years = match rest.get(5) {
            Some(years) => {
                let years = YEAR_FIELD.parse(years).map_err(bad)?;
                (!years.any).then(|| years.values.iter().map(|&y| i64::from(y)).collect())
            }
            None => None,
        };
        // Weekdays as 0 = Sunday: Quartz counts 1 = Sunday, Unix has 7 = Sunday too.
        let weekdays: Vec<u32> = if fields.len() == 5 {
            days_of_week.values.iter().map(|&d| d % 7).collect()
        } else {
            days_of_week.values.iter().map(|&d| d - 1).collect()
        };
        Ok(CronSpec {
            text: fields.join(" "),
            seconds: mask(&seconds.values),
            minutes: mask(&minutes.values),
            hours: mask(&hours.values),
            days_of_month: mask(&days_of_month.values),
            last_day_of_month: days_of_month.last,
            any_day_of_month: days_of_month.any,
            months: mask(&months.values),
            days_of_week: mask(&weekdays),
            any_day_of_week: days_of_week.any,
            years,
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(super) fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
        let by_month =
            || self.days_of_month & (1 << day) != 0 || (self.last_day_of_month && day == days_in_month(year, month));
        let by_week = || self.days_of_week & (1 << weekday(days_from_civil(year, month, day))) != 0;
        match (self.any_day_of_month, self.any_day_of_week) {
            (true, true) => true,
            (false, true) => by_month(),
            (true, false) => by_week(),
            (false, false) => by_month() || by_week(),
        }
    }

    /// The first instant strictly after `after` (epoch milliseconds; answers are whole
    /// seconds) at which the wall clock of `zone` matches the expression; `None` if none
    /// within the search bound (about nine years of candidate years) or the time does not fit
    /// in epoch milliseconds.
    ///
    /// Across daylight-saving changes every matching wall-clock time is due once: one in an
    /// hour the clocks skip is due when they jump (`0 30 2 * * ?` fires at 03:00 that day);
    /// one in an hour they repeat is due at its first occurrence (or its second, when `after`
    /// is already past the first).
    pub fn next_after(&self, after: i64, zone: &TimeZone) -> Option<i64> {
        // Before the earliest representable instant every answer is the same as from it.
        let mut local = to_local(after.max(jiff::Timestamp::MIN.as_millisecond()), zone)?;
        // Only a wall-clock time whose occurrences are all past (or out of range) is passed
        // over, so a few rounds suffice.
        for _ in 0..CRON_PASSED_OVER_MAX {
            let candidate = self.next_local_after(local)?;
            if let Some(instant) = to_instant(candidate, zone, after) {
                return Some(instant);
            }
            local = candidate;
        }
        None
    }

    /// The first wall-clock time (local milliseconds, whole seconds) strictly after `after`
    /// that matches, on a clock without zone changes.
    ///
    /// Advances field by field (month, day, hour, minute, second), jumping to the next
    /// matching value, so it takes at most a few thousand steps.
    fn next_local_after(&self, after: i64) -> Option<i64> {
        let start = after.div_euclid(SECOND) + 1;
        let (mut y, mut mo, mut d) = civil_from_days(start.div_euclid(86_400));
        let second_of_day = start.rem_euclid(86_400) as u32;
        let (mut h, mut mi, mut s) = (second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
        let mut year_seen: Option<i64> = None;
        let mut years_searched = 0;
        loop {
            // Carry overflowing fields upwards.
            if s > 59 {
                s = 0;
                mi += 1;
            }
            if mi > 59 {
                mi = 0;
                h += 1;
            }
            if h > 23 {
                h = 0;
                d += 1;
            }
            if mo > 12 {
                mo = 1;
                y = y.checked_add(1)?;
            }
            if d > days_in_month(y, mo) {
                d = 1;
                mo += 1;
                if mo > 12 {
                    mo = 1;
                    y = y.checked_add(1)?;
                }
            }
            if year_seen != Some(y) {
                if let Some(years) = &self.years {
                    let next = *years.iter().find(|&&candidate| candidate >= y)?;
                    if next > y {
                        (y, mo, d, h, mi, s) = (next, 1, 1, 0, 0, 0);
                    }
                }
                years_searched += 1;
                if years_searched > CRON_SEARCH_YEARS {
                    return None;
                }
                year_seen = Some(y);
            }
            if self.months & (1 << mo) == 0 {
                (mo, d, h, mi, s) = (mo + 1, 1, 0, 0, 0);
                continue;
            }
            if !self.day_matches(y, mo, d) {
                (d, h, mi, s) = (d + 1, 0, 0, 0);
                continue;
            }
            match next_bit(self.hours, h) {
                None => {
                    (h, mi, s) = (24, 0, 0);
                    continue;
                }
                Some(next) if next != h => (h, mi, s) = (next, 0, 0),
                Some(_) => {}
            }
            match next_bit(self.minutes, mi) {
                None => {
                    (mi, s) = (60, 0);
                    continue;
                }
                Some(next) if next != mi => (mi, s) = (next, 0),
                Some(_) => {}
            }
            match next_bit(self.seconds, s) {
                None => {
                    s = 60;
                    continue;
                }
                Some(next) => s = next,
            }
            return epoch_millis(y, mo, d, h, mi, s);
        }
    }
}

impl fmt::Display for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
