//! Stale expectations: does what a cc-ci test expects exist in any release
//! of the recipe?
//!
//! cc-ci's overlays (`tests/<recipe>/test_<op>.py`) and custom tests
//! (`tests/<recipe>/custom/…`) are cc-ci's code asserting something about
//! the recipe. When the expected side of a failed assertion (an image,
//! with or without a namespace; a service that should be gone; a label or
//! an environment setting) appears in no release tag, the test is red
//! whenever the latest tag is tested: stale. Found on the default branch
//! only, the test is ahead of a release, not wrong forever.
//!
//! The expected side comes from pytest's assertion rewrite, read by the
//! message rules; the lookup is one git search across every tag and the
//! default branch ([`crate::sources::git::Repo::search`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::model::{Expected, Fact, FactKind, Failure, Loc, Source};
use crate::rules::{RuleSet, ids};
use crate::sources::git;

use super::StaticFacts;
use super::recipe;

/// The git searches made, by (checkout, needle, compose files only):
/// failures of one recipe often expect the same thing, and each search
/// reads every release tag. `None`: not a git checkout.
pub type Searches = HashMap<(PathBuf, String, bool), Option<Result<git::Search, git::GitError>>>;

/// The expectation fact for a failed cc-ci test, with any check skipped.
pub fn expectation(
    f: &Failure,
    facts: &[Fact],
    st: &StaticFacts,
    ccci: Option<&Path>,
    rules: &RuleSet,
    searches: &mut Searches,
) -> Vec<Fact> {
    let mut out = Vec::new();
    let own = |id: &str| {
        facts.iter().find(
            |x| matches!(x.sign(), Some((rule, _, crate::model::Place::Message)) if rule == id),
        )
    };
    let (needle, present, actual, compose_only) = if let Some(s) = own(ids::MSG_ASSERT_EQ) {
        let Some(expected) = s.capture("expected").map(unquote) else {
            return out;
        };
        let image = rules.is_match(ids::IMAGE_REF, &expected);
        let setting = expected.contains('=') && !expected.contains(' ');
        if !image && !setting {
            out.push(super::skipped(
                "stale expectation",
                &format!(
                    "the expected side `{}` is not an image, a label or a setting; not looked up in the releases",
                    crate::model::escape_debug(&expected)
                ),
            ));
            return out;
        }
        (expected, true, s.capture("actual").map(unquote), !image)
    } else if let Some(s) = own(ids::MSG_ASSERT_NOT_IN) {
        let Some(item) = s.capture("item").map(unquote) else {
            return out;
        };
        (
            item,
            false,
            s.capture("container").map(str::to_string),
            true,
        )
    } else if let Some(s) = own(ids::MSG_ASSERT_IN) {
        let Some(item) = s.capture("item").map(unquote) else {
            return out;
        };
        (item, true, s.capture("container").map(str::to_string), true)
    } else {
        return out;
    };
    if needle.len() < 3 {
        return out;
    }
    let filter = move |p: &str| !compose_only || recipe::is_compose_file(p);
    let test_line = match (ccci, &f.test) {
        (Some(ccci), Some(test)) => test_line(ccci, test, &needle),
        _ => None,
    };
    let what = if present {
        format!("expects `{needle}`")
    } else {
        format!("expects `{needle}` gone")
    };
    let search = searches
        .entry((st.checkout.clone(), needle.clone(), compose_only))
        .or_insert_with(|| git::Repo::open(&st.checkout).map(|repo| repo.search(&needle, filter)));
    match search {
        Some(found) => match found {
            Ok(s) => {
                let branch = s.default_branch.clone();
                let tags: Vec<String> = s
                    .refs_searched
                    .iter()
                    .filter(|r| Some(*r) != branch.as_ref())
                    .cloned()
                    .collect();
                let with: Vec<String> = s
                    .tags_with_needle()
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                let holds_in: Vec<String> = if present {
                    with.clone()
                } else {
                    tags.iter().filter(|t| !with.contains(t)).cloned().collect()
                };
                let on_branch = s.on_default_branch.is_some();
                let on_default_branch = branch.is_some() && on_branch == present;
                let text = format!(
                    "{what}: it holds in {} of {} release tags ({}){}",
                    holds_in.len(),
                    tags.len(),
                    abbreviate(&tags, 8),
                    match &branch {
                        Some(b) if on_default_branch => format!("; it holds on `{b}`"),
                        Some(b) => format!("; not on `{b}` either"),
                        None => String::new(),
                    }
                );
                out.push(Fact::new(
                    FactKind::Expectation(Box::new(Expected {
                        needle: needle.clone(),
                        present,
                        actual,
                        refs: s.refs_searched.clone(),
                        holds_in,
                        default_branch: branch,
                        on_default_branch,
                        git: true,
                        test_line,
                    })),
                    Source::git(
                        st.checkout.clone(),
                        format!("grep -F {} <every tag>", crate::model::shell_quote(&needle)),
                        None,
                        None,
                    ),
                    text,
                ));
                for hit in s.found_in.iter().take(4) {
                    out.push(Fact::new(
                        FactKind::Line,
                        Source::git(
                            st.checkout.clone(),
                            hit.rev.clone(),
                            Some(hit.path.clone()),
                            Some(hit.line),
                        ),
                        hit.text.trim().to_string(),
                    ));
                }
            }
            Err(e) => out.push(super::skipped(
                "stale expectation",
                &format!("git search: {e}"),
            )),
        },
        None => {
            out.push(super::skipped(
                "stale expectation",
                &format!(
                    "{} is not a git checkout: only its files at {} were searched, not every release tag",
                    st.checkout.display(),
                    f.tag.as_deref().unwrap_or("the tested tag")
                ),
            ));
            let found = st
                .files
                .files
                .iter()
                .any(|(p, t)| filter(p) && t.contains(&needle));
            let holds = found == present;
            let tag = f.tag.clone().unwrap_or_else(|| "work tree".into());
            out.push(Fact::new(
                FactKind::Expectation(Box::new(Expected {
                    needle: needle.clone(),
                    present,
                    actual,
                    refs: vec![tag.clone()],
                    holds_in: if holds { vec![tag.clone()] } else { vec![] },
                    default_branch: None,
                    on_default_branch: false,
                    git: false,
                    test_line,
                })),
                Source::File(Loc::new(&st.checkout, None)),
                format!(
                    "{what}: the checkout's files at {tag} {} it",
                    if found { "have" } else { "do not have" }
                ),
            ));
        }
    }
    out
}

/// The line of a cc-ci test module that holds `needle` (a literal search;
/// the module comes from the test id, `tests/<recipe>/<module>.py::<name>`).
fn test_line(ccci: &Path, test: &str, needle: &str) -> Option<String> {
    let module = test.split("::").next()?;
    if module.contains("..") || module.starts_with('/') {
        return None;
    }
    let path = ccci.join(module);
    let (text, _) = crate::fsx::read_text(&path, crate::fsx::cap::TEST_MODULE).ok()?;
    let quoted = [format!("\"{needle}\""), format!("'{needle}'")];
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| quoted.iter().any(|q| l.contains(q.as_str())))
        .or_else(|| text.lines().enumerate().find(|(_, l)| l.contains(needle)))?;
    Some(format!("{}:{}: {}", path.display(), n + 1, line.trim()))
}

/// `'x'` or `"x"` → `x`.
pub fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}

/// The first few items of a list and the last, joined.
pub fn abbreviate(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, … {}",
            items[..max - 1].join(", "),
            items.last().map(String::as_str).unwrap_or("")
        )
    }
}
