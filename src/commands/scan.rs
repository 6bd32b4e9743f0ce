//! `scan`: endpoints probed now, judged against the profiles and the policy,
//! the report written (text, JSON, JSON Lines, YAML, JUnit, Markdown, HTML).

use std::fs::File;
use std::io;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{ScanArgs, ScanFormat};
use crate::error::{Error, Status};
use crate::model::profile::Catalog;
use crate::model::target::Target;
use crate::policy::Policy;
use crate::report;
use crate::results::ScanReport;
use crate::scan::ScanConfig;
use crate::tls::certs;

use super::common::{
    build_policy, clients_by_role, dedup, open_output, probe_config, read_manager, role, runtime,
    shutdown_signal, text,
};

/// `scan` with targets parsed and profiles resolved.
#[derive(Debug)]
pub struct ScanJob {
    /// Endpoints, in the order given (command line, then inventories).
    pub targets: Vec<Target>,
    /// What the inventory expects of each target (same order).
    pub expectations: Vec<crate::inputs::inventory::Expectation>,
    /// The client profiles that check each target, and those that identify
    /// it, by role.
    pub clients: crate::scan::Clients,
    /// Requirements.
    pub policy: Policy,
    /// What identifies this run (and shard) in its report.
    pub run: crate::results::RunIdentity,
    /// How to probe.
    pub scan: ScanConfig,
    /// Output format.
    pub format: ScanFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
    /// A progress bar on standard error (only when it is a terminal).
    pub progress: bool,
    /// Each address of a host name is its own target (`--all-addresses`).
    pub all_addresses: bool,
}

/// `scan`'s targets: the arguments, the inventory files and the manager's
/// list, merged and deduplicated (what was merged noted), then this
/// shard's share; with what identifies the whole list (before sharding).
fn scan_entries(
    catalog: &mut Catalog,
    args: &ScanArgs,
    notes: &mut Vec<String>,
) -> Result<(Vec<crate::inputs::inventory::Entry>, Vec<String>), Error> {
    let role = role(args.role);
    let mut entries = Vec::new();
    for (i, t) in args.targets.iter().enumerate() {
        entries.push(crate::inputs::inventory::Entry {
            target: Target::parse(t, role).map_err(Error::Target)?,
            expectation: Default::default(),
            at: format!("argument {}", i + 1),
        });
    }
    let mut files = Vec::new();
    for file in &args.inventory {
        files.extend(
            crate::inputs::inventory::read(file, args.inventory_format, role, catalog)
                .map_err(Error::Inventory)?,
        );
    }
    // The manager's agents, with the files' entries added or overriding.
    let from_manager = read_manager(&args.api, catalog)?.map(|m| m.fleet.entries);
    entries.extend(crate::inputs::inventory::merge(
        from_manager.unwrap_or_default(),
        files,
    ));
    if entries.is_empty() {
        return Err(Error::Usage(
            "no target: give TARGET arguments, -i FILE or --from-manager URL".into(),
        ));
    }
    let (mut entries, merged) = crate::inputs::inventory::dedupe(entries)?;
    notes.extend(merged);
    // What identifies the run: the whole target list, before sharding.
    let inventory: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {}", e.target, e.target.role))
        .collect();
    // A shard is every N-th target from the K-th: disjoint, and together
    // the whole inventory, whatever machine runs it.
    if let Some((k, n)) = args.shard {
        entries = entries
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, e)| e)
            .collect();
    }
    Ok((entries, inventory))
}

/// The inventory's per-target requirements, each a policy rule scoped to
/// its target.
fn inventory_rules(
    catalog: &mut Catalog,
    entries: &[crate::inputs::inventory::Entry],
    policy: &mut crate::policy::Policy,
) -> Result<(), Error> {
    for e in entries.iter().filter(|e| !e.expectation.require.is_empty()) {
        let mut require = Vec::new();
        for p in &e.expectation.require {
            require.push(catalog.resolve(p)?);
        }
        policy.rules.push(crate::policy::Rule {
            scope: crate::policy::Scope {
                role: None,
                target: Some(e.target.to_string()),
            },
            require,
            ..Default::default()
        });
    }
    Ok(())
}

/// `scan`: the targets, the profiles each is checked with, the policy and
/// what identifies the run, and how to probe.
pub(super) fn build(
    catalog: &mut Catalog,
    args: ScanArgs,
    notes: &mut Vec<String>,
) -> Result<ScanJob, Error> {
    let (mut entries, inventory) = scan_entries(catalog, &args, notes)?;
    let mut profiles = Vec::new();
    for p in &args.profiles {
        profiles.push(catalog.resolve(p)?);
    }
    let mut policy = build_policy(catalog, &args.policy)?;
    inventory_rules(catalog, &entries, &mut policy)?;
    // Expected profiles must be known: a typo is an input error.
    for e in &mut entries {
        for p in &mut e.expectation.expect {
            *p = catalog.resolve(p)?;
        }
    }
    if let Some(sni) = &args.sni {
        check_server_name(sni)?;
    }
    let (targets, expectations): (Vec<Target>, Vec<_>) = entries
        .into_iter()
        .map(|e| (e.target, e.expectation))
        .unzip();
    dedup(&mut profiles);
    // Every profile a rule requires is checked too, on every target.
    let mut required = policy.required_profiles();
    required.retain(|id| !profiles.contains(id));
    let mut checked = profiles.clone();
    checked.extend(required.iter().cloned());
    let run = crate::results::RunIdentity::new(
        checked,
        serde_json::to_value(&policy).unwrap_or_default(),
        policy.digest(),
        &inventory,
        args.shard
            .map(|(index, of)| crate::results::ShardOf { index, of }),
        targets.len(),
    );
    Ok(ScanJob {
        targets,
        expectations,
        clients: clients_by_role(catalog, &profiles, &required)?,
        policy,
        run,
        scan: ScanConfig {
            all_suites: args.all_suites,
            sni: args.sni,
            no_sni: args.no_sni,
            no_confirm: args.no_confirm,
            shared: None,
            ca: match &args.ca {
                Some(path) => Some(Arc::new(
                    certs::load_certs(path).map_err(Error::Certificate)?,
                )),
                None => None,
            },
            ..probe_config_for(&args.probe, args.all_suites)?
        },
        format: args.format,
        output: args.output,
        progress: std::io::stderr().is_terminal(),
        all_addresses: args.all_addresses,
    })
}

pub(super) fn run(
    catalog: &Catalog,
    mut job: ScanJob,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    if job.all_addresses {
        let each = runtime()?.block_on(crate::scan::each_address(
            &job.targets,
            job.scan.limits.timeout,
        ));
        job.expectations = each
            .iter()
            .map(|(i, _)| job.expectations[*i].clone())
            .collect();
        job.targets = each.into_iter().map(|(_, t)| t).collect();
        job.run.targets = job.targets.len();
    }
    let clients = std::mem::take(&mut job.clients);
    let wanted = job.scan.fleet.max_connections;
    job.scan.fleet.max_connections = crate::probe::connect::room_for(wanted);
    if job.scan.fleet.max_connections < wanted {
        // Best effort: a diagnostic that cannot be written changes nothing.
        let _ = writeln!(
            stderr,
            "tlscompat: the open-files limit allows {} connections at once, not the {wanted} of \
             --max-connections (raise it with ulimit -n)",
            job.scan.fleet.max_connections
        );
    }
    // `-o` is opened before any probing: an unwritable path fails first.
    let mut file = match job.output.as_deref() {
        Some(path) => Some((path, open_output(path)?)),
        None => None,
    };
    let tool = report::Tool::current();
    let stream = job.format == ScanFormat::Jsonl;
    let (targets, written) = {
        let out: &mut dyn Write = match &mut file {
            Some((_, f)) => f,
            None => stdout,
        };
        runtime()?.block_on(collect(&job, clients, stream.then_some((out, &tool))))
    };
    let written = written.map_err(|e| output_error(file.as_ref().map(|(p, _)| *p), e))?;
    let mut targets = targets;
    crate::offline::plan::judge_directions(&mut targets, catalog, false);
    let policy = crate::policy::verdict(&targets, &job.policy);
    let how = Presentation {
        format: job.format,
        view,
    };
    write_scan(
        targets,
        policy,
        Some(job.run),
        how,
        file,
        &written,
        stdout,
        stderr,
    )
}

/// How a scan report is written: its format and, for text and Markdown,
/// its layout.
#[derive(Clone, Copy)]
pub(super) struct Presentation<'a> {
    pub(super) format: ScanFormat,
    pub(super) view: &'a report::View,
}

/// A scan report with its verdict, written; the reasons on stderr.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_scan(
    targets: Vec<crate::results::TargetReport>,
    policy: crate::results::PolicyReport,
    run: Option<crate::results::RunIdentity>,
    how: Presentation<'_>,
    mut file: Option<(&Path, BufWriter<File>)>,
    written: &[usize],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let status = Status::from(policy.status);
    let report = ScanReport {
        schema_version: report::SCHEMA_VERSION,
        tool: report::Tool::current(),
        summary: crate::results::Summary::of(&targets),
        targets,
        policy,
        run,
    };
    // Text quotes the report's names: escaped for the terminal, in place.
    let report = match how.format {
        ScanFormat::Text => report::escape::terminal_scan(report),
        _ => report,
    };
    let view = how.view;
    let print = |w: &mut dyn Write| match how.format {
        ScanFormat::Text => text(w, |w| report::text::scan::text(w, &report, view)),
        ScanFormat::Json => report::json::scan(w, &report),
        ScanFormat::Yaml => report::json::scan_yaml(w, &report),
        // Finished targets were streamed; the rest (not scanned), then the verdict.
        ScanFormat::Jsonl => {
            let run = report
                .run
                .as_ref()
                .map(crate::results::RunIdentity::reference);
            for (i, t) in report.targets.iter().enumerate() {
                if !written.contains(&i) {
                    report::json::jsonl_target(w, &report.tool, run.as_ref(), t)?;
                }
            }
            report::json::jsonl_policy(w, &report)
        }
        ScanFormat::Markdown => report::markdown::scan::markdown(w, &report, view),
        ScanFormat::Junit => report::junit::junit(w, &report),
        ScanFormat::Html => report::html::scan(w, &report),
    };
    match &mut file {
        Some((path, f)) => print(f)
            .and_then(|()| f.flush())
            .map_err(|e| output_error(Some(path), e))?,
        None => print(stdout)
            .and_then(|()| stdout.flush())
            .map_err(Error::Stdout)?,
    }
    // The reasons reach the CI log whatever the format and wherever the
    // report went; a failing stderr leaves nothing to tell them with.
    let _ = report::text::scan::policy_lines(stderr, &report.policy);
    Ok(status)
}

/// `plan --observed`: the agent a capture saw at a target's addresses
/// (looked up lazily), by role.
pub(super) type ObservedAt<'a> = dyn FnMut(
        crate::model::profile::Role,
        &dyn Fn() -> Vec<std::net::IpAddr>,
    ) -> Option<crate::observe::SeenClient>
    + 'a;

/// Scans every target, streaming each finished one to `stream` when given
/// (JSON Lines), until done or until SIGINT/SIGTERM: then the targets not
/// finished are reported `not_scanned`. Returns the reports in target order
/// and the indexes already streamed.
pub(super) async fn collect(
    job: &ScanJob,
    clients: crate::scan::Clients,
    mut stream: Option<(&mut dyn Write, &report::Tool)>,
) -> (Vec<crate::results::TargetReport>, io::Result<Vec<usize>>) {
    let count = job.targets.len();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let work = crate::scan::scan_all(
        job.targets.clone(),
        Arc::new(clients),
        Arc::new(job.scan.clone()),
        tx,
    );
    tokio::pin!(work);
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut got: Vec<Option<crate::results::TargetReport>> = vec![None; count];
    let mut written = Ok(Vec::new());
    let mut finished = false;
    let progress = Progress::new(job.progress, count);
    let run = job.run.reference();
    loop {
        tokio::select! {
            received = rx.recv() => {
                let Some((i, mut report)) = received else { break };
                if let Some(e) = job.expectations.get(i) {
                    crate::scan::expectation::apply(&mut report, e);
                }
                progress.done(&report);
                if let (Some((out, tool)), Ok(w)) = (&mut stream, &mut written) {
                    match report::json::jsonl_target(*out, tool, Some(&run), &report) {
                        Ok(()) => w.push(i),
                        Err(e) => written = Err(e),
                    }
                }
                got[i] = Some(report);
            }
            () = &mut work, if !finished => finished = true,
            // Interrupted: what finished is reported, the rest is not scanned.
            () = &mut stop => break,
        }
    }
    progress.finish();
    let targets = got
        .into_iter()
        .zip(&job.targets)
        .map(|(r, t)| r.unwrap_or_else(|| crate::scan::not_scanned(t)))
        .collect();
    (targets, written)
}

/// The progress bar of a scan: done/total, failures, rate, ETA, on
/// standard error when it is a terminal; nothing otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    failed: std::cell::Cell<u64>,
}

impl Progress {
    fn new(show: bool, total: usize) -> Progress {
        let bar = show.then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            let style = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} targets, {msg} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message("0 could not be scanned,");
            bar.tick();
            bar
        });
        Progress {
            bar,
            failed: std::cell::Cell::new(0),
        }
    }

    fn done(&self, report: &crate::results::TargetReport) {
        let Some(bar) = &self.bar else { return };
        if report.status != crate::results::TargetStatus::Ok {
            self.failed.set(self.failed.get() + 1);
            bar.set_message(format!("{} could not be scanned,", self.failed.get()));
        }
        bar.inc(1);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn output_error(path: Option<&Path>, source: io::Error) -> Error {
    match path {
        Some(path) => Error::Output {
            path: path.to_path_buf(),
            source,
        },
        None => Error::Stdout(source),
    }
}

/// [`probe_config`], with `--all-suites`'s wider default bound
/// ([`crate::probe::connect::ALL_SUITES_CONCURRENCY`]) when it is on and
/// `--concurrency` was not given.
fn probe_config_for(args: &crate::cli::ProbeArgs, all_suites: bool) -> Result<ScanConfig, Error> {
    let mut config = probe_config(args)?;
    if all_suites && args.concurrency.is_none() {
        config.limits.concurrency = crate::probe::connect::ALL_SUITES_CONCURRENCY;
    }
    Ok(config)
}

/// `--sni`: a DNS host name that fits the server_name extension (RFC 6066:
/// at most 253 bytes, labels of 1–63 letters, digits and hyphens).
fn check_server_name(name: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::Usage(format!(
            "invalid --sni {:?}: {why}",
            if name.chars().count() > 80 {
                format!("{}…", name.chars().take(80).collect::<String>())
            } else {
                name.to_string()
            }
        )))
    };
    if name.len() > 253 {
        return bad(&format!("{} bytes; a host name is at most 253", name.len()));
    }
    let labels_ok = name.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !labels_ok {
        return bad(
            "a host name is labels of 1 to 63 letters, digits and hyphens, separated by dots",
        );
    }
    Ok(())
}
