//! Time formatting shared by the server and the browser, so both render the same text. All
//! times are epoch milliseconds, shown in UTC.

use crate::schedule::calendar::civil_from_days;

fn parts(millis: i64) -> (i64, u32, u32, i64, i64, i64, i64) {
    let secs = millis.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    (y, mo, d, s / 3600, (s % 3600) / 60, s % 60, millis.rem_euclid(1000))
}

/// Epoch milliseconds as ISO 8601 UTC, e.g. `2026-11-23T21:30:00.000Z`.
pub fn iso8601(millis: i64) -> String {
    let (y, mo, d, h, mi, s, ms) = parts(millis);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}

/// Epoch milliseconds for lists, e.g. `2026-11-23 21:30` (UTC).
pub fn datetime(millis: i64) -> String {
    let (y, mo, d, h, mi, _, _) = parts(millis);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// Epoch milliseconds with seconds, e.g. `2026-11-23 21:30:05` (UTC), for short spans such
/// as a job's lease.
pub fn datetime_seconds(millis: i64) -> String {
    let (y, mo, d, h, mi, s, _) = parts(millis);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(datetime(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(datetime_seconds(1_700_000_000_123), "2023-11-14 22:13:20");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
    }
}
