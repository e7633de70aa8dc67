//! Timer and due-date definitions: parsing and the times they are due.
//!
//! No I/O: all times are Unix epoch milliseconds (`i64`); wall-clock times are read in a time
//! zone the caller passes as a value (`jiff::tz::TimeZone`: the engine looks it up by name
//! from `BPM_TIME_ZONE`, tests and the browser use UTC or fixed zones), with daylight-saving
//! changes handled by `jiff`. Every computation uses checked arithmetic, so an absurd input
//! gives an error or `None`, never a panic or an overflow.
//!
//! - [`parse_iso_duration`]: ISO 8601 durations `PnYnMnWnDTnHnMnS` as calendar steps in a
//!   zone (`P1M` from January 31 is the end of February; `P1D` is a civil day, `PT24H` 24
//!   hours); [`parse_duration`] reads the same as a fixed length (365-day year, 30-day
//!   month). The last component may carry a fraction (`PT1.5S`, `PT0.5H`); negative durations
//!   are refused.
//! - [`parse_datetime_in`]: `2026-11-23`, `2026-11-23T10:00`, `2026-11-23T10:00:00`,
//!   optionally with `.fff` and an offset `Z`, `±hh:mm`, `±hhmm` or `±hh`. Without an offset
//!   the time is on the zone's wall clock ([`parse_datetime`]: in UTC).
//! - [`parse_timer`]: a BPMN `timeDate`, `timeDuration` or `timeCycle`. A cycle is an ISO 8601
//!   repetition (`R3/PT10M`, `R/PT1H`, `R3/2026-11-23T10:00:00Z/PT10M`) or a cron expression
//!   (see [`CronSpec`]).
//! - [`parse_due`]: a user task's due date, a date-time or a duration from now.
//!
//! Across daylight-saving changes a wall-clock time the clocks skip is due when they jump,
//! and one they repeat is due once, at its first occurrence (see [`CronSpec::next_after`]).

pub mod calendar;
mod cron;
mod datetime;
mod duration;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_zone;
mod timer;
mod zone;

pub use cron::CronSpec;
pub use datetime::{parse_datetime, parse_datetime_in};
pub use duration::{parse_duration, parse_iso_duration, IsoDuration};
/// The time zone value the schedule functions take (re-exported so callers need not name
/// `jiff`).
pub use jiff::tz::TimeZone;
pub use timer::{parse_due, parse_timer, TimerKindText, TimerSpec};

/// Milliseconds in a second, minute, hour and day.
const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The longest piece of user input quoted back in an error message.
const QUOTE_MAX_CHARS: usize = 80;

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
