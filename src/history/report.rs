//! How `ccci-triage history` prints: a table that fits 100 columns (one
//! row per test, the summary sentence under it) or JSON with every run id.
//!
//! The JSON is a contract for scripts in the same way as triage's:
//! `schema_version` changes when a field changes meaning or goes away.

use std::io::Write;

use serde::Serialize;

use crate::error::Warnings;

use super::{History, TestHistory, UpdateStats};

/// Columns the table may use.
const WIDTH: usize = 100;
/// Runs shown in the table's strip (the newest).
const STRIP_RUNS: usize = 30;

/// The version of the `history --format json` document.
pub const JSON_SCHEMA: u32 = 1;

/// The table: one row per test (recipe, test, the newest runs' strip, red
/// count, flip rate) and its summary sentence under it.
pub fn table(
    out: &mut dyn Write,
    stats: &UpdateStats,
    tests: &[TestHistory],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} runs indexed ({} read, {} unchanged, {} removed); {} tests{}",
        stats.runs,
        stats.read,
        stats.unchanged,
        stats.removed,
        tests.len(),
        if tests.is_empty() { ", none red" } else { "" }
    )?;
    if tests.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<16} {:<30} {:<30} {:>7} {:>5}",
        "RECIPE", "TEST", "LAST 30 RUNS (old → new)", "RED/RAN", "FLIP"
    )?;
    for t in tests {
        let last = t.last(STRIP_RUNS);
        let strip = super::stats::strip(last);
        // Counted as the summary counts: infrastructure runs left out.
        let c = super::stats::counts(last);
        let (red_last, ran_last) = (c.red, c.total);
        writeln!(
            out,
            "{:<16} {:<30} {:<30} {:>7} {:>5.2}",
            cut(&t.recipe, 16),
            cut_left(&short_test(&t.test), 30),
            strip,
            format!("{red_last}/{ran_last}"),
            t.flip_rate
        )?;
        writeln!(out, "  {}", cut(&t.summary(), WIDTH - 2))?;
    }
    Ok(())
}

/// `tests/_generic/test_restore.py::test_restore_returns_state` →
/// `test_restore.py::test_restore_returns_state`: the directory is the
/// source, which the recipe column already narrows.
fn short_test(id: &str) -> String {
    match id.split_once("::") {
        Some((module, name)) => {
            let file = module.rsplit('/').next().unwrap_or(module);
            format!("{file}::{name}")
        }
        None => id.to_string(),
    }
}

/// Cuts to `n` characters, marking the cut with `…`.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n - 1).collect();
    out.push('…');
    out
}

/// Cuts from the left: the end of a test id is its name.
fn cut_left(s: &str, n: usize) -> String {
    let len = s.chars().count();
    if len <= n {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(len - (n - 1)));
    out
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: &'static str,
    root: String,
    index: String,
    update: &'a UpdateStats,
    tests: Vec<TestDoc<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct TestDoc<'a> {
    #[serde(flatten)]
    history: &'a TestHistory,
    summary: String,
}

/// The JSON document: every test's full history with run ids.
pub fn json(
    out: &mut dyn Write,
    h: &History,
    stats: &UpdateStats,
    tests: &[TestHistory],
    warnings: &Warnings,
) -> std::io::Result<()> {
    let doc = Doc {
        schema_version: JSON_SCHEMA,
        tool: crate::TOOL,
        root: h.root().display().to_string(),
        index: h.db_path().display().to_string(),
        update: stats,
        tests: tests
            .iter()
            .map(|t| TestDoc {
                history: t,
                summary: t.summary(),
            })
            .collect(),
        warnings: warnings.as_slice(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_keep_the_width() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut_left("abcdef", 4), "…def");
        assert_eq!(cut("abc", 4), "abc");
        assert_eq!(
            short_test("tests/_generic/test_restore.py::test_restore_returns_state"),
            "test_restore.py::test_restore_returns_state"
        );
    }
}
