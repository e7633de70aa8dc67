//! Schedules in time zones: wall-clock dates, cron expressions, calendar durations and
//! cycles across daylight-saving changes. Expected instants were computed independently with
//! Python's `zoneinfo` (2026: Europe/Berlin springs forward on March 29 at 02:00 and falls
//! back on October 25 at 03:00; America/New_York on March 8 and November 1 at 02:00).

use super::*;

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("the bundled tz database knows the zone")
}

fn cron_in(text: &str, after: i64, zone_name: &str) -> Option<i64> {
    CronSpec::parse(text).unwrap().next_after(after, &zone(zone_name))
}

const UTC: TimeZone = TimeZone::UTC;

#[test]
fn dates_without_an_offset_are_wall_clock_times_in_the_zone() {
    let shanghai = zone("Asia/Shanghai");
    // 09:00 in Shanghai (UTC+8) is 01:00Z.
    assert_eq!(parse_datetime_in("2026-12-08T09:00:00", &shanghai), Ok(1_796_691_600_000));
    assert_eq!(
        parse_timer(TimerKindText::Date, "2026-12-08T09:00:00", &shanghai),
        Ok(TimerSpec::At(1_796_691_600_000))
    );
    // Summer in Berlin is UTC+2.
    assert_eq!(parse_datetime_in("2026-07-01T12:00", &zone("Europe/Berlin")), Ok(1_782_900_000_000));
    // An offset or `Z` is an instant, whatever the zone.
    assert_eq!(parse_datetime_in("2026-07-01T12:00Z", &zone("Europe/Berlin")), Ok(1_782_907_200_000));
    assert_eq!(parse_datetime_in("2026-12-08T09:00:00+08:00", &zone("America/New_York")), Ok(1_796_691_600_000));
    // Without a zone the old reading (UTC) stays.
    assert_eq!(parse_datetime("2026-07-01T12:00"), Ok(1_782_907_200_000));
    // Due dates too.
    assert_eq!(parse_due("2026-12-08T09:00:00", 0, &shanghai), Ok(1_796_691_600_000));
}

#[test]
fn dates_in_a_skipped_or_repeated_hour() {
    let berlin = zone("Europe/Berlin");
    // 02:30 does not exist on March 29: due when the clocks jump (03:00 CEST = 01:00Z).
    assert_eq!(parse_datetime_in("2026-03-29T02:30:00", &berlin), Ok(1_774_746_000_000));
    // 02:30 exists twice on October 25: the first (CEST, 00:30Z).
    assert_eq!(parse_datetime_in("2026-10-25T02:30:00", &berlin), Ok(1_792_888_200_000));
}

#[test]
fn cron_fires_at_the_wall_clock_time_across_daylight_saving() {
    // 09:00 in Berlin: 08:00Z in winter, 07:00Z from the day the clocks spring forward.
    assert_eq!(cron_in("0 0 9 * * ?", 1_774_612_800_000, "Europe/Berlin"), Some(1_774_684_800_000));
    assert_eq!(cron_in("0 0 9 * * ?", 1_774_699_200_000, "Europe/Berlin"), Some(1_774_767_600_000));
    // New York, weekdays at 09:00: Friday March 6 (EST) → Monday March 9 (EDT, 13:00Z).
    assert_eq!(cron_in("0 0 9 ? * MON-FRI", 1_772_809_200_000, "America/New_York"), Some(1_773_061_200_000));
    // In UTC the same expression is 09:00Z.
    assert_eq!(cron_in("0 0 9 * * ?", 1_774_699_200_000, "UTC"), Some(1_774_774_800_000));
}

#[test]
fn cron_in_a_skipped_hour_fires_once_when_the_clocks_jump() {
    let berlin = zone("Europe/Berlin");
    let spec = CronSpec::parse("0 30 2 * * ?").unwrap();
    let jump = spec.next_after(1_774_699_200_000, &berlin);
    assert_eq!(jump, Some(1_774_746_000_000), "03:00 CEST on March 29");
    assert_eq!(spec.next_after(1_774_746_000_000, &berlin), Some(1_774_830_600_000), "then 02:30 CEST on March 30");
    // Every minute of the skipped hour: one firing at the jump, then 02:00 the next day.
    let spec = CronSpec::parse("0 * 2 * * ?").unwrap();
    assert_eq!(spec.next_after(1_774_699_200_000, &berlin), Some(1_774_746_000_000));
    assert_eq!(spec.next_after(1_774_746_000_000, &berlin), Some(1_774_828_800_000));
    // New York springs forward at 02:00 EST (07:00Z).
    assert_eq!(cron_in("0 30 2 * * ?", 1_772_892_000_000, "America/New_York"), Some(1_772_953_200_000));
}

#[test]
fn cron_in_a_repeated_hour_fires_once() {
    let berlin = zone("Europe/Berlin");
    let spec = CronSpec::parse("0 30 2 * * ?").unwrap();
    let first = spec.next_after(1_792_843_200_000, &berlin);
    assert_eq!(first, Some(1_792_888_200_000), "02:30 CEST on October 25");
    assert_eq!(spec.next_after(1_792_888_200_000, &berlin), Some(1_792_978_200_000), "then 02:30 CET on October 26");
    // A timer created during the second pass of the hour still fires at the next match in it.
    let half_hours = CronSpec::parse("0 0/30 * * * ?").unwrap();
    assert_eq!(half_hours.next_after(1_792_890_600_000, &berlin), Some(1_792_891_800_000), "02:30 CET");
    // After 02:30 CEST the wall clock goes on at 03:00 (CET), each wall-clock time once.
    assert_eq!(half_hours.next_after(1_792_888_800_000, &berlin), Some(1_792_893_600_000));
}

#[test]
fn calendar_durations_step_the_civil_calendar() {
    let berlin = zone("Europe/Berlin");
    let p1d = parse_iso_duration("P1D").unwrap();
    let pt24h = parse_iso_duration("PT24H").unwrap();
    // Noon on March 28 (CET, 11:00Z): P1D is noon on March 29 (CEST, 10:00Z), 23 hours later;
    // PT24H is 24 hours.
    assert_eq!(p1d.add_to(1_774_695_600_000, &berlin), Some(1_774_778_400_000));
    assert_eq!(pt24h.add_to(1_774_695_600_000, &berlin), Some(1_774_782_000_000));
    // P1M: month ends and leap years.
    let p1m = parse_iso_duration("P1M").unwrap();
    assert_eq!(p1m.add_to(1_769_853_600_000, &UTC), Some(1_772_272_800_000), "Jan 31 2026 → Feb 28");
    assert_eq!(p1m.add_to(1_832_925_600_000, &UTC), Some(1_835_431_200_000), "Jan 31 2028 → Feb 29");
    assert_eq!(
        parse_iso_duration("P1Y").unwrap().add_to(1_835_431_200_000, &UTC),
        Some(1_866_967_200_000),
        "Feb 29 2028 → Feb 28 2029"
    );
    assert_eq!(p1m.add_to(1_774_951_200_000, &berlin), Some(1_777_543_200_000), "Mar 31 → Apr 30, 12:00 Berlin");
    // The fixed reading stays for waits without a calendar.
    assert_eq!(parse_duration("P1M"), Ok(30 * DAY));
    assert_eq!(p1m.fixed_millis(), Some(30 * DAY));
    // A due date P1M from Jan 31.
    assert_eq!(parse_due("P1M", 1_769_853_600_000, &UTC), Ok(1_772_272_800_000));
    // A timer duration likewise.
    let after = parse_timer(TimerKindText::Duration, "P1D", &berlin).unwrap();
    assert_eq!(after.first_due(1_774_695_600_000, &berlin), Some(1_774_778_400_000));
}

#[test]
fn cycles_keep_the_wall_clock_time() {
    let new_york = zone("America/New_York");
    let daily = parse_timer(TimerKindText::Cycle, "R/2026-10-31T09:00:00/P1D", &new_york).unwrap();
    // 09:00 EDT on October 31 is 13:00Z; the next day (EST) 09:00 is 14:00Z.
    assert_eq!(daily.first_due(0, &new_york), Some(1_793_451_600_000));
    assert_eq!(daily.next_due(1_793_451_600_000, 1, &new_york), Some(1_793_541_600_000));
    let hourly = parse_timer(TimerKindText::Cycle, "R/PT24H", &new_york).unwrap();
    assert_eq!(hourly.next_due(1_793_451_600_000, 1, &new_york), Some(1_793_451_600_000 + 24 * HOUR));
    // A cron cycle in the zone.
    let cron = parse_timer(TimerKindText::Cycle, "0 0 9 * * ?", &new_york).unwrap();
    assert_eq!(cron.next_due(1_793_451_600_000, 1, &new_york), Some(1_793_541_600_000));
}

#[test]
fn fixed_offset_zones_work_without_a_database() {
    // What the browser and the pure tests use: a zone value with no tz database behind it.
    let plus8 = TimeZone::fixed(jiff::tz::Offset::constant(8));
    assert_eq!(parse_datetime_in("2026-12-08T09:00:00", &plus8), Ok(1_796_691_600_000));
    assert_eq!(CronSpec::parse("0 0 9 * * ?").unwrap().next_after(1_796_650_000_000, &plus8), Some(1_796_691_600_000));
}
