//! `ccci-triage history [PATH]`: each test's outcomes across every run of
//! the root, from the index.

use std::collections::{BTreeMap, HashSet};

use crate::cli::{HistoryArgs, HistoryFormat};
use crate::error::{Error, Result};
use crate::evidence::crossrun;
use crate::ingest::{self, Input};
use crate::model::{Run, Span, Warnings};
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
        return Err(paths::unknown_recipe(
            format!(
                "--recipe {r}: no run of that recipe under {}",
                root.display()
            ),
            r,
            &recipes,
            "recipes",
        ));
    }
    let spans: Vec<(String, Span)> = light.iter().map(|l| (l.id.clone(), l.span)).collect();
    // One recipe's summaries in memory at a time: a history is of one
    // recipe's runs, so memory follows the largest recipe, not the root.
    let mut by_recipe: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in &light {
        if let Some(r) = &l.recipe
            && args.recipe.as_ref().is_none_or(|want| want == r)
        {
            by_recipe.entry(r.as_str()).or_default().push(l.id.as_str());
        }
    }
    let html = matches!(args.format, HistoryFormat::Html);
    let mut histories = Vec::new();
    // For the page's column headers: the runs without their tests and
    // signals (the histories hold the outcomes).
    let mut headers: Vec<Run> = Vec::new();
    for (recipe, ids) in &by_recipe {
        let mut runs: Vec<Run> = index.summaries(ids)?;
        let these: HashSet<&str> = ids.iter().copied().collect();
        let over = ingest::load::overlaps_of(&spans, |id| these.contains(id));
        for r in &mut runs {
            r.overlapping = over.get(&r.id).cloned().unwrap_or_default();
        }
        ingest::load::sort(&mut runs);
        let rs: Vec<&Run> = runs.iter().collect();
        for test in crossrun::tests_of(&rs, args.test.is_none()) {
            if args
                .test
                .as_ref()
                .is_some_and(|t| !test.contains(t.as_str()))
            {
                continue;
            }
            histories.push(crossrun::test_history(recipe, &test, &rs));
        }
        if html {
            headers.extend(runs.into_iter().map(|mut r| {
                r.tests = Vec::new();
                r.signals = Vec::new();
                r
            }));
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
        HistoryFormat::Html => crate::report::html::history(&histories, &headers),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(0)
}
