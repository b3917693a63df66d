//! `ccci-triage check <RECIPE_DIR> [--tag TAG]`: the static recipe checks
//! alone. Exits 3 when the recipe has a finding, so a PR pipeline can
//! gate on it.

use crate::cli::{CheckArgs, PlainFormat};
use crate::error::{EXIT_FINDING, Error, Result};
use crate::evidence::recipe;
use crate::sources::git;

use super::Ctx;
use super::triage::load_rules;

pub fn command(args: &CheckArgs, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    let rules = load_rules(None)?;
    let dir = &args.recipe_dir;
    if !dir.is_dir() {
        return Err(Error::usage(format!("{}: not a directory", dir.display()))
            .with_hint("pass a recipe checkout (the directory with compose.yml)"));
    }
    let files = match &args.tag {
        Some(tag) => {
            let repo = git::Repo::open(dir).ok_or_else(|| {
                Error::usage(format!(
                    "{}: not a git checkout, so --tag cannot be read",
                    dir.display()
                ))
            })?;
            let files = repo
                .files_at(tag, |p| !p.starts_with(".git"))
                .map_err(|e| Error::usage(format!("{}: {e}", dir.display())))?;
            recipe::RecipeFiles {
                origin: format!("{} at tag {tag}", dir.display()),
                files,
                warnings: Vec::new(),
            }
        }
        None => recipe::RecipeFiles::from_dir(dir)
            .map_err(|e| Error::usage(format!("{}: cannot read: {e}", dir.display())))?,
    };
    if !files.files.keys().any(|k| recipe::is_compose_file(k)) {
        let mut e = Error::usage(format!("{}: no compose.yml", files.origin));
        if let Some(w) = files.warnings.first() {
            e = e.with_hint(format!("a compose file could not be read: {w}"));
        } else {
            e = e.with_hint("pass a recipe checkout (the directory with compose.yml)");
        }
        return Err(e);
    }
    let report = recipe::check(&files, &rules);
    let warnings: Vec<crate::model::Warning> = report
        .warnings
        .iter()
        .map(|w| {
            // `<relative path>: <problem>`: named as a path one can open
            // (the work tree's; files read at a tag come with none).
            let (subject, problem) = match (w.split_once(": "), &args.tag) {
                (Some((rel, problem)), None) => {
                    (dir.join(rel).display().to_string(), problem.to_string())
                }
                _ => (files.origin.clone(), w.clone()),
            };
            crate::model::Warning {
                subject,
                problem,
                run: None,
            }
        })
        .collect();
    // check's warnings are about the one recipe asked about: all listed.
    ctx.warn_all(&warnings);
    let text = match args.format {
        PlainFormat::Table => crate::report::check::render_table(&report, ctx.style()),
        PlainFormat::Json => crate::report::check::render_json(&report),
    };
    out.extend_from_slice(text.as_bytes());
    if !text.ends_with('\n') {
        out.push(b'\n');
    }
    Ok(if report.findings.is_empty() {
        0
    } else {
        EXIT_FINDING
    })
}
