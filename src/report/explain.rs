//! `explain`: everything known about the failures of one run, so a reader
//! can check a verdict against what it rests on without opening the JSON.
//!
//! For each failure: the failure as read (message, detail, where), every
//! rung of the verdict ladder with what it found, the verdict's fields,
//! every rule that matched (id, `file:line`, the line) and every piece of
//! evidence with its source. Plain text, wrapped to 100 columns, with all
//! text from runs [`clean`]ed so it cannot drive the terminal.
//!
//! A run id or test that matches nothing is an error that lists the
//! closest names, because the usual cause is a typo.

use super::text::{clean, hard_wrap, one_line, rfc3339, width, wrap};
use super::{Report, load_phrase, plural, tier_line};
use crate::model::{Run, Triaged};

/// Lines are wrapped to this many columns.
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
    let failures: Vec<&Triaged> = report
        .triaged
        .iter()
        .filter(|t| t.failure.run_id == run_id)
        .collect();
    let run = report.run(run_id);
    if failures.is_empty() {
        return match run {
            Some(run) => {
                let mut out = run_header(run, 0);
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
        Some(run) => run_header(run, chosen.len()),
        None => format!("run {} (not among the runs read)\n", one_line(run_id)),
    };
    for (i, t) in chosen.iter().enumerate() {
        out.push('\n');
        out.push_str(&failure_section(t, i + 1, chosen.len()));
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

/// `  label:     value`, the value wrapped under itself.
fn field(out: &mut String, label: &str, value: &str) {
    let indent = " ".repeat(LABEL + 2);
    let lines = wrap(&one_line(value), WIDTH, &indent);
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

/// Multi-line text from a run, each line behind `    | `, long lines
/// wrapped.
fn quoted(out: &mut String, text: &str) {
    let text = clean(text);
    for line in text.trim_end_matches('\n').split('\n') {
        for l in hard_wrap(line, WIDTH, "    | ") {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

/// One line of text (a source, a rule and its place), wrapped behind
/// `indent`.
fn wrapped(out: &mut String, text: &str, indent: &str) {
    for line in wrap(text, WIDTH, indent) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// One line kept as it is (spaces included), cut to the width.
fn wrapped_hard(out: &mut String, text: &str, indent: &str) {
    for line in hard_wrap(text, WIDTH, indent) {
        out.push_str(&line);
        out.push('\n');
    }
}

fn run_header(run: &Run, failures: usize) -> String {
    let mut out = format!("run {}", one_line(&run.id));
    if let Some(recipe) = &run.recipe {
        out.push_str(&format!(" · {}", one_line(recipe)));
    }
    if let Some(version) = &run.version {
        out.push_str(&format!(" {}", one_line(version)));
    }
    out.push('\n');
    field(&mut out, "load", &load_phrase(run));
    field(&mut out, "path", &run.path.display().to_string());
    let time = |t: Option<jiff::Timestamp>| t.map(rfc3339).unwrap_or_else(|| "?".into());
    field(
        &mut out,
        "span",
        &format!("{} → {}", time(run.span.started), time(run.span.finished)),
    );
    if let Some(line) = tier_line(run) {
        field(&mut out, "tiers", &line);
    }
    if let Some(rc) = run.rc {
        field(&mut out, "rc", &rc.to_string());
    }
    if failures > 0 {
        field(&mut out, "failures", &failures.to_string());
    }
    out
}

fn failure_section(t: &Triaged, n: usize, of: usize) -> String {
    let (f, v) = (&t.failure, &t.verdict);
    let mut out = String::new();

    let title = match &f.test {
        Some(test) => format!("=== failure {n} of {of}: {} · {}", f.tier, one_line(test)),
        None => format!("=== failure {n} of {of}: {} (no test case)", f.tier),
    };
    for line in wrap(&title, WIDTH, "") {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(recipe) = &f.recipe {
        let tag = f.tag.as_deref().map(one_line).unwrap_or_default();
        field(&mut out, "recipe", &format!("{} {tag}", one_line(recipe)));
    }
    field(&mut out, "test source", f.source.as_str());
    field(&mut out, "read at", &f.loc.to_string());
    if f.reruns > 0 {
        field(&mut out, "reruns", &f.reruns.to_string());
    }
    field(&mut out, "message", &f.message);
    if let Some(detail) = &f.detail {
        out.push_str("  detail:\n");
        quoted(&mut out, detail);
    }
    if !f.evidence.is_empty() {
        out.push_str(&format!("  read from ({}):\n", f.evidence.len()));
        for e in &f.evidence {
            wrapped(&mut out, &format!("[{}]", one_line(&e.source)), "    ");
            quoted(&mut out, &e.text);
        }
    }

    out.push_str(&format!("\nladder ({}):\n", plural(v.trail.len(), "rung")));
    let rung_width = v
        .trail
        .iter()
        .map(|r| width(&r.rung))
        .max()
        .unwrap_or(0)
        .min(24);
    for (i, r) in v.trail.iter().enumerate() {
        let head = format!(
            "  {:>2}. {:<rw$}  {:<8}",
            i + 1,
            one_line(&r.rung),
            one_line(&r.outcome),
            rw = rung_width
        );
        let note = one_line(&r.note);
        if width(&head) + 1 + 20 <= WIDTH {
            // The note in a column of its own, continuation lines under it.
            let indent = " ".repeat(width(&head) + 1);
            for (j, l) in wrap(&note, WIDTH, &indent).iter().enumerate() {
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
            wrapped_hard(&mut out, head.trim_end(), "");
            wrapped(&mut out, &note, "        ");
        }
    }

    out.push_str("\nverdict:\n");
    field(
        &mut out,
        "class",
        &format!("{} ({})", v.class, v.confidence),
    );
    field(&mut out, "decided by", &v.rung);
    if let Some(rule) = &v.rule {
        field(&mut out, "rule", rule);
    }
    field(&mut out, "cause", &v.cause);
    field(&mut out, "fix", &v.fix);
    // The next step is a command to copy: never word-wrapped (a wrapped
    // line would paste as two commands).
    out.push_str("  next:\n");
    for line in clean(&v.next).trim_end_matches('\n').split('\n') {
        wrapped_hard(&mut out, &format!("$ {line}"), "    ");
    }
    if !v.ruled_out.is_empty() {
        out.push_str("  ruled out:\n");
        for r in &v.ruled_out {
            let text = format!("- not {}: {}", r.class, one_line(&r.why));
            for (j, line) in wrap(&text, WIDTH, "      ").iter().enumerate() {
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
        out.push_str("  diff:\n");
        quoted(&mut out, diff);
    }

    out.push_str(&format!("\nsignals ({}):\n", t.signals.len()));
    for s in &t.signals {
        wrapped(
            &mut out,
            &format!("{}  {}", one_line(&s.rule), one_line(&s.loc.to_string())),
            "  ",
        );
        quoted(&mut out, &s.text);
        if !s.captures.is_empty() {
            let caps: Vec<String> = s
                .captures
                .iter()
                .map(|(k, v)| format!("{}={}", one_line(k), one_line(v)))
                .collect();
            wrapped(&mut out, &format!("captures: {}", caps.join(", ")), "    ");
        }
    }

    out.push_str(&format!("\nevidence ({}):\n", v.evidence.len()));
    for e in &v.evidence {
        wrapped(&mut out, &format!("[{}]", one_line(&e.source)), "  ");
        quoted(&mut out, &e.text);
    }
    out
}
