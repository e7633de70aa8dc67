//! Timer and due-date definitions: parsing and the times they are due.
//!
//! Pure calendar arithmetic with no I/O and no time library. All times are Unix epoch
//! milliseconds (`i64`) in UTC; every computation uses checked arithmetic, so an absurd input
//! gives an error or `None`, never a panic or an overflow.
//!
//! - [`parse_duration`]: ISO 8601 durations `PnYnMnWnDTnHnMnS`. A year counts as 365 days and a
//!   month as 30 days (a duration is a fixed length, not a calendar step). The last component
//!   may carry a fraction (`PT1.5S`, `PT0.5H`); negative durations are refused.
//! - [`parse_datetime`]: `2026-11-23`, `2026-11-23T10:00`, `2026-11-23T10:00:00`, optionally
//!   with `.fff` and a zone `Z`, `±hh:mm`, `±hhmm` or `±hh`. Without a zone the time is UTC.
//! - [`parse_timer`]: a BPMN `timeDate`, `timeDuration` or `timeCycle`. A cycle is an ISO 8601
//!   repetition (`R3/PT10M`, `R/PT1H`, `R3/2026-11-23T10:00:00Z/PT10M`) or a cron expression
//!   (see [`CronSpec`]).
//! - [`parse_due`]: a user task's due date, a date-time or a duration from now.

use std::fmt;

/// Milliseconds in a second, minute, hour and day.
const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// How many calendar years a cron search looks at before it gives up. Eight years is the
/// longest gap between two February 29ths (2096 → 2104), so every satisfiable expression
/// without a year field is found within this bound.
const CRON_SEARCH_YEARS: u32 = 9;

/// The longest piece of user input quoted back in an error message.
const QUOTE_MAX_CHARS: usize = 80;

/// The kind of a BPMN timer definition, as its element names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKindText {
    /// `timeDate`: one point in time.
    Date,
    /// `timeDuration`: a wait measured from when the timer is created.
    Duration,
    /// `timeCycle`: a repetition or a cron expression.
    Cycle,
}

/// A parsed timer or due-date definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerSpec {
    /// Due at this time (epoch milliseconds).
    At(i64),
    /// Due this many milliseconds after the timer is created.
    After(i64),
    /// An ISO 8601 repetition: `repeat` firings (`None` = unbounded), `interval_ms` apart, the
    /// first at `start` or, without a start, one interval after the timer is created.
    Cycle { repeat: Option<u32>, start: Option<i64>, interval_ms: i64 },
    /// A cron expression, evaluated in UTC.
    Cron(CronSpec),
}

/// Why a timer or due-date text was refused. Each message quotes the text, says what is wrong
/// and gives an example of a valid value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Nothing was given.
    #[error("the {what} is empty (e.g. {example})")]
    Empty { what: &'static str, example: &'static str },
    /// Not an ISO 8601 duration.
    #[error("`{0}` is not an ISO 8601 duration (e.g. PT10M, P2D, P1DT12H)")]
    BadDuration(String),
    /// A duration with a minus sign.
    #[error("`{0}` is a negative duration; a timer can only wait forward (e.g. PT10M, P2D)")]
    NegativeDuration(String),
    /// Not an ISO 8601 date or date-time.
    #[error(
        "`{0}` is not an ISO 8601 date or date-time (e.g. 2026-11-23, 2026-11-23T10:00:00Z, \
         2026-11-23T10:00:00+08:00)"
    )]
    BadDateTime(String),
    /// Well formed, but no such day or time.
    #[error("`{text}` is not a valid date-time: {reason} (e.g. 2026-11-23T10:00:00Z)")]
    InvalidDateTime { text: String, reason: String },
    /// A value beyond what epoch milliseconds can hold.
    #[error("`{0}` is too far in the future to be represented (e.g. P30D, 2026-11-23T10:00:00Z)")]
    TooLarge(String),
    /// Not a repetition and not a cron expression.
    #[error(
        "`{0}` is not a timer cycle (e.g. R3/PT10M, R/PT1H, R3/2026-11-23T10:00:00Z/PT10M, \
         or a cron expression such as 0 0 9 ? * MON-FRI)"
    )]
    BadCycle(String),
    /// A repetition that is understood but not usable.
    #[error("`{text}`: {reason} (e.g. R3/PT10M, R/PT1H, R3/2026-11-23T10:00:00Z/PT10M)")]
    BadRepetition { text: String, reason: String },
    /// A malformed cron expression.
    #[error(
        "`{text}` is not a valid cron expression: {reason} (e.g. 0 */10 * * * ? for every ten \
         minutes, 0 0 9 ? * MON-FRI for weekdays at 9:00, */15 * * * * in Unix form)"
    )]
    BadCron { text: String, reason: String },
    /// A due date that is neither a date-time nor a duration.
    #[error("`{0}` is neither an ISO 8601 date-time nor a duration (e.g. 2026-11-23T17:00:00Z or P3D)")]
    BadDue(String),
}

/// The text as quoted in an error message: trimmed, and cut (on a character boundary) if long.
fn quote(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= QUOTE_MAX_CHARS {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(QUOTE_MAX_CHARS).collect();
        cut.push('…');
        cut
    }
}

// ------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, after Howard Hinnant's algorithms)
// ------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a civil date. Exact for any year within ±10^12.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1–12, day 1–31) of a day number since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in a month (1–12) of a year.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of the week of a day number since 1970-01-01: 0 = Sunday … 6 = Saturday.
fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

/// Epoch milliseconds of a UTC civil date and time, `None` if it does not fit.
fn epoch_millis(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    let secs = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    days_from_civil(year, month, day).checked_mul(DAY)?.checked_add(secs * SECOND)
}

// ------------------------------------------------------------------------------------------
// Durations
// ------------------------------------------------------------------------------------------

/// Parses an ISO 8601 duration `PnYnMnWnDTnHnMnS` into milliseconds.
///
/// Components appear in that order, each at most once, and at least one is present; `T`
/// comes before the time components and must be followed by one. A year is 365 days, a month
/// 30 days. The last component may have a fraction (`.` or `,`), kept to the millisecond
/// (`PT1.5S` = 1500, `PT0.5H` = 1 800 000). Letters may be lower case. A leading `-` is refused
/// with [`ScheduleError::NegativeDuration`].
pub fn parse_duration(text: &str) -> Result<i64, ScheduleError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ScheduleError::Empty { what: "duration", example: "PT10M" });
    }
    if let Some(rest) = trimmed.strip_prefix('-') {
        return Err(match duration_millis(rest.as_bytes()) {
            Some(_) => ScheduleError::NegativeDuration(quote(text)),
            None => ScheduleError::BadDuration(quote(text)),
        });
    }
    match duration_millis(trimmed.as_bytes()) {
        Some(Ok(millis)) => Ok(millis),
        Some(Err(())) => Err(ScheduleError::TooLarge(quote(text))),
        None => Err(ScheduleError::BadDuration(quote(text))),
    }
}

/// Where a duration's integer parts stop counting (see [`duration_millis`]).
const WHOLE_CAP: i128 = 100_000_000_000_000_000_000;

/// The milliseconds of a duration: `None` when malformed, `Some(Err(()))` when too large.
fn duration_millis(s: &[u8]) -> Option<Result<i64, ()>> {
    let mut i = 0;
    if !matches!(s.first(), Some(b'P' | b'p')) {
        return None;
    }
    i += 1;
    let mut in_time = false;
    let mut time_parts = 0;
    let mut parts = 0;
    let mut last_rank = 0;
    let mut had_fraction = false;
    let mut total: i128 = 0;
    while i < s.len() {
        if matches!(s[i], b'T' | b't') {
            if in_time {
                return None;
            }
            in_time = true;
            i += 1;
            continue;
        }
        if had_fraction {
            return None; // only the last component may have a fraction
        }
        // Integer part.
        let start = i;
        let mut whole: i128 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            // Saturate: 10^20 of any unit is already far beyond `i64::MAX` milliseconds.
            whole = (whole * 10 + i128::from(s[i] - b'0')).min(WHOLE_CAP);
            i += 1;
        }
        if i == start {
            return None;
        }
        // Fraction.
        let mut frac_num: i128 = 0;
        let mut frac_den: i128 = 1;
        if i < s.len() && matches!(s[i], b'.' | b',') {
            i += 1;
            let fstart = i;
            while i < s.len() && s[i].is_ascii_digit() {
                if i - fstart < 9 {
                    frac_num = frac_num * 10 + i128::from(s[i] - b'0');
                    frac_den *= 10;
                }
                i += 1;
            }
            if i == fstart {
                return None;
            }
            had_fraction = true;
        }
        let unit = s.get(i)?.to_ascii_uppercase();
        i += 1;
        let (rank, unit_ms) = match (in_time, unit) {
            (false, b'Y') => (1, 365 * DAY),
            (false, b'M') => (2, 30 * DAY),
            (false, b'W') => (3, 7 * DAY),
            (false, b'D') => (4, DAY),
            (true, b'H') => (5, HOUR),
            (true, b'M') => (6, MINUTE),
            (true, b'S') => (7, SECOND),
            _ => return None,
        };
        if rank <= last_rank {
            return None;
        }
        last_rank = rank;
        parts += 1;
        if in_time {
            time_parts += 1;
        }
        let unit_ms = i128::from(unit_ms);
        // At most 7 components of at most 10^20 × 3.2·10^10: far within `i128`.
        total += whole * unit_ms + frac_num * unit_ms / frac_den;
    }
    if parts == 0 || (in_time && time_parts == 0) {
        return None;
    }
    Some(i64::try_from(total).map_err(|_| ()))
}

// ------------------------------------------------------------------------------------------
// Dates and times
// ------------------------------------------------------------------------------------------

/// Parses an ISO 8601 date or date-time into epoch milliseconds.
///
/// Accepted: `2026-11-23` (midnight), `2026-11-23T10:00`, `2026-11-23T10:00:00`, a fraction of
/// a second after the seconds (`.250`, kept to the millisecond), and then a zone: `Z`,
/// `+08:00`, `-0530` or `+08`. Without a zone the time is UTC. A space may stand for `T`.
pub fn parse_datetime(text: &str) -> Result<i64, ScheduleError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ScheduleError::Empty { what: "date", example: "2026-11-23T10:00:00Z" });
    }
    let parts = scan_datetime(trimmed.as_bytes()).ok_or_else(|| ScheduleError::BadDateTime(quote(text)))?;
    let invalid = |reason: String| ScheduleError::InvalidDateTime { text: quote(text), reason };
    if !(1..=12).contains(&parts.month) {
        return Err(invalid(format!("there is no month {}", parts.month)));
    }
    let month_days = days_in_month(parts.year, parts.month);
    if parts.day == 0 || parts.day > month_days {
        return Err(invalid(format!(
            "{:04}-{:02} has {} days, not {}",
            parts.year, parts.month, month_days, parts.day
        )));
    }
    if parts.hour > 23 {
        return Err(invalid(format!("hour {} is not within 00-23", parts.hour)));
    }
    if parts.minute > 59 {
        return Err(invalid(format!("minute {} is not within 00-59", parts.minute)));
    }
    if parts.second > 59 {
        return Err(invalid(format!("second {} is not within 00-59", parts.second)));
    }
    if parts.offset_hours > 23 || parts.offset_minutes > 59 {
        return Err(invalid(format!(
            "the offset {:02}:{:02} is not a time zone offset",
            parts.offset_hours, parts.offset_minutes
        )));
    }
    let offset = parts.offset_sign * (i64::from(parts.offset_hours) * HOUR + i64::from(parts.offset_minutes) * MINUTE);
    epoch_millis(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second)
        .and_then(|t| t.checked_add(parts.millis))
        .and_then(|t| t.checked_sub(offset))
        .ok_or_else(|| ScheduleError::TooLarge(quote(text)))
}

/// The fields of a date-time as written, not yet range-checked.
struct DateTimeParts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: i64,
    offset_sign: i64,
    offset_hours: u32,
    offset_minutes: u32,
}

/// Reads exactly `n` ASCII digits at `*i`.
fn digits(s: &[u8], i: &mut usize, n: usize) -> Option<u32> {
    let mut value = 0u32;
    for _ in 0..n {
        let c = *s.get(*i)?;
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(c - b'0');
        *i += 1;
    }
    Some(value)
}

/// Reads the byte `c` at `*i`, if it is there.
fn eat(s: &[u8], i: &mut usize, c: u8) -> bool {
    if s.get(*i) == Some(&c) {
        *i += 1;
        true
    } else {
        false
    }
}

/// The syntax of a date-time; `None` when it does not have the form.
fn scan_datetime(s: &[u8]) -> Option<DateTimeParts> {
    let mut i = 0;
    let year = i64::from(digits(s, &mut i, 4)?);
    if !eat(s, &mut i, b'-') {
        return None;
    }
    let month = digits(s, &mut i, 2)?;
    if !eat(s, &mut i, b'-') {
        return None;
    }
    let day = digits(s, &mut i, 2)?;
    let mut parts = DateTimeParts {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        offset_sign: 1,
        offset_hours: 0,
        offset_minutes: 0,
    };
    if i == s.len() {
        return Some(parts);
    }
    if !matches!(s[i], b'T' | b't' | b' ') {
        return None;
    }
    i += 1;
    parts.hour = digits(s, &mut i, 2)?;
    if !eat(s, &mut i, b':') {
        return None;
    }
    parts.minute = digits(s, &mut i, 2)?;
    if eat(s, &mut i, b':') {
        parts.second = digits(s, &mut i, 2)?;
        if i < s.len() && matches!(s[i], b'.' | b',') {
            i += 1;
            let start = i;
            let mut millis = 0i64;
            while i < s.len() && s[i].is_ascii_digit() {
                if i - start < 3 {
                    millis = millis * 10 + i64::from(s[i] - b'0');
                }
                i += 1;
            }
            let len = i - start;
            if len == 0 {
                return None;
            }
            for _ in len..3 {
                millis *= 10;
            }
            parts.millis = millis;
        }
    }
    if i == s.len() {
        return Some(parts);
    }
    match s[i] {
        b'Z' | b'z' => i += 1,
        b'+' | b'-' => {
            parts.offset_sign = if s[i] == b'-' { -1 } else { 1 };
            i += 1;
            parts.offset_hours = digits(s, &mut i, 2)?;
            if i < s.len() {
                eat(s, &mut i, b':');
                parts.offset_minutes = digits(s, &mut i, 2)?;
            }
        }
        _ => return None,
    }
    (i == s.len()).then_some(parts)
}

// ------------------------------------------------------------------------------------------
// Timers and due dates
// ------------------------------------------------------------------------------------------

/// Parses a BPMN timer definition of the given kind.
///
/// - `Date`: [`parse_datetime`] → [`TimerSpec::At`].
/// - `Duration`: [`parse_duration`] → [`TimerSpec::After`].
/// - `Cycle`: `R<n>/<duration>`, `R/<duration>` (unbounded) or `R<n>/<date-time>/<duration>`
///   → [`TimerSpec::Cycle`]; anything else is read as a cron expression → [`TimerSpec::Cron`].
///   The interval must be longer than zero and `R0` is refused (a timer that never fires).
pub fn parse_timer(kind: TimerKindText, text: &str) -> Result<TimerSpec, ScheduleError> {
    match kind {
        TimerKindText::Date => parse_datetime(text).map(TimerSpec::At),
        TimerKindText::Duration => parse_duration(text).map(TimerSpec::After),
        TimerKindText::Cycle => parse_cycle(text),
    }
}

fn parse_cycle(text: &str) -> Result<TimerSpec, ScheduleError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ScheduleError::Empty { what: "timer cycle", example: "R3/PT10M" });
    }
    let bytes = trimmed.as_bytes();
    let is_repetition =
        matches!(bytes[0], b'R' | b'r') && bytes.get(1).is_none_or(|c| c.is_ascii_digit() || *c == b'/');
    if is_repetition {
        return parse_repetition(text, trimmed);
    }
    if trimmed.split_whitespace().count() == 1 {
        // Not a cron expression; a bare duration is a likely slip for `R/…`.
        return Err(ScheduleError::BadCycle(quote(text)));
    }
    CronSpec::parse(trimmed).map(TimerSpec::Cron)
}

fn parse_repetition(text: &str, trimmed: &str) -> Result<TimerSpec, ScheduleError> {
    let bad = |reason: &str| ScheduleError::BadRepetition { text: quote(text), reason: reason.to_string() };
    let pieces: Vec<&str> = trimmed.split('/').collect();
    // pieces[0] is `R` or `R<n>`; `R` is one byte, so slicing at 1 is on a char boundary.
    let count = &pieces[0][1..];
    let repeat = if count.is_empty() {
        None
    } else {
        if !count.bytes().all(|c| c.is_ascii_digit()) {
            return Err(ScheduleError::BadCycle(quote(text)));
        }
        match count.parse::<u32>() {
            Ok(0) => return Err(bad("R0 repeats nothing, so the timer would never fire")),
            Ok(n) => Some(n),
            Err(_) => return Err(bad("the repetition count is too large")),
        }
    };
    let (start, interval_ms) = match pieces[1..] {
        [duration] => (None, parse_duration(duration)?),
        [first, second] => {
            if matches!(first.trim().as_bytes().first(), Some(b'P' | b'p' | b'-')) {
                return Err(bad("an end date is not supported; give the start date before the interval instead"));
            }
            (Some(parse_datetime(first)?), parse_duration(second)?)
        }
        _ => return Err(ScheduleError::BadCycle(quote(text))),
    };
    if interval_ms == 0 {
        return Err(bad("the interval must be longer than zero"));
    }
    Ok(TimerSpec::Cycle { repeat, start, interval_ms })
}

/// Parses a user task's due date: an ISO 8601 date or date-time ([`parse_datetime`]), or a
/// duration ([`parse_duration`]) counted from `now`.
pub fn parse_due(text: &str, now: i64) -> Result<i64, ScheduleError> {
    let trimmed = text.trim();
    match trimmed.as_bytes().first() {
        None => Err(ScheduleError::Empty { what: "due date", example: "2026-11-23T17:00:00Z or P3D" }),
        Some(b'P' | b'p' | b'-') => {
            let millis = parse_duration(text)?;
            now.checked_add(millis).ok_or_else(|| ScheduleError::TooLarge(quote(text)))
        }
        Some(c) if c.is_ascii_digit() => parse_datetime(text),
        Some(_) => Err(ScheduleError::BadDue(quote(text))),
    }
}

impl TimerSpec {
    /// The first due time for a timer created at `now`.
    ///
    /// `At` is due at its time (a time in the past means "due at once"); `After` one duration
    /// after `now`; a cycle at its start (even if that has passed) or, without one, one
    /// interval after `now`; a cron expression at its first match strictly after `now`.
    /// `None` when the time does not fit in epoch milliseconds or a cron expression never
    /// matches.
    pub fn first_due(&self, now: i64) -> Option<i64> {
        match self {
            TimerSpec::At(at) => Some(*at),
            TimerSpec::After(millis) => now.checked_add(*millis),
            TimerSpec::Cycle { start: Some(start), .. } => Some(*start),
            TimerSpec::Cycle { start: None, interval_ms, .. } => now.checked_add(*interval_ms),
            TimerSpec::Cron(cron) => cron.next_after(now),
        }
    }

    /// For a cycle: the due time after the firing at `fired_at`, given how many times it has
    /// fired (`fired` ≥ 1); `None` when the repetitions are used up. At/After: `None`.
    ///
    /// Pass the time the firing was due to keep a drift-free schedule, or the time it actually
    /// ran to space firings from when they happen. A repetition is due one interval after
    /// `fired_at`; a cron expression at its first match strictly after `fired_at`.
    pub fn next_due(&self, fired_at: i64, fired: u32) -> Option<i64> {
        match self {
            TimerSpec::At(_) | TimerSpec::After(_) => None,
            TimerSpec::Cycle { repeat, interval_ms, .. } => {
                if repeat.is_some_and(|n| fired >= n) {
                    None
                } else {
                    fired_at.checked_add(*interval_ms)
                }
            }
            TimerSpec::Cron(cron) => cron.next_after(fired_at),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Cron
// ------------------------------------------------------------------------------------------

/// A cron expression, evaluated in UTC.
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
    seconds: u64,
    /// Bit `n` set: minute `n` (0–59) matches.
    minutes: u64,
    /// Bit `n` set: hour `n` (0–23) matches.
    hours: u64,
    /// Bit `n` set: day of month `n` (1–31) matches.
    days_of_month: u64,
    /// The last day of the month matches (`L`).
    last_day_of_month: bool,
    /// Day-of-month is `*` or `?`.
    any_day_of_month: bool,
    /// Bit `n` set: month `n` (1–12) matches.
    months: u64,
    /// Bit `n` set: weekday `n` (0 = Sunday … 6 = Saturday) matches.
    days_of_week: u64,
    /// Day-of-week is `*` or `?`.
    any_day_of_week: bool,
    /// The matching years, ascending; `None` = every year.
    years: Option<Vec<i64>>,
}

/// How one cron field is read.
struct Field {
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

const SECOND_FIELD: Field = field("second", 0, 59);
const MINUTE_FIELD: Field = field("minute", 0, 59);
const HOUR_FIELD: Field = field("hour", 0, 23);
const DAY_OF_MONTH_FIELD: Field = Field { question: true, last: true, ..field("day-of-month", 1, 31) };
const MONTH_FIELD: Field = Field { names: MONTH_NAMES, names_base: 1, ..field("month", 1, 12) };
const QUARTZ_WEEKDAY_FIELD: Field =
    Field { names: DAY_NAMES, names_base: 1, question: true, ..field("day-of-week", 1, 7) };
const UNIX_WEEKDAY_FIELD: Field =
    Field { names: DAY_NAMES, names_base: 0, question: true, ..field("day-of-week", 0, 7) };
const YEAR_FIELD: Field = field("year", 1970, 2099);

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
    fn parse(&self, text: &str) -> Result<FieldValues, String> {
        if text == "*" || (self.question && text == "?") {
            return Ok(FieldValues { values: (self.min..=self.max).collect(), any: true, last: false });
        }
        let mut values = Vec::new();
        let mut last = false;
        for item in text.split(',') {
            if item.is_empty() {
                return Err(format!("the {} field `{text}` has an empty list item", self.name));
            }
            if self.last && item.eq_ignore_ascii_case("L") {
                last = true;
                continue;
            }
            if item == "?" {
                return Err(if self.question {
                    format!("`?` must stand alone in the {} field", self.name)
                } else {
                    format!("`?` is only allowed in day-of-month and day-of-week, not in the {} field", self.name)
                });
            }
            if is_unsupported_special(item) {
                return Err(format!(
                    "`{item}` in the {} field is not supported (of the special characters only `L` \
                     alone in day-of-month is)",
                    self.name
                ));
            }
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(self.number(step, "step")?)),
                None => (item, None),
            };
            if step == Some(0) {
                return Err(format!("the step in `{item}` ({} field) must be at least 1", self.name));
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
    fn value(&self, text: &str) -> Result<u32, String> {
        if let Some(index) = self.names.iter().position(|name| name.eq_ignore_ascii_case(text)) {
            return Ok(self.names_base + index as u32);
        }
        let value = self.number(text, "value")?;
        if value < self.min || value > self.max {
            return Err(format!("{value} is outside the {} range {}-{}", self.name, self.min, self.max));
        }
        Ok(value)
    }

    fn number(&self, text: &str, what: &str) -> Result<u32, String> {
        if text.is_empty() || text.len() > 4 || !text.bytes().all(|c| c.is_ascii_digit()) {
            let hint =
                if self.names.is_empty() { String::new() } else { format!(" or a name such as {}", self.names[0]) };
            return Err(format!("`{text}` is not a {what} for the {} field (a number{hint})", self.name));
        }
        text.parse::<u32>().map_err(|_| format!("`{text}` is not a number"))
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
        let bad = |reason: String| ScheduleError::BadCron { text: quote(text), reason };
        let (seconds, rest, weekday_field) = match fields.len() {
            5 => ("0", &fields[..], &UNIX_WEEKDAY_FIELD),
            6 | 7 => (fields[0], &fields[1..], &QUARTZ_WEEKDAY_FIELD),
            0 => return Err(ScheduleError::Empty { what: "cron expression", example: "0 0 9 ? * MON-FRI" }),
            n => {
                return Err(bad(format!(
                    "it has {n} fields, but a cron expression has 6 or 7 (second minute hour \
                     day-of-month month day-of-week [year]) or 5 in Unix form"
                )))
            }
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

    fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
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

    /// The first time strictly after `after` (whole seconds) the expression matches; `None`
    /// if none within the search bound (about nine years of candidate years) or the time does
    /// not fit in epoch milliseconds.
    ///
    /// Advances field by field (month, day, hour, minute, second), jumping to the next
    /// matching value, so it takes at most a few thousand steps.
    pub fn next_after(&self, after: i64) -> Option<i64> {
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

#[cfg(test)]
mod tests {
    //! Expected epoch values were computed independently with `date -u -d <time> +%s`.

    use super::*;

    /// The console's date inputs (`YYYY-MM-DD`) are read with `parse_datetime`.
    #[test]
    fn date_inputs_of_the_console() {
        assert_eq!(parse_datetime("1970-01-01"), Ok(0));
        assert_eq!(parse_datetime("2000-02-29"), Ok(951_782_400_000));
        assert!(parse_datetime("2023-02-30").is_err());
        assert!(parse_datetime("2023-13-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// 2026-11-23T00:00:00Z, a Monday.
    const NOV_23: i64 = 1_795_392_000_000;

    fn cron(text: &str) -> CronSpec {
        match parse_timer(TimerKindText::Cycle, text) {
            Ok(TimerSpec::Cron(spec)) => spec,
            other => panic!("`{text}` should be a cron expression, got {other:?}"),
        }
    }

    fn next(text: &str, after: i64) -> Option<i64> {
        cron(text).next_after(after)
    }

    fn cron_error(text: &str) -> String {
        match CronSpec::parse(text) {
            Err(ScheduleError::BadCron { reason, .. }) => reason,
            other => panic!("`{text}` should be refused as a cron expression, got {other:?}"),
        }
    }

    // --- calendar -----------------------------------------------------------------------

    #[test]
    fn calendar_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 11, 23) * DAY, NOV_23);
        assert_eq!(days_from_civil(2000, 2, 29) * DAY, 951_782_400_000);
        assert_eq!(days_from_civil(2100, 3, 1) * DAY, 4_107_542_400_000);
        assert_eq!(days_from_civil(0, 1, 1) * DAY, -62_167_219_200_000);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
        assert_eq!(weekday(days_from_civil(2026, 11, 23)), 1, "Monday");
        assert_eq!(weekday(days_from_civil(2028, 2, 29)), 2, "Tuesday");
    }

    #[test]
    fn calendar_round_trip_and_month_lengths() {
        let mut previous = civil_from_days(-800_000);
        for days in -799_999..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= days_in_month(y, m));
            // Consecutive days: next day of the month, or the first of the next month.
            let (py, pm, pd) = previous;
            if d == 1 {
                assert_eq!(pd, days_in_month(py, pm));
            } else {
                assert_eq!((py, pm, pd + 1), (y, m, d));
            }
            previous = (y, m, d);
        }
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    // --- durations ----------------------------------------------------------------------

    #[test]
    fn durations() {
        let cases: &[(&str, i64)] = &[
            ("PT10M", 600_000),
            ("P2D", 172_800_000),
            ("P1DT12H", 129_600_000),
            ("PT1.5S", 1_500),
            ("PT0,25S", 250),
            ("PT0.0015S", 1),
            ("PT0.5H", 1_800_000),
            ("P0,5D", 43_200_000),
            ("P1Y", 31_536_000_000),
            ("P1M", 2_592_000_000),
            ("P1W", 604_800_000),
            ("P1Y2M3W4DT5H6M7.008S", 38_898_367_008),
            ("PT0S", 0),
            ("P0D", 0),
            ("pt10m", 600_000),
            ("  PT10M\n", 600_000),
            ("PT36H", 129_600_000),
            ("PT90M", 5_400_000),
        ];
        for &(text, millis) in cases {
            assert_eq!(parse_duration(text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn bad_durations() {
        for text in [
            "P",
            "PT",
            "P1DT",
            "P2X",
            "10M",
            "PT10",
            "P1H",
            "PT1D",
            "P1D1Y",
            "P1M1M",
            "PT1.5M30S",
            "P1.5DT2H",
            "PT-5M",
            "P1.D",
            "P.5D",
            "PT10M ago",
            "T10M",
            "P1DT2HT",
            "PP1D",
            "P1Y2M3W4DT5H6M7S8S",
            "P１D",
        ] {
            assert_eq!(parse_duration(text), Err(ScheduleError::BadDuration(text.trim().to_string())), "{text}");
        }
        assert_eq!(parse_duration("-PT5M"), Err(ScheduleError::NegativeDuration("-PT5M".into())));
        assert_eq!(parse_duration("-X"), Err(ScheduleError::BadDuration("-X".into())));
        assert_eq!(parse_duration("  "), Err(ScheduleError::Empty { what: "duration", example: "PT10M" }));
        assert_eq!(
            parse_duration("P99999999999999999999999999Y"),
            Err(ScheduleError::TooLarge("P99999999999999999999999999Y".into()))
        );
        assert_eq!(parse_duration("P300000000Y"), Err(ScheduleError::TooLarge("P300000000Y".into())));
        // Just below the limit: about 292 million years.
        assert_eq!(parse_duration("P290000000Y"), Ok(290_000_000 * 365 * DAY));
        // Leading zeros are not "too large".
        assert_eq!(parse_duration("P0000000000000000000000000001D"), Ok(DAY));
    }

    #[test]
    fn error_messages_say_what_is_wrong_and_give_an_example() {
        assert_eq!(
            parse_duration("P2X").unwrap_err().to_string(),
            "`P2X` is not an ISO 8601 duration (e.g. PT10M, P2D, P1DT12H)"
        );
        assert_eq!(
            parse_duration("-P1D").unwrap_err().to_string(),
            "`-P1D` is a negative duration; a timer can only wait forward (e.g. PT10M, P2D)"
        );
        assert_eq!(
            parse_datetime("2026-02-29").unwrap_err().to_string(),
            "`2026-02-29` is not a valid date-time: 2026-02 has 28 days, not 29 (e.g. 2026-11-23T10:00:00Z)"
        );
        assert_eq!(parse_datetime("").unwrap_err().to_string(), "the date is empty (e.g. 2026-11-23T10:00:00Z)");
        let message = parse_timer(TimerKindText::Cycle, "R0/PT1M").unwrap_err().to_string();
        assert!(message.contains("R0 repeats nothing") && message.contains("e.g. R3/PT10M"), "{message}");
        let message = CronSpec::parse("0 0 25 * * ?").unwrap_err().to_string();
        assert!(message.contains("25 is outside the hour range 0-23"), "{message}");
        assert!(message.contains("e.g. 0 */10 * * * ?"), "{message}");
        let message = parse_due("soon", 0).unwrap_err().to_string();
        assert!(message.contains("`soon`") && message.contains("e.g. 2026-11-23T17:00:00Z or P3D"), "{message}");
        // Long input is cut in the message.
        let long = "x".repeat(500);
        let message = parse_duration(&long).unwrap_err().to_string();
        assert!(message.len() < 200 && message.contains('…'), "{message}");
    }

    // --- dates --------------------------------------------------------------------------

    #[test]
    fn datetimes() {
        let cases: &[(&str, i64)] = &[
            ("2026-11-23", NOV_23),
            ("2026-11-23T10:00", 1_795_428_000_000),
            ("2026-11-23T10:00:00", 1_795_428_000_000),
            ("2026-11-23T10:00:00Z", 1_795_428_000_000),
            ("2026-11-23t10:00:00z", 1_795_428_000_000),
            ("2026-11-23 10:00:00", 1_795_428_000_000),
            ("2026-11-23T10:00Z", 1_795_428_000_000),
            ("2026-11-23T10:00:00.250Z", 1_795_428_000_250),
            ("2026-11-23T10:00:00.5", 1_795_428_000_500),
            ("2026-11-23T10:00:00,123456789Z", 1_795_428_000_123),
            ("2026-11-23T10:00:00+08:00", 1_795_399_200_000),
            ("2026-11-23T10:00:00+0800", 1_795_399_200_000),
            ("2026-11-23T10:00:00+08", 1_795_399_200_000),
            ("2026-11-23T10:00-05:30", 1_795_447_800_000),
            ("2026-11-23T10:00:00-0530", 1_795_447_800_000),
            ("2026-11-23T00:30:00+01:00", 1_795_390_200_000),
            ("2028-02-29T12:00:00Z", 1_835_438_400_000),
            ("2028-02-29", 1_835_395_200_000),
            ("2000-02-29", 951_782_400_000),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59Z", -1_000),
            ("9999-12-31T23:59:59Z", 253_402_300_799_000),
            ("0000-01-01", -62_167_219_200_000),
            ("  2026-11-23  ", NOV_23),
        ];
        for &(text, millis) in cases {
            assert_eq!(parse_datetime(text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn bad_datetimes() {
        for text in [
            "26-11-23",
            "2026/11/23",
            "2026-11-23T10",
            "2026-11-23T10:0",
            "2026-11-23Z",
            "2026-11-23T10:00:00.Z",
            "2026-11-23T10:00:00+8",
            "2026-11-23T10:00:00+08:0",
            "2026-11-23T10:00:00 UTC",
            "2026-11-23T10:00.5",
            "tomorrow",
            "2026-1-23",
            "20261123",
            "2026-11-23T10:00:00Z+01:00",
            "２026-11-23",
        ] {
            assert_eq!(parse_datetime(text), Err(ScheduleError::BadDateTime(text.to_string())), "{text}");
        }
        let invalid = |text: &str, reason: &str| {
            assert_eq!(
                parse_datetime(text),
                Err(ScheduleError::InvalidDateTime { text: text.into(), reason: reason.into() }),
                "{text}"
            );
        };
        invalid("2026-13-01", "there is no month 13");
        invalid("2026-00-01", "there is no month 0");
        invalid("2026-02-29", "2026-02 has 28 days, not 29");
        invalid("2100-02-29", "2100-02 has 28 days, not 29");
        invalid("2026-04-31", "2026-04 has 30 days, not 31");
        invalid("2026-11-00", "2026-11 has 30 days, not 0");
        invalid("2026-11-23T24:00", "hour 24 is not within 00-23");
        invalid("2026-11-23T10:60", "minute 60 is not within 00-59");
        invalid("2026-11-23T10:00:60", "second 60 is not within 00-59");
        invalid("2026-11-23T10:00+25:00", "the offset 25:00 is not a time zone offset");
        invalid("2026-11-23T10:00+01:75", "the offset 01:75 is not a time zone offset");
    }

    // --- timers -------------------------------------------------------------------------

    #[test]
    fn date_and_duration_timers() {
        let at = parse_timer(TimerKindText::Date, "2026-11-23T10:00:00Z").unwrap();
        assert_eq!(at, TimerSpec::At(1_795_428_000_000));
        assert_eq!(at.first_due(NOV_23), Some(1_795_428_000_000));
        assert_eq!(at.first_due(NOV_23 + 100 * DAY), Some(1_795_428_000_000), "a past date is due at once");
        assert_eq!(at.next_due(1_795_428_000_000, 1), None);

        let after = parse_timer(TimerKindText::Duration, "P3D").unwrap();
        assert_eq!(after, TimerSpec::After(3 * DAY));
        assert_eq!(after.first_due(NOV_23), Some(1_795_651_200_000));
        assert_eq!(after.next_due(1_795_651_200_000, 1), None);
        assert_eq!(after.first_due(i64::MAX), None);

        assert_eq!(parse_timer(TimerKindText::Date, "PT10M"), Err(ScheduleError::BadDateTime("PT10M".into())));
        assert_eq!(
            parse_timer(TimerKindText::Duration, "2026-11-23"),
            Err(ScheduleError::BadDuration("2026-11-23".into()))
        );
    }

    #[test]
    fn cycles_parse() {
        let cycle = |text: &str| parse_timer(TimerKindText::Cycle, text);
        assert_eq!(cycle("R3/PT10M"), Ok(TimerSpec::Cycle { repeat: Some(3), start: None, interval_ms: 600_000 }));
        assert_eq!(cycle("R/PT1H"), Ok(TimerSpec::Cycle { repeat: None, start: None, interval_ms: 3_600_000 }));
        assert_eq!(cycle(" r2/pt1m "), Ok(TimerSpec::Cycle { repeat: Some(2), start: None, interval_ms: 60_000 }));
        assert_eq!(
            cycle("R3/2026-11-23T10:00:00Z/PT10M"),
            Ok(TimerSpec::Cycle { repeat: Some(3), start: Some(1_795_428_000_000), interval_ms: 600_000 })
        );
        assert_eq!(
            cycle("R/2026-11-23T10:00:00+08:00/P1D"),
            Ok(TimerSpec::Cycle { repeat: None, start: Some(1_795_399_200_000), interval_ms: DAY })
        );
    }

    #[test]
    fn bad_cycles() {
        let cycle = |text: &str| parse_timer(TimerKindText::Cycle, text);
        let repetition = |text: &str, reason: &str| {
            assert_eq!(
                cycle(text),
                Err(ScheduleError::BadRepetition { text: text.into(), reason: reason.into() }),
                "{text}"
            );
        };
        repetition("R0/PT1M", "R0 repeats nothing, so the timer would never fire");
        repetition("R3/PT0S", "the interval must be longer than zero");
        repetition("R99999999999/PT1M", "the repetition count is too large");
        repetition(
            "R3/PT10M/2026-11-23T10:00:00Z",
            "an end date is not supported; give the start date before the interval instead",
        );
        for text in ["PT10M", "R3", "R3/2026-11-23T10:00:00Z/PT10M/PT1M", "Rx/PT1M", "R3x/PT1M", "every day"] {
            let expected =
                if text == "every day" { cron_error_variant(text) } else { ScheduleError::BadCycle(text.into()) };
            assert_eq!(cycle(text), Err(expected), "{text}");
        }
        assert_eq!(cycle("R3/PX"), Err(ScheduleError::BadDuration("PX".into())));
        assert_eq!(cycle("R3/-PT1M"), Err(ScheduleError::NegativeDuration("-PT1M".into())));
        assert_eq!(cycle("R/"), Err(ScheduleError::Empty { what: "duration", example: "PT10M" }));
        assert!(matches!(cycle("R3/2026-13-01T00:00Z/PT1M"), Err(ScheduleError::InvalidDateTime { .. })));
        assert_eq!(cycle(""), Err(ScheduleError::Empty { what: "timer cycle", example: "R3/PT10M" }));
    }

    fn cron_error_variant(text: &str) -> ScheduleError {
        CronSpec::parse(text).unwrap_err()
    }

    #[test]
    fn cycle_repetitions_are_counted() {
        // Without a start: the first firing one interval after creation, three in all.
        let spec = parse_timer(TimerKindText::Cycle, "R3/PT10M").unwrap();
        let first = spec.first_due(NOV_23).unwrap();
        assert_eq!(first, NOV_23 + 600_000);
        let second = spec.next_due(first, 1).unwrap();
        assert_eq!(second, NOV_23 + 1_200_000);
        let third = spec.next_due(second, 2).unwrap();
        assert_eq!(third, NOV_23 + 1_800_000);
        assert_eq!(spec.next_due(third, 3), None);
        assert_eq!(spec.next_due(third, 4), None);

        // With a start: the first firing at the start.
        let spec = parse_timer(TimerKindText::Cycle, "R2/2026-11-23T10:00:00Z/PT1H").unwrap();
        assert_eq!(spec.first_due(NOV_23), Some(1_795_428_000_000));
        assert_eq!(spec.first_due(NOV_23 + 30 * DAY), Some(1_795_428_000_000), "a past start is due at once");
        assert_eq!(spec.next_due(1_795_428_000_000, 1), Some(1_795_431_600_000));
        assert_eq!(spec.next_due(1_795_431_600_000, 2), None);

        // R1 fires once.
        let spec = parse_timer(TimerKindText::Cycle, "R1/PT1M").unwrap();
        assert_eq!(spec.first_due(0), Some(60_000));
        assert_eq!(spec.next_due(60_000, 1), None);

        // Unbounded never runs out, but does not overflow either.
        let spec = parse_timer(TimerKindText::Cycle, "R/PT1H").unwrap();
        assert_eq!(spec.next_due(NOV_23, u32::MAX), Some(NOV_23 + HOUR));
        assert_eq!(spec.next_due(i64::MAX - 1, 1), None);
        assert_eq!(spec.first_due(i64::MAX), None);

        // A cron cycle is unbounded.
        let spec = parse_timer(TimerKindText::Cycle, "0 0 9 ? * MON-FRI").unwrap();
        assert_eq!(spec.first_due(NOV_23), Some(NOV_23 + 9 * HOUR));
        assert_eq!(spec.next_due(NOV_23 + 9 * HOUR, 1_000), Some(1_795_510_800_000));
    }

    #[test]
    fn due_dates() {
        assert_eq!(parse_due("2026-11-23T17:00:00Z", 0), Ok(1_795_453_200_000));
        assert_eq!(parse_due("2026-11-23", 0), Ok(NOV_23));
        assert_eq!(parse_due("2026-11-23T18:00:00+01:00", 0), Ok(1_795_453_200_000));
        assert_eq!(parse_due("P3D", NOV_23), Ok(1_795_651_200_000));
        assert_eq!(parse_due(" PT1H ", NOV_23), Ok(NOV_23 + HOUR));
        assert_eq!(parse_due("-P1D", NOV_23), Err(ScheduleError::NegativeDuration("-P1D".into())));
        assert_eq!(parse_due("P1X", NOV_23), Err(ScheduleError::BadDuration("P1X".into())));
        assert!(parse_due("2026-02-30", 0).unwrap_err().to_string().contains("28 days"));
        assert_eq!(
            parse_due("", 0),
            Err(ScheduleError::Empty { what: "due date", example: "2026-11-23T17:00:00Z or P3D" })
        );
        assert_eq!(parse_due("tomorrow", 0), Err(ScheduleError::BadDue("tomorrow".into())));
        assert_eq!(parse_due("P1D", i64::MAX - 5), Err(ScheduleError::TooLarge("P1D".into())));
    }

    // --- cron ---------------------------------------------------------------------------

    #[test]
    fn cron_every_ten_minutes() {
        let spec = "0 */10 * * * ?";
        assert_eq!(next(spec, 1_795_428_207_000), Some(1_795_428_600_000), "10:03:27 → 10:10");
        assert_eq!(next(spec, 1_795_428_600_000), Some(1_795_429_200_000), "strictly after 10:10 → 10:20");
        assert_eq!(next(spec, 1_795_428_599_999), Some(1_795_428_600_000), "10:09:59.999 → 10:10");
        // Ten thousand firings in a row are ten minutes apart (across days and a month end).
        let cron = cron(spec);
        let mut at = NOV_23;
        for _ in 0..10_000 {
            let following = cron.next_after(at).unwrap();
            assert_eq!(following - at, 600_000);
            at = following;
        }
        // Unix form: the same.
        assert_eq!(next("*/10 * * * *", 1_795_428_207_000), Some(1_795_428_600_000));
    }

    #[test]
    fn cron_weekdays_at_nine() {
        for spec in ["0 0 9 ? * MON-FRI", "0 0 9 ? * 2-6", "0 0 9 ? * mon-fri", "0 0 9 * * MON-FRI", "0 9 * * 1-5"] {
            // Friday 2026-11-27 09:00 → Monday 2026-11-30 09:00.
            assert_eq!(next(spec, 1_795_770_000_000), Some(1_796_029_200_000), "{spec}");
            // Saturday noon → Monday.
            assert_eq!(next(spec, 1_795_867_200_000), Some(1_796_029_200_000), "{spec}");
            // Monday 10:00 → Tuesday 09:00.
            assert_eq!(next(spec, 1_795_428_000_000), Some(1_795_510_800_000), "{spec}");
            // Monday midnight → Monday 09:00.
            assert_eq!(next(spec, NOV_23), Some(NOV_23 + 9 * HOUR), "{spec}");
        }
    }

    #[test]
    fn cron_last_day_of_month() {
        let spec = "0 0 18 L * ?";
        assert_eq!(next(spec, 1_833_753_600_000), Some(1_835_460_000_000), "2028-02-10 → 2028-02-29 18:00");
        assert_eq!(next(spec, 1_772_301_600_000), Some(1_774_980_000_000), "2026-02-28 18:00 → 2026-03-31 18:00");
        assert_eq!(next("0 0 0 l * ?", NOV_23), Some(1_795_910_400_000 + DAY), "2026-11-30");
        // `L` with other days.
        assert_eq!(next("0 0 0 15,L * ?", NOV_23), Some(1_795_910_400_000 + DAY));
    }

    #[test]
    fn cron_month_and_year_rollover() {
        assert_eq!(next("0 30 23 * * ?", 1_796_082_300_000), Some(1_796_167_800_000), "11-30 23:45 → 12-01 23:30");
        assert_eq!(next("0 0 0 1 1 ?", 1_780_272_000_000), Some(1_798_761_600_000), "2026-06-01 → 2027-01-01");
        assert_eq!(next("0 0 0 * * ?", 1_798_718_400_000), Some(1_798_761_600_000), "12-31 noon → 2027-01-01");
        assert_eq!(next("0 0 0 1 * ?", NOV_23), Some(1_796_083_200_000), "→ 2026-12-01");
        assert_eq!(next("0 0 0 1 JAN,jul ?", 1_780_272_000_000), Some(1_782_864_000_000), "→ 2026-07-01");
        assert_eq!(next("0 0 0 31 * ?", NOV_23), Some(1_798_675_200_000), "November has no 31st → 12-31");
    }

    #[test]
    fn cron_leap_day_and_impossible_dates() {
        assert_eq!(next("0 0 12 29 2 ?", 1_772_323_200_000), Some(1_835_438_400_000), "2026-03-01 → 2028-02-29");
        assert_eq!(next("0 0 12 29 2 ?", 3_981_398_400_000), Some(4_233_729_600_000), "2096-03-01 → 2104-02-29");
        for spec in ["0 0 0 30 2 ?", "0 0 0 31 4,6,9,11 ?", "0 0 0 29 2 ? 2027", "0 0 0 1 1 ? 2020", "0 0 30 2 *"] {
            let cron = cron(spec);
            assert_eq!(cron.next_after(NOV_23), None, "{spec}");
        }
        assert_eq!(next("0 0 0 30 2 ?", i64::MIN), None);
        assert_eq!(next("0 0 0 1 1 ? 2020", i64::MIN), Some(1_577_836_800_000), "2020-01-01 is still ahead");
        // The bounded search is fast: a thousand impossible searches.
        let cron = cron("0 0 0 30 2 ?");
        for i in 0..1_000 {
            assert_eq!(cron.next_after(NOV_23 + i * DAY), None);
        }
    }

    #[test]
    fn cron_year_field() {
        assert_eq!(next("0 0 0 1 1 ? 2030", 1_780_272_000_000), Some(1_893_456_000_000));
        assert_eq!(next("0 0 0 1 1 ? 2025-2031/5", 1_780_272_000_000), Some(1_893_456_000_000), "2025, 2030");
        assert_eq!(next("0 0 0 1 1 ? *", 1_780_272_000_000), Some(1_798_761_600_000));
        assert_eq!(next("0 0 0 1 1 ? 2099", 1_780_272_000_000), Some(days_from_civil(2099, 1, 1) * DAY));
    }

    #[test]
    fn cron_unix_form_and_sundays() {
        // Monday 2026-11-23 → Sunday 2026-11-29.
        for spec in ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 0 ? * 1", "0 0 0 ? * SUN"] {
            assert_eq!(next(spec, NOV_23), Some(1_795_910_400_000), "{spec}");
        }
        // Monday 17:59 (past the last quarter hour) → Tuesday 09:00.
        assert_eq!(next("*/15 9-17 * * 1-5", 1_795_456_740_000), Some(1_795_510_800_000));
        assert_eq!(next("*/15 9-17 * * 1-5", 1_795_455_000_000), Some(1_795_455_900_000), "17:30 → 17:45");
    }

    #[test]
    fn cron_day_of_month_or_day_of_week() {
        // Both restricted: the 13th or a Friday.
        assert_eq!(next("0 0 0 13 * FRI", 1_794_528_000_000 - 12 * HOUR), Some(1_794_528_000_000), "→ Fri 13th");
        assert_eq!(next("0 0 0 13 * FRI", 1_794_528_000_000), Some(1_795_132_800_000), "→ Fri 20th");
        assert_eq!(next("0 0 0 13 * 6", NOV_23), Some(1_795_737_600_000), "Quartz 6 = Friday, 11-27");
    }

    #[test]
    fn cron_ranges_steps_and_wrapping() {
        // Hours 22-2 wrap past midnight.
        let spec = "0 0 22-2 * * ?";
        assert_eq!(next(spec, 1_795_476_600_000), Some(1_795_478_400_000), "23:30 → 00:00");
        assert_eq!(next(spec, 1_795_482_000_000), Some(1_795_485_600_000), "01:00 → 02:00");
        assert_eq!(next(spec, 1_795_485_600_000), Some(1_795_557_600_000), "02:00 → 22:00");
        // `a/n`: from a to the end.
        assert_eq!(next("5/20 * * * * ?", 1_795_428_000_000), Some(1_795_428_005_000));
        assert_eq!(next("5/20 * * * * ?", 1_795_428_005_000), Some(1_795_428_025_000));
        assert_eq!(next("5/20 * * * * ?", 1_795_428_045_000), Some(1_795_428_065_000), "→ next minute :05");
        // A whole-second match strictly after a fractional `now`.
        assert_eq!(next("* * * * * ?", 1_795_428_000_500), Some(1_795_428_001_000));
        assert_eq!(next("* * * * * ?", 1_795_428_000_000), Some(1_795_428_001_000));
        // Lists and ranges with steps.
        assert_eq!(next("0 0,30 8-10/2 * * ?", NOV_23), Some(NOV_23 + 8 * HOUR));
        assert_eq!(next("0 0,30 8-10/2 * * ?", NOV_23 + 8 * HOUR + 30 * MINUTE), Some(NOV_23 + 10 * HOUR));
        // Weekday names wrap too: FRI-MON is Friday to Monday.
        assert_eq!(next("0 0 0 ? * FRI-MON", NOV_23), Some(1_795_737_600_000), "Mon → Fri 11-27");
        // Before 1970 and at the very ends of the range.
        assert_eq!(next("0 0 0 1 1 ?", -1), Some(0));
        assert_eq!(next("0 0 0 * * ?", i64::MAX), None);
        assert!(next("0 0 0 * * ?", i64::MIN).is_some_and(|t| t > i64::MIN));
    }

    #[test]
    fn cron_display_normalises_spaces() {
        let spec = cron(" 0  0 9 ?\t* MON-FRI ");
        assert_eq!(spec.as_str(), "0 0 9 ? * MON-FRI");
        assert_eq!(spec.to_string(), "0 0 9 ? * MON-FRI");
    }

    #[test]
    fn bad_cron_expressions() {
        let cases: &[(&str, &str)] = &[
            ("0 0 25 * * ?", "25 is outside the hour range 0-23"),
            ("60 * * * * ?", "60 is outside the second range 0-59"),
            ("0 0 9 * * 0", "0 is outside the day-of-week range 1-7"),
            ("0 0 9 * * 8 *", "8 is outside the day-of-week range 1-7"),
            ("0 0 12 29 2 ? 1969", "1969 is outside the year range 1970-2099"),
            ("0 0 9 0 * ?", "0 is outside the day-of-month range 1-31"),
            ("0 0 9 1 13 ?", "13 is outside the month range 1-12"),
            ("* * *", "it has 3 fields"),
            ("0 0 0 0 0 0 0 0", "it has 8 fields"),
            ("0 0 9 ? * MON#2", "`MON#2` in the day-of-week field is not supported"),
            ("0 0 9 ? * 6L", "`6L` in the day-of-week field is not supported"),
            ("0 0 9 15W * ?", "`15W` in the day-of-month field is not supported"),
            ("0 0 9 LW * ?", "`LW` in the day-of-month field is not supported"),
            ("0 0 9 L-3 * ?", "`L-3` in the day-of-month field is not supported"),
            ("0 0 L * * ?", "`L` in the hour field is not supported"),
            ("0 0 9 ? * FOO", "`FOO` is not a value for the day-of-week field (a number or a name such as SUN)"),
            ("0 0 9 ? MON *", "`MON` is not a value for the month field"),
            ("0 0 9 ? * JUL", "`JUL` is not a value for the day-of-week field"),
            ("0 */0 * * * ?", "the step in `*/0` (minute field) must be at least 1"),
            ("0 0 9 ? ? *", "`?` is only allowed in day-of-month and day-of-week, not in the month field"),
            ("0 0 9 1,? * ?", "`?` must stand alone in the day-of-month field"),
            ("0 0 9 1,,2 * ?", "the day-of-month field `1,,2` has an empty list item"),
            ("0 0 9 -1 * ?", "`` is not a value for the day-of-month field"),
            ("0 0 9 1- * ?", "`` is not a value"),
            ("0 0 9 1/x * ?", "`x` is not a step for the day-of-month field"),
            ("0 0 99999 * * ?", "`99999` is not a value for the hour field"),
        ];
        for &(text, reason) in cases {
            let got = cron_error(text);
            assert!(got.contains(reason), "`{text}`: expected `{reason}` in `{got}`");
        }
        assert_eq!(
            CronSpec::parse("  "),
            Err(ScheduleError::Empty { what: "cron expression", example: "0 0 9 ? * MON-FRI" })
        );
    }

    /// Whether the expression matches the whole second `t` (seconds), by plain inspection.
    fn matches_at(spec: &CronSpec, t: i64) -> bool {
        let days = t.div_euclid(86_400);
        let (y, mo, d) = civil_from_days(days);
        let sod = t.rem_euclid(86_400) as u32;
        let bit = |mask: u64, v: u32| mask & (1 << v) != 0;
        spec.years.as_ref().is_none_or(|years| years.contains(&y))
            && bit(spec.months, mo)
            && spec.day_matches(y, mo, d)
            && bit(spec.hours, sod / 3600)
            && bit(spec.minutes, sod / 60 % 60)
            && bit(spec.seconds, sod % 60)
    }

    #[test]
    fn cron_agrees_with_a_minute_by_minute_scan() {
        let specs = [
            "0 */10 * * * ?",
            "0 0 9 ? * MON-FRI",
            "0 0 18 L * ?",
            "0 30 23 * * ?",
            "0 15,45 1-3 * * ?",
            "0 0 0 13 * FRI",
            "0 0 22-2 ? * SAT,SUN",
            "0 7 */5 1,15,L * ?",
            "0 0 12 ? JAN,MAR,DEC 3",
            "*/20 9-17 * * 1-5",
            "0 0 1 1 *",
        ];
        let mut rng = StdRng::seed_from_u64(7);
        for text in specs {
            let spec = cron(text);
            for _ in 0..4 {
                // A random minute within 2026-2028.
                let start = (NOV_23 / 1000 - 300 * 86_400 + rng.gen_range(0..900 * 86_400)) / 60 * 60;
                const WINDOW_MINUTES: i64 = 100 * 24 * 60;
                let expected = (1..=WINDOW_MINUTES).map(|k| start + k * 60).find(|&t| matches_at(&spec, t));
                let got = spec.next_after(start * 1000);
                match expected {
                    Some(t) => assert_eq!(got, Some(t * 1000), "{text} after {start}"),
                    None => {
                        let got = got.unwrap_or_else(|| panic!("{text} after {start}: no match"));
                        assert!(got > (start + WINDOW_MINUTES * 60) * 1000, "{text} after {start}");
                        assert!(matches_at(&spec, got / 1000), "{text} after {start}");
                    }
                }
            }
        }
    }

    // --- robustness ---------------------------------------------------------------------

    #[test]
    fn random_text_never_panics() {
        const PIECES: &[&str] = &[
            "0",
            "1",
            "2",
            "5",
            "9",
            "12",
            "29",
            "30",
            "59",
            "60",
            "99",
            "2026",
            "-",
            "+",
            ":",
            ".",
            ",",
            "/",
            "*",
            "?",
            " ",
            "\t",
            "P",
            "T",
            "Y",
            "M",
            "W",
            "D",
            "H",
            "S",
            "R",
            "Z",
            "L",
            "#",
            "MON",
            "jan",
            "SUN",
            "é",
            "日",
            "𝟙",
            "２",
            "p",
            "t",
            "-11-",
            "T10:",
            "9999999999",
            "R3/",
            "/PT",
            "L-",
            "W",
            "x",
        ];
        const CRON_PIECES: &[&str] = &[
            "0", "1", "5", "7", "12", "30", "59", "*", "?", "*/5", "1-5", "2/3", "MON", "MON-FRI", "JAN", "L", "2026",
        ];
        const VALID: &[&str] = &[
            "PT10M",
            "P1Y2M3W4DT5H6M7.008S",
            "2026-11-23T10:00:00.250+08:00",
            "2028-02-29",
            "R3/PT10M",
            "R/2026-11-23T10:00:00Z/P1D",
            "0 0 9 ? * MON-FRI",
            "*/15 9-17 * * 1-5",
            "0 0 18 L * ? 2030",
        ];
        let nows = [0, NOV_23, -1, i64::MAX, i64::MIN, i64::MAX - DAY];
        let mut rng = StdRng::seed_from_u64(20_261_123);
        let mut accepted = 0;
        for round in 0..10_000 {
            let mut text = String::new();
            match round % 3 {
                // Random pieces and characters.
                0 => {
                    for _ in 0..rng.gen_range(0..12) {
                        if rng.gen_bool(0.8) {
                            text.push_str(PIECES[rng.gen_range(0..PIECES.len())]);
                        } else {
                            text.push(char::from_u32(rng.gen_range(0..0x3000)).unwrap_or('?'));
                        }
                    }
                }
                // Something shaped like a cron expression.
                1 => {
                    let fields = rng.gen_range(4..9);
                    let pieces = (0..fields).map(|_| CRON_PIECES[rng.gen_range(0..CRON_PIECES.len())]);
                    text = pieces.collect::<Vec<_>>().join(" ");
                }
                // A valid text with a few mutations at character boundaries.
                _ => {
                    text = VALID[rng.gen_range(0..VALID.len())].to_string();
                    for _ in 0..rng.gen_range(0..4) {
                        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                        let at = boundaries[rng.gen_range(0..boundaries.len())];
                        match rng.gen_range(0..3) {
                            0 => text.insert_str(at, PIECES[rng.gen_range(0..PIECES.len())]),
                            1 if at < text.len() => {
                                text.remove(at);
                            }
                            _ => text.insert(at, char::from_u32(rng.gen_range(0x20..0x800)).unwrap_or('x')),
                        }
                    }
                }
            }
            let _ = parse_duration(&text);
            let _ = parse_datetime(&text);
            for now in nows {
                let _ = parse_due(&text, now);
            }
            for kind in [TimerKindText::Date, TimerKindText::Duration, TimerKindText::Cycle] {
                if let Ok(spec) = parse_timer(kind, &text) {
                    accepted += 1;
                    for now in nows {
                        let _ = spec.first_due(now);
                        let _ = spec.next_due(now, 1);
                        let _ = spec.next_due(now, u32::MAX);
                    }
                }
            }
            if let Ok(spec) = CronSpec::parse(&text) {
                let _ = spec.next_after(NOV_23);
            }
        }
        assert!(accepted > 1_000, "the generator should produce some valid timers, got {accepted}");
    }
}
