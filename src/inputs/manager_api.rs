//! The fleet from the manager itself: `--from-manager URL` reads the
//! computer list over the manager's REST API (Deep Security Manager 11.1
//! and later, and the hosted service).
//!
//! Every estate command needs the fleet: which agents exist, their
//! versions, and how each one talks to the manager. An exported computer
//! list (`-i computers.json`) carries no direction and goes stale; the
//! manager's API has all of it. This module reads it and hands back the
//! same inventory entries `-i` makes ([`crate::inputs::inventory::Entry`]), so
//! every command judges the fleet the same way whatever its source.
//!
//! What it does, per the API's v1 contract: `POST /api/computers/search`,
//! paged by ID (`searchCriteria` `ID greater-than` the last ID seen,
//! `maxItems`, `sortByObjectID`), expanding only `computerStatus` and
//! `computerSettings` (never `expand=all`, which is slow on big managers),
//! with `api-version: v1` and the key in `api-secret-key` (on-premises) or
//! `Authorization: ApiKey …` (the hosted service). The key is read from a
//! file only its owner can read, or from the environment; it never appears
//! in a message, a report or a `Debug` print ([`ApiKey`]).
//!
//! Why a small HTTP/1.1 client of its own, over tokio-rustls, instead of
//! an HTTP crate: the manager's console TLS is reported (it is the manager
//! under audit), which needs the negotiated version, suite and certificate
//! of the very session that carried the API calls, and the HTTP crate
//! that fits (ureq, blocking, with rustls) does not expose it; the tool already
//! runs tokio and rustls with the ring provider, so this adds one parser
//! crate (`httparse`, for the response head) and the system roots
//! (`rustls-native-certs`: an on-premises manager's certificate is signed
//! by the company's CA, which lives in the system store, not in a bundled
//! browser list). The client is deliberately narrow: one request per
//! connection (`Connection: close`), `Content-Length`, chunked or
//! read-to-close bodies, every body at most [`MAX_BODY`] bytes and every
//! response head at most [`MAX_HEAD`], a timeout on resolving, connecting,
//! the handshake and each read, and one page at most ten of those.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::inputs::inventory::{ComputerCounts, ComputerList, Entry};
use crate::results::CertificateSummary;
use crate::tls::rustls_glue::{Chain, Verifier};

/// Computers asked for per page (the API's `maxItems`).
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// The largest response body read, in bytes: a page of 1,000 computers
/// with their settings is a few megabytes.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// The largest response head (status line and headers), in bytes.
pub const MAX_HEAD: usize = 64 * 1024;
/// The environment variable that may hold the API key.
pub const KEY_ENV: &str = "TLSCOMPAT_DSM_API_KEY";

/// Where the API is: the console's URL, `https://HOST[:PORT][/PATH/api]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Port (443 when the URL gives none, as a browser would).
    pub port: u16,
    /// The API's path, `/api` unless the URL names another ending in `/api`.
    pub base: String,
}

impl ApiUrl {
    /// Parses the console's URL. Only `https://` is accepted (the key
    /// would cross the network in the clear otherwise); a path, when given,
    /// is the API's own (`…/api`); credentials in the URL are refused.
    pub fn parse(input: &str) -> Result<ApiUrl, ApiError> {
        let bad = |why: &'static str| ApiError::Url {
            input: input.trim().to_string(),
            why,
        };
        let s = input.trim();
        let Some((scheme, rest)) = s.split_once("://") else {
            return Err(bad(
                "give the console's URL, e.g. https://dsm.example.com:4119 (or the hosted service's API URL)",
            ));
        };
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(bad(
                "the API is read over https:// only (over http:// the key would cross the network in the clear)",
            ));
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let path = rest[end..]
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/');
        let base = if path.is_empty() {
            "/api".to_string()
        } else if path.ends_with("/api") && !path.contains(['%', ' ']) {
            path.to_string()
        } else {
            return Err(bad(
                "the path, when given, is the API's own and ends in /api (https://HOST:4119/ or https://HOST:4119/api)",
            ));
        };
        // Host and port as any https:// target (credentials refused).
        let target = crate::model::target::Target::parse(&format!("https://{}", &rest[..end]), crate::model::profile::Role::Manager)
            .map_err(|e| ApiError::Url {
                input: s.to_string(),
                why: if e.to_string().contains("user name") {
                    "a URL here has no user name or password: the key comes from --api-key-file or the environment"
                } else {
                    "the host or port is not valid (https://HOST[:PORT]/)"
                },
            })?;
        Ok(ApiUrl {
            host: target.host,
            port: target.port,
            base,
        })
    }

    /// `host:port` for the Host header (`[v6]:port`).
    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Whether the host is the hosted service's (its API wants
    /// `Authorization: ApiKey …`).
    pub fn is_hosted(&self) -> bool {
        let h = self.host.trim_end_matches('.').to_ascii_lowercase();
        h == "cloudone.trendmicro.com" || h.ends_with(".cloudone.trendmicro.com")
    }
}

/// `https://host:port/api`: how messages name the API (never with the key).
impl fmt::Display for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}{}", self.authority(), self.base)
    }
}

/// How the key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthStyle {
    /// From the URL: the hosted service's host names get `api-key`, every
    /// other host `secret-key`.
    Auto,
    /// `api-secret-key: KEY` (an on-premises manager).
    SecretKey,
    /// `Authorization: ApiKey KEY` (the hosted service).
    ApiKey,
}

/// An API key. It is never printed: `Debug` says `ApiKey(<redacted>)`, and
/// there is no `Display`.
#[derive(Clone)]
pub struct ApiKey(String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl ApiKey {
    /// The key in `path`: refused when others may read the file (as ssh
    /// refuses a private key), when it is not a regular file, or when it is
    /// not one line of printable ASCII.
    pub fn from_file(path: &Path) -> Result<ApiKey, ApiError> {
        let fail = |why: String| ApiError::KeyFile {
            path: path.to_path_buf(),
            why,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| fail(e.to_string()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(fail(format!(
                    "others may read it (mode {:04o}): an API key file must be readable by its \
                     owner only; run chmod 600 {}",
                    mode & 0o7777,
                    path.display()
                )));
            }
        }
        let text = crate::base::input::read_text(path, crate::base::input::Kind::Certificate)
            .map_err(|e| fail(e.to_string()))?;
        check_key(&text).map(ApiKey).map_err(|why| fail(why.into()))
    }

    /// The key in the environment variable [`KEY_ENV`], when it is set.
    pub fn from_env() -> Result<Option<ApiKey>, ApiError> {
        match std::env::var_os(KEY_ENV) {
            None => Ok(None),
            Some(v) => {
                let text = v.into_string().map_err(|_| ApiError::KeyEnv {
                    why: "not UTF-8 text",
                })?;
                check_key(&text)
                    .map(|k| Some(ApiKey(k)))
                    .map_err(|why| ApiError::KeyEnv { why })
            }
        }
    }

    /// A key given by a program (tests, embedding); checked like a file's.
    pub fn new(text: &str) -> Result<ApiKey, ApiError> {
        check_key(text)
            .map(ApiKey)
            .map_err(|why| ApiError::KeyEnv { why })
    }
}

/// One line of printable ASCII, trimmed (a header value cannot hold more).
fn check_key(text: &str) -> Result<String, &'static str> {
    let key = text.trim();
    if key.is_empty() {
        return Err("it is empty");
    }
    if !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err("it is not one line of printable ASCII (an API key is)");
    }
    Ok(key.to_string())
}

/// What the console's certificate is checked against.
#[derive(Debug, Clone)]
pub enum Trust {
    /// The system's CA certificates.
    System,
    /// The CA certificates of `--api-ca` (instead of the system's).
    Ca {
        /// The file, for messages.
        path: PathBuf,
        /// The certificates, DER.
        certs: Vec<Vec<u8>>,
    },
    /// Nothing: `--api-insecure`, for a lab.
    Insecure,
}

impl Trust {
    fn describe(&self) -> String {
        match self {
            Trust::System => "verified against the system's CA certificates".into(),
            Trust::Ca { path, .. } => format!("verified against --api-ca {}", path.display()),
            Trust::Insecure => "NOT verified (--api-insecure)".into(),
        }
    }
}

/// Everything needed to read the fleet from a manager.
#[derive(Debug, Clone)]
pub struct ApiSource {
    /// Where.
    pub url: ApiUrl,
    /// The key.
    pub key: ApiKey,
    /// How the key is sent.
    pub auth: AuthStyle,
    /// What the certificate is checked against.
    pub trust: Trust,
    /// The bound on resolving, connecting, the handshake and each read;
    /// one page takes at most ten times this.
    pub timeout: Duration,
    /// Computers per page.
    pub page_size: u32,
    /// The largest response body read.
    pub max_body: usize,
}

/// The console's TLS, as the API client's own handshake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleTls {
    /// `tls1.2`, `tls1.3`.
    pub version: String,
    /// The negotiated suite's IANA name.
    pub cipher_suite: String,
    /// The console's certificate.
    pub certificate: Option<CertificateSummary>,
    /// How it was checked.
    pub trust: String,
}

impl ConsoleTls {
    /// A sentence for notes: version, suite, certificate, trust.
    pub fn sentence(&self, url: &ApiUrl) -> String {
        let cert = match &self.certificate {
            Some(c) => format!(
                "certificate {} ({} {} bits, valid until {}{}), {}",
                c.subject,
                c.key_type,
                c.key_bits,
                crate::results::date_text(c.not_after),
                if c.expired { ", EXPIRED" } else { "" },
                self.trust
            ),
            None => format!("certificate unreadable, {}", self.trust),
        };
        format!(
            "the manager's console https://{}: {} with {}; {cert}",
            url.authority(),
            self.version,
            self.cipher_suite
        )
    }
}

/// The fleet as the manager gave it.
#[derive(Debug, Clone)]
pub struct ManagerFleet {
    /// One entry per agent.
    pub entries: Vec<Entry>,
    /// Computers read, left out, not understood.
    pub counts: ComputerCounts,
    /// Pages read.
    pub pages: usize,
    /// The console's TLS.
    pub console: Option<ConsoleTls>,
}

impl ManagerFleet {
    /// What was read, in a sentence for stderr and notes.
    pub fn summary(&self, url: &ApiUrl) -> String {
        let c = &self.counts;
        let mut s = format!(
            "the fleet from the manager's API at {url}: {} computers in {} page{}, {} agents",
            c.computers,
            self.pages,
            if self.pages == 1 { "" } else { "s" },
            self.entries.len()
        );
        if c.without_agent > 0 {
            s.push_str(&format!(
                ", {} without an agent (agentVersion {}) left out",
                c.without_agent,
                crate::inputs::inventory::NO_AGENT
            ));
        }
        s
    }

    /// Warnings for people: unknown direction spellings and versions.
    pub fn warnings(&self) -> Vec<String> {
        let list = |m: &std::collections::BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, n)| format!("{k:?} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = Vec::new();
        let c = &self.counts;
        if !c.unknown_directions.is_empty() {
            out.push(format!(
                "{} agents have a communication direction the tool does not know: {}; they are \
                 judged bidirectional (every leg)",
                c.unknown_directions.values().sum::<usize>(),
                list(&c.unknown_directions)
            ));
        }
        if !c.unknown_versions.is_empty() {
            out.push(format!(
                "{} agents have a version that maps to no profile: {}; their scan alone \
                 identifies them",
                c.unknown_versions.values().sum::<usize>(),
                list(&c.unknown_versions)
            ));
        }
        out
    }
}

/// Why the fleet could not be read from the manager. Every message names
/// the cause and the URL; none names the key.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `--from-manager` is not a usable URL.
    #[error("invalid --from-manager {input:?}: {why}")]
    Url {
        /// What was given.
        input: String,
        /// What is wrong.
        why: &'static str,
    },
    /// The key file cannot be used.
    #[error("--api-key-file {}: {why}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why (never its content).
        why: String,
    },
    /// The key in the environment cannot be used.
    #[error("{KEY_ENV}: {why}")]
    KeyEnv {
        /// Why (never its content).
        why: &'static str,
    },
    /// No key was given.
    #[error(
        "--from-manager needs an API key: --api-key-file FILE (readable by its owner only) or \
         the environment variable {KEY_ENV}; never on the command line"
    )]
    NoKey,
    /// The exchange with the manager failed.
    #[error("the manager's API at {url}: {cause}")]
    Request {
        /// The API's URL.
        url: String,
        /// What went wrong.
        cause: Cause,
    },
}

/// What went wrong talking to the manager.
#[derive(Debug)]
pub enum Cause {
    /// The name does not resolve.
    Resolve(String),
    /// No TCP connection.
    Connect(std::io::Error),
    /// A step took longer than its bound.
    Timeout {
        /// Which step.
        step: &'static str,
        /// The bound.
        after: Duration,
    },
    /// The TLS handshake failed (an untrusted certificate, most often).
    Tls(String),
    /// No system CA certificate could be loaded.
    NoRoots(String),
    /// The connection failed mid-exchange.
    Io(std::io::Error),
    /// An HTTP status other than 200.
    Status {
        /// The code.
        code: u16,
        /// The reason phrase, escaped.
        reason: String,
        /// The manager's own message, escaped and shortened, if it sent one.
        message: Option<String>,
        /// `Location`, for a redirect.
        location: Option<String>,
    },
    /// Not HTTP/1.x.
    NotHttp(String),
    /// A body over [`ApiSource::max_body`].
    TooLarge {
        /// The bound.
        limit: usize,
    },
    /// A body that is not the computer list.
    NotJson {
        /// The declared content type, escaped.
        content_type: Option<String>,
        /// The parser's complaint.
        error: String,
    },
    /// The manager did not page as asked (an ID not above the last one).
    Paging {
        /// The last ID asked past.
        after: u64,
    },
    /// A computer that cannot be used.
    Computer {
        /// Its ID.
        id: Option<u64>,
        /// Why.
        message: String,
    },
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Resolve(e) => write!(f, "cannot resolve the host: {e}"),
            Cause::Connect(e) => write!(f, "cannot connect: {e}"),
            Cause::Timeout { step, after } => {
                write!(
                    f,
                    "timed out: {step} took longer than {} (--api-timeout)",
                    crate::base::duration::format(*after)
                )
            }
            Cause::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Cause::NoRoots(e) => write!(
                f,
                "no system CA certificate could be loaded ({e}): give --api-ca FILE"
            ),
            Cause::Io(e) => write!(f, "the connection failed: {e}"),
            Cause::Status {
                code,
                reason,
                message,
                location,
            } => status(f, *code, reason, message.as_deref(), location.as_deref()),
            Cause::NotHttp(e) => write!(f, "not an HTTP answer: {e}"),
            Cause::TooLarge { limit } => write!(
                f,
                "the answer is larger than {limit} bytes: not read (give --api-page-size a \
                 smaller number)"
            ),
            Cause::NotJson {
                content_type,
                error,
            } => write!(
                f,
                "the answer is not the computer list ({{\"computers\": [...]}} as JSON{}): {error}",
                content_type
                    .as_deref()
                    .map(|t| format!("; it came as {t}"))
                    .unwrap_or_default()
            ),
            Cause::Paging { after } => write!(
                f,
                "the manager did not page by ID (asked for IDs above {after}, got one that is \
                 not): stopped rather than read forever"
            ),
            Cause::Computer { id, message } => match id {
                Some(id) => write!(f, "computer ID {id}: {message}"),
                None => write!(f, "a computer: {message}"),
            },
        }
    }
}

/// An HTTP status other than 200, with what it usually means for this
/// API.
fn status(
    f: &mut fmt::Formatter<'_>,
    code: u16,
    reason: &str,
    message: Option<&str>,
    location: Option<&str>,
) -> fmt::Result {
    let said = message
        .map(|m| format!(" (the manager says: {m})"))
        .unwrap_or_default();
    match code {
        401 => write!(
            f,
            "the manager refused the API key (HTTP 401 {reason}){said}: check that it \
                 is the secret shown when the key was created and that the key is not \
                 expired, locked or deleted; the hosted service wants --api-auth api-key"
        ),
        403 => write!(
            f,
            "the API key may not search computers (HTTP 403 {reason}){said}: give its \
                 role read access to computers"
        ),
        404 => write!(
            f,
            "no computer API at this URL (HTTP 404 {reason}){said}: check the URL (the \
                 console's, e.g. https://dsm.example.com:4119); a manager older than 11.1 \
                 has no REST API"
        ),
        300..=399 => write!(
            f,
            "redirected (HTTP {code} {reason}) to {}: not the API; check the URL; a \
                 manager older than 11.1 has no REST API",
            location.unwrap_or("nowhere")
        ),
        _ => write!(f, "HTTP {code} {reason}{said}"),
    }
}

/// Text from the network, safe for a terminal: control characters
/// (escape sequences, newlines) written as visible escapes, by the one
/// terminal escape ([`crate::base::text::terminal`]).
fn clean(s: &str) -> String {
    crate::base::text::terminal(s).into_owned()
}

/// Reads every computer from the manager, page by page, calling
/// `progress(computers read, pages read)` after each page.
pub async fn read_fleet(
    source: &ApiSource,
    catalog: &crate::model::profile::Catalog,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ManagerFleet, ApiError> {
    let fail = |cause| ApiError::Request {
        url: source.url.to_string(),
        cause,
    };
    let config = Arc::new(client_config(&source.trust).map_err(fail)?);
    let mut fleet = ManagerFleet {
        entries: Vec::new(),
        counts: ComputerCounts::default(),
        pages: 0,
        console: None,
    };
    let mut after = 0u64;
    loop {
        let (page, console) = read_page(source, &config, after).await.map_err(fail)?;
        if fleet.console.is_none() {
            fleet.console = Some(console);
        }
        let n = page.len();
        let last = last_id(&page, after).map_err(fail)?;
        let ids: Vec<Option<u64>> = page.iter().map(|c| c.id).collect();
        let entries = crate::inputs::inventory::computer_entries(page, &mut fleet.counts, catalog)
            .map_err(|(i, message)| {
                fail(Cause::Computer {
                    id: ids.get(i).copied().flatten(),
                    message: clean(&message),
                })
            })?;
        fleet.entries.extend(entries.into_iter().map(|mut e| {
            e.at = format!("the manager's computer list{}", e.at);
            e
        }));
        fleet.pages += 1;
        progress(fleet.counts.computers, fleet.pages);
        if n < source.page_size as usize {
            return Ok(fleet);
        }
        after = last;
    }
}

/// One page of computers: those with IDs above `after`, at most the page
/// size, and the console's TLS as this exchange saw it.
async fn read_page(
    source: &ApiSource,
    config: &Arc<ClientConfig>,
    after: u64,
) -> Result<(Vec<crate::inputs::inventory::Computer>, ConsoleTls), Cause> {
    let body = search_body(after, source.page_size);
    let whole = source.timeout.saturating_mul(10);
    let (response, console) = tokio::time::timeout(whole, exchange(source, config, &body))
        .await
        .map_err(|_| Cause::Timeout {
            step: "one page",
            after: whole,
        })??;
    if response.status != 200 {
        return Err(Cause::Status {
            code: response.status,
            reason: clean(&response.reason),
            message: manager_message(&response.body),
            location: response.location,
        });
    }
    let list: ComputerList =
        serde_json::from_slice(&response.body).map_err(|e| Cause::NotJson {
            content_type: response.content_type.clone(),
            error: e.to_string(),
        })?;
    Ok((list.into_vec(), console))
}

/// The highest ID of a page whose every computer has an ID above
/// `after`: where the next page starts. A computer without an ID, or at
/// or below `after`, means the manager does not page by ID.
fn last_id(page: &[crate::inputs::inventory::Computer], after: u64) -> Result<u64, Cause> {
    let mut last = after;
    for c in page {
        match c.id {
            Some(id) if id > after => last = last.max(id),
            Some(_) => return Err(Cause::Paging { after }),
            None => {
                return Err(Cause::Computer {
                    id: None,
                    message: "no ID (the API always gives one): cannot page".into(),
                });
            }
        }
    }
    Ok(last)
}

/// The search: IDs above `after`, in ID order, `page_size` of them.
fn search_body(after: u64, page_size: u32) -> Vec<u8> {
    serde_json::json!({
        "maxItems": page_size,
        "searchCriteria": [{"fieldName": "ID", "idTest": "greater-than", "idValue": after}],
        "sortByObjectID": true,
    })
    .to_string()
    .into_bytes()
}

/// The manager's `message` in an error body (JSON), escaped and shortened.
fn manager_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let m = v.get("message")?.as_str()?;
    let short: String = m.chars().take(200).collect();
    Some(clean(&short))
}

/// The rustls client: the ring provider, TLS 1.2 and 1.3, the trust asked.
fn client_config(trust: &Trust) -> Result<ClientConfig, Cause> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Cause::Tls(e.to_string()))?;
    let config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier::new(
                Chain::Any,
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth(),
        Trust::System => {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .first()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "the system store is empty".into());
                return Err(Cause::NoRoots(why));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::Ca { certs, .. } => {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(certs.iter().map(|c| CertificateDer::from(c.clone())));
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| Cause::Tls(format!("--api-ca: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Verifier::new(
                    Chain::CaOrPinned {
                        webpki,
                        pinned: certs.clone(),
                    },
                    provider.signature_verification_algorithms,
                )))
                .with_no_client_auth()
        }
    };
    Ok(config)
}

/// One HTTP response.
#[derive(Debug)]
struct Response {
    status: u16,
    reason: String,
    content_type: Option<String>,
    location: Option<String>,
    body: Vec<u8>,
}

/// `step` within the source's timeout.
async fn within<T>(
    source: &ApiSource,
    step: &'static str,
    f: impl std::future::Future<Output = Result<T, Cause>>,
) -> Result<T, Cause> {
    tokio::time::timeout(source.timeout, f)
        .await
        .map_err(|_| Cause::Timeout {
            step,
            after: source.timeout,
        })?
}

/// One request on a new connection: the response and the session's TLS.
async fn exchange(
    source: &ApiSource,
    config: &Arc<ClientConfig>,
    body: &[u8],
) -> Result<(Response, ConsoleTls), Cause> {
    let url = &source.url;
    let addrs: Vec<std::net::SocketAddr> = within(source, "resolving the host", async {
        tokio::net::lookup_host((url.host.as_str(), url.port))
            .await
            .map(|a| a.collect())
            .map_err(|e| Cause::Resolve(e.to_string()))
    })
    .await?;
    let tcp = within(source, "connecting", async {
        let mut last = None;
        for addr in &addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(Cause::Connect(last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "the host has no address")
        })))
    })
    .await?;
    let name = ServerName::try_from(url.host.clone()).map_err(|e| Cause::Tls(e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(config.clone());
    let mut tls = within(source, "the TLS handshake", async {
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| Cause::Tls(tls_message(&e)))
    })
    .await?;
    let console = {
        let (_, session) = tls.get_ref();
        let version = match session.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "tls1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "tls1.2".to_string(),
            Some(v) => format!("{v:?}"),
            None => "unknown".into(),
        };
        let cipher_suite = session
            .negotiated_cipher_suite()
            .map(|s| {
                let id = crate::model::suites::CipherSuiteId(u16::from(s.suite()));
                id.name().map(str::to_string).unwrap_or_else(|| id.hex())
            })
            .unwrap_or_else(|| "unknown".into());
        let chain: Vec<Vec<u8>> = session
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .map(|c| c.to_vec())
            .collect();
        ConsoleTls {
            version,
            cipher_suite,
            certificate: crate::tls::certinfo::summarize(&chain),
            trust: source.trust.describe(),
        }
    };
    let request = request(source, body);
    within(source, "sending the request", async {
        tls.write_all(&request).await.map_err(Cause::Io)?;
        tls.flush().await.map_err(Cause::Io)
    })
    .await?;
    let mut reader = BufReader::new(tls);
    let response = read_response(&mut reader, source).await?;
    Ok((response, console))
}

/// The rustls error, with what to do about an untrusted certificate.
fn tls_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    if text.contains("certificate") || text.contains("UnknownIssuer") {
        format!(
            "{text}: the console's certificate is not trusted; give --api-ca FILE with the CA \
             that signed it (or --api-insecure, in a lab only)"
        )
    } else {
        text
    }
}

/// The search request, with the key in the header the API wants.
fn request(source: &ApiSource, body: &[u8]) -> Vec<u8> {
    let url = &source.url;
    let hosted = match source.auth {
        AuthStyle::Auto => url.is_hosted(),
        AuthStyle::SecretKey => false,
        AuthStyle::ApiKey => true,
    };
    let auth = if hosted {
        format!("Authorization: ApiKey {}", source.key.0)
    } else {
        format!("api-secret-key: {}", source.key.0)
    };
    // Default ports stay out of Host, as browsers do.
    let host = if url.port == 443 {
        if url.host.contains(':') {
            format!("[{}]", url.host)
        } else {
            url.host.clone()
        }
    } else {
        url.authority()
    };
    let head = format!(
        "POST {}/computers/search?expand=computerStatus&expand=computerSettings HTTP/1.1\r\n\
         Host: {host}\r\n\
         {auth}\r\n\
         api-version: v1\r\n\
         Content-Type: application/json\r\n\
         Accept: application/json\r\n\
         User-Agent: tlscompat/{}\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\r\n",
        url.base,
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads one response: the head (at most [`MAX_HEAD`]), then the body by
/// `Content-Length`, chunks, or up to the close (at most the source's
/// `max_body`); each read within the source's timeout.
async fn read_response<R: AsyncBufRead + Unpin>(
    r: &mut R,
    source: &ApiSource,
) -> Result<Response, Cause> {
    loop {
        let head = read_head(r, source).await?;
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut headers);
        match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(Cause::NotHttp("the response head is incomplete".into()));
            }
            Err(e) => return Err(Cause::NotHttp(e.to_string())),
        }
        let status = parsed.code.unwrap_or(0);
        // 100 Continue and other interim answers precede the real one.
        if (100..200).contains(&status) {
            continue;
        }
        let header = |name: &str| {
            parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
        };
        let chunked =
            header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
        let length = match header("content-length") {
            Some(v) if !chunked => Some(
                v.parse::<u64>()
                    .map_err(|_| Cause::NotHttp(format!("Content-Length {v:?} is not a number")))?,
            ),
            _ => None,
        };
        let limit = source.max_body;
        let body = if status == 204 || status == 304 {
            Vec::new()
        } else if chunked {
            read_chunked(r, source).await?
        } else if let Some(n) = length {
            if n > limit as u64 {
                return Err(Cause::TooLarge { limit });
            }
            let mut body = vec![0; n as usize];
            let got = read_full(r, &mut body, source).await?;
            if got < body.len() {
                return Err(Cause::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("closed after {got} of {n} bytes"),
                )));
            }
            body
        } else {
            read_to_close(r, source).await?
        };
        let escape = |s: String| clean(&s);
        return Ok(Response {
            status,
            reason: parsed.reason.unwrap_or("").to_string(),
            content_type: header("content-type").map(escape),
            location: header("location").map(escape),
            body,
        });
    }
}

/// Bytes up to and including the blank line that ends a response head.
async fn read_head<R: AsyncBufRead + Unpin>(
    r: &mut R,
    source: &ApiSource,
) -> Result<Vec<u8>, Cause> {
    let mut head = Vec::new();
    loop {
        let line = read_line(r, source, MAX_HEAD - head.len().min(MAX_HEAD)).await?;
        if line.is_empty() {
            return Err(if head.is_empty() {
                Cause::NotHttp("the manager closed the connection without an answer".into())
            } else {
                Cause::NotHttp("the connection closed inside the response head".into())
            });
        }
        let blank = line == b"\r\n" || line == b"\n";
        head.extend_from_slice(&line);
        if blank && head.len() > line.len() {
            return Ok(head);
        }
        if blank {
            // Stray blank lines before a status line.
            head.clear();
        }
        if head.len() >= MAX_HEAD {
            return Err(Cause::NotHttp(format!(
                "the response head is longer than {MAX_HEAD} bytes"
            )));
        }
    }
}

/// One line (with its `\n`), at most `max` bytes; empty at the close.
async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    source: &ApiSource,
    max: usize,
) -> Result<Vec<u8>, Cause> {
    let mut line = Vec::new();
    within(source, "waiting for the answer", async {
        (&mut *r)
            .take(max as u64 + 1)
            .read_until(b'\n', &mut line)
            .await
            .map_err(Cause::Io)
    })
    .await?;
    if line.len() > max || (!line.is_empty() && !line.ends_with(b"\n") && line.len() == max) {
        return Err(Cause::NotHttp(format!("a line longer than {max} bytes")));
    }
    Ok(line)
}

async fn read_some<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut [u8],
    source: &ApiSource,
) -> Result<usize, Cause> {
    within(source, "waiting for the answer", async {
        r.read(buf).await.map_err(Cause::Io)
    })
    .await
}

/// Fills `buf`, each read within the source's timeout: the bytes read,
/// fewer than `buf.len()` when the connection closed first.
async fn read_full<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut [u8],
    source: &ApiSource,
) -> Result<usize, Cause> {
    let mut got = 0;
    while got < buf.len() {
        let k = read_some(r, &mut buf[got..], source).await?;
        if k == 0 {
            break;
        }
        got += k;
    }
    Ok(got)
}

/// A chunked body, at most the source's `max_body` bytes.
async fn read_chunked<R: AsyncBufRead + Unpin>(
    r: &mut R,
    source: &ApiSource,
) -> Result<Vec<u8>, Cause> {
    let limit = source.max_body;
    let mut body = Vec::new();
    loop {
        let line = read_line(r, source, 1024).await?;
        if line.is_empty() {
            return Err(Cause::NotHttp(
                "the connection closed inside a chunked body".into(),
            ));
        }
        let text = String::from_utf8_lossy(&line);
        let size_text = text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| Cause::NotHttp(format!("bad chunk size {:?}", clean(size_text))))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let t = read_line(r, source, 8192).await?;
                if t.is_empty() || t == b"\r\n" || t == b"\n" {
                    return Ok(body);
                }
            }
        }
        if body.len().saturating_add(size) > limit {
            return Err(Cause::TooLarge { limit });
        }
        let start = body.len();
        body.resize(start + size, 0);
        if read_full(r, &mut body[start..], source).await? < size {
            return Err(Cause::NotHttp(
                "the connection closed inside a chunk".into(),
            ));
        }
        let end = read_line(r, source, 2).await?;
        if end != b"\r\n" && end != b"\n" {
            return Err(Cause::NotHttp("a chunk does not end with CRLF".into()));
        }
    }
}

/// A body without a length: up to the close, at most `max_body` bytes.
async fn read_to_close<R: AsyncBufRead + Unpin>(
    r: &mut R,
    source: &ApiSource,
) -> Result<Vec<u8>, Cause> {
    let limit = source.max_body;
    let mut body = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = match read_some(r, &mut buf, source).await {
            Ok(k) => k,
            // A close without close_notify ends a read-to-close body too.
            Err(Cause::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e),
        };
        if k == 0 {
            return Ok(body);
        }
        if body.len() + k > limit {
            return Err(Cause::TooLarge { limit });
        }
        body.extend_from_slice(&buf[..k]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> ApiSource {
        ApiSource {
            url: ApiUrl::parse("https://dsm.example:4119").unwrap(),
            key: ApiKey::new("2:SECRET").unwrap(),
            auth: AuthStyle::Auto,
            trust: Trust::Insecure,
            timeout: Duration::from_secs(1),
            page_size: 10,
            max_body: 100,
        }
    }

    #[test]
    fn urls() {
        let u = ApiUrl::parse("https://dsm.example.com:4119").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.base.as_str()),
            ("dsm.example.com", 4119, "/api")
        );
        assert_eq!(u.to_string(), "https://dsm.example.com:4119/api");
        assert_eq!(ApiUrl::parse("HTTPS://h/").unwrap().port, 443);
        assert_eq!(ApiUrl::parse("https://h:4119/api/").unwrap().base, "/api");
        assert_eq!(ApiUrl::parse("https://h/dsm/api").unwrap().base, "/dsm/api");
        assert_eq!(
            ApiUrl::parse("https://[::1]:4119").unwrap().to_string(),
            "https://[::1]:4119/api"
        );
        assert!(
            ApiUrl::parse("https://workload.us-1.cloudone.trendmicro.com/api")
                .unwrap()
                .is_hosted()
        );
        assert!(!u.is_hosted());
        for (bad, why) in [
            ("dsm.example.com:4119", "console's URL"),
            ("http://dsm:4119", "in the clear"),
            ("https://u:p@dsm:4119", "no user name"),
            ("https://dsm:99999", "not valid"),
            ("https://dsm:4119/SignIn.screen", "ends in /api"),
        ] {
            let e = ApiUrl::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn keys_are_never_printed() {
        let k = ApiKey::new(" 2:SECRET\n").unwrap();
        assert_eq!(k.0, "2:SECRET");
        assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
        assert!(!format!("{:?}", source()).contains("SECRET"));
        assert!(ApiKey::new("  ").is_err());
        assert!(ApiKey::new("a\nb").is_err());
        let r = String::from_utf8(request(&source(), b"{}")).unwrap();
        assert!(
            r.contains("\r\napi-secret-key: 2:SECRET\r\napi-version: v1\r\n"),
            "{r}"
        );
        assert!(r.starts_with(
            "POST /api/computers/search?expand=computerStatus&expand=computerSettings HTTP/1.1\r\nHost: dsm.example:4119\r\n"
        ));
        assert!(r.ends_with("Content-Length: 2\r\nConnection: close\r\n\r\n{}"));
        let hosted = ApiSource {
            auth: AuthStyle::ApiKey,
            ..source()
        };
        let r = String::from_utf8(request(&hosted, b"{}")).unwrap();
        assert!(r.contains("\r\nAuthorization: ApiKey 2:SECRET\r\n"), "{r}");
        assert!(!r.contains("api-secret-key"));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_readable_by_others_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.txt");
        std::fs::write(&path, "2:SECRET\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = ApiKey::from_file(&path).unwrap_err().to_string();
        assert!(e.contains("mode 0644") && e.contains("chmod 600"), "{e}");
        assert!(!e.contains("SECRET"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(ApiKey::from_file(&path).unwrap().0, "2:SECRET");
    }

    #[test]
    fn the_search_pages_by_id() {
        let v: serde_json::Value = serde_json::from_slice(&search_body(1234, 1000)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"maxItems": 1000, "sortByObjectID": true,
                "searchCriteria": [{"fieldName": "ID", "idTest": "greater-than", "idValue": 1234}]})
        );
    }

    fn read(bytes: &[u8]) -> Result<Response, Cause> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut r = BufReader::new(bytes);
            read_response(&mut r, &source()).await
        })
    }

    #[test]
    fn bodies_by_length_chunks_and_close() {
        let r = read(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello",
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        let r = read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n").unwrap();
        assert_eq!(r.body, b"abcde");
        let r = read(b"HTTP/1.0 401 Unauthorized\r\n\r\n{\"message\": \"bad\"}").unwrap();
        assert_eq!((r.status, r.reason.as_str()), (401, "Unauthorized"));
        assert_eq!(manager_message(&r.body).as_deref(), Some("bad"));
    }

    #[test]
    fn bodies_over_the_bound_and_broken_answers() {
        assert!(matches!(
            read(b"HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"),
            Err(Cause::TooLarge { limit: 100 })
        ));
        let chunk = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{}\r\n40\r\n{}\r\n0\r\n\r\n",
            "a".repeat(64),
            "b".repeat(64)
        );
        assert!(matches!(
            read(chunk.as_bytes()),
            Err(Cause::TooLarge { .. })
        ));
        let close = format!("HTTP/1.1 200 OK\r\n\r\n{}", "x".repeat(101));
        assert!(matches!(
            read(close.as_bytes()),
            Err(Cause::TooLarge { .. })
        ));
        assert!(matches!(read(b""), Err(Cause::NotHttp(_))));
        assert!(matches!(
            read(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(Cause::NotHttp(_))
        ));
        assert!(matches!(
            read(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
            Err(Cause::Io(_))
        ));
        assert!(matches!(
            read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(Cause::NotHttp(_))
        ));
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(read(long.as_bytes()), Err(Cause::NotHttp(_))));
    }

    #[test]
    fn messages_name_the_cause() {
        let status = |code| {
            Cause::Status {
                code,
                reason: "R".into(),
                message: None,
                location: None,
            }
            .to_string()
        };
        assert!(status(401).contains("refused the API key"));
        assert!(status(403).contains("read access to computers"));
        assert!(status(404).contains("older than 11.1"));
        assert!(status(500).contains("HTTP 500 R"));
    }
}
