//! The `what-if` answer in Markdown: a table per endpoint.

use std::io::{self, Write};

use crate::offline::whatif::{Outcome, WhatIf};
use crate::report::text::whatif::{dropped, summary};

/// Markdown: a table per endpoint.
pub fn markdown(out: &mut dyn Write, w: &WhatIf) -> io::Result<()> {
    writeln!(
        out,
        "# What if the endpoints stop accepting {}\n",
        dropped(w)
    )?;
    for t in &w.targets {
        writeln!(out, "## {} ({})\n", t.target, t.role)?;
        if let Some(e) = &t.error {
            writeln!(out, "**Cannot tell**: {}\n", e.replace('|', "\\|"))?;
            continue;
        }
        writeln!(out, "| Profile | Outcome | Detail |")?;
        writeln!(out, "|---|---|---|")?;
        for p in &t.profiles {
            let outcome = match p.outcome {
                Outcome::Keeps => "✅ keeps",
                Outcome::Loses => "❌ loses",
                Outcome::StillIncompatible => "➖ already incompatible",
                Outcome::Unknown => "❔ unknown",
            };
            writeln!(
                out,
                "| {} | {outcome} | {} |",
                p.profile,
                p.message.replace('|', "\\|")
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "**{}**", summary(w))
}
