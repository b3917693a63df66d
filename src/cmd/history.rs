//! `ccci-triage history [PATH]`: each test's outcomes across every run of
//! the root, from the index.

use std::collections::BTreeMap;

use crate::cli::{HistoryArgs, HistoryFormat};
use crate::error::{Error, Result};
use crate::evidence::crossrun;
use crate::ingest::{self, Input};
use crate::model::{Run, RunKind, Span, Warnings};
use crate::sources::history::Index;

use super::paths::{self, refuse_under_roots};
use super::triage::{guard_roots, load_rules};
use super::{Ctx, Progress};

pub fn command(args: &HistoryArgs, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    let rules = load_rules(None)?;
    let root = args.path.clone().unwrap_or_else(paths::env_root);
    let classified = ingest::classify(&root, &rules).map_err(|e| {
        if args.path.is_none() {
            e.with_hint(paths::default_root_hint())
        } else {
            e
        }
    })?;
    match classified {
        Input::Root(_) => {}
        other => {
            return Err(Error::usage(format!(
                "{}: history reads a runs root, not {}",
                root.display(),
                match other {
                    Input::RunDir(_) => "one run directory",
                    _ => "a single file",
                }
            ))
            .with_hint("pass the runs root, the directory holding one directory per run"));
        }
    }
    if let Some(cache) = &args.cache {
        refuse_under_roots(cache, &guard_roots(std::slice::from_ref(&root)), "--cache")?;
    }
    let mut warnings = Warnings::new();
    // The root as triage reads it (symlinks resolved): run signatures
    // fold the files' paths, so a root spelled another way (relative, via
    // a link) would make every run look changed to the other command.
    let scan_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    let found = ingest::discover(&scan_root, &mut warnings)?;
    let mut index = Index::open(args.cache.as_deref(), &scan_root)?;
    let progress = Progress::new(ctx, "indexing runs");
    let (stats, _) = index.refresh(
        &found,
        &rules,
        false,
        &|d, t| progress.tick(d, t),
        &mut warnings,
    )?;
    progress.finish();
    let light = index.light()?;
    let mut recipes: Vec<String> = light.iter().filter_map(|l| l.recipe.clone()).collect();
    recipes.sort();
    recipes.dedup();
    if let Some(r) = &args.recipe
        && !recipes.contains(r)
    {
        let close = paths::close_names(r, &recipes);
        return Err(Error::usage(format!(
            "--recipe {r}: no run of that recipe under {}",
            root.display()
        ))
        .with_hint(if close.is_empty() {
            format!(
                "recipes: {}",
                recipes
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("close names: {}", close.join(", "))
        }));
    }
    let ids: Vec<&str> = light
        .iter()
        .filter(|l| match (&args.recipe, &l.recipe) {
            (Some(want), Some(r)) => want == r,
            (Some(_), None) => false,
            (None, _) => l.recipe.is_some(),
        })
        .map(|l| l.id.as_str())
        .collect();
    let mut runs: Vec<Run> = index.summaries(&ids)?;
    let spans: Vec<(String, Span, RunKind)> = light
        .iter()
        .map(|l| (l.id.clone(), l.span, l.kind))
        .collect();
    let over = ingest::load::overlaps(&spans);
    for r in &mut runs {
        r.overlapping = over.get(&r.id).cloned().unwrap_or_default();
    }
    ingest::load::sort(&mut runs);
    let mut by_recipe: BTreeMap<String, Vec<&Run>> = BTreeMap::new();
    for r in &runs {
        if let Some(recipe) = &r.recipe {
            by_recipe.entry(recipe.clone()).or_default().push(r);
        }
    }
    let mut histories = Vec::new();
    for (recipe, rs) in &by_recipe {
        for test in crossrun::tests_of(rs, args.test.is_none()) {
            if args
                .test
                .as_ref()
                .is_some_and(|t| !test.contains(t.as_str()))
            {
                continue;
            }
            histories.push(crossrun::test_history(recipe, &test, rs));
        }
    }
    let all_warnings = warnings.into_vec();
    ctx.warn(&all_warnings, 0);
    let text = match args.format {
        HistoryFormat::Table => crate::report::history::table(&stats, &histories, ctx.style()),
        HistoryFormat::Json => crate::report::history::json(
            index.root(),
            index.db_path(),
            &stats,
            &histories,
            &all_warnings,
        ),
        HistoryFormat::Html => crate::report::html::history(&histories, &runs),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(0)
}
