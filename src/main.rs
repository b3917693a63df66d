//! The `ccci-triage` binary: parse the command line, run the command,
//! print, and turn the outcome into an exit status.
//!
//! Exit status (shared/spec/interface.md): 0 when the command ran, whatever
//! it found; 2 on usage or unreadable input; 1 on an internal error; 3 when
//! `check` has a finding. A closed pipe (`ccci-triage | head`) is a clean
//! exit, not an error. Reports go to stdout; warnings and progress to
//! stderr, sanitised.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use ccci_triage::cli::Cli;
use ccci_triage::cmd;
use ccci_triage::error::{EXIT_INTERNAL, EXIT_USAGE, Error};
use ccci_triage::report::text::clean;

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
    let mut tail = Vec::new();
    // A bug must still end with the interface's exit status for an
    // internal error (1), not Rust's 101, and say what to do.
    let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cmd::run(cli, &mut out, &mut tail)
    })) {
        Ok(r) => r,
        Err(_) => Err(
            Error::internal("ccci-triage hit a bug (the panic message is above)").with_hint(
                "re-run with RUST_BACKTRACE=1 and report it with the command line you used",
            ),
        ),
    };
    // Write everything at once; a closed pipe is not an error.
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(&out).and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("ccci-triage: error: writing the report: {e}");
        return ExitCode::from(EXIT_INTERNAL);
    }
    drop(stdout);
    // Warnings after the report, so that they end what the operator reads.
    for line in &tail {
        eprintln!("{line}");
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // An error can quote an input (a path, a name): sanitised.
            eprintln!("ccci-triage: error: {}", clean(&e.message));
            if let Some(h) = &e.hint {
                eprintln!("hint: {}", clean(h));
            }
            ExitCode::from(e.exit_code())
        }
    }
}
