//! How `ccci-triage check` prints a [`RecipeReport`]: the compose chain
//! and its services, then the findings with their evidence and fix (the
//! warnings go to stderr); or the report as JSON, the same shape the verdict stage reads.

use similar::TextDiff;

use super::Style;
use super::grid::{Col, Grid};
use super::text::{one_line, wrap};
use crate::evidence::recipe::{RecipeReport, Service};

/// A unified diff of the `backupbot.*` labels of two services: ours (the
/// failing recipe) against a reference that passes the same test. One
/// `key: value` line per label, sorted by key.
pub fn label_diff(ours: &Service, reference: &Service) -> String {
    let lines = |s: &Service| -> String {
        s.labels
            .iter()
            .filter(|(k, _)| k.starts_with("backupbot."))
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect()
    };
    let (a, b) = (lines(ours), lines(reference));
    TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(10)
        .header(
            &format!("{} ({})", ours.name, ours.file),
            &format!("{} ({})", reference.name, reference.file),
        )
        .to_string()
}

/// The report as text tables: the compose chain and services, then the
/// findings (check, service, summary, fix).
pub fn render_table(report: &RecipeReport, style: Style) -> String {
    let mut out = String::new();
    // Every name and text from the recipe is one line: a newline (or
    // `\r`) in a service name must not split a row or start a line.
    let line = |out: &mut String, text: &str| {
        for l in wrap(&one_line(text), style.width, "  ") {
            out.push_str(l.strip_prefix("  ").unwrap_or(&l));
            out.push('\n');
        }
    };
    line(
        &mut out,
        &format!("recipe {} ({})", report.recipe, report.origin),
    );
    line(
        &mut out,
        &format!("compose chain: {}", report.compose_files.join(":")),
    );
    if !report.optional_compose_files.is_empty() {
        line(
            &mut out,
            &format!(
                "optional overlays (not in the chain): {}",
                report.optional_compose_files.join(", ")
            ),
        );
    }
    let mut services = Grid::new(
        vec![
            Col::whole("service"),
            Col::wrap("image"),
            Col::wrap("networks"),
            Col::whole("on proxy"),
            Col::wrap("defined at"),
        ],
        style,
    );
    for s in &report.services {
        let at = match s.line {
            Some(l) => format!("{}:{l}", s.file),
            None => s.file.clone(),
        };
        services.row(vec![
            one_line(&s.name),
            one_line(s.image.as_deref().unwrap_or_default()),
            one_line(&s.networks.join(", ")),
            if s.on_proxy { "yes" } else { "no" }.to_string(),
            one_line(&at),
        ]);
    }
    out.push_str(&services.render());
    out.push('\n');
    if report.findings.is_empty() {
        out.push_str("no findings\n");
    } else {
        let mut findings = Grid::new(
            vec![
                Col::whole("check"),
                Col::whole("service"),
                Col::wrap("finding"),
            ],
            style,
        );
        for f in &report.findings {
            // The cell's own lines (one per piece of evidence) are kept;
            // each piece is one line.
            let mut text = one_line(&f.summary);
            for e in &f.evidence {
                text.push_str(&format!(
                    "\n- {}: {}",
                    one_line(&e.source.to_string()),
                    one_line(&e.text)
                ));
            }
            text.push_str(&format!("\nfix: {}", one_line(&f.fix)));
            findings.row(vec![one_line(&f.check), one_line(&f.service), text]);
        }
        out.push_str(&findings.render());
        out.push_str(&format!("{} finding(s)\n", report.findings.len()));
    }
    // The warnings go to stderr (once, after the report), not here.
    out
}

/// The report as pretty-printed JSON.
pub fn render_json(report: &RecipeReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serialising plain strings and maps cannot fail; say so if it does.
        format!("{{\"error\": \"cannot serialise the report: {e}\"}}")
    })
}
