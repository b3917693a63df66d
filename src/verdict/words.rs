//! Wording every rung shares, and the commands a verdict hands out.
//!
//! A command is pasted into a shell by an operator at 3 a.m., so every
//! value read from an input is quoted for the shell ([`shell_quote`]), and
//! a value that is not a plausible recipe name or version gets no command
//! at all: the verdict says why instead.

use crate::model::{Failure, is_recipe_name, is_version, shell_quote};

/// `s` trimmed and cut to `max` characters with `…`.
pub fn short(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

/// The first few items and the last, joined.
pub fn abbreviate(items: &[&str], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, … {}",
            items[..max - 1].join(", "),
            items.last().copied().unwrap_or("")
        )
    }
}

pub fn recipe(f: &Failure) -> &str {
    f.recipe.as_deref().unwrap_or("the recipe")
}

/// `gitea 3.2.1+1.23.8`, or the recipe alone when the run names no tag.
pub fn subject(f: &Failure) -> String {
    match &f.tag {
        Some(t) => format!("{} {t}", recipe(f)),
        None => recipe(f).to_string(),
    }
}

pub fn tag(f: &Failure) -> &str {
    f.tag.as_deref().unwrap_or("its tag")
}

pub use crate::model::plural;

/// Why no command can be printed for this failure's recipe and tag, if
/// one of them is not plausible. The refusal names no value read from the
/// run (the report shows those elsewhere, sanitised), so it is inert even
/// when pasted into a shell.
pub fn implausible(f: &Failure) -> Option<String> {
    match (&f.recipe, &f.tag) {
        (Some(r), _) if !is_recipe_name(r) => Some(
            "no command: the recipe name read from the run is not a recipe name \
             (lower-case letters, digits and . _ -), so no command is built around it"
                .to_string(),
        ),
        (_, Some(t)) if !is_version(t) => Some(
            "no command: the version read from the run is not a version \
             (letters, digits and . + _ -), so no command is built around it"
                .to_string(),
        ),
        (None, _) => Some("no command: the run names no recipe".to_string()),
        (_, None) => Some("no command: the run names no version".to_string()),
        _ => None,
    }
}

/// [`reproduce`] with a shell comment after it (`# alone, once the node is
/// free`); a refusal gets no comment.
pub fn reproduce_then(f: &Failure, comment: &str) -> String {
    match implausible(f) {
        Some(why) => why,
        None => format!("{}  # {comment}", reproduce(f)),
    }
}

/// The journal's reproduction recipe (cc-ci-runs.md §7): check the recipe
/// out at the tag, then run it alone with cc-ci's runner. Every value is
/// quoted for the shell and for the Python string it lands in.
pub fn reproduce(f: &Failure) -> String {
    if let Some(why) = implausible(f) {
        return why;
    }
    let recipe = f.recipe.as_deref().unwrap_or_default();
    let tag = f.tag.as_deref().unwrap_or_default();
    // The values are plausible names (no quote, no backslash), so a Python
    // string literal holds them verbatim; the whole `-c` argument is then
    // quoted for the shell.
    let py = format!("from runner import abra; abra.recipe_checkout(\"{recipe}\", \"{tag}\")");
    format!(
        "python3 -c {} && RECIPE={} CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py",
        shell_quote(&py),
        shell_quote(recipe)
    )
}

/// `ccci-triage explain <run> <test>`, quoted.
pub fn explain(f: &Failure) -> String {
    f.explain_command()
}

/// `ccci-triage history --recipe R --test T`, quoted.
pub fn history(f: &Failure) -> String {
    match (&f.recipe, &f.test) {
        (Some(r), Some(t)) if is_recipe_name(r) => format!(
            "ccci-triage history --recipe {} --test {}",
            shell_quote(r),
            shell_quote(t)
        ),
        _ => explain(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Loc, TestSource, Tier};

    fn failure(recipe: &str, tag: &str) -> Failure {
        Failure {
            run_id: "r".into(),
            recipe: Some(recipe.into()),
            tag: Some(tag.into()),
            tier: Tier::Install,
            test: None,
            source: TestSource::Generic,
            message: String::new(),
            detail: None,
            reruns: 0,
            lines: vec![],
            loc: Loc::new("x", None),
        }
    }

    #[test]
    fn the_reproduce_command_quotes_and_refuses_what_is_not_a_name() {
        let cmd = reproduce(&failure("mumble", "1.0.0+v1.6.870-0"));
        assert_eq!(
            cmd,
            "python3 -c 'from runner import abra; abra.recipe_checkout(\"mumble\", \"1.0.0+v1.6.870-0\")' && RECIPE=mumble CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py"
        );
        let evil = reproduce(&failure("x$(touch /tmp/p)", "1.0.0+1"));
        assert!(evil.starts_with("no command:"), "{evil}");
        let evil = reproduce(&failure("mumble", "1'); import os; os.system('id') #"));
        assert!(evil.starts_with("no command:"), "{evil}");
    }

    #[test]
    fn explain_quotes_the_test_id() {
        let mut f = failure("mumble", "1.0.0+1");
        f.test = Some("tests/x.py::test_a[param one]".into());
        assert_eq!(
            explain(&f),
            "ccci-triage explain r 'tests/x.py::test_a[param one]'"
        );
    }
}
