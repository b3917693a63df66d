//! The command line, defined once: `--help`, the man page and the shell
//! completions are all generated from these types.
//!
//! `ccci-triage [PATH]...` is the same as `ccci-triage triage [PATH]...`:
//! the operator on the node types the short form at 3 a.m.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Triage cc-ci runs: one verdict per failure, with the evidence it rests
/// on, what was ruled out, the fix and the next command to run.
#[derive(Debug, Parser)]
#[command(
    name = "ccci-triage",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 when triage ran (whatever it found), 2 on usage or \
                  unreadable input, 1 on an internal error.\n\
                  Reports go to stdout; progress and warnings to stderr. \
                  The tool never writes under the runs root."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub triage: TriageArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Triage runs (the default command).
    Triage(TriageArgs),
    /// Everything about one failure: every rung of the verdict ladder,
    /// every rule that matched, every piece of evidence with its source.
    Explain(ExplainArgs),
    /// Run the static recipe checks alone (backup round trip, routing,
    /// compose vs swarm), for a maintainer before a PR.
    Check(CheckArgs),
    /// Read-only live probes against the local Docker engine.
    #[command(subcommand)]
    Probe(ProbeCommand),
    /// Outcomes of tests across every run: flip rate, first bad run, load.
    History(HistoryArgs),
    /// List the rules, or verify every rule against its examples.
    Rules(RulesArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
}

/// Output formats of `triage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One row per failure, fitting 100 columns.
    Table,
    /// For a recipe PR: rendered by Gitea and GitHub.
    Markdown,
    /// The machine contract (`schema_version` 1).
    Json,
    /// Entries in the redfix journal's style.
    Journal,
}

/// Output formats of the commands that have only a table and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlainFormat {
    Table,
    Json,
}

/// Where triage reads from. Shared by `triage` and `explain`.
#[derive(Clone, Debug, Args, Default)]
pub struct InputArgs {
    /// The runs root, run directories, or single files (results.json, JUnit,
    /// console logs). Default: $CCCI_RUNS_DIR, else /var/lib/cc-ci-runs.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A canon sweep's log: its recipes' runs are triaged and its promote
    /// results become failures too.
    #[arg(long, value_name = "FILE")]
    pub sweep_log: Option<PathBuf>,

    /// Warm canonicals, one `<recipe>/canonical.json` each.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/ci-warm")]
    pub canonicals: PathBuf,

    /// Recipe checkouts for runs that have none of their own.
    /// Default: $ABRA_DIR/recipes, else ~/.abra/recipes.
    #[arg(long, value_name = "DIR")]
    pub recipes: Option<PathBuf>,

    /// The cc-ci checkout: the overlay test line holding a failed
    /// expectation is cited as evidence.
    #[arg(long, value_name = "DIR")]
    pub ccci: Option<PathBuf>,

    /// Use the rules in DIR instead of the built-in set.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// Also run live probes against the local Docker engine (read-only).
    #[arg(long)]
    pub probe: bool,

    /// Save the probe results as JSON to FILE.
    #[arg(long, value_name = "FILE", requires = "probe")]
    pub probe_record: Option<PathBuf>,

    /// Use probe results recorded with --probe-record instead of the engine.
    #[arg(long, value_name = "FILE", conflicts_with = "probe")]
    pub probe_replay: Option<PathBuf>,

    /// Do not use or update the history index.
    #[arg(long)]
    pub no_history: bool,
}

/// Which failures to show. Applies to every format.
#[derive(Clone, Debug, Args, Default)]
pub struct FilterArgs {
    /// Only failures of this recipe (repeatable).
    #[arg(long, value_name = "RECIPE")]
    pub recipe: Vec<String>,

    /// Only failures of this class (repeatable).
    #[arg(long, value_name = "CLASS", value_parser = ["flake", "recipe-defect", "stale-overlay", "routing-collision", "harness", "unknown"])]
    pub class: Vec<String>,

    /// Only runs that finished (or started) at or after this time: an RFC
    /// 3339 time, a date (2026-06-14), or a span back from now (7d, 12h).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
}

#[derive(Clone, Debug, Args, Default)]
pub struct TriageArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Output format. Default: table on a terminal, json when piped.
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Journal: the milestone the entries pre-claim.
    #[arg(long, value_name = "M", default_value = "M1")]
    pub milestone: String,

    /// Journal: append the entries to FILE (never rewriting what is there)
    /// instead of printing them.
    #[arg(long, value_name = "FILE")]
    pub append: Option<PathBuf>,
}

#[derive(Clone, Debug, Args)]
pub struct ExplainArgs {
    /// The run id (`753`, `manual-4242`).
    pub run_id: String,

    /// The test (`tests/x/test_y.py::test_z`, or any unique part of it).
    /// Without it: every failure of the run. A word that names an existing
    /// path is taken as PATH instead.
    pub test: Option<String>,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// The recipe directory (a checkout with compose.yml).
    pub recipe_dir: PathBuf,

    /// Check the files at this git tag of the checkout instead of the work
    /// tree.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,

    #[arg(long, value_enum, default_value = "table")]
    pub format: PlainFormat,
}

#[derive(Clone, Debug, Subcommand)]
pub enum ProbeCommand {
    /// Resolve a name inside a running container, several times, and map
    /// every address to its owner: is this a routing collision?
    Dns(ProbeDnsArgs),
    /// Every name resolvable on a network, grouped, with the stacks that
    /// hold it: names held by two or more stacks collide.
    Aliases(ProbeAliasesArgs),
    /// A stack's services, replicas, update status and task errors.
    Stack(ProbeStackArgs),
    /// What `docker compose config` rejects and `docker stack deploy`
    /// accepts or ignores, for a recipe's compose files.
    Compose(ProbeComposeArgs),
}

/// Options every probe shares.
#[derive(Clone, Debug, Args)]
pub struct ProbeCommon {
    /// Seconds to wait for each Docker API call.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,

    #[arg(long, value_enum, default_value = "table")]
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
    #[arg(long)]
    pub recipe: Option<String>,

    /// Only tests whose id contains this.
    #[arg(long)]
    pub test: Option<String>,

    /// Where the index lives. Default: $XDG_CACHE_HOME/ccci-triage, else
    /// ~/.cache/ccci-triage.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,

    #[arg(long, value_enum, default_value = "table")]
    pub format: PlainFormat,
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

    #[arg(long, value_enum, default_value = "table")]
    pub format: PlainFormat,
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
        let cli = Cli::try_parse_from(["ccci-triage", "runs", "--format", "json"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.triage.input.paths, vec![PathBuf::from("runs")]);
        assert_eq!(cli.triage.format, Some(Format::Json));
    }

    #[test]
    fn subcommand_is_not_taken_for_a_path() {
        let cli = Cli::try_parse_from(["ccci-triage", "explain", "753"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Explain(ref a)) if a.run_id == "753"));
    }
}
