//! `probe compose`: what the Compose tool rejects and what `docker stack
//! deploy` accepts, for the same recipe files.
//!
//! cc-ci's pre-pull runs `docker compose config --images`, which validates
//! the whole Compose project (a `depends_on` naming an undefined service
//! fails), while `abra app deploy` is `docker stack deploy`, which ignores
//! `depends_on`. A pre-pull error is therefore a red herring whenever the
//! stack loader accepts the files; this probe runs both loaders on the
//! recipe and reports each one's exit status and stderr, so a verdict can
//! say so with evidence instead of trusting the harness log.
//!
//! Both commands only read and print: `docker compose config` (or
//! `docker-compose config` where the plugin is missing) and `docker stack
//! config`. The files are the recipe's compose chain exactly as `check`
//! reads it ([`crate::evidence::recipe::compose_chain`]: `COMPOSE_FILE` in
//! the recipe's `.env.sample`, colon-separated, as abra chains overlays,
//! else `compose.yml`); the other `.env.sample` values are passed as environment
//! so both tools interpolate the same values. Each command runs under the
//! timeout and is killed past it.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Evidence;

/// What the two loaders said about a recipe's compose files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComposeReport {
    /// How to run the same checks by hand.
    pub command: String,
    /// The recipe directory.
    pub dir: String,
    /// The compose files, in chain order.
    pub files: Vec<String>,
    /// Where the file list came from: `.env.sample COMPOSE_FILE` or `default`.
    pub files_from: String,
    /// One entry per tool, the Compose tool first.
    pub tools: Vec<ToolRun>,
    /// The Compose tool failed and the stack loader succeeded: a Compose
    /// error here does not stop a deploy.
    pub compose_rejects_stack_accepts: bool,
    /// One sentence: what each tool said and what it means for a deploy.
    pub summary: String,
}

/// One loader's run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolRun {
    /// `docker compose config`, `docker-compose config` or `docker stack config`.
    pub tool: String,
    /// The full command line, run in the recipe directory.
    pub command: String,
    /// Whether the tool exists here; when not, nothing else is set.
    pub available: bool,
    /// The exit status; none when killed or timed out.
    pub exit_status: Option<i32>,
    /// Killed after the timeout.
    pub timed_out: bool,
    /// Its stderr, trailing whitespace trimmed.
    pub stderr: String,
    /// Exited 0.
    pub accepted: bool,
}

/// `KEY=VALUE` pairs of a dotenv file: comments and blank lines skipped,
/// `export ` dropped, one level of matching quotes removed.
pub fn parse_env(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let key = key.trim();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return None;
            }
            let mut value = value.trim();
            // An unquoted value ends at an inline comment.
            let quoted = value.len() >= 2
                && ((value.starts_with('"') && value.ends_with('"'))
                    || (value.starts_with('\'') && value.ends_with('\'')));
            if quoted {
                value = &value[1..value.len() - 1];
            } else if let Some((v, _)) = value.split_once(" #") {
                value = v.trim_end();
            }
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

/// Runs `program args` in `dir` with `env`, under `timeout`.
fn run(
    program: &str,
    args: &[String],
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> std::io::Result<(Option<i32>, bool, String)> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Drain both pipes on their own threads so a chatty child never blocks.
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut sink = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut sink);
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    });
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (status.code(), false);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = out_reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Ok((status, timed_out, stderr))
}

/// Whether `program args` runs and exits 0 (a tool is present).
fn works(program: &str, args: &[&str], timeout: Duration) -> bool {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    matches!(
        run(program, &args, Path::new("."), &[], timeout),
        Ok((Some(0), false, _))
    )
}

fn tool_run(
    tool: &str,
    program: &str,
    args: Vec<String>,
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<ToolRun> {
    let command = format!("{program} {}", args.join(" "));
    let (exit_status, timed_out, stderr) = run(program, &args, dir, env, timeout)
        .map_err(|e| Error::internal(format!("cannot run `{command}`: {e}")))?;
    Ok(ToolRun {
        tool: tool.to_string(),
        command,
        available: true,
        accepted: exit_status == Some(0),
        exit_status,
        timed_out,
        stderr: stderr.trim_end().to_string(),
    })
}

fn missing(tool: &str) -> ToolRun {
    ToolRun {
        tool: tool.to_string(),
        command: String::new(),
        available: false,
        exit_status: None,
        timed_out: false,
        stderr: String::new(),
        accepted: false,
    }
}

/// Runs both loaders on the recipe in `dir`.
pub fn compose(dir: &Path, timeout: Duration) -> Result<ComposeReport> {
    if !dir.is_dir() {
        return Err(Error::usage(format!(
            "{}: not a recipe directory",
            dir.display()
        )));
    }
    let sample = dir.join(".env.sample");
    // Regular files only, up to a recipe file's cap: a FIFO named
    // .env.sample must not block the probe.
    let env = match crate::fsx::read_text(&sample, crate::fsx::cap::RECIPE_FILE) {
        Ok((text, _)) => parse_env(&text),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => {
            return Err(Error::usage(format!("{}: {e}", sample.display())));
        }
    };
    // The chain as `check` reads it (one reader for both).
    let recipe = crate::evidence::recipe::RecipeFiles::from_dir(dir)
        .map_err(|e| Error::usage(format!("{}: cannot read: {e}", dir.display())))?;
    let chain = crate::evidence::recipe::compose_chain(&recipe);
    let (files, files_from) = (chain.files, chain.from);
    let absent: Vec<&String> = files.iter().filter(|f| !dir.join(f).is_file()).collect();
    if !absent.is_empty() {
        return Err(Error::usage(format!(
            "{}: no {} (from {files_from})",
            dir.display(),
            absent
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // The Compose file list is given with -f; a COMPOSE_FILE in the
    // environment would only repeat it.
    let env: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k != "COMPOSE_FILE")
        .collect();

    let mut compose_args: Vec<String> = Vec::new();
    for f in &files {
        compose_args.push("-f".into());
        compose_args.push(f.clone());
    }
    compose_args.push("config".into());
    let compose_run = if works("docker", &["compose", "version"], timeout) {
        let mut args = vec!["compose".to_string()];
        args.extend(compose_args);
        tool_run("docker compose config", "docker", args, dir, &env, timeout)?
    } else if works("docker-compose", &["version"], timeout) {
        tool_run(
            "docker-compose config",
            "docker-compose",
            compose_args,
            dir,
            &env,
            timeout,
        )?
    } else {
        missing("docker compose config")
    };
    let stack_run = if works("docker", &["stack", "config", "--help"], timeout) {
        let mut args = vec!["stack".to_string(), "config".to_string()];
        for f in &files {
            args.push("-c".into());
            args.push(f.clone());
        }
        tool_run("docker stack config", "docker", args, dir, &env, timeout)?
    } else {
        missing("docker stack config")
    };

    let red_herring =
        compose_run.available && !compose_run.accepted && stack_run.available && stack_run.accepted;
    let verdict = |t: &ToolRun| -> String {
        if !t.available {
            "is not installed".to_string()
        } else if t.timed_out {
            format!("did not finish within {} s", timeout.as_secs_f32())
        } else if t.accepted {
            "accepts the files".to_string()
        } else {
            format!(
                "rejects the files (exit {})",
                t.exit_status.map_or("?".to_string(), |c| c.to_string())
            )
        }
    };
    let mut summary = format!(
        "{} {}; {} {}",
        compose_run.tool,
        verdict(&compose_run),
        stack_run.tool,
        verdict(&stack_run)
    );
    if red_herring {
        summary
            .push_str(": the Compose error does not stop `docker stack deploy` (abra app deploy)");
    }
    let command = [&compose_run, &stack_run]
        .iter()
        .filter(|t| t.available)
        .map(|t| t.command.clone())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(ComposeReport {
        command: format!("cd {} && {command}", dir.display()),
        dir: dir.display().to_string(),
        files,
        files_from: files_from.to_string(),
        tools: vec![compose_run, stack_run],
        compose_rejects_stack_accepts: red_herring,
        summary,
    })
}

impl ComposeReport {
    /// The facts a verdict cites: each installed tool's exit status and
    /// the last line of its stderr.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.tools
            .iter()
            .filter(|t| t.available)
            .map(|t| {
                // Warnings come first; the error that decided the exit is last.
                let last = t
                    .stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                Evidence::new(
                    format!("probe: cd {} && {}", self.dir, t.command),
                    match (t.timed_out, t.exit_status) {
                        (true, _) => "timed out".to_string(),
                        (false, Some(0)) => "exit 0: accepted".to_string(),
                        (false, code) => format!(
                            "exit {}: {last}",
                            code.map_or("?".to_string(), |c| c.to_string())
                        ),
                    },
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_sample_values_lose_quotes_comments_and_export() {
        let text = "# a comment\nTYPE=discourse\nexport DOMAIN=x.example.com\n\
                    COMPOSE_FILE=\"compose.yml:compose.smtp.yml\"\n\
                    #COMPOSE_FILE=\"compose.yml:compose.ldap.yml\"\n\
                    LETS_ENCRYPT_ENV=production # or staging\nNOT A PAIR\n";
        let env = parse_env(text);
        assert_eq!(
            env,
            vec![
                ("TYPE".to_string(), "discourse".to_string()),
                ("DOMAIN".to_string(), "x.example.com".to_string()),
                (
                    "COMPOSE_FILE".to_string(),
                    "compose.yml:compose.smtp.yml".to_string()
                ),
                ("LETS_ENCRYPT_ENV".to_string(), "production".to_string()),
            ]
        );
    }

    #[test]
    fn a_missing_compose_file_is_a_usage_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env.sample"),
            "COMPOSE_FILE=compose.yml:extra.yml\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("compose.yml"), "services: {}\n").unwrap();
        let err = compose(dir.path(), Duration::from_secs(10)).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(err.message.contains("extra.yml"), "{}", err.message);
        assert!(!err.message.contains("compose.yml,"), "{}", err.message);
    }
}
