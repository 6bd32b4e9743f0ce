//! Reading the files users hand us, within limits.
//!
//! A security tool is attacked by its inputs: a FIFO given as an inventory
//! would hang forever, `/dev/zero` as a profile would grow memory until the
//! allocator gives up, and a YAML document nested tens of thousands of
//! levels deep takes minutes to parse. So every input file is checked
//! before it is read: a regular file (not a FIFO, a device or a directory),
//! no larger than its kind allows, and YAML no deeper than
//! [`MAX_YAML_DEPTH`]. The limits are stated in the README.

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

/// How deep YAML may nest (flow brackets, or indentation in steps of two).
pub const MAX_YAML_DEPTH: usize = 64;

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The system refused.
    #[error("{0}")]
    Io(#[from] std::io::Error),
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

/// The bytes of a regular file of `kind`, within its limit.
pub fn read_bytes(path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
    let meta = std::fs::metadata(path)?;
    let file_type = meta.file_type();
    if !file_type.is_file() {
        return Err(InputError::NotRegular(describe(&file_type)));
    }
    let limit = kind.limit();
    let too_large = |size| InputError::TooLarge {
        size,
        kind: kind.name(),
        limit,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    // The file may grow between the look and the read: read one byte more
    // than allowed, never more.
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
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

pub use crate::suggest::EXCERPT_CHARS;

/// How many characters of a value a parser's message may quote (the
/// parser quotes whole scalars: a file that is not YAML is one).
pub const QUOTE_CHARS: usize = 24;

pub use crate::suggest::excerpt;

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
}
