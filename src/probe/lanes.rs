//! The run's connection slots (`--max-connections`), handed out first
//! contact first.
//!
//! A fleet run is bound by its connection slots, and every target asks for
//! a whole wave of them as soon as it starts. With one queue, a target's
//! first connection waits behind the waves of every target that started
//! before it, so a silent host late in the inventory starts its timeout
//! when the rest of the run is nearly done, and the run ends one timeout
//! after everything else (docs/performance.md, the fleet benchmark). Here a
//! connection to an endpoint nobody has connected to yet (its first
//! contact) is served before the connections of endpoints already known to
//! accept: every target's first answer, or its silence, comes early, and a
//! dead host's timeout runs beside the work instead of after it. The bound
//! itself is unchanged, and each lane is first come, first served.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// Which queue a connection waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// An endpoint's first connection (its first contact).
    First,
    /// Every later connection to the same endpoint.
    Rest,
}

/// Counting slots with two queues of waiters: [`Lane::First`] before
/// [`Lane::Rest`].
#[derive(Debug)]
pub struct Lanes {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Slots nobody holds. Waiters queue only while this is zero.
    free: usize,
    first: VecDeque<oneshot::Sender<Slot>>,
    rest: VecDeque<oneshot::Sender<Slot>>,
}

/// One slot, held until dropped; then it goes to the next waiter, first
/// lane first.
#[derive(Debug)]
pub struct Slot {
    /// `None` once the slot has been handed on (or never was one).
    lanes: Option<Arc<Lanes>>,
}

impl Lanes {
    /// `slots` slots (at least one), all free.
    pub fn new(slots: usize) -> Arc<Lanes> {
        Arc::new(Lanes {
            state: Mutex::new(State {
                free: slots.max(1),
                first: VecDeque::new(),
                rest: VecDeque::new(),
            }),
        })
    }

    /// Waits for a slot in `lane`. Cancel-safe: a waiter dropped before
    /// its turn takes nothing, and a slot handed to a waiter that is gone
    /// goes on to the next one.
    pub async fn acquire(self: &Arc<Lanes>, lane: Lane) -> Slot {
        let waiting = {
            let mut s = self.lock();
            if s.free > 0 {
                s.free -= 1;
                return Slot {
                    lanes: Some(self.clone()),
                };
            }
            let (tx, rx) = oneshot::channel();
            match lane {
                Lane::First => s.first.push_back(tx),
                Lane::Rest => s.rest.push_back(tx),
            }
            rx
        };
        // The sender is dropped unsent only with the whole `Lanes`, which
        // this future holds an `Arc` of: it cannot happen.
        waiting.await.unwrap_or(Slot { lanes: None })
    }

    /// Slots free now.
    #[cfg(test)]
    fn available(&self) -> usize {
        self.lock().free
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // No code panics while holding the lock; a poisoned one still
        // holds consistent counts.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A held slot comes back: to the next waiter (first lane first) or to
    /// the free count. Sends happen outside the lock: a refused send hands
    /// back the slot, which is defused and offered to the next waiter.
    fn release(self: &Arc<Lanes>) {
        loop {
            let next = {
                let mut s = self.lock();
                match s.first.pop_front().or_else(|| s.rest.pop_front()) {
                    Some(tx) => tx,
                    None => {
                        s.free += 1;
                        return;
                    }
                }
            };
            match next.send(Slot {
                lanes: Some(self.clone()),
            }) {
                Ok(()) => return,
                Err(mut refused) => refused.lanes = None,
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(lanes) = self.lanes.take() {
            lanes.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Polls `f` once: whether it is ready now.
    fn ready<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        match std::pin::Pin::new(f).poll(&mut cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn a_first_contact_is_served_before_waiters_that_came_earlier() {
        let lanes = Lanes::new(1);
        let held = lanes.acquire(Lane::Rest).await;
        let mut rest = Box::pin(lanes.acquire(Lane::Rest));
        let mut first = Box::pin(lanes.acquire(Lane::First));
        assert!(ready(&mut rest).is_none());
        assert!(ready(&mut first).is_none());
        drop(held);
        // The slot went to the first contact, though it asked later.
        let got = ready(&mut first).expect("the first lane is served first");
        assert!(ready(&mut rest).is_none());
        drop(got);
        let last = ready(&mut rest).expect("then the other lane");
        assert_eq!(lanes.available(), 0);
        drop(last);
        assert_eq!(lanes.available(), 1);
    }

    #[tokio::test]
    async fn each_lane_is_first_come_first_served_and_the_bound_holds() {
        let lanes = Lanes::new(2);
        let a = lanes.acquire(Lane::Rest).await;
        let b = lanes.acquire(Lane::First).await;
        let mut waiters: Vec<_> = (0..4)
            .map(|_| Box::pin(lanes.acquire(Lane::Rest)))
            .collect();
        for w in waiters.iter_mut() {
            assert!(ready(w).is_none(), "two slots, both held");
        }
        drop(a);
        let _oldest = ready(&mut waiters[0]).expect("the oldest waiter");
        for w in waiters.iter_mut().skip(1) {
            assert!(ready(w).is_none(), "one slot came back, to the oldest");
        }
        drop(b);
        let _next = ready(&mut waiters[1]).expect("the next one");
        assert!(ready(&mut waiters[2]).is_none(), "both slots held again");
    }

    #[tokio::test]
    async fn a_waiter_that_gave_up_passes_its_turn_on() {
        let lanes = Lanes::new(1);
        let held = lanes.acquire(Lane::Rest).await;
        let gone = Box::pin(lanes.acquire(Lane::First));
        let mut waiting = Box::pin(lanes.acquire(Lane::Rest));
        let mut gone = gone;
        assert!(ready(&mut gone).is_none());
        assert!(ready(&mut waiting).is_none());
        drop(gone);
        drop(held);
        assert!(
            ready(&mut waiting).is_some(),
            "the slot skipped the waiter that left"
        );
        // And a slot sent to a waiter that leaves before taking it comes back.
        let lanes = Lanes::new(1);
        let held = lanes.acquire(Lane::Rest).await;
        let mut late = Box::pin(lanes.acquire(Lane::Rest));
        assert!(ready(&mut late).is_none());
        drop(held);
        drop(late);
        assert_eq!(lanes.available(), 1);
        let _again = tokio::time::timeout(Duration::from_secs(1), lanes.acquire(Lane::Rest))
            .await
            .expect("the slot is free again");
    }
}
