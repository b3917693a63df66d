//! HTML: one self-contained page (no external assets, no script, works
//! from a file) for triage and for history, laid out as a TestGrid user
//! expects: recipes (or tests) down, runs across in time order.
//!
//! The triage page: a header (scope, counts per class), a legend, then the
//! grid: one row per recipe, one column per run, each cell the run's
//! status for that recipe, coloured by the worst failure's verdict class
//! and carrying the class's initial so it reads without colour. A cell
//! with failures links to a section below the grid holding, per failure,
//! the cause, fix, next command and evidence. A table of the runs says the
//! load each ran under (which runs overlapped it) in words.
//!
//! The history page: one table per recipe, one row per test, one column
//! per run of the recipe (oldest first), each cell the test's outcome
//! (`. F E s - x`, the strip's letters), then red/ran, the flip rate and
//! the summary sentence.
//!
//! Guarantees:
//! - every text from an input (run ids, recipe and test names, causes,
//!   evidence, paths) goes through [`escape`], in element content and in
//!   attributes, which are always double-quoted;
//! - ids and anchors are made here from counters (`c1`, `r2`), never from
//!   input;
//! - no element, attribute or URL comes from an input; the page loads
//!   nothing (a Content-Security-Policy forbids it as a second fence) and
//!   runs no script;
//! - the grid scrolls sideways with its first column kept in view, and the
//!   page reads at 400 px wide.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::text::{clip, one_line, rfc3339, short_test};
use super::{Report, load_phrase, plural};
use crate::evidence::crossrun::{self, RunOutcome, TestHistory};
use crate::model::{Class, Outcome, Run, RunKind, Triaged};

/// Caps on text from inputs: a page stays a page whatever a log holds.
const PROSE_MAX: usize = 4_000;
const EVIDENCE_TEXT_MAX: usize = 4_000;
const EVIDENCE_ITEMS_MAX: usize = 20;
const NEXT_MAX: usize = 2_000;
const DIFF_MAX: usize = 20_000;
const MESSAGE_MAX: usize = 2_000;
const WARNINGS_MAX: usize = 200;

/// `s` with `& < > " '` as entities, control characters dropped: safe in
/// element content and in a quoted attribute.
pub fn escape(s: &str) -> String {
    let s = super::text::clean(s);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] of the text on one line: for titles and headings.
fn esc1(s: &str) -> String {
    escape(&one_line(s))
}

/// The CSS class of a verdict class (our names, never input).
fn class_css(c: Class) -> &'static str {
    match c {
        Class::Flake => "k-flake",
        Class::RecipeDefect => "k-defect",
        Class::StaleOverlay => "k-stale",
        Class::RoutingCollision => "k-routing",
        Class::Harness => "k-harness",
        Class::Unknown => "k-unknown",
    }
}

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;--link:#0550ae;
--flake:#f2cc60;--flake-fg:#3b2300;--defect:#cf222e;--defect-fg:#fff;--stale:#8250df;--stale-fg:#fff;
--routing:#0e7c86;--routing-fg:#fff;--harness:#0969da;--harness-fg:#fff;--unknown:#d0d7de;--unknown-fg:#1f2328;
--green:#aceebb;--green-fg:#0f5323;--odd:#ffd8b5;--odd-fg:#5c2a00;--none-fg:#8c959f;--loaded:#fff1e5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--head:#151b23;
--link:#4493f8;--unknown:#6e7681;--unknown-fg:#fff;--green:#1f6f3a;--green-fg:#d2f8d9;--odd:#9b4a00;--odd-fg:#fff;
--none-fg:#656c76;--loaded:#2d1f12}}
*{box-sizing:border-box}
body{margin:0;padding:1rem 1.25rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--fg);overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0 .4rem}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .5rem}h4{font-size:.95rem;margin:.8rem 0 .3rem}
a{color:var(--link)}code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--head);border:1px solid var(--line);
border-radius:4px;padding:.4rem .55rem;margin:.2rem 0 .5rem}
.muted{color:var(--muted)}
.chip{display:inline-block;min-width:1.6em;padding:0 .35em;border-radius:3px;text-align:center;font-weight:700;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.k-flake{background:var(--flake);color:var(--flake-fg)}.k-defect{background:var(--defect);color:var(--defect-fg)}
.k-stale{background:var(--stale);color:var(--stale-fg)}.k-routing{background:var(--routing);color:var(--routing-fg)}
.k-harness{background:var(--harness);color:var(--harness-fg)}.k-unknown{background:var(--unknown);color:var(--unknown-fg)}
.k-green{background:var(--green);color:var(--green-fg)}.k-odd{background:var(--odd);color:var(--odd-fg)}
.k-none{color:var(--none-fg)}
.o-pass{background:var(--green);color:var(--green-fg)}.o-fail{background:var(--defect);color:var(--defect-fg)}
.o-error{background:var(--odd);color:var(--odd-fg)}.o-skip{background:var(--unknown);color:var(--unknown-fg)}
.o-infra{background:var(--stale);color:var(--stale-fg)}.o-none{color:var(--none-fg)}
ul.counts,ul.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1.1rem}
.scroll{overflow-x:auto;width:fit-content;max-width:100%;border:1px solid var(--line);border-radius:4px}
table{border-collapse:separate;border-spacing:0}
table.grid th,table.grid td{border-right:1px solid var(--line);border-bottom:1px solid var(--line)}
table.grid tr:last-child>*{border-bottom:0}
table.grid th.name{position:sticky;left:0;z-index:1;background:var(--head);text-align:left;font-weight:600;
padding:.25rem .5rem;min-width:9rem;max-width:18rem;vertical-align:middle}
table.history th.name{max-width:24rem}
th.name .sub{display:block;font-weight:400;font-size:12px;color:var(--muted)}
th.name .tn{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
table.grid thead th{background:var(--head);font-weight:400;font-size:12px;vertical-align:bottom;padding:.3rem .25rem;white-space:nowrap}
table.grid thead th.loaded{background:var(--loaded)}
table.grid thead th.name{font-weight:600;z-index:2}
.rid{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;margin:0 auto .3rem;display:block;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.when,.load{display:block;text-align:center;white-space:nowrap;font-size:11px;line-height:1.25}
.load{font-weight:700}
td.c{min-width:2.3rem;height:2rem;text-align:center;font-weight:700;padding:0;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
td.c a{display:block;line-height:2rem;color:inherit;text-decoration:none}
td.c a:hover,td.c a:focus{outline:2px solid var(--fg);outline-offset:-3px}
td.c small{font-size:10px;line-height:0;position:relative;top:-.45em;margin-left:1px}
td.num{text-align:right;padding:.25rem .5rem;white-space:nowrap}
td.summary{padding:.25rem .5rem;min-width:14rem;font-size:12.5px}
table.runs{margin-top:.3rem}
table.runs th,table.runs td{text-align:left;padding:.2rem .6rem .2rem 0;vertical-align:top;border-bottom:1px solid var(--line)}
table.runs th{font-size:12px;color:var(--muted);white-space:nowrap}
table.runs td{overflow-wrap:normal}table.runs td.mono{white-space:nowrap}table.runs td.load{min-width:16rem}
section.cell{border:1px solid var(--line);border-radius:6px;padding:.7rem .9rem;margin:.8rem 0;scroll-margin-top:.5rem}
section.cell:target{outline:3px solid var(--link);outline-offset:1px}
article.failure+article.failure{border-top:1px dashed var(--line);margin-top:.6rem;padding-top:.2rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.3rem 0}
dt{font-weight:600;color:var(--muted)}dd{margin:0;min-width:0}
ul.evidence{padding-left:1.1rem;margin:.2rem 0}
a.up{font-size:12px;font-weight:400;margin-left:.5rem}
details>summary{cursor:pointer;color:var(--muted)}
nav.toc a{margin-right:.8rem}
@media (max-width:600px){body{padding:.6rem;font-size:13px}
table.grid th.name{min-width:6.5rem;max-width:8.5rem;font-size:12px;padding:.2rem .3rem}
td.c{min-width:1.9rem}dl{grid-template-columns:1fr}dt{margin-top:.3rem}
table.runs{font-size:12px}td.summary{min-width:11rem}}
"#;

/// The page's opening: head, style, and the body's start.
fn open_page(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc1(title)
    )
}

fn close_page() -> String {
    format!(
        "<footer class=\"muted\"><p>{}</p></footer>\n</body>\n</html>\n",
        escape(crate::TOOL)
    )
}

/// `06-14` and `03:41` of a time, for a column header.
fn day_time(ts: Option<Timestamp>) -> (String, String) {
    match ts {
        Some(t) => (
            t.strftime("%m-%d").to_string(),
            t.strftime("%H:%M").to_string(),
        ),
        None => ("?".into(), String::new()),
    }
}

/// The load mark of a run's column and whether it ran under load: `sw`
/// for a sweep run, `⇄ N` when it overlapped N runs, `alone` for an
/// isolation run, `?` when its span is unknown.
fn load_mark(run: &Run) -> (String, bool) {
    let n = run.overlapping.len();
    let mark = match (run.kind, n) {
        (RunKind::Sweep, 0) => "sw".to_string(),
        (RunKind::Sweep, n) => format!("sw ⇄{n}"),
        (_, 0) if run.is_isolation() => "alone".to_string(),
        (_, 0) => "?".to_string(),
        (_, n) => format!("⇄ {n}"),
    };
    (mark, run.is_loaded())
}

/// A run column's header cell.
fn run_header(id: &str, run: Option<&Run>, time: Option<Timestamp>) -> String {
    let (day, hm) = day_time(time);
    let (mark, loaded, title) = match run {
        Some(r) => {
            let (mark, loaded) = load_mark(r);
            let mut title = format!("run {} · {}", one_line(id), load_phrase(r));
            if let Some(t) = time {
                title.push_str(&format!(" · started {}", rfc3339(t)));
            }
            (mark, loaded, title)
        }
        None => (
            "?".to_string(),
            false,
            format!("{} · no run directory was read for it", one_line(id)),
        ),
    };
    format!(
        "<th scope=\"col\" class=\"run{}\" title=\"{}\"><span class=\"rid\">{}</span>\
         <span class=\"when\">{}</span><span class=\"when\">{}</span><span class=\"load\">{}</span></th>",
        if loaded { " loaded" } else { "" },
        escape(&title),
        esc1(id),
        escape(&day),
        escape(&hm),
        escape(&mark)
    )
}

// ------------------------------------------------------------------ triage

/// A column of the triage grid: a reported run, or a run id failures are
/// filed under with no run read (a sweep entry's `sweep:<recipe>`).
struct Column<'a> {
    id: &'a str,
    run: Option<&'a Run>,
    time: Option<Timestamp>,
}

/// The columns in time order: the reported runs as they come (already in
/// time order), with the ids of failures that have no run placed by
/// their sweep entry's time (at the end when it has none).
fn columns<'a>(report: &'a Report) -> Vec<Column<'a>> {
    let mut cols: Vec<Column> = report
        .runs
        .iter()
        .map(|r| Column {
            id: &r.id,
            run: Some(r),
            time: r.span.key(),
        })
        .collect();
    let mut orphans: Vec<Column> = Vec::new();
    for t in report.triaged {
        let id = t.failure.run_id.as_str();
        if report.run(id).is_none() && !orphans.iter().any(|c| c.id == id) {
            let time = report
                .sweeps
                .iter()
                .flat_map(|s| &s.entries)
                .find(|e| e.run_key() == id)
                .and_then(|e| e.first.or(e.last));
            orphans.push(Column {
                id,
                run: None,
                time,
            });
        }
    }
    for o in orphans {
        let at = match o.time {
            Some(t) => cols
                .iter()
                .position(|c| c.time.is_some_and(|ct| ct > t))
                .unwrap_or(cols.len()),
            None => cols.len(),
        };
        cols.insert(at, o);
    }
    cols
}

/// The row a failure belongs to: its recipe, else its run's.
fn row_of<'a>(t: &'a Triaged, report: &'a Report) -> Option<&'a str> {
    t.failure.recipe.as_deref().or_else(|| {
        report
            .run(&t.failure.run_id)
            .and_then(|r| r.recipe.as_deref())
    })
}

/// The failure a cell is coloured by: the one to act on first (the
/// class's priority), the surest among those.
fn worst<'a>(fs: &[&'a Triaged]) -> Option<&'a Triaged> {
    fs.iter().copied().min_by_key(|t| {
        (
            t.verdict.class.priority(),
            std::cmp::Reverse(t.verdict.confidence),
        )
    })
}

/// What a failure is, in a few words: `upgrade test_x` or `promote`.
fn what(t: &Triaged) -> String {
    match &t.failure.test {
        Some(test) => format!("{} {}", t.failure.tier, short_test(test)),
        None => t.failure.tier.to_string(),
    }
}

/// The triage report as one page.
pub fn triage(report: &Report) -> String {
    let mut out = open_page(&if report.scope.is_empty() {
        "ccci-triage".to_string()
    } else {
        format!("ccci-triage: {}", report.scope)
    });
    out.push_str(&triage_header(report));
    out.push_str(&triage_legend());

    let cols = columns(report);
    // Rows: every recipe of the runs and of the failures, sorted; a row
    // for what has no recipe, last.
    let mut rows: Vec<Option<&str>> = report
        .runs
        .iter()
        .map(|r| r.recipe.as_deref())
        .chain(report.triaged.iter().map(|t| row_of(t, report)))
        .collect();
    rows.sort_by_key(|r| (r.is_none(), *r));
    rows.dedup();

    // The failures of each cell, in report order.
    let mut cells: BTreeMap<(usize, usize), Vec<&Triaged>> = BTreeMap::new();
    for t in report.triaged {
        let row = row_of(t, report);
        let r = rows.iter().position(|x| *x == row);
        let c = cols.iter().position(|c| c.id == t.failure.run_id);
        if let (Some(r), Some(c)) = (r, c) {
            cells.entry((r, c)).or_default().push(t);
        }
    }
    // Anchors from a counter, in reading order (row by row).
    let anchors: BTreeMap<(usize, usize), String> = cells
        .keys()
        .enumerate()
        .map(|(i, k)| (*k, format!("c{}", i + 1)))
        .collect();

    out.push_str("<h2 id=\"grid\">Grid</h2>\n");
    if cols.is_empty() {
        out.push_str("<p>No run to show.</p>\n");
    } else {
        out.push_str(&format!(
            "<p class=\"muted\">{} down, {} across (oldest left); a coloured cell links to its failures.</p>\n",
            plural(rows.len(), "recipe"),
            plural(cols.len(), "run")
        ));
        out.push_str("<div class=\"scroll\">\n<table class=\"grid triage\">\n<thead><tr><th scope=\"col\" class=\"name\">recipe</th>");
        for c in &cols {
            out.push_str(&run_header(c.id, c.run, c.time));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (ri, row) in rows.iter().enumerate() {
            out.push_str(&format!(
                "<tr><th scope=\"row\" class=\"name\">{}</th>",
                match row {
                    Some(r) => esc1(r),
                    None => "<span class=\"muted\">(no recipe)</span>".to_string(),
                }
            ));
            for (ci, c) in cols.iter().enumerate() {
                out.push_str(&cell(
                    *row,
                    c,
                    cells.get(&(ri, ci)).map(Vec::as_slice),
                    anchors.get(&(ri, ci)).map(String::as_str),
                ));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }

    out.push_str(&runs_table(report, &cols));

    if !cells.is_empty() {
        out.push_str("<h2 id=\"failures\">Failures</h2>\n");
        for (key, fs) in &cells {
            let anchor = &anchors[key];
            let (row, col) = (rows[key.0], &cols[key.1]);
            out.push_str(&format!(
                "<section class=\"cell\" id=\"{anchor}\">\n<h3>{} · run <code>{}</code> \
                 <span class=\"muted\">— {}</span><a class=\"up\" href=\"#grid\">↑ grid</a></h3>\n",
                match row {
                    Some(r) => esc1(r),
                    None => "(no recipe)".to_string(),
                },
                esc1(col.id),
                plural(fs.len(), "failure")
            ));
            for t in fs {
                out.push_str(&failure_block(report, t));
            }
            out.push_str("</section>\n");
        }
    }
    out.push_str(&notes(report));
    out.push_str(&close_page());
    out
}

/// The header: scope, counts.
fn triage_header(report: &Report) -> String {
    let mut out = String::from("<header>\n<h1>ccci-triage</h1>\n");
    if !report.scope.is_empty() {
        out.push_str(&format!("<p class=\"scope\">{}</p>\n", esc1(&report.scope)));
    }
    let recipes: std::collections::BTreeSet<&str> = report
        .runs
        .iter()
        .filter_map(|r| r.recipe.as_deref())
        .chain(
            report
                .triaged
                .iter()
                .filter_map(|t| t.failure.recipe.as_deref()),
        )
        .collect();
    if report.triaged.is_empty() {
        out.push_str(&format!(
            "<p><strong>Nothing is red</strong>: no failure in {} of {}.</p>\n",
            plural(report.runs.len(), "run"),
            plural(recipes.len(), "recipe")
        ));
    } else {
        out.push_str(&format!(
            "<p><strong>{}</strong> ({}) in {} of {}.</p>\n",
            plural(report.triaged.len(), "failure"),
            plural(report.groups().len(), "cause"),
            plural(report.runs.len(), "run"),
            plural(recipes.len(), "recipe")
        ));
        out.push_str("<ul class=\"counts\">");
        for (c, n) in report.class_counts() {
            out.push_str(&format!(
                "<li><span class=\"chip {}\">{}</span> {n} {c}</li>",
                class_css(c),
                escape(c.initial())
            ));
        }
        out.push_str("</ul>\n");
    }
    for s in report.sweeps {
        let mut line = format!(
            "sweep {}: {} {}",
            one_line(&s.label),
            s.entries.len(),
            if s.entries.len() == 1 {
                "entry"
            } else {
                "entries"
            }
        );
        if !s.enrolled.is_empty() {
            line.push_str(&format!(
                ", {} enrolled",
                plural(s.enrolled.len(), "recipe")
            ));
        }
        if let (Some(a), Some(b)) = (s.started, s.finished) {
            line.push_str(&format!(", {} → {}", rfc3339(a), rfc3339(b)));
        }
        out.push_str(&format!("<p class=\"muted\">{}</p>\n", escape(&line)));
    }
    out.push_str("</header>\n");
    out
}

/// The legend: every colour with its initial, and the load marks.
fn triage_legend() -> String {
    let mut out =
        String::from("<section class=\"legend-box\">\n<h2>Legend</h2>\n<ul class=\"legend\">");
    for c in Class::ALL {
        out.push_str(&format!(
            "<li><span class=\"chip {}\">{}</span> {c}</li>",
            class_css(c),
            c.initial()
        ));
    }
    out.push_str(
        "<li><span class=\"chip k-green\">✓</span> green</li>\
         <li><span class=\"chip k-odd\">!</span> red, no failure reported</li>\
         <li><span class=\"chip k-none\">-</span> no run</li></ul>\n\
         <ul class=\"legend muted\"><li>A cell shows its worst failure (the one to act on first); \
         a small number is how many failures it holds.</li></ul>\n\
         <ul class=\"legend\"><li><b>⇄ N</b> overlapped N other runs</li>\
         <li><b>sw</b> part of a sweep</li><li><b>alone</b> isolation run (overlapped nothing)</li>\
         <li><b>?</b> span unknown</li></ul>\n</section>\n",
    );
    out
}

/// One cell of the triage grid.
fn cell(row: Option<&str>, col: &Column, fs: Option<&[&Triaged]>, anchor: Option<&str>) -> String {
    if let (Some(fs), Some(anchor)) = (fs, anchor)
        && let Some(w) = worst(fs)
    {
        let c = w.verdict.class;
        let mut title = format!(
            "{} · run {}: {}",
            row.unwrap_or("(no recipe)"),
            col.id,
            plural(fs.len(), "failure")
        );
        for t in fs {
            title.push_str(&format!(
                "\n{} {}: {}",
                t.verdict.class,
                t.verdict.confidence,
                what(t)
            ));
        }
        let count = if fs.len() > 1 {
            format!("<small>{}</small>", fs.len())
        } else {
            String::new()
        };
        return format!(
            "<td class=\"c {}\" title=\"{}\"><a href=\"#{anchor}\">{}{count}</a></td>",
            class_css(c),
            escape(&title),
            c.initial()
        );
    }
    match col.run {
        Some(run) if run.recipe.as_deref() == row => {
            let title = format!("{} · run {}", row.unwrap_or("(no recipe)"), col.id);
            if run.is_green() {
                format!(
                    "<td class=\"c k-green\" title=\"{}: green\">✓</td>",
                    escape(&title)
                )
            } else {
                format!(
                    "<td class=\"c k-odd\" title=\"{}: not green, but no failure was reported for it\">!</td>",
                    escape(&title)
                )
            }
        }
        _ => "<td class=\"c k-none\">-</td>".to_string(),
    }
}

/// The runs in time order with the load each ran under, in words.
fn runs_table(report: &Report, cols: &[Column]) -> String {
    if cols.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h2 id=\"runs\">Runs and their load</h2>\n<div class=\"scroll\">\n<table class=\"runs\">\n\
         <thead><tr><th scope=\"col\">run</th><th scope=\"col\">recipe</th><th scope=\"col\">version</th>\
         <th scope=\"col\">started</th><th scope=\"col\">load</th><th scope=\"col\">failures</th></tr></thead>\n<tbody>\n",
    );
    for c in cols {
        let n = report
            .triaged
            .iter()
            .filter(|t| t.failure.run_id == c.id)
            .count();
        let (recipe, version, load) = match c.run {
            Some(r) => (
                r.recipe.clone().unwrap_or_default(),
                r.version.clone().unwrap_or_default(),
                load_phrase(r),
            ),
            None => (
                String::new(),
                String::new(),
                "no run directory was read for it".to_string(),
            ),
        };
        out.push_str(&format!(
            "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
             <td class=\"load\">{}</td><td>{}</td></tr>\n",
            esc1(c.id),
            esc1(&recipe),
            esc1(&version),
            c.time.map(rfc3339).unwrap_or_default(),
            escape(&load),
            n
        ));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

/// One failure: what failed, the verdict, cause, fix, next, evidence.
fn failure_block(report: &Report, t: &Triaged) -> String {
    let (f, v) = (&t.failure, &t.verdict);
    let mut out = format!(
        "<article class=\"failure\">\n<h4><span class=\"chip {}\">{}</span> {} <span class=\"muted\">({})</span> — {}</h4>\n<dl>\n",
        class_css(v.class),
        v.class.initial(),
        v.class,
        v.confidence,
        escape(&one_line(&what(t)))
    );
    let mut row = |label: &str, html: String| {
        out.push_str(&format!("<dt>{label}</dt><dd>{html}</dd>\n"));
    };
    if let Some(test) = &f.test {
        row("test", format!("<code>{}</code>", esc1(test)));
    }
    if let Some(tag) = &f.tag {
        row("version", format!("<code>{}</code>", esc1(tag)));
    }
    row("cause", escape(&clip(&v.cause, PROSE_MAX)));
    if !v.fix.trim().is_empty() {
        row("fix", escape(&clip(&v.fix, PROSE_MAX)));
    }
    if !v.next.trim().is_empty() {
        row(
            "next",
            format!("<pre>{}</pre>", escape(&clip(&v.next, NEXT_MAX))),
        );
    }
    row(
        "open it",
        format!("<pre>{}</pre>", escape(&report.explain_command(f))),
    );
    if !f.message.trim().is_empty() {
        row(
            "message",
            format!("<pre>{}</pre>", escape(&clip(&f.message, MESSAGE_MAX))),
        );
    }
    out.push_str("</dl>\n");
    if let Some(diff) = &v.diff {
        out.push_str(&format!(
            "<details open><summary>Proposed change (<code>git apply</code> it in the recipe repository)</summary>\
             <pre>{}</pre></details>\n",
            escape(&clip(diff, DIFF_MAX))
        ));
    }
    if !v.evidence.is_empty() {
        out.push_str(&format!(
            "<details open><summary>Evidence ({})</summary>\n<ul class=\"evidence\">\n",
            v.evidence.len()
        ));
        for e in v.evidence.iter().take(EVIDENCE_ITEMS_MAX) {
            out.push_str(&format!(
                "<li><code>{}</code><pre>{}</pre></li>\n",
                esc1(&report.relative(&e.source)),
                escape(&clip(&e.text, EVIDENCE_TEXT_MAX))
            ));
        }
        if v.evidence.len() > EVIDENCE_ITEMS_MAX {
            out.push_str(&format!(
                "<li class=\"muted\">… {} not shown (<code>--format json</code> has them all)</li>\n",
                plural(v.evidence.len() - EVIDENCE_ITEMS_MAX, "more item")
            ));
        }
        out.push_str("</ul>\n</details>\n");
    }
    if !v.ruled_out.is_empty() {
        out.push_str("<details><summary>Ruled out</summary>\n<ul>\n");
        for r in &v.ruled_out {
            out.push_str(&format!(
                "<li>not <b>{}</b>: {}</li>\n",
                r.class,
                escape(&clip(&r.why, PROSE_MAX))
            ));
        }
        out.push_str("</ul>\n</details>\n");
    }
    out.push_str("</article>\n");
    out
}

/// Warnings and consoles, collapsed.
fn notes(report: &Report) -> String {
    let mut out = String::new();
    if !report.warnings.is_empty() || report.other_warnings > 0 {
        out.push_str(&format!(
            "<h2 id=\"warnings\">Warnings</h2>\n<details><summary>{} about what is reported{}</summary>\n<ul>\n",
            plural(report.warnings.len(), "warning"),
            if report.other_warnings > 0 {
                format!(", {} about runs not reported", report.other_warnings)
            } else {
                String::new()
            }
        ));
        for w in report.warnings.iter().take(WARNINGS_MAX) {
            out.push_str(&format!("<li>{}</li>\n", escape(&w.to_string())));
        }
        if report.warnings.len() > WARNINGS_MAX {
            out.push_str(&format!(
                "<li class=\"muted\">… {} not shown</li>\n",
                plural(report.warnings.len() - WARNINGS_MAX, "more warning")
            ));
        }
        out.push_str("</ul>\n</details>\n");
    }
    if !report.consoles.is_empty() {
        out.push_str("<h2 id=\"consoles\">Consoles</h2>\n<ul>\n");
        for c in report.consoles {
            let line = match &c.run {
                Some(run) => format!(
                    "console {} taken for run {} ({})",
                    c.path.display(),
                    run,
                    c.why
                ),
                None => format!("console {} matched no run: {}", c.path.display(), c.why),
            };
            out.push_str(&format!("<li>{}</li>\n", esc1(&line)));
        }
        out.push_str("</ul>\n");
    }
    out
}

// ----------------------------------------------------------------- history

/// An outcome's letter (the strip's) and CSS class.
fn outcome_cell(o: &RunOutcome) -> (&'static str, &'static str) {
    match o.outcome {
        Some(x) if x.is_red() && o.infra => ("x", "o-infra"),
        Some(Outcome::Pass) => (".", "o-pass"),
        Some(Outcome::Fail) => ("F", "o-fail"),
        Some(Outcome::Error) => ("E", "o-error"),
        Some(Outcome::Skip) => ("s", "o-skip"),
        None => ("-", "o-none"),
    }
}

/// The history as one page: one table per recipe, one row per test.
pub fn history(tests: &[TestHistory], runs: &[Run]) -> String {
    let mut out = open_page("ccci-triage history");
    let mut by_recipe: BTreeMap<&str, Vec<&TestHistory>> = BTreeMap::new();
    for t in tests {
        by_recipe.entry(t.recipe.as_str()).or_default().push(t);
    }
    out.push_str("<header>\n<h1>ccci-triage history</h1>\n");
    if tests.is_empty() {
        out.push_str(&format!(
            "<p><strong>No test red in any run</strong> ({} read).</p>\n</header>\n",
            plural(runs.len(), "run")
        ));
        out.push_str(&close_page());
        return out;
    }
    out.push_str(&format!(
        "<p><strong>{}</strong> of {} over {}, oldest run left.</p>\n",
        plural(tests.len(), "test"),
        plural(by_recipe.len(), "recipe"),
        plural(runs.len(), "run")
    ));
    out.push_str("<nav class=\"toc\">");
    for (i, recipe) in by_recipe.keys().enumerate() {
        out.push_str(&format!("<a href=\"#r{}\">{}</a> ", i + 1, esc1(recipe)));
    }
    out.push_str("</nav>\n</header>\n");
    out.push_str(
        "<section class=\"legend-box\">\n<h2>Legend</h2>\n<ul class=\"legend\">\
         <li><span class=\"chip o-pass\">.</span> pass</li>\
         <li><span class=\"chip o-fail\">F</span> fail</li>\
         <li><span class=\"chip o-error\">E</span> error</li>\
         <li><span class=\"chip o-skip\">s</span> skip</li>\
         <li><span class=\"chip o-none\">-</span> did not run</li>\
         <li><span class=\"chip o-infra\">x</span> red in a run where every test was red (infrastructure, left out)</li></ul>\n\
         <ul class=\"legend\"><li><b>⇄ N</b> overlapped N other runs</li>\
         <li><b>sw</b> part of a sweep</li><li><b>alone</b> isolation run</li><li><b>?</b> span unknown</li></ul>\n\
         <p class=\"muted\">flip = red runs over the runs counted, TestGrid's rule: infrastructure runs and \
         breaks (3+ reds in a row) left out, so a high flip rate is a flaky test and a break is not one.</p>\n\
         </section>\n",
    );
    for (i, (recipe, ts)) in by_recipe.iter().enumerate() {
        out.push_str(&format!(
            "<section class=\"recipe\" id=\"r{}\">\n<h2>{}</h2>\n",
            i + 1,
            esc1(recipe)
        ));
        // The recipe's runs: every test of a recipe has the same ones, in
        // the same order; the longest list, should one differ.
        let order: Vec<&RunOutcome> = ts
            .iter()
            .max_by_key(|t| t.runs.len())
            .map(|t| t.runs.iter().collect())
            .unwrap_or_default();
        out.push_str("<div class=\"scroll\">\n<table class=\"grid history\">\n<thead><tr><th scope=\"col\" class=\"name\">recipe · test</th>");
        out.push_str(
            "<th scope=\"col\" title=\"red runs over runs where the test ran\">red/ran</th>",
        );
        out.push_str("<th scope=\"col\" title=\"TestGrid flip rate\">flip</th>");
        for o in &order {
            let run = runs.iter().find(|r| r.id == o.run_id);
            let time = o
                .time
                .as_deref()
                .and_then(|s| s.parse::<Timestamp>().ok())
                .or_else(|| run.and_then(|r| r.span.key()));
            out.push_str(&history_header(o, run, time));
        }
        out.push_str("<th scope=\"col\">what it says</th></tr></thead>\n<tbody>\n");
        for t in ts {
            let c = crossrun::counts(&t.runs);
            let short = super::text::file_and_test(&t.test);
            // `recipe · test_x.py` above, the test's name below: each
            // wraps on its own.
            let (sub, name) = match short.split_once("::") {
                Some((file, name)) => (format!("{} · {}", esc1(&t.recipe), esc1(file)), name),
                None => (esc1(&t.recipe), short.as_str()),
            };
            out.push_str(&format!(
                "<tr><th scope=\"row\" class=\"name\" title=\"{}\"><span class=\"sub\">{sub}</span>\
                 <span class=\"tn\">{}</span></th><td class=\"num\">{}/{}</td><td class=\"num\">{:.2}</td>",
                esc1(&t.test),
                esc1(name),
                c.red,
                c.total,
                t.flip_rate
            ));
            for o in &order {
                match t.runs.iter().find(|x| x.run_id == o.run_id) {
                    Some(x) => {
                        let (letter, css) = outcome_cell(x);
                        out.push_str(&format!(
                            "<td class=\"c {css}\" title=\"{}\">{letter}</td>",
                            escape(&outcome_title(x))
                        ));
                    }
                    None => out.push_str("<td class=\"c o-none\">-</td>"),
                }
            }
            out.push_str(&format!(
                "<td class=\"summary\">{}</td></tr>\n",
                esc1(&t.summary())
            ));
        }
        out.push_str("</tbody>\n</table>\n</div>\n</section>\n");
    }
    out.push_str(&close_page());
    out
}

/// A history column's header: the run as [`run_header`] shows it, else
/// what the outcome itself tells.
fn history_header(o: &RunOutcome, run: Option<&Run>, time: Option<Timestamp>) -> String {
    if run.is_some() {
        return run_header(&o.run_id, run, time);
    }
    let (day, hm) = day_time(time);
    let (mark, load) = if o.isolation {
        ("alone", "isolation run")
    } else if o.loaded {
        ("⇄", "under load")
    } else {
        ("?", "load unknown")
    };
    format!(
        "<th scope=\"col\" class=\"run{}\" title=\"{}\"><span class=\"rid\">{}</span>\
         <span class=\"when\">{}</span><span class=\"when\">{}</span><span class=\"load\">{mark}</span></th>",
        if o.loaded { " loaded" } else { "" },
        escape(&format!("run {} · {load}", one_line(&o.run_id))),
        esc1(&o.run_id),
        escape(&day),
        escape(&hm)
    )
}

/// Everything a history cell says, for its title.
fn outcome_title(o: &RunOutcome) -> String {
    let mut s = format!("run {}", one_line(&o.run_id));
    if let Some(v) = &o.version {
        s.push_str(&format!(" · {}", one_line(v)));
    }
    if let Some(t) = &o.time {
        s.push_str(&format!(" · {}", one_line(t)));
    }
    s.push_str(&format!(
        " · {}",
        match o.outcome {
            Some(x) => x.to_string(),
            None => "did not run".to_string(),
        }
    ));
    if o.infra {
        s.push_str(" · every test red (infrastructure)");
    }
    if o.isolation {
        s.push_str(" · alone");
    } else if o.loaded {
        s.push_str(" · under load");
    }
    if o.reruns > 0 {
        s.push_str(&format!(" · retried {}×", o.reruns));
    }
    if let Some(m) = &o.message {
        s.push_str(&format!("\n{}", clip(m, MESSAGE_MAX)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_markup_and_controls_inert() {
        assert_eq!(
            escape("<a href=\"x\" onclick='y'>&</a>\u{1b}[31m\u{9b}"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn ids_never_come_from_input() {
        let tests = vec![crossrun::test_history("<x\" id=\"y", "t::<b>", &[])];
        let page = history(&tests, &[]);
        assert!(page.contains("&lt;b&gt;") && !page.contains("t::<b>"));
        assert!(!page.contains("<x\""));
        assert!(page.contains("id=\"r1\""));
        assert!(!page.contains("id=\"y\""));
    }
}
