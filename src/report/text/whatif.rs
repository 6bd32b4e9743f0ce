//! The `what-if` answer as a list for people: per endpoint, what happens
//! to each profile. The lines and the summary are shared with the Markdown
//! printer.

use std::io::{self, Write};

use crate::offline::whatif::{Outcome, ProfileWhatIf, WhatIf, WhatIfStatus};
use crate::report::{View, layout};

pub(crate) fn dropped(w: &WhatIf) -> String {
    w.drop
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per profile and endpoint.
fn line(target: &str, p: &ProfileWhatIf) -> String {
    match p.outcome {
        Outcome::Loses => format!("{} loses {target} ({})", p.profile, p.message),
        Outcome::Keeps => {
            let was = match (&p.negotiated_before, &p.negotiated_after) {
                (Some(b), Some(a)) if b != a => {
                    format!(" (was {} {})", b.version, b.cipher_suite)
                }
                _ => String::new(),
            };
            format!("{} keeps {target} ({}){was}", p.profile, p.message)
        }
        Outcome::StillIncompatible => format!(
            "{} could not reach {target} before either ({})",
            p.profile, p.message
        ),
        Outcome::Unknown => format!("{} {target}: cannot tell: {}", p.profile, p.message),
    }
}

pub(crate) fn summary(w: &WhatIf) -> String {
    let losses: Vec<String> = w
        .losses()
        .map(|(t, p)| format!("{} loses {}", p.profile, t.target))
        .collect();
    match w.status {
        WhatIfStatus::Lost => format!("{} lost: {}", losses.len(), losses.join("; ")),
        WhatIfStatus::Unknown => "no loss known, but some answers are unknown".into(),
        WhatIfStatus::NoneLost => "nobody loses contact".into(),
    }
}

/// A list for people: per endpoint, what happens to each profile.
pub fn text(out: &mut dyn Write, w: &WhatIf, view: &View) -> io::Result<()> {
    let width = view.width;
    let para = |out: &mut dyn Write, text: &str, first: &str, rest: &str| -> io::Result<()> {
        for l in layout::wrap(text, width, first, rest) {
            writeln!(out, "{l}")?;
        }
        Ok(())
    };
    para(
        out,
        &format!("what if the endpoints stop accepting {}:", dropped(w)),
        "",
        "  ",
    )?;
    for t in &w.targets {
        para(out, &format!("{} ({}):", t.target, t.role), "", "  ")?;
        if let Some(e) = &t.error {
            para(out, &format!("cannot tell: {e}"), "  ", "    ")?;
            continue;
        }
        for p in &t.profiles {
            para(out, &view.text(&line(&t.target, p)), "  ", "    ")?;
        }
    }
    para(out, &summary(w), "", "  ")
}
