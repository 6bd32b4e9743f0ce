//! Unsteady servers for the `unsteady` benchmark: loopback fronts that make
//! a steady endpoint (an emulator) look flaky or load-balanced.
//!
//! - [`flaky`] refuses a random share of connections, after reading the
//!   client's first record (a ClientHello), by a fatal handshake_failure
//!   alert, by a close or by a reset, and forwards the rest;
//! - [`spread`] sends each connection to one of two upstreams (a load
//!   balancer in front of two differently configured nodes): at random,
//!   as a balancer that hashes each connection's addresses and ports does,
//!   or in turn (round robin), starting with a random one.
//!
//! Decisions come from a seeded xorshift in accept order (the seed mixed by
//! splitmix64 first), so a run's sequence of decisions is the same for the
//! same seed (which probe gets which decision still depends on the order
//! connections arrive in).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "../../tests/it/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// The fatal handshake_failure alert record a refusing front answers with.
const REFUSAL: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

/// How a [`flaky`] front refuses a connection, once it has read the hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A fatal handshake_failure alert, then a close: to a client, a refusal.
    Alert,
    /// A close (FIN) without a word.
    Close,
    /// A reset (RST).
    Reset,
}

impl Refusal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Refusal::Alert => "alert",
            Refusal::Close => "close",
            Refusal::Reset => "reset",
        }
    }
}

/// A running front: its address and what it did.
pub(crate) struct Front {
    pub(crate) addr: SocketAddr,
    connections: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
}

impl Front {
    /// Connections accepted so far.
    pub(crate) fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Connections refused so far.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }
}

/// A front that refuses about `share` (0.0–1.0) of the connections, as
/// `how` says, and forwards the others to `upstream`.
pub(crate) async fn flaky(upstream: SocketAddr, share: f64, how: Refusal, seed: u64) -> Front {
    let threshold = (share.clamp(0.0, 1.0) * 1_000_000.0) as u64;
    serve(seed, move |client, rng| {
        let refuse = rng.next() % 1_000_000 < threshold;
        Box::pin(async move {
            if refuse {
                refuse_after_hello(client, how).await;
            } else {
                forward(client, upstream).await;
            }
            refuse
        })
    })
    .await
}

/// How a [`spread`] front picks the node for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Balance {
    /// Each connection to either node at random.
    Random,
    /// In turn, in accept order.
    RoundRobin,
}

impl Balance {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Balance::Random => "random",
            Balance::RoundRobin => "round robin",
        }
    }
}

/// A front that forwards each connection to `a` or `b`, as `balance` says.
pub(crate) async fn spread(a: SocketAddr, b: SocketAddr, balance: Balance, seed: u64) -> Front {
    // Decisions are made one at a time (under the generator's lock).
    let turn = AtomicU64::new(u64::MAX);
    serve(seed, move |client, rng| {
        let pick = match balance {
            Balance::Random => rng.next(),
            Balance::RoundRobin => {
                if turn.load(Ordering::SeqCst) == u64::MAX {
                    turn.store(rng.next() % 2, Ordering::SeqCst);
                }
                turn.fetch_add(1, Ordering::SeqCst)
            }
        };
        let to = if pick % 2 == 0 { a } else { b };
        Box::pin(async move {
            forward(client, to).await;
            false
        })
    })
    .await
}

type Handled = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;

/// Accepts on 127.0.0.1 and a free port; `decide` runs in accept order
/// (with the seeded generator) and returns the connection's task, which
/// says whether it refused.
async fn serve(
    seed: u64,
    decide: impl Fn(TcpStream, &mut XorShift) -> Handled + Send + Sync + 'static,
) -> Front {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let (c, r) = (connections.clone(), refused.clone());
    let rng = Mutex::new(XorShift(splitmix(seed)));
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let task = decide(client, &mut rng.lock().unwrap());
            let r = r.clone();
            tokio::spawn(async move {
                if task.await {
                    r.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    Front {
        addr,
        connections,
        refused,
    }
}

/// A well-mixed, non-zero generator state from any seed (splitmix64), so
/// that nearby seeds start unrelated sequences.
fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).max(1)
}

/// Reads one TLS record (the ClientHello), then refuses as `how` says.
async fn refuse_after_hello(mut client: TcpStream, how: Refusal) {
    let mut header = [0u8; 5];
    let read = async {
        client.read_exact(&mut header).await?;
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let mut body = vec![0u8; len];
        client.read_exact(&mut body).await
    };
    if tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .is_err()
    {
        return;
    }
    match how {
        Refusal::Alert => {
            let _ = client.write_all(&REFUSAL).await;
            let _ = client.shutdown().await;
            // Let the client read the alert and close first.
            let mut rest = [0u8; 64];
            let _ = tokio::time::timeout(Duration::from_secs(5), client.read(&mut rest)).await;
        }
        Refusal::Close => {
            let _ = client.shutdown().await;
            let mut rest = [0u8; 64];
            let _ = tokio::time::timeout(Duration::from_secs(5), client.read(&mut rest)).await;
        }
        Refusal::Reset => {
            let _ = client.set_zero_linger();
            drop(client);
        }
    }
}

/// Copies both ways between the client and `upstream` until either closes.
async fn forward(mut client: TcpStream, upstream: SocketAddr) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
