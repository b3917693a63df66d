//! What several end-to-end test binaries share: the testdata directory and
//! the testdata host with real git checkouts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// The testdata host with real git checkouts (`testdata/make-git-runs.sh`
/// into a temporary directory), built once per test binary: `runs/`,
/// `real/`, `general/` and the rest of testdata/ beside them.
pub fn git_host() -> &'static Path {
    static HOST: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = HOST.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("host");
        let status = Command::new("bash")
            .arg(testdata().join("make-git-runs.sh"))
            .arg(&host)
            .status()
            .expect("bash runs");
        assert!(status.success(), "make-git-runs.sh failed");
        (dir, host)
    });
    path
}
