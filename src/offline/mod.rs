//! Answers computed from profiles and saved results, without touching the
//! network.
//!
//! - `matrix`: every client profile against every server profile.
//! - `directions`: which legs (agent → manager:4120, manager → agent:4118)
//!   an agent relies on, judged per leg.
//! - `whatif`: a saved report re-judged against another manager profile.
//! - `plan`: the pre-upgrade audit of a fleet (scanned now, or from a saved
//!   report), agent by agent.

pub mod directions;
pub mod matrix;
pub mod plan;
pub mod whatif;
