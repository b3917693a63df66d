//! The subcommands: one file each, the only code that reads the command
//! line. Each takes its arguments, runs the stages it needs, and hands a
//! value to `report` to print; `main` turns the outcome into an exit
//! status.

mod check;
mod comment;
mod explain;
mod history;
mod man;
pub mod paths;
mod probe;
mod rules;
pub mod triage;

use std::io::IsTerminal;

use crate::cli::{Cli, ColorChoice, Command, Global};
use crate::error::Result;
use crate::model::Warning;
use crate::report::Style;

/// What a command needs to know about where it prints.
#[derive(Debug)]
pub struct Ctx {
    pub global: Global,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Lines for stderr after the report: the warnings come once, at the
    /// end, under what they are about.
    tail: std::cell::RefCell<Vec<String>>,
}

impl Ctx {
    pub fn new(global: Global) -> Ctx {
        Ctx {
            global,
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            tail: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Colour and width for stdout: colour on a terminal unless NO_COLOR
    /// or TERM=dumb (`--color always` forces it, `never` refuses it); the
    /// width of the terminal, else COLUMNS, else 100.
    pub fn style(&self) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let color = match self.global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => self.stdout_tty && !no_color,
        };
        Style {
            color,
            width: crate::report::grid::width(self.stdout_tty),
        }
    }

    /// Warnings for stderr, printed after the report, each once and
    /// sanitised: all of them with `-v`; by default their count in one
    /// line, and in full only those about an option given on the command
    /// line (the operator typed it and it does nothing); none with `-q`.
    /// `other` counts warnings about runs that were not reported.
    pub fn warn(&self, warnings: &[Warning], other: usize) {
        if self.global.quiet {
            return;
        }
        let mut seen = std::collections::BTreeSet::new();
        let unique: Vec<String> = warnings
            .iter()
            .map(|w| crate::report::text::one_line(&w.to_string()))
            .filter(|w| seen.insert(w.clone()))
            .collect();
        let mut lines = Vec::new();
        let about_option = |w: &String| w.starts_with("--");
        for w in &unique {
            if self.global.verbose || about_option(w) {
                lines.push(format!("ccci-triage: warning: {w}"));
            }
        }
        let counted = if self.global.verbose {
            0
        } else {
            unique.iter().filter(|w| !about_option(w)).count()
        };
        let plural = crate::report::plural;
        let count = match (counted, other) {
            (0, 0) => None,
            (n, 0) => Some(format!("{} (-v lists them)", plural(n, "warning"))),
            (0, m) if self.global.verbose => Some(format!(
                "{} about runs not reported (they are listed when those runs are reported)",
                plural(m, "warning")
            )),
            (0, m) => Some(format!(
                "{} about runs not reported (-v lists them when those runs are)",
                plural(m, "warning")
            )),
            (n, m) => Some(format!(
                "{} about what is reported, {m} about runs not reported (-v lists them)",
                plural(n, "warning")
            )),
        };
        if let Some(c) = count {
            lines.push(format!("ccci-triage: {c}"));
        }
        self.tail.borrow_mut().extend(lines);
    }

    /// Warnings for stderr after the report, every one listed (each once)
    /// unless `-q`: for commands whose warnings are all about the one thing
    /// asked about (`check`).
    pub fn warn_all(&self, warnings: &[Warning]) {
        if self.global.quiet {
            return;
        }
        let mut seen = std::collections::BTreeSet::new();
        for w in warnings {
            let w = crate::report::text::one_line(&w.to_string());
            if seen.insert(w.clone()) {
                self.tail
                    .borrow_mut()
                    .push(format!("ccci-triage: warning: {w}"));
            }
        }
    }

    /// Says something on stderr unless `-q` (a note, a progress line).
    pub fn note(&self, text: &str) {
        if !self.global.quiet {
            eprintln!("ccci-triage: {}", crate::report::text::one_line(text));
        }
    }

    /// The lines kept for stderr after the report.
    pub fn take_tail(&self) -> Vec<String> {
        std::mem::take(&mut *self.tail.borrow_mut())
    }
}

/// Runs the command; answers the exit status for a command that ran.
/// `out` is the report for stdout; `tail` the lines for stderr after it
/// (the warnings).
pub fn run(cli: Cli, out: &mut Vec<u8>, tail: &mut Vec<String>) -> Result<u8> {
    let ctx = Ctx::new(cli.global.clone());
    let r = dispatch(cli, &ctx, out);
    tail.extend(ctx.take_tail());
    r
}

fn dispatch(cli: Cli, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    match cli.command {
        None => triage::command(&cli.triage, ctx, out),
        Some(Command::Triage(args)) => triage::command(&args, ctx, out),
        Some(Command::Explain(args)) => explain::command(&args, ctx, out),
        Some(Command::Check(args)) => check::command(&args, ctx, out),
        Some(Command::Probe(cmd)) => probe::command(&cmd, ctx, out),
        Some(Command::History(args)) => history::command(&args, ctx, out),
        Some(Command::Comment(args)) => comment::command(&args, ctx, out),
        Some(Command::Rules(args)) => rules::command(&args, ctx, out),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "ccci-triage", out);
            Ok(0)
        }
        Some(Command::Man(args)) => man::command(&args, out),
    }
}

/// A progress bar on stderr that shows only on a terminal and only after a
/// second of work.
pub struct Progress {
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
    enabled: bool,
}

impl Progress {
    pub fn new(ctx: &Ctx, what: &str) -> Progress {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
            "{what} {{pos}}/{{len}} {{wide_bar}} {{eta}}"
        )) {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
            enabled: ctx.stderr_tty && !ctx.global.quiet,
        }
    }

    /// `done` of `total`.
    pub fn tick(&self, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        if !self.shown.load(std::sync::atomic::Ordering::Relaxed)
            && self.started.elapsed() > std::time::Duration::from_secs(1)
        {
            self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
