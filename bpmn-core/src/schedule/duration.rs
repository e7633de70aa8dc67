//! ISO 8601 durations (`PnYnMnWnDTnHnMnS`): as calendar steps in a time zone
//! ([`IsoDuration`]) or as a fixed number of milliseconds ([`parse_duration`]).

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use super::{quote, ScheduleError, DAY, HOUR, MINUTE, SECOND};

/// An ISO 8601 duration as written: calendar units (years, months, weeks, days), which are
/// steps on the civil calendar of a time zone, and an exact time part in milliseconds.
///
/// `P1M` from January 31 is the last day of February; `P1D` across a daylight-saving change
/// is the same wall-clock time on the next day (23 or 25 hours); `PT24H` is always 24 hours.
/// A fraction on a calendar unit (`P0.5D`) is counted as a fixed length (365-day years,
/// 30-day months, 7-day weeks, 24-hour days) in the time part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoDuration {
    pub years: i64,
    pub months: i64,
    pub weeks: i64,
    pub days: i64,
    /// Hours, minutes, seconds and any fractions, in milliseconds.
    pub millis: i64,
}

impl IsoDuration {
    /// An exact duration of `millis` milliseconds, without calendar units.
    pub const fn exact(millis: i64) -> IsoDuration {
        IsoDuration { years: 0, months: 0, weeks: 0, days: 0, millis }
    }

    /// Whether it has calendar units, whose length depends on the date and the zone.
    fn is_calendar(&self) -> bool {
        self.years != 0 || self.months != 0 || self.weeks != 0 || self.days != 0
    }

    /// The length counted with fixed units (a year 365 days, a month 30 days, a week 7 days,
    /// a day 24 hours): for waits that have no calendar, such as a retry back-off. `None` when
    /// it does not fit in `i64` milliseconds.
    pub fn fixed_millis(&self) -> Option<i64> {
        let total = i128::from(self.years) * i128::from(365 * DAY)
            + i128::from(self.months) * i128::from(30 * DAY)
            + i128::from(self.weeks) * i128::from(7 * DAY)
            + i128::from(self.days) * i128::from(DAY)
            + i128::from(self.millis);
        i64::try_from(total).ok()
    }

    /// The instant this duration after `at` (epoch milliseconds), the calendar units stepped
    /// on `zone`'s civil calendar first, then the exact time part. A civil result that falls
    /// in a skipped hour moves forward by the gap, one in a repeated hour takes the earlier
    /// occurrence. `None` when out of range.
    pub fn add_to(&self, at: i64, zone: &TimeZone) -> Option<i64> {
        let stepped = if self.is_calendar() {
            let span = Span::new()
                .try_years(self.years)
                .ok()?
                .try_months(self.months)
                .ok()?
                .try_weeks(self.weeks)
                .ok()?
                .try_days(self.days)
                .ok()?;
            let zoned = Timestamp::from_millisecond(at).ok()?.to_zoned(zone.clone());
            zoned.checked_add(span).ok()?.timestamp().as_millisecond()
        } else {
            at
        };
        stepped.checked_add(self.millis)
    }
}

/// Parses an ISO 8601 duration `PnYnMnWnDTnHnMnS` into its calendar and time parts.
///
/// Components appear in that order, each at most once, and at least one is present; `T`
/// comes before the time components and must be followed by one. The last component may have
/// a fraction (`.` or `,`), kept to the millisecond (`PT1.5S` = 1500, `PT0.5H` = 1 800 000).
/// Letters may be lower case. A leading `-` is refused with
/// [`ScheduleError::NegativeDuration`].
pub fn parse_iso_duration(text: &str) -> Result<IsoDuration, ScheduleError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ScheduleError::Empty { what: "run.schedule.what.duration", example: "PT10M" });
    }
    if let Some(rest) = trimmed.strip_prefix('-') {
        return Err(match scan_duration(rest.as_bytes()) {
            Some(_) => ScheduleError::NegativeDuration(quote(text)),
            None => ScheduleError::BadDuration(quote(text)),
        });
    }
    let duration = scan_duration(trimmed.as_bytes()).ok_or_else(|| ScheduleError::BadDuration(quote(text)))?;
    // Refuse what cannot be represented even as a fixed length (P300000000Y).
    match duration.fixed_millis() {
        Some(_) => Ok(duration),
        None => Err(ScheduleError::TooLarge(quote(text))),
    }
}

/// Parses an ISO 8601 duration into a fixed number of milliseconds: a year is 365 days, a
/// month 30 days (see [`IsoDuration::fixed_millis`]). For waits without a calendar (lock
/// durations, retry back-offs); timers use [`parse_iso_duration`] and step the calendar.
pub fn parse_duration(text: &str) -> Result<i64, ScheduleError> {
    parse_iso_duration(text)?.fixed_millis().ok_or_else(|| ScheduleError::TooLarge(quote(text)))
}

/// Where a duration's integer parts stop counting (see [`duration_millis`]).
const WHOLE_CAP: i128 = 100_000_000_000_000_000_000;

/// The parts of a duration; `None` when malformed. Parts too large for `i64` saturate (and are
/// then refused by [`IsoDuration::fixed_millis`]).
fn scan_duration(s: &[u8]) -> Option<IsoDuration> {
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
    let mut calendar = [0i128; 4];
    let mut millis: i128 = 0;
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
        millis += frac_num * unit_ms / frac_den;
        if rank <= 4 {
            calendar[rank - 1] = whole;
        } else {
            millis += whole * unit_ms;
        }
    }
    if parts == 0 || (in_time && time_parts == 0) {
        return None;
    }
    let saturate = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
    Some(IsoDuration {
        years: saturate(calendar[0]),
        months: saturate(calendar[1]),
        weeks: saturate(calendar[2]),
        days: saturate(calendar[3]),
        millis: saturate(millis),
    })
}
