//! BPMN timer definitions (`timeDate`, `timeDuration`, `timeCycle`), user task due dates,
//! and the times a timer is due.

use jiff::tz::TimeZone;

use super::{parse_datetime_in, parse_iso_duration, quote, CronSpec, IsoDuration, ScheduleError};
use crate::text::Text;

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

/// A parsed timer or due-date definition. Durations and cron expressions are evaluated in a
/// time zone given to [`TimerSpec::first_due`] and [`TimerSpec::next_due`]; dates were
/// resolved in the zone given to [`parse_timer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerSpec {
    /// Due at this time (epoch milliseconds).
    At(i64),
    /// Due this long after the timer is created (`P1M`: a calendar month later in the zone).
    After(IsoDuration),
    /// An ISO 8601 repetition: `repeat` firings (`None` = unbounded), `interval` apart, the
    /// first at `start` or, without a start, one interval after the timer is created.
    Cycle { repeat: Option<u32>, start: Option<i64>, interval: IsoDuration },
    /// A cron expression, evaluated on the zone's wall clock.
    Cron(CronSpec),
}

/// Parses a BPMN timer definition of the given kind; a date without an offset is a wall-clock
/// time in `zone`.
///
/// - `Date`: [`parse_datetime_in`] → [`TimerSpec::At`].
/// - `Duration`: [`parse_iso_duration`] → [`TimerSpec::After`].
/// - `Cycle`: `R<n>/<duration>`, `R/<duration>` (unbounded) or `R<n>/<date-time>/<duration>`
///   → [`TimerSpec::Cycle`]; anything else is read as a cron expression → [`TimerSpec::Cron`].
///   The interval must be longer than zero and `R0` is refused (a timer that never fires).
pub fn parse_timer(kind: TimerKindText, text: &str, zone: &TimeZone) -> Result<TimerSpec, ScheduleError> {
    match kind {
        TimerKindText::Date => parse_datetime_in(text, zone).map(TimerSpec::At),
        TimerKindText::Duration => parse_iso_duration(text).map(TimerSpec::After),
        TimerKindText::Cycle => parse_cycle(text, zone),
    }
}

fn parse_cycle(text: &str, zone: &TimeZone) -> Result<TimerSpec, ScheduleError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ScheduleError::Empty { what: "run.schedule.what.cycle", example: "R3/PT10M" });
    }
    let bytes = trimmed.as_bytes();
    let is_repetition =
        matches!(bytes[0], b'R' | b'r') && bytes.get(1).is_none_or(|c| c.is_ascii_digit() || *c == b'/');
    if is_repetition {
        return parse_repetition(text, trimmed, zone);
    }
    if trimmed.split_whitespace().count() == 1 {
        // Not a cron expression; a bare duration is a likely slip for `R/…`.
        return Err(ScheduleError::BadCycle(quote(text)));
    }
    CronSpec::parse(trimmed).map(TimerSpec::Cron)
}

fn parse_repetition(text: &str, trimmed: &str, zone: &TimeZone) -> Result<TimerSpec, ScheduleError> {
    let bad = |key: &'static str| ScheduleError::BadRepetition { text: quote(text), reason: Text::new(key) };
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
            Ok(0) => return Err(bad("run.schedule.r0")),
            Ok(n) => Some(n),
            Err(_) => return Err(bad("run.schedule.count_too_large")),
        }
    };
    let (start, interval) = match pieces[1..] {
        [duration] => (None, parse_iso_duration(duration)?),
        [first, second] => {
            if matches!(first.trim().as_bytes().first(), Some(b'P' | b'p' | b'-')) {
                return Err(bad("run.schedule.end_date"));
            }
            (Some(parse_datetime_in(first, zone)?), parse_iso_duration(second)?)
        }
        _ => return Err(ScheduleError::BadCycle(quote(text))),
    };
    if interval == IsoDuration::default() {
        return Err(bad("run.schedule.zero_interval"));
    }
    Ok(TimerSpec::Cycle { repeat, start, interval })
}

/// Parses a user task's due date: an ISO 8601 date or date-time ([`parse_datetime_in`],
/// without an offset a wall-clock time in `zone`), or a duration ([`parse_iso_duration`])
/// counted from `now` on `zone`'s calendar.
pub fn parse_due(text: &str, now: i64, zone: &TimeZone) -> Result<i64, ScheduleError> {
    let trimmed = text.trim();
    match trimmed.as_bytes().first() {
        None => Err(ScheduleError::Empty { what: "run.schedule.what.due", example: "2026-11-23T17:00:00Z or P3D" }),
        Some(b'P' | b'p' | b'-') => {
            parse_iso_duration(text)?.add_to(now, zone).ok_or_else(|| ScheduleError::TooLarge(quote(text)))
        }
        Some(c) if c.is_ascii_digit() => parse_datetime_in(text, zone),
        Some(_) => Err(ScheduleError::BadDue(quote(text))),
    }
}

impl TimerSpec {
    /// The first due time for a timer created at `now`, durations and cron expressions
    /// evaluated in `zone`.
    ///
    /// `At` is due at its time (a time in the past means "due at once"); `After` one duration
    /// after `now`; a cycle at its start (even if that has passed) or, without one, one
    /// interval after `now`; a cron expression at its first match strictly after `now`.
    /// `None` when the time does not fit in epoch milliseconds or a cron expression never
    /// matches.
    pub fn first_due(&self, now: i64, zone: &TimeZone) -> Option<i64> {
        match self {
            TimerSpec::At(at) => Some(*at),
            TimerSpec::After(wait) => wait.add_to(now, zone),
            TimerSpec::Cycle { start: Some(start), .. } => Some(*start),
            TimerSpec::Cycle { start: None, interval, .. } => interval.add_to(now, zone),
            TimerSpec::Cron(cron) => cron.next_after(now, zone),
        }
    }

    /// For a cycle: the due time after the firing at `fired_at`, given how many times it has
    /// fired (`fired` ≥ 1), evaluated in `zone`; `None` when the repetitions are used up.
    /// At/After: `None`.
    ///
    /// Pass the time the firing was due to keep a drift-free schedule, or the time it actually
    /// ran to space firings from when they happen. A repetition is due one interval after
    /// `fired_at`; a cron expression at its first match strictly after `fired_at`.
    pub fn next_due(&self, fired_at: i64, fired: u32, zone: &TimeZone) -> Option<i64> {
        match self {
            TimerSpec::At(_) | TimerSpec::After(_) => None,
            TimerSpec::Cycle { repeat, interval, .. } => {
                if repeat.is_some_and(|n| fired >= n) {
                    None
                } else {
                    interval.add_to(fired_at, zone)
                }
            }
            TimerSpec::Cron(cron) => cron.next_after(fired_at, zone),
        }
    }
}
