//! The terminal table: one row per failure, then the counts.
//!
//! Each failure takes two lines: what failed (run, recipe, tier, test,
//! verdict) and, indented below, the cause. A cause is the part an
//! operator reads; squeezed into a seventh column it would show twenty
//! characters, so it gets the whole width instead.
//!
//! Guarantee: no line is wider than [`TABLE_WIDTH`] display columns,
//! whatever the run ids, recipe names, test names or causes hold. Every cell
//! is cut (with `…`) to a width budgeted here, never wrapped.
//!
//! Colour (class of the verdict) is applied only when asked for; the caller
//! decides from the terminal, so a pipe gets plain text.

use super::text::{ellipsis, one_line, short_test, width};
use super::{Report, plural};
use crate::model::Class;

/// The widest a table line may be.
pub const TABLE_WIDTH: usize = 100;

/// The column headers of a failure's first line.
const HEADERS: [&str; 5] = ["run", "recipe", "tier", "test", "verdict"];

/// Spaces between columns.
const GAP: usize = 2;

/// The columns that share what `tier` and `verdict` leave: (column, least
/// width, most width). Each starts at its least (or its content, when
/// narrower), then each in turn grows to its content or its most while
/// room is left. The test comes last: it is the column an operator can
/// most afford to see cut.
const FLEXIBLE: [(usize, usize, usize); 3] = [
    (0, 10, 28),         // run
    (1, 8, 18),          // recipe
    (3, 12, usize::MAX), // test
];

/// The terminal colour of a class, as an ANSI SGR code.
fn class_color(class: Class) -> Option<&'static str> {
    match class {
        Class::Flake => Some("33"),
        Class::RecipeDefect => Some("31"),
        Class::StaleOverlay => Some("35"),
        Class::RoutingCollision => Some("36"),
        Class::Harness => Some("34"),
        Class::Unknown => None,
    }
}

/// The table of failures with a count per class and the warnings count
/// below it; with no failures, one line saying so. `color` adds ANSI
/// colours by class (for a terminal).
pub fn table(report: &Report, color: bool) -> String {
    let mut out = String::new();
    if report.triaged.is_empty() {
        out.push_str(&format!(
            "no failures in {}\n",
            plural(report.runs.len(), "run")
        ));
    } else {
        out.push_str(&failure_table(report, color));
        out.push('\n');
        out.push_str(&counts_lines(report, color));
    }
    if !report.warnings.is_empty() {
        out.push_str(&format!(
            "{} while reading (see stderr)\n",
            plural(report.warnings.len(), "warning")
        ));
    }
    out
}

/// The cells of a failure's first line, as plain one-line text.
fn rows(report: &Report) -> Vec<[String; 5]> {
    report
        .triaged
        .iter()
        .map(|t| {
            let f = &t.failure;
            let v = &t.verdict;
            [
                one_line(&f.run_id),
                f.recipe
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| "?".into()),
                f.tier.to_string(),
                f.test
                    .as_deref()
                    .map(|id| one_line(short_test(id)))
                    .unwrap_or_else(|| "—".into()),
                format!("{} {}", v.class, v.confidence),
            ]
        })
        .collect()
}

/// How wide each column may be so that the line fits [`TABLE_WIDTH`].
fn budget(rows: &[[String; 5]]) -> [usize; 5] {
    let mut natural = [0; 5];
    for (i, header) in HEADERS.iter().enumerate() {
        natural[i] = rows
            .iter()
            .map(|r| width(&r[i]))
            .chain([width(header)])
            .max()
            .unwrap_or(0);
    }
    let mut widths = [0; 5];
    for i in [2, 4] {
        widths[i] = natural[i];
    }
    let fixed: usize = widths.iter().sum();
    let mut left = (TABLE_WIDTH - GAP * (HEADERS.len() - 1)).saturating_sub(fixed);
    for &(i, least, _) in &FLEXIBLE {
        widths[i] = least.min(natural[i]);
        left = left.saturating_sub(widths[i]);
    }
    // In order: the run id whole first (the operator types it next), then
    // the recipe, then the test takes the rest.
    for &(i, _, most) in &FLEXIBLE {
        let step = left.min(natural[i].min(most).saturating_sub(widths[i]));
        widths[i] += step;
        left -= step;
    }
    widths
}

/// Pads `text` (already cut to `w`) to `w` display columns.
fn pad(text: &str, w: usize) -> String {
    let mut s = text.to_string();
    s.push_str(&" ".repeat(w.saturating_sub(width(text))));
    s
}

/// Each failure on two lines: run, recipe, tier, test and verdict, then
/// the cause, indented, cut to the table width.
fn failure_table(report: &Report, color: bool) -> String {
    let rows = rows(report);
    let widths = budget(&rows);
    let line = |cells: &[String], class: Option<Class>| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let cut = ellipsis(cell, widths[i]);
            let last = i + 1 == cells.len();
            let shown = if last {
                cut.clone()
            } else {
                pad(&cut, widths[i])
            };
            match (i, class.and_then(class_color)) {
                (4, Some(sgr)) if color => out.push_str(&format!("\u{1b}[{sgr}m{shown}\u{1b}[0m")),
                _ => out.push_str(&shown),
            }
            if !last {
                out.push_str(&" ".repeat(GAP));
            }
        }
        out.trim_end().to_string()
    };
    let header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let mut out = line(&header, None);
    out.push('\n');
    out.push_str(&"─".repeat(TABLE_WIDTH));
    out.push('\n');
    for (row, t) in rows.iter().zip(report.triaged) {
        out.push_str(&line(row, Some(t.verdict.class)));
        out.push('\n');
        out.push_str("  └ ");
        out.push_str(&ellipsis(&one_line(&t.verdict.cause), TABLE_WIDTH - 4));
        out.push('\n');
    }
    out
}

/// `N failures in M runs: 1 flake, 2 recipe-defect`, wrapped to the table
/// width between counts (a count never splits from its class), class names
/// coloured when `color`.
fn counts_lines(report: &Report, color: bool) -> String {
    let counts = report.class_counts();
    // (plain text, text as printed): width is measured on the plain one.
    let mut pieces = vec![(
        format!(
            "{} in {}:",
            plural(report.triaged.len(), "failure"),
            plural(report.runs.len(), "run")
        ),
        None,
    )];
    for (i, (class, n)) in counts.iter().enumerate() {
        let sep = if i + 1 < counts.len() { "," } else { "" };
        let plain = format!("{n} {class}{sep}");
        let shown = match class_color(*class) {
            Some(sgr) if color => Some(format!("{n} \u{1b}[{sgr}m{class}\u{1b}[0m{sep}")),
            _ => None,
        };
        pieces.push((plain, shown));
    }
    let mut out = String::new();
    let mut used = 0;
    for (plain, shown) in pieces {
        let w = width(&plain);
        if used > 0 && used + 1 + w > TABLE_WIDTH {
            out.push('\n');
            used = 0;
        }
        if used > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(shown.as_deref().unwrap_or(&plain));
        used += w;
    }
    out.push('\n');
    out
}
