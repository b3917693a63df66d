//! `ccci-triage explain <RUN_ID> [TEST] [PATH]...`: everything about one
//! run's failures, as text or (`-f json`) as triage's JSON for them.

use crate::cli::{ExplainArgs, FilterArgs};
use crate::error::{Error, Result};

use super::Ctx;
use super::triage::pipeline;

pub fn command(args: &ExplainArgs, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    // `explain <RUN_ID> <PATH>`: a second word that is an existing path is
    // the runs root, not a test (a test id is never a path on disk).
    let mut input = args.input.clone();
    let mut test = args.test.clone();
    if let Some(t) = &test
        && std::path::Path::new(t).exists()
    {
        input.paths.insert(0, t.into());
        test = None;
    }
    let t = pipeline(&input, &FilterArgs::default(), Some(&args.run_id), ctx)?;
    ctx.warn(&t.warnings, t.other_warnings);
    if t.runs.is_empty() && t.triaged.is_empty() {
        let close = super::paths::close_names(&args.run_id, &t.known);
        let hint = if close.is_empty() {
            "list the failures with `ccci-triage <runs root>`".to_string()
        } else {
            format!("close run ids: {}", close.join(", "))
        };
        return Err(Error::usage(format!(
            "no run `{}` under {}",
            crate::report::text::one_line(&args.run_id),
            t.roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint(hint));
    }
    if args.format == crate::cli::PlainFormat::Json {
        let report = t.report();
        let chosen: Vec<crate::model::Triaged> =
            crate::report::explain::chosen(&report, &args.run_id, test.as_deref())
                .map_err(|e| {
                    Error::usage(e).with_hint("list the failures with `ccci-triage <runs root>`")
                })?
                .into_iter()
                .cloned()
                .collect();
        let mut only = t.report();
        only.triaged = &chosen;
        out.extend_from_slice(crate::report::json::json(&only).as_bytes());
        return Ok(0);
    }
    let text = crate::report::explain::explain_at(
        &t.report(),
        &args.run_id,
        test.as_deref(),
        ctx.style().width,
    )
    .map_err(|e| Error::usage(e).with_hint("list the failures with `ccci-triage <runs root>`"))?;
    out.extend_from_slice(text.as_bytes());
    Ok(0)
}
