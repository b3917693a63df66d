//! `ccci-triage rules`: the rule set as a table or JSON.

use super::Style;
use super::grid::{Col, Grid};
use crate::rules::RuleSet;

/// Every rule as a table: id, scope, role, what the line says.
pub fn table(rules: &RuleSet, style: Style) -> String {
    let mut grid = Grid::new(
        vec![
            Col::whole("rule"),
            Col::whole("scope"),
            Col::whole("role"),
            Col::wrap("what the line says"),
        ],
        style,
    );
    for row in crate::rules::to_rows(rules) {
        grid.row(row.to_vec());
    }
    format!("{}{} rules\n", grid.render(), rules.rules().len())
}
