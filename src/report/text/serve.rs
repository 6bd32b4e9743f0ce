//! The emulator's log as text: one line per event, the summary of a burst
//! of failures, and the banner (the JSON line is in
//! [`crate::report::json`]).

use std::io::{self, Write};

use crate::report::{now, style};
use crate::serve::summary::FailureSummary;
use crate::serve::{ClientAuth, ServeEvent};

/// One event as a readable line.
pub fn text_line(out: &mut dyn Write, event: &ServeEvent) -> io::Result<()> {
    let time = now();
    match event {
        ServeEvent::Listening { label, address } => {
            writeln!(
                out,
                "{time} {} listening on {address}",
                style::heading(label)
            )
        }
        ServeEvent::Handshake {
            peer,
            version,
            cipher_suite,
            client_certificate,
        } => {
            let version = version.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
            let suite = cipher_suite
                .map(|s| s.to_string())
                .unwrap_or_else(|| "?".into());
            let cert = client_certificate
                .as_ref()
                .map(|c| format!(" client certificate: {c}"))
                .unwrap_or_default();
            writeln!(
                out,
                "{time} {peer} {} {version} {suite}{cert}",
                style::good("handshake")
            )
        }
        ServeEvent::Failed { peer, reason, .. } => {
            writeln!(out, "{time} {peer} {}: {reason}", style::bad("failed"))
        }
        ServeEvent::Refused {
            peer,
            reason,
            count,
        } => {
            let count = match count {
                1 => String::new(),
                n => format!(" ({n} connections since the last line)"),
            };
            writeln!(
                out,
                "{time} {} {}: {}{count}",
                peer.ip(),
                style::bad("refused"),
                reason.describe()
            )
        }
        ServeEvent::Stopped { label } => writeln!(out, "{time} {label} stopped"),
    }
}

/// Failures folded into one line: `127.0.0.1: 14 more handshakes failed in
/// the last 2 s: 9 no shared cipher, 5 closed after the server's first
/// flight (a scanner's probes)`.
pub fn summary_line(out: &mut dyn Write, summary: &FailureSummary) -> io::Result<()> {
    let total = summary.total();
    let handshakes = if total == 1 {
        "handshake"
    } else {
        "handshakes"
    };
    // Whole seconds, rounded up: every failure counted is within that time.
    let seconds = summary.period.as_millis().div_ceil(1000).max(1);
    let reasons: Vec<String> = summary
        .reasons
        .iter()
        .map(|r| {
            let probes = if r.probe { " (a scanner's probes)" } else { "" };
            format!("{} {}{probes}", r.count, r.reason)
        })
        .collect();
    writeln!(
        out,
        "{} {}: {total} more {handshakes} {} in the last {seconds} s: {}",
        now(),
        summary.peer,
        style::bad("failed"),
        reasons.join(", ")
    )
}

/// What the emulator serves, before the first event (text format only).
pub fn banner(
    out: &mut dyn Write,
    emulator: &crate::serve::EmulatorConfig,
    profile: &str,
    profile_name: &str,
    client_files: Option<&[String]>,
) -> io::Result<()> {
    let spec = &emulator.spec;
    writeln!(out, "serving {} ({profile_name})", style::heading(profile))?;
    writeln!(
        out,
        "  versions:      {}",
        crate::model::version::join(&spec.versions)
    )?;
    let order = if spec.server_preference {
        "server order"
    } else {
        "client order"
    };
    writeln!(out, "  cipher suites ({order}):")?;
    for s in &spec.cipher_suites {
        writeln!(out, "    {s}")?;
    }
    let id = &emulator.identity;
    writeln!(
        out,
        "  certificate:   {} ({})",
        crate::tls::certs::subject_line(&id.cert),
        id.key_summary()
    )?;
    match &emulator.client_auth {
        ClientAuth::None => writeln!(out, "  client certificate: not requested")?,
        ClientAuth::Require(cas) => {
            let names: Vec<String> = cas.iter().map(crate::tls::certs::subject_line).collect();
            writeln!(
                out,
                "  client certificate: required, issued by {}",
                names.join(" | ")
            )?;
        }
    }
    if let Some(l) = emulator.latency {
        writeln!(
            out,
            "  latency:       {} ms round trip, added to every exchange",
            l.round_trip.as_millis()
        )?;
    }
    if let Some(files) = client_files {
        writeln!(out, "  wrote:         {}", files.join(", "))?;
    }
    Ok(())
}
