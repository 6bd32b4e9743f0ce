//! Raw command-line values, validated into what a run needs.
//!
//! Everything that can be wrong with the input is found here, before any work
//! starts: unknown profiles (with suggestions), unreadable or invalid profile
//! files. The result is a `Config` whose parts are ready to use. The fleet
//! of `--from-manager` is read here too, from the manager's API: it is an
//! input like `-i`, and a failure to read it is an input error (exit 2).

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{
    CaptureArgs, CheckArgs, Cli, ColorChoice, Command, DataFormat, DiagnoseArgs, DiagnoseFormat,
    LogFormat, ManagerApiArgs, MatrixArgs, MatrixFormat, PlanArgs, PlanFormat, PolicyArgs,
    ProfilesCommand, RoleArg, ScanArgs, ScanFormat, ServeArgs, WhatIfArgs, WhatIfFormat,
};
use crate::diagnose::DiagnoseConfig;
use crate::error::Error;
use crate::model::negotiate::Preference;
use crate::model::profile::{Catalog, Profile, Role};
use crate::model::target::{self, Target, TargetError};
use crate::policy::{Policy, Rule};
use crate::probe::Limits;
use crate::probe::handshake::ClientIdentity;
use crate::scan::ScanConfig;
use crate::serve::{ClientAuth, EmulatorConfig, GeneratedPki, Latency, ServeError, ServerSpec};
use crate::tls::certs::{self, Identity};

/// A validated run.
#[derive(Debug)]
pub struct Config {
    /// Shipped profiles plus the user's.
    pub catalog: Catalog,
    /// Whether text output is colored.
    pub color: bool,
    /// How text and Markdown reports are laid out: width, suite names,
    /// details.
    pub view: crate::report::View,
    /// What to do.
    pub job: Job,
    /// Things worth a line on stderr before the job runs (rows of an
    /// inventory merged, …).
    pub notes: Vec<String>,
}

/// What to do, with its inputs resolved.
#[derive(Debug)]
pub enum Job {
    /// `profiles list`.
    ProfilesList {
        /// Output format.
        format: DataFormat,
    },
    /// `profiles show`.
    ProfilesShow {
        /// The profile.
        profile: Box<Profile>,
        /// Output format.
        format: DataFormat,
    },
    /// `profiles validate`.
    ProfilesValidate {
        /// Files to check.
        files: Vec<PathBuf>,
    },
    /// `diagnose`.
    Diagnose(Box<DiagnoseJob>),
    /// `merge`: `check` that keeps the saved verdicts when no rule is given.
    Merge {
        /// The reports, the rules and the output.
        job: CheckJob,
        /// Whether rules were given (then they are applied again).
        rules: bool,
    },
    /// `matrix`.
    Matrix(MatrixJob),
    /// `serve`.
    Serve(Box<ServeJob>),
    /// `scan`.
    Scan(Box<ScanJob>),
    /// `check`.
    Check(CheckJob),
    /// `what-if`.
    WhatIf(WhatIfJob),
    /// `plan`.
    Plan(Box<PlanJob>),
    /// `schema NAME`.
    Schema {
        /// Which schema.
        name: crate::schema::SchemaName,
    },
    /// `profiles capture`.
    ProfilesCapture(CaptureJob),
    /// `observe`.
    Observe(ObserveJob),
    /// `completions SHELL`.
    Completions {
        /// The shell the script is for.
        shell: crate::cli::CompletionShell,
    },
    /// `man`.
    Man,
    /// `demo`.
    Demo {
        /// The emulated profile whose full report is printed.
        show: String,
    },
}

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

/// Where `plan`'s fleet comes from.
#[derive(Debug)]
pub enum PlanFleet {
    /// An inventory, scanned now.
    Scan(Vec<crate::inputs::inventory::Entry>),
    /// A saved scan report.
    Report(PathBuf),
    /// An inventory judged from agent versions, not probed.
    Offline(Vec<crate::inputs::inventory::Entry>),
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

/// `diagnose` with its targets parsed and profiles loaded.
#[derive(Debug)]
pub struct DiagnoseJob {
    /// What to diagnose.
    pub diagnose: DiagnoseConfig,
    /// Output format.
    pub format: DiagnoseFormat,
    /// Where the diagnosis goes.
    pub output: Option<PathBuf>,
}

/// `check` with its policy loaded.
#[derive(Debug)]
pub struct CheckJob {
    /// Saved reports to read.
    pub reports: Vec<PathBuf>,
    /// The rules.
    pub policy: Policy,
    /// Output format.
    pub format: ScanFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

/// `what-if` with its drops parsed.
#[derive(Debug)]
pub struct WhatIfJob {
    /// The saved report.
    pub report: PathBuf,
    /// What the endpoints would stop accepting.
    pub drop: Vec<crate::offline::whatif::Drop>,
    /// Output format.
    pub format: WhatIfFormat,
    /// Where the answer goes.
    pub output: Option<PathBuf>,
}

/// `observe` with its inventory read.
#[derive(Debug)]
pub struct ObserveJob {
    /// The capture files.
    pub captures: Vec<PathBuf>,
    /// Hosts named from the inventory.
    pub names: crate::observe::Names,
    /// Where to write profiles.
    pub write_profiles: Option<PathBuf>,
    /// Output format.
    pub format: crate::cli::ObserveFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

/// `profiles capture` with its target parsed.
#[derive(Debug)]
pub struct CaptureJob {
    /// The endpoint.
    pub target: Target,
    /// The file to write.
    pub output: PathBuf,
    /// The profile id, when given.
    pub id: Option<String>,
    /// How to probe (`all_suites` is set by the capture itself).
    pub scan: ScanConfig,
}

/// `serve` with its certificates loaded or generated.
#[derive(Debug)]
pub struct ServeJob {
    /// The profile served.
    pub profile: Profile,
    /// The emulator, ready to start.
    pub emulator: EmulatorConfig,
    /// The generated CA and client certificate, when one was made.
    pub pki: Option<GeneratedPki>,
    /// Where to write the client certificate, if asked.
    pub write_client_cert: Option<PathBuf>,
    /// Log format.
    pub format: LogFormat,
    /// One text line per failed handshake instead of summaries.
    pub verbose: bool,
}

/// `matrix` with profiles resolved.
#[derive(Debug)]
pub struct MatrixJob {
    /// Client profiles.
    pub clients: Vec<Profile>,
    /// Server profiles (with `directions`: the manager side).
    pub servers: Vec<Profile>,
    /// The channel directions to pair (agents with managers, both ways);
    /// empty when the client and server lists were given.
    pub directions: Vec<crate::results::Leg>,
    /// Whose order decides.
    pub preference: Preference,
    /// Output format.
    pub format: MatrixFormat,
    /// Where the report goes.
    pub output: Option<PathBuf>,
}

impl Config {
    /// Validates the command line.
    pub fn from_cli(cli: Cli) -> Result<Config, Error> {
        let mut catalog = Catalog::builtin()?;
        for dir in &cli.profiles_dir {
            catalog.add_dir(dir)?;
        }
        let view = match &cli.command {
            Command::Scan(a) => Some(&a.view),
            Command::Check(a) | Command::Merge(a) => Some(&a.view),
            _ => None,
        };
        let only = crate::results::Fates::of(view.map_or(&[], |v| &v.only));
        let (openssl_names, details) = match (&cli.command, view) {
            (_, Some(v)) => (v.openssl_names, v.details),
            (Command::Matrix(a), _) => (a.openssl_names, false),
            (Command::Demo(a), _) => (a.openssl_names, false),
            // `--only` chose the agents to list: list them all.
            (Command::Plan(a), _) => (false, a.details || !a.only.is_empty()),
            _ => (false, false),
        };
        let mut notes = Vec::new();
        let (job, to_file) = build_job(&mut catalog, cli.command, &mut notes)?;
        Ok(Config {
            catalog,
            color: use_color(cli.color, to_file),
            view: crate::report::View {
                width: text_width(to_file),
                names: if openssl_names {
                    crate::report::SuiteNames::Openssl
                } else {
                    crate::report::SuiteNames::Iana
                },
                details,
                only,
            },
            job,
            notes,
        })
    }
}

/// The job a command asks for, built and validated, and whether its
/// report goes to a file (`-o`).
fn build_job(
    catalog: &mut Catalog,
    command: Command,
    notes: &mut Vec<String>,
) -> Result<(Job, bool), Error> {
    Ok(match command {
        Command::Profiles(ProfilesCommand::List { format }) => {
            (Job::ProfilesList { format }, false)
        }
        Command::Profiles(ProfilesCommand::Show { id, format }) => {
            let id = catalog.resolve(&id)?;
            let profile = Box::new(catalog.built_one(&id)?);
            (Job::ProfilesShow { profile, format }, false)
        }
        Command::Profiles(ProfilesCommand::Validate { files }) => {
            (Job::ProfilesValidate { files }, false)
        }
        Command::Profiles(ProfilesCommand::Capture(args)) => {
            (Job::ProfilesCapture(capture_job(args)?), false)
        }
        Command::Schema(args) => (Job::Schema { name: args.name }, false),
        Command::Completions(args) => (Job::Completions { shell: args.shell }, false),
        Command::Man => (Job::Man, false),
        Command::Matrix(args) => {
            let to_file = args.output.is_some();
            (Job::Matrix(matrix_job(catalog, args)?), to_file)
        }
        Command::Serve(args) => (Job::Serve(Box::new(serve_job(catalog, args)?)), false),
        Command::Scan(args) => {
            let to_file = args.output.is_some();
            (
                Job::Scan(Box::new(scan_job(catalog, *args, notes)?)),
                to_file,
            )
        }
        Command::Diagnose(args) => {
            let to_file = args.output.is_some();
            (
                Job::Diagnose(Box::new(diagnose_job(catalog, args)?)),
                to_file,
            )
        }
        Command::Check(args) => {
            let to_file = args.output.is_some();
            (Job::Check(check_job(catalog, args)?), to_file)
        }
        Command::Merge(args) => {
            let to_file = args.output.is_some();
            let rules = !args.policy.require.is_empty()
                || args.policy.policy.is_some()
                || !args.policy.forbid_versions.is_empty()
                || !args.policy.forbid_suites.is_empty();
            let job = check_job(catalog, args)?;
            (Job::Merge { job, rules }, to_file)
        }
        Command::Plan(args) => {
            let to_file = args.output.is_some();
            (
                Job::Plan(Box::new(plan_job(catalog, args, notes)?)),
                to_file,
            )
        }
        Command::WhatIf(args) => {
            let to_file = args.output.is_some();
            (Job::WhatIf(what_if_job(args)?), to_file)
        }
        Command::Observe(args) => {
            let to_file = args.output.is_some();
            (Job::Observe(observe_job(catalog, args)?), to_file)
        }
        Command::Demo(args) => (
            Job::Demo {
                show: catalog.resolve(&args.show)?,
            },
            false,
        ),
    })
}

fn matrix_job(catalog: &mut Catalog, args: MatrixArgs) -> Result<MatrixJob, Error> {
    let resolve_all = |catalog: &mut Catalog, args: &[String]| -> Result<Vec<String>, Error> {
        args.iter()
            .map(|a| catalog.resolve(a).map_err(Error::from))
            .collect()
    };
    let mut clients = resolve_all(catalog, &args.clients)?;
    let mut servers = resolve_all(catalog, &args.servers)?;
    let ids = |catalog: &Catalog, role| {
        catalog
            .with_role(role)
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    };
    // Neither list: the channel's directions, agents with managers.
    let directions = if clients.is_empty() && servers.is_empty() {
        use crate::cli::MatrixDirection as D;
        use crate::results::Leg;
        match args.direction.unwrap_or(D::Both) {
            D::AgentInitiated => vec![Leg::AgentInitiated],
            D::ManagerInitiated => vec![Leg::ManagerInitiated],
            D::Both => vec![Leg::AgentInitiated, Leg::ManagerInitiated],
        }
    } else {
        Vec::new()
    };
    if clients.is_empty() {
        clients = ids(catalog, Role::Agent);
    }
    if servers.is_empty() {
        servers = ids(catalog, Role::Manager);
        servers.extend(ids(catalog, Role::Relay));
    }
    // `--client dsa-11 --client dsa-12` names one profile twice.
    dedup(&mut clients);
    dedup(&mut servers);
    Ok(MatrixJob {
        clients: catalog.built(&clients)?,
        servers: catalog.built(&servers)?,
        directions,
        preference: if args.client_preference {
            Preference::Client
        } else {
            Preference::Server
        },
        format: args.format,
        output: args.output,
    })
}

fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Manager => Role::Manager,
        RoleArg::Agent => Role::Agent,
        RoleArg::Relay => Role::Relay,
    }
}

fn capture_job(args: CaptureArgs) -> Result<CaptureJob, Error> {
    let role = role(args.role);
    if let Some(id) = &args.id {
        let plain = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !plain {
            return Err(Error::Usage(format!(
                "invalid --id {id:?}: a profile id is letters, digits, '.', '_' and '-'"
            )));
        }
    }
    Ok(CaptureJob {
        target: Target::parse(&args.target, role).map_err(Error::Target)?,
        output: args.output,
        id: args.id,
        scan: ScanConfig {
            all_suites: true,
            limits: Limits {
                timeout: args.timeout,
                ..Limits::default()
            },
            ..ScanConfig::default()
        },
    })
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
fn scan_job(
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
    let targets = crate::saved::read(path)?;
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

/// Role-aware clients ([`crate::scan::Clients::by_role`]): `given` (`-p`)
/// or the role's defaults, plus `also` on every target; identification
/// among the profiles of the target's role.
fn clients_by_role(
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

/// `--client-cert` and `--client-key`, loaded (clap requires both or
/// neither).
fn client_identity(
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

/// The probing half of a scan's configuration, the same for every command
/// that probes.
fn probe_config(args: &crate::cli::ProbeArgs) -> Result<ScanConfig, Error> {
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
fn build_policy(catalog: &mut Catalog, args: &PolicyArgs) -> Result<Policy, Error> {
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

fn check_job(catalog: &mut Catalog, args: CheckArgs) -> Result<CheckJob, Error> {
    Ok(CheckJob {
        policy: build_policy(catalog, &args.policy)?,
        reports: args.reports,
        format: args.format,
        output: args.output,
    })
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
            let entries = crate::inputs::inventory::merge(from_manager, from_file);
            let (mut entries, merged) = crate::inputs::inventory::dedupe(entries)?;
            notes.extend(merged);
            // Expected profiles must be known: a typo is an input error.
            for e in &mut entries {
                for p in &mut e.expectation.expect {
                    *p = catalog.resolve(p)?;
                }
            }
            if args.offline {
                PlanFleet::Offline(entries)
            } else {
                PlanFleet::Scan(entries)
            }
        }
    })
}

/// `plan`: the planned manager (a profile or a saved report, less
/// `--drop`), the fleet, the manager as it is now, and how to probe.
fn plan_job(
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

fn observe_job(catalog: &Catalog, args: crate::cli::ObserveArgs) -> Result<ObserveJob, Error> {
    let from_file = match &args.inventory {
        Some(file) => {
            crate::inputs::inventory::read(file, args.inventory_format, Role::Agent, catalog)
                .map_err(Error::Inventory)?
        }
        None => Vec::new(),
    };
    // The manager's computer list names hosts too (the file adds or
    // overrides, as for scan and plan).
    let from_manager = read_manager(&args.api, catalog)?.map(|m| m.fleet.entries);
    let entries = crate::inputs::inventory::merge(from_manager.unwrap_or_default(), from_file);
    let names = crate::observe::names_from_inventory(&entries);
    Ok(ObserveJob {
        captures: args.captures,
        names,
        write_profiles: args.write_profiles,
        format: args.format,
        output: args.output,
    })
}

/// The fleet read from the manager's API, and what to say about it.
struct FromManager {
    fleet: crate::inputs::manager_api::ManagerFleet,
    /// What was read, the console's TLS, warnings: for a report's notes.
    notes: Vec<String>,
}

/// What the manager's console certificate is checked against:
/// `--api-ca`, the system's roots, or nothing (`--api-insecure`).
fn api_trust(args: &ManagerApiArgs) -> Result<crate::inputs::manager_api::Trust, Error> {
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
fn read_manager(args: &ManagerApiArgs, catalog: &Catalog) -> Result<Option<FromManager>, Error> {
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

fn what_if_job(args: WhatIfArgs) -> Result<WhatIfJob, Error> {
    let drop = args
        .drop
        .iter()
        .map(|d| d.parse().map_err(|e| Error::Usage(format!("--drop: {e}"))))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(WhatIfJob {
        report: args.report,
        drop,
        format: args.format,
        output: args.output,
    })
}

fn serve_job(catalog: &mut Catalog, args: ServeArgs) -> Result<ServeJob, Error> {
    let id = catalog.resolve(&args.profile)?;
    let profile = catalog.built_one(&id)?;
    let listen = listen_addr(args.listen.as_deref(), profile.role)?;
    let own_identity = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(Identity::load(cert, key).map_err(ServeError::from)?),
        _ => None,
    };
    let needs_ca = args.require_client_cert && args.ca.is_none();
    let pki = if own_identity.is_none() || needs_ca || args.write_client_cert.is_some() {
        Some(GeneratedPki::generate(&id, args.key_type).map_err(ServeError::from)?)
    } else {
        None
    };
    let identity = match (own_identity, &pki) {
        (Some(identity), _) => identity,
        (None, Some(pki)) => pki.server.clone(),
        (None, None) => unreachable!("a PKI is generated when no certificate is given"),
    };
    let client_auth = match (&args.ca, &pki) {
        _ if !args.require_client_cert => ClientAuth::None,
        (Some(ca), _) => ClientAuth::Require(certs::load_certs(ca).map_err(ServeError::from)?),
        (None, Some(pki)) => ClientAuth::Require(vec![pki.ca.identity.cert.clone()]),
        (None, None) => unreachable!("a PKI is generated when no CA is given"),
    };
    let mut spec = ServerSpec::from_profile(&profile);
    spec.server_preference = !args.client_preference;
    Ok(ServeJob {
        profile,
        emulator: EmulatorConfig {
            client_auth,
            latency: args.latency.map(Latency::new),
            limits: crate::serve::Limits {
                max_per_peer: usize::from(args.max_per_source),
                ..crate::serve::Limits::default()
            },
            ..EmulatorConfig::new(&id, spec, identity, listen)
        },
        pki,
        write_client_cert: args.write_client_cert,
        format: args.format,
        verbose: args.verbose,
    })
}

/// Drops repeated ids, keeping the first of each in place.
fn dedup(ids: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
}

/// `--listen`: `HOST:PORT`, `[IPv6]:PORT`, an IP or host alone (the role's
/// port), or a port alone (on 127.0.0.1). Port 0 picks a free port.
fn listen_addr(arg: Option<&str>, role: Role) -> Result<SocketAddr, Error> {
    let Some(arg) = arg else {
        return Ok(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            role.default_port(),
        ));
    };
    let (host, port) = target::parse_listen(arg, role).map_err(Error::Target)?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    (host.as_str(), port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            Error::Target(TargetError {
                input: arg.to_string(),
                context: target::Context::Listen,
                part: Some(("host", host.clone())),
                why: "the host name does not resolve",
            })
        })
}

/// `--color auto` colors only a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The width text reports are laid out for: the terminal's when standard
/// output is one (and the report goes there), else `COLUMNS` when it is a
/// number, else 80; never less than 40.
fn text_width(to_file: bool) -> usize {
    use crate::report::layout::{DEFAULT_WIDTH, MIN_WIDTH};
    let terminal = (!to_file && std::io::stdout().is_terminal())
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|c| *c > 0)
    };
    terminal
        .or_else(columns)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

fn diagnose_job(catalog: &mut Catalog, args: DiagnoseArgs) -> Result<DiagnoseJob, Error> {
    // The agent's manager URL as it is pasted: dsm://HOST:PORT/.
    let manager = args
        .manager
        .strip_prefix("dsm://")
        .map(|m| m.trim_end_matches('/'))
        .unwrap_or(&args.manager);
    let manager = Target::parse(manager, Role::Manager).map_err(Error::Target)?;
    let (id, caveat) = match (&args.profile, &args.agent_version) {
        (Some(p), _) => (catalog.resolve(p)?, None),
        (None, Some(v)) => {
            let mapped = crate::model::agent_version::profile_for(catalog, v)
                .map_err(|e| Error::Usage(e.to_string()))?;
            (mapped.profile, mapped.caveat)
        }
        (None, None) => {
            return Err(Error::Usage(
                "give --as PROFILE or --agent-version V".into(),
            ));
        }
    };
    // An agent version maps to a shipped id, which a user file may have
    // replaced or (with an id of its own) not: resolved like `--as`.
    let profile = catalog.built_one(&id)?;
    let agent = match &args.agent {
        Some(a) => Some(Target::parse(a, Role::Agent).map_err(Error::Target)?),
        None => None,
    };
    let manager_profile = match &args.manager_profile {
        Some(p) => {
            let id = catalog.resolve(p)?;
            Some(catalog.built_one(&id)?)
        }
        None => None,
    };
    Ok(DiagnoseJob {
        diagnose: DiagnoseConfig {
            manager,
            profile,
            caveat,
            agent,
            manager_profile,
            console_port: args.console_port,
            scan: ScanConfig {
                limits: Limits {
                    timeout: args.timeout,
                    ..Limits::default()
                },
                identity: client_identity(args.client_cert.as_deref(), args.client_key.as_deref())?,
                ..ScanConfig::default()
            },
        },
        format: args.format,
        output: args.output,
    })
}

/// Seconds since the Unix epoch: the time certificates are judged at.
fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
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
