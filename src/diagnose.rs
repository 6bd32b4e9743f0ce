//! `tlscompat diagnose`: "why is this agent offline?", one step of the
//! heartbeat's path at a time, with advice in Deep Security terms.
//!
//! An agent shows offline when its heartbeats fail. The path a heartbeat
//! takes: the manager's name resolves, its heartbeat port (4120) answers,
//! the TLS handshake with this agent's offer succeeds, and the manager
//! accepts (or does not ask for) the agent's certificate. Each step is
//! data: a stable code, pass / fail / unknown / info, one line of evidence,
//! and for a failure what to change. Steps off that path (the console port,
//! the certificate's dates, the clock, the other direction unless asked)
//! inform but never change the exit code. The steps after name resolution
//! run concurrently, each with its own timeout, so a reachable manager is
//! diagnosed in about the time of one scan.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::model::profile::{Profile, Role};
use crate::model::target::Target;
use crate::model::version::TlsVersion;
use crate::results::{
    Confirmed, PolicyStatus, ReasonCode, TargetReport, TargetStatus, Tool, Verdict,
};
use crate::scan::{ScanConfig, scan};

/// What to diagnose.
#[derive(Debug, Clone)]
pub struct DiagnoseConfig {
    /// The manager's heartbeat endpoint (default port 4120).
    pub manager: Target,
    /// The agent's profile.
    pub profile: Profile,
    /// What the agent version alone could not decide, when `--agent-version`
    /// chose the profile.
    pub caveat: Option<String>,
    /// The agent's listening endpoint, for the other direction.
    pub agent: Option<Target>,
    /// The manager's own configuration as a client (`--manager-profile`).
    pub manager_profile: Option<Profile>,
    /// The console port whose HTTP `Date` tells the manager's clock.
    pub console_port: u16,
    /// Timeouts, client certificate.
    pub scan: ScanConfig,
}

/// The whole diagnosis.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnosis {
    /// The schema version of this document.
    pub schema_version: u32,
    /// This tool.
    pub tool: Tool,
    /// The manager as given.
    pub manager: String,
    /// The agent profile diagnosed.
    pub profile: String,
    /// `passed` (every step on the heartbeat's path passed), `failed` (one
    /// shows the agent cannot talk to the manager) or `incomplete`.
    pub status: PolicyStatus,
    /// The steps, in path order.
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    /// Which step, stable.
    pub code: StepCode,
    /// What it checks, for people.
    pub title: String,
    /// How it went.
    pub status: StepStatus,
    /// The same as a verdict: `compatible` (passed), `incompatible`
    /// (failed) or `inconclusive` (could not be determined); null for a
    /// step that only informs (since `schema_version` 3).
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Why a step that rests on a handshake (`tls`, `agent_port`) failed or
    /// could not be told: the profile result's own code (since
    /// `schema_version` 3); null otherwise.
    #[serde(default)]
    pub reason_code: Option<ReasonCode>,
    /// One line of evidence.
    pub evidence: String,
    /// What to change, for a failure.
    pub advice: Option<String>,
    /// Whether the step is on the heartbeat's path (it decides the exit code).
    pub on_path: bool,
}

/// The steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepCode {
    /// The manager's name resolves.
    NameResolution,
    /// The heartbeat port accepts TCP.
    HeartbeatPort,
    /// The console port (4119) accepts TCP.
    ConsolePort,
    /// A TLS handshake with this agent's offer.
    Tls,
    /// The manager's certificate against the local clock.
    Certificate,
    /// The clock difference between here and the manager.
    Clock,
    /// The client certificate an activated agent presents.
    ClientCertificate,
    /// The manager's offer against the agent's listening port.
    AgentPort,
    /// The agent's port answers a scanner.
    AgentPortExposed,
}

/// How a step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// ✓
    Pass,
    /// ✗
    Fail,
    /// ? (could not be determined)
    Unknown,
    /// i (informs only)
    Info,
}

impl StepStatus {
    /// The verdict this status is; none for a step that only informs.
    pub fn verdict(self) -> Option<Verdict> {
        match self {
            StepStatus::Pass => Some(Verdict::Compatible),
            StepStatus::Fail => Some(Verdict::Incompatible),
            StepStatus::Unknown => Some(Verdict::Inconclusive),
            StepStatus::Info => None,
        }
    }

    /// The status of a handshake's verdict.
    fn of(v: Verdict) -> StepStatus {
        match v {
            Verdict::Compatible => StepStatus::Pass,
            Verdict::Incompatible => StepStatus::Fail,
            Verdict::Inconclusive => StepStatus::Unknown,
        }
    }
}

impl Step {
    fn new(code: StepCode, title: &str, on_path: bool) -> Step {
        Step {
            code,
            title: title.into(),
            status: StepStatus::Unknown,
            verdict: StepStatus::Unknown.verdict(),
            reason_code: None,
            evidence: String::new(),
            advice: None,
            on_path,
        }
    }

    fn set(mut self, status: StepStatus, evidence: impl Into<String>) -> Step {
        self.status = status;
        self.verdict = status.verdict();
        self.evidence = evidence.into();
        self
    }

    /// The step as a profile's handshake decides it: its verdict and code.
    fn judged(self, p: &crate::results::ProfileReport, evidence: impl Into<String>) -> Step {
        let mut step = self.set(StepStatus::of(p.verdict), evidence);
        step.reason_code = p.reason_code;
        step
    }

    fn advise(mut self, advice: impl Into<String>) -> Step {
        self.advice = Some(advice.into());
        self
    }
}

/// The largest clock difference that does not matter.
const CLOCK_TOLERANCE: i64 = 60;

/// Runs the diagnosis. `shipped` are the profiles to identify the
/// manager's configuration with (and to suggest upgrades from).
pub async fn run(config: &DiagnoseConfig, shipped: &[&Profile]) -> Diagnosis {
    let timeout = config.scan.limits.timeout;
    let host = &config.manager.host;
    let mut steps = Vec::new();
    // 1. Name resolution: agent-initiated and bidirectional need it.
    let resolution = Step::new(
        StepCode::NameResolution,
        "the manager's name resolves",
        true,
    );
    let addresses = match crate::scan::resolve(&config.manager, timeout).await {
        Ok(a) => a,
        Err(why) => {
            steps.push(resolution.set(StepStatus::Fail, why).advise(
                "agents find the manager by its host name: add it to this machine's DNS \
                 (or hosts file), or activate the agent with the manager's address",
            ));
            return finish(config, steps);
        }
    };
    let shown: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
    steps.push(resolution.set(
        StepStatus::Pass,
        if config.manager.ip().is_some() {
            format!("{host} is an address: no name to resolve")
        } else {
            format!("{host} resolves to {}", shown.join(", "))
        },
    ));
    let console = SocketAddr::new(addresses[0].ip(), config.console_port);
    let agent_profile = [&config.profile];
    let (port, console_step, report) = tokio::join!(
        tcp_step(&addresses, timeout),
        console_steps(console, host, timeout),
        scan(&config.manager, &agent_profile, shipped, &config.scan),
    );
    let port_ok = port.status == StepStatus::Pass;
    steps.push(port);
    let (console_port, clock) = console_step;
    steps.push(console_port);
    steps.push(tls_step(config, &report, shipped, port_ok));
    steps.push(certificate_step(&report));
    steps.push(clock);
    steps.push(client_certificate_step(config, &report));
    // The other direction: with the manager's offer (given, or as this
    // scan identified it), so it runs after.
    if let Some(target) = &config.agent {
        steps.extend(agent_steps(config, target, &report, shipped).await);
    }
    finish(config, steps)
}

fn finish(config: &DiagnoseConfig, mut steps: Vec<Step>) -> Diagnosis {
    if let Some(caveat) = &config.caveat {
        for s in steps.iter_mut().filter(|s| s.code == StepCode::Tls) {
            s.evidence = format!("{} ({caveat})", s.evidence);
        }
    }
    let on_path = || steps.iter().filter(|s| s.on_path);
    // Rule: a failed step on the path means the agent cannot talk to the
    // manager; an undetermined one leaves the diagnosis incomplete.
    let status = if on_path().any(|s| s.status == StepStatus::Fail) {
        PolicyStatus::Failed
    } else if on_path().any(|s| s.status == StepStatus::Unknown) {
        PolicyStatus::Incomplete
    } else {
        PolicyStatus::Passed
    };
    Diagnosis {
        schema_version: crate::results::SCHEMA_VERSION,
        tool: Tool::current(),
        manager: config.manager.to_string(),
        profile: config.profile.id.clone(),
        status,
        steps,
    }
}

/// How a TCP connect went.
enum Tcp {
    Open(SocketAddr),
    Refused(SocketAddr),
    Silent(SocketAddr),
    Other(SocketAddr, String),
}

async fn connect(addr: SocketAddr, timeout: Duration) -> Tcp {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Tcp::Open(addr),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Tcp::Refused(addr),
        Ok(Err(e)) => Tcp::Other(addr, e.to_string()),
        Err(_) => Tcp::Silent(addr),
    }
}

/// 2. The heartbeat port, at each address until one answers.
async fn tcp_step(addresses: &[SocketAddr], timeout: Duration) -> Step {
    let step = Step::new(StepCode::HeartbeatPort, "the heartbeat port answers", true);
    let mut last = None;
    for a in addresses {
        match connect(*a, timeout).await {
            Tcp::Open(a) => return step.set(StepStatus::Pass, format!("{a} accepts TCP")),
            other => last = Some(other),
        }
    }
    match last {
        Some(Tcp::Refused(a)) => step
            .set(StepStatus::Fail, format!("{a}: connection refused"))
            .advise(
                "nothing listens there: check that the Deep Security Manager service runs and \
                 which heartbeat port it was installed with (4120 by default)",
            ),
        Some(Tcp::Silent(a)) => step
            .set(
                StepStatus::Fail,
                format!("{a}: no answer (connect timed out)"),
            )
            .advise(
                "a firewall drops the traffic: allow TCP from the agent to the manager's \
                 heartbeat port",
            ),
        Some(Tcp::Other(a, why)) => step
            .set(StepStatus::Fail, format!("{a}: {why}"))
            .advise("check the route and firewalls between the agent and the manager"),
        _ => step.set(StepStatus::Unknown, "no address to try"),
    }
}

/// 2b and 4b. The console port, and the manager's clock from its `Date`.
async fn console_steps(addr: SocketAddr, host: &str, timeout: Duration) -> (Step, Step) {
    let port = Step::new(StepCode::ConsolePort, "the console port answers", false);
    let clock = Step::new(
        StepCode::Clock,
        "this machine's clock agrees with the manager's",
        false,
    );
    let stream = match connect_stream(addr, timeout).await {
        Ok(s) => s,
        Err(why) => {
            return (
                port.set(StepStatus::Info, format!("{addr}: {why}")),
                clock.set(StepStatus::Unknown, "unknown: no console answered"),
            );
        }
    };
    let port = port.set(StepStatus::Pass, format!("{addr} accepts TCP"));
    let date = match tokio::time::timeout(timeout, http_date(stream, host)).await {
        Ok(Ok(d)) => d,
        Ok(Err(why)) => {
            return (
                port,
                clock.set(StepStatus::Unknown, format!("unknown: {why}")),
            );
        }
        Err(_) => {
            return (
                port,
                clock.set(
                    StepStatus::Unknown,
                    "unknown: the console did not answer in time",
                ),
            );
        }
    };
    let skew = (time::OffsetDateTime::now_utc() - date).whole_seconds();
    let evidence = format!(
        "the manager's HTTP Date is {}; this machine is {} s {}",
        date.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        skew.abs(),
        if skew >= 0 { "ahead" } else { "behind" }
    );
    let clock = if skew.abs() <= CLOCK_TOLERANCE {
        clock.set(StepStatus::Pass, evidence)
    } else {
        clock.set(StepStatus::Fail, evidence).advise(
            "synchronise both clocks (NTP): the manager raises an alert when an agent's clock \
             jumps between heartbeats, and certificates look expired or not yet valid to a \
             machine whose clock is off",
        )
    };
    (port, clock)
}

async fn connect_stream(
    addr: SocketAddr,
    timeout: Duration,
) -> Result<tokio::net::TcpStream, String> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer (connect timed out)".into()),
    }
}

/// A HEAD request over TLS (certificate not checked: only the clock is
/// wanted); the `Date` header of the answer.
async fn http_date(
    stream: tokio::net::TcpStream,
    host: &str,
) -> Result<time::OffsetDateTime, String> {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_verify(SslVerifyMode::NONE);
    let ssl = b
        .build()
        .configure()
        .and_then(|mut c| {
            c.set_verify_hostname(false);
            c.into_ssl(host)
        })
        .map_err(|e| e.to_string())?;
    let mut tls = tokio_openssl::SslStream::new(ssl, stream).map_err(|e| e.to_string())?;
    std::pin::Pin::new(&mut tls)
        .connect()
        .await
        .map_err(|e| format!("the console's TLS handshake failed: {e}"))?;
    let request = format!("HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.len() < 16 * 1024 {
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    let value = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("date")
                .then(|| value.trim().to_string())
        })
        .ok_or("the console's answer has no Date header")?;
    parse_http_date(&value).ok_or_else(|| format!("cannot read the Date header {value:?}"))
}

/// `Wed, 25 Nov 2026 20:58:00 GMT` (RFC 9110 IMF-fixdate).
fn parse_http_date(value: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value, format)
        .ok()
        .map(|t| t.assume_utc())
}

/// 3. TLS with this agent's offer.
fn tls_step(
    config: &DiagnoseConfig,
    report: &TargetReport,
    shipped: &[&Profile],
    reached: bool,
) -> Step {
    let step = Step::new(StepCode::Tls, "TLS with this agent's offer", true);
    let id = &config.profile.id;
    if report.status != TargetStatus::Ok {
        let why = report
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "the manager could not be scanned".into());
        if !reached {
            return step.set(StepStatus::Unknown, format!("not reached: {why}"));
        }
        return step.set(StepStatus::Fail, why).advise(
            "something other than the manager's TLS service answers on this port: check the \
             manager's heartbeat port and any proxy in front of it",
        );
    }
    let Some(p) = report.profiles.first() else {
        return step.set(StepStatus::Unknown, "the profile was not checked");
    };
    if p.verdict == Verdict::Inconclusive {
        return step.judged(p, p.reason.clone().unwrap_or_else(|| "inconclusive".into()));
    }
    if p.verdict == Verdict::Compatible {
        let how = match p.confirmed {
            Confirmed::FullHandshake => "a full handshake completes",
            Confirmed::ClientCertificateRequired => {
                "the suite is accepted; the handshake then needs the agent's certificate"
            }
            _ => "the manager accepts the hello",
        };
        let negotiated = p
            .negotiated
            .map(|a| format!("{} {}", a.version, a.cipher_suite))
            .unwrap_or_default();
        return step.judged(p, format!("{id}: {negotiated}: {how}"));
    }
    let reason = p.reason.clone().unwrap_or_default();
    step.judged(p, format!("{id}: {reason}"))
        .advise(advice(config, report, shipped, p.reason_code))
}

/// What to change when the manager refuses this agent, in Deep Security
/// terms.
fn advice(
    config: &DiagnoseConfig,
    report: &TargetReport,
    shipped: &[&Profile],
    code: Option<ReasonCode>,
) -> String {
    let agent = &config.profile;
    let server = report.server.as_ref();
    let behaves = report.behaves_like().to_vec();
    let upgrade = upgrade_to(report, shipped);
    let upgrade_text = if upgrade.is_empty() {
        "upgrade the agent".to_string()
    } else {
        format!("upgrade the agent to {}", upgrade.join(" or "))
    };
    if code == Some(ReasonCode::CertificateKeyType) {
        return "the manager's certificate is not RSA, and every Deep Security agent suite \
                authenticates with RSA: give the manager an RSA certificate"
            .into();
    }
    // The manager setting it behaves like, in the profile's own words
    // (`setting`, `remedy` in the manager profiles).
    let setting = behaves.iter().find_map(|b| {
        let p = shipped
            .iter()
            .find(|p| p.id == *b && p.role == Role::Manager)?;
        Some((p.setting.as_deref()?, p.remedy.as_deref()?))
    });
    if let Some((setting, remedy)) = setting {
        return format!(
            "{setting}: {} cannot connect; {upgrade_text}, or {remedy}",
            agent_name(agent)
        );
    }
    let server_versions = server.map(|s| s.versions.clone()).unwrap_or_default();
    let needs_10 = agent.versions.iter().all(|v| *v < TlsVersion::Tls12);
    if needs_10
        && server_versions.iter().all(|v| *v >= TlsVersion::Tls12)
        && !server_versions.is_empty()
    {
        return format!(
            "the manager enforces TLS 1.2 (TLS 1.0 is off): {} speaks only TLS 1.0; \
             {upgrade_text}, or allow TLS 1.0 on the manager again (not recommended)",
            agent_name(agent)
        );
    }
    format!(
        "the manager and this agent have nothing in common: {upgrade_text}, or widen the manager's TLS settings"
    )
}

/// The shipped agent profiles that the manager's accepted suites would
/// serve, newest-compatible first, as admins name versions.
fn upgrade_to(report: &TargetReport, shipped: &[&Profile]) -> Vec<String> {
    let Some(server) = &report.server else {
        return Vec::new();
    };
    shipped
        .iter()
        .filter(|p| p.role == Role::Agent)
        .filter(|p| {
            // Offered at the newest version both speak (servers do not
            // lower the version to find a suite).
            let common = p
                .versions
                .iter()
                .filter(|v| server.versions.contains(v))
                .max();
            common.is_some_and(|v| {
                server
                    .cipher_suites
                    .get(v)
                    .is_some_and(|s| p.suites_at(*v).any(|x| s.contains(&x)))
            })
        })
        // A mode (FIPS) is not something to upgrade to: rungs only.
        .filter(|p| p.ladder.is_some())
        .map(|p| agent_name(p))
        .collect()
}

/// How admins name an agent version: the profile's `version_name`, else
/// its id.
fn agent_name(p: &Profile) -> String {
    p.version_name.clone().unwrap_or_else(|| p.id.clone())
}

/// 4. The manager's certificate against this machine's clock.
fn certificate_step(report: &TargetReport) -> Step {
    let step = Step::new(
        StepCode::Certificate,
        "the manager's certificate is valid now",
        false,
    );
    let Some(c) = report.server.as_ref().and_then(|s| s.certificate.as_ref()) else {
        return step.set(StepStatus::Unknown, "no certificate seen");
    };
    certificate_dates(step, c, time::OffsetDateTime::now_utc())
}

/// The certificate step at `now`. Rule: a date that cannot be read leaves
/// the step unknown unless the other date already fails it; it never
/// passes.
fn certificate_dates(
    step: Step,
    c: &crate::results::CertificateSummary,
    now: time::OffsetDateTime,
) -> Step {
    use crate::results::date_text;
    let evidence = format!(
        "{} valid from {} to {}",
        c.subject,
        date_text(c.not_before),
        date_text(c.not_after)
    );
    match (c.not_before, c.not_after) {
        (Some(from), _) if from > now => step
            .set(StepStatus::Fail, format!("{evidence}: not yet valid here"))
            .advise("check this machine's clock, or the certificate's dates"),
        (_, Some(to)) if to < now => step
            .set(StepStatus::Fail, format!("{evidence}: expired"))
            .advise("renew the manager's certificate"),
        (Some(_), Some(_)) => step.set(StepStatus::Pass, evidence),
        _ => step.set(
            StepStatus::Unknown,
            format!("{evidence}: a date cannot be read"),
        ),
    }
}

/// 5. The client certificate an activated agent presents.
fn client_certificate_step(config: &DiagnoseConfig, report: &TargetReport) -> Step {
    use crate::results::ClientCertificate as C;
    let step = Step::new(
        StepCode::ClientCertificate,
        "the manager accepts the agent's certificate",
        true,
    );
    let Some(server) = &report.server else {
        return step.set(StepStatus::Unknown, "not reached");
    };
    let confirmed = report.profiles.first().map(|p| p.confirmed);
    match (
        server.client_certificate,
        config.scan.identity.is_some(),
        confirmed,
    ) {
        (C::None, _, _) => step.set(
            StepStatus::Pass,
            "the manager does not ask for a client certificate",
        ),
        (_, true, Some(Confirmed::FullHandshake)) => step.set(
            StepStatus::Pass,
            "the handshake completes with the given certificate",
        ),
        (_, true, _) => step
            .set(
                StepStatus::Fail,
                "the manager refused the handshake with the given certificate",
            )
            .advise(
                "the agent's certificate is not (or no longer) one the manager issued: \
                 deactivate and re-activate the agent",
            ),
        (kind, false, _) => step.set(
            StepStatus::Unknown,
            format!(
                "the manager asks for a client certificate ({}): an activated agent presents \
                 the one the manager issued; run again with --client-cert and --client-key to \
                 check it",
                kind.name()
            ),
        ),
    }
}

/// The other direction (step 6): the manager's offer against the agent's port,
/// and whether that port answers this machine at all.
async fn agent_steps(
    config: &DiagnoseConfig,
    target: &Target,
    manager: &TargetReport,
    shipped: &[&Profile],
) -> Vec<Step> {
    let step = Step::new(
        StepCode::AgentPort,
        "the manager's offer works against the agent's port",
        true,
    );
    // The manager's configuration: given, or what it behaves like.
    let profile = config.manager_profile.clone().or_else(|| {
        let behaves = manager.behaves_like().to_vec();
        shipped
            .iter()
            .find(|p| p.role == Role::Manager && behaves.contains(&p.id))
            .map(|p| (*p).clone())
    });
    let Some(profile) = profile else {
        return vec![step.set(
            StepStatus::Unknown,
            "cannot tell which configuration the manager uses as a client: give \
                 --manager-profile",
        )];
    };
    let report = scan(target, &[&profile], shipped, &config.scan).await;
    let mut steps = Vec::new();
    let answered = report.status == TargetStatus::Ok;
    steps.push(port_step(step, target, &profile, &report));
    if answered {
        steps.push(exposed_step(target));
    }
    steps
}

/// Step 6 from the scan of the agent's port with the manager's offer.
fn port_step(step: Step, target: &Target, profile: &Profile, report: &TargetReport) -> Step {
    match (report.status == TargetStatus::Ok, report.profiles.first()) {
        (false, _) => step
            .set(
                StepStatus::Fail,
                report
                    .error
                    .as_ref()
                    .map(|e| format!("{}: {}", target, e.message))
                    .unwrap_or_default(),
            )
            .advise(
                "manager-initiated and bidirectional communication need the agent's port \
                     (4118 by default) reachable from the manager: check the agent service and \
                     firewalls, or switch the agent to agent-initiated communication",
            ),
        (true, Some(p)) if p.verdict == Verdict::Compatible => step.judged(
            p,
            format!(
                "{} as {}: {}",
                target,
                profile.id,
                p.negotiated
                    .map(|a| format!("{} {}", a.version, a.cipher_suite))
                    .unwrap_or_default()
            ),
        ),
        (true, Some(p)) if p.verdict == Verdict::Inconclusive => {
            step.judged(p, p.reason.clone().unwrap_or_default())
        }
        (true, Some(p)) => step
            .judged(
                p,
                format!(
                    "{} as {}: {}",
                    target,
                    profile.id,
                    p.reason.clone().unwrap_or_default()
                ),
            )
            .advise(
                "the manager cannot reach this agent with its TLS settings: upgrade the \
                     agent, or use agent-initiated communication for it",
            ),
        (true, None) => step.set(StepStatus::Unknown, "not checked"),
    }
}

/// The agent's port answered this machine: it is open to strangers.
fn exposed_step(target: &Target) -> Step {
    Step::new(
        StepCode::AgentPortExposed,
        "the agent's port is closed to strangers",
        false,
    )
    .set(
        StepStatus::Fail,
        format!("{} answers TLS from this machine", target),
    )
    .advise(
        "by default the manager opens the agent's port to any IP and MAC address \
                 with a hidden priority-4 bypass rule: add a priority-4 force-allow or \
                 bypass firewall rule (incoming, TCP, destination port = the agent's port) \
                 limited to the manager's addresses",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let t = parse_http_date("Wed, 25 Nov 2026 20:58:00 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_640_280);
        assert!(parse_http_date("yesterday").is_none());
    }
}

#[cfg(test)]
mod certificate_tests {
    use super::*;
    use crate::results::{CertKeyType, CertificateSummary, parse_rfc3339};

    fn cert(not_before: Option<&str>, not_after: Option<&str>) -> CertificateSummary {
        CertificateSummary {
            subject: "CN=dsm".into(),
            issuer: "CN=dsm".into(),
            key_type: CertKeyType::Rsa,
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            not_before: not_before.and_then(parse_rfc3339),
            not_after: not_after.and_then(parse_rfc3339),
            expired: false,
            self_signed: true,
            subject_alt_names: Vec::new(),
            chain_length: 1,
        }
    }

    fn status(c: &CertificateSummary) -> StepStatus {
        let now = parse_rfc3339("2026-11-25T00:00:00Z").unwrap();
        let step = Step::new(StepCode::Certificate, "t", false);
        certificate_dates(step, c, now).status
    }

    #[test]
    fn a_certificate_date_that_cannot_be_read_is_unknown_never_passed() {
        let (past, future) = (Some("2026-01-01T00:00:00Z"), Some("2027-01-01T00:00:00Z"));
        assert_eq!(status(&cert(past, future)), StepStatus::Pass);
        assert_eq!(status(&cert(future, future)), StepStatus::Fail);
        assert_eq!(status(&cert(past, past)), StepStatus::Fail);
        assert_eq!(status(&cert(None, future)), StepStatus::Unknown);
        assert_eq!(status(&cert(past, None)), StepStatus::Unknown);
        assert_eq!(status(&cert(None, None)), StepStatus::Unknown);
        assert_eq!(status(&cert(Some("garbage"), future)), StepStatus::Unknown);
        // Known to fail whatever the other date says.
        assert_eq!(status(&cert(None, past)), StepStatus::Fail);
    }
}
