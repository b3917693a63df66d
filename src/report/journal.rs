//! Journal entries in the voice of the redfix journal
//! (`shared/seeds/000_…txt`): one entry per failing run, dated to the
//! minute, headed by the milestone, the recipe, the run's circumstances and
//! a one-line headline; then the tier results, the root cause, the
//! classification with what it is NOT, the evidence, the fix, the next
//! step and how reproducible it is.
//!
//! [`append_journal`] is the only function in `report` that writes: it adds
//! the entries at the end of a journal in one write and never touches the
//! bytes already there, so a journal kept by people and by the tool is
//! never rewritten, truncated or reordered, and a crash leaves either no
//! entry or the whole entry.
//!
//! Text from runs gets the same escaping as the PR Markdown: one line,
//! identifiers and quoted lines in code spans, prose through
//! [`md_prose`], so a log line can neither start a heading of its own and
//! forge an entry nor render as a live link, image, script or a stray
//! `</details>`.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use jiff::Timestamp;

use super::text::{code_span, ellipsis, md_inline, md_prose, minute, one_line, short_test};
use super::{Report, load_phrase, plural, tier_line};
use crate::model::{Class, Confidence, Run, Triaged};

/// Longest evidence text quoted in an entry (display columns).
const EVIDENCE_WIDTH: usize = 300;
/// Longest cause in a headline.
const HEADLINE_CAUSE: usize = 60;

/// Journal entries for every failing run of the report (one per run, in the
/// order the runs' failures come), dated `now` and headed by `milestone`.
/// With no failure, one entry saying so. Always ends with a newline.
pub fn journal(report: &Report, milestone: &str, now: Timestamp) -> String {
    let when = minute(now);
    let milestone = md_inline(milestone);
    let mut ids: Vec<&str> = Vec::new();
    for t in report.triaged {
        if !ids.contains(&t.failure.run_id.as_str()) {
            ids.push(&t.failure.run_id);
        }
    }
    if ids.is_empty() {
        return format!(
            "## {when} — {milestone}: triage — no failures in {}\n",
            plural(report.runs.len(), "run")
        );
    }
    let entries: Vec<String> = ids
        .iter()
        .map(|id| {
            let failures: Vec<&Triaged> = report
                .triaged
                .iter()
                .filter(|t| t.failure.run_id == *id)
                .collect();
            entry(&when, &milestone, report.run(id), &failures)
        })
        .collect();
    entries.join("\n")
}

/// One run's entry, ending with a newline.
fn entry(when: &str, milestone: &str, run: Option<&Run>, failures: &[&Triaged]) -> String {
    let first = &failures[0].failure;
    let recipe = run
        .and_then(|r| r.recipe.as_deref())
        .or(first.recipe.as_deref())
        .map(md_inline)
        .unwrap_or_else(|| "unknown recipe".to_string());
    let kind = run.map(Run::kind_label).unwrap_or("unknown");
    let mut out = format!(
        "## {when} — {milestone}: {recipe} {kind} run — {}\n\n",
        headline(failures)
    );

    // Which run, and what its tiers did.
    let tag = first
        .tag
        .as_deref()
        .or(run.and_then(|r| r.version.as_deref()));
    let mut about = format!("Run {}", code_span(&first.run_id));
    if let Some(tag) = tag {
        about.push_str(&format!(" (tag {})", code_span(tag)));
    }
    if let Some(run) = run {
        about.push_str(&format!(
            ": {}; {}",
            md_inline(&load_phrase(run)),
            code_span(&run.path.display().to_string())
        ));
    }
    let result = run
        .and_then(tier_line)
        .unwrap_or_else(|| "no tier results recorded".to_string());
    out.push_str(&format!("{about}. RESULT: **{}**.\n\n", md_inline(&result)));

    for t in failures {
        out.push_str(&failure_part(t, failures.len() > 1));
    }

    // Per failure in the verdict; one line when they agree.
    let mut said: Vec<&str> = Vec::new();
    for t in failures {
        let r = t.verdict.reproducibility.as_str();
        if !r.is_empty() && !said.contains(&r) {
            said.push(r);
        }
    }
    if !said.is_empty() {
        out.push_str(&format!(
            "Reproducibility: {}.\n",
            md_prose(&said.join(" | "))
        ));
    } else if let Some(run) = run {
        out.push_str(&format!(
            "Reproducibility: red in this {}; every other run the verdict rests on is cited in the evidence.\n",
            md_inline(&load_phrase(run))
        ));
    }
    out
}

/// The journal's headline for a run: the class in the journal's voice and a
/// short cause, or the count per class when the run's failures differ.
fn headline(failures: &[&Triaged]) -> String {
    let first = &failures[0];
    if failures
        .iter()
        .any(|t| t.verdict.class != first.verdict.class)
    {
        let mut counts: Vec<(Class, usize)> = Vec::new();
        for t in failures {
            match counts.iter_mut().find(|(c, _)| *c == t.verdict.class) {
                Some((_, n)) => *n += 1,
                None => counts.push((t.verdict.class, 1)),
            }
        }
        let list: Vec<String> = counts.iter().map(|(c, n)| format!("{n} {c}")).collect();
        return format!("{} FAILURES: {}", failures.len(), list.join(", "));
    }
    let v = &first.verdict;
    let mut tiers: Vec<&str> = Vec::new();
    for t in failures {
        if !tiers.contains(&t.failure.tier.as_str()) {
            tiers.push(t.failure.tier.as_str());
        }
    }
    let tier = tiers.join("/");
    let phrase = match v.class {
        Class::Flake => format!("TIMING FLAKE in {tier} (flake)"),
        Class::RecipeDefect if v.confidence == Confidence::Confirmed => {
            format!("DETERMINISTIC {tier} failure (recipe defect)")
        }
        Class::RecipeDefect => format!("{tier} failure (recipe defect)"),
        Class::StaleOverlay => format!("STALE OVERLAY test fails {tier} (stale overlay)"),
        Class::RoutingCollision => format!("ROUTING COLLISION fails {tier} (routing collision)"),
        Class::Harness => format!("CI MACHINERY failed {tier} (harness)"),
        Class::Unknown => format!("UNDECIDED {tier} failure (unknown)"),
    };
    let hedge = match v.confidence {
        _ if v.class == Class::Unknown => "",
        Confidence::Confirmed => "",
        Confidence::Likely => "LIKELY ",
        Confidence::Suspected => "SUSPECTED ",
    };
    let mut line = format!("{hedge}{phrase}");
    if failures.len() > 1 {
        line.push_str(&format!(", {} failures", failures.len()));
    }
    let cause = one_line(&v.cause);
    if !cause.is_empty() {
        line.push_str(": ");
        line.push_str(&md_inline(&ellipsis(&cause, HEADLINE_CAUSE)));
    }
    line
}

/// One failure's paragraphs: what failed, the root cause, the
/// classification and what it is not, evidence, fix, next.
fn failure_part(t: &Triaged, several: bool) -> String {
    let (f, v) = (&t.failure, &t.verdict);
    let mut out = String::new();

    let what = match &f.test {
        Some(test) => format!("{} {}", f.tier, code_span(test)),
        None => format!("{} (no test case)", f.tier),
    };
    let message = one_line(&f.message);
    let lead = if several {
        format!(
            "**{}**",
            f.test
                .as_deref()
                .map(short_test)
                .map(md_inline)
                .unwrap_or_else(|| f.tier.to_string())
        )
    } else {
        "Failure".to_string()
    };
    if message.is_empty() {
        out.push_str(&format!("{lead}: {what}.\n\n"));
    } else {
        out.push_str(&format!("{lead}: {what} → {}.\n\n", code_span(&message)));
    }

    out.push_str(&format!("ROOT CAUSE: {}\n\n", md_prose(&v.cause)));

    let mut class_line = format!("Classification: **{}** ({})", v.class, v.confidence);
    if let Some(rule) = &v.rule {
        class_line.push_str(&format!(", rule {}", code_span(rule)));
    }
    if !v.ruled_out.is_empty() {
        let nots: Vec<String> = v
            .ruled_out
            .iter()
            .map(|r| format!("NOT a {}: {}", r.class, md_prose(&r.why)))
            .collect();
        class_line.push_str(&format!(". {}", nots.join("; ")));
    }
    out.push_str(&class_line);
    out.push_str(".\n\n");

    if !v.evidence.is_empty() {
        out.push_str("Evidence:\n");
        for e in &v.evidence {
            out.push_str(&format!(
                "- {}: {}\n",
                code_span(&e.source),
                code_span(&ellipsis(&one_line(&e.text), EVIDENCE_WIDTH))
            ));
        }
        out.push('\n');
    }
    if !v.fix.trim().is_empty() {
        out.push_str(&format!("Fix: {}\n\n", md_prose(&v.fix)));
    }
    if !v.next.trim().is_empty() {
        out.push_str(&format!("Next: {}\n\n", code_span(&v.next)));
    }
    out
}

/// Appends `entries` at the end of the journal at `path` (created when
/// missing), starting them on a new line: a `\n` is written first only when
/// the file is not empty and does not end with one. The existing bytes are
/// never rewritten, truncated or reordered; the entries go out in one
/// `write_all` to a file opened for appending, then to disk (`sync_all`),
/// so a reader never sees half of what was built. Nothing is written when
/// `entries` is empty.
pub fn append(path: &Path, entries: &str) -> std::io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let len = file.metadata()?.len();
    let needs_newline = if len == 0 {
        false
    } else {
        // Reads follow the cursor; appends always go to the end whatever it
        // is, so seeking here cannot make the write land elsewhere.
        file.seek(SeekFrom::End(-1))?;
        let mut last = [0u8; 1];
        file.read_exact(&mut last)?;
        last[0] != b'\n'
    };
    let mut block = String::with_capacity(entries.len() + 1);
    if needs_newline {
        block.push('\n');
    }
    block.push_str(entries);
    file.write_all(block.as_bytes())?;
    file.sync_all()
}
