//! Saved reports, read back: `check` and `what-if` judge what a scan wrote
//! without the network.
//!
//! A file holds either one `scan --format json` document or the lines of
//! `scan --format jsonl` (one target object per line, then a
//! `{"policy": …}` line, which is ignored: the verdict is computed again).
//! Every object must carry a `schema_version` this build reads: its own, or
//! an older one down to `OLDEST_READABLE_SCHEMA_VERSION` (2, whose profiles
//! say their verdict with the booleans `compatible` and `conclusive` alone:
//! read as `verdict`, then judged against the evidence like any other).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::results::{
    OLDEST_READABLE_SCHEMA_VERSION, RunIdentity, RunRef, SCHEMA_VERSION, ScanReport, ShardOf,
    TargetReport,
};

/// Why saved reports cannot be used (exit 2, an input error).
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// A saved report that cannot be read or is not a tlscompat report
    /// (`check`, `merge`, `what-if`, `plan --from`).
    #[error("{}: {message}", path.display())]
    Report {
        /// The file.
        path: PathBuf,
        /// What is wrong (file and server text in it already escaped).
        message: String,
    },
    /// Reports that `merge` will not join.
    #[error("merge: {0}")]
    Merge(#[from] MergeError),
}

/// Why `merge` will not join the reports it was given: they are not the
/// shards of one run, each once.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no report given")]
    NoReport,
    /// A report without a run identity.
    #[error(
        "{} names no run (it was not written by `scan` of this version, or was edited): \
         merge joins the shards of one run; `check` judges any reports together",
        .0.display()
    )]
    NoRun(PathBuf),
    /// Two reports of different runs.
    #[error(
        "{} and {} come from different runs ({differences}): merge joins the shards of one run; \
         `check` judges reports of different runs together",
        first.display(),
        other.display()
    )]
    DifferentRuns {
        /// The first report.
        first: PathBuf,
        /// A report of another run.
        other: PathBuf,
        /// How the runs differ.
        differences: String,
    },
    /// A whole run given with a shard of it, or twice.
    #[error(
        "{} is a whole run and {} is {}: each shard once",
        whole.display(),
        other.display(),
        match other_shard {
            Some(k) => format!("shard {k} of it"),
            None => "the same run again".into(),
        }
    )]
    WholeAndPart {
        /// The whole run's report.
        whole: PathBuf,
        /// Another report of it.
        other: PathBuf,
        /// Which shard the other is, if one.
        other_shard: Option<ShardOf>,
    },
    /// Shards of different splits (`--shard 1/2` and `--shard 1/3`).
    #[error(
        "{} is shard {shard} and {} shard {first_shard}: shards of different splits",
        path.display(),
        first.display()
    )]
    DifferentSplits {
        /// The report.
        path: PathBuf,
        /// Its shard.
        shard: ShardOf,
        /// The first report.
        first: PathBuf,
        /// The first report's shard.
        first_shard: ShardOf,
    },
    /// One shard given twice.
    #[error("shard {shard} given twice: {} and {}", first.display(), second.display())]
    ShardTwice {
        /// The shard.
        shard: ShardOf,
        /// One report.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// Shards missing.
    #[error(
        "shard{} {} missing (given: {})",
        if missing.len() == 1 { "" } else { "s" },
        missing.join(", "),
        given.join(", ")
    )]
    ShardsMissing {
        /// The missing shards, `K/N`.
        missing: Vec<String>,
        /// The shards given, `K/N FILE`.
        given: Vec<String>,
    },
    /// One target in two reports.
    #[error("target {target} ({role}) is in {} and in {}", first.display(), second.display())]
    TargetTwice {
        /// The target, escaped for a terminal.
        target: String,
        /// Its role.
        role: crate::model::profile::Role,
        /// One report.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// No rules to judge the rows with.
    #[error(
        "no shard has its closing line with the run's rules: give the rules \
         (--policy, --require) to judge the rows"
    )]
    NoRules,
}

/// Every target of the report in `path`, in the file's order.
pub fn read(path: &Path) -> Result<Vec<TargetReport>, SavedError> {
    read_saved(path).map(|s| s.targets)
}

/// The targets of one report's text; the error is a message for people.
pub fn parse(text: &str) -> Result<Vec<TargetReport>, String> {
    parse_saved(text, Path::new("-")).map(|s| s.targets)
}

/// One saved report, read whole: its targets, what identifies its run, and
/// whether it is whole.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The file.
    pub path: PathBuf,
    /// Its targets, in order.
    pub targets: Vec<TargetReport>,
    /// The run identity of the document or of the closing line.
    pub run: Option<RunIdentity>,
    /// The run (and shard) the JSON Lines target lines name.
    pub run_ref: Option<RunRef>,
    /// A JSON document, or JSON Lines that end in their closing (policy)
    /// line. JSON Lines without it were cut short: the run was killed, ran
    /// out of memory or timed out, and targets may be missing.
    pub closed: bool,
}

impl Saved {
    /// The run's id, from the closing line or the target lines.
    pub fn run_id(&self) -> Option<&str> {
        self.run
            .as_ref()
            .map(|r| r.id.as_str())
            .or(self.run_ref.as_ref().map(|r| r.id.as_str()))
    }

    /// The shard, from the closing line or the target lines.
    pub fn shard(&self) -> Option<ShardOf> {
        match &self.run {
            Some(r) => r.shard,
            None => self.run_ref.as_ref().and_then(|r| r.shard),
        }
    }
}

/// The targets, run identity and wholeness of one report's text; the error
/// is a message for people.
pub fn parse_saved(text: &str, path: &Path) -> Result<Saved, String> {
    parse_values(
        serde_json::Deserializer::from_str(text).into_iter::<Box<RawValue>>(),
        path,
    )
}

/// What says which kind of object a report's value is, read without
/// keeping its content (a whole report's targets are skipped, not built).
#[derive(Deserialize)]
struct Head {
    schema_version: Option<Value>,
    targets: Option<IgnoredAny>,
    target: Option<IgnoredAny>,
    policy: Option<IgnoredAny>,
}

/// The `run` of a JSON Lines target line.
#[derive(Deserialize)]
struct LineRun {
    run: Option<RunRef>,
}

/// The `run` of a JSON Lines closing line.
#[derive(Deserialize)]
struct ClosingRun {
    run: Option<RunIdentity>,
}

/// A report read from a stream of JSON values. Each value is held as its
/// text only until it is built into targets: a report costs its largest
/// value's text and the targets built (about twice the file at most), not
/// a tree of every value (about eight times).
fn parse_values(
    values: impl Iterator<Item = Result<Box<RawValue>, serde_json::Error>>,
    path: &Path,
) -> Result<Saved, String> {
    let mut saved = Saved {
        path: path.to_path_buf(),
        targets: Vec::new(),
        run: None,
        run_ref: None,
        closed: false,
    };
    let mut documents = 0;
    // One pretty document and JSON Lines are both a stream of values.
    for raw in values {
        let raw = raw.map_err(|e| {
            if e.is_io() {
                let e = crate::base::input::InputError::from(std::io::Error::from(e));
                return format!("cannot read: {e}");
            }
            format!(
                "not a tlscompat report: invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            )
        })?;
        documents += 1;
        read_value(&mut saved, raw, documents)?;
    }
    if documents == 0 {
        return Err("not a tlscompat report: the file is empty".into());
    }
    if let (Some(r), Some(line)) = (&saved.run, &saved.run_ref) {
        if r.id != line.id || r.shard != line.shard {
            return Err("the closing line names another run or shard than the target lines".into());
        }
    }
    for t in &saved.targets {
        contradiction(t)?;
    }
    if let Some(r) = &saved.run {
        if saved.closed && r.targets != saved.targets.len() {
            return Err(format!(
                "holds {} targets, but its run identity says {}: the report was edited",
                saved.targets.len(),
                r.targets
            ));
        }
    }
    Ok(saved)
}

/// One value of a saved report (a whole report, a target line or the
/// closing line), added to `saved`; `documents` counts it, for messages.
fn read_value(saved: &mut Saved, raw: Box<RawValue>, documents: usize) -> Result<(), String> {
    let text = raw.get();
    if !text.trim_start().starts_with('{') {
        return Err("not a tlscompat report: expected a JSON object".into());
    }
    let head: Head =
        serde_json::from_str(text).map_err(|e| format!("not a tlscompat report: {e}"))?;
    match head.schema_version.as_ref().and_then(Value::as_u64) {
        Some(v)
            if (u64::from(OLDEST_READABLE_SCHEMA_VERSION)..=u64::from(SCHEMA_VERSION))
                .contains(&v) => {}
        Some(v) => {
            return Err(format!(
                "schema_version {v} is not supported (this tlscompat reads schema_version {OLDEST_READABLE_SCHEMA_VERSION} to {SCHEMA_VERSION}; scan again with this version)"
            ));
        }
        None => return Err("not a tlscompat report: no schema_version".into()),
    }
    let shape = |e: serde_json::Error| format!("not a tlscompat scan report: {e}");
    let run = |saved: &mut Saved, run: Option<RunIdentity>| -> Result<(), String> {
        match (&saved.run, run) {
            (Some(a), Some(b)) if a.id != b.id => {
                Err("the file holds reports of different runs: merge the files, not their concatenation".into())
            }
            (_, Some(b)) => {
                saved.run = Some(b);
                Ok(())
            }
            (_, None) => Ok(()),
        }
    };
    if head.targets.is_some() {
        let report: ScanReport = serde_json::from_str(text).map_err(shape)?;
        drop(raw);
        saved.targets.extend(report.targets);
        run(saved, report.run)?;
        saved.closed = true;
    } else if head.target.is_some() {
        let line_run = serde_json::from_str::<LineRun>(text).map_err(shape)?.run;
        match (&saved.run_ref, line_run) {
            (Some(a), Some(b)) if *a != b => {
                return Err(format!(
                    "target lines of different runs or shards in one file (line {documents})"
                ));
            }
            (None, Some(b)) => saved.run_ref = Some(b),
            _ => {}
        }
        saved
            .targets
            .push(serde_json::from_str(text).map_err(shape)?);
        saved.closed = false;
    } else if head.policy.is_some() {
        // The closing line. Its verdict is never read: the rows are
        // judged again.
        let line_run = serde_json::from_str::<ClosingRun>(text).map_err(shape)?.run;
        run(saved, line_run)?;
        saved.closed = true;
    } else {
        return Err(
            "not a tlscompat scan report: an object with neither targets, target nor policy".into(),
        );
    }
    Ok(())
}

/// A report is evidence, not a claim: a profile saved as compatible must
/// be what its own evidence says, as the scan derives it (see
/// `scan::checks::profiles`): conclusive, with no reason against it, an
/// agreement (`negotiated`) at a version and with a suite the endpoint
/// accepted and that the profile has in common with it (`mutual`), on an
/// endpoint that was scanned, and no failed handshake. A profile that says
/// it is conclusive while its reason says unknown contradicts itself too.
/// The error names the target and the profile.
fn contradiction(t: &TargetReport) -> Result<(), String> {
    use crate::results::{Confirmed, TargetStatus, Verdict};
    for p in &t.profiles {
        let name = || {
            format!(
                "target {}, profile {}",
                crate::base::text::terminal(&t.target),
                crate::base::text::terminal(&p.profile)
            )
        };
        // Rule: a reason code gives its verdict (`ReasonCode::verdict`); a
        // verdict its reason does not give was edited.
        let said = match p.reason_code.map(|c| (c, c.verdict())) {
            Some((c, Verdict::Inconclusive)) if p.verdict.is_conclusive() => {
                Some(("conclusive", c))
            }
            Some((c, Verdict::Incompatible)) if p.verdict == Verdict::Inconclusive => {
                Some(("inconclusive", c))
            }
            _ => None,
        };
        if let Some((said, code)) = said {
            return Err(format!(
                "{}: says {said}, but its reason is {}: the report contradicts itself (edited?)",
                name(),
                code.name()
            ));
        }
        if p.verdict != Verdict::Compatible {
            continue;
        }
        let why = if let Some(code) = p.reason_code {
            Some(format!("its reason is {}", code.name()))
        } else if t.status != TargetStatus::Ok {
            Some("the target was not scanned".to_string())
        } else if p.confirmed == Confirmed::Failed {
            Some("its handshake failed".into())
        } else {
            match (&p.negotiated, &t.server) {
                (None, _) => Some("its negotiated is null".into()),
                (Some(_), None) => Some("the target has no server evidence".into()),
                (Some(a), Some(server)) => {
                    let accepted = server.versions.contains(&a.version)
                        && server
                            .cipher_suites
                            .get(&a.version)
                            .is_some_and(|s| s.contains(&a.cipher_suite));
                    let mutual = p
                        .mutual
                        .get(&a.version)
                        .is_some_and(|s| s.contains(&a.cipher_suite));
                    if !accepted {
                        Some(format!(
                            "the endpoint's accepted suites do not hold {} at {}",
                            a.cipher_suite, a.version
                        ))
                    } else if !mutual {
                        Some(format!(
                            "its suites in common (mutual) do not hold {} at {}",
                            a.cipher_suite, a.version
                        ))
                    } else {
                        None
                    }
                }
            }
        };
        if let Some(why) = why {
            return Err(format!(
                "{}: says compatible, but {why}: the report contradicts itself (edited?)",
                name()
            ));
        }
    }
    Ok(())
}

/// One saved report, read as a stream (never whole: see `parse_values`).
pub fn read_saved(path: &Path) -> Result<Saved, SavedError> {
    let fail = |message: String| SavedError::Report {
        path: path.to_path_buf(),
        message,
    };
    let file = crate::base::input::reader(path, crate::base::input::Kind::Report)
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    parse_values(
        serde_json::Deserializer::from_reader(reader).into_iter::<Box<RawValue>>(),
        path,
    )
    .map_err(fail)
}

/// Every target of every report, in order, and the reports that were cut
/// short (JSON Lines without their closing line).
pub fn read_all(paths: &[PathBuf]) -> Result<(Vec<TargetReport>, Vec<PathBuf>), SavedError> {
    let mut targets = Vec::new();
    let mut cut = Vec::new();
    for p in paths {
        let saved = read_saved(p)?;
        if !saved.closed {
            cut.push(saved.path);
        }
        targets.extend(saved.targets);
    }
    Ok((targets, cut))
}

/// Shards joined by `merge`: every target once, the run they belong to.
#[derive(Debug)]
pub struct Joined {
    /// Every target of every shard, shard by shard.
    pub targets: Vec<TargetReport>,
    /// The whole run's identity (no shard), when a shard carried it whole.
    pub run: Option<RunIdentity>,
    /// The shards cut short.
    pub cut_short: Vec<PathBuf>,
}

/// The shards of one run joined, or why not: reports of different runs
/// (other profiles, policy or inventory), a report or shard given twice, a
/// shard missing, a target in two shards, a report that names no run.
pub fn join(saved: Vec<Saved>) -> Result<Joined, MergeError> {
    let Some(first) = saved.first() else {
        return Err(MergeError::NoReport);
    };
    for s in &saved {
        if s.run_id().is_none() {
            return Err(MergeError::NoRun(s.path.clone()));
        }
    }
    // One run.
    let id = first.run_id().unwrap_or_default();
    if let Some(other) = saved.iter().find(|s| s.run_id() != Some(id)) {
        return Err(MergeError::DifferentRuns {
            first: first.path.clone(),
            other: other.path.clone(),
            differences: differences(first, other),
        });
    }
    each_shard_once(&saved)?;
    each_target_once(&saved)?;
    let total: usize = saved.iter().map(|s| s.targets.len()).sum();
    let run = saved.iter().find_map(|s| s.run.clone()).map(|mut r| {
        r.shard = None;
        r.targets = total;
        r
    });
    let cut_short = saved
        .iter()
        .filter(|s| !s.closed)
        .map(|s| s.path.clone())
        .collect();
    let targets = saved.into_iter().flat_map(|s| s.targets).collect();
    Ok(Joined {
        targets,
        run,
        cut_short,
    })
}

/// Each shard once and none missing, or a whole run alone.
fn each_shard_once(saved: &[Saved]) -> Result<(), MergeError> {
    let Some(first) = saved.first() else {
        return Ok(());
    };
    if let Some(w) = saved.iter().find(|s| s.shard().is_none()) {
        if let Some(other) = saved.iter().find(|s| !std::ptr::eq(*s, w)) {
            return Err(MergeError::WholeAndPart {
                whole: w.path.clone(),
                other: other.path.clone(),
                other_shard: other.shard(),
            });
        }
    }
    if saved.iter().all(|s| s.shard().is_some()) {
        let mut by_index: std::collections::BTreeMap<usize, &Saved> = Default::default();
        let of = first.shard().map_or(0, |s| s.of);
        for s in saved {
            let Some(k) = s.shard() else { continue };
            if k.of != of {
                return Err(MergeError::DifferentSplits {
                    path: s.path.clone(),
                    shard: k,
                    first: first.path.clone(),
                    first_shard: first.shard().unwrap_or(k),
                });
            }
            if let Some(before) = by_index.insert(k.index, s) {
                return Err(MergeError::ShardTwice {
                    shard: k,
                    first: before.path.clone(),
                    second: s.path.clone(),
                });
            }
        }
        let missing: Vec<String> = (1..=of)
            .filter(|k| !by_index.contains_key(k))
            .map(|k| format!("{k}/{of}"))
            .collect();
        if !missing.is_empty() {
            return Err(MergeError::ShardsMissing {
                missing,
                given: by_index
                    .iter()
                    .map(|(k, s)| format!("{k}/{of} {}", s.path.display()))
                    .collect(),
            });
        }
    }
    Ok(())
}

/// Each target in one report only.
fn each_target_once(saved: &[Saved]) -> Result<(), MergeError> {
    let mut seen: std::collections::HashMap<(&str, crate::model::profile::Role), &Saved> =
        std::collections::HashMap::new();
    for s in saved {
        for t in &s.targets {
            if let Some(before) = seen.insert((t.target.as_str(), t.role), s) {
                return Err(MergeError::TargetTwice {
                    target: crate::base::text::terminal(&t.target).into_owned(),
                    role: t.role,
                    first: before.path.clone(),
                    second: s.path.clone(),
                });
            }
        }
    }
    Ok(())
}

/// What differs between the runs of two reports, for people.
fn differences(a: &Saved, b: &Saved) -> String {
    let (Some(x), Some(y)) = (&a.run, &b.run) else {
        return "their run ids differ".into();
    };
    let mut out = Vec::new();
    if x.profiles != y.profiles {
        out.push(format!(
            "profiles {} vs {}",
            x.profiles.join(","),
            y.profiles.join(",")
        ));
    }
    if x.policy_digest != y.policy_digest {
        out.push("another policy".into());
    }
    if x.inventory_digest != y.inventory_digest {
        out.push(format!(
            "another inventory ({} vs {} targets)",
            x.inventory_targets, y.inventory_targets
        ));
    }
    if out.is_empty() {
        "their run ids differ".into()
    } else {
        out.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_report() {
        assert!(parse("").unwrap_err().contains("empty"));
        assert!(parse("{").unwrap_err().contains("invalid JSON at line 1"));
        assert!(parse("[1]").unwrap_err().contains("object"));
        let other = parse(r#"{"schema_version": 1, "targets": []}"#).unwrap_err();
        assert!(
            other.contains("schema_version 1 is not supported"),
            "{other}"
        );
        assert!(
            parse(r#"{"schema_version": 2}"#)
                .unwrap_err()
                .contains("neither")
        );
        let ok = parse(
            r#"{"schema_version": 2, "tool": {"name": "tlscompat", "version": "0"}, "policy": {}}"#,
        )
        .unwrap();
        assert!(ok.is_empty());
    }
}
