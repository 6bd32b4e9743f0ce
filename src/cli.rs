//! The command line, as clap sees it: raw values only.
//!
//! Parsing here never touches files or the network; `config` turns these raw
//! values into a validated configuration (profiles resolved, formats checked),
//! which is where bad input is reported with exit code 2.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::certs::KeyType;

/// TLS cipher-suite compatibility checker for Deep Security managers, relays
/// and agents.
#[derive(Debug, Parser)]
#[command(name = "tlscompat", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 ok, 1 a requirement failed, 2 usage or input error, 3 scan incomplete."
)]
pub struct Cli {
    /// Load extra profiles from every *.yaml in DIR (repeatable); a profile
    /// with a shipped id replaces the shipped one.
    #[arg(long, value_name = "DIR", global = true)]
    pub profiles_dir: Vec<PathBuf>,

    /// When to color text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show and validate profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Offline compatibility of client profiles against server profiles.
    Matrix(MatrixArgs),
    /// Probe live endpoints: what they accept, and what each client
    /// version would negotiate with them.
    Scan(ScanArgs),
    /// Run a TLS endpoint that accepts exactly one profile (an emulated
    /// agent, manager or relay).
    Serve(ServeArgs),
    /// Emulate every shipped profile on loopback, scan each, and show the
    /// results.
    Demo(DemoArgs),
    /// Print the JSON Schema of a JSON document the tool writes.
    Schema(SchemaArgs),
}

/// `tlscompat schema NAME`
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which document: scan (the report), scan-line (one JSON Lines line),
    /// matrix, or profiles (list and show).
    #[arg(value_enum, value_name = "NAME")]
    pub name: crate::schema::SchemaName,
}

/// `tlscompat scan …`
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Endpoints: HOST, HOST:PORT or [IPv6]:PORT (default port: the role's),
    /// or a URL: dsm://HOST[:PORT]/ (default 4120) or https://HOST[:PORT]/
    /// (default 443).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Read more targets from FILE: one per line, optionally followed by a
    /// role (`10.0.0.7 agent`); `#` comments.
    #[arg(short, long, value_name = "FILE")]
    pub inventory: Vec<PathBuf>,
    /// Client profile to check, id or file (repeatable; default: every agent profile).
    #[arg(short, long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// What the targets are: it sets the default port (manager 4120, agent 4118, relay 4122).
    #[arg(long, value_enum, default_value_t = RoleArg::Manager)]
    pub role: RoleArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail (exit 1) unless this profile is compatible with every endpoint
    /// that answered (repeatable; added to the profiles checked).
    #[arg(long = "require", value_name = "PROFILE")]
    pub require: Vec<String>,
    /// Enumerate every registered cipher suite at every version, not just the
    /// profiles' suites.
    #[arg(long)]
    pub all_suites: bool,
    /// Timeout for each connect and each answer (e.g. 5s, 500ms, 1m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Connections to one endpoint at a time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Retries of a refused or failed connect, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// Server name to send (SNI) instead of the target's host name.
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,
    /// Send no server name at all.
    #[arg(long)]
    pub no_sni: bool,
    /// Skip the full-handshake confirmation of each compatible-looking
    /// profile (first flights only: faster, weaker).
    #[arg(long)]
    pub no_confirm: bool,
    /// Present this client certificate (PEM, leaf first) in confirmation
    /// handshakes, to confirm a mutual-TLS endpoint end to end.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Check the server's certificate chain and host name against these CA
    /// certificates (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

/// `tlscompat demo …`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The emulated endpoint whose full report is shown.
    #[arg(long, value_name = "PROFILE", default_value = "dsm-strong-12")]
    pub show: String,
}

/// `--role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// A Deep Security Manager (agents connect to 4120).
    Manager,
    /// A Deep Security Agent (the manager connects to 4118).
    Agent,
    /// A relay (4122).
    Relay,
}

/// Formats for the scan report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Tables for people.
    Text,
    /// The JSON report (schema_version 1).
    Json,
    /// The same report as YAML.
    Yaml,
    /// JUnit XML: a test case per profile and endpoint.
    Junit,
    /// Markdown sections and tables.
    Markdown,
    /// JSON Lines: one object per endpoint, then the verdict.
    Jsonl,
}

/// Parses `5s`, `500ms`, `1m`, `2.5s` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (try 5s, 500ms or 1m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("invalid duration unit in {s:?} (use ms, s or m)")),
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        return Err(format!(
            "duration {s:?} must be more than 0 and at most 1 hour"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `tlscompat profiles …`
#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// List every profile (shipped and added).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = DataFormat::Text)]
        format: DataFormat,
    },
    /// Show one profile with every cipher suite.
    Show {
        /// Profile id or file.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DataFormat::Text)]
        format: DataFormat,
    },
    /// Check profile files; exit 0 when all are valid, 2 otherwise.
    Validate {
        /// Profile files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Scan an endpoint with every registered suite and write what it
    /// accepts as a profile file (exit 3 when it cannot be scanned).
    Capture(CaptureArgs),
}

/// `tlscompat profiles capture TARGET -o FILE`
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// The endpoint: HOST, HOST:PORT, [IPv6]:PORT, dsm://HOST[:PORT]/ or
    /// https://HOST[:PORT]/.
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// The profile file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The endpoint's role: the profile's role and the default port.
    #[arg(long, value_enum, default_value_t = RoleArg::Manager)]
    pub role: RoleArg,
    /// The profile id [default: from the host, e.g. dsm-example-com].
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Timeout for each connect and each answer (e.g. 5s, 500ms, 1m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `tlscompat matrix …`
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Client profile id or file (repeatable; default: every agent profile).
    #[arg(long = "client", value_name = "PROFILE")]
    pub clients: Vec<String>,
    /// Server profile id or file (repeatable; default: every manager profile
    /// and every agent profile acting as a server).
    #[arg(long = "server", value_name = "PROFILE")]
    pub servers: Vec<String>,
    /// Let the server follow the client's suite order instead of its own.
    #[arg(long)]
    pub client_preference: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
    pub format: MatrixFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `tlscompat serve …`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The profile to serve (id or file).
    #[arg(short, long, value_name = "PROFILE")]
    pub profile: String,
    /// Address to listen on: HOST:PORT, [IPv6]:PORT, HOST, or PORT
    /// [default: 127.0.0.1 and the profile role's port: agent 4118,
    /// manager 4120, relay 4122].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Server certificate chain (PEM, leaf first) instead of a generated one.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Key type of the generated certificate.
    #[arg(long, value_enum, default_value_t = KeyType::Rsa, conflicts_with = "cert")]
    pub key_type: KeyType,
    /// Emulate an activated endpoint: request a client certificate and refuse
    /// handshakes without one signed by --ca (or by the generated CA).
    #[arg(long)]
    pub require_client_cert: bool,
    /// CA certificates (PEM) that client certificates must chain to.
    #[arg(long, value_name = "FILE", requires = "require_client_cert")]
    pub ca: Option<PathBuf>,
    /// Write the generated CA and a client certificate and key it accepts to
    /// DIR (ca.pem, client.pem, client.key).
    #[arg(long, value_name = "DIR", conflicts_with = "ca")]
    pub write_client_cert: Option<PathBuf>,
    /// Follow the client's suite order instead of the profile's.
    #[arg(long)]
    pub client_preference: bool,
    /// Log format on standard error: text lines or one JSON object per line.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub format: LogFormat,
    /// Log every failed handshake on its own line. Without it, the text log
    /// shows a peer's first failure and then counts the rest (a scan is
    /// hundreds of them); the JSON log always has one object per event.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Formats for the emulator's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Formats for data listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// Tables for people.
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Formats for the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// A table for people.
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// A GitHub-flavoured Markdown table.
    Markdown,
}
