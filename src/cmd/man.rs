//! `ccci-triage man [SUBCOMMAND]...`: the man pages, one per command and
//! subcommand (`ccci-triage-probe-dns(1)` too), generated from the same
//! definition as `--help`, each with EXAMPLES, ENVIRONMENT, EXIT STATUS
//! and SEE ALSO sections. Every page a page names exists: the `help`
//! pseudo-subcommand clap adds is left out of the pages.

use clap::CommandFactory;

use crate::cli::{Cli, ENVIRONMENT, EXAMPLES, EXIT_STATUS, ManArgs};
use crate::error::{Error, Result};

pub fn command(args: &ManArgs, out: &mut Vec<u8>) -> Result<u8> {
    // `probe dns`, `probe-dns` and `ccci-triage-probe-dns` name one page.
    let joined = args.subcommand.join("-");
    let joined = joined.strip_prefix("ccci-triage").unwrap_or(&joined);
    let path: Vec<&str> = joined.split('-').filter(|p| !p.is_empty()).collect();
    let pages = page_names();
    let page = path.join("-");
    if !pages.contains(&page) {
        let known: Vec<String> = pages.iter().filter(|p| !p.is_empty()).cloned().collect();
        let close = super::paths::close_names(&page, &known);
        return Err(
            Error::usage(format!("no man page for `{}`", path.join(" "))).with_hint(
                if close.is_empty() {
                    format!("pages: {}", known.join(", "))
                } else {
                    format!(
                        "did you mean `ccci-triage man {}`?",
                        close[0].replace('-', " ")
                    )
                },
            ),
        );
    }
    render(&path, out).map_err(|e| Error::internal(format!("rendering the man page: {e}")))?;
    Ok(0)
}

/// The command tree as the pages show it: without clap's `help`
/// subcommand, which has no page.
fn tree() -> clap::Command {
    fn strip(c: clap::Command) -> clap::Command {
        let names: Vec<String> = c
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        let mut c = c.disable_help_subcommand(true);
        for n in names {
            c = c.mut_subcommand(n, strip);
        }
        c
    }
    strip(Cli::command())
}

/// Every page: `""` (the main one), `check`, `probe`, `probe-dns`, ….
pub fn page_names() -> Vec<String> {
    fn walk(c: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for s in c.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = if prefix.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{prefix}-{}", s.get_name())
            };
            out.push(name.clone());
            walk(s, &name, out);
        }
    }
    let mut out = vec![String::new()];
    walk(&tree(), "", &mut out);
    out
}

/// Renders the page of the command at `path` (empty: the main page).
fn render(path: &[&str], out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut cmd = tree();
    cmd.build();
    for name in path {
        cmd = cmd
            .find_subcommand(name)
            .cloned()
            .expect("the page was checked to exist");
    }
    let page = path.join("-");
    let title = if page.is_empty() {
        "ccci-triage".to_string()
    } else {
        format!("ccci-triage-{page}")
    };
    let title: &'static str = Box::leak(title.into_boxed_str());
    let cmd = cmd.name(title).bin_name(title).display_name(title);
    let has_args = cmd.get_arguments().any(|a| !a.is_hide_set());
    let has_subs = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if has_args {
        man.render_options_section(out)?;
    }
    if has_subs {
        man.render_subcommands_section(out)?;
    }
    let mut roff = String::new();
    let examples: Vec<_> = EXAMPLES.iter().filter(|(p, ..)| *p == page).collect();
    if !examples.is_empty() {
        roff.push_str(".SH EXAMPLES\n");
        for (_, command, what) in examples {
            roff.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                escape(command),
                escape(what)
            ));
        }
    }
    roff.push_str(".SH ENVIRONMENT\n");
    for (var, what) in ENVIRONMENT {
        roff.push_str(&format!(".TP\n\\fB{var}\\fR\n{}\n", escape(what)));
    }
    roff.push_str(&format!(".SH \"EXIT STATUS\"\n{}\n", escape(EXIT_STATUS)));
    roff.push_str(".SH \"SEE ALSO\"\n");
    let see: Vec<String> = if page.is_empty() {
        page_names()
            .into_iter()
            .filter(|p| !p.is_empty() && !p.contains('-'))
            .map(|p| format!("ccci-triage-{p}(1)"))
            .collect()
    } else {
        let mut v = vec!["ccci-triage(1)".to_string()];
        if let Some((parent, _)) = page.rsplit_once('-') {
            v.push(format!("ccci-triage-{parent}(1)"));
        }
        v
    };
    roff.push_str(&escape(&see.join(", ")));
    roff.push('\n');
    roff.push_str(&format!(".SH VERSION\nv{}\n", env!("CARGO_PKG_VERSION")));
    out.extend_from_slice(roff.as_bytes());
    Ok(())
}

/// Text for a roff line: backslashes and dashes escaped, a leading dot or
/// quote made literal.
fn escape(s: &str) -> String {
    let e = s.replace('\\', "\\e").replace('-', "\\-");
    if e.starts_with('.') || e.starts_with('\'') {
        format!("\\&{e}")
    } else {
        e
    }
}
