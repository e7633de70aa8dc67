//! Formatting shared by the server and the browser, so both render the same text.

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since 1970-01-01, the inverse of `civil_from_days`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A day as typed in a date input (`YYYY-MM-DD`) → epoch milliseconds of its start (UTC).
pub fn date_millis(text: &str) -> Option<i64> {
    let mut it = text.splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // 2023-02-30 would silently become 2023-03-02: refuse days the month does not have.
    (civil_from_days(days) == (y, m, d)).then_some(days * 86_400_000)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(datetime(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn reads_dates_of_date_inputs() {
        assert_eq!(date_millis("1970-01-01"), Some(0));
        assert_eq!(date_millis("2000-02-29"), Some(951_782_400_000));
        assert_eq!(date_millis("2023-11-14").map(datetime).as_deref(), Some("2023-11-14 00:00"));
        assert_eq!(date_millis("2023-02-30"), None);
        assert_eq!(date_millis("2023-13-01"), None);
        assert_eq!(date_millis("yesterday"), None);
    }
}
