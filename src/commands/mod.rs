//! Runs a validated `Config`: builds the components, does the work, hands the
//! results to a printer. Nothing here parses arguments or formats output.

pub mod config;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::{
    DataFormat, DiagnoseFormat, LogFormat, MatrixFormat, PlanFormat, ScanFormat, WhatIfFormat,
};
use crate::commands::config::{
    CaptureJob, CheckJob, Config, DiagnoseJob, Job, MatrixJob, PlanFleet, PlanJob, ScanJob,
    ServeJob, WhatIfJob,
};
use crate::error::{Error, Status};
use crate::model::profile::{Catalog, Profile};
use crate::offline::matrix::Matrix;
use crate::report;
use crate::results::ScanReport;
use crate::serve::summary::{LogEntry, Summarizer};
use crate::serve::{Emulator, GeneratedPki, ServeEvent};

/// Runs the job. `stdout` gets the report, `stderr` diagnostics.
pub fn run(
    config: Config,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    colored::control::set_override(config.color);
    // Whatever reaches stderr (notes, warnings, the reasons, the serve
    // log) goes through the escape net: no control character from a
    // server or a file drives the terminal or the CI log.
    let mut stderr = report::escape::TerminalWriter::painting(stderr);
    let stderr: &mut dyn Write = &mut stderr;
    for n in &config.notes {
        let _ = writeln!(stderr, "note: {}", crate::report::layout::one_line(n));
    }
    let catalog = &config.catalog;
    let view = &config.view;
    match config.job {
        Job::ProfilesList { format } => {
            let out = |w: &mut dyn Write| match format {
                DataFormat::Text => text(w, |w| {
                    report::profiles::list_text(w, catalog.all(), view.width)
                }),
                DataFormat::Json => {
                    report::write_json(w, &report::profiles::list_data(catalog.all()))
                }
                DataFormat::Yaml => {
                    report::write_yaml(w, &report::profiles::list_data(catalog.all()))
                }
            };
            out(stdout).map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesShow { profile, format } => {
            let profile = &*profile;
            let out = |w: &mut dyn Write| match format {
                DataFormat::Text => {
                    text(w, |w| report::profiles::show_text(w, profile, view.width))
                }
                DataFormat::Json => report::write_json(w, &report::profiles::show_data(profile)),
                DataFormat::Yaml => report::write_yaml(w, &report::profiles::show_data(profile)),
            };
            out(stdout).map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesValidate { files } => validate(&files, stdout, stderr),
        Job::Matrix(job) => matrix(job, view, stdout),
        Job::Serve(job) => serve(*job, stderr),
        Job::Scan(job) => scan(catalog, *job, view, stdout, stderr),
        Job::Check(job) => check(job, view, stdout, stderr),
        Job::Merge { job, rules } => merge(job, rules, view, stdout, stderr),
        Job::WhatIf(job) => what_if(catalog, job, view, stdout),
        Job::Plan(job) => plan(catalog, *job, view, stdout),
        Job::Demo { show } => demo(catalog, &show, view, stdout),
        Job::Diagnose(job) => diagnose(catalog, *job, view, stdout),
        Job::Schema { name } => {
            stdout
                .write_all(crate::schema::render(name).as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::ProfilesCapture(job) => capture(catalog, job, stdout, stderr),
        Job::Observe(job) => observe(catalog, job, view, stdout, stderr),
        Job::Completions { shell } => {
            crate::cli::manual::completions(shell, stdout)
                .and_then(|()| stdout.flush())
                .map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
        Job::Man => {
            crate::cli::manual::man_page(stdout)
                .and_then(|()| stdout.flush())
                .map_err(Error::Stdout)?;
            Ok(Status::Ok)
        }
    }
}

/// Scans the endpoint with every suite, writes the profile file, and says
/// what it captured.
fn capture(
    catalog: &Catalog,
    job: CaptureJob,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let identify: Vec<&Profile> = catalog.all().collect();
    let report = runtime()?.block_on(crate::scan::capture::scan_all_suites(
        &job.target,
        &identify,
        &job.scan,
    ));
    let date = time::OffsetDateTime::now_utc().date().to_string();
    let text =
        crate::scan::capture::profile_yaml(&report, job.target.role, job.id.as_deref(), &date)?;
    write_report(Some(&job.output), stdout, |w| w.write_all(text.as_bytes()))?;
    let profile = crate::model::profile::Profile::parse(
        &text,
        crate::model::profile::Origin::File(job.output.clone()),
    )?;
    writeln!(
        stdout,
        "{}: captured {} as {} ({}; {} cipher suites)",
        job.output.display(),
        report.target,
        profile.id,
        crate::model::version::join(&profile.versions),
        profile.cipher_suites.len()
    )
    .map_err(Error::Stdout)?;
    if report.complete {
        Ok(Status::Ok)
    } else {
        // A warning only: the file is written, and says so in `notes`.
        let _ = writeln!(
            stderr,
            "tlscompat: warning: the scan of {} was incomplete; suites may be missing",
            report.target
        );
        Ok(Status::Incomplete)
    }
}

fn scan(
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

/// `check`: the saved targets, judged again.
fn check(
    job: CheckJob,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let file = match job.output.as_deref() {
        Some(path) => Some((path, open_output(path)?)),
        None => None,
    };
    let (targets, cut) = crate::saved::read_all(&job.reports)?;
    let mut policy = crate::policy::verdict(&targets, &job.policy);
    crate::policy::cut_short(&mut policy, &cut);
    let how = Presentation {
        format: job.format,
        view,
    };
    write_scan(targets, policy, None, how, file, &[], stdout, stderr)
}

/// `merge`: the shards of one run as one report, judged again from their
/// rows (by the rules given, else by the rules the run saved); never by
/// the shards' own verdicts. Reports of different runs, a shard given
/// twice or missing, a target in two shards: refused (exit 2), named.
fn merge(
    job: CheckJob,
    rules: bool,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let mut saved = Vec::with_capacity(job.reports.len());
    for path in &job.reports {
        saved.push(crate::saved::read_saved(path)?);
    }
    let joined = crate::saved::join(saved)?;
    let policy = if rules {
        job.policy.clone()
    } else {
        joined
            .run
            .as_ref()
            .and_then(|r| crate::policy::Policy::from_saved(&r.policy, job.policy.now))
            .ok_or_else(|| {
                Error::Merge(
                    "no shard has its closing line with the run's rules: give the rules \
                     (--policy, --require) to judge the rows"
                        .into(),
                )
            })?
    };
    let file = match job.output.as_deref() {
        Some(path) => Some((path, open_output(path)?)),
        None => None,
    };
    let mut verdict = crate::policy::verdict(&joined.targets, &policy);
    crate::policy::cut_short(&mut verdict, &joined.cut_short);
    // Judged by other rules than the run's: no longer that run's report.
    let run = if rules { None } else { joined.run };
    let how = Presentation {
        format: job.format,
        view,
    };
    write_scan(joined.targets, verdict, run, how, file, &[], stdout, stderr)
}

/// How a scan report is written: its format and, for text and Markdown,
/// its layout.
#[derive(Clone, Copy)]
struct Presentation<'a> {
    format: ScanFormat,
    view: &'a report::View,
}

/// A scan report with its verdict, written; the reasons on stderr.
#[allow(clippy::too_many_arguments)]
fn write_scan(
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
        ScanFormat::Text => text(w, |w| report::scan::text(w, &report, view)),
        ScanFormat::Json => report::scan::json(w, &report),
        ScanFormat::Yaml => report::scan::yaml(w, &report),
        // Finished targets were streamed; the rest (not scanned), then the verdict.
        ScanFormat::Jsonl => {
            let run = report
                .run
                .as_ref()
                .map(crate::results::RunIdentity::reference);
            for (i, t) in report.targets.iter().enumerate() {
                if !written.contains(&i) {
                    report::scan::jsonl_target(w, &report.tool, run.as_ref(), t)?;
                }
            }
            report::scan::jsonl_policy(w, &report)
        }
        ScanFormat::Markdown => report::scan::markdown(w, &report, view),
        ScanFormat::Junit => report::scan::junit(w, &report),
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
    let _ = report::scan::policy_lines(stderr, &report.policy);
    Ok(status)
}

/// Writes text for people through the escape net (`escape::TerminalWriter`):
/// no control character from the data reaches the terminal or the log.
fn text(w: &mut dyn Write, print: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut net = report::escape::TerminalWriter::painting(w);
    print(&mut net)?;
    net.flush()
}

/// `what-if`: exit 1 when some profile loses an endpoint, 3 when the report
/// cannot tell, 0 when nobody loses contact.
fn what_if(
    catalog: &Catalog,
    job: WhatIfJob,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let mut targets = crate::saved::read(&job.report)?;
    if job.format == WhatIfFormat::Text {
        // The answer quotes the report's names: escaped for the terminal.
        report::escape::terminal_in_place(&mut targets);
    }
    let answer = crate::offline::whatif::what_if(&targets, &job.drop, catalog);
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        WhatIfFormat::Text => text(w, |w| report::whatif::text(w, &answer, view)),
        WhatIfFormat::Json => report::whatif::json(w, &answer),
        WhatIfFormat::Markdown => report::whatif::markdown(w, &answer),
    })?;
    Ok(match answer.status {
        crate::offline::whatif::WhatIfStatus::NoneLost => Status::Ok,
        crate::offline::whatif::WhatIfStatus::Lost => Status::Failed,
        crate::offline::whatif::WhatIfStatus::Unknown => Status::Incomplete,
    })
}

/// `plan`: the fleet scanned now (with the planned manager's offer as one
/// more client profile), read from a saved report, or taken from the
/// inventory alone; the manager as it is now scanned when given. Exit 1
/// when some agent would lose contact, 3 when none is known to but some
/// cannot be told, 0 otherwise.
fn plan(
    catalog: &Catalog,
    job: PlanJob,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let to = &job.to;
    // `--observed`: the agents and the manager seen in the captures.
    let seen = if job.observed.is_empty() {
        crate::observe::SeenFleet::default()
    } else {
        let observation =
            crate::observe::observe(&job.observed, crate::observe::Limits::default())?;
        crate::observe::SeenFleet::of(&observation, catalog)
    };
    let mut matched: Vec<std::net::IpAddr> = Vec::new();
    let (source, mut targets, to_scan) = plan_targets(job.fleet, &seen, &mut matched)?;
    let manager = plan_scan(
        to_scan,
        job.manager.as_ref(),
        &job.clients,
        &job.scan,
        source,
        &mut targets,
    )?;
    // Without a manager scanned now, the one --to's report saved is the
    // before column.
    let (manager, manager_saved) = match (manager, job.saved_manager) {
        (Some(m), _) => (Some(m), false),
        (None, Some(saved)) => (Some(*saved), true),
        (None, None) => (None, false),
    };
    let mut report = crate::offline::plan::build(crate::offline::plan::PlanInput {
        to,
        catalog,
        source,
        targets,
        manager,
        observed_manager: seen.manager.clone(),
        unlisted: seen
            .agents
            .iter()
            .filter(|a| !matched.contains(&a.address))
            .cloned()
            .collect(),
        manager_saved,
    });
    // Where the fleet came from (the manager's API), after the plan's own.
    report.notes.extend(job.notes);
    if !job.only.is_empty() {
        crate::offline::plan::keep_only(&mut report, &job.only);
    }
    // Text is laid out from the plan's strings, escaped in place first.
    let report = match job.format {
        PlanFormat::Text => report::escape::terminal_plan(report),
        _ => report,
    };
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        PlanFormat::Text => text(w, |w| report::plan::text(w, &report, view)),
        PlanFormat::Json => report::plan::json(w, &report),
        PlanFormat::Markdown => report::plan::markdown(w, &report, view),
        PlanFormat::Html => report::html::plan(w, &report),
    })?;
    Ok(match report.summary.status {
        crate::results::PolicyStatus::Passed => Status::Ok,
        crate::results::PolicyStatus::Failed => Status::Failed,
        crate::results::PolicyStatus::Incomplete => Status::Incomplete,
    })
}

/// `plan`'s targets from where the fleet came from, each with the agent a
/// capture saw at its addresses (`matched` collects those), and the
/// targets to scan now.
fn plan_targets(
    fleet: PlanFleet,
    seen: &crate::observe::SeenFleet,
    matched: &mut Vec<std::net::IpAddr>,
) -> Result<
    (
        crate::offline::plan::PlanSource,
        Vec<crate::offline::plan::PlanTarget>,
        Vec<crate::model::target::Target>,
    ),
    Error,
> {
    use crate::offline::plan::{PlanSource, PlanTarget};
    // The addresses are looked up only for agents, and only when a capture
    // was given: resolving every host name of a big inventory costs a
    // resolver round trip each (seconds apiece where names do not resolve).
    let mut observed_at =
        |role: crate::model::profile::Role, addresses: &dyn Fn() -> Vec<std::net::IpAddr>| {
            if role != crate::model::profile::Role::Agent || seen.agents.is_empty() {
                return None;
            }
            let agent = seen.agent(&addresses()).cloned();
            if let Some(a) = &agent {
                matched.push(a.address);
            }
            agent
        };
    let from_entries = |entries: Vec<crate::inputs::inventory::Entry>,
                        observed_at: &mut ObservedAt<'_>|
     -> Vec<PlanTarget> {
        entries
            .into_iter()
            .map(|e| PlanTarget {
                target: e.target.to_string(),
                role: e.target.role,
                observed: observed_at(e.target.role, &|| {
                    crate::observe::addresses_of(&e.target.host, e.target.pinned)
                }),
                expectation: e.expectation,
                scan: None,
            })
            .collect()
    };
    Ok(match fleet {
        PlanFleet::Scan(entries) => {
            let scan = entries.iter().map(|e| e.target.clone()).collect();
            (
                PlanSource::Inventory,
                from_entries(entries, &mut observed_at),
                scan,
            )
        }
        PlanFleet::Offline(entries) => (
            PlanSource::Offline,
            from_entries(entries, &mut observed_at),
            Vec::new(),
        ),
        PlanFleet::Report(path) => {
            let targets = crate::saved::read(&path)?
                .into_iter()
                .map(|t| PlanTarget {
                    target: t.target.clone(),
                    role: t.role,
                    expectation: t.inventory.clone().unwrap_or_default(),
                    observed: observed_at(t.role, &|| {
                        let mut a = crate::observe::addresses_of(&t.host, None);
                        a.extend(
                            t.address
                                .as_deref()
                                .and_then(|a| a.parse::<std::net::IpAddr>().ok()),
                        );
                        a
                    }),
                    scan: Some(t),
                })
                .collect();
            (PlanSource::Report, targets, Vec::new())
        }
    })
}

/// Scans `plan`'s targets now (the manager once, also when the inventory
/// lists it) and puts each fleet target's report in place; the manager's
/// report when one was given.
fn plan_scan(
    mut to_scan: Vec<crate::model::target::Target>,
    manager: Option<&crate::model::target::Target>,
    clients: &crate::scan::Clients,
    config: &crate::scan::ScanConfig,
    source: crate::offline::plan::PlanSource,
    targets: &mut [crate::offline::plan::PlanTarget],
) -> Result<Option<crate::results::TargetReport>, Error> {
    // The manager is scanned once, also when the inventory lists it.
    let manager_index = manager.map(|m| {
        let same = |t: &crate::model::target::Target| {
            t.host.eq_ignore_ascii_case(&m.host) && t.port == m.port
        };
        to_scan.iter().position(same).unwrap_or_else(|| {
            to_scan.push(m.clone());
            to_scan.len() - 1
        })
    });
    if to_scan.is_empty() {
        return Ok(None);
    }
    // By role: the manager is checked with every agent profile (the
    // agent-initiated leg before the switch); each agent with the
    // planned manager's offer (the manager-initiated leg after it) and
    // the shipped manager profiles, and identified among the agent
    // profiles.
    let reports = runtime()?.block_on(crate::scan::scan_many(
        to_scan,
        Arc::new(clients.clone()),
        Arc::new(config.clone()),
    ));
    let manager = manager_index.and_then(|i| reports.get(i).cloned());
    // The fleet's targets come first, in order (none when offline or
    // from a report).
    for (t, r) in targets.iter_mut().zip(reports) {
        if source == crate::offline::plan::PlanSource::Inventory {
            t.scan = Some(r);
        }
    }
    Ok(manager)
}

/// `plan --observed`: the agent a capture saw at a target's addresses
/// (looked up lazily), by role.
type ObservedAt<'a> = dyn FnMut(
        crate::model::profile::Role,
        &dyn Fn() -> Vec<std::net::IpAddr>,
    ) -> Option<crate::observe::SeenClient>
    + 'a;

/// Scans every target, streaming each finished one to `stream` when given
/// (JSON Lines), until done or until SIGINT/SIGTERM: then the targets not
/// finished are reported `not_scanned`. Returns the reports in target order
/// and the indexes already streamed.
async fn collect(
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
                    match report::scan::jsonl_target(*out, tool, Some(&run), &report) {
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

fn open_output(path: &Path) -> Result<BufWriter<File>, Error> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|source| Error::Output {
            path: path.to_path_buf(),
            source,
        })
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

fn demo(
    catalog: &Catalog,
    show: &str,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let outcome = runtime()?.block_on(crate::demo::run(catalog))?;
    text(stdout, |w| report::demo::text(w, &outcome, show, view)).map_err(Error::Stdout)?;
    Ok(if outcome.disagreements().is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn diagnose(
    catalog: &Catalog,
    job: DiagnoseJob,
    view: &report::View,
    stdout: &mut dyn Write,
) -> Result<Status, Error> {
    let shipped: Vec<&Profile> = catalog.all().collect();
    let diagnosis = runtime()?.block_on(crate::diagnose::run(&job.diagnose, &shipped));
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        DiagnoseFormat::Text => text(w, |w| {
            let escaped = report::escape::terminal_data(&diagnosis);
            report::diagnose::text(w, escaped.as_ref().unwrap_or(&diagnosis), view)
        }),
        DiagnoseFormat::Json => report::diagnose::json(w, &diagnosis),
        DiagnoseFormat::Markdown => report::diagnose::markdown(w, &diagnosis),
    })?;
    Ok(Status::from(diagnosis.status))
}

/// A multi-threaded runtime for the network commands.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// Runs the emulator until SIGINT or SIGTERM, logging to stderr: every event
/// in JSON; in text, bursts of failures from one peer folded into summaries
/// unless `--verbose`.
fn serve(job: ServeJob, stderr: &mut dyn Write) -> Result<Status, Error> {
    let written = match (&job.write_client_cert, &job.pki) {
        (Some(dir), Some(pki)) => Some(write_client_files(dir, pki)?),
        _ => None,
    };
    let format = job.format;
    // The log is best effort: a closed stderr must not stop the server.
    let log = |w: &mut dyn Write, entries: Vec<LogEntry>| {
        for entry in entries {
            let _ = match (&entry, format) {
                (LogEntry::Event(event), LogFormat::Text) => report::serve::text_line(w, event),
                (LogEntry::Event(event), LogFormat::Json) => report::serve::json_line(w, event),
                (LogEntry::Summary(summary), _) => report::serve::summary_line(w, summary),
            };
        }
    };
    let mut summarizer = (format == LogFormat::Text && !job.verbose).then(Summarizer::default);
    runtime()?.block_on(async {
        let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let emulator = Emulator::start(job.emulator.clone(), Some(tx)).await?;
        if format == LogFormat::Text {
            let _ = report::serve::banner(
                stderr,
                &job.emulator,
                &job.profile.id,
                &job.profile.name,
                written.as_deref(),
            );
        }
        let stop = shutdown_signal();
        tokio::pin!(stop);
        // Summaries fall due with time, not only with events.
        let mut ticks = tokio::time::interval(SUMMARY_TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                () = &mut stop => break,
                Some(event) = events.recv() => log(stderr, fold(&mut summarizer, event)),
                _ = ticks.tick() => {
                    if let Some(s) = &mut summarizer {
                        log(stderr, s.tick(Instant::now()));
                    }
                }
            }
        }
        emulator.shutdown().await;
        while let Ok(event) = events.try_recv() {
            log(stderr, fold(&mut summarizer, event));
        }
        if let Some(s) = &mut summarizer {
            log(stderr, s.finish(Instant::now()));
        }
        Ok(Status::Ok)
    })
}

/// What to log for one event: itself, or (when summarizing) what the
/// summarizer makes of it.
fn fold(summarizer: &mut Option<Summarizer>, event: ServeEvent) -> Vec<LogEntry> {
    match summarizer {
        Some(s) => s.event(event, Instant::now()),
        None => vec![LogEntry::Event(event)],
    }
}

/// How often the serve loop asks for due summaries.
const SUMMARY_TICK: Duration = Duration::from_millis(250);

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
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

/// `--write-client-cert DIR`: ca.pem, client.pem, client.key. Directories
/// this creates are private to the user (0700), and so is the key (0600);
/// the certificates are public (0644, less the umask).
fn write_client_files(dir: &Path, pki: &GeneratedPki) -> Result<Vec<String>, Error> {
    let write = |name: &str,
                 bytes: Result<Vec<u8>, openssl::error::ErrorStack>,
                 secret: bool|
     -> Result<String, Error> {
        let path = dir.join(name);
        let fail = |source| Error::Write {
            path: path.clone(),
            source,
        };
        let bytes = bytes.map_err(|e| fail(std::io::Error::other(e)))?;
        create_private_dir(dir).map_err(fail)?;
        write_file(&path, &bytes, secret).map_err(fail)?;
        Ok(path.display().to_string())
    };
    Ok(vec![
        write("ca.pem", pki.ca.identity.cert.to_pem(), false)?,
        write("client.pem", pki.client.cert_pem(), false)?,
        write("client.key", pki.client.key_pem(), true)?,
    ])
}

/// Creates `dir` and any missing parents, each one readable by its owner only.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path`; a `secret` file is readable by its owner only,
/// even when it existed before with wider permissions.
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // `mode` applies only to a new file: narrow an old one before writing.
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    file.write_all(bytes)?;
    file.flush()
}

/// Checks each file on its own (and ids across the files); every problem of
/// every file is one line on stderr.
fn validate(
    files: &[std::path::PathBuf],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    let mut catalog = Catalog::empty();
    let mut status = Status::Ok;
    for file in files {
        match catalog.add_file_all(file) {
            Ok(id) => writeln!(stdout, "{}: ok ({id})", file.display()).map_err(Error::Stdout)?,
            Err(errors) => {
                for e in errors {
                    // stderr failing leaves nothing else to tell the user with.
                    let _ = writeln!(stderr, "{}", report::escape::terminal(&e.to_string()));
                }
                status = Status::Invalid;
            }
        }
    }
    Ok(status)
}

fn matrix(job: MatrixJob, view: &report::View, stdout: &mut dyn Write) -> Result<Status, Error> {
    let clients: Vec<&Profile> = job.clients.iter().collect();
    let servers: Vec<&Profile> = job.servers.iter().collect();
    let m = if job.directions.is_empty() {
        Matrix::build(&clients, &servers, job.preference)
    } else {
        Matrix::directions(&clients, &servers, &job.directions, job.preference)
    };
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        MatrixFormat::Text => text(w, |w| report::matrix::text(w, &m, view)),
        MatrixFormat::Json => report::write_json(w, &report::matrix::data(&m)),
        MatrixFormat::Yaml => report::write_yaml(w, &report::matrix::data(&m)),
        MatrixFormat::Markdown => report::matrix::markdown(w, &m, view),
        MatrixFormat::Html => report::html::matrix(w, &m),
    })?;
    Ok(Status::Ok)
}

/// `observe`: the captures read, judged against the catalog, printed;
/// profiles written when asked. Exit 0 (the capture is evidence, not a
/// verdict).
fn observe(
    catalog: &Catalog,
    job: crate::commands::config::ObserveJob,
    view: &report::View,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Error> {
    use crate::cli::ObserveFormat;
    let observation = crate::observe::observe(&job.captures, crate::observe::Limits::default())?;
    let doc =
        crate::observe::ObserveReport::build(&job.captures, &observation, catalog, &job.names);
    if let Some(dir) = &job.write_profiles {
        for written in crate::observe::profiles::write(dir, &observation.groups)? {
            let line = match written {
                crate::observe::profiles::Written::File(path, id) => {
                    format!("wrote profile {id} to {}", path.display())
                }
                crate::observe::profiles::Written::Skipped(why) => {
                    format!("no profile written: {why}")
                }
            };
            writeln!(stderr, "{}", report::escape::terminal(&line)).map_err(Error::Stdout)?;
        }
    }
    write_report(job.output.as_deref(), stdout, |w| match job.format {
        ObserveFormat::Text => report::observe::text(w, &doc, view),
        ObserveFormat::Json => report::write_json(w, &doc),
        ObserveFormat::Yaml => report::write_yaml(w, &doc),
        ObserveFormat::Markdown => report::observe::markdown(w, &doc),
    })?;
    Ok(Status::Ok)
}

/// Writes a report to `-o FILE` or to stdout.
fn write_report(
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::tls::certs::KeyType;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn client_key_and_created_directories_are_private() {
        let pki = GeneratedPki::generate("modes", KeyType::Rsa).unwrap();
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        // A key left world-readable by an older run is narrowed too.
        write_client_files(&dir, &pki).unwrap();
        std::fs::set_permissions(dir.join("client.key"), PermissionsExt::from_mode(0o644)).unwrap();
        let written = write_client_files(&dir, &pki).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(mode(&dir.join("client.key")), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        let key = std::fs::read(dir.join("client.key")).unwrap();
        assert!(key.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    }
}
