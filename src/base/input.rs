//! Reading the files users hand us, within limits.
//!
//! A security tool is attacked by its inputs: a FIFO given as an inventory
//! would hang forever, `/dev/zero` as a profile would grow memory until the
//! allocator gives up, and a YAML document nested tens of thousands of
//! levels deep takes minutes to parse. So every input file is checked
//! before it is read: a regular file (not a FIFO, a device or a directory),
//! no larger than its kind allows, and YAML no deeper than
//! [`MAX_YAML_DEPTH`]; a file whose size the system does not know (`/proc`)
//! is read only so far ([`UNKNOWN_SIZE_LIMIT`]). The limits are stated in
//! `docs/hardening.md`.

use std::io::Read;
use std::path::Path;

/// The kinds of input file, each with its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A profile (YAML): 1 MiB.
    Profile,
    /// A policy file (YAML): 1 MiB.
    Policy,
    /// An inventory (text, CSV, YAML, JSON): 64 MiB.
    Inventory,
    /// A PEM certificate, key or CA bundle: 1 MiB.
    Certificate,
    /// A saved scan report (JSON, JSON Lines): 512 MiB.
    Report,
}

impl Kind {
    /// The largest file of this kind read, in bytes.
    pub fn limit(self) -> u64 {
        const MIB: u64 = 1024 * 1024;
        match self {
            Kind::Profile | Kind::Policy | Kind::Certificate => MIB,
            Kind::Inventory => 64 * MIB,
            Kind::Report => 512 * MIB,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Policy => "policy file",
            Kind::Inventory => "inventory",
            Kind::Certificate => "certificate or key file",
            Kind::Report => "saved report",
        }
    }
}

impl From<std::io::Error> for InputError {
    /// A [`Limited`] reader's "too large" comes back out of the `io::Error`.
    fn from(e: std::io::Error) -> Self {
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<InputError>());
        match inner {
            Some(InputError::TooLarge { size, kind, limit }) => InputError::TooLarge {
                size: *size,
                kind,
                limit: *limit,
            },
            Some(InputError::UnknownSize { limit }) => InputError::UnknownSize { limit: *limit },
            _ => InputError::Io(e),
        }
    }
}

/// How deep YAML may nest (flow brackets, or indentation in steps of two).
pub const MAX_YAML_DEPTH: usize = 64;

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The system refused.
    #[error("{0}")]
    Io(std::io::Error),
    /// A FIFO, a device, a directory, a socket.
    #[error("not a regular file ({0}): only regular files are read")]
    NotRegular(&'static str),
    /// Over the kind's limit.
    #[error("{size} bytes: a {kind} is at most {limit} bytes")]
    TooLarge {
        /// The file's size (at least).
        size: u64,
        /// Which kind of file.
        kind: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A file whose size the system does not know (it says 0 bytes, as
    /// `/proc` files do) and that holds more than [`UNKNOWN_SIZE_LIMIT`].
    #[error(
        "its size is unknown (the system says 0 bytes, as for files under /proc) and it holds \
         more than {limit} bytes: only files of known size are read past that"
    )]
    UnknownSize {
        /// What was read of it at most.
        limit: u64,
    },
    /// Not UTF-8.
    #[error("not UTF-8 text")]
    NotText,
    /// YAML nested too deep.
    #[error("nested {depth} levels deep at line {line}: at most {MAX_YAML_DEPTH} levels are read")]
    TooDeep {
        /// How deep.
        depth: usize,
        /// Where (1-based).
        line: usize,
    },
}

/// How much of a file is read whose size the system does not know: a
/// regular file that says it holds 0 bytes (`/proc` and `/sys` files,
/// which are generated when read, some of them without end or far larger
/// than any input: `/proc/self/pagemap`).
pub const UNKNOWN_SIZE_LIMIT: u64 = 1024 * 1024;

/// A regular file of `kind`, opened, and the most it may hold: its kind's
/// limit, or [`UNKNOWN_SIZE_LIMIT`] when the file's size is unknown.
fn open(path: &Path, kind: Kind) -> Result<(std::fs::File, u64, bool), InputError> {
    let meta = std::fs::metadata(path)?;
    let file_type = meta.file_type();
    if !file_type.is_file() {
        return Err(InputError::NotRegular(describe(&file_type)));
    }
    let limit = kind.limit();
    if meta.len() > limit {
        return Err(InputError::TooLarge {
            size: meta.len(),
            kind: kind.name(),
            limit,
        });
    }
    let unknown = meta.len() == 0 && limit > UNKNOWN_SIZE_LIMIT;
    let limit = if unknown { UNKNOWN_SIZE_LIMIT } else { limit };
    Ok((std::fs::File::open(path)?, limit, unknown))
}

/// The bytes of a regular file of `kind`, within its limit.
pub fn read_bytes(path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
    let mut reader = reader(path, kind)?;
    // Room for the file's size, within its limit, made once: grown by
    // doubling as it is read, a file's bytes were held with up to as much
    // again of room (and, for a moment, twice).
    let size = match reader.inner.metadata() {
        Ok(m) if !reader.unknown_size => m.len().min(reader.limit),
        _ => 0,
    };
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A regular file of `kind`, read as a stream: reading past the kind's
/// limit (or past [`UNKNOWN_SIZE_LIMIT`] for a file of unknown size) fails
/// with [`InputError::TooLarge`] inside the `io::Error`. The file may grow
/// between the look and the read: never more than the limit and a page is
/// read.
pub fn reader(path: &Path, kind: Kind) -> Result<Limited<std::fs::File>, InputError> {
    let (file, limit, unknown_size) = open(path, kind)?;
    Ok(Limited {
        inner: file,
        read: 0,
        limit,
        kind,
        unknown_size,
    })
}

/// A reader that fails once more than its limit has been read.
#[derive(Debug)]
pub struct Limited<R> {
    inner: R,
    read: u64,
    limit: u64,
    kind: Kind,
    unknown_size: bool,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // A little past the limit is enough to know it was passed: a page,
        // not one byte, so that reads keep the caller's sizes (files under
        // /proc refuse reads of odd lengths).
        let room = (self.limit + 4096).saturating_sub(self.read);
        let n = usize::try_from(room).unwrap_or(usize::MAX).min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        let got = self.inner.read(&mut buf[..n])?;
        self.read += got as u64;
        if self.read > self.limit {
            let e = if self.unknown_size {
                InputError::UnknownSize { limit: self.limit }
            } else {
                InputError::TooLarge {
                    size: self.read,
                    kind: self.kind.name(),
                    limit: self.limit,
                }
            };
            return Err(std::io::Error::other(e));
        }
        Ok(got)
    }
}

/// The text of a regular file of `kind`, within its limit.
pub fn read_text(path: &Path, kind: Kind) -> Result<String, InputError> {
    String::from_utf8(read_bytes(path, kind)?).map_err(|_| InputError::NotText)
}

/// YAML text no deeper than [`MAX_YAML_DEPTH`].
pub fn read_yaml(path: &Path, kind: Kind) -> Result<String, InputError> {
    let text = read_text(path, kind)?;
    check_yaml_depth(&text)?;
    Ok(text)
}

/// Rejects YAML nested deeper than [`MAX_YAML_DEPTH`]: flow brackets
/// (`[[[…` or `{{{…`) or block indentation, outside quoted strings and
/// comments.
pub fn check_yaml_depth(text: &str) -> Result<(), InputError> {
    let mut flow = 0usize;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let mut depth = flow + indent / 2;
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    flow += 1;
                    depth = depth.max(flow + indent / 2);
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        if depth > MAX_YAML_DEPTH {
            return Err(InputError::TooDeep { depth, line: i + 1 });
        }
    }
    Ok(())
}

fn describe(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

pub use crate::base::suggest::EXCERPT_CHARS;

/// How many characters of a value a parser's message may quote (the
/// parser quotes whole scalars: a file that is not YAML is one).
pub const QUOTE_CHARS: usize = 24;

pub use crate::base::suggest::excerpt;

/// A parser's message (serde's, the YAML or CSV reader's) with every quoted
/// value in it (`"…"`, already escaped by serde, or `` `…` ``) cut to a
/// short excerpt: a message names the problem, not the file's content.
pub fn shorten_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(512));
    let mut rest = message;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        out.push_str(&rest[..start]);
        let body = &rest[start + 1..];
        // The closing quote: the next one not escaped by a backslash.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if quote == '"' && !escaped => escaped = true,
                c if c == quote && !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let (inner, after) = match end {
            Some(e) => (&body[..e], &body[e + 1..]),
            None => (body, ""),
        };
        let n = inner.chars().count();
        if n > QUOTE_CHARS {
            let head: String = inner.chars().take(QUOTE_CHARS).collect();
            out.push(quote);
            out.push_str(&head);
            out.push('…');
            out.push(quote);
            out.push_str(&format!(" ({n} characters)"));
        } else {
            out.push(quote);
            out.push_str(inner);
            if end.is_some() {
                out.push(quote);
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_depth() {
        assert!(check_yaml_depth("a:\n  b:\n    - [1, [2]]\n").is_ok());
        let deep = format!("x: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert!(matches!(
            check_yaml_depth(&deep),
            Err(InputError::TooDeep { line: 1, .. })
        ));
        let indented: String = (0..80)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        assert!(check_yaml_depth(&indented).is_err());
        // Brackets in quotes and comments do not count.
        let quoted = format!("x: \"{}\" # {}\n", "[".repeat(100), "{".repeat(100));
        assert!(check_yaml_depth(&quoted).is_ok());
    }

    #[test]
    fn only_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_bytes(dir.path(), Kind::Profile),
            Err(InputError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_bytes(Path::new("/dev/zero"), Kind::Profile),
            Err(InputError::NotRegular("a device"))
        ));
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; (Kind::Profile.limit() + 1) as usize]).unwrap();
        let e = read_text(&big, Kind::Profile).unwrap_err().to_string();
        assert!(e.contains("a profile is at most 1048576 bytes"), "{e}");
        let ok = dir.path().join("ok.yaml");
        std::fs::write(&ok, "id: x\n").unwrap();
        assert_eq!(read_yaml(&ok, Kind::Profile).unwrap(), "id: x\n");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_of_unknown_size_are_read_only_so_far() {
        // A /proc file says 0 bytes: a small one is read whole ...
        let status = read_text(Path::new("/proc/self/status"), Kind::Report).unwrap();
        assert!(status.contains("Pid:"), "{status}");
        // ... one without end (or far larger) is refused at the small cap,
        // not read to the kind's limit.
        let e = read_bytes(Path::new("/proc/self/pagemap"), Kind::Report).unwrap_err();
        assert!(
            matches!(e, InputError::UnknownSize { limit } if limit == UNKNOWN_SIZE_LIMIT),
            "{e:?}"
        );
        assert!(e.to_string().contains("size is unknown"), "{e}");
    }

    #[test]
    fn a_limited_reader_stops_a_page_past_its_limit() {
        let mut r = Limited {
            inner: std::io::repeat(b'x'),
            read: 0,
            limit: 10,
            kind: Kind::Report,
            unknown_size: false,
        };
        let mut out = Vec::new();
        let e = InputError::from(r.read_to_end(&mut out).unwrap_err());
        assert!(
            matches!(e, InputError::TooLarge { size, limit: 10, .. } if size > 10),
            "{e:?}"
        );
        assert!(out.len() <= 10 + 4096, "{}", out.len());
    }
}
