//! `ccci-gen-runs`: writes a synthetic cc-ci runs root at realistic volume,
//! for benchmarks (`scripts/bench.sh`) and for trying the tool on years of
//! runs.
//!
//! Why synthetic: the real host's runs cannot be copied here, and a
//! benchmark needs years of them. Two formats (`--format`):
//!
//! - `real` (the default): what cc-ci really writes
//!   (`shared/spec/cc-ci-runs.md` §1–§6, the shapes of
//!   `testdata/gen/real.py`): one directory per run with a schema 2
//!   results.json (`run_id`, `finished` in epoch seconds, `stages` with
//!   their tests), pytest JUnit `junit/<tier>__<source>__<module>.xml`,
//!   `lint.txt`, the run's own `abra/` (`servers` and `catalogue` links into
//!   the node's `~/.abra`, never to be followed, and `recipes/<recipe>`:
//!   a plain tree of the release, or with `--checkouts git` a clone of the
//!   recipe's repository with every release tag, detached at the run's
//!   tag). Sweep runs are `manual-<pid>`, Drone builds numbers, other manual
//!   runs `redfix-…`, `m2r-…`, `manual-…`. Consoles have no grammar (the
//!   harness's prints and the tools' output passed through): a share of
//!   runs (`--console-share`) has one saved as `<run_id>.console.log`
//!   beside its directory, mostly with no prefix, some through `ts`. With
//!   `--sweep-logs DIR` each sweep's log is written as journald exports it
//!   (`journalctl -u nightly-sweep.service -o short-iso`: a prefix on every
//!   line, the sweep runs' output interleaved, `sweep: <recipe> … rc=N
//!   (<LABEL>)` entry lines with no run id, labels of both generations),
//!   with `sweep-YYYY-MM-DD.runs` beside it listing the sweep's run ids
//!   (for benchmarks: the log itself names none). `--canonicals DIR` writes
//!   the warm canonicals the sweeps left.
//! - `guessed`: the first, guessed grammar of this project's testdata
//!   (`<RFC3339> <LEVEL> <component>: <message>` consoles beside every run,
//!   ids `sweep-YYYYMMDD-<recipe>`).
//!
//! What a year holds (deterministic for a seed; `--years N` multiplies
//! it): weekly canon sweeps (50) of 20 recipes, serially, alphabetically,
//! sharing the node with Drone builds (180) and manual runs (20), some of
//! them during a sweep (under load), most alone (isolation runs); a flaky
//! test (discourse's sidekiq check) red now and then under load, green
//! alone; a break (immich's upgrade red in every run from one release on);
//! one sweep hit by a registry pull rate limit and one by a full disk across
//! several recipes (co-failures, every test red); runs that died early
//! (no results.json: a traceback, the 3600 s deadline, a SIGTERM); a
//! truncated JUnit file; rare random reds; failed promotes.
//!
//! `--mb` sets the total size (default 600 per year), spread over the
//! runs: a tenth per run in JUnit, the rest in the consoles of the runs that
//! have one; `--console-scale` multiplies the consoles alone.
//!
//! `--big-console MIB` writes instead a root of one red run whose console
//! is that large (`--one-line`: a single line of that size, a pull's
//! progress bar redrawn with carriage returns), fast, for memory against
//! console size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::{Parser, ValueEnum};

/// Write a synthetic cc-ci runs root.
#[derive(Parser)]
struct Args {
    /// The runs root to create (must not exist or be empty).
    out: PathBuf,
    /// The formats runs are written in.
    #[arg(long, value_enum, default_value_t = Format::Real)]
    format: Format,
    /// Years of runs (50 sweeps, 180 Drone builds, 20 manual runs each).
    #[arg(long, default_value_t = 1)]
    years: usize,
    /// Total size in MB (console logs and JUnit). Default: 600 per year.
    #[arg(long)]
    mb: Option<u64>,
    /// Weekly sweeps (default 50 per year).
    #[arg(long)]
    sweeps: Option<usize>,
    /// Drone builds (default 180 per year).
    #[arg(long)]
    drone: Option<usize>,
    /// Manual runs (default 20 per year).
    #[arg(long)]
    manual: Option<usize>,
    /// Real format: the share of runs with `<run_id>.console.log` beside
    /// them (0 to 1).
    #[arg(long, default_value_t = 0.5)]
    console_share: f64,
    /// Multiply every console's size by this.
    #[arg(long, default_value_t = 1.0)]
    console_scale: f64,
    /// Real format: write each sweep's journald log (and the list of its
    /// runs) in DIR.
    #[arg(long, value_name = "DIR")]
    sweep_logs: Option<PathBuf>,
    /// Real format: KB of each sweep run's output in the sweep's log.
    #[arg(long, default_value_t = 4)]
    journal_kb: u64,
    /// Real format: each run's `abra/recipes/<recipe>` (default plain).
    #[arg(long, value_enum)]
    checkouts: Option<Checkouts>,
    /// Real format: write the warm canonicals (`<recipe>/canonical.json`)
    /// in DIR.
    #[arg(long, value_name = "DIR")]
    canonicals: Option<PathBuf>,
    /// Write a root of one red run whose console is MIB mebibytes.
    #[arg(long, value_name = "MIB")]
    big_console: Option<u64>,
    /// With --big-console: the console is one line of that size.
    #[arg(long, requires = "big_console")]
    one_line: bool,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Real,
    Guessed,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Checkouts {
    None,
    Plain,
    Git,
}

const RECIPES: [&str; 20] = [
    "authentik",
    "bluesky-pds",
    "cryptpad",
    "custom-html",
    "discourse",
    "gitea",
    "hedgedoc",
    "immich",
    "keycloak",
    "lasuite-docs",
    "mattermost-lts",
    "mumble",
    "nextcloud",
    "outline",
    "peertube",
    "plausible",
    "rallly",
    "traefik",
    "uptime-kuma",
    "wordpress",
];

/// The first year starts 2025-11-02 (a Sunday) 00:00 UTC.
const YEAR_START: i64 = 1_762_041_600;
const WEEK: i64 = 7 * 86_400;
/// The sweep timer: Sunday 03:00.
const SWEEP_AT: i64 = 3 * 3600;
/// Sweep labels of the second generation from 2026-06-17T09:30Z on
/// (cc-ci-runs.md §5).
const NEW_LABELS: i64 = 1_781_688_600;
const HOST: &str = "cc-ci";

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(n);
        s
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sweep,
    Drone,
    Manual,
}

struct Plan {
    id: String,
    recipe: usize,
    kind: Kind,
    start: i64,
    secs: i64,
    /// Index of the week (for versions and incidents).
    week: usize,
    /// Overlaps a sweep or another build: under load.
    loaded: bool,
    /// Sweep runs: the index of the sweep.
    sweep: Option<usize>,
}

/// What goes wrong in one run.
#[derive(Clone, Copy, PartialEq)]
enum Incident {
    None,
    RateLimit,
    DiskFull,
}

/// How a run that died early died (no results.json).
#[derive(Clone, Copy, PartialEq)]
enum Death {
    /// A harness exception: rc=1.
    Traceback,
    /// The harness's 3600 s deadline: rc=142.
    Deadline,
    /// SIGTERM (a Drone cancel, a node shutdown): rc=143.
    Cancelled,
}

impl Death {
    fn rc(self) -> i32 {
        match self {
            Death::Traceback => 1,
            Death::Deadline => 142,
            Death::Cancelled => 143,
        }
    }
}

struct Test {
    tier: &'static str,
    source: &'static str,
    module: String,
    classname: String,
    name: String,
}

impl Test {
    fn path(&self) -> String {
        format!("{}.py", self.classname.replace('.', "/"))
    }
}

const TIERS: [&str; 5] = ["install", "upgrade", "backup", "restore", "custom"];

fn tests_of(recipe: &str, format: Format) -> Vec<Test> {
    let mut out = Vec::new();
    let generic: [(&str, &[&str]); 5] = [
        (
            "install",
            &[
                "test_deploy_converges",
                "test_https_ok",
                "test_no_secret_leak",
                "test_services_healthy",
            ],
        ),
        (
            "upgrade",
            &["test_upgrade_converges", "test_upgrade_keeps_data"],
        ),
        (
            "backup",
            &["test_backup_creates_snapshot", "test_backup_hooks_ran"],
        ),
        (
            "restore",
            &[
                "test_restore_returns_state",
                "test_restore_services_healthy",
            ],
        ),
        // Custom tests are cc-ci's (cc-ci-runs.md §3): no generic one in
        // the real format.
        ("custom", &["test_login_page"]),
    ];
    for (tier, names) in generic {
        if tier == "custom" && format == Format::Real {
            continue;
        }
        for n in names {
            out.push(Test {
                tier,
                source: "generic",
                module: format!("test_{tier}"),
                classname: format!("tests._generic.test_{tier}"),
                name: n.to_string(),
            });
        }
    }
    let overlay: &[&str] = match recipe {
        "discourse" => &[
            "test_sidekiq_jobs_drain",
            "test_topic_roundtrip",
            "test_email_config",
        ],
        "mumble" => &[
            "test_handshake_completes_with_channel_presence",
            "test_murmur_ini",
        ],
        "immich" => &["test_upload_roundtrip", "test_ml_service_up"],
        _ => &["test_admin_login", "test_api_health"],
    };
    let classname = match format {
        Format::Real => format!("tests.{recipe}.custom.test_functional"),
        Format::Guessed => format!("tests.{}.test_functional", recipe.replace('-', "_")),
    };
    for n in overlay {
        out.push(Test {
            tier: "custom",
            source: "cc-ci",
            module: "test_functional".into(),
            classname: classname.clone(),
            name: n.to_string(),
        });
    }
    out
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("ccci-gen-runs: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> std::io::Result<()> {
    if args.out.exists() && fs::read_dir(&args.out)?.next().is_some() {
        return Err(std::io::Error::other(format!(
            "{}: not empty; give a new directory",
            args.out.display()
        )));
    }
    if !(0.0..=1.0).contains(&args.console_share) || args.console_scale < 0.0 {
        return Err(std::io::Error::other(
            "--console-share is 0 to 1 and --console-scale at least 0",
        ));
    }
    fs::create_dir_all(&args.out)?;
    let mut rng = Rng((0x9e37_79b9_7f4a_7c15 ^ args.seed.wrapping_mul(0x1234_5678_9abc_def1)) | 1);
    if let Some(mib) = args.big_console {
        return big_console(args, mib, &mut rng);
    }
    let years = args.years.max(1);
    let sweeps = args.sweeps.unwrap_or(50 * years);
    let drone = args.drone.unwrap_or(180 * years);
    let manual = args.manual.unwrap_or(20 * years);
    let mb = args.mb.unwrap_or(600 * years as u64);
    let format = args.format;
    let checkouts = args.checkouts.unwrap_or(match format {
        Format::Real => Checkouts::Plain,
        Format::Guessed => Checkouts::None,
    });

    let mut plans = Vec::new();
    // Sweeps: Sunday 03:00, recipes in alphabetical order, back to back.
    for w in 0..sweeps {
        let mut t = YEAR_START + w as i64 * WEEK + SWEEP_AT + 10;
        let day = civil_day(t, "%Y%m%d");
        for (r, name) in RECIPES.iter().enumerate() {
            let secs = 900 + rng.below(1500) as i64;
            let id = match format {
                Format::Guessed => format!("sweep-{day}-{name}"),
                Format::Real => format!("manual-{}", sweep_pid(w) + 61 * (r as u32 + 1)),
            };
            plans.push(Plan {
                id,
                recipe: r,
                kind: Kind::Sweep,
                start: t,
                secs,
                week: w,
                loaded: true,
                sweep: Some(w),
            });
            t += secs + 30 + rng.below(120) as i64;
        }
    }
    let sweep_windows: Vec<(i64, i64)> = (0..sweeps)
        .map(|w| {
            let s = YEAR_START + w as i64 * WEEK + SWEEP_AT;
            (s, s + 10 * 3600)
        })
        .collect();
    let span = sweeps.max(1) as i64 * WEEK;
    let mut build = 400u64;
    for i in 0..drone + manual {
        // A third of the builds land in a sweep window (load), the rest at
        // a random time (mostly alone). Discourse and immich get extra
        // builds, so their histories have isolation runs.
        let recipe = match i % 5 {
            0 => 4,
            1 => 7,
            _ => rng.below(RECIPES.len() as u64) as usize,
        };
        let start = if !sweep_windows.is_empty() && rng.chance(0.33) {
            let (s, e) = sweep_windows[rng.below(sweep_windows.len() as u64) as usize];
            s + rng.below((e - s) as u64) as i64
        } else {
            YEAR_START + rng.below(span as u64) as i64
        };
        let (id, kind) = if i < drone {
            build += 1 + rng.below(3);
            (build.to_string(), Kind::Drone)
        } else {
            let n = 4000 + i;
            let id = match (format, i % 3) {
                (Format::Guessed, _) => format!("manual-{n}"),
                (Format::Real, 0) => format!("redfix-{}-{n}", RECIPES[recipe]),
                (Format::Real, 1) => format!("m2r-{}-{n}", RECIPES[recipe]),
                (Format::Real, _) => format!("manual-{}", 300_000 + n * 7),
            };
            (id, Kind::Manual)
        };
        plans.push(Plan {
            id,
            recipe,
            kind,
            start,
            secs: 900 + rng.below(1500) as i64,
            week: ((start - YEAR_START) / WEEK) as usize,
            loaded: false,
            sweep: None,
        });
    }
    // Load: any overlap with another run.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| plans[i].start);
    for k in 0..order.len() {
        for &j in &order[k + 1..] {
            let i = order[k];
            if plans[j].start >= plans[i].start + plans[i].secs {
                break;
            }
            plans[i].loaded = true;
            plans[j].loaded = true;
        }
    }

    let upstream = match checkouts {
        Checkouts::Git => {
            let weeks = plans.iter().map(|p| p.week).max().unwrap_or(0);
            Some(Upstream::build(weeks)?)
        }
        _ => None,
    };
    let per_run = mb * 1_000_000 / plans.len().max(1) as u64;
    let junit_budget = per_run / 10;
    let share = match format {
        Format::Real => args.console_share,
        Format::Guessed => 1.0,
    };
    let console_budget = if share > 0.0 {
        ((per_run - junit_budget) as f64 / share * args.console_scale) as u64
    } else {
        0
    };
    let g = Gen {
        format,
        checkouts,
        sweeps,
        console_share: share,
        junit_budget,
        console_budget,
        journal_budget: args.journal_kb * 1000,
        upstream,
    };
    // What happens comes from `rng`, what the files are filled with from
    // `fill`: sizes change the text, never which runs fail.
    let mut fill = Rng(rng.next() | 1);
    let mut written = 0u64;
    let mut journals: BTreeMap<usize, Journal> = BTreeMap::new();
    let mut canon: BTreeMap<usize, (String, i64)> = BTreeMap::new();
    for p in &plans {
        let o = g.outcome(p, &mut rng);
        written += g.write_run(&args.out, p, &o, &mut fill)?;
        if let (Some(w), Format::Real) = (p.sweep, format) {
            let j = journals.entry(w).or_insert_with(|| Journal::new(w));
            g.journal_run(j, p, &o, &mut canon, &mut fill);
        }
    }
    if let (Some(dir), Format::Real) = (&args.sweep_logs, format) {
        fs::create_dir_all(dir)?;
        for j in journals.values() {
            j.write(dir)?;
        }
    }
    if let (Some(dir), Format::Real) = (&args.canonicals, format) {
        for (&r, (v, t)) in &canon {
            let d = dir.join(RECIPES[r]);
            fs::create_dir_all(d.join("snapshot"))?;
            let ts = civil_day(*t, "%Y%m%dT%H%M%SZ");
            fs::write(
                d.join("canonical.json"),
                format!(
                    "{{\"recipe\": \"{n}\", \"domain\": \"warm-{n}.ci.commoninternet.net\", \"version\": \"{v}\", \"commit\": \"{c}\", \"status\": \"idle\", \"ts\": \"{ts}\"}}\n",
                    n = RECIPES[r],
                    c = "0".repeat(40)
                ),
            )?;
            fs::write(d.join("last_good"), format!("{v}\n"))?;
        }
    }
    if let Some(u) = &g.upstream {
        let _ = fs::remove_dir_all(&u.dir);
    }
    eprintln!(
        "ccci-gen-runs: {} runs, {:.0} MB in {}",
        plans.len(),
        written as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}

/// The pid of a sweep's `nightly-sweep` process (its runs' ids follow).
fn sweep_pid(week: usize) -> u32 {
    1_000_000 + week as u32 * 10_000
}

/// An epoch second as `fmt` (UTC).
fn civil_day(t: i64, fmt: &str) -> String {
    let ts = jiff::Timestamp::from_second(t).expect("in range");
    ts.strftime(fmt).to_string()
}

/// The release a recipe is at in a week: each recipe releases every 6–10
/// weeks.
fn release(recipe: usize, week: usize) -> usize {
    week / (6 + recipe % 5)
}

/// The tag of a recipe's `minor`th release: `<recipe semver>+<upstream>`.
fn version_at(recipe: usize, minor: usize) -> String {
    format!(
        "{}.{}.{}+{}",
        1 + recipe % 3,
        minor,
        recipe % 4,
        upstream_version(recipe, minor)
    )
}

fn upstream_version(recipe: usize, minor: usize) -> String {
    format!("{}.{}.{}", 2 + recipe % 7, minor * 2 % 13, minor % 3)
}

/// What one run did.
struct Outcome {
    incident: Incident,
    /// A console beside the run, and its style.
    console: Option<Style>,
    /// A green sweep run whose warm promote fails.
    promote_fails: bool,
    /// Per test: its failure message.
    red: Vec<Option<String>>,
    tier_red: [bool; 5],
    died: Option<Death>,
    /// The tiers that ran (all five unless the run died).
    tiers_run: usize,
    /// A JUnit file cut in half (the run was killed writing it).
    truncate_junit: bool,
    version: String,
    prev: String,
    git_ref: String,
    domain: String,
    stack: String,
    tests: Vec<Test>,
}

impl Outcome {
    fn any_red(&self) -> bool {
        self.tier_red.iter().any(|r| *r)
    }
    fn rc(&self) -> i32 {
        match self.died {
            Some(d) => d.rc(),
            None if self.any_red() => 7,
            None => 0,
        }
    }
}

struct Gen {
    format: Format,
    checkouts: Checkouts,
    sweeps: usize,
    console_share: f64,
    junit_budget: u64,
    console_budget: u64,
    journal_budget: u64,
    upstream: Option<Upstream>,
}

impl Gen {
    fn outcome(&self, p: &Plan, rng: &mut Rng) -> Outcome {
        let recipe = RECIPES[p.recipe];
        let minor = release(p.recipe, p.week);
        let version = version_at(p.recipe, minor);
        let prev = version_at(p.recipe, minor.saturating_sub(1));
        // A sweep checks out the release tag: in a git checkout, `ref` is
        // the tag's commit; a Drone build's is its PR head.
        let pr_head = rng.hex(12);
        let git_ref = match (&self.upstream, p.kind) {
            (Some(u), Kind::Sweep | Kind::Manual) => u.commit(p.recipe, minor)[..12].to_string(),
            _ => pr_head,
        };
        let domain = format!(
            "{}-{}.ci.commoninternet.net",
            &recipe[..4.min(recipe.len())],
            rng.hex(6)
        );
        let stack = domain.replace('.', "_");
        // Incidents: one sweep a third in hits the registry's pull rate
        // limit, one two thirds in fills the disk, for several recipes.
        // (Not in fewer than three sweeps: they would be all there is.)
        let incident = match (p.kind, p.week) {
            _ if self.sweeps < 3 => Incident::None,
            (Kind::Sweep, w) if w == self.sweeps / 3 && p.recipe.is_multiple_of(3) => {
                Incident::RateLimit
            }
            (Kind::Sweep, w) if w == 2 * self.sweeps / 3 && p.recipe % 4 == 1 => Incident::DiskFull,
            _ => Incident::None,
        };
        let tests = tests_of(recipe, self.format);
        let mut red: Vec<Option<String>> = vec![None; tests.len()];
        for (i, t) in tests.iter().enumerate() {
            let msg = match incident {
                Incident::RateLimit => Some(format!(
                    "RuntimeError: deploy failed: toomanyrequests: You have reached your unauthenticated pull rate limit (digest sha256:{})",
                    rng.hex(12)
                )),
                Incident::DiskFull => Some(format!(
                    "OSError: [Errno 28] No space left on device: '/var/lib/docker/overlay2/{}'",
                    rng.hex(16)
                )),
                Incident::None => None,
            };
            if msg.is_some() {
                red[i] = msg;
                continue;
            }
            if recipe == "discourse"
                && t.name == "test_sidekiq_jobs_drain"
                && p.loaded
                && rng.chance(0.22)
            {
                // The flake: discourse's sidekiq check under load.
                red[i] = Some(format!(
                    "AssertionError: sidekiq queue not drained after 60s: assert {} == 0",
                    1 + rng.below(40)
                ));
            } else if recipe == "immich"
                && t.name == "test_upgrade_converges"
                && minor > release(p.recipe, 3 * self.sweeps / 5)
            {
                // The break: immich's upgrade, from the first release after
                // three fifths of the span on.
                red[i] = Some(
                    "AssertionError: upgrade did not converge: UpdateStatus=rollback_completed"
                        .into(),
                );
            } else if rng.chance(0.002) {
                red[i] = Some(format!(
                    "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='{domain}', port=443): Read timed out. (read timeout=30)"
                ));
            }
        }
        let died = if incident == Incident::None && rng.chance(0.04) {
            Some(match (self.format, rng.below(3)) {
                (Format::Guessed, _) | (_, 0) => Death::Traceback,
                (_, 1) => Death::Deadline,
                _ => Death::Cancelled,
            })
        } else {
            None
        };
        let tiers_run = if died.is_some() { 2 } else { 5 };
        let mut tier_red = [false; 5];
        for (i, t) in tests.iter().enumerate() {
            let ti = TIERS.iter().position(|x| *x == t.tier).expect("a tier");
            if ti < tiers_run && red[i].is_some() {
                tier_red[ti] = true;
            }
        }
        // Which runs have a console beside them, and how it was saved.
        let console = match self.format {
            Format::Guessed => Some(Style::Guessed),
            Format::Real if self.console_share > 0.0 && rng.chance(self.console_share) => {
                Some(if rng.chance(0.25) {
                    Style::Ts
                } else {
                    Style::Plain
                })
            }
            Format::Real => None,
        };
        Outcome {
            incident,
            console,
            promote_fails: rng.chance(0.05),
            red,
            tier_red,
            died,
            tiers_run,
            truncate_junit: rng.chance(0.01),
            version,
            prev,
            git_ref,
            domain,
            stack,
            tests,
        }
    }

    fn write_run(&self, root: &Path, p: &Plan, o: &Outcome, rng: &mut Rng) -> std::io::Result<u64> {
        let dir = root.join(&p.id);
        fs::create_dir_all(dir.join("junit"))?;
        let mut bytes = write_junit(&dir, p, o, self.junit_budget, rng)?;
        let end = p.start + p.secs;
        bytes += match self.format {
            Format::Guessed => {
                let b = write_results_guessed(&dir, p, o, end, rng)?;
                b + write_console_guessed(root, p, o, self.console_budget.saturating_sub(b), rng)?
            }
            Format::Real => {
                let mut b = if o.died.is_none() {
                    write_results_real(&dir, p, o, end, rng)?
                } else {
                    0
                };
                b += self.write_abra(&dir, p, o)?;
                if let Some(style) = o.console {
                    let path = root.join(format!("{}.console.log", p.id));
                    let mut w = Console::new(
                        BufWriter::with_capacity(1 << 16, File::create(&path)?),
                        style,
                        p.start,
                        end,
                        self.console_budget,
                    );
                    real_console(&mut w, p, o, rng);
                    b += w.bytes;
                    w.out.flush()?;
                    stamp(&path, end)?;
                }
                // The files' times are the run's, as on the node (a reader
                // falls back to them for a yearless or missing time).
                for f in ["results.json", "lint.txt"] {
                    let f = dir.join(f);
                    if f.exists() {
                        stamp(&f, end)?;
                    }
                }
                for e in fs::read_dir(dir.join("junit"))? {
                    stamp(&e?.path(), end)?;
                }
                b
            }
        };
        Ok(bytes)
    }

    /// `lint.txt` and the run's own ABRA_DIR.
    fn write_abra(&self, dir: &Path, p: &Plan, o: &Outcome) -> std::io::Result<u64> {
        let recipe = RECIPES[p.recipe];
        fs::write(
            dir.join("lint.txt"),
            format!("recipe {recipe}: 0 rules failed\n"),
        )?;
        let abra = dir.join("abra");
        fs::create_dir_all(&abra)?;
        // servers/ and catalogue/ link into the node's shared ~/.abra
        // (catalogue loops back): never to be followed.
        std::os::unix::fs::symlink("../../../shared-abra/servers", abra.join("servers"))?;
        std::os::unix::fs::symlink("../abra", abra.join("catalogue"))?;
        let checkout = abra.join("recipes").join(recipe);
        let minor = release(p.recipe, p.week);
        match self.checkouts {
            Checkouts::None => Ok(0),
            Checkouts::Plain => {
                fs::create_dir_all(&checkout)?;
                let mut n = 0;
                for (name, text) in recipe_files(p.recipe, minor) {
                    n += text.len() as u64;
                    fs::write(checkout.join(name), text)?;
                }
                Ok(n)
            }
            Checkouts::Git => {
                let u = self.upstream.as_ref().expect("built for git checkouts");
                u.clone_at(p.recipe, &o.version, &checkout)?;
                Ok(0)
            }
        }
    }

    /// A sweep run's part of its sweep's journald log: its output, the
    /// promote, the entry line.
    fn journal_run(
        &self,
        j: &mut Journal,
        p: &Plan,
        o: &Outcome,
        canon: &mut BTreeMap<usize, (String, i64)>,
        rng: &mut Rng,
    ) {
        let recipe = RECIPES[p.recipe];
        let end = p.start + p.secs;
        let mut w = Console::new(
            Vec::new(),
            Style::Journald(j.pid),
            p.start,
            end,
            self.journal_budget,
        );
        real_console(&mut w, p, o, rng);
        j.text.extend_from_slice(&w.out);
        let new_labels = end >= NEW_LABELS;
        let rc = o.rc();
        let previous = canon.get(&p.recipe).map(|(v, _)| v.clone());
        let label = if rc != 0 {
            if new_labels {
                "FAIL (red; canonical unchanged)".to_string()
            } else {
                "FAIL (canonical unchanged)".to_string()
            }
        } else {
            let warm = format!("warm-{recipe}.ci.commoninternet.net");
            j.line(
                end + 2,
                &format!("WC5 promote: abra app deploy {warm} {}", o.version),
            );
            if o.promote_fails {
                j.line(
                    end + 20,
                    &format!(
                        "WC5 promote failed: {warm}: not healthy over HTTPS / (last status 502)"
                    ),
                );
                if new_labels {
                    format!(
                        "GREEN-BUT-PROMOTE-FAILED (canonical={}, expected {})",
                        previous.as_deref().unwrap_or("none"),
                        o.version
                    )
                } else {
                    // The older generation printed this whenever rc was 0.
                    "PASS (promoted)".to_string()
                }
            } else {
                j.line(
                    end + 20,
                    &format!("canonical {recipe} advanced to known-good {}", o.version),
                );
                canon.insert(p.recipe, (o.version.clone(), end + 20));
                if new_labels {
                    "GREEN (promoted)".to_string()
                } else {
                    "PASS (promoted)".to_string()
                }
            }
        };
        let what = match &previous {
            Some(v) if *v != o.version => {
                format!("RUN — new release {} > canonical {v} ", o.version)
            }
            _ => String::new(),
        };
        j.line(
            end + 24,
            &format!("sweep: {recipe} {what}rc={rc} ({label})"),
        );
        j.runs.push(p.id.clone());
        j.day = civil_day(p.start, "%Y-%m-%d");
    }
}

/// One sweep's journald log as it is being written.
struct Journal {
    pid: u32,
    day: String,
    text: Vec<u8>,
    runs: Vec<String>,
}

impl Journal {
    fn new(week: usize) -> Journal {
        let pid = sweep_pid(week);
        let mut j = Journal {
            pid,
            day: String::new(),
            text: Vec::new(),
            runs: Vec::new(),
        };
        let t = YEAR_START + week as i64 * WEEK + SWEEP_AT + 1;
        let enrolled: Vec<String> = RECIPES.iter().map(|r| format!("'{r}'")).collect();
        j.line(
            t,
            &format!(
                "===== nightly cold sweep: enrolled canonicals = [{}] =====",
                enrolled.join(", ")
            ),
        );
        j.line(
            t + 1,
            "sweep: mirror-sync drone rc=128 (non-fatal — continuing)",
        );
        j
    }

    fn line(&mut self, t: i64, text: &str) {
        let _ = writeln!(
            self.text,
            "{}{text}",
            Style::Journald(self.pid).prefix(t).unwrap_or_default()
        );
    }

    fn write(&self, dir: &Path) -> std::io::Result<()> {
        fs::write(dir.join(format!("sweep-{}.journal", self.day)), &self.text)?;
        let mut runs = self.runs.join("\n");
        runs.push('\n');
        fs::write(dir.join(format!("sweep-{}.runs", self.day)), runs)
    }
}

/// The JUnit files of a run: about a tenth of the run's budget, in
/// `<system-out>`.
fn write_junit(
    dir: &Path,
    p: &Plan,
    o: &Outcome,
    budget: u64,
    rng: &mut Rng,
) -> std::io::Result<u64> {
    let per_test = budget / o.tests.len() as u64;
    let mut bytes = 0;
    for (ti, tier) in TIERS.iter().enumerate() {
        for source in ["generic", "cc-ci"] {
            let idx: Vec<usize> = (0..o.tests.len())
                .filter(|&i| o.tests[i].tier == *tier && o.tests[i].source == source)
                .collect();
            if idx.is_empty() || ti >= o.tiers_run {
                continue;
            }
            let module = &o.tests[idx[0]].module;
            let path = dir
                .join("junit")
                .join(format!("{tier}__{source}__{module}.xml"));
            let mut x = String::new();
            let fails = idx.iter().filter(|&&i| o.red[i].is_some()).count();
            let ts =
                jiff::Timestamp::from_second(p.start + (p.secs * ti as i64) / 5).expect("in range");
            let _ = writeln!(
                x,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" errors=\"0\" failures=\"{fails}\" skipped=\"0\" tests=\"{}\" time=\"{}.{}\" timestamp=\"{}\" hostname=\"cc-ci\">",
                idx.len(),
                p.secs / 5,
                rng.below(1000),
                ts.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            );
            for &i in &idx {
                let t = &o.tests[i];
                let _ = write!(
                    x,
                    "<testcase classname=\"{}\" name=\"{}\" time=\"{}.{:03}\">",
                    t.classname,
                    t.name,
                    rng.below(120),
                    rng.below(1000)
                );
                if let Some(m) = &o.red[i] {
                    let esc = xml_escape(m);
                    let _ = write!(
                        x,
                        "<failure message=\"{esc}\">def {}(app):\n&gt;       assert ...\nE       {esc}\n\n{}:{}: AssertionError</failure>",
                        t.name,
                        t.path(),
                        20 + rng.below(200)
                    );
                }
                x.push_str("<system-out>");
                let mut out_len = 0;
                while (out_len as u64) < per_test {
                    let line = format!(
                        "{} INFO {}: GET https://{}/api/v{}/status -&gt; 200 in {}ms\n",
                        ts.strftime("%H:%M:%S"),
                        t.name,
                        o.domain,
                        1 + rng.below(3),
                        rng.below(900)
                    );
                    out_len += line.len();
                    x.push_str(&line);
                }
                x.push_str("</system-out></testcase>\n");
            }
            x.push_str("</testsuite></testsuites>\n");
            if o.truncate_junit && ti == 1 {
                x.truncate(x.len() / 2);
            }
            fs::write(&path, &x)?;
            bytes += x.len() as u64;
        }
    }
    Ok(bytes)
}

/// Tier statuses as results.json and the console give them.
fn status(o: &Outcome, ti: usize) -> &'static str {
    if ti >= o.tiers_run {
        "unver"
    } else if o.tier_red[ti] {
        "fail"
    } else {
        "pass"
    }
}

fn write_results_guessed(
    dir: &Path,
    p: &Plan,
    o: &Outcome,
    end: i64,
    rng: &mut Rng,
) -> std::io::Result<u64> {
    if o.died.is_some() {
        return Ok(0);
    }
    let s = |ti| status(o, ti);
    let results = format!(
        concat!(
            "{{\"schema\": 2, \"recipe\": \"{r}\", \"version\": \"{v}\", \"pr\": {pr}, \"ref\": \"{gr}\", ",
            "\"run_id\": \"{id}\", \"finished\": {fin}.{frac}, ",
            "\"stages\": [{{\"name\": \"install\", \"status\": \"{s0}\", \"tests\": []}}], ",
            "\"results\": {{\"install\": \"{s0}\", \"upgrade\": \"{s1}\", \"backup\": \"{s2}\", \"restore\": \"{s3}\", \"custom\": \"{s4}\"}}, ",
            "\"level\": {lvl}, \"rungs\": {{\"install\": \"{s0}\", \"upgrade\": \"{s1}\", \"backup_restore\": \"{s3}\", \"functional\": \"{s4}\", \"lint\": \"pass\"}}, ",
            "\"skips\": {{\"intentional\": {{}}, \"unintentional\": []}}, ",
            "\"lint\": {{\"status\": \"pass\", \"detail\": \"\", \"rules_failed\": []}}, ",
            "\"flags\": {{\"clean_teardown\": true, \"no_secret_leak\": true}}, ",
            "\"customization\": null, \"screenshot\": \"screenshot.png\", \"summary_card\": \"summary.png\"}}\n"
        ),
        r = RECIPES[p.recipe],
        v = o.version,
        pr = pr_of(p, rng),
        gr = o.git_ref,
        id = p.id,
        fin = end,
        frac = rng.below(1000),
        s0 = s(0),
        s1 = s(1),
        s2 = s(2),
        s3 = s(3),
        s4 = s(4),
        lvl = (0..5).take_while(|&i| s(i) == "pass").count(),
    );
    fs::write(dir.join("results.json"), &results)?;
    Ok(results.len() as u64)
}

fn pr_of(p: &Plan, rng: &mut Rng) -> String {
    if p.kind == Kind::Drone {
        format!("{}", 100 + rng.below(300))
    } else {
        "null".into()
    }
}

/// results.json as cc-ci writes it (schema 2, `testdata/gen/real.py`).
fn write_results_real(
    dir: &Path,
    p: &Plan,
    o: &Outcome,
    end: i64,
    rng: &mut Rng,
) -> std::io::Result<u64> {
    let mut stages = Vec::new();
    let mut results = Vec::new();
    for (ti, tier) in TIERS.iter().enumerate() {
        let idx: Vec<usize> = (0..o.tests.len())
            .filter(|&i| o.tests[i].tier == *tier)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let tests: Vec<String> = idx
            .iter()
            .map(|&i| {
                format!(
                    "{{\"name\": \"{}\", \"status\": \"{}\", \"ms\": {}}}",
                    o.tests[i].name,
                    if o.red[i].is_some() {
                        "failed"
                    } else {
                        "passed"
                    },
                    rng.below(120_000)
                )
            })
            .collect();
        stages.push(format!(
            "{{\"name\": \"{tier}\", \"status\": \"{}\", \"tests\": [{}]}}",
            status(o, ti),
            tests.join(", ")
        ));
        results.push(format!("\"{tier}\": \"{}\"", status(o, ti)));
    }
    let backup_restore = if o.tier_red[2] || o.tier_red[3] {
        "fail"
    } else {
        status(o, 3)
    };
    let rungs = [
        ("install", status(o, 0)),
        ("upgrade", status(o, 1)),
        ("backup_restore", backup_restore),
        ("functional", status(o, 4)),
        ("lint", "pass"),
    ];
    let level = rungs.iter().filter(|(_, s)| *s == "pass").count();
    let rungs: Vec<String> = rungs
        .iter()
        .map(|(k, v)| format!("\"{k}\": \"{v}\""))
        .collect();
    let doc = format!(
        concat!(
            "{{\"schema\": 2, \"recipe\": \"{r}\", \"version\": \"{v}\", \"pr\": {pr}, \"ref\": \"{gr}\",\n",
            " \"run_id\": \"{id}\", \"finished\": {fin}.{frac:03},\n",
            " \"stages\": [{stages}],\n",
            " \"results\": {{{results}}}, \"level\": {level}, \"rungs\": {{{rungs}}},\n",
            " \"skips\": {{\"intentional\": {{}}, \"unintentional\": []}},\n",
            " \"lint\": {{\"status\": \"pass\", \"detail\": \"\", \"rules_failed\": []}},\n",
            " \"flags\": {{\"clean_teardown\": true, \"no_secret_leak\": true}}, \"customization\": null,\n",
            " \"screenshot\": \"screenshot.png\", \"summary_card\": \"summary.png\"}}\n"
        ),
        r = RECIPES[p.recipe],
        v = o.version,
        pr = pr_of(p, rng),
        gr = o.git_ref,
        id = p.id,
        fin = end,
        frac = rng.below(1000),
        stages = stages.join(", "),
        results = results.join(", "),
        level = level,
        rungs = rungs.join(", "),
    );
    fs::write(dir.join("results.json"), &doc)?;
    Ok(doc.len() as u64)
}

/// The files of a recipe's release: compose.yml, .env.sample, README.md.
fn recipe_files(recipe: usize, minor: usize) -> Vec<(&'static str, String)> {
    let name = RECIPES[recipe];
    let version = version_at(recipe, minor);
    let upstream = upstream_version(recipe, minor);
    let compose = format!(
        r#"---
version: "3.8"

services:
  app:
    image: coopcloud/{name}:{upstream}
    networks:
      - proxy
      - internal
    environment:
      - DOMAIN=${{DOMAIN}}
    volumes:
      - data:/data
    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${{STACK_NAME}}.loadbalancer.server.port=8080"
        - "traefik.http.routers.${{STACK_NAME}}.rule=Host(`${{DOMAIN}}`)"
        - "traefik.http.routers.${{STACK_NAME}}.entrypoints=web-secure"
        - "traefik.http.routers.${{STACK_NAME}}.tls.certresolver=${{LETS_ENCRYPT_ENV}}"
        - "coop-cloud.${{STACK_NAME}}.version={version}"
        - "backupbot.backup=true"
        - "backupbot.backup.path=/data"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/"]
      interval: 30s
      timeout: 10s
      retries: 10

  db:
    image: postgres:15
    networks:
      - internal
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.pre-hook=pg_dump -U {name} {name} > /var/lib/postgresql/data/backup.sql"
        - "backupbot.restore.post-hook=psql -U {name} {name} < /var/lib/postgresql/data/backup.sql"

volumes:
  data:
  postgres:

networks:
  proxy:
    external: true
  internal:
"#
    );
    let env = format!(
        "TYPE={name}\n\nDOMAIN={name}.example.com\nLETS_ENCRYPT_ENV=production\n\nCOMPOSE_FILE=\"compose.yml\"\n"
    );
    let readme = format!("# {name}\n\nA Co-op Cloud recipe, release {version}.\n");
    vec![
        ("compose.yml", compose),
        (".env.sample", env),
        ("README.md", readme),
    ]
}

/// Per-recipe repositories with every release tagged, built once with
/// `git fast-import`; each run's checkout is a local clone (hard links).
struct Upstream {
    dir: PathBuf,
    /// Per recipe, per release: the tagged commit.
    commits: Vec<Vec<String>>,
}

fn git() -> Command {
    let mut c = Command::new("git");
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    c
}

fn check(what: &str, st: std::io::Result<std::process::ExitStatus>) -> std::io::Result<()> {
    match st {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(std::io::Error::other(format!("{what}: {s}"))),
        Err(e) => Err(std::io::Error::other(format!(
            "{what}: {e} (is git installed?)"
        ))),
    }
}

impl Upstream {
    fn build(weeks: usize) -> std::io::Result<Upstream> {
        let dir = std::env::temp_dir().join(format!("ccci-gen-upstream-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut commits = Vec::new();
        for (r, name) in RECIPES.iter().enumerate() {
            let repo = dir.join(name);
            check(
                "git init",
                git()
                    .args(["init", "-q", "--bare", "-b", "main"])
                    .arg(&repo)
                    .status(),
            )?;
            let releases = release(r, weeks) + 1;
            let mut stream = Vec::new();
            let who = "Co-op Cloud recipe maintainers <recipes@coopcloud.tech>";
            for minor in 0..=releases {
                // The last commit is main's tip: unreleased changes.
                let tip = minor == releases;
                let when = YEAR_START + (minor * (6 + r % 5)) as i64 * WEEK - 2 * 86_400;
                let msg = if tip {
                    "chore: unreleased changes on main\n".to_string()
                } else {
                    format!("chore: publish {} release\n", version_at(r, minor))
                };
                let _ = write!(
                    stream,
                    "commit refs/heads/main\nmark :{}\nauthor {who} {when} +0000\ncommitter {who} {when} +0000\ndata {}\n{msg}",
                    minor + 1,
                    msg.len()
                );
                if minor > 0 {
                    let _ = writeln!(stream, "from :{minor}");
                }
                stream.extend_from_slice(b"deleteall\n");
                for (file, mut text) in recipe_files(r, minor.min(releases - 1)) {
                    if tip && file == "README.md" {
                        text.push_str("\nUnreleased: main.\n");
                    }
                    let _ = write!(
                        stream,
                        "M 100644 inline {file}\ndata {}\n{text}\n",
                        text.len()
                    );
                }
                if !tip {
                    let tag = version_at(r, minor);
                    let _ = write!(
                        stream,
                        "tag {tag}\nfrom :{}\ntagger {who} {when} +0000\ndata {}\n{msg}",
                        minor + 1,
                        msg.len()
                    );
                }
            }
            let mut child = git()
                .arg("--git-dir")
                .arg(&repo)
                .args(["fast-import", "--quiet"])
                .stdin(Stdio::piped())
                .spawn()
                .map_err(|e| std::io::Error::other(format!("git fast-import: {e}")))?;
            child.stdin.take().expect("piped").write_all(&stream)?;
            check("git fast-import", child.wait())?;
            let out = git()
                .arg("--git-dir")
                .arg(&repo)
                .args([
                    "for-each-ref",
                    "--format=%(refname:short) %(*objectname)",
                    "refs/tags",
                ])
                .output()?;
            let list = String::from_utf8_lossy(&out.stdout);
            let by_tag: BTreeMap<&str, &str> =
                list.lines().filter_map(|l| l.split_once(' ')).collect();
            let mut c = Vec::new();
            for minor in 0..releases {
                let tag = version_at(r, minor);
                let id = by_tag.get(tag.as_str()).ok_or_else(|| {
                    std::io::Error::other(format!("{name}: tag {tag} missing after fast-import"))
                })?;
                c.push(id.to_string());
            }
            commits.push(c);
        }
        Ok(Upstream { dir, commits })
    }

    fn commit(&self, recipe: usize, minor: usize) -> &str {
        &self.commits[recipe][minor]
    }

    /// A clone of the recipe, detached at `tag`, its origin the forge's.
    fn clone_at(&self, recipe: usize, tag: &str, dest: &Path) -> std::io::Result<()> {
        let name = RECIPES[recipe];
        let src = self.dir.join(name);
        check(
            "git clone",
            git()
                .args([
                    "-c",
                    "advice.detachedHead=false",
                    "clone",
                    "-q",
                    "--branch",
                    tag,
                ])
                .arg(&src)
                .arg(dest)
                .status(),
        )?;
        let config = dest.join(".git").join("config");
        let text = fs::read_to_string(&config)?;
        let url = format!("https://git.coopcloud.tech/coop-cloud/{name}.git");
        fs::write(&config, text.replace(&src.display().to_string(), &url))?;
        Ok(())
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What stands before each console line.
#[derive(Clone, Copy)]
enum Style {
    /// `<RFC3339> ` then `<LEVEL> <component>: ` (testdata's guessed grammar).
    Guessed,
    /// No prefix: an operator's tee.
    Plain,
    /// Through `ts`: `Jun 21 11:00:40 `.
    Ts,
    /// journald's short-iso export of the sweep's unit.
    Journald(u32),
}

impl Style {
    fn prefix(self, t: i64) -> Option<String> {
        let ts = jiff::Timestamp::from_second(t).expect("in range");
        match self {
            Style::Guessed => Some(format!("{ts} ")),
            Style::Plain => None,
            Style::Ts => Some(ts.strftime("%b %d %H:%M:%S ").to_string()),
            Style::Journald(pid) => Some(format!(
                "{} {HOST} nightly-sweep[{pid}]: ",
                ts.strftime("%Y-%m-%dT%H:%M:%S+0000")
            )),
        }
    }
}

/// Writes console lines with times spread evenly over the run.
struct Console<W: Write> {
    out: W,
    style: Style,
    start: i64,
    end: i64,
    budget: u64,
    bytes: u64,
    /// Cached prefix of the current second.
    sec: i64,
    sec_text: String,
    line: String,
}

impl<W: Write> Console<W> {
    fn new(out: W, style: Style, start: i64, end: i64, budget: u64) -> Console<W> {
        Console {
            out,
            style,
            start,
            end,
            budget: budget.max(1),
            bytes: 0,
            sec: i64::MIN,
            sec_text: String::new(),
            line: String::new(),
        }
    }

    fn prefix(&mut self) {
        let frac = (self.bytes.min(self.budget) as f64) / self.budget as f64;
        let t = self.start + ((self.end - self.start) as f64 * frac) as i64;
        if t != self.sec {
            self.sec = t;
            self.sec_text = self.style.prefix(t).unwrap_or_default();
        }
        self.line.push_str(&self.sec_text);
    }

    /// A line of testdata's grammar: `<time> <LEVEL> <component>: <message>`.
    fn line(&mut self, level: &str, component: &str, message: &str) {
        self.line.clear();
        self.prefix();
        let _ = writeln!(self.line, "{level} {component}: {message}");
        self.emit();
    }

    /// A line as printed: the style's prefix (none in the guessed grammar,
    /// where passed-through lines have none), then the text.
    fn say(&mut self, text: &str) {
        self.line.clear();
        if !matches!(self.style, Style::Guessed) {
            self.prefix();
        }
        self.line.push_str(text);
        self.line.push('\n');
        self.emit();
    }

    fn emit(&mut self) {
        self.bytes += self.line.len() as u64;
        // Errors surface at flush (BufWriter keeps the first one).
        let _ = self.out.write_all(self.line.as_bytes());
    }

    /// One line of the noise a real console carries.
    fn noise(&mut self, rng: &mut Rng, stack: &str, domain: &str, tests: &[Test]) {
        let guessed = matches!(self.style, Style::Guessed);
        let (level, component, msg) = match rng.below(12) {
            0..=3 => (
                "DEBUG",
                "deploy",
                format!(
                    "waiting service={stack}_app replicas={}/1 task={} state={}",
                    rng.below(2),
                    rng.hex(25),
                    ["preparing", "starting", "running", "assigned"][rng.below(4) as usize]
                ),
            ),
            4 => {
                // A real console's polling shows no 502 on a green run's
                // path (a bad gateway is a sign of trouble).
                let codes: &[u32] = if guessed {
                    &[200, 200, 200, 302, 502]
                } else {
                    &[200, 200, 200, 302]
                };
                (
                    "INFO",
                    "health",
                    format!(
                        "https://{domain}/ status={}",
                        codes[rng.below(codes.len() as u64) as usize]
                    ),
                )
            }
            5 | 6 => {
                let layer = rng.hex(12);
                let what = [
                    "Pulling fs layer",
                    "Waiting",
                    "Verifying Checksum",
                    "Download complete",
                    "Pull complete",
                ][rng.below(5) as usize];
                ("", "", format!("{layer}: {what}"))
            }
            7 => {
                let t = &tests[rng.below(tests.len() as u64) as usize];
                let pct = rng.below(100);
                (
                    "",
                    "",
                    format!("{}::{} PASSED [{pct:>3}%]", t.path(), t.name),
                )
            }
            8 => (
                "DEBUG",
                "swarm",
                format!(
                    "docker service ps {stack}_app --format '{{{{.CurrentState}}}}' -> Running {} seconds ago",
                    rng.below(300)
                ),
            ),
            9 => (
                "",
                "",
                format!(
                    "GET /api/health 200 {}ms request_id={} user_agent=\"python-requests/2.32.3\"",
                    rng.below(800),
                    rng.hex(32)
                ),
            ),
            10 => (
                "",
                "",
                format!(
                    "level=info msg=\"Configuration loaded\" providers=docker,file entrypoints=web,websecure version={}.{}",
                    rng.below(4),
                    rng.below(9)
                ),
            ),
            _ => (
                "DEBUG",
                "backupbot",
                format!(
                    "exec {stack}_db.1 pg_isready -U postgres -> accepting connections ({}ms)",
                    rng.below(50)
                ),
            ),
        };
        if guessed && !level.is_empty() {
            self.line(level, component, &msg);
        } else {
            self.say(&msg);
        }
    }
}

/// The guessed grammar's console beside the run (every run has one).
fn write_console_guessed(
    root: &Path,
    p: &Plan,
    o: &Outcome,
    budget: u64,
    rng: &mut Rng,
) -> std::io::Result<u64> {
    let recipe = RECIPES[p.recipe];
    let end = p.start + p.secs;
    let path = root.join(format!("{}.console.log", p.id));
    let f = BufWriter::with_capacity(1 << 16, File::create(&path)?);
    let mut w = Console::new(f, Style::Guessed, p.start, end, budget);
    let (version, git_ref, stack, domain) = (&o.version, &o.git_ref, &o.stack, &o.domain);
    w.line(
        "INFO",
        "run",
        &format!(
            "start recipe={recipe} version={version} run_id={} ref={git_ref}",
            p.id
        ),
    );
    for (ti, tier) in TIERS.iter().enumerate() {
        if ti >= o.tiers_run {
            w.line("ERROR", "run", "harness exception: Traceback follows");
            w.say("Traceback (most recent call last):");
            w.say("  File \"runner/run_recipe_ci.py\", line 412, in <module>");
            w.say("RuntimeError: lost connection to the swarm manager");
            break;
        }
        let until = budget * (ti as u64 + 1) / 5;
        match *tier {
            "upgrade" => w.line(
                "INFO",
                "tier",
                &format!("upgrade start from={} to={}", o.prev, &git_ref[..8]),
            ),
            t => w.line("INFO", "tier", &format!("{t} start")),
        }
        if ti == 0 {
            w.line("INFO", "prepull", "docker compose config --images rc=0");
            w.line("INFO", "deploy", &format!("abra app deploy {domain}"));
        }
        if o.incident == Incident::RateLimit && ti == 0 {
            w.line("ERROR", "deploy", &format!("pull {recipe}:{version}: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"));
        }
        if o.incident == Incident::DiskFull && ti == 0 {
            w.line(
                "ERROR",
                "deploy",
                "write /var/lib/docker/tmp/GetImageBlob123: no space left on device",
            );
        }
        while w.bytes < until {
            w.noise(rng, stack, domain, &o.tests);
        }
        if *tier == "upgrade" {
            if recipe == "immich" && o.tier_red[1] {
                w.line(
                    "WARN",
                    "deploy",
                    &format!("upgrade-converged: {stack} UpdateStatus=rollback_completed"),
                );
            } else {
                w.line(
                    "INFO",
                    "deploy",
                    &format!(
                        "upgrade-converged: {stack} UpdateStatus=completed chaos-version={}+U",
                        &git_ref[..8]
                    ),
                );
            }
        }
        if *tier == "restore" {
            w.line(
                "INFO",
                "backupbot",
                &format!("Restoring Snapshot {} at /", rng.hex(8)),
            );
        }
        if o.tier_red[ti] {
            let source = if *tier == "custom" {
                "cc-ci"
            } else {
                "generic"
            };
            w.line(
                "ERROR",
                "tier",
                &format!("{tier} FAIL junit=junit/{tier}__{source}__test_{tier}.xml"),
            );
        } else {
            w.line("INFO", "tier", &format!("{tier} PASS"));
        }
    }
    if o.died.is_none() {
        let label = |ti: usize| if o.tier_red[ti] { "FAIL" } else { "PASS" };
        w.line(
            "INFO",
            "run",
            &format!(
                "RESULT: install {}, upgrade {}, backup {}, restore {}, custom {}",
                label(0),
                label(1),
                label(2),
                label(3),
                label(4)
            ),
        );
        w.line(
            "INFO",
            "teardown",
            &format!("removed stack={stack} volumes=3"),
        );
        w.line("INFO", "run", &format!("end rc={}", o.rc()));
    }
    w.out.flush()?;
    Ok(w.bytes)
}

/// A run's output as cc-ci prints it (cc-ci-runs.md §4: no grammar; the
/// harness's prints and the tools' output), filled with noise up to the
/// writer's budget, each tier an equal share.
fn real_console<W: Write>(w: &mut Console<W>, p: &Plan, o: &Outcome, rng: &mut Rng) {
    let recipe = RECIPES[p.recipe];
    let (stack, domain) = (o.stack.as_str(), o.domain.as_str());
    let budget = w.budget;
    if p.kind == Kind::Drone {
        w.say(&format!("+ export DRONE_BUILD_NUMBER={}", p.id));
    }
    w.say(&format!(
        "RECIPE={recipe} CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py"
    ));
    w.say(&format!("abra app new {recipe} --domain {domain}"));
    for (ti, tier) in TIERS.iter().enumerate() {
        let until = budget * (ti as u64 + 1) / 5;
        if ti >= o.tiers_run {
            match o.died.expect("died") {
                Death::Traceback => {
                    w.say("Traceback (most recent call last):");
                    w.say("  File \"runner/run_recipe_ci.py\", line 412, in <module>");
                    w.say("RuntimeError: lost connection to the swarm manager");
                }
                Death::Deadline => w.say("!! deadline 3600s fired (SIGALRM): aborting"),
                Death::Cancelled => w.say("!! received SIGTERM: tearing down"),
            }
            return;
        }
        let source = if o
            .tests
            .iter()
            .any(|t| t.tier == *tier && t.source == "cc-ci")
        {
            "cc-ci"
        } else {
            "generic"
        };
        let dir = if source == "cc-ci" {
            format!("tests/{recipe}/{tier}")
        } else {
            format!("tests/_generic/test_{tier}.py")
        };
        let module = if *tier == "custom" {
            "test_functional".to_string()
        } else {
            format!("test_{tier}")
        };
        match ti {
            0 => {
                w.say("prepull: docker compose config --images rc=0");
                if o.incident == Incident::RateLimit {
                    w.say("Error response from daemon: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit");
                    w.say(&format!("abra app deploy {domain} failed (1)"));
                }
                if o.incident == Incident::DiskFull {
                    w.say("write /var/lib/docker/tmp/GetImageBlob123: no space left on device");
                }
                w.say("deploy-count=1");
            }
            1 => {
                w.say(&format!(
                    "head_ref={r} chaos-version={r} version={}→{}",
                    o.prev,
                    o.version,
                    r = &o.git_ref[..8]
                ));
            }
            2 => w.say(&format!(
                "backup pre-hook service=db cmd=\"pg_dump -U {recipe} {recipe} > /var/lib/postgresql/data/backup.sql\""
            )),
            _ => {}
        }
        w.say(&format!(
            "+ python3 -m pytest -q {dir} --junitxml=junit/{tier}__{source}__{module}.xml"
        ));
        while w.bytes < until {
            w.noise(rng, stack, domain, &o.tests);
        }
        match ti {
            1 => {
                if recipe == "immich" && o.tier_red[1] {
                    w.say(&format!("UpdateStatus=rollback_completed {stack}"));
                } else {
                    w.say(&format!("UpdateStatus=completed {stack}"));
                }
                w.say("deploy-count=1");
            }
            3 => {
                w.say(&format!("Restoring Snapshot {} at /", rng.hex(8)));
                w.say("restore finished rc=0");
            }
            _ => {}
        }
        for (i, t) in o.tests.iter().enumerate() {
            if t.tier == *tier {
                let verdict = if o.red[i].is_some() {
                    "FAILED"
                } else {
                    "PASSED"
                };
                w.say(&format!("{}::{} {verdict}", t.path(), t.name));
            }
        }
        w.say(&format!(
            "assert ({source}) {tier}: {}",
            if o.tier_red[ti] { "FAIL" } else { "ok" }
        ));
    }
}

/// A root of one red run (discourse, its custom sidekiq check) whose
/// console beside it is `mib` MiB: realistic lines (a block written once,
/// then repeated), or with `--one-line` one line of that size (a pull's
/// progress bar redrawn with carriage returns), then the run's last lines.
fn big_console(args: &Args, mib: u64, rng: &mut Rng) -> std::io::Result<()> {
    let g = Gen {
        format: Format::Real,
        checkouts: args.checkouts.unwrap_or(Checkouts::Plain),
        sweeps: 1,
        console_share: 1.0,
        junit_budget: 20_000,
        console_budget: 0,
        journal_budget: 0,
        upstream: None,
    };
    let p = Plan {
        id: "manual-4242".into(),
        recipe: 4,
        kind: Kind::Manual,
        start: YEAR_START + SWEEP_AT,
        secs: 1800,
        week: 0,
        loaded: true,
        sweep: None,
    };
    let mut o = g.outcome(&p, rng);
    o.died = None;
    o.tiers_run = 5;
    o.truncate_junit = false;
    let sidekiq = o
        .tests
        .iter()
        .position(|t| t.name == "test_sidekiq_jobs_drain")
        .expect("discourse's flaky test");
    o.red[sidekiq] =
        Some("AssertionError: sidekiq queue not drained after 60s: assert 7 == 0".into());
    o.tier_red[4] = true;
    let dir = args.out.join(&p.id);
    fs::create_dir_all(dir.join("junit"))?;
    write_junit(&dir, &p, &o, g.junit_budget, rng)?;
    write_results_real(&dir, &p, &o, p.start + p.secs, rng)?;
    g.write_abra(&dir, &p, &o)?;

    let total = mib << 20;
    // The run's own lines (head and tail) around the bulk.
    let mut run = Console::new(Vec::new(), Style::Plain, p.start, p.start + p.secs, 1 << 16);
    real_console(&mut run, &p, &o, rng);
    let text = run.out;
    let cut = text.len() / 2;
    let cut = cut
        + text[cut..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
    let (head, tail) = text.split_at(cut);
    let path = args.out.join(format!("{}.console.log", p.id));
    let mut f = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    f.write_all(head)?;
    let bulk = total.saturating_sub(text.len() as u64);
    let mut block = Vec::with_capacity(4 << 20);
    if args.one_line {
        let mut pct = 0u64;
        while block.len() < 4 << 20 {
            let _ = write!(
                block,
                "5c1a2b3d4e5f: Downloading [{:<50}] {}.{}MB/812.4MB\r",
                "=".repeat((pct % 50) as usize) + ">",
                pct % 812,
                pct % 10
            );
            pct += 7;
        }
    } else {
        let mut w = Console::new(&mut block, Style::Plain, p.start, p.start + p.secs, 4 << 20);
        while w.bytes < 4 << 20 {
            w.noise(rng, &o.stack, &o.domain, &o.tests);
        }
    }
    // Whole lines of the block (the one line: any cut of it).
    let mut left = bulk;
    while left > 0 {
        let mut n = left.min(block.len() as u64) as usize;
        if !args.one_line && n < block.len() {
            match block[..n].iter().rposition(|&b| b == b'\n') {
                Some(i) => n = i + 1,
                None => break,
            }
        }
        f.write_all(&block[..n])?;
        left -= n as u64;
    }
    if args.one_line {
        f.write_all(b"\n")?;
    }
    f.write_all(tail)?;
    f.flush()?;
    eprintln!(
        "ccci-gen-runs: 1 run, a console of {mib} MiB{} in {}",
        if args.one_line { " on one line" } else { "" },
        args.out.display()
    );
    Ok(())
}

/// Sets a file's modification time to `epoch` (seconds).
fn stamp(path: &Path, epoch: i64) -> std::io::Result<()> {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(epoch.max(0) as u64);
    File::options().write(true).open(path)?.set_modified(t)
}
