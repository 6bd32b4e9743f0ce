//! Folds bursts of failed handshakes into summary lines, per peer.
//!
//! A scan of the emulator is a burst of connections from one address, each
//! "failing" by design (a probe reads the server's first flight and closes;
//! a suite the profile lacks is refused). One log line per probe buries the
//! handshakes that matter. So for each peer address the first failure of a
//! burst is shown as it happens, and the rest are counted by reason and
//! reported in one line every [`Summarizer::interval`] and when the burst
//! ends (the peer has been quiet for [`Summarizer::quiet`]). Everything else
//! (completed handshakes above all) passes through at once.
//!
//! Time is passed in, so the folding is a pure function of events and
//! instants.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::ServeEvent;

/// What to log: an event as it happened, or a summary of failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEntry {
    /// One event, to log as is.
    Event(ServeEvent),
    /// Failures folded since the peer's last line.
    Summary(FailureSummary),
}

/// Failed handshakes from one peer address over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureSummary {
    /// The peer's address (every port).
    pub peer: IpAddr,
    /// How long the period was, up to the moment of the summary.
    pub period: Duration,
    /// Failures by reason, most frequent first.
    pub reasons: Vec<ReasonCount>,
}

impl FailureSummary {
    /// Failures in the period.
    pub fn total(&self) -> usize {
        self.reasons.iter().map(|r| r.count).sum()
    }
}

/// How many failures had one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCount {
    /// The reason, as in [`ServeEvent::Failed`].
    pub reason: String,
    /// Whether these were probes (see [`ServeEvent::Failed`]).
    pub probe: bool,
    /// How many.
    pub count: usize,
}

/// A peer's burst of failures.
#[derive(Debug)]
struct Burst {
    /// When the current period began (the first failure or the last summary).
    since: Instant,
    /// The latest failure.
    last: Instant,
    /// Failures since `since`, not yet shown, in order of first appearance.
    counts: Vec<ReasonCount>,
}

/// The folding state: one burst per peer address.
#[derive(Debug)]
pub struct Summarizer {
    /// A summary line at least this often while a burst goes on.
    pub interval: Duration,
    /// A burst ends when its peer has had no failure for this long.
    pub quiet: Duration,
    bursts: BTreeMap<IpAddr, Burst>,
}

impl Default for Summarizer {
    /// A summary every 5 s, and a burst ends after 1 s of quiet.
    fn default() -> Self {
        Summarizer::new(Duration::from_secs(5), Duration::from_secs(1))
    }
}

impl Summarizer {
    /// Summaries every `interval`; bursts end after `quiet`.
    pub fn new(interval: Duration, quiet: Duration) -> Summarizer {
        Summarizer {
            interval,
            quiet,
            bursts: BTreeMap::new(),
        }
    }

    /// Takes one event: what to log now.
    pub fn event(&mut self, event: ServeEvent, now: Instant) -> Vec<LogEntry> {
        let mut out = self.tick(now);
        match &event {
            ServeEvent::Failed {
                peer,
                reason,
                probe,
            } => match self.bursts.get_mut(&peer.ip()) {
                Some(burst) => {
                    burst.last = now;
                    match burst
                        .counts
                        .iter_mut()
                        .find(|c| c.reason == *reason && c.probe == *probe)
                    {
                        Some(c) => c.count += 1,
                        None => burst.counts.push(ReasonCount {
                            reason: reason.clone(),
                            probe: *probe,
                            count: 1,
                        }),
                    }
                }
                None => {
                    self.bursts.insert(
                        peer.ip(),
                        Burst {
                            since: now,
                            last: now,
                            counts: Vec::new(),
                        },
                    );
                    out.push(LogEntry::Event(event));
                }
            },
            // What is left is told before the emulator says it stopped.
            ServeEvent::Stopped { .. } => {
                out.extend(self.finish(now));
                out.push(LogEntry::Event(event));
            }
            _ => out.push(LogEntry::Event(event)),
        }
        out
    }

    /// Summaries due at `now`: bursts that ended, and bursts whose period is
    /// over.
    pub fn tick(&mut self, now: Instant) -> Vec<LogEntry> {
        let mut out = Vec::new();
        let (interval, quiet) = (self.interval, self.quiet);
        self.bursts.retain(|peer, burst| {
            let ended = now.saturating_duration_since(burst.last) >= quiet;
            let due = now.saturating_duration_since(burst.since) >= interval;
            if (ended || due) && !burst.counts.is_empty() {
                out.push(LogEntry::Summary(summarize(*peer, burst, now)));
            }
            !ended
        });
        out
    }

    /// Summaries of everything not yet shown; forgets every burst.
    pub fn finish(&mut self, now: Instant) -> Vec<LogEntry> {
        std::mem::take(&mut self.bursts)
            .into_iter()
            .filter(|(_, burst)| !burst.counts.is_empty())
            .map(|(peer, mut burst)| LogEntry::Summary(summarize(peer, &mut burst, now)))
            .collect()
    }
}

/// The burst's pending failures as a summary; starts a new period.
fn summarize(peer: IpAddr, burst: &mut Burst, now: Instant) -> FailureSummary {
    let mut reasons = std::mem::take(&mut burst.counts);
    // Stable: equal counts keep their order of first appearance.
    reasons.sort_by_key(|r| std::cmp::Reverse(r.count));
    let period = now.saturating_duration_since(burst.since);
    burst.since = now;
    FailureSummary {
        peer,
        period,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::PROBE_REASON;

    fn failed(peer: &str, reason: &str) -> ServeEvent {
        ServeEvent::Failed {
            peer: peer.parse().unwrap(),
            reason: reason.into(),
            probe: reason == PROBE_REASON,
        }
    }

    fn ms(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    fn summaries(entries: &[LogEntry]) -> Vec<&FailureSummary> {
        entries
            .iter()
            .filter_map(|e| match e {
                LogEntry::Summary(s) => Some(s),
                LogEntry::Event(_) => None,
            })
            .collect()
    }

    #[test]
    fn first_failure_shown_then_counted_until_the_burst_ends() {
        let t0 = Instant::now();
        let mut s = Summarizer::new(Duration::from_secs(5), Duration::from_secs(1));
        let first = s.event(failed("127.0.0.1:1000", "no shared cipher"), t0);
        assert_eq!(
            first,
            [LogEntry::Event(failed(
                "127.0.0.1:1000",
                "no shared cipher"
            ))]
        );
        for i in 1..=9u64 {
            let reason = if i % 3 == 0 {
                PROBE_REASON
            } else {
                "no shared cipher"
            };
            let port = 1000 + i;
            assert!(
                s.event(failed(&format!("127.0.0.1:{port}"), reason), ms(t0, i))
                    .is_empty()
            );
        }
        // Another peer has its own burst; a handshake passes straight through.
        assert_eq!(
            s.event(failed("[::1]:5", "unsupported protocol"), ms(t0, 20))
                .len(),
            1
        );
        let ok = ServeEvent::Handshake {
            peer: "127.0.0.1:2000".parse().unwrap(),
            version: None,
            cipher_suite: None,
            client_certificate: None,
        };
        assert_eq!(s.event(ok.clone(), ms(t0, 30)), [LogEntry::Event(ok)]);
        assert!(s.tick(ms(t0, 900)).is_empty(), "the burst goes on");
        let out = s.tick(ms(t0, 1100));
        let sums = summaries(&out);
        assert_eq!(
            sums.len(),
            1,
            "[::1] had a single failure: nothing more to say"
        );
        assert_eq!(sums[0].peer.to_string(), "127.0.0.1");
        assert_eq!(sums[0].total(), 9);
        assert_eq!(sums[0].period, Duration::from_millis(1100));
        assert_eq!(
            sums[0]
                .reasons
                .iter()
                .map(|r| (r.reason.as_str(), r.probe, r.count))
                .collect::<Vec<_>>(),
            [("no shared cipher", false, 6), (PROBE_REASON, true, 3)]
        );
        // After the burst, the next failure is shown again.
        assert_eq!(
            s.event(failed("127.0.0.1:3000", "x"), ms(t0, 5000)).len(),
            1
        );
    }

    #[test]
    fn a_long_burst_is_summarized_every_interval() {
        let t0 = Instant::now();
        let mut s = Summarizer::new(Duration::from_secs(2), Duration::from_secs(1));
        let mut lines = 0;
        let mut counted = 0;
        for i in 0..100u64 {
            let out = s.event(failed("10.0.0.1:1", "no shared cipher"), ms(t0, i * 50));
            lines += out.len();
            counted += summaries(&out).iter().map(|s| s.total()).sum::<usize>();
        }
        let out = s.tick(ms(t0, 10_000));
        lines += out.len();
        counted += summaries(&out).iter().map(|s| s.total()).sum::<usize>();
        // 5 s of failures: the first, one line per 2 s, and the end.
        assert_eq!(lines, 4);
        assert_eq!(counted + 1, 100);
    }

    #[test]
    fn stopping_flushes_before_the_stopped_line() {
        let t0 = Instant::now();
        let mut s = Summarizer::default();
        s.event(failed("127.0.0.1:1", "a"), t0);
        s.event(failed("127.0.0.1:2", "b"), t0);
        let stopped = ServeEvent::Stopped { label: "x".into() };
        let out = s.event(stopped.clone(), ms(t0, 10));
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[0], LogEntry::Summary(s) if s.total() == 1));
        assert_eq!(out[1], LogEntry::Event(stopped));
    }
}
