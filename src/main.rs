//! The `ccci-triage` binary: parse the command line, run the command,
//! print, and turn the outcome into an exit status.
//!
//! Exit status (shared/spec/interface.md): 0 when the command ran, whatever
//! it found; 2 on usage or unreadable input; 1 on an internal error. A
//! closed pipe (`ccci-triage | head`) is a clean exit, not an error.
//! Reports go to stdout; warnings and progress to stderr.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use ccci_triage::cli::{
    CheckArgs, Cli, Command, ExplainArgs, Format, PlainFormat, RulesArgs, TriageArgs,
};
use ccci_triage::error::{EXIT_INTERNAL, EXIT_USAGE, Error, Result};
use ccci_triage::evidence::{git, recipe};
use ccci_triage::pipeline::{self, Triage};
use ccci_triage::report::{self, Report};
use ccci_triage::{history, probe};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    let mut out = Vec::new();
    // A bug must still end with the interface's exit status for an
    // internal error (1), not Rust's 101, and say what to do.
    let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli, &mut out)))
    {
        Ok(r) => r,
        Err(_) => Err(
            Error::internal("ccci-triage hit a bug (the panic message is above)").with_hint(
                "re-run with RUST_BACKTRACE=1 and report it with the command line you used",
            ),
        ),
    };
    // Write everything at once; a closed pipe is not an error.
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(&out).and_then(|()| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("ccci-triage: error: writing the report: {e}");
            return ExitCode::from(EXIT_INTERNAL);
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccci-triage: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli, out: &mut Vec<u8>) -> Result<()> {
    match cli.command {
        None => triage(&cli.triage, out),
        Some(Command::Triage(args)) => triage(&args, out),
        Some(Command::Explain(args)) => explain(&args, out),
        Some(Command::Check(args)) => check(&args, out),
        Some(Command::Probe(cmd)) => probe::command(&cmd, out),
        Some(Command::History(args)) => history::command(&args, out),
        Some(Command::Rules(args)) => rules(&args, out),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "ccci-triage", out);
            Ok(())
        }
        Some(Command::Man) => clap_mangen::Man::new(Cli::command())
            .render(out)
            .map_err(|e| Error::internal(format!("rendering the man page: {e}"))),
    }
}

fn print_warnings(t: &Triage) {
    for w in t.warnings.as_slice() {
        eprintln!("ccci-triage: warning: {w}");
    }
}

fn report_of(t: &Triage) -> Report<'_> {
    Report {
        inputs: t.inputs.iter().map(|p| p.display().to_string()).collect(),
        runs: &t.runs,
        triaged: &t.triaged,
        warnings: t.warnings.as_slice(),
    }
}

fn triage(args: &TriageArgs, out: &mut Vec<u8>) -> Result<()> {
    if let Some(path) = &args.append {
        pipeline::refuse_under_inputs(path, &pipeline::input_paths(&args.input.paths), "--append")?;
    }
    let t = pipeline::triage(&args.input, &args.filter)?;
    print_warnings(&t);
    let tty = std::io::stdout().is_terminal();
    let format = args
        .format
        .unwrap_or(if tty { Format::Table } else { Format::Json });
    let report = report_of(&t);
    let text = match format {
        Format::Table => {
            let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            report::table(&report, color)
        }
        Format::Json => report::json(&report),
        Format::Markdown => report::markdown(&report),
        Format::Journal => {
            let entries = report::journal(&report, &args.milestone, jiff::Timestamp::now());
            if let Some(path) = &args.append {
                report::append_journal(path, &entries)
                    .map_err(|e| Error::usage(format!("{}: cannot append: {e}", path.display())))?;
                eprintln!("ccci-triage: appended to {}", path.display());
                return Ok(());
            }
            entries
        }
    };
    out.extend_from_slice(text.as_bytes());
    if !text.ends_with('\n') {
        out.push(b'\n');
    }
    Ok(())
}

fn explain(args: &ExplainArgs, out: &mut Vec<u8>) -> Result<()> {
    // `explain <RUN_ID> <PATH>`: a second word that is an existing path is
    // the runs root, not a test (a test id is never a path on disk).
    let mut input = args.input.clone();
    let mut test = args.test.clone();
    if let Some(t) = &test {
        if std::path::Path::new(t).exists() {
            input.paths.insert(0, t.into());
            test = None;
        }
    }
    let t = pipeline::triage(&input, &Default::default())?;
    print_warnings(&t);
    let text = report::explain(&report_of(&t), &args.run_id, test.as_deref()).map_err(|e| {
        Error::usage(e).with_hint("list the failures with `ccci-triage <runs root>`")
    })?;
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn check(args: &CheckArgs, out: &mut Vec<u8>) -> Result<()> {
    let rules = pipeline::load_rules(None)?;
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
            }
        }
        None => recipe::RecipeFiles::from_dir(dir)
            .map_err(|e| Error::usage(format!("{}: cannot read: {e}", dir.display())))?,
    };
    if !files.files.keys().any(|k| k.starts_with("compose")) {
        return Err(Error::usage(format!("{}: no compose.yml", files.origin))
            .with_hint("pass a recipe checkout (the directory with compose.yml)"));
    }
    let report = recipe::check(&files, &rules);
    for w in &report.warnings {
        eprintln!("ccci-triage: warning: {w}");
    }
    let text = match args.format {
        PlainFormat::Table => recipe::render_table(&report),
        PlainFormat::Json => recipe::render_json(&report),
    };
    out.extend_from_slice(text.as_bytes());
    if !text.ends_with('\n') {
        out.push(b'\n');
    }
    Ok(())
}

fn rules(args: &RulesArgs, out: &mut Vec<u8>) -> Result<()> {
    let rules = pipeline::load_rules(args.rules.as_deref())?;
    if args.check {
        let failures = rules.check_examples();
        for f in &failures {
            writeln!(out, "FAIL {f}").ok();
        }
        writeln!(
            out,
            "{} rules, {} examples checked, {} failed",
            rules.rules().len(),
            rules
                .rules()
                .iter()
                .map(|r| r.must_match.len() + r.must_not_match.len())
                .sum::<usize>(),
            failures.len()
        )
        .ok();
        if !failures.is_empty() {
            return Err(Error::usage(format!(
                "{} rule example(s) failed",
                failures.len()
            )));
        }
        return Ok(());
    }
    let text = match args.format {
        PlainFormat::Json => ccci_triage::rules::to_json(&rules),
        PlainFormat::Table => ccci_triage::rules::to_table(&rules),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(())
}
