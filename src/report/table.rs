//! The terminal table: one row per failure, then the counts.
//!
//! Guarantee: no line is wider than [`TABLE_WIDTH`] display columns,
//! whatever the run ids, recipe names, test names or causes hold. Every cell
//! is cut (with `…`) to a width budgeted here before comfy-table sees it,
//! so the table never wraps a cell onto a second line; comfy-table's own
//! dynamic arrangement at that width is only a second fence.
//!
//! Colour (class of the verdict) is applied only when asked for; the caller
//! decides from the terminal, so a pipe gets plain text.

use comfy_table::presets::NOTHING;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, LineStyle, Table, TableStyle};

use super::text::{ellipsis, one_line, short_test, width};
use super::{Report, plural};
use crate::model::Class;

/// The widest a table line may be.
pub const TABLE_WIDTH: usize = 100;

/// The column headers.
const HEADERS: [&str; 7] = [
    "run",
    "recipe",
    "tier",
    "test",
    "class",
    "confidence",
    "cause",
];

/// The columns that share what `tier`, `class` and `confidence` leave:
/// (column, least width, most width, share of each round of growth). Each
/// starts at its least (or its content, when narrower) and then they grow
/// in turns, the cause twice as fast, until each shows all of its content,
/// reaches its most, or the line is full.
const FLEXIBLE: [(usize, usize, usize, usize); 4] = [
    (6, 20, usize::MAX, 2), // cause
    (3, 10, 28, 1),         // test
    (1, 8, 18, 1),          // recipe
    (0, 6, 16, 1),          // run
];

/// Spaces between columns (right padding of every column but the last).
const GAP: usize = 2;

/// The terminal colour of a class, and the ANSI SGR code of the same colour
/// for text outside the table.
fn class_color(class: Class) -> Option<(Color, &'static str)> {
    match class {
        Class::Flake => Some((Color::Yellow, "33")),
        Class::RecipeDefect => Some((Color::Red, "31")),
        Class::StaleOverlay => Some((Color::Magenta, "35")),
        Class::RoutingCollision => Some((Color::Cyan, "36")),
        Class::Harness => Some((Color::Blue, "34")),
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

/// The rows' cells as plain one-line text, before any cutting.
fn rows(report: &Report) -> Vec<[String; 7]> {
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
                v.class.to_string(),
                v.confidence.to_string(),
                one_line(&v.cause),
            ]
        })
        .collect()
}

/// How wide each of the seven columns may be so that the whole line fits
/// [`TABLE_WIDTH`].
fn budget(rows: &[[String; 7]]) -> [usize; 7] {
    let mut natural = [0; 7];
    for (i, header) in HEADERS.iter().enumerate() {
        natural[i] = rows
            .iter()
            .map(|r| width(&r[i]))
            .chain([width(header)])
            .max()
            .unwrap_or(0);
    }
    // tier, class and confidence are short fixed words: always whole.
    let mut widths = [0; 7];
    for i in [2, 4, 5] {
        widths[i] = natural[i];
    }
    let fixed: usize = widths.iter().sum();
    let mut left = (TABLE_WIDTH - GAP * (HEADERS.len() - 1)).saturating_sub(fixed);
    for &(i, least, _, _) in &FLEXIBLE {
        widths[i] = least.min(natural[i]);
        left = left.saturating_sub(widths[i]);
    }
    let target = |i: usize, most: usize| natural[i].min(most);
    while left > 0 {
        let mut grew = false;
        for &(i, _, most, share) in &FLEXIBLE {
            let step = share.min(left).min(target(i, most) - widths[i]);
            widths[i] += step;
            left -= step;
            grew |= step > 0;
        }
        if !grew {
            break;
        }
    }
    widths
}

fn failure_table(report: &Report, color: bool) -> String {
    let rows = rows(report);
    let widths = budget(&rows);

    let mut table = Table::new();
    // No junction anywhere: a junction, even invisible, makes comfy-table
    // draw a column of spaces between columns, which the budget does not
    // count.
    let style: TableStyle = NOTHING.header_separator(LineStyle::none().fill('─'));
    table
        .load_style(style)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(TABLE_WIDTH as u16)
        .force_no_tty();
    if color {
        table.enforce_styling();
    }
    table.set_header(
        HEADERS
            .iter()
            .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
    );
    for (row, t) in rows.iter().zip(report.triaged) {
        let cells = row.iter().enumerate().map(|(i, s)| {
            let cell = Cell::new(ellipsis(s, widths[i]));
            match (i, class_color(t.verdict.class)) {
                (4, Some((c, _))) => cell.fg(c),
                _ => cell,
            }
        });
        table.add_row(cells.collect::<Vec<_>>());
    }
    let last = widths.len() - 1;
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if i == last { 0 } else { GAP as u16 }));
    }
    table.trim_fmt()
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
            Some((_, sgr)) if color => Some(format!("{n} \u{1b}[{sgr}m{class}\u{1b}[0m{sep}")),
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
