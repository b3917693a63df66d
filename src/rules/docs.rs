//! The rules as documentation: `ccci-triage rules` (table, JSON) and the
//! generated table in `rules/README.md`, which a test keeps in sync.

use serde_json::json;

use super::RuleSet;

/// Markers around the generated part of `rules/README.md`.
pub const README_BEGIN: &str =
    "<!-- BEGIN GENERATED RULES TABLE: do not edit, run `cargo test` with BLESS=1 -->";
pub const README_END: &str = "<!-- END GENERATED RULES TABLE -->";

/// Every rule as JSON (for scripts, and the benchmark's ripgrep patterns).
pub fn to_json(rules: &RuleSet) -> String {
    let list: Vec<_> = rules
        .rules()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "scope": r.scope.as_str(),
                "role": r.role.to_string(),
                "trouble": r.is_trouble(),
                "fix": r.fix.as_deref().unwrap_or(""),
                "summary": r.summary,
                "printed_by": r.printed_by,
                "means": r.means,
                "pattern": r.pattern,
                "file": r.file,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}

/// Every rule as rows for the report's table: id, scope, role, summary.
pub fn to_rows(rules: &RuleSet) -> Vec<[String; 4]> {
    rules
        .rules()
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.scope.to_string(),
                r.role.to_string(),
                r.summary.to_string(),
            ]
        })
        .collect()
}

/// The Markdown table of `rules/README.md` (between the markers).
pub fn readme_table(rules: &RuleSet) -> String {
    let mut s = String::from(
        "| rule | scope | role | what the line says | printed by |\n|---|---|---|---|---|\n",
    );
    for r in rules.rules() {
        let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.id,
            r.scope,
            r.role,
            cell(&r.summary),
            cell(&r.printed_by)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// rules/README.md carries the generated table of the built-in rules;
    /// `BLESS=1 cargo test` rewrites it.
    #[test]
    fn rules_readme_is_in_sync() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/README.md");
        let text = std::fs::read_to_string(&path).expect("rules/README.md exists");
        let (head, rest) = text.split_once(README_BEGIN).expect("begin marker");
        let (_, tail) = rest.split_once(README_END).expect("end marker");
        let want = format!(
            "{head}{README_BEGIN}\n{}{README_END}{tail}",
            readme_table(&RuleSet::builtin())
        );
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        } else {
            assert!(
                text == want,
                "rules/README.md is out of date: run `BLESS=1 cargo test rules_readme`"
            );
        }
    }

    #[test]
    fn json_lists_every_rule() {
        let rules = RuleSet::builtin();
        let v: serde_json::Value = serde_json::from_str(&to_json(&rules)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), rules.rules().len());
    }
}
