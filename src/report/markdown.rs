//! Markdown for a recipe PR or an issue: a title with the counts, then one
//! collapsible `<details>` section per class, each failure with its cause,
//! evidence, what was ruled out, the fix, the next command and, when the
//! verdict has one, the proposed diff.
//!
//! Guarantees:
//! - It renders the same in Gitea and GitHub: the only HTML is
//!   `<details>`/`<summary>` written here, each on its own line with blank
//!   lines around the Markdown inside (both renderers need them to parse
//!   Markdown inside an HTML block).
//! - Text read from runs is inert: multi-line text goes only into fenced
//!   blocks whose fence is longer than any backtick run in it
//!   ([`text::fence`]), identifiers into code spans built the same way,
//!   and prose through [`text::md_inline`]. A log line cannot close a
//!   block, open HTML, make a link or ping anyone.
//! - The whole document is under [`MARKDOWN_LIMIT`] bytes (so under that
//!   many characters; GitHub refuses comments over 65,536). Long texts are
//!   clipped, and when the failures still do not fit, whole failures are
//!   dropped from the end and the document says how many.

use super::text::{self, clip, code_span, fence, md_prose};
use super::{Report, plural};
use crate::model::{Class, Triaged};

/// The most bytes [`markdown`] returns.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Clip sizes (bytes) for untrusted text, chosen so that one failure at its
/// largest (about 40 kB) always fits the limit beside the title.
const ID_MAX: usize = 200;
const PROSE_MAX: usize = 600;
const MESSAGE_MAX: usize = 1_000;
const EVIDENCE_TEXT_MAX: usize = 1_500;
const EVIDENCE_ITEMS_MAX: usize = 12;
const RULED_OUT_MAX: usize = 8;
const NEXT_MAX: usize = 1_000;
const DIFF_MAX: usize = 8_000;

/// Room kept for the opening and closing lines of one class section.
const SECTION_RESERVE: usize = 160;
/// Room kept for the closing lines (failures not shown, warnings).
const FOOTER_RESERVE: usize = 300;

/// The report as Markdown, under [`MARKDOWN_LIMIT`] bytes.
pub fn markdown(report: &Report) -> String {
    let mut out = title(report);
    if report.triaged.is_empty() {
        out.push_str(&footer(report, 0));
        return out;
    }

    let mut budget = MARKDOWN_LIMIT - out.len() - FOOTER_RESERVE;
    let mut not_shown = 0;
    for class in Class::ALL {
        let all: Vec<&Triaged> = report
            .triaged
            .iter()
            .filter(|t| t.verdict.class == class)
            .collect();
        if all.is_empty() {
            continue;
        }
        if not_shown > 0 || budget < SECTION_RESERVE {
            not_shown += all.len();
            continue;
        }
        budget -= SECTION_RESERVE;
        let mut blocks = Vec::new();
        for t in &all {
            let block = failure_block(t);
            if not_shown > 0 || block.len() > budget {
                not_shown += 1;
                continue;
            }
            budget -= block.len();
            blocks.push(block);
        }
        if blocks.is_empty() {
            // The section's reserve goes back: nothing of it is printed.
            budget += SECTION_RESERVE;
            continue;
        }
        let shown = if blocks.len() < all.len() {
            format!(" ({} shown)", blocks.len())
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<details>\n<summary><b>{class}</b>: {}{shown}</summary>\n\n",
            plural(all.len(), "failure")
        ));
        for block in blocks {
            out.push_str(&block);
        }
        out.push_str("</details>\n\n");
    }
    out.push_str(&footer(report, not_shown));
    out
}

/// `## ccci-triage: 4 failures in 3 runs — 1 flake, 1 recipe-defect, …`
fn title(report: &Report) -> String {
    let runs = plural(report.runs.len(), "run");
    match report.class_summary() {
        None => format!("## ccci-triage: no failures in {runs}\n\n"),
        Some(summary) => format!(
            "## ccci-triage: {} in {runs} — {summary}\n\n",
            plural(report.triaged.len(), "failure")
        ),
    }
}

fn footer(report: &Report, not_shown: usize) -> String {
    let mut out = String::new();
    if not_shown > 0 {
        out.push_str(&format!(
            "**{} not shown** (the report is kept under {MARKDOWN_LIMIT} characters; \
             `--format json` has them all).\n\n",
            if not_shown == 1 {
                "1 more failure".to_string()
            } else {
                format!("{not_shown} more failures")
            }
        ));
    }
    if !report.warnings.is_empty() {
        out.push_str(&format!(
            "{} while reading the runs (`--format json` lists them).\n\n",
            plural(report.warnings.len(), "warning")
        ));
    }
    out.push_str(&format!("_{}_\n", crate::TOOL));
    out
}

/// One failure, ending with a blank line.
fn failure_block(t: &Triaged) -> String {
    let (f, v) = (&t.failure, &t.verdict);
    let id = |s: &str| code_span(&clip(s, ID_MAX));
    let mut out = String::new();

    // Heading: run · recipe tag · tier · test.
    let mut heading = format!("#### {}", id(&f.run_id));
    if let Some(recipe) = &f.recipe {
        heading.push_str(&format!(" · {}", id(recipe)));
    }
    if let Some(tag) = &f.tag {
        heading.push_str(&format!(" {}", id(tag)));
    }
    heading.push_str(&format!(" · {}", f.tier));
    if let Some(test) = &f.test {
        heading.push_str(&format!(" · {}", id(test)));
    }
    out.push_str(&heading);
    out.push_str("\n\n");

    out.push_str(&format!("**{}** ({})", v.class, v.confidence));
    if let Some(rule) = &v.rule {
        out.push_str(&format!(" · rule {}", id(rule)));
    }
    if !v.rung.is_empty() {
        out.push_str(&format!(" · decided by {}", id(&v.rung)));
    }
    out.push_str("\n\n");

    out.push_str(&format!(
        "**Cause:** {}\n\n",
        md_prose(&clip(&v.cause, PROSE_MAX))
    ));

    if !f.message.trim().is_empty() {
        out.push_str("**Message:**\n\n");
        out.push_str(&fence(&clip(&f.message, MESSAGE_MAX), "text"));
        out.push('\n');
    }

    if !v.evidence.is_empty() {
        out.push_str("**Evidence:**\n\n");
        let mut body = String::new();
        for (i, e) in v.evidence.iter().take(EVIDENCE_ITEMS_MAX).enumerate() {
            if i > 0 {
                body.push('\n');
            }
            body.push_str(&format!("[{}]\n", text::one_line(&clip(&e.source, ID_MAX))));
            body.push_str(&clip(&e.text, EVIDENCE_TEXT_MAX));
            body.push('\n');
        }
        if v.evidence.len() > EVIDENCE_ITEMS_MAX {
            body.push_str(&format!(
                "\n… {} not shown\n",
                plural(v.evidence.len() - EVIDENCE_ITEMS_MAX, "more item")
            ));
        }
        out.push_str(&fence(&body, "text"));
        out.push('\n');
    }

    if !v.ruled_out.is_empty() {
        out.push_str("**Ruled out:**\n\n");
        for r in v.ruled_out.iter().take(RULED_OUT_MAX) {
            out.push_str(&format!(
                "- not **{}**: {}\n",
                r.class,
                md_prose(&clip(&r.why, PROSE_MAX))
            ));
        }
        out.push('\n');
    }

    if !v.fix.trim().is_empty() {
        out.push_str(&format!(
            "**Fix:** {}\n\n",
            md_prose(&clip(&v.fix, PROSE_MAX))
        ));
    }

    if !v.next.trim().is_empty() {
        out.push_str("**Next:**\n\n");
        out.push_str(&fence(&clip(&v.next, NEXT_MAX), "shell"));
        out.push('\n');
    }

    if let Some(diff) = &v.diff {
        out.push_str("**Proposed change:**\n\n");
        out.push_str(&fence(&clip(diff, DIFF_MAX), "diff"));
        out.push('\n');
    }
    out
}
