//! `ccci-triage comment --forge URL --repo OWNER/NAME --pr N [PATH]...`:
//! the recipe's Markdown report as one comment on its PR, edited on later
//! runs (see [`crate::forge`]).
//!
//! The flags and the token are checked before anything is read, the
//! report is built as `triage -f markdown` builds it, and only then is the
//! forge asked. Prints one line on stdout, `created comment <url>` or
//! `edited comment <url>`; with `--dry-run`, what would be sent.

use std::time::Duration;

use crate::cli::CommentArgs;
use crate::error::{Error, Result};
use crate::forge::{self, Base, Forge, Outcome, Repo, Token};
use crate::report::markdown::{MARKDOWN_LIMIT, markdown};
use crate::report::text::one_line;

use super::Ctx;
use super::triage::pipeline;

pub fn command(args: &CommentArgs, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    let base = Base::parse(&args.forge)?;
    let repo = Repo::parse(&args.repo)?;
    if args.pr == 0 {
        return Err(Error::usage("--pr 0: PR numbers start at 1")
            .with_hint("the number at the end of the PR's URL, …/pulls/N"));
    }
    if args.timeout == 0 {
        return Err(
            Error::usage("--timeout 0: the forge needs at least a second")
                .with_hint("leave it out for 20 s, or pass --timeout 60 for a slow forge"),
        );
    }
    let token = token(args)?;
    if token.is_none() && !args.dry_run {
        return Err(Error::usage("no token: GITEA_TOKEN is not set and --token-file is not given")
            .with_hint(format!(
                "create a token on {base} (Settings → Applications) with the write:issue scope, \
                 then set GITEA_TOKEN or pass --token-file FILE; --dry-run shows what would be \
                 sent without one"
            )));
    }

    let t = pipeline(&args.input, &args.filter, None, ctx)?;
    ctx.warn(&t.warnings, t.other_warnings);
    let body = markdown(&t.report());
    // The report keeps itself under the limit (Gitea's and GitHub's is
    // 65,536); a longer one is a bug in the report, not the user's to fix.
    if body.len() > MARKDOWN_LIMIT {
        return Err(Error::internal(format!(
            "the report is {} bytes, over its own limit of {MARKDOWN_LIMIT}; nothing was sent",
            body.len()
        ))
        .with_hint("report it with the command line you used"));
    }
    if args.filter.recipe.is_empty() {
        let mut recipes: Vec<&str> = t
            .triaged
            .iter()
            .filter_map(|x| x.failure.recipe.as_deref())
            .collect();
        recipes.sort_unstable();
        recipes.dedup();
        if recipes.len() > 1 {
            ctx.note(&format!(
                "the report covers {} recipes; --recipe {} narrows it to the PR's recipe",
                recipes.len(),
                repo.name
            ));
        }
    }
    if !base.is_https() && !base.is_loopback() {
        ctx.note(&format!(
            "{base} is plain http: the token crosses the network unencrypted"
        ));
    }

    if args.dry_run {
        let text = forge::dry_run(&base, &repo, args.pr, &body, token.as_ref());
        out.extend_from_slice(text.as_bytes());
        return Ok(0);
    }
    let Some(token) = token else {
        unreachable!("a real run without a token was refused above")
    };
    let forge = Forge::new(base, token, Duration::from_secs(args.timeout));
    let published = forge.publish(&repo, args.pr, &body)?;
    for n in &published.notes {
        ctx.note(n);
    }
    let line = match &published.outcome {
        Outcome::Created(_, url) => format!("created comment {}\n", one_line(url)),
        Outcome::Edited(_, url) => format!("edited comment {}\n", one_line(url)),
    };
    out.extend_from_slice(line.as_bytes());
    Ok(0)
}

/// The token: `--token-file` (read as every input is, capped), else
/// `$GITEA_TOKEN`; `None` when neither is there.
fn token(args: &CommentArgs) -> Result<Option<Token>> {
    if let Some(path) = &args.token_file {
        let source = format!("--token-file {}", path.display());
        let (text, _) = crate::fsx::read_text(path, crate::fsx::cap::TOKEN).map_err(|e| {
            Error::usage(format!("{source}: {e}"))
                .with_hint("pass a file holding only the token (one line), readable by you")
        })?;
        return Token::new(&text, &source).map(Some);
    }
    match std::env::var("GITEA_TOKEN") {
        Ok(v) if !v.trim().is_empty() => Token::new(&v, "GITEA_TOKEN").map(Some),
        _ => Ok(None),
    }
}
