//! What to probe: `host`, `host:port` or `[ipv6]:port`, with a role.
//!
//! Deep Security ports are only defaults (every one is configurable at
//! install time), so a target without a port takes its role's default:
//! manager 4120 (agents connect there), agent 4118 (the manager connects
//! there), relay 4122.
//!
//! Users paste URLs too: the manager URL an agent is configured with
//! (`dsm://HOST:4120/`) and the console's (`https://HOST:4119/`). A URL gives
//! a host and a port and nothing else (the role still comes from `--role`):
//! without a port, `dsm://` means 4120 and `https://` 443, as a browser or
//! an agent would connect.

use std::fmt;
use std::net::IpAddr;

use crate::model::profile::Role;

impl Role {
    /// The port this role listens on by default.
    pub fn default_port(self) -> u16 {
        match self {
            Role::Manager => 4120,
            Role::Agent | Role::Any => 4118,
            Role::Relay => 4122,
        }
    }
}

/// A parsed target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// What the user wrote.
    pub input: String,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// The role the endpoint plays.
    pub role: Role,
    /// One address of the host to probe instead of resolving it
    /// (`--all-addresses` scans each address as its own endpoint).
    pub pinned: Option<IpAddr>,
}

impl Target {
    /// Parses `host`, `host:port`, `[ipv6]:port`, `[ipv6]` or a bare IPv6
    /// address; a missing port is the role's default. `dsm://HOST[:PORT]/`
    /// and `https://HOST[:PORT]/` give the host and port (default 4120 and
    /// 443); a path after the address is ignored.
    pub fn parse(input: &str, role: Role) -> Result<Target, TargetError> {
        let (host, port) = match split_url(input)? {
            Some((authority, default_port)) => {
                parse_address_with(input, authority, default_port, Context::Target)?
            }
            None => parse_address(input, role, Context::Target)?,
        };
        Ok(Target {
            input: input.to_string(),
            host,
            port,
            role,
            pinned: None,
        })
    }

    /// This target, probed at `address` only (its name is kept for the
    /// report and for SNI).
    pub fn pinned_to(&self, address: IpAddr) -> Target {
        Target {
            pinned: Some(address),
            ..self.clone()
        }
    }

    /// The host as an IP address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

/// Parses a `--listen` address: `host:port`, `[ipv6]:port`, `host`, an IPv6
/// address, or a port alone (host `127.0.0.1`). A missing port is the
/// role's; port 0 is allowed (any free port). Returns the host, unresolved,
/// and the port.
pub fn parse_listen(input: &str, role: Role) -> Result<(String, u16), TargetError> {
    let s = input.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let port = parse_port(s, 0).ok_or_else(|| TargetError {
            input: input.to_string(),
            context: Context::Listen,
            part: Some(("port", s.to_string())),
            why: Context::Listen.port_rule(),
        })?;
        return Ok(("127.0.0.1".to_string(), port));
    }
    parse_address(input, role, Context::Listen)
}

/// The URL schemes a target may have, and the port each implies.
const SCHEMES: [(&str, u16); 2] = [("dsm", 4120), ("https", 443)];

/// For a URL (`SCHEME://AUTHORITY[/PATH]`), the authority and the scheme's
/// default port; `None` when `input` is not a URL. An unknown scheme or
/// credentials in the URL are errors.
fn split_url(input: &str) -> Result<Option<(&str, u16)>, TargetError> {
    let s = input.trim();
    let Some((scheme, rest)) = s.split_once("://") else {
        return Ok(None);
    };
    let err = |part: Option<(&'static str, &str)>, why: &'static str| TargetError {
        input: input.to_string(),
        context: Context::Target,
        part: part.map(|(name, value)| (name, value.to_string())),
        why,
    };
    let Some(&(_, default_port)) = SCHEMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(scheme))
    else {
        return Err(err(
            Some(("scheme", scheme)),
            "a URL target is dsm://HOST[:PORT]/ (the agent's manager URL) or \
             https://HOST[:PORT]/ (the console)",
        ));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err(err(
            None,
            "a URL target has no user name or password: write dsm://HOST:PORT/",
        ));
    }
    Ok(Some((authority, default_port)))
}

/// Host and port of `input`; the port is the role's when none is given.
fn parse_address(input: &str, role: Role, context: Context) -> Result<(String, u16), TargetError> {
    parse_address_with(input, input, role.default_port(), context)
}

/// Host and port of `address` (part of `input`, which errors name); the port
/// What a zone id (`fe80::1%eth0`) gets: how to reach the endpoint instead.
const ZONE: &str = "a zone id (`%eth0`) is not supported: a link-local address is only \
                    reachable through one interface; give the endpoint's global or unique-local \
                    IPv6 address, its IPv4 address or its host name";

/// is `default_port` when none is given.
fn parse_address_with(
    input: &str,
    address: &str,
    default_port: u16,
    context: Context,
) -> Result<(String, u16), TargetError> {
    let s = address.trim();
    let err = |part: Option<(&'static str, &str)>, why: &'static str| TargetError {
        input: input.to_string(),
        context,
        part: part.map(|(name, value)| (name, value.to_string())),
        why,
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(err(
            None,
            "missing ']' after the IPv6 address (write [2001:db8::1]:4120)",
        ))?;
        if host.contains('%') {
            return Err(err(Some(("IPv6 address", host)), ZONE));
        }
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(err(
                Some(("IPv6 address", host)),
                "only an IPv6 address goes inside '[…]'",
            ));
        }
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or(err(
                    None,
                    "expected ':' and a port after ']' (write [2001:db8::1]:4120)",
                ))?),
            ),
        }
    } else if s.matches(':').count() > 1 {
        // A bare IPv6 address has no room for a port.
        if s.contains('%') {
            return Err(err(None, ZONE));
        }
        if s.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(err(
                None,
                "an IPv6 address with a port needs brackets: [2001:db8::1]:4120",
            ));
        }
        (s, None)
    } else {
        match s.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err(err(
            None,
            "missing host (write HOST, HOST:PORT or [IPv6]:PORT)",
        ));
    }
    if host.parse::<IpAddr>().is_err() && !valid_hostname(host) {
        return Err(err(
            Some(("host", host)),
            "a host is an IP address or a DNS name (letters, digits, '-', '_' and '.')",
        ));
    }
    let port = match port {
        None => default_port,
        Some(p) => {
            parse_port(p, context.min_port()).ok_or(err(Some(("port", p)), context.port_rule()))?
        }
    };
    Ok((host.to_string(), port))
}

/// A port: decimal digits only (no sign, no spaces), at least `min`.
fn parse_port(text: &str, min: u16) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|p| *p >= min)
}

/// `host:port`, with brackets around IPv6 addresses.
impl fmt::Display for Target {
    /// `host:port` (`[v6]:port`); a target pinned to one of its addresses
    /// (`--all-addresses`) adds it, `host:port@address`, so its rows, policy
    /// verdicts and JUnit suites stay apart from its siblings'.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        match self.pinned {
            Some(ip) if self.ip() != Some(ip) => write!(f, "@{ip}"),
            _ => Ok(()),
        }
    }
}

fn valid_hostname(h: &str) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Reads an inventory file: one target per line, optionally followed by its
/// role (`dsm.example:4120 manager`, `10.0.0.7 agent`); `#` starts a
/// comment; blank lines are skipped. Each target comes with its line.
pub fn read_inventory(
    path: &std::path::Path,
    default_role: Role,
) -> Result<Vec<(usize, Target)>, InventoryError> {
    let text =
        crate::base::input::read_text(path, crate::base::input::Kind::Inventory).map_err(|e| {
            InventoryError {
                path: path.to_path_buf(),
                line: None,
                message: format!("cannot read: {e}"),
            }
        })?;
    let mut targets = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fail = |message: String| InventoryError {
            path: path.to_path_buf(),
            line: Some(i + 1),
            message,
        };
        let mut words = line.split_whitespace();
        let target = words.next().unwrap_or_default();
        let role = match words.next() {
            None => default_role,
            Some("manager") => Role::Manager,
            Some("agent") => Role::Agent,
            Some("relay") => Role::Relay,
            Some(other) => {
                return Err(fail(format!(
                    "unknown role {other:?} (expected manager, agent or relay)"
                )));
            }
        };
        if let Some(extra) = words.next() {
            return Err(fail(format!("unexpected {extra:?} after the role")));
        }
        targets.push((
            i + 1,
            Target::parse(target, role).map_err(|e| fail(e.to_string()))?,
        ));
    }
    Ok(targets)
}

/// An inventory line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InventoryError {
    /// The file.
    pub path: std::path::PathBuf,
    /// The 1-based line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Where an address was written, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// A scan target (command line or inventory).
    Target,
    /// `serve --listen`.
    Listen,
}

impl Context {
    fn min_port(self) -> u16 {
        match self {
            Context::Target => 1,
            Context::Listen => 0,
        }
    }

    fn port_rule(self) -> &'static str {
        match self {
            Context::Target => "a port is a number from 1 to 65535",
            Context::Listen => "a port is a number from 0 to 65535 (0 picks a free port)",
        }
    }
}

/// A target or listen address that cannot be parsed: it names what the user
/// wrote, the part that is wrong, and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TargetError {
    /// What the user wrote.
    pub input: String,
    /// Where it was written.
    pub context: Context,
    /// The part that is wrong and its text (`("port", "99999")`), when one is.
    pub part: Option<(&'static str, String)>,
    /// What is accepted.
    pub why: &'static str,
}

impl TargetError {
    fn message(&self) -> String {
        let (input, why) = (self.input.trim(), self.why);
        let context = match self.context {
            Context::Target => "target",
            Context::Listen => "--listen",
        };
        match &self.part {
            Some((part, value)) => format!("invalid {part} {value:?} in {context} {input}: {why}"),
            None if self.context == Context::Listen => {
                format!("invalid --listen address {input:?}: {why}")
            }
            None => format!("invalid target {input:?}: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<(String, u16), String> {
        Target::parse(s, Role::Manager)
            .map(|t| (t.host, t.port))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_zone_id_says_what_to_give_instead() {
        for t in ["fe80::1%lo", "[fe80::1%eth0]:4120"] {
            let e = Target::parse(t, Role::Manager).unwrap_err().to_string();
            assert!(e.contains("a zone id"), "{e}");
            assert!(e.contains("host name"), "{e}");
            assert!(!e.contains("needs brackets"), "{e}");
        }
    }

    #[test]
    fn hosts_ports_and_ipv6() {
        assert_eq!(parse("dsm.example"), Ok(("dsm.example".into(), 4120)));
        assert_eq!(parse("dsm.example:443"), Ok(("dsm.example".into(), 443)));
        assert_eq!(parse("192.0.2.10"), Ok(("192.0.2.10".into(), 4120)));
        assert_eq!(parse("192.0.2.10:4119"), Ok(("192.0.2.10".into(), 4119)));
        assert_eq!(
            parse("[2001:db8::1]:4122"),
            Ok(("2001:db8::1".into(), 4122))
        );
        assert_eq!(parse("[::1]"), Ok(("::1".into(), 4120)));
        assert_eq!(parse("::1"), Ok(("::1".into(), 4120)));
        assert_eq!(Target::parse("a", Role::Agent).unwrap().port, 4118);
        assert_eq!(Target::parse("a", Role::Relay).unwrap().port, 4122);
    }

    #[test]
    fn display_names_a_pinned_address() {
        let t = Target::parse("h:1", Role::Agent).unwrap();
        let ip: IpAddr = "::1".parse().unwrap();
        assert_eq!(t.pinned_to(ip).to_string(), "h:1@::1");
        let literal = Target::parse("127.0.0.1:1", Role::Agent).unwrap();
        let own = literal.ip().unwrap();
        assert_eq!(literal.pinned_to(own).to_string(), "127.0.0.1:1");
    }

    #[test]
    fn display_brackets_ipv6() {
        assert_eq!(
            Target::parse("::1", Role::Agent).unwrap().to_string(),
            "[::1]:4118"
        );
        assert_eq!(
            Target::parse("h:1", Role::Agent).unwrap().to_string(),
            "h:1"
        );
    }

    #[test]
    fn inventories() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("inv.txt");
        std::fs::write(
            &file,
            "# managers\ndsm.example:4120\n\n10.0.0.7 agent  # an agent\n[::1]:4122 relay\n",
        )
        .unwrap();
        let t = read_inventory(&file, Role::Manager).unwrap();
        let got: Vec<(usize, String, Role)> =
            t.iter().map(|(l, t)| (*l, t.to_string(), t.role)).collect();
        assert_eq!(
            got,
            [
                (2, "dsm.example:4120".to_string(), Role::Manager),
                (4, "10.0.0.7:4118".to_string(), Role::Agent),
                (5, "[::1]:4122".to_string(), Role::Relay)
            ]
        );
        std::fs::write(&file, "ok.example\nbad.example client\n").unwrap();
        let err = read_inventory(&file, Role::Manager)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("inv.txt:2: unknown role \"client\" (expected manager, agent or relay)"),
            "{err}"
        );
        std::fs::write(&file, "h:99999\n").unwrap();
        let err = read_inventory(&file, Role::Manager)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                "inv.txt:1: invalid port \"99999\" in target h:99999: a port is a number from 1 to 65535"
            ),
            "{err}"
        );
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            ":4120",
            "h:",
            "h:0",
            "h:65536",
            "h:x",
            "[::1",
            "[::1]4120",
            "[nope]:1",
            "2001:db8::1:4120x",
            "a b",
            "-bad-.example",
            "h:+4120",
            "h:-1",
            "h: 4120",
            "h:0x10",
            "h:4120x",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            parse("h:99999").unwrap_err(),
            "invalid port \"99999\" in target h:99999: a port is a number from 1 to 65535"
        );
        assert_eq!(
            parse("h:+16099").unwrap_err(),
            "invalid port \"+16099\" in target h:+16099: a port is a number from 1 to 65535"
        );
        assert_eq!(
            parse("-bad-.example:1").unwrap_err(),
            "invalid host \"-bad-.example\" in target -bad-.example:1: a host is an IP address \
             or a DNS name (letters, digits, '-', '_' and '.')"
        );
        assert_eq!(
            parse("2001:db8::1:4120x").unwrap_err(),
            "invalid target \"2001:db8::1:4120x\": an IPv6 address with a port needs brackets: \
             [2001:db8::1]:4120"
        );
        assert_eq!(parse("h:04120"), Ok(("h".into(), 4120)));
    }

    #[test]
    fn urls_give_host_and_port() {
        assert_eq!(
            parse("dsm://dsm.example:4120/"),
            Ok(("dsm.example".into(), 4120))
        );
        assert_eq!(
            parse("dsm://dsm.example/"),
            Ok(("dsm.example".into(), 4120))
        );
        assert_eq!(parse("DSM://dsm.example"), Ok(("dsm.example".into(), 4120)));
        assert_eq!(
            parse("https://dsm.example:4119/"),
            Ok(("dsm.example".into(), 4119))
        );
        assert_eq!(
            parse("https://dsm.example"),
            Ok(("dsm.example".into(), 443))
        );
        assert_eq!(
            parse("https://dsm.example:4119/SignIn.screen?x=1"),
            Ok(("dsm.example".into(), 4119))
        );
        assert_eq!(
            parse("dsm://[2001:db8::1]:4120/"),
            Ok(("2001:db8::1".into(), 4120))
        );
        assert_eq!(parse("https://[::1]/"), Ok(("::1".into(), 443)));
        // The scheme gives the default port, never the role.
        let agent = Target::parse("dsm://10.0.0.1/", Role::Agent).unwrap();
        assert_eq!((agent.port, agent.role), (4120, Role::Agent));
        assert_eq!(agent.to_string(), "10.0.0.1:4120");
        assert_eq!(agent.input, "dsm://10.0.0.1/");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert_eq!(
            parse("http://dsm.example/").unwrap_err(),
            "invalid scheme \"http\" in target http://dsm.example/: a URL target is \
             dsm://HOST[:PORT]/ (the agent's manager URL) or https://HOST[:PORT]/ (the console)"
        );
        assert_eq!(
            parse("dsm://dsm.example:99999/").unwrap_err(),
            "invalid port \"99999\" in target dsm://dsm.example:99999/: a port is a number \
             from 1 to 65535"
        );
        for bad in [
            "dsm://",
            "dsm:///",
            "https://:443/",
            "https://u:p@h/",
            "dsm://h:/",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn listen_addresses() {
        let listen = |s: &str| parse_listen(s, Role::Agent).map_err(|e| e.to_string());
        assert_eq!(listen("0"), Ok(("127.0.0.1".into(), 0)));
        assert_eq!(listen("4119"), Ok(("127.0.0.1".into(), 4119)));
        assert_eq!(listen("0.0.0.0"), Ok(("0.0.0.0".into(), 4118)));
        assert_eq!(listen("127.0.0.1:0"), Ok(("127.0.0.1".into(), 0)));
        assert_eq!(listen("[::1]:4122"), Ok(("::1".into(), 4122)));
        assert_eq!(listen("localhost:4120"), Ok(("localhost".into(), 4120)));
        assert_eq!(
            listen("127.0.0.1:99999").unwrap_err(),
            "invalid port \"99999\" in --listen 127.0.0.1:99999: a port is a number from 0 to \
             65535 (0 picks a free port)"
        );
        assert_eq!(
            listen("99999").unwrap_err(),
            "invalid port \"99999\" in --listen 99999: a port is a number from 0 to 65535 \
             (0 picks a free port)"
        );
        assert!(
            listen("127.0.0.1:+16099")
                .unwrap_err()
                .contains("\"+16099\"")
        );
        assert!(listen("+16099").is_err());
        assert!(
            listen("no such host!")
                .unwrap_err()
                .starts_with("invalid host \"no such host!\" in --listen no such host!: ")
        );
    }
}
