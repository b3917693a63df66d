//! `ccci-triage rules [--check]`: the rules as data, and their examples
//! checked.

use std::io::Write;

use crate::cli::{PlainFormat, RulesArgs};
use crate::error::{Error, Result};

use super::Ctx;
use super::triage::load_rules;

pub fn command(args: &RulesArgs, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    let rules = load_rules(args.rules.as_deref())?;
    if args.check {
        let failures = rules.check_examples();
        for f in &failures {
            writeln!(
                out,
                "FAIL {}",
                crate::report::text::one_line(&f.to_string())
            )
            .ok();
        }
        writeln!(
            out,
            "{} rules, {} examples checked, {} failed",
            rules.rules().len(),
            rules
                .rules()
                .iter()
                .map(|r| r.must_match.len() + r.must_not_match.len())
                .sum::<usize>(),
            failures.len()
        )
        .ok();
        if !failures.is_empty() {
            return Err(Error::usage(format!(
                "{} rule example(s) failed",
                failures.len()
            )));
        }
        return Ok(0);
    }
    let text = match args.format {
        PlainFormat::Json => crate::rules::to_json(&rules),
        PlainFormat::Table => crate::report::rules::table(&rules, ctx.style()),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(0)
}
