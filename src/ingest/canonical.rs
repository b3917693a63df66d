//! Warm canonicals: `/var/lib/ci-warm/<recipe>/canonical.json`, the last
//! known-good version of each warm recipe (cc-ci-runs.md §6).
//!
//! Written only after a green cold run on the latest tag, so a canonical
//! written at a version after a red run at that version says the red was
//! not deterministic. The directory also holds `last_good` and `snapshot/`:
//! they are not read and not warned about.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;

use crate::fsx;
use crate::model::{Canonical, Warnings};

/// Reads `<dir>/<recipe>/canonical.json` for every recipe under `dir`. A
/// missing directory gives none (the caller says a check was skipped); a
/// broken or irregular file is a warning.
pub fn read_dir(dir: &Path, warnings: &mut Warnings) -> BTreeMap<String, Canonical> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path().join("canonical.json"))
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
    paths.sort();
    for path in paths {
        match read(&path) {
            Ok(c) => {
                out.insert(c.recipe.clone(), c);
            }
            Err(e) => warnings.push(path.display(), e),
        }
    }
    out
}

fn read(path: &Path) -> Result<Canonical, String> {
    let bytes = fsx::read(path, fsx::cap::CANONICAL).map_err(|e| e.to_string())?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let recipe = s("recipe")
        .or_else(|| {
            path.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .ok_or("no recipe")?;
    let version = s("version").ok_or("no `version` key")?;
    Ok(Canonical {
        path: path.to_path_buf(),
        recipe,
        version,
        domain: s("domain"),
        commit: s("commit"),
        status: s("status"),
        written: s("ts").as_deref().and_then(compact_time),
    })
}

/// `20260617T180501Z` (the canonical's `ts`) → timestamp.
fn compact_time(s: &str) -> Option<Timestamp> {
    jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", s)
        .ok()?
        .to_datetime()
        .ok()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
        .or_else(|| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_canonical_times_parse() {
        let t = compact_time("20260617T180501Z").unwrap();
        assert_eq!(t.to_string(), "2026-06-17T18:05:01Z");
    }

    #[test]
    fn a_canonical_with_domain_last_good_and_snapshot_reads_without_warning() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("mumble");
        std::fs::create_dir_all(m.join("snapshot")).unwrap();
        std::fs::write(m.join("last_good"), "1.0.0+v1.6.870-0\n").unwrap();
        std::fs::write(
            m.join("canonical.json"),
            r#"{"recipe": "mumble", "domain": "warm-mumble.ci.commoninternet.net", "version": "1.0.0+v1.6.870-0", "commit": "abc", "status": "idle", "ts": "20260617T180501Z"}"#,
        )
        .unwrap();
        let mut w = Warnings::new();
        let c = read_dir(dir.path(), &mut w);
        assert!(w.is_empty(), "{w:?}");
        let m = &c["mumble"];
        assert_eq!(
            m.domain.as_deref(),
            Some("warm-mumble.ci.commoninternet.net")
        );
        assert_eq!(m.written.unwrap().to_string(), "2026-06-17T18:05:01Z");
    }

    #[test]
    fn a_fifo_canonical_is_a_warning_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("x");
        std::fs::create_dir(&m).unwrap();
        assert!(
            std::process::Command::new("mkfifo")
                .arg(m.join("canonical.json"))
                .status()
                .unwrap()
                .success()
        );
        let mut w = Warnings::new();
        assert!(read_dir(dir.path(), &mut w).is_empty());
        assert!(w.as_slice()[0].problem.contains("FIFO"), "{w:?}");
    }
}
