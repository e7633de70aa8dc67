//! ISO 8601 durations (`PnYnMnWnDTnHnMnS`) in milliseconds.

use super::{quote, ScheduleError, DAY, HOUR, MINUTE, SECOND};

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
