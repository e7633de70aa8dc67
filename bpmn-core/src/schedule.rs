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

use crate::text::Text;

/// Milliseconds in a second, minute, hour and day.
const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The longest piece of user input quoted back in an error message.
const QUOTE_MAX_CHARS: usize = 80;

/// Why a timer or due-date text was refused. Each message quotes the text, says what is wrong
/// and gives an example of a valid value ([`ScheduleError::text`]; `Display` is its English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// Nothing was given; `what` is the catalog key of what was expected.
    Empty { what: &'static str, example: &'static str },
    /// Not an ISO 8601 duration.
    BadDuration(String),
    /// A duration with a minus sign.
    NegativeDuration(String),
    /// Not an ISO 8601 date or date-time.
    BadDateTime(String),
    /// Well formed, but no such day or time.
    InvalidDateTime { text: String, reason: Text },
    /// A value beyond what epoch milliseconds can hold.
    TooLarge(String),
    /// Not a repetition and not a cron expression.
    BadCycle(String),
    /// A repetition that is understood but not usable.
    BadRepetition { text: String, reason: Text },
    /// A malformed cron expression.
    BadCron { text: String, reason: Text },
    /// A due date that is neither a date-time nor a duration.
    BadDue(String),
}

impl ScheduleError {
    /// The error as a sentence for people.
    pub fn text(&self) -> Text {
        let quoted = |key: &'static str, text: &str| Text::new(key).with("text", text);
        match self {
            ScheduleError::Empty { what, example } => {
                Text::new("run.schedule.empty").with_text("what", Text::new(what)).with("example", example)
            }
            ScheduleError::BadDuration(t) => quoted("run.schedule.bad_duration", t),
            ScheduleError::NegativeDuration(t) => quoted("run.schedule.negative_duration", t),
            ScheduleError::BadDateTime(t) => quoted("run.schedule.bad_datetime", t),
            ScheduleError::InvalidDateTime { text, reason } => {
                quoted("run.schedule.invalid_datetime", text).with_text("reason", reason.clone())
            }
            ScheduleError::TooLarge(t) => quoted("run.schedule.too_large", t),
            ScheduleError::BadCycle(t) => quoted("run.schedule.bad_cycle", t),
            ScheduleError::BadRepetition { text, reason } => {
                quoted("run.schedule.bad_repetition", text).with_text("reason", reason.clone())
            }
            ScheduleError::BadCron { text, reason } => {
                quoted("run.schedule.bad_cron", text).with_text("reason", reason.clone())
            }
            ScheduleError::BadDue(t) => quoted("run.schedule.bad_due", t),
        }
    }
}

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().english())
    }
}

impl std::error::Error for ScheduleError {}

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
