//! An injected round-trip time (`serve --latency`): a stream that holds
//! every chunk it reads from the client for the round trip before the
//! emulator sees it.
//!
//! For a request-response protocol that is the round trip of a far
//! endpoint: each client flight is answered one round trip after the
//! client sent it, as through a proxy that delays each direction by half.
//! Writes go out at once. Chunks, the end of the stream and read errors
//! come out in the order they came in, each when it is due; the stream keeps
//! reading (and time-stamping) what arrives while an earlier chunk waits,
//! up to [`MAX_HELD`] bytes. Waiting is a tokio timer, never a busy poll.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Bytes held at most; past that the stream stops reading the client until
/// the emulator has taken some (TCP's own window does the rest).
pub(super) const MAX_HELD: usize = 64 * 1024;

/// Bytes read from the client at a time (into a buffer on the stack: a
/// held chunk takes only what was read, and an idle connection nothing).
const CHUNK: usize = 4 * 1024;

/// What was read, to be delivered when due.
#[derive(Debug)]
enum Item {
    Data(Vec<u8>),
    Eof,
    Error(io::Error),
}

/// `S`, its reads delayed by a round trip.
#[derive(Debug)]
pub(super) struct Delayed<S> {
    inner: S,
    round_trip: Duration,
    /// No chunk is delivered before this plus the round trip.
    not_before: Instant,
    /// Items read and not yet delivered, each with the time it is due.
    held: VecDeque<(Instant, Item)>,
    /// Bytes of `held` not delivered yet.
    held_bytes: usize,
    /// How much of the front chunk was delivered already.
    offset: usize,
    /// The end of the stream or an error was read: read no further until it
    /// is delivered (and after the end, never again).
    ended: bool,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<S> Delayed<S> {
    /// `inner` with every read held for `round_trip`. With `tcp_handshake`,
    /// the round trip a real TCP handshake costs (which loopback completes
    /// at once) is charged too: nothing is delivered before two round trips
    /// from now, so a client's first flight is answered when it would be
    /// from a far endpoint (one round trip to connect, one to answer).
    /// A zero `round_trip` passes everything straight through.
    pub(super) fn new(inner: S, round_trip: Duration, tcp_handshake: bool) -> Self {
        let now = Instant::now();
        Delayed {
            inner,
            round_trip,
            not_before: if tcp_handshake { now + round_trip } else { now },
            held: VecDeque::new(),
            held_bytes: 0,
            offset: 0,
            ended: false,
            timer: None,
        }
    }
}

impl<S: AsyncRead + Unpin> Delayed<S> {
    /// Reads what the client has sent, time-stamping each chunk, until the
    /// client has nothing more (the inner stream then holds the waker), the
    /// stream ended, or [`MAX_HELD`] bytes are held.
    fn fill(&mut self, cx: &mut Context<'_>) {
        while !self.ended && self.held_bytes < MAX_HELD {
            let mut chunk = [0u8; CHUNK];
            let mut rb = ReadBuf::new(&mut chunk);
            let item = match Pin::new(&mut self.inner).poll_read(cx, &mut rb) {
                Poll::Pending => return,
                Poll::Ready(Ok(())) if rb.filled().is_empty() => Item::Eof,
                Poll::Ready(Ok(())) => Item::Data(rb.filled().to_vec()),
                Poll::Ready(Err(e)) => Item::Error(e),
            };
            let due = Instant::now().max(self.not_before) + self.round_trip;
            match &item {
                Item::Data(d) => self.held_bytes += d.len(),
                Item::Eof | Item::Error(_) => self.ended = true,
            }
            self.held.push_back((due, item));
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Delayed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.round_trip.is_zero() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        this.fill(cx);
        let Some((due, _)) = this.held.front() else {
            // Nothing held: either the end was delivered (it stays the end),
            // or the client has sent nothing and the inner stream will wake us.
            return if this.ended {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            };
        };
        let due = *due;
        if due > Instant::now() {
            let timer = this
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
            if timer.deadline() != due {
                timer.as_mut().reset(due);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        // Due: deliver the front item.
        let Some((_, item)) = this.held.front_mut() else {
            return Poll::Pending;
        };
        match item {
            Item::Data(d) => {
                let n = (d.len() - this.offset).min(buf.remaining());
                buf.put_slice(&d[this.offset..this.offset + n]);
                this.offset += n;
                this.held_bytes -= n;
                if this.offset == d.len() {
                    this.offset = 0;
                    this.held.pop_front();
                }
                Poll::Ready(Ok(()))
            }
            Item::Eof => {
                // `ended` stays set: every later read is the end too.
                this.held.pop_front();
                Poll::Ready(Ok(()))
            }
            Item::Error(_) => {
                let Some((_, Item::Error(e))) = this.held.pop_front() else {
                    unreachable!("the front item is an error");
                };
                // After an error the stream is read again, as without delay.
                this.ended = false;
                Poll::Ready(Err(e))
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Delayed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A scripted client: its items, all there at once.
    struct Script(VecDeque<io::Result<Vec<u8>>>);

    impl AsyncRead for Script {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match self.get_mut().0.pop_front() {
                Some(Ok(d)) => {
                    buf.put_slice(&d);
                    Poll::Ready(Ok(()))
                }
                Some(Err(e)) => Poll::Ready(Err(e)),
                None => Poll::Ready(Ok(())),
            }
        }
    }

    /// Counts the polls of the stream it wraps.
    struct Polls<S>(S, Arc<AtomicUsize>);

    impl<S: AsyncRead + Unpin> AsyncRead for Polls<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            this.1.fetch_add(1, Ordering::Relaxed);
            Pin::new(&mut this.0).poll_read(cx, buf)
        }
    }

    const RTT: Duration = Duration::from_millis(30);

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn data_then_error_then_end_in_order_each_held() {
        rt().block_on(async {
            let script = Script(
                [
                    Ok(b"hello".to_vec()),
                    Ok(b" world".to_vec()),
                    Err(io::Error::from(io::ErrorKind::ConnectionReset)),
                ]
                .into(),
            );
            let started = Instant::now();
            let mut s = Delayed::new(script, RTT, false);
            let mut buf = [0u8; 3];
            // A chunk larger than the caller's buffer comes out in pieces.
            let n = s.read(&mut buf).await.unwrap();
            assert!(started.elapsed() >= RTT, "held for the round trip");
            assert_eq!(&buf[..n], b"hel");
            let mut rest = [0u8; 64];
            let n = s.read(&mut rest).await.unwrap();
            assert_eq!(&rest[..n], b"lo");
            let n = s.read(&mut rest).await.unwrap();
            assert_eq!(&rest[..n], b" world");
            let e = s.read(&mut rest).await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
            // Read again after the error: the script's end, then the end for good.
            assert_eq!(s.read(&mut rest).await.unwrap(), 0);
            assert_eq!(s.read(&mut rest).await.unwrap(), 0);
        });
    }

    #[test]
    fn the_tcp_handshake_is_charged_to_the_first_chunk() {
        rt().block_on(async {
            let started = Instant::now();
            let mut s = Delayed::new(Script([Ok(b"x".to_vec())].into()), RTT, true);
            let mut buf = [0u8; 8];
            assert_eq!(s.read(&mut buf).await.unwrap(), 1);
            assert!(started.elapsed() >= 2 * RTT);
            assert_eq!(s.read(&mut buf).await.unwrap(), 0);
        });
    }

    #[test]
    fn zero_passes_through() {
        rt().block_on(async {
            let mut s = Delayed::new(Script([Ok(b"x".to_vec())].into()), Duration::ZERO, true);
            let mut out = Vec::new();
            s.read_to_end(&mut out).await.unwrap();
            assert_eq!(out, b"x");
        });
    }

    #[test]
    fn waits_without_polling_the_client_in_a_loop() {
        rt().block_on(async {
            let (mut client, server) = tokio::io::duplex(1024);
            let polls = Arc::new(AtomicUsize::new(0));
            let mut s = Delayed::new(
                Polls(server, polls.clone()),
                Duration::from_millis(200),
                false,
            );
            client.write_all(b"ping").await.unwrap();
            let mut buf = [0u8; 8];
            let n = s.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"ping");
            // The write, the timer: a handful of polls, not thousands.
            assert!(polls.load(Ordering::Relaxed) <= 4, "{polls:?}");
            drop(client);
            assert_eq!(s.read(&mut buf).await.unwrap(), 0);
            // Writes go through at once.
            let (mut client, server) = tokio::io::duplex(1024);
            let mut s = Delayed::new(server, Duration::from_secs(3600), false);
            s.write_all(b"pong").await.unwrap();
            let n = client.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"pong");
        });
    }

    #[test]
    fn holds_at_most_max_held_bytes() {
        rt().block_on(async {
            let chunks = (0..(MAX_HELD / CHUNK) * 2).map(|_| Ok(vec![7u8; CHUNK]));
            let mut s = Delayed::new(Script(chunks.collect()), RTT, false);
            let mut buf = [0u8; 1];
            assert_eq!(s.read(&mut buf).await.unwrap(), 1);
            // Read until MAX_HELD, then no further until the emulator takes some.
            assert_eq!(s.held_bytes, MAX_HELD - 1);
            assert_eq!(s.inner.0.len(), MAX_HELD / CHUNK);
        });
    }
}
