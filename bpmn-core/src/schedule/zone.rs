//! Between instants and the civil clock of a time zone.
//!
//! A civil time is written here as "local milliseconds": milliseconds since 1970-01-01T00:00
//! on the zone's wall clock (the epoch arithmetic of UTC applied to the wall clock), so the
//! calendar code can walk it like UTC. The zone is a value given by the caller; nothing here
//! looks a zone up.

use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;

fn offset_millis(offset: Offset) -> i64 {
    i64::from(offset.seconds()) * 1_000
}

/// The wall-clock time in `zone` at the instant `at` (both epoch milliseconds); `None` out of
/// range.
pub(super) fn to_local(at: i64, zone: &TimeZone) -> Option<i64> {
    let offset = zone.to_offset(Timestamp::from_millisecond(at).ok()?);
    at.checked_add(offset_millis(offset))
}

/// The instant of the wall-clock time `local` in `zone`: the first one strictly after
/// `after` (pass `i64::MIN` for simply the first).
///
/// - A time that occurs once is that instant.
/// - A time the clocks skip (02:30 when they jump from 02:00 to 03:00) is the instant of the
///   jump (03:00 on the new clock): what was due in the skipped hour is due as soon as the
///   hour is over, once.
/// - A time that occurs twice (01:30 when the clocks go back from 02:00 to 01:00) is its
///   first occurrence, or the second when the first is not after `after`.
///
/// `None` when out of range, or when both occurrences are not after `after`.
pub(super) fn to_instant(local: i64, zone: &TimeZone, after: i64) -> Option<i64> {
    let civil = Offset::UTC.to_datetime(Timestamp::from_millisecond(local).ok()?);
    let instant = match zone.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => local.checked_sub(offset_millis(offset))?,
        AmbiguousOffset::Gap { after: later, .. } => {
            // On the later offset the time lies before the jump; the next transition is it.
            let before_jump = Timestamp::from_millisecond(local.checked_sub(offset_millis(later))?).ok()?;
            zone.following(before_jump).next()?.timestamp().as_millisecond()
        }
        AmbiguousOffset::Fold { before, after: later } => {
            let first = local.checked_sub(offset_millis(before))?;
            if first > after {
                first
            } else {
                local.checked_sub(offset_millis(later))?
            }
        }
    };
    (instant > after).then_some(instant)
}
