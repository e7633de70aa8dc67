//! Tests of the schedule module: calendar, durations, date-times, timers and cron.
//! Expected epoch values were computed independently with `date -u -d <time> +%s`.

use super::calendar::{civil_from_days, days_from_civil, days_in_month, weekday};
use super::*;

/// Most tests read times in UTC; the zone tests are in `tests_zone.rs`.
const UTC: TimeZone = TimeZone::UTC;

/// The console's date inputs (`YYYY-MM-DD`) are read with `parse_datetime`.
#[test]
fn date_inputs_of_the_console() {
    assert_eq!(parse_datetime("1970-01-01"), Ok(0));
    assert_eq!(parse_datetime("2000-02-29"), Ok(951_782_400_000));
    assert!(parse_datetime("2023-02-30").is_err());
    assert!(parse_datetime("2023-13-01").is_err());
    assert!(parse_datetime("yesterday").is_err());
}
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// 2026-11-23T00:00:00Z, a Monday.
const NOV_23: i64 = 1_795_392_000_000;

fn cron(text: &str) -> CronSpec {
    match parse_timer(TimerKindText::Cycle, text, &UTC) {
        Ok(TimerSpec::Cron(spec)) => spec,
        other => panic!("`{text}` should be a cron expression, got {other:?}"),
    }
}

fn next(text: &str, after: i64) -> Option<i64> {
    cron(text).next_after(after, &UTC)
}

fn cron_error(text: &str) -> String {
    match CronSpec::parse(text) {
        Err(ScheduleError::BadCron { reason, .. }) => reason.english(),
        other => panic!("`{text}` should be refused as a cron expression, got {other:?}"),
    }
}

// --- calendar -----------------------------------------------------------------------

#[test]
fn calendar_known_days() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2026, 11, 23) * DAY, NOV_23);
    assert_eq!(days_from_civil(2000, 2, 29) * DAY, 951_782_400_000);
    assert_eq!(days_from_civil(2100, 3, 1) * DAY, 4_107_542_400_000);
    assert_eq!(days_from_civil(0, 1, 1) * DAY, -62_167_219_200_000);
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
    assert_eq!(weekday(days_from_civil(2026, 11, 23)), 1, "Monday");
    assert_eq!(weekday(days_from_civil(2028, 2, 29)), 2, "Tuesday");
}

#[test]
fn calendar_round_trip_and_month_lengths() {
    let mut previous = civil_from_days(-800_000);
    for days in -799_999..800_000 {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
        assert!(d >= 1 && d <= days_in_month(y, m));
        // Consecutive days: next day of the month, or the first of the next month.
        let (py, pm, pd) = previous;
        if d == 1 {
            assert_eq!(pd, days_in_month(py, pm));
        } else {
            assert_eq!((py, pm, pd + 1), (y, m, d));
        }
        previous = (y, m, d);
    }
    assert_eq!(days_in_month(2028, 2), 29);
    assert_eq!(days_in_month(2026, 2), 28);
    assert_eq!(days_in_month(2100, 2), 28);
    assert_eq!(days_in_month(2000, 2), 29);
}

// --- durations ----------------------------------------------------------------------

#[test]
fn durations() {
    let cases: &[(&str, i64)] = &[
        ("PT10M", 600_000),
        ("P2D", 172_800_000),
        ("P1DT12H", 129_600_000),
        ("PT1.5S", 1_500),
        ("PT0,25S", 250),
        ("PT0.0015S", 1),
        ("PT0.5H", 1_800_000),
        ("P0,5D", 43_200_000),
        ("P1Y", 31_536_000_000),
        ("P1M", 2_592_000_000),
        ("P1W", 604_800_000),
        ("P1Y2M3W4DT5H6M7.008S", 38_898_367_008),
        ("PT0S", 0),
        ("P0D", 0),
        ("pt10m", 600_000),
        ("  PT10M\n", 600_000),
        ("PT36H", 129_600_000),
        ("PT90M", 5_400_000),
    ];
    for &(text, millis) in cases {
        assert_eq!(parse_duration(text), Ok(millis), "{text}");
    }
}

#[test]
fn bad_durations() {
    for text in [
        "P",
        "PT",
        "P1DT",
        "P2X",
        "10M",
        "PT10",
        "P1H",
        "PT1D",
        "P1D1Y",
        "P1M1M",
        "PT1.5M30S",
        "P1.5DT2H",
        "PT-5M",
        "P1.D",
        "P.5D",
        "PT10M ago",
        "T10M",
        "P1DT2HT",
        "PP1D",
        "P1Y2M3W4DT5H6M7S8S",
        "P１D",
    ] {
        assert_eq!(parse_duration(text), Err(ScheduleError::BadDuration(text.trim().to_string())), "{text}");
    }
    assert_eq!(parse_duration("-PT5M"), Err(ScheduleError::NegativeDuration("-PT5M".into())));
    assert_eq!(parse_duration("-X"), Err(ScheduleError::BadDuration("-X".into())));
    assert_eq!(
        parse_duration("  "),
        Err(ScheduleError::Empty { what: "run.schedule.what.duration", example: "PT10M" })
    );
    assert_eq!(
        parse_duration("P99999999999999999999999999Y"),
        Err(ScheduleError::TooLarge("P99999999999999999999999999Y".into()))
    );
    assert_eq!(parse_duration("P300000000Y"), Err(ScheduleError::TooLarge("P300000000Y".into())));
    // Just below the limit: about 292 million years.
    assert_eq!(parse_duration("P290000000Y"), Ok(290_000_000 * 365 * DAY));
    // Leading zeros are not "too large".
    assert_eq!(parse_duration("P0000000000000000000000000001D"), Ok(DAY));
}

#[test]
fn error_messages_say_what_is_wrong_and_give_an_example() {
    assert_eq!(
        parse_duration("P2X").unwrap_err().to_string(),
        "`P2X` is not an ISO 8601 duration (e.g. PT10M, P2D, P1DT12H)"
    );
    assert_eq!(
        parse_duration("-P1D").unwrap_err().to_string(),
        "`-P1D` is a negative duration; a timer can only wait forward (e.g. PT10M, P2D)"
    );
    assert_eq!(
        parse_datetime("2026-02-29").unwrap_err().to_string(),
        "`2026-02-29` is not a valid date-time: 2026-02 has 28 days, not 29 (e.g. 2026-11-23T10:00:00Z)"
    );
    assert_eq!(parse_datetime("").unwrap_err().to_string(), "the date is empty (e.g. 2026-11-23T10:00:00Z)");
    let message = parse_timer(TimerKindText::Cycle, "R0/PT1M", &UTC).unwrap_err().to_string();
    assert!(message.contains("R0 repeats nothing") && message.contains("e.g. R3/PT10M"), "{message}");
    let message = CronSpec::parse("0 0 25 * * ?").unwrap_err().to_string();
    assert!(message.contains("25 is outside the hour range 0-23"), "{message}");
    assert!(message.contains("e.g. 0 */10 * * * ?"), "{message}");
    let message = parse_due("soon", 0, &UTC).unwrap_err().to_string();
    assert!(message.contains("`soon`") && message.contains("e.g. 2026-11-23T17:00:00Z or P3D"), "{message}");
    // Long input is cut in the message.
    let long = "x".repeat(500);
    let message = parse_duration(&long).unwrap_err().to_string();
    assert!(message.len() < 200 && message.contains('…'), "{message}");
}

// --- dates --------------------------------------------------------------------------

#[test]
fn datetimes() {
    let cases: &[(&str, i64)] = &[
        ("2026-11-23", NOV_23),
        ("2026-11-23T10:00", 1_795_428_000_000),
        ("2026-11-23T10:00:00", 1_795_428_000_000),
        ("2026-11-23T10:00:00Z", 1_795_428_000_000),
        ("2026-11-23t10:00:00z", 1_795_428_000_000),
        ("2026-11-23 10:00:00", 1_795_428_000_000),
        ("2026-11-23T10:00Z", 1_795_428_000_000),
        ("2026-11-23T10:00:00.250Z", 1_795_428_000_250),
        ("2026-11-23T10:00:00.5", 1_795_428_000_500),
        ("2026-11-23T10:00:00,123456789Z", 1_795_428_000_123),
        ("2026-11-23T10:00:00+08:00", 1_795_399_200_000),
        ("2026-11-23T10:00:00+0800", 1_795_399_200_000),
        ("2026-11-23T10:00:00+08", 1_795_399_200_000),
        ("2026-11-23T10:00-05:30", 1_795_447_800_000),
        ("2026-11-23T10:00:00-0530", 1_795_447_800_000),
        ("2026-11-23T00:30:00+01:00", 1_795_390_200_000),
        ("2028-02-29T12:00:00Z", 1_835_438_400_000),
        ("2028-02-29", 1_835_395_200_000),
        ("2000-02-29", 951_782_400_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1_000),
        ("9999-12-31T23:59:59Z", 253_402_300_799_000),
        ("0000-01-01", -62_167_219_200_000),
        ("  2026-11-23  ", NOV_23),
    ];
    for &(text, millis) in cases {
        assert_eq!(parse_datetime(text), Ok(millis), "{text}");
    }
}

#[test]
fn bad_datetimes() {
    for text in [
        "26-11-23",
        "2026/11/23",
        "2026-11-23T10",
        "2026-11-23T10:0",
        "2026-11-23Z",
        "2026-11-23T10:00:00.Z",
        "2026-11-23T10:00:00+8",
        "2026-11-23T10:00:00+08:0",
        "2026-11-23T10:00:00 UTC",
        "2026-11-23T10:00.5",
        "tomorrow",
        "2026-1-23",
        "20261123",
        "2026-11-23T10:00:00Z+01:00",
        "２026-11-23",
    ] {
        assert_eq!(parse_datetime(text), Err(ScheduleError::BadDateTime(text.to_string())), "{text}");
    }
    let invalid = |text: &str, reason: &str| match parse_datetime(text) {
        Err(ScheduleError::InvalidDateTime { text: t, reason: r }) => {
            assert_eq!((t.as_str(), r.english()), (text, reason.into()))
        }
        other => panic!("{text}: {other:?}"),
    };
    invalid("2026-13-01", "there is no month 13");
    invalid("2026-00-01", "there is no month 0");
    invalid("2026-02-29", "2026-02 has 28 days, not 29");
    invalid("2100-02-29", "2100-02 has 28 days, not 29");
    invalid("2026-04-31", "2026-04 has 30 days, not 31");
    invalid("2026-11-00", "2026-11 has 30 days, not 0");
    invalid("2026-11-23T24:00", "hour 24 is not within 00-23");
    invalid("2026-11-23T10:60", "minute 60 is not within 00-59");
    invalid("2026-11-23T10:00:60", "second 60 is not within 00-59");
    invalid("2026-11-23T10:00+25:00", "the offset 25:00 is not a time zone offset");
    invalid("2026-11-23T10:00+01:75", "the offset 01:75 is not a time zone offset");
}

// --- timers -------------------------------------------------------------------------

#[test]
fn date_and_duration_timers() {
    let at = parse_timer(TimerKindText::Date, "2026-11-23T10:00:00Z", &UTC).unwrap();
    assert_eq!(at, TimerSpec::At(1_795_428_000_000));
    assert_eq!(at.first_due(NOV_23, &UTC), Some(1_795_428_000_000));
    assert_eq!(at.first_due(NOV_23 + 100 * DAY, &UTC), Some(1_795_428_000_000), "a past date is due at once");
    assert_eq!(at.next_due(1_795_428_000_000, 1, &UTC), None);

    let after = parse_timer(TimerKindText::Duration, "P3D", &UTC).unwrap();
    assert_eq!(after, TimerSpec::After(IsoDuration { days: 3, ..IsoDuration::default() }));
    assert_eq!(after.first_due(NOV_23, &UTC), Some(1_795_651_200_000));
    assert_eq!(after.next_due(1_795_651_200_000, 1, &UTC), None);
    assert_eq!(after.first_due(i64::MAX, &UTC), None);

    assert_eq!(parse_timer(TimerKindText::Date, "PT10M", &UTC), Err(ScheduleError::BadDateTime("PT10M".into())));
    assert_eq!(
        parse_timer(TimerKindText::Duration, "2026-11-23", &UTC),
        Err(ScheduleError::BadDuration("2026-11-23".into()))
    );
}

#[test]
fn cycles_parse() {
    let cycle = |text: &str| parse_timer(TimerKindText::Cycle, text, &UTC);
    assert_eq!(
        cycle("R3/PT10M"),
        Ok(TimerSpec::Cycle { repeat: Some(3), start: None, interval: IsoDuration::exact(600_000) })
    );
    assert_eq!(
        cycle("R/PT1H"),
        Ok(TimerSpec::Cycle { repeat: None, start: None, interval: IsoDuration::exact(3_600_000) })
    );
    assert_eq!(
        cycle(" r2/pt1m "),
        Ok(TimerSpec::Cycle { repeat: Some(2), start: None, interval: IsoDuration::exact(60_000) })
    );
    assert_eq!(
        cycle("R3/2026-11-23T10:00:00Z/PT10M"),
        Ok(TimerSpec::Cycle { repeat: Some(3), start: Some(1_795_428_000_000), interval: IsoDuration::exact(600_000) })
    );
    assert_eq!(
        cycle("R/2026-11-23T10:00:00+08:00/P1D"),
        Ok(TimerSpec::Cycle {
            repeat: None,
            start: Some(1_795_399_200_000),
            interval: IsoDuration { days: 1, ..IsoDuration::default() }
        })
    );
}

#[test]
fn bad_cycles() {
    let cycle = |text: &str| parse_timer(TimerKindText::Cycle, text, &UTC);
    let repetition = |text: &str, reason: &str| match cycle(text) {
        Err(ScheduleError::BadRepetition { text: t, reason: r }) => {
            assert_eq!((t.as_str(), r.english()), (text, reason.into()))
        }
        other => panic!("{text}: {other:?}"),
    };
    repetition("R0/PT1M", "R0 repeats nothing, so the timer would never fire");
    repetition("R3/PT0S", "the interval must be longer than zero");
    repetition("R99999999999/PT1M", "the repetition count is too large");
    repetition(
        "R3/PT10M/2026-11-23T10:00:00Z",
        "an end date is not supported; give the start date before the interval instead",
    );
    for text in ["PT10M", "R3", "R3/2026-11-23T10:00:00Z/PT10M/PT1M", "Rx/PT1M", "R3x/PT1M", "every day"] {
        let expected =
            if text == "every day" { cron_error_variant(text) } else { ScheduleError::BadCycle(text.into()) };
        assert_eq!(cycle(text), Err(expected), "{text}");
    }
    assert_eq!(cycle("R3/PX"), Err(ScheduleError::BadDuration("PX".into())));
    assert_eq!(cycle("R3/-PT1M"), Err(ScheduleError::NegativeDuration("-PT1M".into())));
    assert_eq!(cycle("R/"), Err(ScheduleError::Empty { what: "run.schedule.what.duration", example: "PT10M" }));
    assert!(matches!(cycle("R3/2026-13-01T00:00Z/PT1M"), Err(ScheduleError::InvalidDateTime { .. })));
    assert_eq!(cycle(""), Err(ScheduleError::Empty { what: "run.schedule.what.cycle", example: "R3/PT10M" }));
}

fn cron_error_variant(text: &str) -> ScheduleError {
    CronSpec::parse(text).unwrap_err()
}

#[test]
fn cycle_repetitions_are_counted() {
    // Without a start: the first firing one interval after creation, three in all.
    let spec = parse_timer(TimerKindText::Cycle, "R3/PT10M", &UTC).unwrap();
    let first = spec.first_due(NOV_23, &UTC).unwrap();
    assert_eq!(first, NOV_23 + 600_000);
    let second = spec.next_due(first, 1, &UTC).unwrap();
    assert_eq!(second, NOV_23 + 1_200_000);
    let third = spec.next_due(second, 2, &UTC).unwrap();
    assert_eq!(third, NOV_23 + 1_800_000);
    assert_eq!(spec.next_due(third, 3, &UTC), None);
    assert_eq!(spec.next_due(third, 4, &UTC), None);

    // With a start: the first firing at the start.
    let spec = parse_timer(TimerKindText::Cycle, "R2/2026-11-23T10:00:00Z/PT1H", &UTC).unwrap();
    assert_eq!(spec.first_due(NOV_23, &UTC), Some(1_795_428_000_000));
    assert_eq!(spec.first_due(NOV_23 + 30 * DAY, &UTC), Some(1_795_428_000_000), "a past start is due at once");
    assert_eq!(spec.next_due(1_795_428_000_000, 1, &UTC), Some(1_795_431_600_000));
    assert_eq!(spec.next_due(1_795_431_600_000, 2, &UTC), None);

    // R1 fires once.
    let spec = parse_timer(TimerKindText::Cycle, "R1/PT1M", &UTC).unwrap();
    assert_eq!(spec.first_due(0, &UTC), Some(60_000));
    assert_eq!(spec.next_due(60_000, 1, &UTC), None);

    // Unbounded never runs out, but does not overflow either.
    let spec = parse_timer(TimerKindText::Cycle, "R/PT1H", &UTC).unwrap();
    assert_eq!(spec.next_due(NOV_23, u32::MAX, &UTC), Some(NOV_23 + HOUR));
    assert_eq!(spec.next_due(i64::MAX - 1, 1, &UTC), None);
    assert_eq!(spec.first_due(i64::MAX, &UTC), None);

    // A cron cycle is unbounded.
    let spec = parse_timer(TimerKindText::Cycle, "0 0 9 ? * MON-FRI", &UTC).unwrap();
    assert_eq!(spec.first_due(NOV_23, &UTC), Some(NOV_23 + 9 * HOUR));
    assert_eq!(spec.next_due(NOV_23 + 9 * HOUR, 1_000, &UTC), Some(1_795_510_800_000));
}

#[test]
fn due_dates() {
    assert_eq!(parse_due("2026-11-23T17:00:00Z", 0, &UTC), Ok(1_795_453_200_000));
    assert_eq!(parse_due("2026-11-23", 0, &UTC), Ok(NOV_23));
    assert_eq!(parse_due("2026-11-23T18:00:00+01:00", 0, &UTC), Ok(1_795_453_200_000));
    assert_eq!(parse_due("P3D", NOV_23, &UTC), Ok(1_795_651_200_000));
    assert_eq!(parse_due(" PT1H ", NOV_23, &UTC), Ok(NOV_23 + HOUR));
    assert_eq!(parse_due("-P1D", NOV_23, &UTC), Err(ScheduleError::NegativeDuration("-P1D".into())));
    assert_eq!(parse_due("P1X", NOV_23, &UTC), Err(ScheduleError::BadDuration("P1X".into())));
    assert!(parse_due("2026-02-30", 0, &UTC).unwrap_err().to_string().contains("28 days"));
    assert_eq!(
        parse_due("", 0, &UTC),
        Err(ScheduleError::Empty { what: "run.schedule.what.due", example: "2026-11-23T17:00:00Z or P3D" })
    );
    assert_eq!(parse_due("tomorrow", 0, &UTC), Err(ScheduleError::BadDue("tomorrow".into())));
    assert_eq!(parse_due("P1D", i64::MAX - 5, &UTC), Err(ScheduleError::TooLarge("P1D".into())));
}

// --- cron ---------------------------------------------------------------------------

#[test]
fn cron_every_ten_minutes() {
    let spec = "0 */10 * * * ?";
    assert_eq!(next(spec, 1_795_428_207_000), Some(1_795_428_600_000), "10:03:27 → 10:10");
    assert_eq!(next(spec, 1_795_428_600_000), Some(1_795_429_200_000), "strictly after 10:10 → 10:20");
    assert_eq!(next(spec, 1_795_428_599_999), Some(1_795_428_600_000), "10:09:59.999 → 10:10");
    // Ten thousand firings in a row are ten minutes apart (across days and a month end).
    let cron = cron(spec);
    let mut at = NOV_23;
    for _ in 0..10_000 {
        let following = cron.next_after(at, &UTC).unwrap();
        assert_eq!(following - at, 600_000);
        at = following;
    }
    // Unix form: the same.
    assert_eq!(next("*/10 * * * *", 1_795_428_207_000), Some(1_795_428_600_000));
}

#[test]
fn cron_weekdays_at_nine() {
    for spec in ["0 0 9 ? * MON-FRI", "0 0 9 ? * 2-6", "0 0 9 ? * mon-fri", "0 0 9 * * MON-FRI", "0 9 * * 1-5"] {
        // Friday 2026-11-27 09:00 → Monday 2026-11-30 09:00.
        assert_eq!(next(spec, 1_795_770_000_000), Some(1_796_029_200_000), "{spec}");
        // Saturday noon → Monday.
        assert_eq!(next(spec, 1_795_867_200_000), Some(1_796_029_200_000), "{spec}");
        // Monday 10:00 → Tuesday 09:00.
        assert_eq!(next(spec, 1_795_428_000_000), Some(1_795_510_800_000), "{spec}");
        // Monday midnight → Monday 09:00.
        assert_eq!(next(spec, NOV_23), Some(NOV_23 + 9 * HOUR), "{spec}");
    }
}

#[test]
fn cron_last_day_of_month() {
    let spec = "0 0 18 L * ?";
    assert_eq!(next(spec, 1_833_753_600_000), Some(1_835_460_000_000), "2028-02-10 → 2028-02-29 18:00");
    assert_eq!(next(spec, 1_772_301_600_000), Some(1_774_980_000_000), "2026-02-28 18:00 → 2026-03-31 18:00");
    assert_eq!(next("0 0 0 l * ?", NOV_23), Some(1_795_910_400_000 + DAY), "2026-11-30");
    // `L` with other days.
    assert_eq!(next("0 0 0 15,L * ?", NOV_23), Some(1_795_910_400_000 + DAY));
}

#[test]
fn cron_month_and_year_rollover() {
    assert_eq!(next("0 30 23 * * ?", 1_796_082_300_000), Some(1_796_167_800_000), "11-30 23:45 → 12-01 23:30");
    assert_eq!(next("0 0 0 1 1 ?", 1_780_272_000_000), Some(1_798_761_600_000), "2026-06-01 → 2027-01-01");
    assert_eq!(next("0 0 0 * * ?", 1_798_718_400_000), Some(1_798_761_600_000), "12-31 noon → 2027-01-01");
    assert_eq!(next("0 0 0 1 * ?", NOV_23), Some(1_796_083_200_000), "→ 2026-12-01");
    assert_eq!(next("0 0 0 1 JAN,jul ?", 1_780_272_000_000), Some(1_782_864_000_000), "→ 2026-07-01");
    assert_eq!(next("0 0 0 31 * ?", NOV_23), Some(1_798_675_200_000), "November has no 31st → 12-31");
}

#[test]
fn cron_leap_day_and_impossible_dates() {
    assert_eq!(next("0 0 12 29 2 ?", 1_772_323_200_000), Some(1_835_438_400_000), "2026-03-01 → 2028-02-29");
    assert_eq!(next("0 0 12 29 2 ?", 3_981_398_400_000), Some(4_233_729_600_000), "2096-03-01 → 2104-02-29");
    for spec in ["0 0 0 30 2 ?", "0 0 0 31 4,6,9,11 ?", "0 0 0 29 2 ? 2027", "0 0 0 1 1 ? 2020", "0 0 30 2 *"] {
        let cron = cron(spec);
        assert_eq!(cron.next_after(NOV_23, &UTC), None, "{spec}");
    }
    assert_eq!(next("0 0 0 30 2 ?", i64::MIN), None);
    assert_eq!(next("0 0 0 1 1 ? 2020", i64::MIN), Some(1_577_836_800_000), "2020-01-01 is still ahead");
    // The bounded search is fast: a thousand impossible searches.
    let cron = cron("0 0 0 30 2 ?");
    for i in 0..1_000 {
        assert_eq!(cron.next_after(NOV_23 + i * DAY, &UTC), None);
    }
}

#[test]
fn cron_year_field() {
    assert_eq!(next("0 0 0 1 1 ? 2030", 1_780_272_000_000), Some(1_893_456_000_000));
    assert_eq!(next("0 0 0 1 1 ? 2025-2031/5", 1_780_272_000_000), Some(1_893_456_000_000), "2025, 2030");
    assert_eq!(next("0 0 0 1 1 ? *", 1_780_272_000_000), Some(1_798_761_600_000));
    assert_eq!(next("0 0 0 1 1 ? 2099", 1_780_272_000_000), Some(days_from_civil(2099, 1, 1) * DAY));
}

#[test]
fn cron_unix_form_and_sundays() {
    // Monday 2026-11-23 → Sunday 2026-11-29.
    for spec in ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 0 ? * 1", "0 0 0 ? * SUN"] {
        assert_eq!(next(spec, NOV_23), Some(1_795_910_400_000), "{spec}");
    }
    // Monday 17:59 (past the last quarter hour) → Tuesday 09:00.
    assert_eq!(next("*/15 9-17 * * 1-5", 1_795_456_740_000), Some(1_795_510_800_000));
    assert_eq!(next("*/15 9-17 * * 1-5", 1_795_455_000_000), Some(1_795_455_900_000), "17:30 → 17:45");
}

#[test]
fn cron_day_of_month_or_day_of_week() {
    // Both restricted: the 13th or a Friday.
    assert_eq!(next("0 0 0 13 * FRI", 1_794_528_000_000 - 12 * HOUR), Some(1_794_528_000_000), "→ Fri 13th");
    assert_eq!(next("0 0 0 13 * FRI", 1_794_528_000_000), Some(1_795_132_800_000), "→ Fri 20th");
    assert_eq!(next("0 0 0 13 * 6", NOV_23), Some(1_795_737_600_000), "Quartz 6 = Friday, 11-27");
}

#[test]
fn cron_ranges_steps_and_wrapping() {
    // Hours 22-2 wrap past midnight.
    let spec = "0 0 22-2 * * ?";
    assert_eq!(next(spec, 1_795_476_600_000), Some(1_795_478_400_000), "23:30 → 00:00");
    assert_eq!(next(spec, 1_795_482_000_000), Some(1_795_485_600_000), "01:00 → 02:00");
    assert_eq!(next(spec, 1_795_485_600_000), Some(1_795_557_600_000), "02:00 → 22:00");
    // `a/n`: from a to the end.
    assert_eq!(next("5/20 * * * * ?", 1_795_428_000_000), Some(1_795_428_005_000));
    assert_eq!(next("5/20 * * * * ?", 1_795_428_005_000), Some(1_795_428_025_000));
    assert_eq!(next("5/20 * * * * ?", 1_795_428_045_000), Some(1_795_428_065_000), "→ next minute :05");
    // A whole-second match strictly after a fractional `now`.
    assert_eq!(next("* * * * * ?", 1_795_428_000_500), Some(1_795_428_001_000));
    assert_eq!(next("* * * * * ?", 1_795_428_000_000), Some(1_795_428_001_000));
    // Lists and ranges with steps.
    assert_eq!(next("0 0,30 8-10/2 * * ?", NOV_23), Some(NOV_23 + 8 * HOUR));
    assert_eq!(next("0 0,30 8-10/2 * * ?", NOV_23 + 8 * HOUR + 30 * MINUTE), Some(NOV_23 + 10 * HOUR));
    // Weekday names wrap too: FRI-MON is Friday to Monday.
    assert_eq!(next("0 0 0 ? * FRI-MON", NOV_23), Some(1_795_737_600_000), "Mon → Fri 11-27");
    // Before 1970 and at the very ends of the range.
    assert_eq!(next("0 0 0 1 1 ?", -1), Some(0));
    assert_eq!(next("0 0 0 * * ?", i64::MAX), None);
    assert!(next("0 0 0 * * ?", i64::MIN).is_some_and(|t| t > i64::MIN));
}

#[test]
fn cron_display_normalises_spaces() {
    let spec = cron(" 0  0 9 ?\t* MON-FRI ");
    assert_eq!(spec.as_str(), "0 0 9 ? * MON-FRI");
    assert_eq!(spec.to_string(), "0 0 9 ? * MON-FRI");
}

#[test]
fn bad_cron_expressions() {
    let cases: &[(&str, &str)] = &[
        ("0 0 25 * * ?", "25 is outside the hour range 0-23"),
        ("60 * * * * ?", "60 is outside the second range 0-59"),
        ("0 0 9 * * 0", "0 is outside the day-of-week range 1-7"),
        ("0 0 9 * * 8 *", "8 is outside the day-of-week range 1-7"),
        ("0 0 12 29 2 ? 1969", "1969 is outside the year range 1970-2099"),
        ("0 0 9 0 * ?", "0 is outside the day-of-month range 1-31"),
        ("0 0 9 1 13 ?", "13 is outside the month range 1-12"),
        ("* * *", "it has 3 fields"),
        ("0 0 0 0 0 0 0 0", "it has 8 fields"),
        ("0 0 9 ? * MON#2", "`MON#2` in the day-of-week field is not supported"),
        ("0 0 9 ? * 6L", "`6L` in the day-of-week field is not supported"),
        ("0 0 9 15W * ?", "`15W` in the day-of-month field is not supported"),
        ("0 0 9 LW * ?", "`LW` in the day-of-month field is not supported"),
        ("0 0 9 L-3 * ?", "`L-3` in the day-of-month field is not supported"),
        ("0 0 L * * ?", "`L` in the hour field is not supported"),
        ("0 0 9 ? * FOO", "`FOO` is not a value for the day-of-week field (a number or a name such as SUN)"),
        ("0 0 9 ? MON *", "`MON` is not a value for the month field"),
        ("0 0 9 ? * JUL", "`JUL` is not a value for the day-of-week field"),
        ("0 */0 * * * ?", "the step in `*/0` (minute field) must be at least 1"),
        ("0 0 9 ? ? *", "`?` is only allowed in day-of-month and day-of-week, not in the month field"),
        ("0 0 9 1,? * ?", "`?` must stand alone in the day-of-month field"),
        ("0 0 9 1,,2 * ?", "the day-of-month field `1,,2` has an empty list item"),
        ("0 0 9 -1 * ?", "`` is not a value for the day-of-month field"),
        ("0 0 9 1- * ?", "`` is not a value"),
        ("0 0 9 1/x * ?", "`x` is not a step for the day-of-month field"),
        ("0 0 99999 * * ?", "`99999` is not a value for the hour field"),
    ];
    for &(text, reason) in cases {
        let got = cron_error(text);
        assert!(got.contains(reason), "`{text}`: expected `{reason}` in `{got}`");
    }
    assert_eq!(
        CronSpec::parse("  "),
        Err(ScheduleError::Empty { what: "run.schedule.what.cron", example: "0 0 9 ? * MON-FRI" })
    );
}

/// Whether the expression matches the whole second `t` (seconds), by plain inspection.
fn matches_at(spec: &CronSpec, t: i64) -> bool {
    let days = t.div_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let sod = t.rem_euclid(86_400) as u32;
    let bit = |mask: u64, v: u32| mask & (1 << v) != 0;
    spec.years.as_ref().is_none_or(|years| years.contains(&y))
        && bit(spec.months, mo)
        && spec.day_matches(y, mo, d)
        && bit(spec.hours, sod / 3600)
        && bit(spec.minutes, sod / 60 % 60)
        && bit(spec.seconds, sod % 60)
}

#[test]
fn cron_agrees_with_a_minute_by_minute_scan() {
    let specs = [
        "0 */10 * * * ?",
        "0 0 9 ? * MON-FRI",
        "0 0 18 L * ?",
        "0 30 23 * * ?",
        "0 15,45 1-3 * * ?",
        "0 0 0 13 * FRI",
        "0 0 22-2 ? * SAT,SUN",
        "0 7 */5 1,15,L * ?",
        "0 0 12 ? JAN,MAR,DEC 3",
        "*/20 9-17 * * 1-5",
        "0 0 1 1 *",
    ];
    let mut rng = StdRng::seed_from_u64(7);
    for text in specs {
        let spec = cron(text);
        for _ in 0..4 {
            // A random minute within 2026-2028.
            let start = (NOV_23 / 1000 - 300 * 86_400 + rng.gen_range(0..900 * 86_400)) / 60 * 60;
            const WINDOW_MINUTES: i64 = 100 * 24 * 60;
            let expected = (1..=WINDOW_MINUTES).map(|k| start + k * 60).find(|&t| matches_at(&spec, t));
            let got = spec.next_after(start * 1000, &UTC);
            match expected {
                Some(t) => assert_eq!(got, Some(t * 1000), "{text} after {start}"),
                None => {
                    let got = got.unwrap_or_else(|| panic!("{text} after {start}: no match"));
                    assert!(got > (start + WINDOW_MINUTES * 60) * 1000, "{text} after {start}");
                    assert!(matches_at(&spec, got / 1000), "{text} after {start}");
                }
            }
        }
    }
}

// --- robustness ---------------------------------------------------------------------

#[test]
fn random_text_never_panics() {
    const PIECES: &[&str] = &[
        "0",
        "1",
        "2",
        "5",
        "9",
        "12",
        "29",
        "30",
        "59",
        "60",
        "99",
        "2026",
        "-",
        "+",
        ":",
        ".",
        ",",
        "/",
        "*",
        "?",
        " ",
        "\t",
        "P",
        "T",
        "Y",
        "M",
        "W",
        "D",
        "H",
        "S",
        "R",
        "Z",
        "L",
        "#",
        "MON",
        "jan",
        "SUN",
        "é",
        "日",
        "𝟙",
        "２",
        "p",
        "t",
        "-11-",
        "T10:",
        "9999999999",
        "R3/",
        "/PT",
        "L-",
        "W",
        "x",
    ];
    const CRON_PIECES: &[&str] =
        &["0", "1", "5", "7", "12", "30", "59", "*", "?", "*/5", "1-5", "2/3", "MON", "MON-FRI", "JAN", "L", "2026"];
    const VALID: &[&str] = &[
        "PT10M",
        "P1Y2M3W4DT5H6M7.008S",
        "2026-11-23T10:00:00.250+08:00",
        "2028-02-29",
        "R3/PT10M",
        "R/2026-11-23T10:00:00Z/P1D",
        "0 0 9 ? * MON-FRI",
        "*/15 9-17 * * 1-5",
        "0 0 18 L * ? 2030",
    ];
    let nows = [0, NOV_23, -1, i64::MAX, i64::MIN, i64::MAX - DAY];
    let zones = [UTC, TimeZone::get("Europe/Berlin").unwrap()];
    let mut rng = StdRng::seed_from_u64(20_261_123);
    let mut accepted = 0;
    for round in 0..10_000 {
        let mut text = String::new();
        match round % 3 {
            // Random pieces and characters.
            0 => {
                for _ in 0..rng.gen_range(0..12) {
                    if rng.gen_bool(0.8) {
                        text.push_str(PIECES[rng.gen_range(0..PIECES.len())]);
                    } else {
                        text.push(char::from_u32(rng.gen_range(0..0x3000)).unwrap_or('?'));
                    }
                }
            }
            // Something shaped like a cron expression.
            1 => {
                let fields = rng.gen_range(4..9);
                let pieces = (0..fields).map(|_| CRON_PIECES[rng.gen_range(0..CRON_PIECES.len())]);
                text = pieces.collect::<Vec<_>>().join(" ");
            }
            // A valid text with a few mutations at character boundaries.
            _ => {
                text = VALID[rng.gen_range(0..VALID.len())].to_string();
                for _ in 0..rng.gen_range(0..4) {
                    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                    let at = boundaries[rng.gen_range(0..boundaries.len())];
                    match rng.gen_range(0..3) {
                        0 => text.insert_str(at, PIECES[rng.gen_range(0..PIECES.len())]),
                        1 if at < text.len() => {
                            text.remove(at);
                        }
                        _ => text.insert(at, char::from_u32(rng.gen_range(0x20..0x800)).unwrap_or('x')),
                    }
                }
            }
        }
        let _ = parse_duration(&text);
        let _ = parse_datetime(&text);
        for zone in &zones {
            for now in nows {
                let _ = parse_due(&text, now, zone);
            }
            for kind in [TimerKindText::Date, TimerKindText::Duration, TimerKindText::Cycle] {
                if let Ok(spec) = parse_timer(kind, &text, zone) {
                    accepted += 1;
                    for now in nows {
                        let _ = spec.first_due(now, zone);
                        let _ = spec.next_due(now, 1, zone);
                        let _ = spec.next_due(now, u32::MAX, zone);
                    }
                }
            }
            if let Ok(spec) = CronSpec::parse(&text) {
                let _ = spec.next_after(NOV_23, zone);
            }
        }
    }
    assert!(accepted > 1_000, "the generator should produce some valid timers, got {accepted}");
}
