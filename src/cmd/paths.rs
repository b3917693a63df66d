//! The defaults the interface promises (the runs root from
//! `$CCCI_RUNS_DIR`, recipes from `$ABRA_DIR/recipes`), the rule that the
//! tool never writes under a runs root, and `--since`.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::error::{Error, Result};

/// The runs root when no PATH is given and `$CCCI_RUNS_DIR` is not set.
pub const DEFAULT_RUNS_ROOT: &str = "/var/lib/cc-ci-runs";

/// The canonicals when `--canonicals` is not given.
pub const DEFAULT_CANONICALS: &str = "/var/lib/ci-warm";

/// `$CCCI_RUNS_DIR`, else the default.
pub fn env_root() -> PathBuf {
    std::env::var_os("CCCI_RUNS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_RUNS_ROOT))
}

/// The hint for a default runs root that cannot be used: where it came
/// from, and how to name another.
pub fn default_root_hint() -> String {
    match std::env::var_os("CCCI_RUNS_DIR").filter(|v| !v.is_empty()) {
        Some(v) => format!(
            "no PATH was given, so the runs root is $CCCI_RUNS_DIR ({}); fix it, or pass the \
             runs root as PATH",
            v.to_string_lossy()
        ),
        None => format!(
            "no PATH was given and CCCI_RUNS_DIR is not set, so the runs root is \
             {DEFAULT_RUNS_ROOT}; set CCCI_RUNS_DIR or pass the runs root as PATH \
             (`ccci-triage /srv/cc-ci-runs`)"
        ),
    }
}

/// The PATHs, or the default runs root.
pub fn input_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![env_root()]
    } else {
        paths.to_vec()
    }
}

/// `--recipes`, else `$ABRA_DIR/recipes`, else `~/.abra/recipes`.
pub fn recipes_dir(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(f) = flag {
        return Some(f.to_path_buf());
    }
    if let Some(abra) = std::env::var_os("ABRA_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(abra).join("recipes"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".abra").join("recipes"))
}

pub use crate::fsx::resolve;

/// Every runs root in play: those of the inputs, `$CCCI_RUNS_DIR`, and the
/// default, resolved.
pub fn all_roots(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = inputs.iter().map(|p| resolve(p)).collect();
    out.push(resolve(&env_root()));
    out.push(resolve(Path::new(DEFAULT_RUNS_ROOT)));
    out.sort();
    out.dedup();
    out
}

/// Refuses an output path (`flag`) that resolves, symlinks included, under
/// any of `roots`: the tool never writes under a runs root.
pub fn refuse_under_roots(out: &Path, roots: &[PathBuf], flag: &str) -> Result<()> {
    let resolved = resolve(out);
    for root in roots {
        if resolved.starts_with(root) {
            return Err(Error::usage(format!(
                "{flag} {}: resolves to {}, under the runs root {}; ccci-triage never writes under a runs root",
                out.display(),
                resolved.display(),
                root.display()
            ))
            .with_hint("write it somewhere else, e.g. /tmp or your home directory"));
        }
    }
    Ok(())
}

/// `--since`: an RFC 3339 time, a date, or a span back from now (`7d`,
/// `12h`, `30m`, `2w`).
pub fn parse_since(s: &str) -> Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp());
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let secs = match (num.parse::<i64>(), unit) {
        (Ok(n), "d") => n * 86_400,
        (Ok(n), "h") => n * 3_600,
        (Ok(n), "m") => n * 60,
        (Ok(n), "w") => n * 7 * 86_400,
        _ => {
            return Err(Error::usage(format!("--since {s}: not a time")).with_hint(
                "use an RFC 3339 time (2026-06-14T03:00:00Z), a date (2026-06-14) or a span (7d, 12h)",
            ));
        }
    };
    Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_secs(secs))
        .map_err(|e| Error::usage(format!("--since {s}: {e}")))
}

/// Up to five of `known` close to `wanted`: containing it, or a few edits
/// away.
pub fn close_names(wanted: &str, known: &[String]) -> Vec<String> {
    crate::sources::docker::close_names(wanted, known)
}

/// The usage error of a `--recipe` no run has: `message`, and as the
/// hint the close names, else the first dozen of `known` (sorted, each
/// once) after `listed`.
pub fn unknown_recipe(message: String, wanted: &str, known: &[String], listed: &str) -> Error {
    let close = close_names(wanted, known);
    let hint = if close.is_empty() {
        format!(
            "{listed}: {}",
            known
                .iter()
                .take(12)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!("close names: {}", close.join(", "))
    };
    Error::usage(message).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_times_dates_and_spans() {
        assert_eq!(
            parse_since("2026-06-14T03:00:00Z").unwrap().to_string(),
            "2026-06-14T03:00:00Z"
        );
        assert_eq!(
            parse_since("2026-06-14").unwrap().to_string(),
            "2026-06-14T00:00:00Z"
        );
        assert!(parse_since("7d").unwrap() < Timestamp::now());
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn an_output_through_a_symlink_into_a_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("runs");
        std::fs::create_dir_all(root.join("753")).unwrap();
        let roots = vec![resolve(&root)];
        let link = dir.path().join("journal.md");
        std::os::unix::fs::symlink(root.join("753/journal.md"), &link).unwrap();
        let err = refuse_under_roots(&link, &roots, "--append").unwrap_err();
        assert!(
            err.message.contains("never writes under a runs root"),
            "{}",
            err.message
        );
        let dir_link = dir.path().join("out");
        std::os::unix::fs::symlink(root.join("753"), &dir_link).unwrap();
        assert!(refuse_under_roots(&dir_link.join("x.json"), &roots, "--probe-record").is_err());
        assert!(refuse_under_roots(&dir.path().join("elsewhere.md"), &roots, "--append").is_ok());
    }
}
