//! The `what-if` answer: a list for people, JSON, Markdown.

use std::io::{self, Write};

use serde::Serialize;

use super::{SCHEMA_VERSION, Tool};
use crate::offline::whatif::{Outcome, ProfileWhatIf, WhatIf, WhatIfStatus};

#[derive(Serialize, schemars::JsonSchema)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    #[serde(flatten)]
    what_if: &'a WhatIf,
}

/// The schema of [`json`]'s document.
pub fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<Document<'static>>()
}

/// The answer as JSON: `{schema_version, tool, drop, status, targets}`.
pub fn json(out: &mut dyn Write, w: &WhatIf) -> io::Result<()> {
    super::write_json(
        out,
        &Document {
            schema_version: SCHEMA_VERSION,
            tool: Tool::current(),
            what_if: w,
        },
    )
}

fn dropped(w: &WhatIf) -> String {
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

fn summary(w: &WhatIf) -> String {
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
pub fn text(out: &mut dyn Write, w: &WhatIf, view: &super::View) -> io::Result<()> {
    let width = view.width;
    let para = |out: &mut dyn Write, text: &str, first: &str, rest: &str| -> io::Result<()> {
        for l in super::layout::wrap(text, width, first, rest) {
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
