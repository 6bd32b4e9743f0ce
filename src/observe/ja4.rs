//! The JA4 TLS client fingerprint of a ClientHello, to FoxIO's published
//! definition (`technical_details/JA4.md` in the FoxIO-LLC/ja4 repository):
//! `t13d1516h2_8daaf6152771_e5627efa2ab1`.
//!
//! Part a: transport (`t`: TLS over TCP, all a capture of TCP gives us),
//! the highest version (supported_versions, else legacy_version), `d` with
//! SNI or `i` without, the counts of suites and extensions (two digits, at
//! most 99), the first and last characters of the first ALPN value. Part b:
//! SHA-256 of the sorted suite list, 12 hex digits. Part c: SHA-256 of the
//! sorted extension list without SNI and ALPN, then `_` and the signature
//! algorithms in their order, 12 hex digits. GREASE values are ignored
//! everywhere; signalling suites (SCSV) count.

use crate::wire::codes::{ExtensionType, ProtocolVersion};
use crate::wire::{ClientHello, Extension};

/// Whether a 16-bit value is a GREASE value (RFC 8701: 0x0A0A, 0x1A1A, …).
pub fn is_grease(v: u16) -> bool {
    v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF
}

/// The JA4 fingerprint of `hello`, sent over TCP: `a_b_c`, each part
/// below.
pub fn ja4(hello: &ClientHello) -> String {
    let extensions = hello.extensions.as_deref().unwrap_or_default();
    let suites: Vec<u16> = hello
        .cipher_suites
        .iter()
        .map(|s| s.0)
        .filter(|s| !is_grease(*s))
        .collect();
    let types: Vec<u16> = extensions
        .iter()
        .map(|e| e.typ().0)
        .filter(|t| !is_grease(*t))
        .collect();
    let a = part_a(hello, extensions, suites.len(), types.len());
    let mut sorted = suites;
    sorted.sort_unstable();
    let b = if sorted.is_empty() {
        "000000000000".to_string()
    } else {
        hash12(&hex_list(&sorted))
    };
    let c = part_c(extensions, types);
    format!("{a}_{b}_{c}")
}

/// JA4's first part: transport, highest version offered, SNI or not, the
/// suite and extension counts, the first and last ALPN characters.
fn part_a(hello: &ClientHello, extensions: &[Extension], suites: usize, types: usize) -> String {
    let version = extensions
        .iter()
        .find_map(|e| match e {
            Extension::SupportedVersions(vs) => {
                vs.iter().map(|v| v.0).filter(|v| !is_grease(*v)).max()
            }
            _ => None,
        })
        .map_or(hello.legacy_version, ProtocolVersion);
    let version = match version.0 {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xFEFF => "d1",
        0xFEFD => "d2",
        0xFEFC => "d3",
        _ => "00",
    };
    let sni = if extensions
        .iter()
        .any(|e| e.typ() == ExtensionType::SERVER_NAME)
    {
        'd'
    } else {
        'i'
    };
    let alpn = extensions
        .iter()
        .find(|e| e.typ() == ExtensionType::ALPN)
        .map_or_else(|| "00".to_string(), |e| alpn_chars(&e.data_bytes()));
    format!(
        "t{version}{sni}{:02}{:02}{alpn}",
        suites.min(99),
        types.min(99)
    )
}

/// JA4's third part: the hash of the sorted extension types (without SNI
/// and ALPN) and the signature algorithms in their order.
fn part_c(extensions: &[Extension], types: Vec<u16>) -> String {
    let mut exts: Vec<u16> = types
        .into_iter()
        .filter(|t| *t != ExtensionType::SERVER_NAME.0 && *t != ExtensionType::ALPN.0)
        .collect();
    exts.sort_unstable();
    let sigalgs: Vec<u16> = extensions
        .iter()
        .find_map(|e| match e {
            Extension::SignatureAlgorithms(s) => Some(s.iter().map(|s| s.0).collect::<Vec<_>>()),
            Extension::Unknown { typ, data } if *typ == ExtensionType::SIGNATURE_ALGORITHMS => {
                // A list whose length disagrees: read what is there.
                Some(
                    data.get(2..)
                        .unwrap_or_default()
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect(),
                )
            }
            _ => None,
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|s| !is_grease(*s))
        .collect();
    if exts.is_empty() {
        "000000000000".to_string()
    } else if sigalgs.is_empty() {
        hash12(&hex_list(&exts))
    } else {
        hash12(&format!("{}_{}", hex_list(&exts), hex_list(&sigalgs)))
    }
}

/// The ALPN part from the extension data (u16 list length, then u8-length
/// protocol names).
fn alpn_chars(data: &[u8]) -> String {
    let first = match data {
        [_, _, len, rest @ ..] => rest.get(..usize::from(*len)).unwrap_or(rest),
        _ => &[],
    };
    let (Some(&f), Some(&l)) = (first.first(), first.last()) else {
        return "00".to_string();
    };
    if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() {
        format!("{}{}", f as char, l as char)
    } else {
        let hex: String = first.iter().map(|b| format!("{b:02x}")).collect();
        let mut chars = hex.chars();
        let f = chars.next().unwrap_or('0');
        let l = chars.next_back().unwrap_or('0');
        format!("{f}{l}")
    }
}

fn hex_list(values: &[u16]) -> String {
    values
        .iter()
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The first 12 hex digits of SHA-256, lower case.
fn hash12(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest
        .as_ref()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codes::{CipherSuiteId, CompressionMethod, SignatureScheme};

    fn raw(typ: u16, data: &[u8]) -> Extension {
        Extension::Unknown {
            typ: ExtensionType(typ),
            data: data.to_vec(),
        }
    }

    /// The hello of the published example (`JA4_ro` in JA4.md: suites and
    /// extensions in their original order), with GREASE added, which must
    /// change nothing.
    fn published_example() -> ClientHello {
        let suites = [
            0x0A0A, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let sigalgs = [
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ];
        let mut extensions = Vec::new();
        extensions.push(raw(0x2A2A, &[]));
        for t in [
            0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
            0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ] {
            extensions.push(match t {
                0x0000 => Extension::ServerName("example.com".into()),
                0x0010 => raw(0x0010, b"\x00\x0c\x02h2\x08http/1.1"),
                0x000d => Extension::SignatureAlgorithms(
                    std::iter::once(0x5A5A)
                        .chain(sigalgs)
                        .map(SignatureScheme)
                        .collect(),
                ),
                0x002b => Extension::SupportedVersions(vec![
                    ProtocolVersion(0x3A3A),
                    ProtocolVersion::TLS13,
                    ProtocolVersion::TLS12,
                ]),
                t => raw(t, &[]),
            });
        }
        extensions.push(raw(0xFAFA, &[0]));
        ClientHello {
            record_version: ProtocolVersion::TLS10,
            legacy_version: ProtocolVersion::TLS12,
            random: [7; 32],
            session_id: vec![1; 32],
            cipher_suites: suites.into_iter().map(CipherSuiteId).collect(),
            compression_methods: vec![CompressionMethod::NULL],
            extensions: Some(extensions),
        }
    }

    #[test]
    fn the_published_example() {
        assert_eq!(
            ja4(&published_example()),
            "t13d1516h2_8daaf6152771_e5627efa2ab1"
        );
    }

    #[test]
    fn the_published_hashes() {
        assert_eq!(
            hash12("002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"),
            "8daaf6152771"
        );
        assert_eq!(
            hash12(
                "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,\
                 0401,0503,0805,0501,0806,0601"
            ),
            "e5627efa2ab1"
        );
        assert_eq!(
            hash12("0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"),
            "6d807ffa2a79"
        );
    }

    #[test]
    fn alpn_values_as_published() {
        let alpn = |value: &[u8]| {
            let mut data = vec![0, (value.len() + 1) as u8, value.len() as u8];
            data.extend_from_slice(value);
            alpn_chars(&data)
        };
        assert_eq!(alpn(b"h2"), "h2");
        assert_eq!(alpn(b"http/1.1"), "h1");
        assert_eq!(alpn(b"x"), "xx");
        assert_eq!(alpn(&[0xAB]), "ab");
        assert_eq!(alpn(&[0xAB, 0xCD]), "ad");
        assert_eq!(alpn(&[0x30, 0xAB]), "3b");
        assert_eq!(alpn(&[0x30, 0x31, 0xAB, 0xCD]), "3d");
        assert_eq!(alpn(&[0x30, 0xAB, 0xCD, 0x31]), "01");
        assert_eq!(alpn(b""), "00");
        assert_eq!(alpn_chars(&[]), "00");
    }

    #[test]
    fn an_agent_hello_without_sni_alpn_or_extensions() {
        // A TLS 1.2 hello of two suites and no extensions at all.
        let hello = ClientHello {
            cipher_suites: vec![CipherSuiteId(0xC030), CipherSuiteId(0xC02F)],
            extensions: None,
            ..published_example()
        };
        let fp = ja4(&hello);
        assert!(fp.starts_with("t12i020000_"), "{fp}");
        assert!(fp.ends_with("_000000000000"), "{fp}");
        assert_eq!(&fp[11..23], hash12("c02f,c030"));
        // No suites either.
        let none = ClientHello {
            cipher_suites: vec![],
            ..hello
        };
        assert_eq!(ja4(&none), "t12i000000_000000000000_000000000000");
        assert!(is_grease(0x0A0A) && is_grease(0xFAFA) && !is_grease(0x0A1A));
    }
}
