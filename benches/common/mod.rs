//! What the benchmarks share: a delaying proxy that puts a fixed round-trip
//! time between the prober and a server on loopback.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant as TokioInstant;

/// Starts the delaying proxy in front of `upstream`; returns its address.
pub(crate) async fn delaying_proxy(upstream: SocketAddr, rtt: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let accepted = TokioInstant::now();
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(delayed_copy(cr, sw, rtt / 2, Some(accepted + rtt)));
                tokio::spawn(delayed_copy(sr, cw, rtt / 2, None));
            });
        }
    });
    addr
}

/// Copies `from` to `to`, delivering each chunk `one_way` after it was read
/// (and not before `not_before` plus `one_way`), in order; EOF travels too.
async fn delayed_copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    one_way: Duration,
    not_before: Option<TokioInstant>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(TokioInstant, Option<Vec<u8>>)>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = from.read(&mut buf).await.unwrap_or(0);
            let now = TokioInstant::now();
            let start = not_before.map_or(now, |nb| nb.max(now));
            let data = (n > 0).then(|| buf[..n].to_vec());
            if tx.send((start + one_way, data)).is_err() || n == 0 {
                break;
            }
        }
    });
    while let Some((at, data)) = rx.recv().await {
        tokio::time::sleep_until(at).await;
        match data {
            Some(d) => {
                if to.write_all(&d).await.is_err() {
                    break;
                }
            }
            None => {
                let _ = to.shutdown().await;
                break;
            }
        }
    }
}
