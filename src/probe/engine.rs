//! The raw probe: send one hand-built ClientHello, read the first flight,
//! and let [`super::judge`] decide what it means.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::Outcome;
use super::connect::{Endpoint, Stats};
use super::hello::HelloSpec;
use super::judge::{Judge, Offer};

/// Connects through the endpoint (bounded, gated) and runs one probe.
pub async fn probe(endpoint: &Endpoint, spec: &HelloSpec) -> Outcome {
    let connection = match endpoint.connect().await {
        Ok(c) => c,
        Err(e) => return Outcome::ConnectFailed(e),
    };
    let mut stream = connection.stream;
    let outcome = exchange(
        &mut stream,
        spec,
        endpoint.limits().timeout,
        endpoint.stats(),
    )
    .await;
    match outcome {
        Outcome::Timeout => endpoint.note_silence(),
        _ => endpoint.note_answer(),
    }
    outcome
}

/// Sends the hello for `spec` on `stream` and reads the answer, for at most
/// `timeout`.
pub async fn exchange<S>(
    stream: &mut S,
    spec: &HelloSpec,
    timeout: Duration,
    stats: &Stats,
) -> Outcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = Instant::now() + timeout;
    let offer = Offer::new(spec.build());
    let hello = offer.hello.encode();
    match tokio::time::timeout_at(deadline, stream.write_all(&hello)).await {
        Err(_) => return Outcome::Timeout,
        Ok(Err(_)) => return Outcome::Closed,
        Ok(Ok(())) => stats.sent(hello.len()),
    }
    let mut judge = Judge::new(&offer, false);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return judge.finish(Outcome::Timeout),
            Ok(Err(_)) | Ok(Ok(0)) => return judge.finish(Outcome::Closed),
            Ok(Ok(n)) => {
                stats.received(n);
                if let Some(outcome) = judge.feed(&buf[..n]) {
                    return outcome;
                }
            }
        }
    }
}
