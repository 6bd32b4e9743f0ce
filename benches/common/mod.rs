//! What the benchmarks share: a delaying proxy that puts a fixed round-trip
//! time between the prober and a server on loopback, and (`fronts`) fronts
//! that make a steady server unsteady.
#![allow(dead_code)]

pub(crate) mod fronts;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
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
                relay(client, server, rtt / 2, accepted + rtt).await;
            });
        }
    });
    addr
}

/// Chunks read and not yet delivered, each with the time it is due; `None`
/// is the end of the stream.
type Due = VecDeque<(TokioInstant, Option<Vec<u8>>)>;

/// Relays both directions in one task (the fleet benchmark runs 16,000
/// connections through these proxies, so they must be cheap: one task and
/// two small buffers per connection): each chunk is delivered `one_way`
/// after it was read, in order, and a client's chunk not before
/// `not_before` plus `one_way` (the TCP handshake a real network would
/// cost); EOF travels too.
async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    one_way: Duration,
    not_before: TokioInstant,
) {
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let (mut up, mut down) = (Due::new(), Due::new());
    let (mut up_open, mut down_open) = (true, true);
    let (mut up_done, mut down_done) = (false, false);
    let mut cbuf = [0u8; 16 * 1024];
    let mut sbuf = [0u8; 16 * 1024];
    let far = || TokioInstant::now() + Duration::from_secs(3600);
    while !(up_done && down_done) {
        let up_at = up.front().map_or_else(far, |(at, _)| *at);
        let down_at = down.front().map_or_else(far, |(at, _)| *at);
        tokio::select! {
            n = cr.read(&mut cbuf), if up_open => {
                let n = n.unwrap_or(0);
                let start = TokioInstant::now().max(not_before);
                up.push_back((start + one_way, (n > 0).then(|| cbuf[..n].to_vec())));
                up_open = n > 0;
            }
            n = sr.read(&mut sbuf), if down_open => {
                let n = n.unwrap_or(0);
                down.push_back((TokioInstant::now() + one_way, (n > 0).then(|| sbuf[..n].to_vec())));
                down_open = n > 0;
            }
            _ = tokio::time::sleep_until(up_at), if !up.is_empty() => {
                match up.pop_front().and_then(|(_, d)| d) {
                    Some(d) => {
                        if sw.write_all(&d).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        let _ = sw.shutdown().await;
                        up_done = true;
                    }
                }
            }
            _ = tokio::time::sleep_until(down_at), if !down.is_empty() => {
                match down.pop_front().and_then(|(_, d)| d) {
                    Some(d) => {
                        if cw.write_all(&d).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        let _ = cw.shutdown().await;
                        down_done = true;
                    }
                }
            }
        }
    }
}
