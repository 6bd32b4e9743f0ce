//! The messages of a server's first flight, one type each, with their
//! decoders and (for tests and fake servers) their encoders: ServerHello
//! (and HelloRetryRequest), Alert, CertificateRequest, Certificate and
//! ServerHelloDone; and of its second flight up to TLS 1.2, the one message
//! sent in the clear, NewSessionTicket. [`super::flight::FlightReader`] cuts
//! the bytes into messages and calls these; they never panic on any input.

use super::codec::{Reader, Writer};
use super::codes::{
    AlertDescription, AlertLevel, ClientCertificateType, CompressionMethod, ExtensionType,
    HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use super::error::WireError;
use crate::wire::codes::CipherSuiteId;

/// A ServerHello (or HelloRetryRequest), with its extensions left raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The `legacy_version` (`server_version` before TLS 1.3) field.
    pub legacy_version: ProtocolVersion,
    /// The server random.
    pub random: [u8; 32],
    /// The session id, 0..=32 bytes.
    pub session_id: Vec<u8>,
    /// The suite the server chose.
    pub cipher_suite: CipherSuiteId,
    /// The compression method the server chose.
    pub compression: CompressionMethod,
    /// Extensions as (type, data), in wire order; empty when the block is
    /// absent.
    pub extensions: Vec<(ExtensionType, Vec<u8>)>,
}

impl ServerHello {
    /// The random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest")
    /// (RFC 8446 §4.1.3).
    pub const HELLO_RETRY_RANDOM: [u8; 32] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8,
        0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8,
        0x33, 0x9C,
    ];

    /// Whether this is a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == Self::HELLO_RETRY_RANDOM
    }

    /// The data of the first extension of type `typ`.
    pub fn extension(&self, typ: ExtensionType) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(t, _)| *t == typ)
            .map(|(_, data)| data.as_slice())
    }

    /// The version in the supported_versions extension (server form: exactly
    /// two bytes), if present and well formed.
    pub fn selected_version(&self) -> Option<ProtocolVersion> {
        match self.extension(ExtensionType::SUPPORTED_VERSIONS)? {
            &[hi, lo] => Some(ProtocolVersion(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// The version this hello negotiates: [`Self::selected_version`], else
    /// `legacy_version`.
    pub fn negotiated_version(&self) -> ProtocolVersion {
        self.selected_version().unwrap_or(self.legacy_version)
    }

    /// The group of the key_share extension: the first two bytes (in a
    /// HelloRetryRequest the whole extension is the selected group).
    pub fn key_share_group(&self) -> Option<NamedGroup> {
        match self.extension(ExtensionType::KEY_SHARE)? {
            &[hi, lo, ..] => Some(NamedGroup(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// The downgrade sentinel in the last eight bytes of the random
    /// (RFC 8446 §4.1.3): a TLS 1.3 server that negotiated TLS 1.2 (or
    /// below 1.2) says so: the version it signals.
    pub fn downgrade_sentinel(&self) -> Option<ProtocolVersion> {
        match self.random.get(24..)? {
            b"DOWNGRD\x01" => Some(ProtocolVersion::TLS12),
            b"DOWNGRD\x00" => Some(ProtocolVersion::TLS11),
            _ => None,
        }
    }

    /// The handshake message (type, u24 length, body). Empty `extensions`
    /// writes no extension block.
    pub fn encode_handshake(&self) -> Vec<u8> {
        handshake(HandshakeType::SERVER_HELLO, |w| {
            w.u16(self.legacy_version.0);
            w.bytes(&self.random);
            w.prefixed_u8(|w| w.bytes(&self.session_id));
            w.u16(self.cipher_suite.0);
            w.u8(self.compression.0);
            if !self.extensions.is_empty() {
                w.prefixed_u16(|w| {
                    for (typ, data) in &self.extensions {
                        w.u16(typ.0);
                        w.prefixed_u16(|w| w.bytes(data));
                    }
                });
            }
        })
    }

    /// Parses a ServerHello body by hand: any `legacy_version` is accepted,
    /// so a server that picks a version we do not know is still reported.
    pub fn decode_body(body: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new("ServerHello", body);
        let legacy_version = ProtocolVersion(r.u16("legacy_version")?);
        let random = r.array::<32>("random")?;
        let session_id = r.prefixed_u8("session_id")?;
        if session_id.len() > 32 {
            return Err(r.invalid(&format!(
                "session_id of {} bytes (at most 32)",
                session_id.len()
            )));
        }
        let cipher_suite = CipherSuiteId(r.u16("cipher_suite")?);
        let compression = CompressionMethod(r.u8("compression_method")?);
        let mut extensions = Vec::new();
        if !r.is_empty() {
            let mut block = r.sub_u16("extensions")?;
            r.expect_end("the extensions")?;
            while !block.is_empty() {
                let typ = ExtensionType(block.u16("extension type")?);
                let data = block.prefixed_u16("extension data")?;
                extensions.push((typ, data.to_vec()));
            }
        }
        Ok(Self {
            legacy_version,
            random,
            session_id: session_id.to_vec(),
            cipher_suite,
            compression,
            extensions,
        })
    }
}

/// An alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Alert {
    /// warning or fatal.
    pub level: AlertLevel,
    /// What went wrong.
    pub description: AlertDescription,
}

impl Alert {
    /// The two bytes of an alert record's payload.
    pub fn encode(&self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }
}

/// A CertificateRequest (TLS ≤ 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The certificate types the server accepts.
    pub certificate_types: Vec<ClientCertificateType>,
    /// The signature algorithms the server accepts; empty before TLS 1.2,
    /// whose CertificateRequest has no such field.
    pub signature_algorithms: Vec<SignatureScheme>,
    /// The acceptable CAs, as DER distinguished names.
    pub ca_names: Vec<Vec<u8>>,
}

impl CertificateRequest {
    /// The handshake message in the form `version` uses: without
    /// signature_algorithms before TLS 1.2, with them from TLS 1.2 on (the
    /// TLS 1.3 form is never sent in plaintext, so it has no encoder here).
    pub fn encode_handshake(&self, version: ProtocolVersion) -> Vec<u8> {
        handshake(HandshakeType::CERTIFICATE_REQUEST, |w| {
            w.prefixed_u8(|w| {
                for t in &self.certificate_types {
                    w.u8(t.0);
                }
            });
            if has_signature_algorithms(version) {
                w.prefixed_u16(|w| {
                    for s in &self.signature_algorithms {
                        w.u16(s.0);
                    }
                });
            }
            w.prefixed_u16(|w| {
                for name in &self.ca_names {
                    w.prefixed_u16(|w| w.bytes(name));
                }
            });
        })
    }

    /// Parses a CertificateRequest body in the form `version` uses.
    pub fn decode_body(body: &[u8], version: ProtocolVersion) -> Result<Self, WireError> {
        let mut r = Reader::new("CertificateRequest", body);
        let certificate_types = r
            .prefixed_u8("certificate_types")?
            .iter()
            .map(|&t| ClientCertificateType(t))
            .collect();
        let signature_algorithms = if has_signature_algorithms(version) {
            r.sub_u16("supported_signature_algorithms")?
                .u16_list("supported_signature_algorithms")?
                .into_iter()
                .map(SignatureScheme)
                .collect()
        } else {
            Vec::new()
        };
        let mut names = r.sub_u16("certificate_authorities")?;
        r.expect_end("certificate_authorities")?;
        let mut ca_names = Vec::new();
        while !names.is_empty() {
            ca_names.push(names.prefixed_u16("distinguished name")?.to_vec());
        }
        Ok(Self {
            certificate_types,
            signature_algorithms,
            ca_names,
        })
    }
}

/// A NewSessionTicket (TLS ≤ 1.2, RFC 5077 section 3.3): the server sends it
/// after the client's Finished and before its own ChangeCipherSpec, so it
/// travels in the clear. (TLS 1.3 sends another form, encrypted.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// `ticket_lifetime_hint`, in seconds (0: unspecified).
    pub lifetime_hint: u32,
    /// The ticket, opaque to the client; empty when the server, having
    /// agreed to send one, declines after all.
    pub ticket: Vec<u8>,
}

impl NewSessionTicket {
    /// The handshake message.
    pub fn encode_handshake(&self) -> Vec<u8> {
        handshake(HandshakeType::NEW_SESSION_TICKET, |w| {
            w.bytes(&self.lifetime_hint.to_be_bytes());
            w.prefixed_u16(|w| w.bytes(&self.ticket));
        })
    }

    /// Parses a NewSessionTicket body (TLS ≤ 1.2 form).
    pub fn decode_body(body: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new("NewSessionTicket", body);
        let lifetime_hint = u32::from_be_bytes(r.array("ticket_lifetime_hint")?);
        let ticket = r.prefixed_u16("ticket")?.to_vec();
        r.expect_end("ticket")?;
        Ok(Self {
            lifetime_hint,
            ticket,
        })
    }
}

/// Whether a TLS ≤ 1.2 CertificateRequest of `version` carries
/// supported_signature_algorithms (TLS 1.2 and later).
fn has_signature_algorithms(version: ProtocolVersion) -> bool {
    version >= ProtocolVersion::TLS12
}

/// A Certificate handshake message (TLS ≤ 1.2 form): the chain, leaf first.
pub fn encode_certificate(chain: &[Vec<u8>]) -> Vec<u8> {
    handshake(HandshakeType::CERTIFICATE, |w| {
        w.prefixed_u24(|w| {
            for cert in chain {
                w.prefixed_u24(|w| w.bytes(cert));
            }
        });
    })
}

/// Parses a Certificate body (TLS ≤ 1.2 form).
pub fn decode_certificate(body: &[u8]) -> Result<Vec<Vec<u8>>, WireError> {
    let mut r = Reader::new("Certificate", body);
    let mut list = r.sub_u24("certificate_list")?;
    r.expect_end("certificate_list")?;
    let mut chain = Vec::new();
    while !list.is_empty() {
        chain.push(list.prefixed_u24("certificate")?.to_vec());
    }
    Ok(chain)
}

/// A ServerHelloDone handshake message.
pub fn encode_server_hello_done() -> Vec<u8> {
    handshake(HandshakeType::SERVER_HELLO_DONE, |_| {})
}

/// A handshake message: type, u24 length, then what `body` writes.
pub(super) fn handshake(typ: HandshakeType, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(typ.0);
    w.prefixed_u24(body);
    w.into_inner()
}
