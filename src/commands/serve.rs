//! `serve`: the emulator run until interrupted, its certificates written, its
//! handshakes logged.

use std::io;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::{LogFormat, ServeArgs};
use crate::error::{Error, Status};
use crate::model::profile::{Catalog, Profile, Role};
use crate::model::target;
use crate::model::target::TargetError;
use crate::report;
use crate::serve::summary::{LogEntry, Summarizer};
use crate::serve::{
    ClientAuth, Emulator, EmulatorConfig, GeneratedPki, Latency, ServeError, ServeEvent, ServerSpec,
};
use crate::tls::certs;
use crate::tls::certs::Identity;

use super::common::{runtime, shutdown_signal};

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

pub(super) fn build(catalog: &mut Catalog, args: ServeArgs) -> Result<ServeJob, Error> {
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

/// Runs the emulator until SIGINT or SIGTERM, logging to stderr: every event
/// in JSON; in text, bursts of failures from one peer folded into summaries
/// unless `--verbose`.
pub(super) fn run(job: ServeJob, stderr: &mut dyn Write) -> Result<Status, Error> {
    let written = match (&job.write_client_cert, &job.pki) {
        (Some(dir), Some(pki)) => Some(write_client_files(dir, pki)?),
        _ => None,
    };
    let format = job.format;
    // The log is best effort: a closed stderr must not stop the server.
    let log = |w: &mut dyn Write, entries: Vec<LogEntry>| {
        for entry in entries {
            let _ = match (&entry, format) {
                (LogEntry::Event(event), LogFormat::Text) => {
                    report::text::serve::text_line(w, event)
                }
                (LogEntry::Event(event), LogFormat::Json) => report::json::json_line(w, event),
                (LogEntry::Summary(summary), _) => report::text::serve::summary_line(w, summary),
            };
        }
    };
    let mut summarizer = (format == LogFormat::Text && !job.verbose).then(Summarizer::default);
    runtime()?.block_on(async {
        let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let emulator = Emulator::start(job.emulator.clone(), Some(tx)).await?;
        if format == LogFormat::Text {
            let _ = report::text::serve::banner(
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
