//! Repeatability: the same scan of the same servers says the same thing.
//!
//! Timing fields differ from run to run by nature; everything else in the
//! JSON report must not. [`TIMING_FIELDS`] lists the fields treated as
//! timing, and [`normalize`] blanks them wherever they appear, so a timing
//! field added later (and named like one) is covered without editing this
//! file.

use serde_json::Value;

use crate::common::scan_json;
use crate::servers::emulate;
use tlscompat::model::profile::Catalog;

/// Fields of the JSON report whose values are wall-clock measurements:
/// `targets[].stats.elapsed_ms` today. Any key ending in `_ms`, `_secs` or
/// `_at` (a duration or a time stamp) is treated the same way.
const TIMING_FIELDS: &[&str] = &["elapsed_ms"];

fn is_timing(key: &str) -> bool {
    TIMING_FIELDS.contains(&key)
        || key.ends_with("_ms")
        || key.ends_with("_secs")
        || key.ends_with("_at")
}

/// The report with every timing field replaced by `null`; returns the
/// paths it blanked.
fn normalize(v: &mut Value, path: &str, blanked: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                let here = format!("{path}.{k}");
                if is_timing(k) {
                    *child = Value::Null;
                    blanked.push(here);
                } else {
                    normalize(child, &here, blanked);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                normalize(child, &format!("{path}[{i}]"), blanked);
            }
        }
        _ => {}
    }
}

/// The first path where `a` and `b` differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let here = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, &here) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{here}: {p:?} vs {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

/// An emulator for every shipped profile, and their addresses.
fn emulate_all() -> (Vec<tlscompat::serve::Emulator>, Vec<String>) {
    let catalog = Catalog::builtin().unwrap();
    let emulators: Vec<_> = catalog.all().map(|p| emulate(&p.id)).collect();
    let addrs = emulators
        .iter()
        .map(|e| e.local_addr().to_string())
        .collect();
    (emulators, addrs)
}

#[test]
fn normalize_blanks_timing_fields_only() {
    let mut v = serde_json::json!({
        "targets": [{"stats": {"elapsed_ms": 12, "probes": 16}, "port": 4120}],
        "started_at": "2026-01-01T00:00:00Z"
    });
    let mut blanked = Vec::new();
    normalize(&mut v, "", &mut blanked);
    assert_eq!(blanked, [".started_at", ".targets[0].stats.elapsed_ms"]);
    assert_eq!(v["targets"][0]["stats"]["probes"], 16);
    assert_eq!(v["targets"][0]["port"], 4120);
    let other = serde_json::json!({"targets": [{"stats": {"probes": 17}}]});
    assert!(first_difference(&v, &other, "").is_some());
}

/// The same scan twice against the same servers: identical JSON but for
/// the timing fields.
#[test]
fn the_same_scan_twice_gives_the_same_report() {
    let (_emulators, addrs) = emulate_all();
    let args: Vec<&str> = addrs.iter().map(String::as_str).collect();
    let mut reports = Vec::new();
    for _ in 0..2 {
        let (code, mut v) = scan_json(&args);
        assert_eq!(code, 0, "{v:#}");
        let mut blanked = Vec::new();
        normalize(&mut v, "", &mut blanked);
        // Every target's wall time was blanked, and it is the only timing
        // field of a scan report today.
        assert_eq!(blanked.len(), addrs.len(), "{blanked:?}");
        assert!(blanked.iter().all(|p| p.ends_with(".stats.elapsed_ms")));
        reports.push(v);
    }
    if let Some(d) = first_difference(&reports[0], &reports[1], "") {
        panic!("the second scan differs at {d}");
    }
}

/// What a scan decided about each target: status, completeness and every
/// profile's verdict.
fn verdicts(v: &Value) -> Vec<Value> {
    v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let profiles: Vec<Value> = t["profiles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    serde_json::json!([
                        p["profile"],
                        p["compatible"],
                        p["negotiated"],
                        p["confirmed"],
                        p["reason_code"]
                    ])
                })
                .collect();
            serde_json::json!({
                "target": t["target"],
                "status": t["status"],
                "complete": t["complete"],
                "matches": t["server"]["matches_profiles"],
                "profiles": profiles,
            })
        })
        .collect()
}

/// The emulated matrix, every shipped profile served and every one
/// checked, scanned 20 times with 32 connections per endpoint: no verdict
/// ever flips, and no run is incomplete.
#[test]
fn the_emulated_matrix_never_flips_under_concurrency() {
    let (_emulators, addrs) = emulate_all();
    let catalog = Catalog::builtin().unwrap();
    let mut args: Vec<String> = addrs.clone();
    args.extend(["--concurrency".into(), "32".into()]);
    for p in catalog.all() {
        args.extend(["-p".into(), p.id.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut first: Option<Vec<Value>> = None;
    for run in 0..20 {
        let (code, v) = scan_json(&args);
        assert_eq!(code, 0, "run {run}: {v:#}");
        let got = verdicts(&v);
        for t in &got {
            assert_eq!(t["status"], "ok", "run {run}: {t:#}");
            assert_eq!(t["complete"], true, "run {run}: {t:#}");
        }
        match &first {
            None => first = Some(got),
            Some(want) => {
                let (want, got) = (Value::from(want.clone()), Value::from(got));
                if let Some(d) = first_difference(&want, &got, "") {
                    panic!("run {run} flipped a verdict at {d}");
                }
            }
        }
    }
}
