//! What several commands build or write alike: probing settings, policies and
//! client identities from flags, the manager's API fleet, output files, the
//! async runtime and the interrupt signal. What only one command uses lives
//! in that command's file.

use std::fs::File;
use std::io;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use crate::cli::{ManagerApiArgs, PolicyArgs, RoleArg};
use crate::error::Error;
use crate::model::profile::{Catalog, Role};
use crate::policy::{Policy, Rule};
use crate::probe::Limits;
use crate::probe::handshake::ClientIdentity;
use crate::report;
use crate::scan::ScanConfig;
use crate::tls::certs;

/// Writes text for people through the escape net (`escape::TerminalWriter`):
/// no control character from the data reaches the terminal or the log.
pub(super) fn text(
    w: &mut dyn Write,
    print: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut net = report::escape::TerminalWriter::painting(w);
    print(&mut net)?;
    net.flush()
}

pub(super) fn open_output(path: &Path) -> Result<BufWriter<File>, Error> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|source| Error::Output {
            path: path.to_path_buf(),
            source,
        })
}

/// A multi-threaded runtime for the network commands.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// Writes a report to `-o FILE` or to stdout.
pub(super) fn write_report(
    path: Option<&Path>,
    stdout: &mut dyn Write,
    print: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    match path {
        None => print(stdout)
            .and_then(|()| stdout.flush())
            .map_err(Error::Stdout),
        Some(path) => {
            let fail = |source| Error::Output {
                path: path.to_path_buf(),
                source,
            };
            let mut w = BufWriter::new(File::create(path).map_err(fail)?);
            print(&mut w).and_then(|()| w.flush()).map_err(fail)
        }
    }
}

pub(super) fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Manager => Role::Manager,
        RoleArg::Agent => Role::Agent,
        RoleArg::Relay => Role::Relay,
    }
}

/// `--client-cert` and `--client-key`, loaded (clap requires both or
/// neither).
pub(super) fn client_identity(
    cert: Option<&std::path::Path>,
    key: Option<&std::path::Path>,
) -> Result<Option<Arc<ClientIdentity>>, Error> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(Arc::new(
            ClientIdentity::load(cert, key).map_err(Error::Certificate)?,
        ))),
        _ => Ok(None),
    }
}

/// The probing half of a scan's configuration, the same for every command
/// that probes.
pub(super) fn probe_config(args: &crate::cli::ProbeArgs) -> Result<ScanConfig, Error> {
    Ok(ScanConfig {
        limits: Limits {
            timeout: args.timeout,
            concurrency: args
                .concurrency
                .map_or(crate::probe::connect::DEFAULT_CONCURRENCY, usize::from),
            retries: args.retries,
            ..Limits::default()
        },
        repeat: usize::from(args.repeat),
        identity: client_identity(args.client_cert.as_deref(), args.client_key.as_deref())?,
        fleet: crate::scan::Fleet {
            max_connections: args.max_connections as usize,
            rate: args.rate,
            target_timeout: args.target_timeout,
        },
        ..ScanConfig::default()
    })
}

/// The policy file, then the command-line shorthands as one more rule that
/// matches every target.
pub(super) fn build_policy(catalog: &mut Catalog, args: &PolicyArgs) -> Result<Policy, Error> {
    let now = now();
    let mut policy = match &args.policy {
        Some(path) => crate::policy::file::load(path, catalog, now)?,
        None => Policy {
            now,
            ..Policy::default()
        },
    };
    let mut require = Vec::new();
    for p in &args.require {
        require.push(catalog.resolve(p)?);
    }
    dedup(&mut require);
    let mut rule = Rule {
        require,
        ..Rule::default()
    };
    for v in &args.forbid_versions {
        let v = v
            .parse()
            .map_err(|e| Error::Usage(format!("--forbid-version: {e}")))?;
        if !rule.forbid_versions.contains(&v) {
            rule.forbid_versions.push(v);
        }
    }
    for s in &args.forbid_suites {
        let s = s
            .parse()
            .map_err(|e| Error::Usage(format!("--forbid-suite: {e}")))?;
        if !rule.forbid_suites.contains(&s) {
            rule.forbid_suites.push(s);
        }
    }
    if !rule.is_empty() {
        policy.rules.insert(0, rule);
    }
    Ok(policy)
}

/// Drops repeated ids, keeping the first of each in place.
pub(super) fn dedup(ids: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
}

/// Seconds since the Unix epoch: the time certificates are judged at.
pub(super) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Role-aware clients ([`crate::scan::Clients::by_role`]): `given` (`-p`)
/// or the role's defaults, plus `also` on every target; identification
/// among the profiles of the target's role.
pub(super) fn clients_by_role(
    catalog: &mut Catalog,
    given: &[String],
    also: &[String],
) -> Result<crate::scan::Clients, Error> {
    let ids = |catalog: &Catalog, roles: &[Role]| -> Vec<String> {
        catalog
            .all()
            .filter(|p| roles.contains(&p.role))
            .map(|p| p.id.clone())
            .collect()
    };
    let agents = ids(catalog, &[Role::Agent, Role::Any]);
    let managers = ids(catalog, &[Role::Manager, Role::Relay, Role::Any]);
    Ok(crate::scan::Clients::by_role(
        catalog.built(given)?,
        catalog.built(also)?,
        catalog.built(&agents)?,
        catalog.built(&managers)?,
    ))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub(super) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The fleet read from the manager's API, and what to say about it.
pub(super) struct FromManager {
    pub(super) fleet: crate::inputs::manager_api::ManagerFleet,
    /// What was read, the console's TLS, warnings: for a report's notes.
    pub(super) notes: Vec<String>,
}

/// What the manager's console certificate is checked against:
/// `--api-ca`, the system's roots, or nothing (`--api-insecure`).
pub(super) fn api_trust(args: &ManagerApiArgs) -> Result<crate::inputs::manager_api::Trust, Error> {
    use crate::inputs::manager_api::Trust;
    Ok(if args.api_insecure {
        Trust::Insecure
    } else if let Some(path) = &args.api_ca {
        let certs = certs::load_certs(path).map_err(Error::Certificate)?;
        let der = certs
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Certificate(certs::CertError::Generate(e)))?;
        Trust::Ca {
            path: path.clone(),
            certs: der,
        }
    } else {
        Trust::System
    })
}

/// `--from-manager`: reads the fleet from the manager's API now (an input,
/// like `-i`: a failure is an input error, exit 2). Says on stderr that
/// `--api-insecure` is on (every time), how the read goes when it takes
/// more than a page, what was read, and the console's TLS.
pub(super) fn read_manager(
    args: &ManagerApiArgs,
    catalog: &Catalog,
) -> Result<Option<FromManager>, Error> {
    use crate::inputs::manager_api::{ApiKey, ApiSource, ApiUrl};
    use std::io::Write;
    let Some(url) = &args.from_manager else {
        return Ok(None);
    };
    let url = ApiUrl::parse(url)?;
    let key = match &args.api_key_file {
        Some(path) => ApiKey::from_file(path)?,
        None => ApiKey::from_env()?.ok_or(crate::inputs::manager_api::ApiError::NoKey)?,
    };
    let trust = api_trust(args)?;
    // Diagnostics are best effort: a closed stderr changes nothing.
    let stderr = std::io::stderr();
    if args.api_insecure {
        let _ = writeln!(
            stderr.lock(),
            "tlscompat: warning: --api-insecure: the certificate of {url} is not checked; \
             anyone on the path could read the API key (use --api-ca FILE outside a lab)"
        );
    }
    let source = ApiSource {
        url: url.clone(),
        key,
        auth: args.api_auth,
        trust,
        timeout: args.api_timeout,
        page_size: args.api_page_size,
        max_body: crate::inputs::manager_api::MAX_BODY,
    };
    let terminal = stderr.is_terminal();
    let spinner = terminal.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!("reading computers from {url}"));
        bar
    });
    let page_size = args.api_page_size as usize;
    let mut progress = |computers: usize, pages: usize| {
        let read = format!(
            "reading computers from {url}: {computers} read ({pages} page{})",
            if pages == 1 { "" } else { "s" }
        );
        match &spinner {
            Some(bar) => bar.set_message(read),
            // A full page: more may follow, and the read may be long.
            None if computers == pages * page_size => {
                let _ = writeln!(stderr.lock(), "tlscompat: {read}…");
            }
            None => {}
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let read = runtime.block_on(crate::inputs::manager_api::read_fleet(
        &source,
        catalog,
        &mut progress,
    ));
    if let Some(bar) = &spinner {
        bar.finish_and_clear();
    }
    let fleet = read?;
    let mut notes = vec![fleet.summary(&url)];
    if let Some(console) = &fleet.console {
        notes.push(console.sentence(&url));
    }
    notes.extend(fleet.warnings());
    for n in &notes {
        let _ = writeln!(stderr.lock(), "tlscompat: {n}");
    }
    Ok(Some(FromManager { fleet, notes }))
}
