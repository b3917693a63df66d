//! How `ccci-triage check` prints a [`RecipeReport`], and the label diff a
//! PR report shows beside a backup finding.
//!
//! The table fits 100 columns whatever the terminal says, so it reads the
//! same in a terminal, a CI log and a pasted issue. The JSON is the report
//! as serialised by serde, the same shape the verdict stage reads.

use comfy_table::{ContentArrangement, Table, presets};
use similar::TextDiff;

use super::{RecipeReport, Service};

/// The widest the table may be.
const WIDTH: u16 = 100;

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

fn table() -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .force_no_tty();
    t
}

/// The report as text tables: the compose chain and services, then the
/// findings (check, service, summary, fix), then warnings.
pub fn render_table(report: &RecipeReport) -> String {
    let mut out = wrap(&format!("recipe {} ({})", report.recipe, report.origin));
    out.push_str(&wrap(&format!(
        "compose chain: {}",
        report.compose_files.join(":")
    )));
    if !report.optional_compose_files.is_empty() {
        out.push_str(&wrap(&format!(
            "optional overlays (not in the chain): {}",
            report.optional_compose_files.join(", ")
        )));
    }
    let mut services = table();
    services.set_header(vec![
        "service",
        "image",
        "networks",
        "on proxy",
        "defined at",
    ]);
    for s in &report.services {
        let nets = s.networks.join(", ");
        let at = match s.line {
            Some(l) => format!("{}:{l}", s.file),
            None => s.file.clone(),
        };
        services.add_row(vec![
            s.name.clone(),
            s.image.clone().unwrap_or_default(),
            nets,
            if s.on_proxy { "yes" } else { "no" }.to_string(),
            at,
        ]);
    }
    out.push_str(&services.to_string());
    out.push_str("\n\n");
    if report.findings.is_empty() {
        out.push_str("no findings\n");
    } else {
        let mut findings = table();
        findings.set_header(vec!["check", "service", "finding"]);
        for f in &report.findings {
            let mut text = f.summary.clone();
            for e in &f.evidence {
                text.push_str(&format!("\n- {}: {}", e.source, e.text));
            }
            text.push_str(&format!("\nfix: {}", f.fix));
            findings.add_row(vec![f.check.clone(), f.service.clone(), text]);
        }
        out.push_str(&findings.to_string());
        out.push('\n');
    }
    for w in &report.warnings {
        out.push_str(&wrap(&format!("warning: {w}")));
    }
    out
}

/// `text` as lines of at most [`WIDTH`] characters, continuation lines
/// indented by two spaces, each line ending in a newline. Breaks at spaces;
/// a word longer than a line is cut.
fn wrap(text: &str) -> String {
    let width = usize::from(WIDTH);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for piece in chars.chunks(width - 2) {
            let piece: String = piece.iter().collect();
            let started = !line.trim().is_empty();
            if started && line.chars().count() + 1 + piece.chars().count() > width {
                lines.push(std::mem::replace(&mut line, "  ".to_string()));
            }
            if !line.trim().is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The report as pretty-printed JSON.
pub fn render_json(report: &RecipeReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serialising plain strings and maps cannot fail; say so if it does.
        format!("{{\"error\": \"cannot serialise the report: {e}\"}}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let long = format!("warning: {} {}", "word ".repeat(60), "x".repeat(250));
        let wrapped = wrap(&long);
        for line in wrapped.lines() {
            assert!(line.chars().count() <= usize::from(WIDTH), "{line}");
        }
        let rejoined: String = wrapped.split_whitespace().collect();
        let original: String = long.split_whitespace().collect();
        assert_eq!(rejoined, original);
        assert_eq!(wrap("short line"), "short line\n");
    }
}
