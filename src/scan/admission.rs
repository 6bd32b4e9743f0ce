//! A target's turn in a fleet run: scouted first, admitted later.
//!
//! `scan_all` runs a bounded number of targets at once (memory follows that
//! bound, not the fleet). The targets that wait for their turn are not left
//! untouched: the next ones in line are *scouted*, their scan started with
//! one connection at a time ([`Endpoint::scouting`]), so each one's first
//! probe runs early. A dead or silent host shows itself there, and its scan
//! ends with its one timeout spent beside the other targets' work instead
//! of at the end of the run. A live one waits with its first answer in
//! hand until it is admitted, and then gets its whole bound. A target
//! waiting its turn is not timed: `--target-timeout` counts from admission.

use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Notify;

use crate::probe::Endpoint;

/// One target's admission, shared by the run and the target's scan.
#[derive(Debug, Default)]
pub(super) struct Admission {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    admitted: bool,
    /// The target's endpoint, once its scan has made one.
    endpoint: Option<Weak<Endpoint>>,
}

impl Admission {
    /// Admitted from the start: a single scan, or a target with room.
    pub(super) fn granted() -> Arc<Admission> {
        let a = Admission::default();
        a.lock().admitted = true;
        Arc::new(a)
    }

    /// Waiting for its turn: scouted until [`Admission::admit`].
    pub(super) fn waiting() -> Arc<Admission> {
        Arc::new(Admission::default())
    }

    /// The target's turn has come: its endpoint's whole bound opens.
    pub(super) fn admit(&self) {
        let endpoint = {
            let mut s = self.lock();
            s.admitted = true;
            s.endpoint.as_ref().and_then(Weak::upgrade)
        };
        if let Some(e) = endpoint {
            e.admit();
        }
        self.changed.notify_waiters();
    }

    /// Whether the target has been admitted.
    pub(super) fn is_admitted(&self) -> bool {
        self.lock().admitted
    }

    /// Waits until the target is admitted.
    pub(super) async fn admitted(&self) {
        loop {
            // Registered before the check, so no change is missed.
            let changed = self.changed.notified();
            if self.is_admitted() {
                return;
            }
            changed.await;
        }
    }

    /// The target's endpoint: scouted while the target waits, its bound
    /// opened at admission (also when that came first).
    pub(super) fn attach(&self, endpoint: Endpoint) -> Arc<Endpoint> {
        let mut s = self.lock();
        let endpoint = Arc::new(if s.admitted {
            endpoint
        } else {
            endpoint.scouting()
        });
        s.endpoint = Some(Arc::downgrade(&endpoint));
        endpoint
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
