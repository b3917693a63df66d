//! The HTML pages (`--format html`, `history --format html`), parsed with
//! a real HTML parser (html5ever, through scraper) the way a browser
//! would: on the bundled testdata through the real pipeline, and on
//! hand-built reports whose every text is hostile.
//!
//! What is checked, on every page: it parses without an error; it has no
//! script, no image, no frame, no form, no inline style attribute and no
//! event-handler attribute; every element and attribute is one the
//! renderer writes; nothing links or loads outside the page (every href is
//! a fragment naming an existing id). On the triage page: one grid row per
//! recipe, one column per run in time order, every failing cell a link to
//! an existing section holding that failure, with its class initial in
//! the cell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use ccci_triage::evidence::crossrun;
use ccci_triage::model::{
    Class, Confidence, Evidence, Failure, Loc, Outcome, RuledOut, Run, RunKind, Rung, Span,
    TestCase, TestSource, Tier, Triaged, Verdict, Warning,
};
use ccci_triage::report::text::one_line;
use ccci_triage::report::{Report, html};
use jiff::Timestamp;
use scraper::{ElementRef, Html, Selector};

// ------------------------------------------------------------- the checks

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>()
}

/// Elements the renderer writes; anything else came from an input.
const ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "footer", "nav", "section",
    "article", "h1", "h2", "h3", "h4", "p", "ul", "li", "div", "table", "thead", "tbody", "tr",
    "th", "td", "span", "a", "small", "strong", "b", "code", "pre", "dl", "dt", "dd", "details",
    "summary",
];

/// Attributes the renderer writes.
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "class",
    "id",
    "href",
    "title",
    "scope",
    "open",
];

/// Parses `page` and checks what holds for every page; returns the
/// document.
fn parse_safe(page: &str) -> Html {
    // Nothing a terminal or a browser would act on survives escaping.
    for c in page.chars() {
        assert!(
            !c.is_control() || c == '\n',
            "control character {c:?} in the page"
        );
    }
    let doc = Html::parse_document(page);
    assert!(doc.errors.is_empty(), "parse errors: {:?}", doc.errors);
    for bad in [
        "script", "img", "iframe", "object", "embed", "link", "base", "form", "input", "svg",
        "math", "video", "audio", "source",
    ] {
        assert_eq!(doc.select(&sel(bad)).count(), 0, "a <{bad}> in the page");
    }
    assert_eq!(doc.select(&sel("style")).count(), 1, "one style element");
    assert_eq!(
        doc.select(&sel("head style")).count(),
        1,
        "the style is in the head"
    );
    let ids: BTreeSet<String> = doc
        .select(&sel("[id]"))
        .map(|e| e.attr("id").unwrap().to_string())
        .collect();
    let all = sel("*");
    for e in doc.select(&all) {
        let name = e.value().name();
        assert!(
            ELEMENTS.contains(&name),
            "element <{name}> not written by the renderer"
        );
        for (attr, value) in e.value().attrs() {
            assert!(
                !attr.to_ascii_lowercase().starts_with("on"),
                "event handler {attr}={value:?} on <{name}>"
            );
            assert!(
                ATTRIBUTES.contains(&attr),
                "attribute {attr}={value:?} on <{name}> not written by the renderer"
            );
            let v = value.trim().to_ascii_lowercase();
            assert!(
                !v.starts_with("http") && !v.starts_with("//") && !v.starts_with("javascript"),
                "external or script URL {attr}={value:?}"
            );
        }
        if let Some(id) = e.attr("id") {
            assert!(
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "id {id:?} is not [A-Za-z0-9_-]"
            );
        }
        if let Some(href) = e.attr("href") {
            let target = href
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("href {href:?} leaves the page"));
            assert!(ids.contains(target), "href {href:?} names no element");
        }
    }
    // The one meta http-equiv is ours: a policy that loads nothing.
    let metas: Vec<_> = doc.select(&sel("meta[http-equiv]")).collect();
    assert_eq!(metas.len(), 1);
    assert_eq!(metas[0].attr("http-equiv"), Some("Content-Security-Policy"));
    assert!(
        metas[0]
            .attr("content")
            .unwrap()
            .starts_with("default-src 'none'")
    );
    doc
}

/// The triage grid as parsed: column run ids, row recipes, and per row
/// the cells (text, class attribute, href).
struct GridShape {
    cols: Vec<String>,
    rows: Vec<String>,
    cells: Vec<Vec<(String, String, Option<String>)>>,
}

fn grid(doc: &Html) -> GridShape {
    let table = doc
        .select(&sel("table.grid.triage"))
        .next()
        .expect("the grid");
    let cols = table.select(&sel("thead th.run .rid")).map(text).collect();
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    for tr in table.select(&sel("tbody tr")) {
        rows.push(text(tr.select(&sel("th")).next().unwrap()));
        cells.push(
            tr.select(&sel("td"))
                .map(|td| {
                    let href = td
                        .select(&sel("a"))
                        .next()
                        .and_then(|a| a.attr("href"))
                        .map(str::to_string);
                    (text(td), td.attr("class").unwrap_or("").to_string(), href)
                })
                .collect(),
        );
    }
    GridShape { cols, rows, cells }
}

fn initial(class: &str) -> &'static str {
    Class::parse(class).unwrap().initial()
}

/// Every failing cell links to a section that exists, holds its
/// failures, and shows the worst class's initial; every other cell is
/// green, red without failures, or no run.
fn check_cells(doc: &Html, g: &GridShape) {
    let initials: Vec<&str> = Class::ALL.iter().map(|c| c.initial()).collect();
    for (r, row) in g.cells.iter().enumerate() {
        assert_eq!(
            row.len(),
            g.cols.len(),
            "row {} has one cell per run",
            g.rows[r]
        );
        for (text, class, href) in row {
            match href {
                Some(href) => {
                    let first = text.chars().next().unwrap().to_string();
                    assert!(
                        initials.contains(&first.as_str()),
                        "cell {text:?} starts with a class initial"
                    );
                    assert!(class.contains("k-"), "cell {text:?} is coloured");
                    let section = doc
                        .select(&sel(&format!("section.cell{href}")))
                        .next()
                        .unwrap_or_else(|| panic!("{href} is no failure section"));
                    assert!(section.select(&sel("article.failure")).count() >= 1);
                }
                None => assert!(
                    ["✓", "!", "-"].contains(&text.as_str()),
                    "a cell without failures says ✓, ! or -, not {text:?}"
                ),
            }
        }
    }
}

// ------------------------------------------------------- on the testdata

/// With `CCCI_HTML_OUT=DIR`, the pages are written there too, to be
/// looked at in a browser (or screenshotted with headless Chromium).
fn save(name: &str, page: &str) {
    if let Ok(dir) = std::env::var("CCCI_HTML_OUT") {
        std::fs::write(PathBuf::from(dir).join(name), page).unwrap();
    }
}

fn bin(args: &[&str]) -> String {
    let out = Command::cargo_bin("ccci-triage")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("ABRA_DIR", "/nonexistent-abra")
        .env_remove("CCCI_RUNS_DIR")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const TESTDATA: &[&str] = &[
    "testdata/runs",
    "--sweep-log",
    "testdata/sweep-20260614.log",
    "--canonicals",
    "testdata/ci-warm",
    "--no-history",
];

fn triage_on_testdata(format: &str) -> String {
    let mut args = TESTDATA.to_vec();
    args.extend(["-f", format]);
    bin(&args)
}

#[test]
fn triage_page_on_testdata_is_the_grid_of_the_report() {
    let page = triage_on_testdata("html");
    save("triage.html", &page);
    let doc = parse_safe(&page);
    let json: serde_json::Value = serde_json::from_str(&triage_on_testdata("json")).unwrap();
    let runs = json["runs"].as_array().unwrap();
    let failures = json["failures"].as_array().unwrap();
    assert!(!failures.is_empty(), "the testdata has failures");
    let g = grid(&doc);

    // Columns: the runs reported, in the report's (time) order, plus any
    // run id a failure is filed under with no run read.
    let run_ids: Vec<&str> = runs.iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    let reported: Vec<&str> = g
        .cols
        .iter()
        .map(String::as_str)
        .filter(|c| run_ids.contains(c))
        .collect();
    assert_eq!(
        reported, run_ids,
        "one column per run, in the report's order"
    );
    let mut extra: BTreeSet<&str> = failures
        .iter()
        .map(|f| f["run_id"].as_str().unwrap())
        .filter(|id| !run_ids.contains(id))
        .collect();
    for c in &g.cols {
        if !run_ids.contains(&c.as_str()) {
            assert!(
                extra.remove(c.as_str()),
                "column {c} is neither a run nor a failure's run"
            );
        }
    }
    assert!(
        extra.is_empty(),
        "every failure's run has a column: {extra:?}"
    );
    // ... and that order is time order.
    let started: Vec<&str> = runs.iter().filter_map(|r| r["started"].as_str()).collect();
    let mut sorted = started.clone();
    sorted.sort_unstable();
    assert_eq!(started, sorted, "runs are in time order");

    // Rows: one per recipe of the runs and the failures, sorted.
    let recipe_of_run: BTreeMap<&str, &str> = runs
        .iter()
        .filter_map(|r| Some((r["run_id"].as_str()?, r["recipe"].as_str()?)))
        .collect();
    let row_of = |f: &serde_json::Value| -> String {
        f["recipe"]
            .as_str()
            .or_else(|| recipe_of_run.get(f["run_id"].as_str().unwrap()).copied())
            .unwrap_or("(no recipe)")
            .to_string()
    };
    let mut want: Vec<String> = recipe_of_run.values().map(|s| s.to_string()).collect();
    want.extend(failures.iter().map(row_of));
    want.sort();
    want.dedup();
    if let Some(i) = want.iter().position(|r| r == "(no recipe)") {
        let none = want.remove(i);
        want.push(none);
    }
    assert_eq!(g.rows, want, "one row per recipe");
    check_cells(&doc, &g);

    // Every failure is in the cell of its recipe and run, and that cell's
    // section names its test and cause.
    for f in failures {
        let r = g.rows.iter().position(|x| *x == row_of(f)).unwrap();
        let run = f["run_id"].as_str().unwrap();
        let c = g.cols.iter().position(|x| x == run).unwrap();
        let (cell_text, _, href) = &g.cells[r][c];
        let href = href
            .as_ref()
            .unwrap_or_else(|| panic!("failure of {run} has no link"));
        let section = doc.select(&sel(&format!("section{href}"))).next().unwrap();
        let section_text = text(section)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let cause = f["cause"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            section_text.contains(&cause),
            "{href} holds the cause {cause:?}"
        );
        let class = f["class"].as_str().unwrap();
        let chip = format!("{} {class}", initial(class));
        assert!(section_text.contains(&chip), "{href} says {chip:?}");
        if let Some(test) = f["test"].as_str() {
            assert!(section_text.contains(test), "{href} names {test}");
        }
        assert!(
            Class::ALL
                .iter()
                .any(|k| cell_text.starts_with(k.initial())),
            "{cell_text:?}"
        );
    }

    // The header counts every class, and the legend shows every initial.
    let header = text(doc.select(&sel("header")).next().unwrap());
    for f in failures {
        assert!(header.contains(f["class"].as_str().unwrap()));
    }
    let legend = text(doc.select(&sel(".legend-box")).next().unwrap());
    for c in Class::ALL {
        assert!(
            legend.contains(&format!("{} {c}", c.initial())),
            "legend has {c}"
        );
    }
    // The load is shown: every run column has a load mark, and the runs
    // table says which runs overlapped.
    let marks: Vec<String> = doc
        .select(&sel("table.grid thead th.run .load"))
        .map(text)
        .collect();
    assert_eq!(marks.len(), g.cols.len());
    assert!(
        marks
            .iter()
            .any(|m| m.starts_with("sw") || m.starts_with('⇄')),
        "{marks:?}"
    );
    let runs_table = text(doc.select(&sel("table.runs")).next().unwrap());
    for r in runs {
        for o in r["overlapping"].as_array().unwrap() {
            assert!(runs_table.contains(o.as_str().unwrap()));
        }
    }
}

#[test]
fn history_page_on_testdata_has_a_row_per_test_and_a_cell_per_run() {
    let cache = tempfile::tempdir().unwrap();
    let cache_s = cache.path().to_str().unwrap();
    let page = bin(&["history", "testdata/runs", "--cache", cache_s, "-f", "html"]);
    save("history.html", &page);
    let doc = parse_safe(&page);
    let json: serde_json::Value = serde_json::from_str(&bin(&[
        "history",
        "testdata/runs",
        "--cache",
        cache_s,
        "-f",
        "json",
    ]))
    .unwrap();
    let tests = json["tests"].as_array().unwrap();
    assert!(!tests.is_empty());
    let rows: Vec<ElementRef> = doc.select(&sel("table.grid.history tbody tr")).collect();
    assert_eq!(rows.len(), tests.len(), "one row per test");
    for (tr, t) in rows.iter().zip(tests) {
        let name = tr.select(&sel("th")).next().unwrap();
        assert_eq!(
            name.attr("title"),
            t["test"].as_str(),
            "rows in the JSON's order"
        );
        let cells: String = tr.select(&sel("td.c")).map(text).collect();
        assert_eq!(
            cells,
            t["strip"].as_str().unwrap(),
            "the cells are the strip"
        );
        let summary = text(tr.select(&sel("td.summary")).next().unwrap());
        assert_eq!(summary, t["summary"].as_str().unwrap());
    }
    // Each recipe's table has one column per run of its tests.
    for table in doc.select(&sel("table.grid.history")) {
        let cols = table.select(&sel("thead th.run")).count();
        for tr in table.select(&sel("tbody tr")) {
            assert_eq!(tr.select(&sel("td.c")).count(), cols);
        }
    }
}

// ------------------------------------------------------------ hostile input

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\" onmouseover=\"x",
    "' onfocus='y",
    "</details></section></table>",
    "<img src=x onerror=y>",
    "<a href=\"https://evil.example/\">click</a>",
    "<style>body{display:none}</style>",
    "<!-- open comment",
    "]]><![CDATA[",
    "&amp; &lt;",
    "\u{1b}[31mred\u{1b}[0m \u{1b}]52;c;aGk=\u{7} \u{9b}2J \u{85} \u{202e}evil",
];

fn hostile(i: usize) -> String {
    format!(
        "{} {}",
        HOSTILE[i % HOSTILE.len()],
        HOSTILE[(i + 3) % HOSTILE.len()]
    )
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn hostile_run(i: usize, start: &str, end: &str) -> Run {
    let id = format!("run-{i}-{}", hostile(i));
    let mut r = Run::new(&id, format!("/var/lib/cc-ci-runs/{id}"));
    r.recipe = Some(format!("recipe{}-{}", i % 2, hostile(i % 2 + 1)));
    r.version = Some(hostile(i + 2));
    r.kind = if i == 0 {
        RunKind::Sweep
    } else {
        RunKind::Manual
    };
    r.span = Span {
        started: Some(ts(start)),
        finished: Some(ts(end)),
    };
    r
}

fn hostile_triaged(run: &Run, i: usize, class: Class) -> Triaged {
    let h = hostile(i);
    Triaged {
        failure: Failure {
            run_id: run.id.clone(),
            recipe: run.recipe.clone(),
            tag: Some(h.clone()),
            tier: Tier::Upgrade,
            test: Some(format!("tests/x/test_{i}.py::test_{h}")),
            source: TestSource::CcCi,
            message: h.clone(),
            detail: Some(h.clone()),
            reruns: 0,
            lines: vec![],
            loc: Loc::new(format!("/var/lib/cc-ci-runs/{h}/junit.xml"), Some(3)),
        },
        verdict: Verdict {
            class,
            confidence: Confidence::Likely,
            cause: format!("cause {h}"),
            rule: Some(h.clone()),
            evidence: vec![
                Evidence::new(format!("/var/lib/cc-ci-runs/{h}:1"), h.clone()),
                Evidence::new(h.clone(), format!("line\n{h}\n</pre></li>")),
            ],
            ruled_out: vec![RuledOut {
                class: Class::Flake,
                why: h.clone(),
            }],
            fix: format!("fix {h}"),
            next: format!("ccci-triage explain {h}"),
            rung: Rung::Unknown,
            reproducibility: h.clone(),
            diff: Some(format!("--- a/{h}\n+++ b/{h}\n")),
            trail: vec![],
        },
        facts: vec![],
    }
}

#[test]
fn triage_page_keeps_hostile_text_inert_and_the_grid_whole() {
    let mut runs = vec![
        hostile_run(0, "2026-06-14T01:00:00Z", "2026-06-14T02:00:00Z"),
        hostile_run(1, "2026-06-14T01:30:00Z", "2026-06-14T02:30:00Z"),
        hostile_run(2, "2026-06-15T01:00:00Z", "2026-06-15T02:00:00Z"),
        hostile_run(3, "2026-06-16T01:00:00Z", "2026-06-16T02:00:00Z"),
    ];
    runs[0].overlapping = vec![runs[1].id.clone()];
    runs[1].overlapping = vec![runs[0].id.clone()];
    let triaged = vec![
        hostile_triaged(&runs[0], 0, Class::Flake),
        hostile_triaged(&runs[0], 1, Class::RecipeDefect),
        hostile_triaged(&runs[1], 2, Class::StaleOverlay),
        hostile_triaged(&runs[2], 3, Class::RoutingCollision),
        hostile_triaged(&runs[2], 4, Class::Harness),
        hostile_triaged(&runs[1], 5, Class::Unknown),
    ];
    let warnings = vec![Warning {
        subject: hostile(6),
        problem: hostile(7),
        run: None,
    }];
    let report = Report {
        inputs: vec![hostile(8)],
        scope: format!("scope {}", hostile(9)),
        runs: &runs,
        triaged: &triaged,
        warnings: &warnings,
        other_warnings: 2,
        consoles: &[],
        sweeps: &[],
        roots: vec![PathBuf::from("/var/lib/cc-ci-runs")],
        rerun: String::new(),
    };
    let page = html::triage(&report);
    save("hostile-triage.html", &page);
    let doc = parse_safe(&page);
    // The hostile text is there, as text.
    let all = doc.root_element().text().collect::<String>();
    assert!(all.contains("<script>alert(1)</script>"));
    assert!(all.contains("<img src=x onerror=y>"));
    assert!(all.contains("\" onmouseover=\"x"));
    // In attributes too, whole.
    let titles: String = doc
        .select(&sel("[title]"))
        .map(|e| e.attr("title").unwrap().to_string())
        .collect();
    assert!(titles.contains("\" onmouseover=\"x"), "{titles}");

    let g = grid(&doc);
    let ids: Vec<String> = runs.iter().map(|r| one_line(&r.id)).collect();
    assert_eq!(g.cols, ids, "one column per run, in time order");
    let mut recipes: Vec<String> = runs.iter().map(|r| r.recipe.clone().unwrap()).collect();
    recipes.sort();
    recipes.dedup();
    let recipes: Vec<String> = recipes.iter().map(|r| one_line(r)).collect();
    assert_eq!(g.rows.len(), 2);
    assert_eq!(g.rows, recipes, "one row per recipe");
    check_cells(&doc, &g);
    // Run 0 holds a flake and a recipe defect: the defect (act first)
    // colours the cell, with the count.
    let r0 = g
        .rows
        .iter()
        .position(|r| r.starts_with("recipe0"))
        .unwrap();
    assert_eq!(g.cells[r0][0].0, "D2");
    assert!(g.cells[r0][0].1.contains("k-defect"));
    // Run 3 (recipe1) has no failure and is not green; the other recipe
    // has no run there.
    let r1 = 1 - r0;
    assert_eq!(g.cells[r1][3].0, "!");
    assert_eq!(g.cells[r0][3].0, "-");
    // Each failing cell's section holds exactly that cell's failures.
    let sections = doc.select(&sel("section.cell")).count();
    assert_eq!(sections, 3);
    assert_eq!(doc.select(&sel("article.failure")).count(), triaged.len());
    // The load marks: a sweep run, an overlap, isolation runs.
    let marks: Vec<String> = doc.select(&sel("thead th.run .load")).map(text).collect();
    assert_eq!(marks, ["sw ⇄1", "⇄ 1", "alone", "alone"]);
}

#[test]
fn history_page_keeps_hostile_text_inert() {
    let mut runs: Vec<Run> = (0..5)
        .map(|i| {
            hostile_run(
                i,
                &format!("2026-06-1{i}T01:00:00Z"),
                &format!("2026-06-1{i}T02:00:00Z"),
            )
        })
        .collect();
    let recipe = runs[0].recipe.clone().unwrap();
    let test = format!("tests/{}/test_x.py::test_{}", hostile(1), hostile(2));
    let outcomes = [Outcome::Pass, Outcome::Fail, Outcome::Error, Outcome::Skip];
    for (i, r) in runs.iter_mut().enumerate() {
        r.recipe = Some(recipe.clone());
        if i == 4 {
            continue; // did not run
        }
        r.tests.push(TestCase {
            id: test.clone(),
            classname: hostile(i),
            name: hostile(i + 1),
            tier: Some(Tier::Custom),
            source: TestSource::CcCi,
            outcome: outcomes[i],
            message: Some(hostile(i + 2)),
            detail: None,
            records: 1,
            reruns: 0,
            loc: Loc::new("x.xml", Some(1)),
            started: None,
            seconds: 1.0,
        });
    }
    let refs: Vec<&Run> = runs.iter().collect();
    let h = crossrun::test_history(&recipe, &test, &refs);
    let page = html::history(&[h], &runs);
    save("hostile-history.html", &page);
    let doc = parse_safe(&page);
    let all = doc.root_element().text().collect::<String>();
    assert!(all.contains("<script>alert(1)</script>"));
    let cells: String = doc.select(&sel("td.c")).map(text).collect();
    assert_eq!(cells, ".FEs-");
    assert_eq!(doc.select(&sel("thead th.run")).count(), 5);
}

#[test]
fn empty_reports_are_pages_too() {
    let report = Report {
        inputs: vec![],
        scope: String::new(),
        runs: &[],
        triaged: &[],
        warnings: &[],
        other_warnings: 0,
        consoles: &[],
        sweeps: &[],
        roots: vec![],
        rerun: String::new(),
    };
    let doc = parse_safe(&html::triage(&report));
    assert!(text(doc.select(&sel("header")).next().unwrap()).contains("Nothing is red"));
    let doc = parse_safe(&html::history(&[], &[]));
    assert!(text(doc.select(&sel("header")).next().unwrap()).contains("No test red"));
}
