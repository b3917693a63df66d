//! Markdown for a recipe's PR: the report a maintainer reads in thirty
//! seconds.
//!
//! One section per distinct cause (not the same failure three times), in
//! the order to act on them, each with the cause up front and open, the
//! runs it was seen in, the fix before the evidence and, when the fix is a
//! change to the recipe's files, a patch `git apply` accepts. The evidence,
//! what was ruled out and the next command sit in a collapsed
//! `<details>`, with the node's paths made relative to the run or the
//! recipe repository.
//!
//! Guarantees:
//! - It renders the same in Gitea and GitHub: the only HTML is
//!   `<details>`/`<summary>` and one comment marker written here, each on
//!   its own line with blank lines around the Markdown inside.
//! - Text read from runs is inert: multi-line text goes only into fenced
//!   blocks whose fence is longer than any backtick run in it, identifiers
//!   into code spans built the same way, prose through
//!   [`text::md_prose`]. A log line cannot close a block, open HTML, make a
//!   link or ping anyone.
//! - The whole document is under [`MARKDOWN_LIMIT`] bytes (GitHub and
//!   Gitea refuse comments over 65,536): long texts are clipped, and
//!   causes that do not fit are dropped from the end, said.

use super::text::{clip, code_span, fence, md_inline, md_prose};
use super::{Group, RecipePaths, Report, plural};
use crate::model::FactKind;

/// The most bytes [`markdown`] returns.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// The marker a posted report carries, so a later run edits its own
/// comment instead of adding another.
pub const MARKER: &str = "<!-- ccci-triage report -->";

const ID_MAX: usize = 200;
const PROSE_MAX: usize = 1_200;
const EVIDENCE_TEXT_MAX: usize = 800;
const EVIDENCE_ITEMS_MAX: usize = 12;
const NEXT_MAX: usize = 1_000;
const DIFF_MAX: usize = 12_000;
/// Room kept for the closing lines.
const FOOTER_RESERVE: usize = 400;

/// The report as Markdown, under [`MARKDOWN_LIMIT`] bytes.
pub fn markdown(report: &Report) -> String {
    let mut out = format!("{MARKER}\n{}", title(report));
    let groups = report.groups();
    if groups.is_empty() {
        out.push_str("Nothing is red: no failure in the runs reported.\n\n");
        out.push_str(&footer(report, 0));
        return out;
    }
    let mut budget = MARKDOWN_LIMIT.saturating_sub(out.len() + FOOTER_RESERVE);
    let mut not_shown = 0;
    let paths = RecipePaths::of(report);
    for (i, g) in groups.iter().enumerate() {
        let block = section(&paths, i + 1, g);
        if not_shown > 0 || block.len() > budget {
            not_shown += 1;
            continue;
        }
        budget -= block.len();
        out.push_str(&block);
    }
    out.push_str(&footer(report, not_shown));
    out
}

/// `## ccci-triage: mattermost-lts — 2 causes in 3 runs`
fn title(report: &Report) -> String {
    let mut recipes: Vec<&str> = report
        .triaged
        .iter()
        .filter_map(|t| t.failure.recipe.as_deref())
        .collect();
    recipes.sort_unstable();
    recipes.dedup();
    let who = match recipes.as_slice() {
        [] => String::new(),
        [one] => format!(" {} —", code_span(&clip(one, ID_MAX))),
        many => format!(" {} recipes —", many.len()),
    };
    let runs = plural(report.runs.len(), "run");
    if report.triaged.is_empty() {
        return format!("## ccci-triage:{who} nothing red in {runs}\n\n");
    }
    format!(
        "## ccci-triage:{who} {} in {runs}\n\n{} — {}.\n\n",
        plural(report.groups().len(), "cause"),
        plural(report.triaged.len(), "failure"),
        report.class_summary().unwrap_or_default()
    )
}

fn footer(report: &Report, not_shown: usize) -> String {
    let mut out = String::new();
    if not_shown > 0 {
        out.push_str(&format!(
            "**{} not shown** (the report is kept under {MARKDOWN_LIMIT} characters; \
             `ccci-triage --format json` has them all).\n\n",
            plural(not_shown, "more cause")
        ));
    }
    if !report.warnings.is_empty() {
        out.push_str(&format!(
            "{} while reading these runs (`--format json` lists them).\n\n",
            plural(report.warnings.len(), "warning")
        ));
    }
    out.push_str(&format!("<sub>{}</sub>\n", md_inline(crate::TOOL)));
    out
}

/// One cause, ending with a blank line.
fn section(paths: &RecipePaths, n: usize, g: &Group) -> String {
    let (f, v) = (&g.lead.failure, &g.lead.verdict);
    let own = f.recipe.as_deref();
    let id = |s: &str| code_span(&clip(s, ID_MAX));
    let mut out = format!("### {n}. {} ({})\n\n", v.class, v.confidence);
    let prose = |t: &str| md_prose(&clip(&paths.prose(t, own).0, PROSE_MAX));
    out.push_str(&format!("**Cause:** {}\n\n", prose(&v.cause)));
    out.push_str(&seen_in(g, &id));
    out.push_str("\n\n");
    if !v.fix.trim().is_empty() {
        out.push_str(&format!("**Fix:** {}\n\n", prose(&v.fix)));
    }
    if let Some(diff) = &v.diff {
        out.push_str(&proposed(g, diff, &id));
    }
    out.push_str("<details>\n<summary>Evidence, what was ruled out, next step</summary>\n\n");
    if !v.evidence.is_empty() {
        let mut body = String::new();
        for (i, e) in v.evidence.iter().take(EVIDENCE_ITEMS_MAX).enumerate() {
            if i > 0 {
                body.push('\n');
            }
            body.push_str(&format!(
                "[{}]\n",
                super::text::one_line(&clip(&paths.source(&e.source, own), ID_MAX))
            ));
            body.push_str(&clip(&e.text, EVIDENCE_TEXT_MAX));
            body.push('\n');
        }
        if v.evidence.len() > EVIDENCE_ITEMS_MAX {
            body.push_str(&format!(
                "\n… {} not shown\n",
                plural(v.evidence.len() - EVIDENCE_ITEMS_MAX, "more item")
            ));
        }
        out.push_str("**Evidence:**\n\n");
        out.push_str(&fence(&body, "text"));
        out.push('\n');
    }
    if !v.ruled_out.is_empty() {
        out.push_str("**Ruled out:**\n\n");
        for r in &v.ruled_out {
            out.push_str(&format!("- not **{}**: {}\n", r.class, prose(&r.why)));
        }
        out.push('\n');
    }
    if !v.next.trim().is_empty() {
        let (next, in_repo) = paths.prose(&v.next, own);
        let next = if in_repo {
            format!("# in the recipe repository\n{next}")
        } else {
            next
        };
        out.push_str("**Next:**\n\n");
        out.push_str(&fence(&clip(&next, NEXT_MAX), "shell"));
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

/// `**Seen in:** runs `740`, `753` — restore `test_restore_returns_state` ·
/// `mattermost-lts` `2.1.9+10.11.15`, with each run's tag when the runs
/// tested different ones.
fn seen_in(g: &Group, id: &dyn Fn(&str) -> String) -> String {
    let f = &g.lead.failure;
    let mut tags: Vec<&str> = Vec::new();
    for t in &g.members {
        if let Some(tag) = t.failure.tag.as_deref()
            && !tags.contains(&tag)
        {
            tags.push(tag);
        }
    }
    let per_run = tags.len() > 1;
    let runs: Vec<String> = g
        .runs()
        .iter()
        .map(|r| {
            let tag = g
                .members
                .iter()
                .find(|t| t.failure.run_id == *r)
                .and_then(|t| t.failure.tag.as_deref());
            match tag {
                Some(tag) if per_run => format!("{} at {}", id(r), id(tag)),
                _ => id(r),
            }
        })
        .collect();
    let mut seen = format!(
        "**Seen in:** {} {} — {}",
        if runs.len() == 1 { "run" } else { "runs" },
        runs.join(", "),
        f.tier
    );
    // The tests that failed; a failure with no test is its tier, already
    // said.
    if f.test.is_some() {
        let what: Vec<String> = g.what().iter().map(|w| id(w)).collect();
        seen.push_str(&format!(" {}", what.join(", ")));
    }
    match (&f.recipe, &f.tag) {
        (Some(r), Some(t)) if !per_run => seen.push_str(&format!(" · {} {}", id(r), id(t))),
        (Some(r), _) => seen.push_str(&format!(" · {}", id(r))),
        _ => {}
    }
    seen
}

/// The patch, as a ```diff block whose content is the patch byte for
/// byte (never clipped: a clipped patch does not apply), with the file
/// and the ref it applies to.
fn proposed(g: &Group, diff: &str, id: &dyn Fn(&str) -> String) -> String {
    let fact = g.lead.facts.iter().find_map(|x| match &x.kind {
        FactKind::Proposal(p) if p.diff == diff => Some((&p.files, &p.rev)),
        _ => None,
    });
    let mut head = String::from("**Proposed change**");
    if let Some((files, rev)) = fact {
        let files: Vec<String> = files.iter().map(|f| id(f)).collect();
        head.push_str(&format!(" to {}", files.join(", ")));
        if let Some(rev) = rev {
            head.push_str(&format!(" at tag {}", id(rev)));
        }
    }
    if diff.len() > DIFF_MAX || diff.contains(|c: char| c.is_control() && c != '\n') {
        return format!(
            "{head}: too long to show here; `ccci-triage explain` prints it whole.\n\n"
        );
    }
    format!(
        "{head} (in the recipe repository: save it as `fix.patch`, then `git apply fix.patch`):\n\n{}\n",
        fence(diff, "diff")
    )
}
