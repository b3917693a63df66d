//! The probes against the real Docker engine of this machine.
//!
//! The fixture builds the routing collision of `shared/spec/verdicts.md`
//! on a real single-node swarm: a shared attachable overlay `m<r>-proxy`;
//! two stacks `pa<r>`, `pb<r>` whose `app` is on it (every Co-op Cloud
//! stack's public service is called `app`); and three stacks whose `app`
//! is on the stack's own network only while `web` (the proxy-side service)
//! is on both:
//!
//! - `aa<r>`: `aa<r>_internal` sorts before `m<r>-proxy`, so `web` gets its
//!   own `app`;
//! - `zz<r>`: `zz<r>_internal` sorts after, so `web` gets pa's and pb's;
//! - `bb<r>`: its network is `internal: true`; it sorts before the proxy by
//!   name but is walked after it, so `web` gets pa's and pb's too.
//!
//! The image is made here with `docker import` from this machine's own
//! `sh`, `sleep` and `getent` (no registry is reachable). Tests may create
//! things, the tool may not: everything is made by the docker CLI and
//! removed by a Drop guard, pass or fail; names carry a random part so two
//! runs never collide.
//!
//! When the live tests run (the rule, in [`engine_ready`]):
//! - with `CI=true` (what `.ci/run` sets) they always run, and an engine
//!   that is missing or not a swarm manager fails them (never a skip);
//! - with `CCCI_DOCKER_TESTS=1` they run on a developer's machine too;
//! - otherwise they skip, saying so and how to run them: a plain
//!   `cargo test` never deploys stacks on an engine nobody offered.
//!
//! When they run they `docker swarm init` an inactive engine, and they
//! touch only what they made: the image `ccci-probe-test:<r>`, the network
//! `m<r>-proxy`, the stacks `pa<r>`, `pb<r>`, `aa<r>`, `zz<r>`, `bb<r>`,
//! `ff<r>` and their own `<stack>_internal`/`<stack>_default` networks. No
//! volume is made; nothing else is listed for removal, so another stack,
//! network or volume on the engine is never touched.
//!
//! `compose_rejects_an_undefined_dependency_that_stack_deploy_accepts`
//! only runs `docker compose config` and `docker stack config` (they read
//! files and deploy nothing), so it runs wherever the docker CLI is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccci_triage::error::Kind;
use ccci_triage::report::{Style, probe as render};
use ccci_triage::sources::docker::{OwnerKind, Prober};

const TIMEOUT: Duration = Duration::from_secs(10);

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the docker CLI runs")
}

fn ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether the live tests run (see the module docs): under `CI=true` or
/// `CCCI_DOCKER_TESTS=1`, on a usable engine; panics under `CI=true` when
/// the engine is not usable.
fn engine_ready() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let asked = std::env::var("CCCI_DOCKER_TESTS").is_ok_and(|v| v == "1");
    if !ci && !asked {
        eprintln!(
            "skipping live Docker tests: they deploy stacks on the local engine; \
             run them with CCCI_DOCKER_TESTS=1 (CI=true runs them always)"
        );
        return false;
    }
    let reason = match Command::new("docker")
        .args([
            "info",
            "--format",
            "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
        ])
        .stdin(Stdio::null())
        .output()
    {
        Err(e) => Some(format!("no docker CLI: {e}")),
        Ok(o) if !o.status.success() => Some(format!(
            "engine unreachable: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(o) => {
            let state = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if state.starts_with("inactive") {
                let init = docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
                (!init.status.success()).then(|| {
                    format!(
                        "swarm init failed: {}",
                        String::from_utf8_lossy(&init.stderr).trim()
                    )
                })
            } else if state != "active true" {
                Some(format!("this node is no swarm manager ({state})"))
            } else {
                None
            }
        }
    };
    match reason {
        None => true,
        Some(r) if ci => panic!("CI=true and the Docker engine is not usable: {r}"),
        Some(r) => {
            eprintln!("skipping live Docker tests: {r}");
            false
        }
    }
}

/// A random lowercase hex part for names.
fn random_part() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let mixed = (u64::from(nanos) ^ (u64::from(std::process::id()) << 20))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{:06x}", mixed >> 40)
}

/// Everything the live test creates; removed on drop.
struct Swarm {
    r: String,
    image: String,
    net: String,
    stacks: Vec<String>,
    dir: tempfile::TempDir,
}

impl Swarm {
    fn stack(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.r)
    }

    fn new() -> Swarm {
        let r = random_part();
        let mut swarm = Swarm {
            image: format!("ccci-probe-test:{r}"),
            net: format!("m{r}-proxy"),
            r,
            stacks: Vec::new(),
            dir: tempfile::tempdir().unwrap(),
        };
        swarm.build_image();
        ok(&[
            "network",
            "create",
            "-d",
            "overlay",
            "--attachable",
            &swarm.net,
        ]);
        let on_proxy = format!(
            "version: \"3.8\"\nservices:\n  app:\n    image: {img}\n    command: [\"sleep\", \"3600\"]\n    networks: [proxy]\nnetworks:\n  proxy:\n    external: true\n    name: {net}\n",
            img = swarm.image,
            net = swarm.net
        );
        let split = |internal_flag: &str| {
            format!(
                "version: \"3.8\"\nservices:\n  app:\n    image: {img}\n    command: [\"sleep\", \"3600\"]\n    networks: [internal]\n  web:\n    image: {img}\n    command: [\"sleep\", \"3600\"]\n    networks: [internal, proxy]\nnetworks:\n  internal:\n    internal: {internal_flag}\n  proxy:\n    external: true\n    name: {net}\n",
                img = swarm.image,
                net = swarm.net
            )
        };
        let files = [
            ("pa", on_proxy.clone()),
            ("pb", on_proxy),
            ("aa", split("false")),
            ("zz", split("false")),
            ("bb", split("true")),
        ];
        for (prefix, yaml) in files {
            let name = swarm.stack(prefix);
            let file = swarm.dir.path().join(format!("{prefix}.yml"));
            std::fs::write(&file, yaml).unwrap();
            swarm.stacks.push(name.clone());
            ok(&[
                "stack",
                "deploy",
                "--resolve-image",
                "never",
                "-c",
                file.to_str().unwrap(),
                &name,
            ]);
        }
        swarm.wait_converged();
        swarm
    }

    /// Deploys stack `<prefix><r>` with one service whose task exits 3.
    fn deploy_failing(&mut self, prefix: &str) -> String {
        let name = self.stack(prefix);
        let file = self.dir.path().join(format!("{prefix}.yml"));
        let yaml = format!(
            "version: \"3.8\"\nservices:\n  bad:\n    image: {}\n    command: [\"sh\", \"-c\", \"exit 3\"]\n",
            self.image
        );
        std::fs::write(&file, yaml).unwrap();
        self.stacks.push(name.clone());
        ok(&[
            "stack",
            "deploy",
            "--resolve-image",
            "never",
            "-c",
            file.to_str().unwrap(),
            &name,
        ]);
        name
    }

    /// A root file system of this machine's `sh`, `sleep`, `getent` and
    /// their libraries, imported as an image.
    fn build_image(&self) {
        let root = self.dir.path().join("rootfs");
        let bins = ["/bin/sh", "/usr/bin/sleep", "/usr/bin/getent"];
        let mut files: BTreeSet<PathBuf> = BTreeSet::new();
        for bin in bins {
            files.insert(PathBuf::from(bin));
            let ldd = Command::new("ldd").arg(bin).output().expect("ldd runs");
            for token in String::from_utf8_lossy(&ldd.stdout).split_whitespace() {
                if token.starts_with('/') {
                    files.insert(PathBuf::from(token));
                }
            }
        }
        for nss in ["libnss_files.so.2", "libnss_dns.so.2"] {
            for dir in ["/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib"] {
                let p = Path::new(dir).join(nss);
                if p.exists() {
                    files.insert(p);
                }
            }
        }
        for f in &files {
            let dest = root.join(f.strip_prefix("/").unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            // Follow links: the image gets the real file under each name.
            std::fs::copy(f, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", f.display()));
        }
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::write(root.join("etc/nsswitch.conf"), "hosts: files dns\n").unwrap();
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "tar -C '{}' -c . | docker import - '{}' >/dev/null",
                root.display(),
                self.image
            ))
            .status()
            .unwrap();
        assert!(status.success(), "docker import of the test image failed");
    }

    fn wait_converged(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let replicas = ok(&["service", "ls", "--format", "{{.Name}} {{.Replicas}}"]);
            let lines: Vec<&str> = replicas
                .lines()
                .filter(|l| self.stacks.iter().any(|s| l.starts_with(&format!("{s}_"))))
                .collect();
            if lines.len() == 8 && lines.iter().all(|l| l.ends_with(" 1/1")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the test stacks did not converge in 120 s:\n{replicas}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        for s in &self.stacks {
            let _ = docker(&["stack", "rm", s]);
        }
        // Wait for the tasks' containers to go before removing what they use.
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            let left = docker(&["ps", "-aq", "--filter", &format!("ancestor={}", self.image)]);
            if left.stdout.iter().all(|b| b.is_ascii_whitespace()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let mut nets: Vec<String> = self
            .stacks
            .iter()
            .flat_map(|s| [format!("{s}_internal"), format!("{s}_default")])
            .collect();
        nets.push(self.net.clone());
        let deadline = Instant::now() + Duration::from_secs(30);
        for net in nets {
            while Instant::now() < deadline {
                let out = docker(&["network", "rm", &net]);
                let err = String::from_utf8_lossy(&out.stderr);
                if out.status.success() || err.contains("not found") || err.contains("No such") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        let _ = docker(&["image", "rm", "-f", &self.image]);
    }
}

/// Every line fits, but a command (it must paste whole).
fn fits_100_columns(text: &str) {
    for line in text.lines().filter(|l| !l.starts_with("reproduce:")) {
        assert!(
            line.chars().count() <= 100,
            "line wider than 100 columns:\n{line}"
        );
    }
}

#[test]
fn probes_on_a_live_swarm() {
    if !engine_ready() {
        return;
    }
    let started = Instant::now();
    let mut swarm = Swarm::new();
    eprintln!("fixture ready in {:?}", started.elapsed());
    let (aa, zz, bb, pa, pb) = (
        swarm.stack("aa"),
        swarm.stack("zz"),
        swarm.stack("bb"),
        swarm.stack("pa"),
        swarm.stack("pb"),
    );
    let mut p = Prober::live(TIMEOUT).expect("the engine answers");

    // zz: the shared network sorts first, so `app` reaches pa and pb.
    let z = p.dns(&format!("{zz}_web"), "app", 8).unwrap();
    assert_eq!(z.stack.as_deref(), Some(zz.as_str()));
    assert!(z.collision, "{}", render::dns(&z, Style::plain(100)));
    assert!(!z.own_stack_reached);
    assert_eq!(z.other_stacks, vec![pa.clone(), pb.clone()]);
    assert_eq!(z.tries.len(), 8);
    assert!(z.answers.iter().all(|a| a.owner == OwnerKind::ServiceVip));
    assert_eq!(
        z.networks
            .iter()
            .map(|n| n.network.clone())
            .collect::<Vec<_>>(),
        vec![swarm.net.clone(), format!("{zz}_internal")]
    );
    assert_eq!(z.predicted_network.as_deref(), Some(swarm.net.as_str()));
    assert_eq!(z.answered_from, vec![swarm.net.clone()]);
    fits_100_columns(&render::dns(&z, Style::plain(100)));
    let ev = z.evidence();
    assert!(ev[0].source.starts_with("probe: docker exec "), "{ev:?}");
    assert!(ev[0].text.contains(&format!("{pa}_app")), "{ev:?}");
    assert!(ev[1].text.contains(&format!("1. {}", swarm.net)), "{ev:?}");

    // aa: its own network sorts first; asked by container name this time.
    let aa_web = ok(&[
        "ps",
        "--filter",
        &format!("label=com.docker.swarm.service.name={aa}_web"),
        "--format",
        "{{.Names}}",
    ]);
    let a = p.dns(&aa_web, "app", 8).unwrap();
    assert!(!a.collision, "{}", render::dns(&a, Style::plain(100)));
    assert!(a.own_stack_reached);
    assert!(a.other_stacks.is_empty());
    assert_eq!(a.answers.len(), 1);
    assert_eq!(
        a.answers[0].service.as_deref(),
        Some(format!("{aa}_app").as_str())
    );
    assert_eq!(a.answered_from, vec![format!("{aa}_internal")]);

    // bb: `internal: true` is walked after the shared network despite its name.
    let b = p.dns(&format!("{bb}_web"), "app", 4).unwrap();
    assert!(format!("{bb}_internal") < swarm.net);
    assert!(b.collision, "{}", render::dns(&b, Style::plain(100)));
    assert_eq!(b.networks[0].network, swarm.net);
    assert!(b.networks[1].internal);
    assert_eq!(b.answered_from, vec![swarm.net.clone()]);
    // The engine answered from the network the documented order predicts.
    for r in [&z, &a, &b] {
        assert_eq!(r.answered_from.first(), r.predicted_network.as_ref());
        assert!(!r.summary.contains("predicted"), "{}", r.summary);
    }

    // A name nothing holds: getent exits 2 and nothing is reached.
    let none = p.dns(&format!("{zz}_web"), "nothing-here", 2).unwrap();
    assert!(none.answers.is_empty() && !none.collision);
    assert!(none.tries.iter().all(|t| t.exit_code == Some(2)));

    // Aliases on the shared network: `app` and `web` held by several stacks.
    let al = p.aliases(&swarm.net).unwrap();
    let owners = |name: &str| {
        al.names
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.stacks.clone())
            .unwrap_or_default()
    };
    assert_eq!(owners("app"), vec![pa.clone(), pb.clone()]);
    assert_eq!(owners("web"), vec![aa.clone(), bb.clone(), zz.clone()]);
    assert_eq!(owners(&format!("{pa}_app")), vec![pa.clone()]);
    assert!(al.collisions.contains(&"app".to_string()));
    assert!(al.collisions.contains(&"web".to_string()));
    assert!(!al.collisions.contains(&format!("{pa}_app")));
    fits_100_columns(&render::aliases(&al, Style::plain(100)));
    assert!(
        al.evidence().iter().any(|e| e
            .text
            .starts_with(&format!("`app` on {} is held by {pa}, {pb}", swarm.net))),
        "{:?}",
        al.evidence()
    );

    // The stack probe: converged, 1/1, never updated.
    let st = p.stack(&aa).unwrap();
    assert!(st.converged, "{}", render::stack(&st, Style::plain(100)));
    assert_eq!(st.services.len(), 2);
    for s in &st.services {
        assert_eq!((s.running, s.desired), (1, 1));
        assert_eq!(s.update_status, None);
        assert!(s.task_errors.is_empty());
    }
    fits_100_columns(&render::stack(&st, Style::plain(100)));

    // What does not exist: a Usage error naming close names.
    let e = p.dns(&format!("{zz}_wbe"), "app", 1).unwrap_err();
    assert_eq!(e.kind, Kind::Usage);
    assert!(e.to_string().contains(&format!("{zz}_web")), "{e}");
    let e = p.stack(&format!("{aa}x")).unwrap_err();
    assert_eq!(e.kind, Kind::Usage);
    assert!(e.to_string().contains(&aa), "{e}");

    // Record, then replay: the same reports, without the engine.
    let rec = swarm.dir.path().join("probes.json");
    p.save(&rec).unwrap();
    let mut r = Prober::replay(&rec).unwrap();
    assert!(r.is_replay());
    assert_eq!(r.dns(&format!("{zz}_web"), "app", 8).unwrap(), z);
    assert_eq!(r.dns(&aa_web, "app", 8).unwrap(), a);
    assert_eq!(r.aliases(&swarm.net).unwrap(), al);
    assert_eq!(r.stack(&aa).unwrap(), st);
    // More tries than were recorded is an error, not an invented answer.
    let e = r.dns(&format!("{bb}_web"), "app", 5).unwrap_err();
    assert_eq!(e.kind, Kind::Usage);
    assert!(e.to_string().contains("try 5"), "{e}");

    // The subcommand path: JSON a script can read.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccci-triage"))
        .args(["probe", "stack", zz.as_str(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["stack"], zz.as_str());
    assert_eq!(json["converged"], true);

    // An update that completes shows as `completed` to a new prober (a
    // prober keeps its first answers, so one report shows one state).
    ok(&[
        "service",
        "update",
        "--force",
        "--detach=false",
        "--quiet",
        "--update-monitor",
        "1s",
        &format!("{aa}_app"),
    ]);
    let mut fresh = Prober::live(TIMEOUT).unwrap();
    let st = fresh.stack(&aa).unwrap();
    let app = st
        .services
        .iter()
        .find(|s| s.name == format!("{aa}_app"))
        .unwrap();
    assert_eq!(app.update_status.as_deref(), Some("completed"));
    assert!(st.converged, "{}", render::stack(&st, Style::plain(100)));
    // The cached prober still tells the state it first saw.
    assert_eq!(p.stack(&aa).unwrap().services[0].update_status, None);

    // A service whose task exits 3: not converged, with the task's error.
    let ff = swarm.deploy_failing("ff");
    let deadline = Instant::now() + Duration::from_secs(60);
    let failing = loop {
        let report = Prober::live(TIMEOUT).unwrap().stack(&ff).unwrap();
        if !report.services[0].task_errors.is_empty() {
            break report;
        }
        assert!(Instant::now() < deadline, "no task error in 60 s");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(!failing.converged);
    let bad = &failing.services[0];
    assert!(!bad.converged && bad.reason.is_some());
    assert!(
        bad.task_errors[0].error.contains("non-zero exit (3)"),
        "{}",
        render::stack(&failing, Style::plain(100))
    );
    assert!(failing.evidence().len() >= 2);
    fits_100_columns(&render::stack(&failing, Style::plain(100)));
    eprintln!("probes done in {:?}", started.elapsed());
}

#[test]
fn an_unreachable_engine_is_a_usage_error_saying_what_to_check() {
    let e = match Prober::live_at("unix:///nonexistent.sock", Duration::from_secs(2)) {
        Ok(_) => panic!("a missing socket connected"),
        Err(e) => e,
    };
    assert_eq!(e.kind, Kind::Usage);
    assert!(e.message.contains("unix:///nonexistent.sock"), "{e}");
    assert!(
        e.hint.as_deref().unwrap_or("").contains("DOCKER_HOST"),
        "{e}"
    );
}

/// Run by [`docker_host_from_the_environment_is_honoured`] in a child
/// process whose DOCKER_HOST points nowhere (setting the variable here
/// would race with the other tests).
#[test]
#[ignore = "run as a child of docker_host_from_the_environment_is_honoured"]
fn live_from_environment_child() {
    let e = match Prober::live(Duration::from_secs(2)) {
        Ok(_) => panic!("a missing socket connected"),
        Err(e) => e,
    };
    assert_eq!(e.kind, Kind::Usage);
    assert!(e.message.contains("unix:///nonexistent.sock"), "{e}");
}

#[test]
fn docker_host_from_the_environment_is_honoured() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "live_from_environment_child", "--ignored"])
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
fn compose_rejects_an_undefined_dependency_that_stack_deploy_accepts() {
    if Command::new("docker").arg("--version").output().is_err() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "CI=true and no docker CLI");
        eprintln!("skipping: no docker CLI");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yml"),
        "version: \"3.8\"\nservices:\n  app:\n    image: nginx:${NGINX_VERSION}\n  sidekiq:\n    image: nginx\n    depends_on:\n      - discourse\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.smtp.yml"),
        "version: \"3.8\"\nservices:\n  app:\n    environment:\n      - SMTP=on\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env.sample"),
        "NGINX_VERSION=1.27\nCOMPOSE_FILE=\"compose.yml:compose.smtp.yml\"\n#COMPOSE_FILE=\"compose.yml\"\n",
    )
    .unwrap();
    let r = ccci_triage::sources::docker::compose(dir.path(), TIMEOUT).unwrap();
    assert_eq!(r.files, vec!["compose.yml", "compose.smtp.yml"]);
    assert_eq!(r.files_from, ".env.sample COMPOSE_FILE");
    let (compose, stack) = (&r.tools[0], &r.tools[1]);
    if stack.available {
        assert!(stack.accepted, "{}", render::compose(&r, Style::plain(100)));
        assert!(stack.command.contains("-c compose.yml -c compose.smtp.yml"));
    }
    if compose.available {
        assert!(
            !compose.accepted,
            "{}",
            render::compose(&r, Style::plain(100))
        );
        assert!(compose.stderr.contains("discourse"), "{}", compose.stderr);
    }
    if compose.available {
        assert!(
            r.evidence()[0].text.contains("discourse"),
            "{:?}",
            r.evidence()
        );
    }
    assert_eq!(
        r.compose_rejects_stack_accepts,
        compose.available && stack.available
    );
    fits_100_columns(&render::compose(&r, Style::plain(100)));
}
