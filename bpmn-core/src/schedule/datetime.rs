//! ISO 8601 dates and date-times with an optional offset, as epoch milliseconds.

use jiff::tz::TimeZone;

use super::calendar::{days_in_month, epoch_millis};
use super::zone::to_instant;
use super::{quote, ScheduleError, HOUR, MINUTE};
use crate::text::Text;

/// Parses an ISO 8601 date or date-time into epoch milliseconds; without an offset the time
/// is UTC. See [`parse_datetime_in`].
pub fn parse_datetime(text: &str) -> Result<i64, ScheduleError> {
    parse_datetime_in(text, &TimeZone::UTC)
}

/// Parses an ISO 8601 date or date-time into epoch milliseconds.
///
/// Accepted: `2026-11-23` (midnight), `2026-11-23T10:00`, `2026-11-23T10:00:00`, a fraction of
/// a second after the seconds (`.250`, kept to the millisecond), and then an offset: `Z`,
/// `+08:00`, `-0530` or `+08`. Without an offset the time is the wall-clock time in `zone`
/// (a time the clocks skip is the moment they jump, a repeated one its first occurrence).
/// A space may stand for `T`.
pub fn parse_datetime_in(text: &str, zone: &TimeZone) -> Result<i64, ScheduleError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ScheduleError::Empty { what: "run.schedule.what.date", example: "2026-11-23T10:00:00Z" });
    }
    let parts = scan_datetime(trimmed.as_bytes()).ok_or_else(|| ScheduleError::BadDateTime(quote(text)))?;
    let invalid = |reason: Text| ScheduleError::InvalidDateTime { text: quote(text), reason };
    if !(1..=12).contains(&parts.month) {
        return Err(invalid(Text::new("run.schedule.no_month").with("month", parts.month)));
    }
    let month_days = days_in_month(parts.year, parts.month);
    if parts.day == 0 || parts.day > month_days {
        return Err(invalid(
            Text::new("run.schedule.month_days")
                .with("month", format!("{:04}-{:02}", parts.year, parts.month))
                .with("days", month_days)
                .with("day", parts.day),
        ));
    }
    if parts.hour > 23 {
        return Err(invalid(Text::new("run.schedule.bad_hour").with("hour", parts.hour)));
    }
    if parts.minute > 59 {
        return Err(invalid(Text::new("run.schedule.bad_minute").with("minute", parts.minute)));
    }
    if parts.second > 59 {
        return Err(invalid(Text::new("run.schedule.bad_second").with("second", parts.second)));
    }
    if parts.offset_hours > 23 || parts.offset_minutes > 59 {
        let offset = format!("{:02}:{:02}", parts.offset_hours, parts.offset_minutes);
        return Err(invalid(Text::new("run.schedule.bad_offset").with("offset", offset)));
    }
    let offset = parts.offset_sign * (i64::from(parts.offset_hours) * HOUR + i64::from(parts.offset_minutes) * MINUTE);
    let local = epoch_millis(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second)
        .and_then(|t| t.checked_add(parts.millis));
    let instant = if parts.has_offset {
        local.and_then(|t| t.checked_sub(offset))
    } else {
        local.and_then(|t| to_instant(t, zone, i64::MIN))
    };
    instant.ok_or_else(|| ScheduleError::TooLarge(quote(text)))
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
    /// `Z` or an offset was written.
    has_offset: bool,
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
        has_offset: false,
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
    parts.has_offset = true;
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
