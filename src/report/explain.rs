//! `explain`: everything known about the failures of one run, so a reader
//! can check a verdict against what it rests on without opening the JSON.
//!
//! For each failure: the failure as read (message, detail, where), every
//! rung of the verdict ladder with what it found, the verdict's fields,
//! every fact gathered (kind, source, text) and every piece of evidence
//! with its source. Plain text, with all text from runs [`clean`]ed so it
//! cannot drive the terminal. Prose (a cause, a fix, a rung's note) is
//! wrapped to the terminal between words, and a word longer than a line
//! (a path, a test id) is never broken. Everything meant to be copied is
//! never wrapped: commands, diffs, sources (`path:line`, `git show …`) and
//! the lines quoted from runs; they must paste, and the terminal folds them.
//!
//! A run id or test that matches nothing is an error that lists the
//! closest names, because the usual cause is a typo.

use super::text::{clean, one_line, rfc3339, width};
use super::{Report, load_phrase, plural, tier_line};
use crate::model::{Run, Triaged};

/// Prose is wrapped to this many columns unless told otherwise.
const WIDTH: usize = 100;
/// Label column of `label: value` lines.
const LABEL: usize = 13;
/// How many close names an error lists.
const CLOSE_NAMES: usize = 5;

/// Everything about the failures of run `run_id`; with `test`, only the
/// failures whose test id is `test`, whose test name (after `::`) is
/// `test`, whose tier is `test` (for failures with no test case), or, when
/// none of those match, the one failure whose test id contains `test`.
///
/// A run that was read but has no failure is not an error: the text says
/// so. `Err` when no run has that id or no failure matches `test` (or a
/// substring matches several); the message lists the closest names.
pub fn explain(report: &Report, run_id: &str, test: Option<&str>) -> Result<String, String> {
    explain_at(report, run_id, test, WIDTH)
}

/// The failures `explain` would show: those of run `run_id`, narrowed by
/// `test` as [`explain`] says; empty for a run read that has none. `Err`
/// says why none or too many match, with the closest names.
pub fn chosen<'a>(
    report: &'a Report,
    run_id: &str,
    test: Option<&str>,
) -> Result<Vec<&'a Triaged>, String> {
    let failures: Vec<&Triaged> = report
        .triaged
        .iter()
        .filter(|t| t.failure.run_id == run_id)
        .collect();
    if failures.is_empty() {
        return match report.run(run_id) {
            Some(_) => Ok(Vec::new()),
            None => Err(no_such_run(report, run_id)),
        };
    }
    match test {
        None => Ok(failures),
        Some(q) => select(&failures, run_id, q),
    }
}

/// [`explain`] with prose wrapped to `width` columns (the terminal's).
pub fn explain_at(
    report: &Report,
    run_id: &str,
    test: Option<&str>,
    width: usize,
) -> Result<String, String> {
    let w = width.max(40);
    let failures: Vec<&Triaged> = report
        .triaged
        .iter()
        .filter(|t| t.failure.run_id == run_id)
        .collect();
    let run = report.run(run_id);
    if failures.is_empty() {
        return match run {
            Some(run) => {
                let mut out = run_header(run, 0, w);
                out.push_str("\nno failures in this run\n");
                Ok(out)
            }
            None => Err(no_such_run(report, run_id)),
        };
    }
    let chosen = match test {
        None => failures,
        Some(q) => select(&failures, run_id, q)?,
    };

    let mut out = match run {
        Some(run) => run_header(run, chosen.len(), w),
        None => format!("run {} (not among the runs read)\n", one_line(run_id)),
    };
    for (i, t) in chosen.iter().enumerate() {
        out.push('\n');
        out.push_str(&failure_section(t, i + 1, chosen.len(), w));
    }
    Ok(out)
}

/// The failures `q` names, or why none or too many are.
fn select<'a>(failures: &[&'a Triaged], run_id: &str, q: &str) -> Result<Vec<&'a Triaged>, String> {
    let test_of = |t: &Triaged| t.failure.test.clone();
    let exact: Vec<&Triaged> = failures
        .iter()
        .copied()
        .filter(|t| test_of(t).as_deref() == Some(q))
        .collect();
    if !exact.is_empty() {
        return Ok(exact);
    }
    let by_name: Vec<&Triaged> = failures
        .iter()
        .copied()
        .filter(|t| {
            t.failure
                .test
                .as_deref()
                .is_some_and(|id| super::text::short_test(id) == q)
        })
        .collect();
    if !by_name.is_empty() {
        return Ok(by_name);
    }
    let by_tier: Vec<&Triaged> = failures
        .iter()
        .copied()
        .filter(|t| t.failure.test.is_none() && t.failure.tier.as_str() == q)
        .collect();
    if !by_tier.is_empty() {
        return Ok(by_tier);
    }
    let partial: Vec<&Triaged> = failures
        .iter()
        .copied()
        .filter(|t| t.failure.test.as_deref().is_some_and(|id| id.contains(q)))
        .collect();
    let names = |list: &[&Triaged]| -> String {
        list.iter()
            .map(|t| format!("  {}", failure_name(t)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match partial.len() {
        1 => Ok(partial),
        0 => Err(format!(
            "no failure of run {} matches `{}`; its failures:\n{}",
            one_line(run_id),
            one_line(q),
            names(failures)
        )),
        n => Err(format!(
            "`{}` matches {n} failures of run {}; name one:\n{}",
            one_line(q),
            one_line(run_id),
            names(&partial)
        )),
    }
}

/// A failure as a name to type: its test id, or its tier.
fn failure_name(t: &Triaged) -> String {
    match &t.failure.test {
        Some(test) => one_line(test),
        None => format!("{} (no test case)", t.failure.tier),
    }
}

/// The error for an unknown run id, listing the closest ids read.
fn no_such_run(report: &Report, run_id: &str) -> String {
    let mut ids: Vec<&str> = report
        .runs
        .iter()
        .map(|r| r.id.as_str())
        .chain(report.triaged.iter().map(|t| t.failure.run_id.as_str()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return format!("no run `{}`: no runs were read", one_line(run_id));
    }
    // Ids containing what was typed first, then by edit distance.
    ids.sort_by_key(|id| (!id.contains(run_id), edit_distance(id, run_id)));
    let close: Vec<String> = ids
        .iter()
        .take(CLOSE_NAMES)
        .map(|id| one_line(id))
        .collect();
    format!(
        "no run `{}` among the {} read; closest: {}",
        one_line(run_id),
        plural(ids.len(), "run"),
        close.join(", ")
    )
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Prose wrapped to `width` columns behind `indent`, between words only:
/// a word longer than the room (a path, a test id, a URL) stands whole on
/// its own line rather than be broken.
fn prose(s: &str, width_: usize, indent: &str) -> Vec<String> {
    let room = width_.saturating_sub(width(indent)).max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word);
        if used > 0 && used + 1 + w > room {
            lines.push(format!("{indent}{line}"));
            line.clear();
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += w;
    }
    lines.push(format!("{indent}{line}"));
    lines
}

/// `  label:     value`, the value wrapped under itself.
fn field(out: &mut String, label: &str, value: &str, w: usize) {
    let indent = " ".repeat(LABEL + 2);
    let lines = prose(&one_line(value), w, &indent);
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            let head = format!("  {:<width$}", format!("{label}:"), width = LABEL);
            out.push_str(&head);
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// Multi-line text from a run, each line behind `    | `, never wrapped
/// (a quoted command or traceback line must paste whole).
fn quoted(out: &mut String, text: &str) {
    let text = clean(text);
    for line in text.trim_end_matches('\n').split('\n') {
        out.push_str(format!("    | {line}").trim_end());
        out.push('\n');
    }
}

/// A source (`path:line`, a `git show` command): one line behind
/// `indent`, never wrapped.
fn source_line(out: &mut String, text: &str, indent: &str) {
    out.push_str(indent);
    out.push_str(&one_line(text));
    out.push('\n');
}

fn run_header(run: &Run, failures: usize, w: usize) -> String {
    let mut out = format!("run {}", one_line(&run.id));
    if let Some(recipe) = &run.recipe {
        out.push_str(&format!(" · {}", one_line(recipe)));
    }
    if let Some(version) = &run.version {
        out.push_str(&format!(" {}", one_line(version)));
    }
    out.push('\n');
    field(&mut out, "load", &load_phrase(run), w);
    field(&mut out, "path", &run.path.display().to_string(), w);
    let time = |t: Option<jiff::Timestamp>| t.map(rfc3339).unwrap_or_else(|| "?".into());
    field(
        &mut out,
        "span",
        &format!("{} → {}", time(run.span.started), time(run.span.finished)),
        w,
    );
    if let Some(line) = tier_line(run) {
        field(&mut out, "tiers", &line, w);
    }
    if let Some(rc) = run.end.rc {
        field(&mut out, "rc", &rc.to_string(), w);
    }
    if let Some(c) = &run.console {
        // The path whole on its line (it must paste, and how long it is
        // must not move the words after it), then how it was found.
        field(&mut out, "console", &c.path.display().to_string(), w);
        let indent = " ".repeat(LABEL + 2);
        for line in prose(&format!("({})", one_line(&c.taken_for)), w, &indent) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if failures > 0 {
        field(&mut out, "failures", &failures.to_string(), w);
    }
    out
}

fn failure_section(t: &Triaged, n: usize, of: usize, w: usize) -> String {
    let (f, v) = (&t.failure, &t.verdict);
    let mut out = String::new();

    let title = match &f.test {
        Some(test) => format!("=== failure {n} of {of}: {} · {}", f.tier, one_line(test)),
        None => format!("=== failure {n} of {of}: {} (no test case)", f.tier),
    };
    // The title holds the test id: one line, never wrapped.
    out.push_str(&title);
    out.push('\n');
    if let Some(recipe) = &f.recipe {
        let tag = f.tag.as_deref().map(one_line).unwrap_or_default();
        field(
            &mut out,
            "recipe",
            &format!("{} {tag}", one_line(recipe)),
            w,
        );
    }
    field(&mut out, "test source", f.source.as_str(), w);
    field(&mut out, "read at", &f.loc.to_string(), w);
    if f.reruns > 0 {
        field(&mut out, "reruns", &f.reruns.to_string(), w);
    }
    field(&mut out, "message", &f.message, w);
    if let Some(detail) = &f.detail {
        out.push_str("  detail:\n");
        quoted(&mut out, detail);
    }
    if !f.lines.is_empty() {
        out.push_str(&format!("  read from ({}):\n", f.lines.len()));
        for e in &f.lines {
            source_line(&mut out, &format!("[{}]", e.source), "    ");
            quoted(&mut out, &e.text);
        }
    }

    out.push_str(&format!("\nladder ({}):\n", plural(v.trail.len(), "rung")));
    let rung_width = v
        .trail
        .iter()
        .map(|r| width(r.rung.as_str()))
        .max()
        .unwrap_or(0)
        .min(24);
    // As wide as the longest step shown (`not-reached` is wider than 8), so
    // the notes stay in one column.
    let step_width = v
        .trail
        .iter()
        .map(|r| width(&r.step.to_string()))
        .max()
        .unwrap_or(0)
        .max(8);
    for (i, r) in v.trail.iter().enumerate() {
        let head = format!(
            "  {:>2}. {:<rw$}  {:<sw$}",
            i + 1,
            r.rung.as_str(),
            r.step.to_string(),
            rw = rung_width,
            sw = step_width
        );
        let note = one_line(&r.note);
        if width(&head) + 1 + 20 <= w {
            // The note in a column of its own, continuation lines under it.
            let indent = " ".repeat(width(&head) + 1);
            for (j, l) in prose(&note, w, &indent).iter().enumerate() {
                if j == 0 {
                    if note.is_empty() {
                        out.push_str(head.trim_end());
                    } else {
                        out.push_str(&head);
                        out.push(' ');
                        out.push_str(l.trim_start());
                    }
                } else {
                    out.push_str(l);
                }
                out.push('\n');
            }
        } else {
            // A rung name too long for a column: the note goes below it.
            source_line(&mut out, head.trim_end(), "");
            for l in prose(&note, w, "        ") {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }

    out.push_str("\nverdict:\n");
    field(
        &mut out,
        "class",
        &format!("{} ({})", v.class, v.confidence),
        w,
    );
    field(&mut out, "decided by", v.rung.as_str(), w);
    if let Some(rule) = &v.rule {
        field(&mut out, "rule", rule, w);
    }
    field(&mut out, "cause", &v.cause, w);
    field(&mut out, "fix", &v.fix, w);
    // The next step is a command to copy: never wrapped (a wrapped line
    // would paste as two commands).
    // A refusal (`no command: …`) is no command, so it gets no prompt.
    out.push_str("  next:\n");
    for line in clean(&v.next).trim_end_matches('\n').split('\n') {
        if line.starts_with("no command:") {
            out.push_str(&format!("    {line}\n"));
        } else {
            out.push_str(&format!("    $ {line}\n"));
        }
    }
    if !v.ruled_out.is_empty() {
        out.push_str("  ruled out:\n");
        for r in &v.ruled_out {
            let text = format!("- not {}: {}", r.class, one_line(&r.why));
            for (j, line) in prose(&text, w, "      ").iter().enumerate() {
                if j == 0 {
                    out.push_str("    ");
                    out.push_str(line.trim_start());
                } else {
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
    }
    if let Some(diff) = &v.diff {
        // A patch to apply: never wrapped.
        out.push_str("  proposed change:\n");
        for line in clean(diff).trim_end_matches('\n').split('\n') {
            out.push_str(line);
            out.push('\n');
        }
    }

    out.push_str(&format!("\nfacts ({}):\n", t.facts.len()));
    for x in &t.facts {
        let kind = fact_kind(x);
        source_line(&mut out, &format!("{kind}  {}", x.source), "  ");
        quoted(&mut out, &x.text);
    }

    out.push_str(&format!("\nevidence ({}):\n", v.evidence.len()));
    for e in &v.evidence {
        source_line(&mut out, &format!("[{}]", e.source), "  ");
        quoted(&mut out, &e.text);
    }
    out
}

/// A fact's kind in a word or two (`sign harness.disk-full`, `sibling`).
fn fact_kind(x: &crate::model::Fact) -> String {
    use crate::model::FactKind as K;
    match &x.kind {
        K::Line => "line".into(),
        K::Elided { rule, .. } => format!("not listed: {rule}"),
        K::Sign {
            rule, role, place, ..
        } => format!("sign {rule} ({role}, {place:?})"),
        K::Ending(_) => "ending".into(),
        K::Load { .. } => "load".into(),
        K::Sibling { .. } => "sibling".into(),
        K::CanonicalSince { .. } => "canonical".into(),
        K::Finding(f) => format!("finding {}", f.check),
        K::BackupRoundTrips { .. } => "backup round-trips".into(),
        K::StackOrder { .. } => "dns order".into(),
        K::Expectation { .. } => "expectation".into(),
        K::Reference { .. } => "reference".into(),
        K::Probe { .. } => "probe".into(),
        K::History { .. } => "history".into(),
        K::SharedCause { .. } => "shared cause".into(),
        K::Unver { .. } => "unver".into(),
        K::Proposal { .. } => "proposed change".into(),
        K::Skipped { check, .. } => format!("skipped {check}"),
    }
}
