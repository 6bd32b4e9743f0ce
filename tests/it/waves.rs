//! The waves of one endpoint's scan, counted: what goes in the first wave,
//! and that a steady manager needs nothing more (no second wave, no
//! retest, no settling offer). Counts only: how long the waves take is
//! measured by `cargo bench --bench scan`.

use tlscompat::model::profile::{Catalog, Profile, Role};
use tlscompat::model::suites::CipherSuiteId;
use tlscompat::model::target::Target;
use tlscompat::model::version::TlsVersion;
use tlscompat::probe::Limits;
use tlscompat::results::{Confirmed, TargetReport};
use tlscompat::scan::{ScanConfig, scan};

use crate::servers::emulate;

/// Scans the emulated `served` with the five agent profiles.
fn scan_agents(served: &str, config: ScanConfig) -> TargetReport {
    let emulator = emulate(served);
    let catalog = Catalog::builtin().unwrap();
    let agents: Vec<&Profile> = catalog.with_role(Role::Agent).collect();
    let identify: Vec<&Profile> = catalog.all().collect();
    let target = Target::parse(&emulator.local_addr().to_string(), Role::Manager).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(scan(&target, &agents, &identify, &config))
}

fn phases(report: &TargetReport) -> Vec<(&'static str, u64)> {
    report
        .stats
        .phases
        .iter()
        .map(|p| (p.name, p.probes))
        .collect()
}

/// A TLS 1.2 manager and the five agent profiles: sixteen probes, all in
/// the first wave (each profile's hello as a real handshake; the reversed
/// hello, a handshake too; TLS 1.1 and TLS 1.3; the six TLS 1.2 suites
/// alone; the two TLS 1.0 suites of dsa-9.6 alone, refused with
/// `protocol_version`, which settles TLS 1.0): sixteen connections and
/// nothing after them.
#[test]
fn a_steady_manager_takes_one_wave_and_sixteen_connections() {
    let report = scan_agents("dsm-strong-10-11", ScanConfig::default());
    assert_eq!(phases(&report), [("first wave", 16)], "{:?}", report.stats);
    assert_eq!(report.stats.connections, 16);
    assert_eq!(report.stats.probes, 16);
    assert!(report.complete);
    for p in &report.profiles {
        let confirmed = ["dsa-10.0-u16", "dsa-11", "dsa-fips"].contains(&p.profile.as_str());
        assert_eq!(p.verdict.is_compatible(), confirmed, "{p:?}");
        if confirmed {
            assert_eq!(p.confirmed, Confirmed::FullHandshake, "{p:?}");
        }
    }
}

/// Without confirmation the same probes, in the same one wave.
#[test]
fn without_confirmation_the_waves_are_the_same() {
    let config = ScanConfig {
        no_confirm: true,
        ..ScanConfig::default()
    };
    let report = scan_agents("dsm-strong-10-11", config);
    assert_eq!(phases(&report), [("first wave", 16)]);
    assert_eq!(report.stats.connections, 16);
}

/// The accepted suites of the emulated `dsm-strong-10-11`, in its order.
fn strong_order() -> Vec<CipherSuiteId> {
    let catalog = Catalog::builtin().unwrap();
    catalog
        .get("dsm-strong-10-11")
        .unwrap()
        .cipher_suites
        .clone()
}

/// `--all-suites` one connection at a time: one chain. Five first hellos
/// (SSL 3.0 to TLS 1.3; four refused), at TLS 1.2 three more acceptances
/// and the refusal that ends the chain, and the same suites reversed,
/// which with the first hello settles the server's order: ten
/// enumeration probes, the five replays, and no settling offer afterwards.
#[test]
fn all_suites_one_at_a_time_is_one_chain() {
    let config = ScanConfig {
        all_suites: true,
        limits: Limits {
            concurrency: 1,
            ..Limits::default()
        },
        ..ScanConfig::default()
    };
    let report = scan_agents("dsm-strong-10-11", config);
    assert_eq!(
        phases(&report),
        [("enumeration", 10), ("replays", 5)],
        "{:?}",
        report.stats
    );
    assert_eq!(report.stats.connections, 15);
    let server = report.server.as_ref().unwrap();
    assert_eq!(server.cipher_suites[&TlsVersion::Tls12], strong_order());
    assert_eq!(server.order_measured[&TlsVersion::Tls12], 4);
    assert_eq!(server.server_preference, Some(true));
}

/// `--all-suites` with the default bound finds the same suites in the same
/// order, in parallel parts, and needs no settling offer either (parts
/// that ran side by side may leave pairs whose order is then asked).
#[test]
fn all_suites_in_parallel_parts_finds_the_same_suites() {
    let config = ScanConfig {
        all_suites: true,
        ..ScanConfig::default()
    };
    let report = scan_agents("dsm-strong-10-11", config);
    let names: Vec<&str> = report.stats.phases.iter().map(|p| p.name).collect();
    assert_eq!(names[..2], ["enumeration", "replays"], "{:?}", report.stats);
    assert!(names[2..].iter().all(|n| *n == "pairs"), "{names:?}");
    let server = report.server.as_ref().unwrap();
    assert_eq!(server.versions, [TlsVersion::Tls12]);
    assert_eq!(server.cipher_suites[&TlsVersion::Tls12], strong_order());
    assert_eq!(server.server_preference, Some(true));
    assert!(report.complete);
}
