//! Configuration from environment variables (documented in the README).

use std::net::SocketAddr;

use engine::SqliteSync;

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://path?mode=rwc` (default `data/bpm.sqlite`) or `postgres://...`.
    pub database_url: String,
    /// `BPM_ADDR`: where to listen (default 127.0.0.1:3000).
    pub addr: SocketAddr,
    /// `BPM_ADMIN_PASSWORD`: the first `admin` password; generated and printed when unset.
    pub admin_password: Option<String>,
    /// `BPM_API_TOKEN`: bearer token accepted by the HTTP API.
    pub api_token: Option<String>,
    /// `BPM_DEMO`: load demo data into an empty database (default on).
    pub demo: bool,
    /// `BPM_MAX_FILE_BYTES`: the largest BPMN file accepted (default 10 MiB).
    pub max_file_bytes: usize,
    /// `BPM_SQLITE_SYNC`: `full` (default) or `normal`, how a SQLite commit reaches the disk.
    pub sqlite_sync: SqliteSync,
    /// `BPM_ORIGINS`: origins besides the request's own host that may send state changes
    /// carried by the session cookie (the console's public address behind a proxy).
    pub origins: crate::csrf::Origins,
    /// `BPM_SECURE_COOKIE`: `auto` (default: Secure when the request came over HTTPS, as a
    /// proxy says with `X-Forwarded-Proto: https`), `on`, `off`.
    pub secure_cookie: app::ssr::SecureCookie,
    /// `BPM_MAX_CONNECTIONS` (default 512) and `BPM_HEADER_TIMEOUT_SECS` (default 10): the
    /// accept loop's bounds.
    pub limits: crate::listen::Limits,
    /// `BPM_TIME_ZONE`: the IANA zone (`Asia/Shanghai`) timers, cron expressions and due dates
    /// without an offset are read in; default the machine's zone (`TZ`, `/etc/localtime`).
    pub time_zone: engine::schedule::TimeZone,
}

/// The default SQLite file, created (with its folder) on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/bpm.sqlite?mode=rwc";

impl Config {
    /// Reads the configuration; a malformed value is an error naming the variable.
    pub fn from_env() -> Result<Config, String> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let addr_text = non_empty("BPM_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr =
            addr_text.parse().map_err(|_| format!("BPM_ADDR='{addr_text}' is not an address like 127.0.0.1:3000"))?;
        let demo = match non_empty("BPM_DEMO").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("1" | "true" | "on" | "yes") => true,
            Some("0" | "false" | "off" | "no") => false,
            Some(other) => return Err(format!("BPM_DEMO='{other}' should be on or off")),
        };
        let max_text = non_empty("BPM_MAX_FILE_BYTES").unwrap_or_else(|| (10 * 1024 * 1024).to_string());
        let max_file_bytes = max_text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("BPM_MAX_FILE_BYTES='{max_text}' should be a positive number of bytes"))?;
        let sqlite_sync = match non_empty("BPM_SQLITE_SYNC") {
            None => SqliteSync::default(),
            Some(v) => v.parse().map_err(|e| format!("BPM_SQLITE_SYNC: {e}"))?,
        };
        let origins = crate::csrf::Origins::parse(&non_empty("BPM_ORIGINS").unwrap_or_default())?;
        let secure_cookie = match non_empty("BPM_SECURE_COOKIE").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("auto") => app::ssr::SecureCookie::Auto,
            Some("1" | "true" | "on" | "yes") => app::ssr::SecureCookie::Always,
            Some("0" | "false" | "off" | "no") => app::ssr::SecureCookie::Never,
            Some(other) => return Err(format!("BPM_SECURE_COOKIE='{other}' should be auto, on or off")),
        };
        let mut limits = crate::listen::Limits::default();
        if let Some(n) = non_empty("BPM_MAX_CONNECTIONS") {
            limits.max_connections = n.trim().parse().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| {
                format!("BPM_MAX_CONNECTIONS='{n}' should be a number of connections from 1 to 100000")
            })?;
        }
        if let Some(n) = non_empty("BPM_HEADER_TIMEOUT_SECS") {
            let secs: u64 =
                n.trim().parse().ok().filter(|n| (1..=600).contains(n)).ok_or_else(|| {
                    format!("BPM_HEADER_TIMEOUT_SECS='{n}' should be a number of seconds from 1 to 600")
                })?;
            limits.header_read_timeout = std::time::Duration::from_secs(secs);
        }
        let time_zone = match non_empty("BPM_TIME_ZONE") {
            None => engine::zone::system(),
            Some(name) => engine::zone::named(&name).map_err(|e| format!("BPM_TIME_ZONE: {e}"))?,
        };
        Ok(Config {
            time_zone,
            limits,
            origins,
            secure_cookie,
            max_file_bytes,
            sqlite_sync,
            database_url: non_empty("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            addr,
            admin_password: non_empty("BPM_ADMIN_PASSWORD"),
            api_token: non_empty("BPM_API_TOKEN"),
            demo,
        })
    }

    /// The folder of a SQLite database file, to create before connecting.
    pub fn sqlite_dir(&self) -> Option<std::path::PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite://").or_else(|| self.database_url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next()?;
        if path.is_empty() || path == ":memory:" {
            return None;
        }
        std::path::Path::new(path).parent().map(|p| p.to_path_buf()).filter(|p| !p.as_os_str().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(c.demo);
        assert_eq!(c.max_file_bytes, 10 * 1024 * 1024);
        assert_eq!(c.sqlite_sync, SqliteSync::Full);
        assert_eq!(c.sqlite_dir().unwrap(), std::path::PathBuf::from("data"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert!(cfg(&[("BPM_ADDR", "nowhere")]).unwrap_err().contains("BPM_ADDR"));
        assert!(cfg(&[("BPM_DEMO", "maybe")]).unwrap_err().contains("BPM_DEMO"));
        assert!(!cfg(&[("BPM_DEMO", "off")]).unwrap().demo);
        assert!(cfg(&[("BPM_MAX_FILE_BYTES", "0")]).unwrap_err().contains("BPM_MAX_FILE_BYTES"));
        let e = cfg(&[("BPM_SQLITE_SYNC", "off")]).unwrap_err();
        assert!(e.contains("BPM_SQLITE_SYNC") && e.contains("full") && e.contains("normal"), "{e}");
        assert_eq!(cfg(&[("BPM_SQLITE_SYNC", "Normal")]).unwrap().sqlite_sync, SqliteSync::Normal);
        assert!(cfg(&[("BPM_MAX_CONNECTIONS", "0")]).unwrap_err().contains("BPM_MAX_CONNECTIONS"));
        assert!(cfg(&[("BPM_HEADER_TIMEOUT_SECS", "x")]).unwrap_err().contains("BPM_HEADER_TIMEOUT_SECS"));
        assert_eq!(cfg(&[("BPM_HEADER_TIMEOUT_SECS", "3")]).unwrap().limits.header_read_timeout.as_secs(), 3);
        assert!(cfg(&[("BPM_ORIGINS", "bpm.example.com")]).unwrap_err().contains("BPM_ORIGINS"));
        assert!(cfg(&[("BPM_SECURE_COOKIE", "maybe")]).unwrap_err().contains("BPM_SECURE_COOKIE"));
        assert_eq!(cfg(&[("BPM_SECURE_COOKIE", "on")]).unwrap().secure_cookie, app::ssr::SecureCookie::Always);
    }

    #[test]
    fn time_zone_by_name_or_the_machines() {
        let zone = |name: &str| cfg(&[("BPM_TIME_ZONE", name)]).map(|c| engine::zone::name_of(&c.time_zone));
        assert_eq!(zone("Asia/Shanghai"), Ok("Asia/Shanghai".into()));
        assert_eq!(zone(" America/New_York "), Ok("America/New_York".into()));
        assert_eq!(zone("UTC"), Ok("UTC".into()));
        let e = zone("Beijing").unwrap_err();
        assert!(e.starts_with("BPM_TIME_ZONE: `Beijing` is not a known time zone"), "{e}");
        assert!(e.contains("Asia/Shanghai"), "says what to write: {e}");
        // Unset or blank: the machine's zone.
        assert_eq!(cfg(&[]).unwrap().time_zone, engine::zone::system());
        assert_eq!(cfg(&[("BPM_TIME_ZONE", " ")]).unwrap().time_zone, engine::zone::system());
    }

    #[test]
    fn postgres_has_no_folder() {
        let c = cfg(&[("DATABASE_URL", "postgres://postgres@127.0.0.1/bpm")]).unwrap();
        assert!(c.sqlite_dir().is_none());
    }
}
