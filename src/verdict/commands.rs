//! The commands a verdict's `next` hands to the operator.

use crate::model::Failure;

/// The journal's reproduction recipe (shared/spec/cc-ci-runs.md §7): check
/// the recipe out at the tag, then run it alone with cc-ci's runner.
pub fn reproduce_command(f: &Failure) -> String {
    let recipe = f.recipe.as_deref().unwrap_or("<recipe>");
    let tag = f.tag.as_deref().unwrap_or("<tag>");
    format!(
        "python3 -c \"from runner import abra; abra.recipe_checkout('{recipe}', '{tag}')\" && \
         RECIPE={recipe} CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py"
    )
}
