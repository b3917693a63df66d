//! The command line, defined once: `--help`, the man pages and the shell
//! completions are all generated from these types. Only `cmd/` reads them.
//!
//! `ccci-triage [PATH]...` is the same as `ccci-triage triage [PATH]...`:
//! the operator on the node types the short form at 3 a.m.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Examples, one list per page: (page, command, what it does). The page
/// is the command's path joined by `-` (`""` for the main one,
/// `probe-dns`); `--help` and the man pages print them from here.
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    ("", "ccci-triage", "what is red now under $CCCI_RUNS_DIR"),
    (
        "",
        "journalctl -u nightly-sweep.service --since -1d | ccci-triage --sweep-log -",
        "last night's sweep",
    ),
    (
        "",
        "ccci-triage /var/lib/cc-ci-runs/753 --console /tmp/redfix-discourse.log",
        "one run, with a console saved elsewhere",
    ),
    (
        "",
        "ccci-triage -r mattermost-lts -f markdown > report.md",
        "the report for one recipe's PR",
    ),
    (
        "",
        "ccci-triage explain 753",
        "every rung and fact of one run's failures",
    ),
    (
        "",
        "ccci-triage check ~/.abra/recipes/bluesky-pds --tag 0.3.0+v0.4.219",
        "a recipe's static checks (exit 3 on a finding)",
    ),
    (
        "triage",
        "ccci-triage triage /var/lib/cc-ci-runs --all --since 7d",
        "every run of the last week, not only what is red now",
    ),
    (
        "triage",
        "ccci-triage -f json | jq '.failures[] | select(.class == \"harness\")'",
        "the machine contract, for scripts",
    ),
    (
        "triage",
        "ccci-triage --class harness -f journal --append ~/redfix-journal.md",
        "journal entries for the node's failures",
    ),
    (
        "explain",
        "ccci-triage explain 753 test_restore_returns_state",
        "one failure of run 753",
    ),
    (
        "explain",
        "ccci-triage explain manual-4242 upgrade /srv/runs",
        "a tier's failure, under another runs root",
    ),
    (
        "explain",
        "ccci-triage explain 753 -f json | jq '.failures[0].evidence'",
        "the same failures as JSON",
    ),
    (
        "check",
        "ccci-triage check ~/.abra/recipes/bluesky-pds --tag 0.3.0+v0.4.219",
        "the files at a release tag",
    ),
    (
        "check",
        "ccci-triage check . -f json || echo 'finding (exit 3)'",
        "in a recipe's PR pipeline",
    ),
    (
        "probe",
        "ccci-triage probe dns --container warm-bluesky-pds_ci_commoninternet_net_caddy --name app",
        "who answers for `app`",
    ),
    (
        "probe",
        "ccci-triage probe compose ~/.abra/recipes/discourse",
        "what each compose loader says",
    ),
    (
        "probe-dns",
        "ccci-triage probe dns --container warm-bluesky-pds_ci_commoninternet_net_caddy --name app",
        "is `app` another stack's?",
    ),
    (
        "probe-aliases",
        "ccci-triage probe aliases --network proxy",
        "names held by two or more stacks",
    ),
    (
        "probe-stack",
        "ccci-triage probe stack warm-bluesky-pds_ci_commoninternet_net",
        "replicas and task errors",
    ),
    (
        "probe-compose",
        "ccci-triage probe compose ~/.abra/recipes/discourse -f json",
        "the compose chain as `check` reads it, through both loaders",
    ),
    (
        "history",
        "ccci-triage history",
        "every test that was red, across every run",
    ),
    (
        "history",
        "ccci-triage history -r mattermost-lts --test test_restore",
        "one recipe's tests",
    ),
    (
        "history",
        "ccci-triage history -f html > history.html",
        "the grid as a page",
    ),
    (
        "comment",
        "ccci-triage comment --forge https://git.coopcloud.tech --repo coop-cloud/mattermost-lts --pr 42 -r mattermost-lts --dry-run",
        "what would be posted",
    ),
    (
        "rules",
        "ccci-triage rules",
        "every rule, what it recognises",
    ),
    (
        "rules",
        "ccci-triage rules --check --rules ./rules",
        "edited rules against their examples",
    ),
    (
        "completions",
        "ccci-triage completions bash > ~/.local/share/bash-completion/completions/ccci-triage",
        "bash completion",
    ),
    ("man", "ccci-triage man | man -l -", "this page"),
    (
        "man",
        "ccci-triage man probe dns | man -l -",
        "a subcommand's page",
    ),
];

/// The environment the tool reads: (variable, what it does).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "CCCI_RUNS_DIR",
        "the runs root when no PATH is given (default /var/lib/cc-ci-runs)",
    ),
    (
        "ABRA_DIR",
        "recipe checkouts are $ABRA_DIR/recipes (default ~/.abra/recipes)",
    ),
    (
        "DOCKER_HOST",
        "the engine --probe and `probe` ask (default unix:///var/run/docker.sock)",
    ),
    (
        "XDG_CACHE_HOME",
        "the history index lives in $XDG_CACHE_HOME/ccci-triage (default ~/.cache)",
    ),
    (
        "NO_COLOR",
        "set and not empty: no colour unless --color always",
    ),
    ("TERM", "dumb: no colour unless --color always"),
    (
        "COLUMNS",
        "the table width when stdout is not a terminal (default 100)",
    ),
    (
        "GITEA_TOKEN",
        "the forge API token of `comment` (else --token-file); never printed",
    ),
];

/// The exit status, as every page says it.
pub const EXIT_STATUS: &str = "0 when the command ran (whatever it found), 2 on usage or \
unreadable input, 1 on an internal error, 3 when `check` has a finding. Reports go to stdout; \
progress (on a terminal only) and warnings to stderr. ccci-triage never writes under a runs root.";

/// The text under a page's `--help`: its examples, and on the main page
/// the environment and the exit status.
pub fn after_help(page: &str) -> String {
    let examples: Vec<(&str, &str)> = EXAMPLES
        .iter()
        .filter(|(p, ..)| *p == page)
        .map(|(_, c, w)| (*c, *w))
        .collect();
    let mut out = String::from("Examples:\n");
    for (cmd, what) in &examples {
        out.push_str(&format!("  {cmd}\n      {what}\n"));
    }
    if page.is_empty() {
        out.push_str("\nEnvironment:\n");
        for (var, what) in ENVIRONMENT {
            out.push_str(&format!("  {var:<15}  {what}\n"));
        }
        out.push_str(&format!("\nExit status: {EXIT_STATUS}\n"));
        out.push_str("\nEvery subcommand has a man page: `ccci-triage man <subcommand>`.");
    } else {
        out.push_str(&format!(
            "\nExit status and environment: `ccci-triage --help`; the page: `ccci-triage man {}`.",
            page.replace('-', " ")
        ));
    }
    out
}

/// Triage cc-ci runs: one verdict per failure, with the evidence it rests
/// on, what was ruled out, the fix and the next command to run.
#[derive(Debug, Parser)]
#[command(
    name = "ccci-triage",
    version,
    args_conflicts_with_subcommands = true,
    after_help = after_help(""),
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub triage: TriageArgs,

    #[command(flatten)]
    pub global: Global,
}

/// Options every subcommand takes.
#[derive(Clone, Debug, Args, Default)]
pub struct Global {
    /// Colour: auto (a terminal, no NO_COLOR, TERM not dumb), always, never.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        global = true,
        help_heading = "Output"
    )]
    pub color: ColorChoice,

    /// No warnings on stderr.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Output"
    )]
    pub quiet: bool,

    /// List every warning on stderr (not only their count).
    #[arg(short, long, global = true, help_heading = "Output")]
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Triage runs (the default command).
    #[command(after_help = after_help("triage"))]
    Triage(TriageArgs),
    /// Everything about one run's failures: every rung of the verdict
    /// ladder, every fact and piece of evidence with its source.
    #[command(after_help = after_help("explain"))]
    Explain(ExplainArgs),
    /// The static recipe checks alone (backup round trip, routing, compose
    /// vs swarm), for a maintainer before a PR; exits 3 on a finding.
    #[command(after_help = after_help("check"))]
    Check(CheckArgs),
    /// Read-only live probes against the local Docker engine.
    #[command(subcommand, after_help = after_help("probe"))]
    Probe(ProbeCommand),
    /// Outcomes of tests across every run: strip, flip rate, first bad run.
    #[command(after_help = after_help("history"))]
    History(HistoryArgs),
    /// Post the recipe's report as one comment on its PR (Gitea/Forgejo),
    /// editing that comment on later runs.
    #[command(after_help = after_help("comment"))]
    Comment(CommentArgs),
    /// List the rules, or verify every rule against its examples.
    #[command(after_help = after_help("rules"))]
    Rules(RulesArgs),
    /// Print a shell completion script.
    #[command(after_help = after_help("completions"))]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): the main one, or a subcommand's.
    #[command(after_help = after_help("man"))]
    Man(ManArgs),
}

/// Output formats of `triage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One row per cause, as wide as the terminal.
    Table,
    /// For a recipe PR: rendered by Gitea and GitHub.
    Markdown,
    /// The machine contract (`schema_version` 1).
    Json,
    /// Entries in the redfix journal's style.
    Journal,
    /// One self-contained page: recipes down, runs across.
    Html,
}

/// Output formats of the commands that have only a table and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlainFormat {
    Table,
    Json,
}

/// Output formats of `history`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
    Html,
}

/// Where triage reads from. Shared by `triage`, `explain` and `comment`.
#[derive(Clone, Debug, Args, Default)]
pub struct InputArgs {
    /// The runs root, run directories, or single files (results.json, JUnit,
    /// console logs). Default: $CCCI_RUNS_DIR, else /var/lib/cc-ci-runs.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A canon sweep's log, a file or `-` for standard input (journald's
    /// export or a tee'd file); repeatable. Its entries and their runs are
    /// what is reported.
    #[arg(long, value_name = "FILE|-", help_heading = "Input")]
    pub sweep_log: Vec<PathBuf>,

    /// A run's console saved anywhere (an operator's tee, a Drone step log,
    /// plain or Drone's JSON); repeatable. It is matched to its run.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub console: Vec<PathBuf>,

    /// Warm canonicals, one `<recipe>/canonical.json` each. Default:
    /// /var/lib/ci-warm.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub canonicals: Option<PathBuf>,

    /// Recipe checkouts for runs that have none of their own.
    /// Default: $ABRA_DIR/recipes, else ~/.abra/recipes.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub recipes: Option<PathBuf>,

    /// The cc-ci checkout: the overlay or custom test line holding a failed
    /// expectation is cited.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub ccci: Option<PathBuf>,

    /// Use the rules in DIR instead of the built-in set.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub rules: Option<PathBuf>,

    /// Also run live probes against the local Docker engine (read-only).
    #[arg(long, help_heading = "Probes")]
    pub probe: bool,

    /// Save the probe results as JSON to FILE.
    #[arg(long, value_name = "FILE", requires = "probe", help_heading = "Probes")]
    pub probe_record: Option<PathBuf>,

    /// Use probe results recorded with --probe-record instead of the engine.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "probe",
        help_heading = "Probes"
    )]
    pub probe_replay: Option<PathBuf>,

    /// Do not use or update the history index: the root is read whole into
    /// a temporary index that is gone when the command ends.
    #[arg(long, help_heading = "History")]
    pub no_history: bool,

    /// Where the history index lives. Default: $XDG_CACHE_HOME/ccci-triage,
    /// else ~/.cache/ccci-triage.
    #[arg(long, value_name = "DIR", help_heading = "History")]
    pub cache: Option<PathBuf>,
}

/// Which failures to show. Applies to every format.
#[derive(Clone, Debug, Args, Default)]
pub struct FilterArgs {
    /// Report every run under the root, not only what is red now.
    #[arg(long, help_heading = "Scope")]
    pub all: bool,

    /// Only failures of this recipe (repeatable).
    #[arg(short, long, value_name = "RECIPE", help_heading = "Scope")]
    pub recipe: Vec<String>,

    /// Only failures of this class (repeatable).
    #[arg(long, value_name = "CLASS", value_parser = ["flake", "recipe-defect", "stale-overlay", "routing-collision", "harness", "unknown"], help_heading = "Scope")]
    pub class: Vec<String>,

    /// Only runs that finished (or started) at or after this time: an RFC
    /// 3339 time, a date (2026-06-14), or a span back from now (7d, 12h).
    #[arg(long, value_name = "WHEN", help_heading = "Scope")]
    pub since: Option<String>,
}

#[derive(Clone, Debug, Args, Default)]
pub struct TriageArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Output format. Default: table (plain when piped).
    #[arg(short, long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// Journal: the milestone the entries pre-claim (default M1). Needs
    /// --format journal.
    #[arg(long, value_name = "M", help_heading = "Output")]
    pub milestone: Option<String>,

    /// Journal: append the entries to FILE (never rewriting what is there)
    /// instead of printing them. Needs --format journal.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub append: Option<PathBuf>,
}

#[derive(Clone, Debug, Args)]
pub struct ExplainArgs {
    /// The run id (`753`, `manual-4242`), as the table's
    /// `$ ccci-triage explain …` lines give it.
    pub run_id: String,

    /// The test (`tests/x/test_y.py::test_z`, its name, or a tier). Without
    /// it: every failure of the run. A word that names an existing path is
    /// taken as PATH instead.
    pub test: Option<String>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Output format: `table` is the text (every rung, fact and piece of
    /// evidence); `json` is triage's JSON document for these failures only.
    #[arg(
        short,
        long,
        value_enum,
        default_value = "table",
        help_heading = "Output"
    )]
    pub format: PlainFormat,
}

#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// The recipe directory (a checkout with compose.yml).
    pub recipe_dir: PathBuf,

    /// Check the files at this git tag of the checkout instead of the work
    /// tree.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,

    #[arg(short, long, value_enum, default_value = "table")]
    pub format: PlainFormat,
}

#[derive(Clone, Debug, Subcommand)]
pub enum ProbeCommand {
    /// Resolve a name inside a running container, several times, and map
    /// every address to its owner: is this a routing collision?
    #[command(after_help = after_help("probe-dns"))]
    Dns(ProbeDnsArgs),
    /// Every name resolvable on a network, grouped, with the stacks that
    /// hold it: names held by two or more stacks collide.
    #[command(after_help = after_help("probe-aliases"))]
    Aliases(ProbeAliasesArgs),
    /// A stack's services, replicas, update status and task errors.
    #[command(after_help = after_help("probe-stack"))]
    Stack(ProbeStackArgs),
    /// What `docker compose config` rejects and `docker stack deploy`
    /// accepts or ignores, for a recipe's compose chain (as `check` reads it).
    #[command(after_help = after_help("probe-compose"))]
    Compose(ProbeComposeArgs),
}

/// Options every probe shares.
#[derive(Clone, Debug, Args)]
pub struct ProbeCommon {
    /// Seconds to wait for each Docker API call.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,

    #[arg(short, long, value_enum, default_value = "table")]
    pub format: PlainFormat,
}

#[derive(Clone, Debug, Args)]
pub struct ProbeDnsArgs {
    /// A container (name or id) or a service (`<stack>_<service>`).
    #[arg(long)]
    pub container: String,

    /// The host name to resolve.
    #[arg(long)]
    pub name: String,

    /// How many times to resolve (Docker's DNS round-robins).
    #[arg(long, default_value_t = 8)]
    pub tries: u32,

    #[command(flatten)]
    pub common: ProbeCommon,
}

#[derive(Clone, Debug, Args)]
pub struct ProbeAliasesArgs {
    /// The network to list.
    #[arg(long, default_value = "proxy")]
    pub network: String,

    #[command(flatten)]
    pub common: ProbeCommon,
}

#[derive(Clone, Debug, Args)]
pub struct ProbeStackArgs {
    /// The stack name (`warm-bluesky-pds_ci_commoninternet_net`).
    pub stack: String,

    #[command(flatten)]
    pub common: ProbeCommon,
}

#[derive(Clone, Debug, Args)]
pub struct ProbeComposeArgs {
    /// The recipe directory.
    pub recipe_dir: PathBuf,

    #[command(flatten)]
    pub common: ProbeCommon,
}

#[derive(Clone, Debug, Args)]
pub struct HistoryArgs {
    /// The runs root. Default: $CCCI_RUNS_DIR, else /var/lib/cc-ci-runs.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// Only this recipe.
    #[arg(short, long)]
    pub recipe: Option<String>,

    /// Only tests whose id contains this.
    #[arg(long)]
    pub test: Option<String>,

    /// Where the index lives. Default: $XDG_CACHE_HOME/ccci-triage, else
    /// ~/.cache/ccci-triage.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,

    #[arg(short, long, value_enum, default_value = "table")]
    pub format: HistoryFormat,
}

#[derive(Clone, Debug, Args)]
pub struct CommentArgs {
    /// The forge's base URL (`https://git.coopcloud.tech`).
    #[arg(long, value_name = "URL")]
    pub forge: String,

    /// The recipe repository, `OWNER/NAME`.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: String,

    /// The pull request number.
    #[arg(long, value_name = "N")]
    pub pr: u64,

    /// A file holding the API token (else $GITEA_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Print what would be sent (the token masked) and send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Seconds to wait for the forge.
    #[arg(long, default_value_t = 20)]
    pub timeout: u64,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Clone, Debug, Args)]
pub struct RulesArgs {
    /// Verify every rule against its must-match and must-not-match
    /// examples; exit 2 if any fails.
    #[arg(long)]
    pub check: bool,

    /// Use the rules in DIR instead of the built-in set.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    #[arg(short, long, value_enum, default_value = "table")]
    pub format: PlainFormat,
}

#[derive(Clone, Debug, Args)]
pub struct ManArgs {
    /// A subcommand's page (`triage`, `explain`, `check`, `probe`,
    /// `probe dns`, …); without it, the main page.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_paths_mean_triage() {
        let cli = Cli::try_parse_from(["ccci-triage", "runs", "-f", "json"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.triage.input.paths, vec![PathBuf::from("runs")]);
        assert_eq!(cli.triage.format, Some(Format::Json));
    }

    #[test]
    fn subcommand_is_not_taken_for_a_path() {
        let cli = Cli::try_parse_from(["ccci-triage", "explain", "753"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Explain(ref a)) if a.run_id == "753"));
    }

    #[test]
    fn short_flags_for_the_common_options() {
        let cli =
            Cli::try_parse_from(["ccci-triage", "-r", "mumble", "-q", "-f", "markdown"]).unwrap();
        assert_eq!(cli.triage.filter.recipe, ["mumble"]);
        assert!(cli.global.quiet);
        assert_eq!(cli.triage.format, Some(Format::Markdown));
    }
}
