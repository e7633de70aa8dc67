//! Time formatting shared by the server and the browser, so both render the same text. All
//! times are epoch milliseconds, shown at an offset from UTC: the server renders UTC (it
//! cannot know the viewer's zone), the browser re-renders at its own offset for each instant
//! (`Date.getTimezoneOffset`, which follows daylight saving without a tz database).

use jiff::civil::DateTime;
use jiff::tz::Offset;
use jiff::Timestamp;

use crate::text::Lang;

/// The civil time at `offset_minutes` east of UTC; out-of-range input is clamped to the
/// representable range rather than failing (display only).
fn civil(millis: i64, offset_minutes: i32) -> DateTime {
    let ts = Timestamp::from_millisecond(millis).unwrap_or(if millis < 0 { Timestamp::MIN } else { Timestamp::MAX });
    let offset = Offset::from_seconds(offset_minutes.clamp(-25 * 60 + 1, 25 * 60 - 1) * 60).unwrap_or(Offset::UTC);
    offset.to_datetime(ts)
}

fn date(t: &DateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

/// Epoch milliseconds as ISO 8601 UTC, e.g. `2026-11-23T21:30:00.000Z`.
pub fn iso8601(millis: i64) -> String {
    let t = civil(millis, 0);
    format!("{}T{:02}:{:02}:{:02}.{:03}Z", date(&t), t.hour(), t.minute(), t.second(), t.millisecond())
}

/// Epoch milliseconds for lists at `offset_minutes` east of UTC, e.g. `2026-11-23 21:30`.
pub fn datetime_at(millis: i64, offset_minutes: i32) -> String {
    let t = civil(millis, offset_minutes);
    format!("{} {:02}:{:02}", date(&t), t.hour(), t.minute())
}

/// Like [`datetime_at`] with seconds, e.g. `2026-11-23 21:30:05`, for short spans such as a
/// job's lease.
pub fn datetime_seconds_at(millis: i64, offset_minutes: i32) -> String {
    let t = civil(millis, offset_minutes);
    format!("{} {:02}:{:02}:{:02}", date(&t), t.hour(), t.minute(), t.second())
}

/// Epoch milliseconds at `offset_minutes` east of UTC as a reader of `lang` writes them:
/// `2026-11-23 21:30` in Chinese, `Nov 23, 2026 21:30` in English; `seconds` adds them
/// (`21:30:05`), for short spans such as a job's lease.
pub fn datetime_in(lang: Lang, millis: i64, offset_minutes: i32, seconds: bool) -> String {
    let t = civil(millis, offset_minutes);
    let clock = if seconds {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    };
    match lang {
        Lang::Zh => format!("{} {clock}", date(&t)),
        Lang::En => {
            const MONTHS: [&str; 12] =
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let month = MONTHS[(t.month() as usize).clamp(1, 12) - 1];
            format!("{month} {}, {} {clock}", t.day(), t.year())
        }
    }
}

/// A count as a reader of `lang` writes it, grouped by thousands: `1,234,567` (both Chinese
/// and English use the comma).
pub fn count_in(_lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Epoch milliseconds for lists, in UTC, e.g. `2026-11-23 21:30`.
pub fn datetime(millis: i64) -> String {
    datetime_at(millis, 0)
}

/// Epoch milliseconds with seconds, in UTC, e.g. `2026-11-23 21:30:05`.
pub fn datetime_seconds(millis: i64) -> String {
    datetime_seconds_at(millis, 0)
}

/// An offset as shown next to times: `UTC`, `UTC+08:00`, `UTC-04:00`, `UTC+05:30`.
pub fn offset_label(offset_minutes: i32) -> String {
    if offset_minutes == 0 {
        return "UTC".to_string();
    }
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let abs = offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 60, abs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_counts_follow_the_language() {
        // 2026-11-23T21:30:05Z
        let at = 1_795_469_405_000;
        assert_eq!(datetime_in(Lang::Zh, at, 0, false), "2026-11-23 21:30");
        assert_eq!(datetime_in(Lang::En, at, 0, false), "Nov 23, 2026 21:30");
        assert_eq!(datetime_in(Lang::En, at, 480, true), "Nov 24, 2026 05:30:05");
        assert_eq!(datetime_in(Lang::Zh, at, 480, true), "2026-11-24 05:30:05");
        assert_eq!(count_in(Lang::Zh, 0), "0");
        assert_eq!(count_in(Lang::En, 999), "999");
        assert_eq!(count_in(Lang::Zh, 1_000), "1,000");
        assert_eq!(count_in(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(count_in(Lang::En, -12_345), "-12,345");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(datetime(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(datetime_seconds(1_700_000_000_123), "2023-11-14 22:13:20");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn formats_at_an_offset() {
        // 2023-11-14T22:13:20Z is the next morning in Shanghai and the afternoon in New York.
        assert_eq!(datetime_at(1_700_000_000_123, 8 * 60), "2023-11-15 06:13");
        assert_eq!(datetime_at(1_700_000_000_123, -5 * 60), "2023-11-14 17:13");
        assert_eq!(datetime_seconds_at(1_700_000_000_123, 5 * 60 + 30), "2023-11-15 03:43:20");
        assert_eq!(offset_label(0), "UTC");
        assert_eq!(offset_label(480), "UTC+08:00");
        assert_eq!(offset_label(-240), "UTC-04:00");
        assert_eq!(offset_label(330), "UTC+05:30");
        // Absurd input is clamped, never a panic.
        assert!(datetime_at(i64::MAX, i32::MAX).starts_with("9999-"));
        assert!(datetime_at(i64::MIN, i32::MIN).starts_with("-"));
    }
}
