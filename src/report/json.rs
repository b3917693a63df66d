//! The machine contract: `--format json`, exactly as
//! `shared/spec/interface.md` defines it (`schema_version` 1).
//!
//! The output is built from structs private to this file rather than by
//! serialising the model, so that a change to the model can never change
//! the contract by accident. Fields beyond the spec, which readers of
//! schema 1 may ignore: `rung` on each failure (the ladder rung that
//! decided), `consoles` (where each `--console` was taken) and
//! `warnings_not_shown` (warnings about runs not reported, counted).

use serde::Serialize;

use super::Report;
use super::text::rfc3339;
use crate::model::{Class, Confidence, Run, Tier, Triaged};

/// The version of the JSON contract. Bump it (and note it in the README)
/// for any change other than an added field.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: &'static str,
    inputs: &'a [String],
    runs: Vec<RunOut<'a>>,
    failures: Vec<FailureOut<'a>>,
    warnings: Vec<String>,
    warnings_not_shown: usize,
    consoles: Vec<ConsoleOut>,
}

#[derive(Serialize)]
struct RunOut<'a> {
    run_id: &'a str,
    recipe: Option<&'a str>,
    version: Option<&'a str>,
    started: Option<String>,
    finished: Option<String>,
    overlapping: &'a [String],
    path: String,
}

#[derive(Serialize)]
struct FailureOut<'a> {
    run_id: &'a str,
    recipe: Option<&'a str>,
    tag: Option<&'a str>,
    tier: Tier,
    test: Option<&'a str>,
    message: &'a str,
    class: Class,
    confidence: Confidence,
    cause: &'a str,
    rule: Option<&'a str>,
    evidence: Vec<EvidenceOut<'a>>,
    ruled_out: Vec<RuledOutOut<'a>>,
    fix: &'a str,
    next: &'a str,
    rung: &'a str,
}

#[derive(Serialize)]
struct EvidenceOut<'a> {
    source: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct RuledOutOut<'a> {
    class: Class,
    why: &'a str,
}

#[derive(Serialize)]
struct ConsoleOut {
    path: String,
    run_id: Option<String>,
    why: String,
}

fn run_out(run: &Run) -> RunOut<'_> {
    RunOut {
        run_id: &run.id,
        recipe: run.recipe.as_deref(),
        version: run.version.as_deref(),
        started: run.span.started.map(rfc3339),
        finished: run.span.finished.map(rfc3339),
        overlapping: &run.overlapping,
        path: run.path.display().to_string(),
    }
}

fn failure_out(t: &Triaged) -> FailureOut<'_> {
    let (f, v) = (&t.failure, &t.verdict);
    FailureOut {
        run_id: &f.run_id,
        recipe: f.recipe.as_deref(),
        tag: f.tag.as_deref(),
        tier: f.tier,
        test: f.test.as_deref(),
        message: &f.message,
        class: v.class,
        confidence: v.confidence,
        cause: &v.cause,
        rule: v.rule.as_deref(),
        evidence: v
            .evidence
            .iter()
            .map(|e| EvidenceOut {
                source: &e.source,
                text: &e.text,
            })
            .collect(),
        ruled_out: v
            .ruled_out
            .iter()
            .map(|r| RuledOutOut {
                class: r.class,
                why: &r.why,
            })
            .collect(),
        fix: &v.fix,
        next: &v.next,
        rung: v.rung.as_str(),
    }
}

/// The report as pretty-printed JSON, ending with a newline. Strings are
/// as read: JSON escaping makes any text safe here, and scripts want the
/// bytes unaltered.
pub fn json(report: &Report) -> String {
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        tool: crate::TOOL,
        inputs: &report.inputs,
        runs: report.runs.iter().map(run_out).collect(),
        failures: report.triaged.iter().map(failure_out).collect(),
        warnings: report.warnings.iter().map(ToString::to_string).collect(),
        warnings_not_shown: report.other_warnings,
        consoles: report
            .consoles
            .iter()
            .map(|c| ConsoleOut {
                path: c.path.display().to_string(),
                run_id: c.run.clone(),
                why: c.why.clone(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the report: {e}\"}}"));
    s.push('\n');
    s
}
