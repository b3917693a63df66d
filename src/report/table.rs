//! The terminal table: one row per cause, what to act on first.
//!
//! Failures with one cause (one run's tests red from one full disk, one
//! overlay red in four runs) are one row that says how many and where.
//! Rows come in the order to act on them: findings that need a recipe PR
//! or a cc-ci change, then the node (harness), then flakes, then unknowns.
//! Under the table each cause has its number, the cause, the fix in a few
//! words, and the `explain` command that opens it, never wrapped (it must
//! paste).
//! Then one summary line. The warnings are counted in one line on stderr,
//! after the report (`cmd::Ctx::warn`), not here.

use super::grid::{Col, Grid};
use super::text::{self, ellipsis, one_line, wrap};
use super::{Report, Style, plural};

/// The longest cause shown under a row; `explain` has it whole.
const CAUSE_MAX: usize = 240;

/// The table of failures, grouped by cause, with its summary lines.
pub fn table(report: &Report, style: Style) -> String {
    let mut out = String::new();
    if !report.scope.is_empty() {
        out.push_str(&lines(&one_line(&report.scope), style.width));
    }
    for c in report.consoles {
        let line = match &c.run {
            Some(run) => format!(
                "console {} taken for run {} ({})",
                one_line(&c.path.display().to_string()),
                one_line(run),
                one_line(&c.why)
            ),
            None => format!(
                "console {} matched no run: {}",
                one_line(&c.path.display().to_string()),
                one_line(&c.why)
            ),
        };
        out.push_str(&lines(&line, style.width));
    }
    if report.triaged.is_empty() {
        out.push_str(&format!(
            "no failures in {}\n",
            plural(report.runs.len(), "run")
        ));
        return out;
    }
    let groups = report.groups();
    let mut grid = Grid::new(
        vec![
            Col::whole("#").right(),
            Col::whole("verdict"),
            Col::wrap("recipe · what failed"),
            Col::whole("runs"),
        ],
        style,
    );
    for (i, g) in groups.iter().enumerate() {
        let v = &g.lead.verdict;
        let f = &g.lead.failure;
        // Names are one line each: the grid keeps a cell's own line
        // breaks, and a newline (or `\r`) in a name must not split a row.
        let recipe = match (&f.recipe, &f.tag) {
            (Some(r), Some(t)) => format!("{} {}", one_line(r), one_line(t)),
            (Some(r), None) => one_line(r),
            _ => "?".into(),
        };
        let what: Vec<String> = g.what().iter().map(|w| one_line(w)).collect();
        let what = match what.as_slice() {
            // The test's whole id is in the explain command below.
            [one] if f.test.is_some() => format!("{} {}", f.tier, ellipsis(one, 36)),
            [_] => f.tier.to_string(),
            many => format!("{} ({} tests)", f.tier, many.len()),
        };
        let n = g.members.len();
        let count = if n > 1 {
            format!(" ×{n}")
        } else {
            String::new()
        };
        grid.row_class(
            vec![
                (i + 1).to_string(),
                format!("{} {}{count}", v.class, v.confidence),
                format!("{recipe} · {what}"),
                g.runs()
                    .iter()
                    .map(|r| one_line(r))
                    .collect::<Vec<_>>()
                    .join(" "),
            ],
            1,
            v.class,
        );
    }
    out.push_str(&grid.render());
    out.push('\n');
    // Each cause under its number: the cause, the fix, and the command that
    // opens it (never wrapped: it must paste).
    let indent = "     ";
    for (i, g) in groups.iter().enumerate() {
        let v = &g.lead.verdict;
        out.push_str(&format!(
            "{:>3}. {}\n",
            i + 1,
            style.class(v.class, &format!("{} ({})", v.class, v.confidence))
        ));
        for (label, textv) in [
            ("cause", ellipsis(&one_line(&v.cause), CAUSE_MAX)),
            ("fix", short_fix(&v.fix)),
        ] {
            let lines = wrap(&format!("{label}: {textv}"), style.width, indent);
            out.push_str(&lines.join("\n"));
            out.push('\n');
        }
        // One line whatever the names hold: a newline kept inside the
        // quotes would break the command and start a line of its own.
        let command =
            super::text::clean(&report.explain_command(&g.lead.failure)).replace('\n', " ");
        out.push_str(&format!("{indent}$ {command}\n"));
    }
    out.push('\n');
    out.push_str(&summary(report, groups.len(), style));
    out
}

/// One line of text (already [`one_line`]) wrapped to `width`, each line
/// ending in a newline.
fn lines(text: &str, width: usize) -> String {
    let mut s = wrap(text, width, "").join("\n");
    s.push('\n');
    s
}

/// The fix in a few words: who acts, and the first words of what to do.
pub fn short_fix(fix: &str) -> String {
    let fix = one_line(fix);
    let words: Vec<&str> = fix.split(' ').collect();
    let mut out = String::new();
    for w in words.iter().take(12) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if words.len() > 12 {
        out.push('…');
    }
    out
}

/// `N failures (M causes) in K runs: 4 recipe-defect, 12 harness, …`:
/// the classes in the order the rows are (what to act on first). One line
/// when it fits; else it breaks between classes only, never inside
/// `4 recipe-defect`. The class names are coloured after the layout, so
/// colour codes are never counted as columns.
fn summary(report: &Report, causes: usize, style: Style) -> String {
    let mut counts = report.class_counts();
    counts.sort_by_key(|(c, _)| c.priority());
    let head = format!(
        "{} ({}) in {}:",
        plural(report.triaged.len(), "failure"),
        plural(causes, "cause"),
        plural(report.runs.len(), "run"),
    );
    let items: Vec<(String, String)> = counts
        .iter()
        .enumerate()
        .map(|(i, (c, n))| {
            let sep = if i + 1 < counts.len() { "," } else { "" };
            (
                format!("{n} {c}{sep}"),
                format!("{n} {}{sep}", style.class(*c, c.as_str())),
            )
        })
        .collect();
    let mut out = head.clone();
    let mut used = text::width(&head);
    for (plain, shown) in &items {
        let w = text::width(plain);
        if used + 1 + w > style.width {
            out.push_str("\n  ");
            used = 2;
        } else {
            out.push(' ');
            used += 1;
        }
        out.push_str(shown);
        used += w;
    }
    out.push('\n');
    out
}
