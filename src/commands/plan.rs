//! `plan`: the pre-upgrade audit of a fleet: where the fleet comes from
//! (inventory, the manager's API, a saved report), the scan of it, heartbeat
//! captures, the plan written.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{PlanArgs, PlanFormat};
use crate::error::{Error, Status};
use crate::model::profile::{Catalog, Profile, Role};
use crate::model::target::Target;
use crate::report;
use crate::scan::ScanConfig;

use super::common::{clients_by_role, probe_config, read_manager, runtime, text, write_report};
use super::scan::ObservedAt;

/// Where `plan`'s fleet comes from.
#[derive(Debug)]
pub enum PlanFleet {
    /// An inventory, scanned now.
    Scan(Vec<crate::inputs::inventory::Entry>),
    /// A saved scan report.
    Report(PathBuf),
    /// An inventory judged from agent versions, not probed.
    Offline(Vec<crate::inputs::inventory::Entry>),
    /// A CSV inventory judged offline, held as its text (no capture, no
    /// manager's list, no endpoint listed twice).
    OfflineRows(Box<crate::inputs::inventory::Rows>),
}

/// `plan` with its profile resolved and its fleet read.
#[derive(Debug)]
pub struct PlanJob {
    /// The planned manager profile.
    pub to: Profile,
    /// The fleet.
    pub fleet: PlanFleet,
    /// The manager's current endpoint (`--manager`).
    pub manager: Option<Target>,
    /// Who checks and identifies each endpoint scanned: by role, with the
    /// planned manager's offer on every one.
    pub clients: crate::scan::Clients,
    /// How to probe.
    pub scan: ScanConfig,
    /// Output format.
    pub format: PlanFormat,
    /// Where the plan goes.
    pub output: Option<PathBuf>,
    /// List only agents of these verdicts (`--only`); empty: all.
    pub only: Vec<crate::cli::Fate>,
    /// The manager as a saved report showed it (`--to REPORT`): the before
    /// column when no manager is scanned now.
    pub saved_manager: Option<Box<crate::results::TargetReport>>,
    /// Notes on where the fleet came from (the manager's API), added to
    /// the plan's own.
    pub notes: Vec<String>,
    /// Packet captures of heartbeats (`--observed`).
    pub observed: Vec<PathBuf>,
}

/// What `plan --to` names.
enum Planned {
    /// A profile, by id.
    Profile(String),
    /// A saved report's manager made a profile, and that manager's report.
    Report(Box<Profile>, Box<crate::results::TargetReport>),
}

/// `--to`: a saved scan report (`.json`, `.jsonl`) is the manager as it is
/// now, made a profile of what it accepted (in its order, as far as that
/// was measured); anything else is a profile id or file.
fn planned_manager(catalog: &mut Catalog, to: &str) -> Result<Planned, Error> {
    let path = std::path::Path::new(to);
    let is_report = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "jsonl")
    );
    if !is_report {
        return Ok(Planned::Profile(catalog.resolve(to)?));
    }
    let targets = crate::inputs::saved::read(path)?;
    let manager = crate::offline::plan::manager_of(&targets)
        .map_err(|e| Error::Usage(format!("--to {to}: {e}")))?
        .clone();
    let date = time::OffsetDateTime::now_utc().date().to_string();
    let yaml = crate::scan::capture::profile_yaml(&manager, Role::Manager, None, &date)?;
    let mut profile = Profile::parse(
        &yaml,
        crate::model::profile::Origin::File(path.to_path_buf()),
    )?;
    profile.name = format!("{} as saved in {to}", manager.target);
    Ok(Planned::Report(Box::new(profile), Box::new(manager)))
}

/// `plan`'s fleet: a saved report, or the inventory file and the
/// manager's list merged (what was merged noted in `notes`, the manager's
/// own notes in `plan_notes`), to scan now or judge offline.
fn plan_fleet(
    catalog: &mut Catalog,
    args: &PlanArgs,
    notes: &mut Vec<String>,
    plan_notes: &mut Vec<String>,
) -> Result<PlanFleet, Error> {
    Ok(match (&args.inventory, &args.from) {
        (None, Some(report)) => PlanFleet::Report(report.clone()),
        (None, None) if args.api.from_manager.is_none() => {
            return Err(Error::Usage(
                "no fleet: give -i INVENTORY, --from-manager URL (with --offline to probe \
                 nothing) or --from REPORT"
                    .into(),
            ));
        }
        (Some(file), _)
            if args.offline && args.api.from_manager.is_none() && args.observed.is_empty() =>
        {
            // Nothing but the inventory: a CSV one is held as its text.
            match crate::inputs::inventory::Rows::read(
                file,
                args.inventory_format,
                Role::Agent,
                catalog,
            )
            .map_err(Error::Inventory)?
            {
                Ok(mut rows) => {
                    // Expected profiles must be known: a typo is an input error.
                    rows.resolve_profiles(|p| catalog.resolve(p))?;
                    PlanFleet::OfflineRows(Box::new(rows))
                }
                Err(entries) => PlanFleet::Offline(listed(entries, Vec::new(), catalog, notes)?),
            }
        }
        (file, _) => {
            // A plan is about agents: an inventory line without a role is one.
            let from_file = match file {
                Some(file) => crate::inputs::inventory::read(
                    file,
                    args.inventory_format,
                    Role::Agent,
                    catalog,
                )
                .map_err(Error::Inventory)?,
                None => Vec::new(),
            };
            let from_manager = match read_manager(&args.api, catalog)? {
                Some(m) => {
                    plan_notes.extend(m.notes);
                    m.fleet.entries
                }
                None => Vec::new(),
            };
            let entries = listed(from_file, from_manager, catalog, notes)?;
            if args.offline {
                PlanFleet::Offline(entries)
            } else {
                PlanFleet::Scan(entries)
            }
        }
    })
}

/// The inventory's entries and the manager's list, merged, each endpoint
/// once (what was merged noted in `notes`), their expected profiles
/// resolved.
fn listed(
    from_file: Vec<crate::inputs::inventory::Entry>,
    from_manager: Vec<crate::inputs::inventory::Entry>,
    catalog: &mut Catalog,
    notes: &mut Vec<String>,
) -> Result<Vec<crate::inputs::inventory::Entry>, Error> {
    let entries = crate::inputs::inventory::merge(from_manager, from_file);
    let (mut entries, merged) = crate::inputs::inventory::dedupe(entries)?;
    notes.extend(merged);
    // Expected profiles must be known: a typo is an input error.
    for e in &mut entries {
        for p in &mut e.expectation.expect {
            *p = catalog.resolve(p)?;
        }
    }
    Ok(entries)
}

/// `plan`: the planned manager (a profile or a saved report, less
/// `--drop`), the fleet, the manager as it is now, and how to probe.
pub(super) fn build(
    catalog: &mut Catalog,
    args: PlanArgs,
    notes: &mut Vec<String>,
) -> Result<PlanJob, Error> {
    let drops = args
        .drop
        .iter()
        .map(|d| d.parse().map_err(|e| Error::Usage(format!("--drop: {e}"))))
        .collect::<Result<Vec<crate::offline::whatif::Drop>, Error>>()?;
    let planned = planned_manager(catalog, &args.to)?;
    let manager = match &args.manager {
        Some(m) => {
            // The agent's manager URL as it is pasted: dsm://HOST:PORT/.
            let m = m
                .strip_prefix("dsm://")
                .map(|m| m.trim_end_matches('/'))
                .unwrap_or(m);
            Some(Target::parse(m, Role::Manager).map_err(Error::Target)?)
        }
        None => None,
    };
    let mut plan_notes = Vec::new();
    let fleet = plan_fleet(catalog, &args, notes, &mut plan_notes)?;
    // Built once every argument is resolved (a later file may replace it).
    let (to, saved_manager) = match planned {
        Planned::Profile(id) => (
            catalog
                .built(std::slice::from_ref(&id))?
                .pop()
                .ok_or_else(|| Error::Usage(format!("no profile {id}")))?,
            None,
        ),
        Planned::Report(p, m) => (*p, Some(m)),
    };
    let to = crate::offline::plan::with_drops(to, &drops)
        .map_err(|e| Error::Usage(format!("--to {} --drop: {e}", args.to)))?;
    if let Some(server) = saved_manager.as_ref().and_then(|m| m.server.as_ref()) {
        plan_notes.push(format!(
            "--to {}: the manager as saved ({}), {}{}",
            args.to,
            saved_manager.as_ref().map_or("", |m| m.target.as_str()),
            if server.probed.all_suites {
                "every registered suite probed"
            } else {
                "what it accepted among the suites probed (the profiles' suites; --all-suites probes every one)"
            },
            if drops.is_empty() {
                String::new()
            } else {
                format!(
                    ", without {}",
                    drops.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                )
            }
        ));
    }
    let clients = clients_by_role(catalog, &[], &[])?.with(&to);
    Ok(PlanJob {
        to,
        fleet,
        manager,
        clients,
        scan: probe_config(&args.probe)?,
        format: args.format,
        output: args.output,
        only: args.only,
        notes: plan_notes,
        saved_manager,
        observed: args.observed,
    })
}

/// `plan`: the fleet scanned now (with the planned manager's offer as one
/// more client profile), read from a saved report, or taken from the
/// inventory alone; the manager as it is now scanned when given. Exit 1
/// when some agent would lose contact, 3 when none is known to but some
/// cannot be told, 0 otherwise.
pub(super) fn run(
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
        targets.held_mut(),
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
        PlanFormat::Text => text(w, |w| report::text::plan::text(w, &report, view)),
        PlanFormat::Json => report::json::plan(w, &report),
        PlanFormat::Markdown => report::markdown::plan::markdown(w, &report, view),
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
        crate::offline::plan::PlanTargets,
        Vec<crate::model::target::Target>,
    ),
    Error,
> {
    use crate::offline::plan::{PlanSource, PlanTarget, PlanTargets};
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
     -> PlanTargets {
        let targets: Vec<PlanTarget> = entries
            .into_iter()
            .map(|e| {
                let observed = observed_at(e.target.role, &|| {
                    crate::observe::addresses_of(&e.target.host, e.target.pinned)
                })
                .map(Box::new);
                PlanTarget {
                    observed,
                    ..PlanTarget::listed(e)
                }
            })
            .collect();
        targets.into()
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
        PlanFleet::OfflineRows(rows) => (PlanSource::Offline, PlanTargets::Rows(rows), Vec::new()),
        PlanFleet::Report(path) => (
            PlanSource::Report,
            report_targets(&path, &mut observed_at)?.into(),
            Vec::new(),
        ),
    })
}

/// `plan --from REPORT`: the saved report's targets, each with its scan
/// and the agent a capture saw at its addresses.
fn report_targets(
    path: &std::path::Path,
    observed_at: &mut ObservedAt<'_>,
) -> Result<Vec<crate::offline::plan::PlanTarget>, Error> {
    Ok(crate::inputs::saved::read(path)?
        .into_iter()
        .map(|t| crate::offline::plan::PlanTarget {
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
            })
            .map(Box::new),
            scan: Some(Box::new(t)),
        })
        .collect())
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
            t.scan = Some(Box::new(r));
        }
    }
    Ok(manager)
}
