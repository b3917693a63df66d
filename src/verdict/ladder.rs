//! The order of the rungs, and why.
//!
//! The first rung that decides wins; every rung still looks, so that what
//! the later ones saw becomes the `ruled_out` reasons and the trail of
//! `explain`, without any class being decided twice.
//!
//! 1. [`cut_off`]: the run timed out (142), was cancelled (143) or died
//!    early. First, because such a run proves nothing about the recipe:
//!    whatever else is red in it is a consequence.
//! 2. [`harness`]: a harness signature (disk full, a rate limit, a dirty
//!    checkout, a colliding run …) in the failing test's own output, the
//!    console around the failure or the sweep's lines after a promote.
//!    Before the recipe rungs, because it outranks a generic assertion that
//!    merely reports the symptom (`assert rc == 0` over a full disk).
//! 3. [`stale`]: a cc-ci test (overlay or custom) expects a state that
//!    exists in no release tag. Before the recipe rungs, because the test,
//!    not the recipe, is what is wrong; decided by a git search.
//! 4. [`backup`]: a restore that loses data, and backup labels that do not
//!    round-trip.
//! 5. [`routing`]: no answer through the proxy (or a failed promote), and a
//!    bare service name Docker's DNS resolves to other stacks on `proxy`
//!    for this run's stack name.
//! 6. [`deploy`]: the real deploy failed and the compose file explains it
//!    (a pre-pull error never does).
//! 7. [`lint`]: `abra recipe lint` rules the recipe fails.
//! 8. [`flake`]: red under load, green alone (or a canonical since). After
//!    every deterministic rung: a red that a recipe file or a test
//!    expectation explains is not timing.
//! 9. [`alone`]: red alone too, and nothing above explains it:
//!    deterministic, with the candidates (a repo-local test the recipe
//!    fails is the recipe's).
//! 10. [`unknown`]: nothing decisive; the cause names every fact gathered
//!     and what would decide.

use crate::model::{Class, Rung};

use super::case::Case;
use super::{Look, alone, backup, cut_off, deploy, flake, harness, lint, routing, stale};

/// A rung: facts in, a look out.
pub type RungFn = fn(&Case) -> Look;

/// The ladder, in order, with the class each rung can decide (and so the
/// class its "passes" rule out).
pub const LADDER: &[(Rung, Class, RungFn)] = &[
    (Rung::RunCutOff, Class::Harness, cut_off::look),
    (Rung::HarnessSignature, Class::Harness, harness::look),
    (Rung::StaleOverlay, Class::StaleOverlay, stale::look),
    (Rung::BackupRoundTrip, Class::RecipeDefect, backup::look),
    (Rung::Routing, Class::RoutingCollision, routing::look),
    (Rung::DeployFailed, Class::RecipeDefect, deploy::look),
    (Rung::Lint, Class::RecipeDefect, lint::look),
    (Rung::Flake, Class::Flake, flake::look),
    (Rung::ReproducesAlone, Class::Unknown, alone::look),
];
