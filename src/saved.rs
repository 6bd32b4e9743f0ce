//! Saved reports, read back: `check` and `what-if` judge what a scan wrote
//! without the network.
//!
//! A file holds either one `scan --format json` document or the lines of
//! `scan --format jsonl` (one target object per line, then a
//! `{"policy": …}` line, which is ignored: the verdict is computed again).
//! Every object must carry this build's `schema_version`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::results::{PolicyReport, SCHEMA_VERSION, ScanReport, TargetReport};

/// Every target of the report in `path`, in the file's order.
pub fn read(path: &Path) -> Result<Vec<TargetReport>, Error> {
    let fail = |message: String| Error::Report {
        path: path.to_path_buf(),
        message,
    };
    let text = crate::input::read_text(path, crate::input::Kind::Report)
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    parse(&text).map_err(fail)
}

/// The targets of one report's text; the error is a message for people.
pub fn parse(text: &str) -> Result<Vec<TargetReport>, String> {
    parse_with_verdicts(text, false).map(|(targets, _)| targets)
}

/// The targets and the saved verdicts of one report's text; with
/// `verdicts`, a saved verdict that does not read is an error (else it is
/// skipped: `check` computes its own).
pub fn parse_with_verdicts(
    text: &str,
    verdicts_wanted: bool,
) -> Result<(Vec<TargetReport>, Vec<PolicyReport>), String> {
    let mut targets = Vec::new();
    let mut verdicts = Vec::new();
    let mut documents = 0;
    // One pretty document and JSON Lines are both a stream of values.
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let value = value.map_err(|e| {
            format!(
                "not a tlscompat report: invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            )
        })?;
        documents += 1;
        let Some(object) = value.as_object() else {
            return Err("not a tlscompat report: expected a JSON object".into());
        };
        match object.get("schema_version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "schema_version {v} is not supported (this tlscompat reads schema_version {SCHEMA_VERSION}; scan again with this version)"
                ));
            }
            None => return Err("not a tlscompat report: no schema_version".into()),
        }
        let shape = |e: serde_json::Error| format!("not a tlscompat scan report: {e}");
        if object.contains_key("targets") {
            let report: ScanReport = serde_json::from_value(value).map_err(shape)?;
            targets.extend(report.targets);
            if verdicts_wanted {
                verdicts.push(report.policy);
            }
        } else if object.contains_key("target") {
            targets.push(serde_json::from_value(value).map_err(shape)?);
        } else if let Some(policy) = object.get("policy") {
            if verdicts_wanted {
                verdicts.push(serde_json::from_value(policy.clone()).map_err(shape)?);
            }
        } else {
            return Err(
                "not a tlscompat scan report: an object with neither targets, target nor policy"
                    .into(),
            );
        }
    }
    if documents == 0 {
        return Err("not a tlscompat report: the file is empty".into());
    }
    Ok((targets, verdicts))
}

/// Every target and every saved verdict of every report, in order.
pub fn read_all_with_verdicts(
    paths: &[PathBuf],
) -> Result<(Vec<TargetReport>, Vec<PolicyReport>), Error> {
    let mut out = (Vec::new(), Vec::new());
    for path in paths {
        let fail = |message: String| Error::Report {
            path: path.to_path_buf(),
            message,
        };
        let text = crate::input::read_text(path, crate::input::Kind::Report)
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        let (targets, verdicts) = parse_with_verdicts(&text, true).map_err(fail)?;
        out.0.extend(targets);
        out.1.extend(verdicts);
    }
    Ok(out)
}

/// Every target of every report, in order.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<TargetReport>, Error> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(read(p)?);
    }
    Ok(out)
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
