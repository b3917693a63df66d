//! `ccci-gen-runs`: writes a synthetic cc-ci runs root at realistic volume,
//! for benchmarks (`scripts/bench.sh`) and for trying the history index.
//!
//! Why synthetic: the real host's runs cannot be copied here, and a
//! benchmark needs a year of them. The layout and grammar are those of
//! `shared/spec/cc-ci-runs.md`: one directory per run with a schema 2
//! results.json and pytest-shaped `junit/<tier>__<source>__<module>.xml`
//! files, and a `<run_id>.console.log` beside it in the
//! `<RFC3339> <LEVEL> <component>: <message>` grammar, with the noise a
//! real console carries (deploy polling, passed-through docker and pytest
//! output) and a few signature lines.
//!
//! What the year holds (deterministic for a seed):
//! - weekly canon sweeps (default 50) of 20 recipes, run serially, ids
//!   `sweep-YYYYMMDD-<recipe>`, each sharing the node with Drone builds;
//! - Drone builds (numbered) and a few manual runs, some during a sweep
//!   (under load), most alone (isolation runs);
//! - a flaky test (discourse's sidekiq check) red now and then under load,
//!   green alone; a break (immich's upgrade red in every run from one
//!   version on); one sweep hit by a registry pull rate limit and one by a
//!   full disk across several recipes (co-failures, every test red); runs
//!   without results.json, a truncated JUnit file, rare random reds.
//!
//! `--mb` sets the total size; the number of runs stays the same, so two
//! sizes compare the same year with longer console logs.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Parser;

/// Write a synthetic cc-ci runs root.
#[derive(Parser)]
struct Args {
    /// The runs root to create (must not exist or be empty).
    out: PathBuf,
    /// Total size in MB (console logs and JUnit).
    #[arg(long, default_value_t = 600)]
    mb: u64,
    /// Weekly sweeps.
    #[arg(long, default_value_t = 50)]
    sweeps: usize,
    /// Drone builds.
    #[arg(long, default_value_t = 180)]
    drone: usize,
    /// Manual runs.
    #[arg(long, default_value_t = 20)]
    manual: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
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

/// The year starts 2025-11-02 (a Sunday) 00:00 UTC.
const YEAR_START: i64 = 1_762_041_600;
const WEEK: i64 = 7 * 86_400;

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
    /// Index of the sweep week (for versions and incidents).
    week: usize,
    /// Overlaps a sweep or another build: under load.
    loaded: bool,
}

/// What goes wrong in one run.
#[derive(Clone, Copy, PartialEq)]
enum Incident {
    None,
    RateLimit,
    DiskFull,
}

struct Test {
    tier: &'static str,
    source: &'static str,
    module: String,
    classname: String,
    name: String,
}

fn tests_of(recipe: &str) -> Vec<Test> {
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
        ("custom", &["test_login_page"]),
    ];
    for (tier, names) in generic {
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
    let dir = recipe.replace('-', "_");
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
    for n in overlay {
        out.push(Test {
            tier: "custom",
            source: "cc-ci",
            module: "test_functional".into(),
            classname: format!("tests.{dir}.test_functional"),
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
    fs::create_dir_all(&args.out)?;
    let mut rng = Rng((0x9e37_79b9_7f4a_7c15 ^ args.seed.wrapping_mul(0x1234_5678_9abc_def1)) | 1);
    let mut plans = Vec::new();
    // Sweeps: Sunday 01:00, recipes in alphabetical order, back to back.
    for w in 0..args.sweeps {
        let mut t = YEAR_START + w as i64 * WEEK + 3600;
        let day = civil_day(t);
        for (r, name) in RECIPES.iter().enumerate() {
            let secs = 900 + rng.below(1500) as i64;
            plans.push(Plan {
                id: format!("sweep-{day}-{name}"),
                recipe: r,
                kind: Kind::Sweep,
                start: t,
                secs,
                week: w,
                loaded: true,
            });
            t += secs + 30 + rng.below(120) as i64;
        }
    }
    let sweep_windows: Vec<(i64, i64)> = (0..args.sweeps)
        .map(|w| {
            let s = YEAR_START + w as i64 * WEEK + 3600;
            (s, s + 10 * 3600)
        })
        .collect();
    let span = args.sweeps.max(1) as i64 * WEEK;
    let mut build = 400u64;
    for i in 0..args.drone + args.manual {
        // A third of the builds land in a sweep window (load), the rest at
        // a random time of the year (mostly alone). Discourse and immich
        // get extra builds, so their histories have isolation runs.
        let recipe = match i % 5 {
            0 => 4,
            1 => 7,
            _ => rng.below(RECIPES.len() as u64) as usize,
        };
        let start = if rng.chance(0.33) {
            let (s, e) = sweep_windows[rng.below(sweep_windows.len() as u64) as usize];
            s + rng.below((e - s) as u64) as i64
        } else {
            YEAR_START + rng.below(span as u64) as i64
        };
        let (id, kind) = if i < args.drone {
            build += 1 + rng.below(3);
            (build.to_string(), Kind::Drone)
        } else {
            (format!("manual-{}", 4000 + i), Kind::Manual)
        };
        plans.push(Plan {
            id,
            recipe,
            kind,
            start,
            secs: 900 + rng.below(1500) as i64,
            week: ((start - YEAR_START) / WEEK) as usize,
            loaded: false,
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
    let total = args.mb * 1_000_000;
    let per_run = total / plans.len().max(1) as u64;
    let mut written = 0u64;
    for p in &plans {
        written += write_run(&args.out, p, per_run, &mut rng, args.sweeps)?;
    }
    eprintln!(
        "ccci-gen-runs: {} runs, {:.0} MB in {}",
        plans.len(),
        written as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}

/// `YYYYMMDD` of an epoch second.
fn civil_day(t: i64) -> String {
    let ts = jiff::Timestamp::from_second(t).expect("in range");
    ts.strftime("%Y%m%d").to_string()
}

/// The release a recipe is at in a week: each recipe releases every 6–10
/// weeks.
fn release(recipe: usize, week: usize) -> usize {
    week / (6 + recipe % 5)
}

fn version_of(recipe: usize, week: usize) -> String {
    let minor = release(recipe, week);
    format!(
        "{}.{}.{}+{}.{}.{}",
        1 + recipe % 3,
        minor,
        recipe % 4,
        2 + recipe % 7,
        minor * 2 % 13,
        minor % 3
    )
}

fn write_run(
    root: &Path,
    p: &Plan,
    budget: u64,
    rng: &mut Rng,
    sweeps: usize,
) -> std::io::Result<u64> {
    let recipe = RECIPES[p.recipe];
    let version = version_of(p.recipe, p.week);
    let git_ref = rng.hex(12);
    let domain = format!(
        "{}-{}.ci.commoninternet.net",
        &recipe[..4.min(recipe.len())],
        rng.hex(6)
    );
    let stack = domain.replace('.', "_");
    // Incidents: one sweep a third in hits the registry's pull rate limit,
    // one two thirds in fills the disk, for several recipes.
    let incident = match (p.kind, p.week) {
        (Kind::Sweep, w) if w == sweeps / 3 && p.recipe % 3 == 0 => Incident::RateLimit,
        (Kind::Sweep, w) if w == 2 * sweeps / 3 && p.recipe % 4 == 1 => Incident::DiskFull,
        _ => Incident::None,
    };
    let tests = tests_of(recipe);
    // Outcome per test.
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
        // The flake: discourse's sidekiq check under load.
        if recipe == "discourse"
            && t.name == "test_sidekiq_jobs_drain"
            && p.loaded
            && rng.chance(0.22)
        {
            red[i] = Some(format!(
                "AssertionError: sidekiq queue not drained after 60s: assert {} == 0",
                1 + rng.below(40)
            ));
        // The break: immich's upgrade, from the first release after three
        // fifths of the year on.
        } else if recipe == "immich"
            && t.name == "test_upgrade_converges"
            && release(p.recipe, p.week) > release(p.recipe, 3 * sweeps / 5)
        {
            red[i] = Some(
                "AssertionError: upgrade did not converge: UpdateStatus=rollback_completed".into(),
            );
        } else if rng.chance(0.002) {
            red[i] = Some(format!(
                "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='{domain}', port=443): Read timed out. (read timeout=30)"
            ));
        }
    }
    let dies_early = incident == Incident::None && rng.chance(0.04);
    let dir = root.join(&p.id);
    fs::create_dir_all(dir.join("junit"))?;
    let mut bytes = 0u64;

    // JUnit: about a tenth of the run's budget, in <system-out>.
    let tiers = ["install", "upgrade", "backup", "restore", "custom"];
    let junit_budget = budget / 10;
    let per_test = junit_budget / tests.len() as u64;
    let mut tier_red = [false; 5];
    let truncate_one = rng.chance(0.01);
    for (ti, tier) in tiers.iter().enumerate() {
        for source in ["generic", "cc-ci"] {
            let idx: Vec<usize> = (0..tests.len())
                .filter(|&i| tests[i].tier == *tier && tests[i].source == source)
                .collect();
            if idx.is_empty() || (dies_early && ti >= 2) {
                continue;
            }
            let module = &tests[idx[0]].module;
            let path = dir
                .join("junit")
                .join(format!("{tier}__{source}__{module}.xml"));
            let mut x = String::new();
            let fails = idx.iter().filter(|&&i| red[i].is_some()).count();
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
                let t = &tests[i];
                let _ = write!(
                    x,
                    "<testcase classname=\"{}\" name=\"{}\" time=\"{}.{:03}\">",
                    t.classname,
                    t.name,
                    rng.below(120),
                    rng.below(1000)
                );
                if let Some(m) = &red[i] {
                    tier_red[ti] = true;
                    let esc = xml_escape(m);
                    let _ = write!(
                        x,
                        "<failure message=\"{esc}\">def {}(app):\n&gt;       assert ...\nE       {esc}\n\ntests/{}.py:{}: AssertionError</failure>",
                        t.name,
                        t.classname.replace('.', "/"),
                        20 + rng.below(200)
                    );
                }
                x.push_str("<system-out>");
                let mut out_len = 0;
                while (out_len as u64) < per_test {
                    let line = format!(
                        "{} INFO {}: GET https://{domain}/api/v{}/status -&gt; 200 in {}ms\n",
                        ts.strftime("%H:%M:%S"),
                        t.name,
                        1 + rng.below(3),
                        rng.below(900)
                    );
                    out_len += line.len();
                    x.push_str(&line);
                }
                x.push_str("</system-out></testcase>\n");
            }
            x.push_str("</testsuite></testsuites>\n");
            if truncate_one && ti == 1 {
                x.truncate(x.len() / 2);
            }
            fs::write(&path, &x)?;
            bytes += x.len() as u64;
        }
    }

    let end = p.start + p.secs;
    let status = |ti: usize| -> &'static str {
        if dies_early && ti >= 2 {
            "unver"
        } else if tier_red[ti] {
            "fail"
        } else {
            "pass"
        }
    };
    if !dies_early {
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
            r = recipe,
            v = version,
            pr = if p.kind == Kind::Drone {
                format!("{}", 100 + rng.below(300))
            } else {
                "null".into()
            },
            gr = git_ref,
            id = p.id,
            fin = end,
            frac = rng.below(1000),
            s0 = status(0),
            s1 = status(1),
            s2 = status(2),
            s3 = status(3),
            s4 = status(4),
            lvl = (0..5).take_while(|&i| status(i) == "pass").count(),
        );
        fs::write(dir.join("results.json"), &results)?;
        bytes += results.len() as u64;
    }

    // Console: the rest of the budget.
    let console_budget = budget.saturating_sub(bytes);
    let path = root.join(format!("{}.console.log", p.id));
    let mut w = Console::new(File::create(&path)?, p.start, end, console_budget);
    w.line(
        "INFO",
        "run",
        &format!(
            "start recipe={recipe} version={version} run_id={} ref={git_ref}",
            p.id
        ),
    );
    let prev = version_of(p.recipe, p.week.saturating_sub(8));
    for (ti, tier) in tiers.iter().enumerate() {
        if dies_early && ti >= 2 {
            w.line("ERROR", "run", "harness exception: Traceback follows");
            w.raw("Traceback (most recent call last):");
            w.raw("  File \"runner/run_recipe_ci.py\", line 412, in <module>");
            w.raw("RuntimeError: lost connection to the swarm manager");
            break;
        }
        // Each tier gets an equal share of the console budget.
        let until = console_budget * (ti as u64 + 1) / 5;
        match *tier {
            "upgrade" => w.line(
                "INFO",
                "tier",
                &format!("upgrade start from={prev} to={}", &git_ref[..8]),
            ),
            t => w.line("INFO", "tier", &format!("{t} start")),
        }
        if ti == 0 {
            w.line("INFO", "prepull", "docker compose config --images rc=0");
            w.line("INFO", "deploy", &format!("abra app deploy {domain}"));
        }
        if incident == Incident::RateLimit && ti == 0 {
            w.line("ERROR", "deploy", &format!("pull {recipe}:{version}: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"));
        }
        if incident == Incident::DiskFull && ti == 0 {
            w.line(
                "ERROR",
                "deploy",
                "write /var/lib/docker/tmp/GetImageBlob123: no space left on device",
            );
        }
        while w.bytes < until {
            w.noise(rng, &stack, &domain, &tests);
        }
        if *tier == "upgrade" {
            if recipe == "immich" && tier_red[1] {
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
        if tier_red[ti] {
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
    if !dies_early {
        let label = |ti: usize| if tier_red[ti] { "FAIL" } else { "PASS" };
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
        let rc = if tier_red.iter().any(|r| *r) { 7 } else { 0 };
        w.line("INFO", "run", &format!("end rc={rc}"));
    }
    bytes += w.finish()?;
    Ok(bytes)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes console lines with times spread evenly over the run.
struct Console {
    out: BufWriter<File>,
    start: i64,
    end: i64,
    budget: u64,
    bytes: u64,
    /// Cached text of the current second.
    sec: i64,
    sec_text: String,
    line: String,
}

impl Console {
    fn new(f: File, start: i64, end: i64, budget: u64) -> Console {
        Console {
            out: BufWriter::with_capacity(1 << 16, f),
            start,
            end,
            budget: budget.max(1),
            bytes: 0,
            sec: i64::MIN,
            sec_text: String::new(),
            line: String::new(),
        }
    }

    fn now(&mut self) -> &str {
        let frac = (self.bytes.min(self.budget) as f64) / self.budget as f64;
        let t = self.start + ((self.end - self.start) as f64 * frac) as i64;
        if t != self.sec {
            self.sec = t;
            self.sec_text = jiff::Timestamp::from_second(t)
                .expect("in range")
                .to_string();
        }
        &self.sec_text
    }

    fn line(&mut self, level: &str, component: &str, message: &str) {
        let now = self.now().to_string();
        self.line.clear();
        let _ = writeln!(self.line, "{now} {level} {component}: {message}");
        self.emit();
    }

    fn raw(&mut self, text: &str) {
        self.line.clear();
        self.line.push_str(text);
        self.line.push('\n');
        self.emit();
    }

    fn emit(&mut self) {
        self.bytes += self.line.len() as u64;
        // Errors surface at finish (BufWriter keeps the first one).
        let _ = self.out.write_all(self.line.as_bytes());
    }

    /// One line of the noise a real console carries.
    fn noise(&mut self, rng: &mut Rng, stack: &str, domain: &str, tests: &[Test]) {
        match rng.below(12) {
            0..=3 => {
                let msg = format!(
                    "waiting service={stack}_app replicas={}/1 task={} state={}",
                    rng.below(2),
                    rng.hex(25),
                    ["preparing", "starting", "running", "assigned"][rng.below(4) as usize]
                );
                self.line("DEBUG", "deploy", &msg);
            }
            4 => {
                let msg = format!(
                    "https://{domain}/ status={}",
                    [200, 200, 200, 302, 502][rng.below(5) as usize]
                );
                self.line("INFO", "health", &msg);
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
                self.raw(&format!("{layer}: {what}"));
            }
            7 => {
                let t = &tests[rng.below(tests.len() as u64) as usize];
                let pct = rng.below(100);
                self.raw(&format!(
                    "tests/{}.py::{} PASSED [{pct:>3}%]",
                    t.classname.replace('.', "/"),
                    t.name
                ));
            }
            8 => {
                let msg = format!(
                    "docker service ps {stack}_app --format '{{{{.CurrentState}}}}' -> Running {} seconds ago",
                    rng.below(300)
                );
                self.line("DEBUG", "swarm", &msg);
            }
            9 => {
                let msg = format!(
                    "GET /api/health 200 {}ms request_id={} user_agent=\"python-requests/2.32.3\"",
                    rng.below(800),
                    rng.hex(32)
                );
                self.raw(&msg);
            }
            10 => {
                let msg = format!(
                    "level=info msg=\"Configuration loaded\" providers=docker,file entrypoints=web,websecure version={}.{}",
                    rng.below(4),
                    rng.below(9)
                );
                self.raw(&msg);
            }
            _ => {
                let msg = format!(
                    "exec {stack}_db.1 pg_isready -U postgres -> accepting connections ({}ms)",
                    rng.below(50)
                );
                self.line("DEBUG", "backupbot", &msg);
            }
        }
    }

    fn finish(mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        Ok(self.bytes)
    }
}
