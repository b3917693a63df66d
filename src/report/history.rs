//! How `ccci-triage history` prints: a table (one row per test: recipe,
//! test, the newest runs' strip, red/ran, flip rate, and the summary
//! sentence), with a legend that says how to read the strip and the flip
//! rate; or JSON with every run id.
//!
//! The JSON is a contract for scripts as triage's is: `schema_version`
//! changes when a field changes meaning or goes away.

use serde::Serialize;

use super::grid::{Col, Grid};
use super::text::one_line;
use super::{Style, plural};
use crate::evidence::crossrun::{self, TestHistory};
use crate::model::Warning;
use crate::sources::history::Refresh;

/// Most runs shown in the table's strip (the newest; see `strip_runs`).
pub const STRIP_RUNS: usize = 30;

/// The version of the `history --format json` document.
pub const JSON_SCHEMA: u32 = 2;

/// The legend printed under the table (and in the README).
pub const LEGEND: &str = "strip, oldest → newest: . pass  F fail  E error  s skip  - did not run  \
x red in a run where every test was red (infrastructure, left out); flip = red runs over the runs \
counted, TestGrid's rule: infrastructure runs and breaks (3+ reds in a row) left out, so a high \
flip rate is a flaky test and a break is not one";

/// The widest the recipe column is made: the room goes to the test.
const RECIPE_WIDTH: usize = 16;

/// How many runs a strip shows at `width`: [`STRIP_RUNS`], fewer on a
/// narrow terminal (12 at 80 columns), so the test's name keeps room.
fn strip_runs(width: usize) -> usize {
    width.saturating_sub(68).clamp(10, STRIP_RUNS)
}

/// The table, its legend and the index line.
pub fn table(stats: &Refresh, tests: &[TestHistory], style: Style) -> String {
    let mut out = format!(
        "{} runs indexed ({} read, {} unchanged, {} removed); {}\n",
        stats.runs,
        stats.read,
        stats.unchanged,
        stats.removed,
        if tests.is_empty() {
            "no test red in any run".to_string()
        } else {
            plural(tests.len(), "test")
        }
    );
    if tests.is_empty() {
        return out;
    }
    let runs = strip_runs(style.width);
    let names: Vec<String> = tests
        .iter()
        .map(|t| one_line(&super::text::file_and_test(&t.test)))
        .collect();
    // A name too wide for what the other columns leave goes on two
    // lines, its file over its test.
    let widest = names
        .iter()
        .map(|n| super::text::width(n))
        .max()
        .unwrap_or(0);
    let recipes: Vec<String> = tests.iter().map(|t| one_line(&t.recipe)).collect();
    let recipe = recipes
        .iter()
        .map(|r| super::text::width(r))
        .max()
        .unwrap_or(0)
        .min(RECIPE_WIDTH);
    // The other columns as drawn, padding included: "#", the recipe,
    // the strip, "red/ran", "flip".
    let others = 6 + (recipe + 3) + (runs + 2) + 10 + 7;
    let split = widest + 2 > style.width.saturating_sub(others);
    let mut grid = Grid::new(
        vec![
            Col::whole("#").right(),
            Col::wrap("recipe").at_most(RECIPE_WIDTH),
            Col::wrap("test"),
            Col::whole(format!("last {runs} runs")),
            Col::whole("red/ran").right(),
            Col::whole("flip").right(),
        ],
        style,
    );
    for (i, ((t, name), recipe)) in tests.iter().zip(names).zip(recipes).enumerate() {
        let last = t.last(runs);
        let c = crossrun::counts(last);
        // Names are one line each (the grid keeps a cell's own line
        // breaks, and a newline or `\r` in a name must not split a row),
        // or two where this table splits them.
        grid.row(vec![
            (i + 1).to_string(),
            recipe,
            if split {
                name.replacen("::", "::\n", 1)
            } else {
                name
            },
            crossrun::strip(last),
            format!("{}/{}", c.red, c.total),
            format!("{:.2}", t.flip_rate),
        ]);
    }
    out.push_str(&grid.render());
    // What each row says, under its number.
    for (i, t) in tests.iter().enumerate() {
        let line = format!("{:>3}. {}", i + 1, t.summary());
        for l in super::text::wrap(&super::text::clean(&line), style.width, "     ")
            .into_iter()
            .enumerate()
            .map(|(j, l)| {
                if j == 0 {
                    l.trim_start().to_string()
                } else {
                    l
                }
            })
        {
            out.push_str(&l);
            out.push('\n');
        }
    }
    for line in super::text::wrap(LEGEND, style.width, "") {
        out.push_str(&style.dim(&line));
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: &'static str,
    root: String,
    index: String,
    update: &'a Refresh,
    tests: Vec<TestDoc<'a>>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct TestDoc<'a> {
    #[serde(flatten)]
    history: &'a TestHistory,
    summary: String,
}

/// The JSON document: every test's full history with run ids.
pub fn json(
    root: &std::path::Path,
    index: &std::path::Path,
    stats: &Refresh,
    tests: &[TestHistory],
    warnings: &[Warning],
) -> String {
    let doc = Doc {
        schema_version: JSON_SCHEMA,
        tool: crate::TOOL,
        root: root.display().to_string(),
        index: index.display().to_string(),
        update: stats,
        tests: tests
            .iter()
            .map(|t| TestDoc {
                history: t,
                summary: t.summary(),
            })
            .collect(),
        warnings: warnings.iter().map(ToString::to_string).collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
