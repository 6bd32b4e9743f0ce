//! The command line, as clap sees it: raw values only.
//!
//! Parsing here never touches files or the network; each command's `build`
//! in `commands` turns these raw values into a validated job (profiles
//! resolved, files read, formats checked), which is where bad input is
//! reported with exit code 2.
//!
//! The doc comments of the arguments are their `--help` text, read by
//! people in a terminal: `[IPv6]:PORT` and `HOST[:PORT]` there are
//! literal, not links (nor are the URLs of the examples), so rustdoc's
//! link checks are off for this module.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

pub mod manual;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::tls::certs::KeyType;

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
    Scan(Box<ScanArgs>),
    /// Run a TLS endpoint that accepts exactly one profile (an emulated
    /// agent, manager or relay).
    Serve(ServeArgs),
    /// Emulate every shipped profile on loopback, scan each, and show the
    /// results.
    Demo(DemoArgs),
    /// Why is this agent offline? Walk a heartbeat's path to the manager,
    /// step by step, with advice.
    Diagnose(DiagnoseArgs),
    /// Judge saved scan reports (JSON or JSON Lines) against a policy again,
    /// without the network.
    Check(CheckArgs),
    /// Which client profiles would lose which endpoints if the endpoints
    /// stopped accepting some versions, suites or classes (from a saved report).
    WhatIf(WhatIfArgs),
    /// Before switching the manager to a new TLS configuration: which
    /// agents would lose contact, and the smallest upgrade that keeps each.
    Plan(PlanArgs),
    /// Read packet captures (pcap, pcapng) of heartbeats: what each client
    /// really offers, which profile it behaves like, what the server chose.
    Observe(ObserveArgs),
    /// Join shard reports (`scan --shard K/N`) into one report, with the
    /// verdict and exit code of a single run.
    Merge(CheckArgs),
    /// Print the JSON Schema of a JSON document the tool writes.
    Schema(SchemaArgs),
    /// Print a shell completion script for bash, zsh, fish or PowerShell.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): every command and option.
    Man,
}

/// `tlscompat completions SHELL`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: CompletionShell,
}

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// GNU bash (with the bash-completion package).
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// `tlscompat diagnose …`
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The manager: HOST, HOST:PORT or dsm://HOST:PORT/ (default port 4120).
    #[arg(value_name = "MANAGER")]
    pub manager: String,
    /// The agent's profile, id or file.
    #[arg(
        long = "as",
        value_name = "PROFILE",
        required_unless_present = "agent_version",
        conflicts_with = "agent_version"
    )]
    pub profile: Option<String>,
    /// The agent's version as the manager shows it (e.g. 10.0.0-3445),
    /// instead of --as.
    #[arg(long, value_name = "VERSION")]
    pub agent_version: Option<String>,
    /// The agent's listening endpoint, HOST or HOST:PORT (default port
    /// 4118): checks the other direction (manager → agent).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub agent: Option<String>,
    /// The manager's configuration as a client, for --agent (default: what
    /// the manager endpoint behaves like).
    #[arg(long, value_name = "PROFILE")]
    pub manager_profile: Option<String>,
    /// The manager's console port, whose HTTP Date tells its clock.
    #[arg(long, value_name = "PORT", default_value_t = 4119)]
    pub console_port: u16,
    /// A client certificate to present (the activated agent's), PEM.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Timeout for each step's connects and answers.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Text)]
    pub format: DiagnoseFormat,
    /// Write the diagnosis to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Formats for the diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnoseFormat {
    /// A checklist for people.
    Text,
    /// JSON.
    Json,
    /// Markdown, for a ticket.
    Markdown,
}

/// The rules of a run: a policy file and the command-line shorthands, which
/// add one rule matching every target.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Fail (exit 1) unless this profile is compatible with every endpoint
    /// that answered (repeatable; added to the profiles checked).
    #[arg(long = "require", value_name = "PROFILE")]
    pub require: Vec<String>,
    /// Policy file (YAML): rules per role or target (see docs/policy.md).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Fail when an endpoint accepts this TLS version (repeatable).
    #[arg(long = "forbid-version", value_name = "VERSION")]
    pub forbid_versions: Vec<String>,
    /// Fail when an endpoint accepts this cipher suite (IANA or OpenSSL name,
    /// hex id) or a suite of this class: cbc, rsa_kx, sha1, non_pfs, 3des,
    /// rc4, null, export, anon (repeatable).
    #[arg(long = "forbid-suite", value_name = "NAME|CLASS")]
    pub forbid_suites: Vec<String>,
}

/// The fleet from the manager's REST API (`--from-manager`).
#[derive(Debug, Args)]
pub struct ManagerApiArgs {
    /// Read the fleet from the manager's REST API (manager 11.1 and later):
    /// the console's URL, https://dsm.example.com:4119, or the hosted
    /// service's API URL. The key comes from --api-key-file or the
    /// environment variable TLSCOMPAT_DSM_API_KEY, never from the command
    /// line. With -i, the file adds agents or overrides the manager's.
    #[arg(long, value_name = "URL")]
    pub from_manager: Option<String>,
    /// The API key, alone in a file only its owner can read (chmod 600).
    #[arg(long, value_name = "FILE", requires = "from_manager")]
    pub api_key_file: Option<PathBuf>,
    /// Check the console's certificate against these CA certificates (PEM)
    /// instead of the system's.
    #[arg(long, value_name = "FILE", requires = "from_manager")]
    pub api_ca: Option<PathBuf>,
    /// Do not check the console's certificate (a lab only; said on stderr
    /// every time).
    #[arg(long, requires = "from_manager", conflicts_with = "api_ca")]
    pub api_insecure: bool,
    /// How the key is sent: secret-key (the api-secret-key header, an
    /// on-premises manager), api-key (Authorization: ApiKey, the hosted
    /// service), or auto (api-key for the hosted service's host names).
    #[arg(long, value_enum, value_name = "STYLE", default_value_t = crate::inputs::manager_api::AuthStyle::Auto)]
    pub api_auth: crate::inputs::manager_api::AuthStyle,
    /// Timeout for the API's connect, handshake and each read (one page:
    /// at most ten times this).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub api_timeout: Duration,
    /// Computers asked for per page (the API's maxItems).
    #[arg(long, value_name = "N", default_value_t = crate::inputs::manager_api::DEFAULT_PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub api_page_size: u32,
}

/// `tlscompat check …`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Saved reports: `scan --format json` documents or `--format jsonl` files.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// The rules to apply.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How the report is shown.
    #[command(flatten)]
    pub view: ReportViewArgs,
}

/// How a scan report is shown (`scan`, `check`, `merge`): suite names,
/// detail, and which endpoints the fleet summary lists.
#[derive(Debug, Args)]
pub struct ReportViewArgs {
    /// Name cipher suites in text and Markdown by their OpenSSL names
    /// (ECDHE-RSA-AES256-GCM-SHA384) instead of their IANA names.
    #[arg(long)]
    pub openssl_names: bool,
    /// Print every target's full report in text and Markdown, not only the
    /// one-row-per-endpoint summary (shown instead when there are two or
    /// more targets).
    #[arg(long)]
    pub details: bool,
    /// List only the endpoints of these verdicts in the fleet summary
    /// (comma-separated: lose = some client checked cannot connect,
    /// unknown = could not be told, keep); the counts stay the whole run's.
    #[arg(long, value_enum, value_name = "VERDICTS", value_delimiter = ',')]
    pub only: Vec<Fate>,
}

/// `tlscompat what-if …`
#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// A saved report: a `scan --format json` document or a `--format jsonl` file.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// What the endpoints would stop accepting: a version (tls1.0), a cipher
    /// suite (name or hex id) or a class (cbc, rsa_kx, sha1, non_pfs, 3des,
    /// rc4, null, export, anon) (repeatable).
    #[arg(long = "drop", required = true, value_name = "VERSION|SUITE|CLASS")]
    pub drop: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = WhatIfFormat::Text)]
    pub format: WhatIfFormat,
    /// Write the answer to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `tlscompat plan …`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("fleet").required(true).multiple(true).args(["inventory", "from", "from_manager"])))]
pub struct PlanArgs {
    /// The manager's planned configuration: a profile id (dsm-strong-12), a
    /// profile file, one written by `profiles capture`, or a saved scan
    /// report of the manager (`.json`, `.jsonl`: the manager as it is now,
    /// to be changed with --drop).
    #[arg(long, value_name = "PROFILE|REPORT")]
    pub to: String,
    /// What the switch takes away from --to: a version (tls1.0), a suite
    /// or a class (cbc, sha1, rsa-kx, …), as in what-if (repeatable).
    #[arg(long = "drop", value_name = "VERSION|SUITE|CLASS")]
    pub drop: Vec<String>,
    /// The fleet: an inventory (text, CSV, YAML or the manager's computer
    /// list), scanned now; with --offline, judged from agent versions.
    #[arg(short, long, value_name = "FILE", conflicts_with = "from")]
    pub inventory: Option<PathBuf>,
    /// The format of the -i file, when the extension does not say.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub inventory_format: Option<crate::inputs::inventory::InventoryFormat>,
    /// The fleet from a saved scan report (`scan --format json` or `jsonl`).
    #[arg(long, value_name = "REPORT", conflicts_with_all = ["offline", "from_manager"])]
    pub from: Option<PathBuf>,
    /// The fleet from the manager's API (with -i: the file adds or overrides).
    #[command(flatten)]
    pub api: ManagerApiArgs,
    /// The manager as it is now: HOST, HOST:PORT or dsm://HOST:PORT/
    /// (default port 4120), scanned for the before column (default: the
    /// fleet's one manager target, if it has exactly one).
    #[arg(long, value_name = "TARGET")]
    pub manager: Option<String>,
    /// Probe no agent: judge each one from its agent_version (or profile)
    /// in the inventory or the manager's API. --manager, if given, is
    /// still scanned.
    #[arg(long)]
    pub offline: bool,
    /// A packet capture of heartbeats (pcap or pcapng; repeatable): each
    /// agent seen in it (matched by address, or by host name through the
    /// inventory) is judged by the offer it was seen to make for the
    /// agent-initiated leg, and the manager's own hello to agents (4118)
    /// replaces the inference from what it accepts.
    #[arg(long, value_name = "CAPTURE")]
    pub observed: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Write the plan to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// List every agent in text and Markdown, not only those that lose
    /// contact or cannot be judged.
    #[arg(long)]
    pub details: bool,
    /// List only the agents of these verdicts (comma-separated: lose,
    /// unknown, keep); the counts stay the whole fleet's.
    #[arg(long, value_enum, value_name = "VERDICTS", value_delimiter = ',')]
    pub only: Vec<Fate>,
    /// How to probe: timeouts, bounds, retries, a client certificate.
    #[command(flatten)]
    pub probe: ProbeArgs,
}

pub use crate::offline::plan::Fate;

/// How to probe, the same for every command that probes (`scan`, `plan`).
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Timeout for each connect and each answer (e.g. 5s, 500ms, 1m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Connections to one endpoint at a time (at most 8 until one has
    /// connected) [default: 16, 32 with --all-suites].
    // `probe::connect::DEFAULT_CONCURRENCY` and `ALL_SUITES_CONCURRENCY`
    // say why.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: Option<u16>,
    /// Retries of a refused or failed connect, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// Ask each deciding hello (each profile's own, each suite alone, each
    /// whole version) N times: an unsteady server (a flaky front, nodes
    /// that differ behind one address) shows itself, at about N times the
    /// connections.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub repeat: u8,
    /// Present this client certificate (PEM, leaf first) in confirmation
    /// handshakes, to confirm a mutual-TLS endpoint end to end.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Connections in flight across all targets at once.
    // 512: each endpoint still sees at most --concurrency; a probe holds
    // its connection for two or three round trips, so 512 in flight sustain
    // about 5,000 probes a second at a 40 ms round trip (256 capped the
    // fleet benchmark at about 6 s, with the CPU half idle; past 512 it is
    // CPU-bound and 1,024 gains nothing but memory); targets take turns one
    // per two connections (`scan::targets_in_flight`) and are scouted one
    // per connection ahead (`scan::targets_scouted`), so peak memory follows
    // this bound (75-93 MB), not the fleet's size; Linux's default open-files limit
    // (1,024) holds it with room to spare, and a lower one is raised or
    // respected (`probe::connect::room_for`).
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_connections: u32,
    /// At most N new connections per second across all targets (e.g. 50/s).
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// The longest one target may take, all its probes included, from the
    /// target's turn (targets take turns one per two --max-connections).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub target_timeout: Duration,
}

/// `tlscompat observe …`
#[derive(Debug, Args)]
pub struct ObserveArgs {
    /// Capture files (pcap or pcapng), read in this order as one capture.
    #[arg(value_name = "CAPTURE", required = true)]
    pub captures: Vec<PathBuf>,
    /// Name hosts from this inventory (text, CSV, YAML or the manager's
    /// computer list).
    #[arg(short, long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// The inventory's format, when its extension does not say.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub inventory_format: Option<crate::inputs::inventory::InventoryFormat>,
    /// Write each distinct offer as a profile file into DIR.
    #[arg(long, value_name = "DIR")]
    pub write_profiles: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ObserveFormat::Text)]
    pub format: ObserveFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Name hosts from the manager's own computer list (its REST API),
    /// beside or instead of -i.
    #[command(flatten)]
    pub api: ManagerApiArgs,
}

/// Formats for `observe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObserveFormat {
    /// One line per client, grouped by behaviour, within 80 columns.
    Text,
    /// JSON (with schema_version).
    Json,
    /// YAML, the JSON document's shape.
    Yaml,
    /// Markdown tables (GitHub, GitLab).
    Markdown,
}

/// Formats for `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Text for people, within 80 columns.
    Text,
    /// JSON (with schema_version).
    Json,
    /// Markdown tables (GitHub, GitLab).
    Markdown,
    /// One self-contained HTML page: the steps, the groups, the agents grid.
    Html,
}

/// Formats for `what-if`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WhatIfFormat {
    /// A list for people.
    Text,
    /// JSON (with schema_version).
    Json,
    /// Markdown.
    Markdown,
}

/// `tlscompat schema NAME`
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which document: scan (the report), scan-line (one JSON Lines line),
    /// matrix, profiles (list and show), diagnose, policy (a policy file),
    /// what-if, or plan.
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
    /// Read more targets from FILE: text (one per line, optionally followed
    /// by a role), CSV, YAML, or the manager's computer list (JSON); the
    /// format from the extension or --inventory-format.
    #[arg(short, long, value_name = "FILE")]
    pub inventory: Vec<PathBuf>,
    /// The format of -i files, when the extension does not say.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub inventory_format: Option<crate::inputs::inventory::InventoryFormat>,
    /// The fleet from the manager's API (with -i: the files add or override).
    #[command(flatten)]
    pub api: ManagerApiArgs,
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
    /// The compliance gate: --policy, --require, --forbid-version, --forbid-suite.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Enumerate every registered cipher suite at every version, not just the
    /// profiles' suites.
    #[arg(long)]
    pub all_suites: bool,
    /// Server name to send (SNI) instead of the target's host name.
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,
    /// Send no server name at all.
    #[arg(long)]
    pub no_sni: bool,
    /// Scan every address a host name resolves to, each as its own
    /// endpoint (by default only the first that answers is probed).
    #[arg(long)]
    pub all_addresses: bool,
    /// Skip the full-handshake confirmation of each compatible-looking
    /// profile (first flights only: faster, weaker).
    #[arg(long)]
    pub no_confirm: bool,
    /// Check the server's certificate chain and host name against these CA
    /// certificates (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// How to probe: timeouts, bounds, retries, a client certificate.
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Scan only the K-th of N deterministic slices of the targets (1 ≤ K ≤
    /// N); `tlscompat merge` joins the shard reports.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// How the report is shown.
    #[command(flatten)]
    pub view: ReportViewArgs,
}

/// `2/5`: the second of five slices.
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("invalid shard {s:?}: K/N with 1 ≤ K ≤ N, like 2/5");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit()) && !x.is_empty();
    if !digits(k) || !digits(n) {
        return Err(bad());
    }
    match (k.parse::<usize>(), n.parse::<usize>()) {
        (Ok(k), Ok(n)) if 1 <= k && k <= n => Ok((k, n)),
        _ => Err(bad()),
    }
}

/// `50/s`, `50`, `0.5/s`: a positive number of connections per second.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let number = s.trim().strip_suffix("/s").unwrap_or(s.trim());
    match number.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!(
            "invalid rate {s:?}: a positive number of connections per second, like 50/s"
        )),
    }
}

/// `tlscompat demo …`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The emulated endpoint whose full report is shown.
    #[arg(long, value_name = "PROFILE", default_value = "dsm-strong-12")]
    pub show: String,
    /// Name cipher suites in text and Markdown by their OpenSSL names
    /// (ECDHE-RSA-AES256-GCM-SHA384) instead of their IANA names.
    #[arg(long)]
    pub openssl_names: bool,
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
    /// One self-contained HTML page: summary, grid, details.
    Html,
}

/// Parses `5s`, `500ms`, `1m`, `2.5s` or a plain number of seconds, at
/// most an hour (the syntax: [`crate::base::duration`]).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::base::duration::parse_bounded(s, "duration", 3600.0, "1 hour")
}

/// `serve --latency`: a duration like [`parse_duration`]'s, at most
/// [`crate::serve::MAX_LATENCY`].
pub fn parse_latency(s: &str) -> Result<Duration, String> {
    let max = crate::serve::MAX_LATENCY;
    crate::base::duration::parse_bounded(
        s,
        "latency",
        max.as_secs_f64(),
        &format!("{} s", max.as_secs()),
    )
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
    /// Server profile id or file (repeatable; default: every manager profile).
    #[arg(long = "server", value_name = "PROFILE")]
    pub servers: Vec<String>,
    /// Without --client and --server: which directions of the channel to
    /// pair. agent-initiated: agent profiles as clients of manager profiles
    /// (4120); manager-initiated: manager profiles as clients of agent
    /// profiles (4118); both [default]. Never an agent with an agent.
    #[arg(long, value_enum, value_name = "DIRECTION", conflicts_with_all = ["clients", "servers"])]
    pub direction: Option<MatrixDirection>,
    /// Let the server follow the client's suite order instead of its own.
    #[arg(long)]
    pub client_preference: bool,
    /// Name cipher suites in text and Markdown by their OpenSSL names
    /// (ECDHE-RSA-AES256-GCM-SHA384) instead of their IANA names.
    #[arg(long)]
    pub openssl_names: bool,
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
    /// Emulate a far endpoint, e.g. to try --timeout: answer every client
    /// flight this round-trip time after it arrives (at most 10s; the
    /// handshake deadline, 10s, counts it).
    #[arg(long, value_name = "DURATION", value_parser = parse_latency)]
    pub latency: Option<Duration>,
    /// Connections one source address may hold at once (1 to 256, the
    /// connection limit); more are closed on accept. Clients behind one
    /// NAT address share it: raise it for them, lower it against a flood.
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_per_source: u16,
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

/// `matrix --direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixDirection {
    /// Agents (clients) against managers (servers), port 4120.
    AgentInitiated,
    /// Managers (clients) against agents (servers), port 4118.
    ManagerInitiated,
    /// Both, agent-initiated first.
    Both,
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
    /// One self-contained HTML page: the grid coloured by verdict.
    Html,
}
