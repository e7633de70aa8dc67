//! Which addresses service tasks may call: the allow-list `BPM_ALLOWED_HOSTS` and the default
//! that keeps calls off the server's own networks (loopback, private, link-local including the
//! cloud metadata address, unspecified, shared, multicast and reserved addresses).
//!
//! Pure: the engine checks a task's URL before it calls ([`HostPolicy::check_url`]); the
//! server's HTTP client checks every address it connects to ([`HostPolicy::check_addr`], after
//! resolving the name, so DNS rebinding does not get around it) and every redirect
//! ([`HostPolicy::check`]). URLs are read by the `url` crate, the parser of the HTTP client, so
//! the host checked is the host connected to.
//!
//! The rules:
//! - Which hosts: with the list unset, any; with it set, a host matching an entry (`api.example.com`,
//!   `*.example.com` for the sub-domains, `*` for any name) or an IP address inside an IP or range
//!   entry (`127.0.0.1`, `::1`, `10.0.0.0/8`).
//! - Which addresses: a public address always; an internal one only when the list names it
//!   explicitly, by an IP or range entry containing it or by the host's exact name as written in
//!   the URL (`localhost`). A wildcard entry does not open internal addresses.
//! - Trusted URL prefixes (the demo's own endpoints, see the server) are callable whatever their
//!   address; the server calls them with a client of its own that follows no redirect.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::error::Text;

/// An address range: an address and the length of its prefix (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// `10.0.0.0/8`, `fc00::/7`, or one address (`127.0.0.1`, `::1`, `[::1]`).
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let text = text.trim();
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr_text = addr_text.strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or(addr_text);
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or range (write e.g. 10.0.0.0/8 or ::1)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{text}`: the prefix length after / must be a number from 0 to {max}"))?,
        };
        Ok(IpRange { addr, prefix })
    }

    /// Is `ip` (or the IPv4 address an IPv4-mapped IPv6 `ip` stands for) inside the range?
    pub fn contains(&self, ip: IpAddr) -> bool {
        [ip, ip.to_canonical()].into_iter().any(|ip| match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => same_prefix(u32::from(a).into(), u32::from(b).into(), self.prefix, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => same_prefix(a.into(), b.into(), self.prefix, 128),
            _ => false,
        })
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Do the first `prefix` of the `bits` low bits of `a` and `b` agree?
fn same_prefix(a: u128, b: u128, prefix: u8, bits: u8) -> bool {
    let shift = u32::from(bits - prefix.min(bits));
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

// The kinds of internal address, as catalog keys.
const LOOPBACK: &str = "run.host.kind.loopback";
const PRIVATE: &str = "run.host.kind.private";
const LINK_LOCAL: &str = "run.host.kind.link_local";
const UNSPECIFIED: &str = "run.host.kind.unspecified";
const RESERVED: &str = "run.host.kind.reserved";
const MULTICAST: &str = "run.host.kind.multicast";

/// The internal IPv4 ranges, the more specific first.
const V4_INTERNAL: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, UNSPECIFIED),
    (Ipv4Addr::new(10, 0, 0, 0), 8, PRIVATE),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "run.host.kind.shared"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, LOOPBACK),
    (Ipv4Addr::new(169, 254, 0, 0), 16, LINK_LOCAL),
    (Ipv4Addr::new(172, 16, 0, 0), 12, PRIVATE),
    (Ipv4Addr::new(192, 0, 0, 0), 24, RESERVED),
    (Ipv4Addr::new(192, 168, 0, 0), 16, PRIVATE),
    (Ipv4Addr::new(198, 18, 0, 0), 15, RESERVED),
    (Ipv4Addr::new(224, 0, 0, 0), 4, MULTICAST),
    (Ipv4Addr::new(255, 255, 255, 255), 32, "run.host.kind.broadcast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, RESERVED),
];

/// The internal IPv6 ranges (the forms that carry an IPv4 address are read separately).
const V6_INTERNAL: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, PRIVATE),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, RESERVED),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "run.host.kind.unique_local"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, LINK_LOCAL),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, PRIVATE),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, MULTICAST),
];

/// What kind of internal address `ip` is (the catalog key of "a loopback address", ...), `None`
/// for a public one.
/// IPv6 forms that reach an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
/// `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`) count as that address.
pub fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    V4_INTERNAL
        .iter()
        .find(|(net, prefix, _)| same_prefix(u32::from(*net).into(), u32::from(ip).into(), *prefix, 32))
        .map(|(_, _, kind)| *kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some(UNSPECIFIED);
    }
    if ip.is_loopback() {
        return Some(LOOPBACK);
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    let bits = u128::from(ip);
    let low32 = Ipv4Addr::from(bits as u32);
    if bits >> 32 == 0 {
        // IPv4-compatible: deprecated, never a public destination.
        return v4_kind(low32).or(Some(RESERVED));
    }
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return v4_kind(low32);
    }
    if bits >> 112 == 0x2002 {
        if let Some(kind) = v4_kind(Ipv4Addr::from((bits >> 80) as u32)) {
            return Some(kind);
        }
    }
    V6_INTERNAL.iter().find(|(net, prefix, _)| same_prefix((*net).into(), bits, *prefix, 128)).map(|(_, _, kind)| *kind)
}

/// One entry of `BPM_ALLOWED_HOSTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `*`: any host name (internal addresses still need an entry of their own).
    AnyName,
    /// `api.example.com`, `localhost`.
    Name(String),
    /// `*.example.com`: the sub-domains of example.com.
    SubDomains(String),
    /// `127.0.0.1`, `::1`, `10.0.0.0/8`.
    Range(IpRange),
}

impl Entry {
    fn parse(text: &str) -> Result<Entry, String> {
        let help = "write a host name (api.example.com), *.example.com for its sub-domains, * for any name, an IP \
                    address (127.0.0.1, ::1) or a range (10.0.0.0/8)";
        if text == "*" {
            return Ok(Entry::AnyName);
        }
        if text.contains('/') {
            return IpRange::parse(text).map(Entry::Range);
        }
        let (wild, name) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        match Host::parse(name) {
            Ok(Host::Domain(d)) if wild => Ok(Entry::SubDomains(d)),
            Ok(Host::Domain(d)) => Ok(Entry::Name(d)),
            Ok(Host::Ipv4(a)) if !wild => Ok(Entry::Range(IpRange { addr: a.into(), prefix: 32 })),
            Ok(Host::Ipv6(a)) if !wild => Ok(Entry::Range(IpRange { addr: a.into(), prefix: 128 })),
            _ => Err(format!("`{text}` is not a host; {help}")),
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::AnyName => f.write_str("*"),
            Entry::Name(n) => f.write_str(n),
            Entry::SubDomains(d) => write!(f, "*.{d}"),
            Entry::Range(r) => write!(f, "{r}"),
        }
    }
}

/// How a URL may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Through the checked client: every address connected to must pass
    /// [`HostPolicy::check_addr`], every redirect [`HostPolicy::check`].
    Checked,
    /// Under a trusted prefix: callable whatever its address, without redirects.
    Trusted,
}

/// What service tasks may call (see the module documentation). The default: any public host,
/// no internal address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPolicy {
    /// `BPM_ALLOWED_HOSTS` read; `None` when unset.
    list: Option<Vec<Entry>>,
    /// URL prefixes callable whatever their address.
    trusted: Vec<Url>,
}

impl HostPolicy {
    /// The policy of a `BPM_ALLOWED_HOSTS` value (comma-separated; `None` or blank = unset).
    pub fn parse(list: Option<&str>) -> Result<HostPolicy, String> {
        let Some(list) = list.map(str::trim).filter(|l| !l.is_empty()) else {
            return Ok(HostPolicy::default());
        };
        let entries = list
            .split(',')
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .map(|e| Entry::parse(&e))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HostPolicy { list: Some(entries), trusted: Vec::new() })
    }

    /// This policy with the URLs under `prefix` (`http://127.0.0.1:3000/demo/`) callable
    /// whatever their address.
    pub fn trusting(mut self, prefix: &str) -> Result<HostPolicy, String> {
        let url = Url::parse(prefix.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| format!("`{prefix}` is not an http:// or https:// URL"))?;
        self.trusted.push(url);
        Ok(self)
    }

    /// Checks a URL before calling it; see [`HostPolicy::check`].
    pub fn check_url(&self, url: &str) -> Result<Verdict, Text> {
        let url = Url::parse(url.trim()).map_err(|e| Text::new("run.host.unreadable_url").with("error", e))?;
        self.check(&url)
    }

    /// Checks a URL (the task's, or a redirect's target): trusted, or a host the list allows;
    /// a host given as an IP address is checked as [`HostPolicy::check_addr`] does, since no
    /// name is resolved for it. A host name's addresses are checked when it is resolved.
    pub fn check(&self, url: &Url) -> Result<Verdict, Text> {
        if self.trusted.iter().any(|t| under(url, t)) {
            return Ok(Verdict::Trusted);
        }
        match url.host() {
            None => Err(Text::new("run.host.no_host")),
            Some(Host::Domain(name)) => self.check_name(name).map(|()| Verdict::Checked),
            Some(Host::Ipv4(a)) => self.check_addr(&a.to_string(), a.into()).map(|()| Verdict::Checked),
            Some(Host::Ipv6(a)) => self.check_addr(&a.to_string(), a.into()).map(|()| Verdict::Checked),
        }
    }

    /// Checks one address `ip` of `host` (a name as resolved, or the address itself as written
    /// in the URL) before connecting to it.
    pub fn check_addr(&self, host: &str, ip: IpAddr) -> Result<(), Text> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let literal = host.parse::<IpAddr>().is_ok();
        let in_range = self.entries().any(|e| matches!(e, Entry::Range(r) if r.contains(ip)));
        if literal {
            let listed = self.list.is_none() || in_range || self.entries().any(|e| *e == Entry::AnyName);
            if !listed {
                return Err(not_listed(host));
            }
        } else {
            self.check_name(host)?;
        }
        let Some(kind) = internal_kind(ip) else {
            return Ok(());
        };
        if in_range || self.entries().any(|e| matches!(e, Entry::Name(n) if n == host)) {
            return Ok(());
        }
        let refused = if literal {
            Text::new("run.host.internal").with("example", ip)
        } else {
            Text::new("run.host.internal_of").with("host", host).with("example", host)
        };
        Err(refused.with("ip", ip).with_text("kind", Text::new(kind)))
    }

    /// Is the host name `name` one the list allows (any, when the list is unset)?
    fn check_name(&self, name: &str) -> Result<(), Text> {
        let Some(list) = &self.list else {
            return Ok(());
        };
        let ok = list.iter().any(|e| match e {
            Entry::AnyName => true,
            Entry::Name(n) => n == name,
            Entry::SubDomains(d) => name.strip_suffix(d.as_str()).is_some_and(|head| head.ends_with('.')),
            Entry::Range(_) => false,
        });
        if ok {
            Ok(())
        } else {
            Err(not_listed(name))
        }
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.list.iter().flatten()
    }
}

fn not_listed(host: &str) -> Text {
    Text::new("run.host.not_listed").with("host", host)
}

/// Is `url` at or below `prefix` (same scheme, host and port, the path under the prefix's)?
fn under(url: &Url, prefix: &Url) -> bool {
    url.scheme() == prefix.scheme()
        && url.host() == prefix.host()
        && url.port_or_known_default() == prefix.port_or_known_default()
        && url.path().starts_with(prefix.path())
}

impl fmt::Display for HostPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.list {
            None => f.write_str("any public host")?,
            Some(list) => {
                let names: Vec<String> = list.iter().map(Entry::to_string).collect();
                write!(f, "BPM_ALLOWED_HOSTS={}", names.join(","))?;
            }
        }
        for t in &self.trusted {
            write!(f, "; trusted {t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_classified() {
        for (addr, kind) in [
            ("127.0.0.1", LOOPBACK),
            ("127.255.0.9", LOOPBACK),
            ("::1", LOOPBACK),
            ("10.1.2.3", PRIVATE),
            ("172.16.0.1", PRIVATE),
            ("172.31.255.255", PRIVATE),
            ("192.168.1.1", PRIVATE),
            ("fd12::1", "run.host.kind.unique_local"),
            ("169.254.169.254", LINK_LOCAL),
            ("fe80::1", LINK_LOCAL),
            ("0.0.0.0", UNSPECIFIED),
            ("0.1.2.3", UNSPECIFIED),
            ("::", UNSPECIFIED),
            ("100.64.0.1", "run.host.kind.shared"),
            ("224.0.0.1", MULTICAST),
            ("ff02::1", MULTICAST),
            ("255.255.255.255", "run.host.kind.broadcast"),
            ("240.0.0.1", RESERVED),
            // IPv6 forms of IPv4 addresses.
            ("::ffff:127.0.0.1", LOOPBACK),
            ("::ffff:169.254.169.254", LINK_LOCAL),
            ("::ffff:10.0.0.1", PRIVATE),
            ("::127.0.0.1", LOOPBACK),
            ("::8.8.8.8", RESERVED),
            ("64:ff9b::a00:1", PRIVATE),
            ("2002:7f00:1::", LOOPBACK),
        ] {
            assert_eq!(internal_kind(ip(addr)), Some(kind), "{addr}");
        }
        for public in
            ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "11.0.0.1", "2606:4700::1111", "64:ff9b::808:808"]
        {
            assert_eq!(internal_kind(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn ranges_are_parsed_and_matched() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains(ip("10.200.3.4")) && !r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.0.0.7")), "an IPv4-mapped address is its IPv4 address");
        let one = IpRange::parse("127.0.0.1").unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        assert!(IpRange::parse("[::1]").unwrap().contains(ip("::1")));
        let ula = IpRange::parse("fc00::/7").unwrap();
        assert!(ula.contains(ip("fdff::1")) && !ula.contains(ip("fe00::1")));
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(!IpRange::parse("0.0.0.0/0").unwrap().contains(ip("::2")), "families do not mix");
        assert!(IpRange::parse("::/0").unwrap().contains(ip("2001:db8::1")));
        assert!(IpRange::parse("172.16.0.0/12").unwrap().contains(ip("172.31.0.1")));
        assert!(IpRange::parse("10.0.0.0/33").unwrap_err().contains("from 0 to 32"));
        assert!(IpRange::parse("::/129").unwrap_err().contains("from 0 to 128"));
        assert!(IpRange::parse("10.0.0.0/x").is_err());
        assert!(IpRange::parse("example.com/8").unwrap_err().contains("not an IP address"));
    }

    #[test]
    fn entries_of_the_list() {
        let p = HostPolicy::parse(Some(" Api.Example.com, *.b.org,127.0.0.1 , [::1],10.0.0.0/8,,")).unwrap();
        assert_eq!(p.to_string(), "BPM_ALLOWED_HOSTS=api.example.com,*.b.org,127.0.0.1/32,::1/128,10.0.0.0/8");
        assert_eq!(HostPolicy::parse(None).unwrap(), HostPolicy::default());
        assert_eq!(HostPolicy::parse(Some("  ")).unwrap(), HostPolicy::default());
        for bad in ["api.example.com:8080", "http://a.com", "*.1.2.3.4", "10.0.0.0/40", "a b"] {
            let err = HostPolicy::parse(Some(bad)).unwrap_err();
            assert!(err.contains(bad.split('/').next().unwrap()), "{bad}: {err}");
        }
    }

    #[test]
    fn the_default_refuses_internal_addresses() {
        let p = HostPolicy::default();
        assert_eq!(p.check_url("https://api.example.com/x"), Ok(Verdict::Checked));
        assert_eq!(p.check_url("http://93.184.216.34/"), Ok(Verdict::Checked));
        let err = p.check_url("http://127.0.0.1:9/x").unwrap_err().english();
        assert_eq!(
            err,
            "the address 127.0.0.1 is a loopback address; service tasks may not call internal addresses unless \
             BPM_ALLOWED_HOSTS names them (e.g. BPM_ALLOWED_HOSTS=127.0.0.1); add it there and restart, or change \
             the task's URL"
        );
        assert!(p.check_url("http://169.254.169.254/latest/meta-data/").unwrap_err().english().contains("link-local"));
        assert!(p.check_url("http://[::ffff:7f00:1]/").unwrap_err().english().contains("loopback"));
        assert!(
            p.check_url("http://0x7f.1/").unwrap_err().english().contains("127.0.0.1 is a loopback"),
            "as the client reads it"
        );
        assert!(p.check_url("http://10.1.2.3/").unwrap_err().english().contains("private"));
        assert!(p.check_url("http://[::]:80/").unwrap_err().english().contains("unspecified"));
        // A name is checked by its addresses once resolved.
        assert_eq!(p.check_url("http://localhost:9/"), Ok(Verdict::Checked));
        let err = p.check_addr("localhost", ip("127.0.0.1")).unwrap_err().english();
        assert!(err.starts_with("the address 127.0.0.1 of 'localhost' is a loopback address;"), "{err}");
        assert!(err.contains("(e.g. BPM_ALLOWED_HOSTS=localhost)"), "{err}");
        assert!(p.check_addr("rebound.example.com", ip("192.168.0.10")).unwrap_err().english().contains("private"));
        assert!(p.check_addr("api.example.com", ip("93.184.216.34")).is_ok());
        assert!(p.check_url("not a url").unwrap_err().english().contains("cannot be read"));
    }

    #[test]
    fn the_list_names_hosts_and_internal_addresses() {
        let p = HostPolicy::parse(Some("*.example.com,localhost,127.0.0.1,10.0.0.0/8")).unwrap();
        assert!(p.check_url("http://api.example.com/x").is_ok());
        assert!(p
            .check_url("http://example.com/x")
            .unwrap_err()
            .english()
            .contains("host example.com is not in the allow-list"));
        assert!(p.check_url("http://evilexample.com/").is_err());
        assert!(p.check_url("http://127.0.0.1:9/x").is_ok());
        assert!(p.check_url("http://10.9.8.7/x").is_ok());
        assert!(p
            .check_url("http://127.0.0.2/x")
            .unwrap_err()
            .english()
            .contains("host 127.0.0.2 is not in the allow-list"));
        // Named exactly: any address; by a wildcard: public ones and the listed ranges only.
        assert!(p.check_addr("localhost", ip("127.0.0.1")).is_ok());
        assert!(p.check_addr("localhost", ip("::1")).is_ok());
        assert!(p.check_addr("api.example.com", ip("10.1.1.1")).is_ok());
        assert!(p.check_addr("api.example.com", ip("93.184.216.34")).is_ok());
        let err = p.check_addr("api.example.com", ip("192.168.1.1")).unwrap_err().english();
        assert!(err.contains("192.168.1.1 of 'api.example.com' is a private address"), "{err}");
        assert!(p.check_addr("evil.com", ip("93.184.216.34")).unwrap_err().english().contains("not in the allow-list"));

        // `*`: any name, still no internal address unless listed.
        let any = HostPolicy::parse(Some("*,10.0.0.0/8")).unwrap();
        assert!(any.check_url("http://anything.org/").is_ok());
        assert!(any.check_url("http://10.0.0.1/").is_ok());
        assert!(any.check_url("http://8.8.8.8/").is_ok());
        assert!(any.check_addr("anything.org", ip("127.0.0.1")).unwrap_err().english().contains("loopback"));
    }

    #[test]
    fn the_host_checked_is_the_host_the_client_reads() {
        let p = HostPolicy::parse(Some("api.example.com")).unwrap();
        // WHATWG parsing (the client's): `\` ends the authority, so the host is 127.0.0.1.
        let err = p.check_url("http://127.0.0.1:8080\\@api.example.com/").unwrap_err().english();
        assert!(err.contains("host 127.0.0.1 is not in the allow-list"), "{err}");
        assert!(HostPolicy::default()
            .check_url("http://127.0.0.1:8080\\@api.example.com/")
            .unwrap_err()
            .english()
            .contains("loopback"));
        assert!(p.check_url("http://api.example.com@127.0.0.1/").is_err());
        assert!(p.check_url("http://user:pw@API.example.com./x").is_err(), "a trailing dot is another name");
        assert!(p.check_url("http://user:pw@API.Example.com:8443/x").is_ok());
    }

    #[test]
    fn trusted_prefixes() {
        let p = HostPolicy::default().trusting("http://127.0.0.1:3000/demo/").unwrap();
        assert_eq!(p.check_url("http://127.0.0.1:3000/demo/echo"), Ok(Verdict::Trusted));
        assert!(p.check_url("http://127.0.0.1:3000/api/v1/tenants").unwrap_err().english().contains("loopback"));
        assert!(p.check_url("http://127.0.0.1:3000/demo/../api/v1/tenants").is_err(), "dot segments are resolved");
        assert!(p.check_url("http://127.0.0.1:3001/demo/echo").is_err());
        assert!(p.check_url("https://127.0.0.1:3000/demo/echo").is_err());
        assert!(p.to_string().ends_with("; trusted http://127.0.0.1:3000/demo/"), "{p}");
        assert!(HostPolicy::default().trusting("ftp://x/").is_err());
    }
}
