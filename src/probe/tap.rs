//! A stream that keeps a copy of what passes through it.
//!
//! A full handshake runs inside a TLS library that judges the server by its
//! own rules and reports failures in its own words. Wrapping the socket in a
//! [`Tap`] keeps the bytes both ways, so the same connection is also judged
//! by tlscompat's first-flight rules (what the server chose, its certificate
//! chain, a CertificateRequest) and a failure can be placed in the handshake
//! ("after the client key exchange"). Both copies are bounded.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much of each direction is kept: a first flight with a long chain
/// fits with room to spare.
pub const TAP_LIMIT: usize = 256 * 1024;

/// What went through a [`Tap`].
#[derive(Debug, Default, Clone)]
pub struct Recording {
    /// Bytes read from the peer, up to [`TAP_LIMIT`].
    pub read: Vec<u8>,
    /// Bytes written to the peer, up to [`TAP_LIMIT`].
    pub written: Vec<u8>,
}

/// The recording, shared: a TLS library may drop the stream on failure,
/// and the bytes are wanted most then.
pub type SharedRecording = Arc<Mutex<Recording>>;

/// A stream wrapper that records what was read and written.
#[derive(Debug)]
pub struct Tap<S> {
    inner: S,
    recording: SharedRecording,
}

impl<S> Tap<S> {
    /// Wraps `inner`; the recording stays readable after the tap is gone.
    pub fn new(inner: S) -> (Tap<S>, SharedRecording) {
        let recording = SharedRecording::default();
        (
            Tap {
                inner,
                recording: recording.clone(),
            },
            recording,
        )
    }

    fn record(&self, f: impl FnOnce(&mut Recording)) {
        // A poisoned lock only means another thread panicked mid-copy: the
        // bytes are still worth keeping.
        let mut guard = self.recording.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard);
    }
}

/// A copy of a shared recording.
pub fn snapshot(recording: &SharedRecording) -> Recording {
    recording.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn keep(into: &mut Vec<u8>, bytes: &[u8]) {
    let room = TAP_LIMIT.saturating_sub(into.len());
    into.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            self.record(|r| keep(&mut r.read, &buf.filled()[before..]));
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = poll {
            self.record(|r| keep(&mut r.written, &buf[..n]));
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Splits the bytes a client wrote into its first ClientHello (the bytes of
/// the records that carry it) and the rest.
pub fn split_client_hello(written: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut at = 0;
    let mut message = Vec::new();
    loop {
        let header = written.get(at..at + 5)?;
        if header[0] != 22 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        message.extend_from_slice(written.get(at + 5..at + 5 + len)?);
        at += 5 + len;
        if message.len() >= 4 {
            let body = (usize::from(message[1]) << 16)
                | (usize::from(message[2]) << 8)
                | usize::from(message[3]);
            if message.len() >= 4 + body {
                return Some(written.split_at(at));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn keeps_both_directions() {
        let (a, mut b) = tokio::io::duplex(64);
        let (mut tap, recording) = Tap::new(a);
        tap.write_all(b"hello").await.unwrap();
        b.write_all(b"world").await.unwrap();
        let mut buf = [0u8; 5];
        tap.read_exact(&mut buf).await.unwrap();
        drop(tap);
        let r = snapshot(&recording);
        assert_eq!(r.written, b"hello");
        assert_eq!(r.read, b"world");
    }

    #[test]
    fn finds_the_client_hello_records() {
        let spec = crate::probe::HelloSpec::at(
            crate::model::version::TlsVersion::Tls12,
            vec![crate::model::suites::CipherSuiteId(0xC02F)],
            None,
        );
        let hello = spec.build().encode();
        let mut bytes = hello.clone();
        bytes.extend_from_slice(&[22, 3, 3, 0, 1, 9]);
        let (first, rest) = split_client_hello(&bytes).unwrap();
        assert_eq!(first, hello.as_slice());
        assert_eq!(rest, &[22, 3, 3, 0, 1, 9]);
        assert!(split_client_hello(&hello[..hello.len() - 1]).is_none());
        assert!(split_client_hello(b"GET / HTTP/1.1").is_none());
    }
}
