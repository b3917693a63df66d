//! Reading input files safely: only regular files, never more than a cap
//! suited to the file's kind, never blocking.
//!
//! Every input is someone else's file. A FIFO named `results.json` would
//! block a plain `read` forever, a symlink to `/dev/zero` would fill
//! memory, and a 24 GB "rules file" would take the machine with it. So
//! every read in ccci-triage goes through here: the target (symlinks
//! resolved) must be a regular file, it is opened without blocking, and it
//! is read up to its cap and no further. Consoles are not read whole at
//! all: they are streamed through [`open`].

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Caps per kind of input. Real files are far below them; a file over its
/// cap is refused (or, for a console, streamed and never held).
pub mod cap {
    /// results.json: a few KiB in practice.
    pub const RESULTS: u64 = 16 << 20;
    /// One JUnit file: pytest writes a few MiB at most.
    pub const JUNIT: u64 = 64 << 20;
    /// A compose file or a config file of a recipe.
    pub const RECIPE_FILE: u64 = 1 << 20;
    /// A rules file.
    pub const RULES: u64 = 4 << 20;
    /// canonical.json.
    pub const CANONICAL: u64 = 1 << 20;
    /// A recorded probe (`--probe-replay`).
    pub const PROBE_REPLAY: u64 = 64 << 20;
    /// A token file (`--token-file`).
    pub const TOKEN: u64 = 64 << 10;
    /// A cc-ci test module (`--ccci`).
    pub const TEST_MODULE: u64 = 4 << 20;
}

/// Why an input was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file (a directory, a FIFO, a device, a socket).
    NotRegular(&'static str),
    /// Larger than the cap for its kind.
    TooLarge {
        size: u64,
        cap: u64,
    },
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(f, "is {what}, not a regular file; not read"),
            ReadError::TooLarge { size, cap } => write!(
                f,
                "is {}, over the {} this kind of file may be; not read",
                human_size(*size),
                human_size(*cap)
            ),
            ReadError::Io(e) => f.write_str(&io_problem(e)),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A size in MiB, or in KiB under one MiB (a 300 KiB file over a 256 KiB
/// cap must not read "0 MiB, over the 1 MiB").
fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// What an I/O error means, in a few words.
pub fn io_problem(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What a file that is not regular is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Opens a regular file for reading, symlinks resolved. Opening is
/// non-blocking (a FIFO swapped in after the check cannot hang the open),
/// and the opened file is checked again, so what is read is what was
/// checked. Returns the file and its size.
pub fn open(path: &Path) -> Result<(File, u64), ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_o_nonblock())
        .open(path)
        .map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    Ok((file, meta.len()))
}

/// `O_NONBLOCK` on Linux (and the BSDs' value differs, but this tool runs
/// on the Swarm node's Linux). Kept here so no crate is needed for one
/// constant.
const fn libc_o_nonblock() -> i32 {
    0o4000
}

/// Reads a whole regular file of at most `cap` bytes.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open(path)?;
    if size > cap {
        return Err(ReadError::TooLarge { size, cap });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // A file that grows while read is still cut at the cap.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

/// [`read`], decoded lossily: invalid UTF-8 becomes U+FFFD, and the
/// second value says whether that happened.
pub fn read_text(path: &Path, cap: u64) -> Result<(String, bool), ReadError> {
    let bytes = read(path, cap)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, false)),
        Err(e) => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
    }
}

/// Fills `buf` from `r` until it is full or the input ends.
pub fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `path` absolute and canonical as far as it exists: the existing
/// ancestor is canonicalised (symlinks resolved) and the missing rest
/// appended. A path that is itself a symlink resolves to its target.
pub fn resolve(path: &Path) -> PathBuf {
    let mut abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // A dangling symlink (its target not made yet) is followed by hand: a
    // write through it would create the target.
    for _ in 0..40 {
        match std::fs::read_link(&abs) {
            Ok(target) if abs.canonicalize().is_err() => {
                abs = match abs.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => break,
        }
    }
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("results.json");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let err = read(&fifo, cap::RESULTS).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
        let err = read(Path::new("/dev/zero"), cap::RESULTS).unwrap_err();
        assert!(err.to_string().contains("a device"), "{err}");
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read(&link, cap::RESULTS).is_err());
        let err = read(dir.path(), cap::RESULTS).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
    }

    #[test]
    fn a_file_over_its_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert!(matches!(
            read(&p, 1024),
            Err(ReadError::TooLarge { size: 2048, .. })
        ));
        assert_eq!(read(&p, 4096).unwrap().len(), 2048);
        let err = read(&p, 1024).unwrap_err().to_string();
        assert!(err.contains("is 2 KiB, over the 1 KiB"), "{err}");
    }

    #[test]
    fn invalid_utf8_is_read_lossily_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("compose.yml");
        std::fs::write(&p, b"image: caf\xe9\n").unwrap();
        let (text, lossy) = read_text(&p, 1024).unwrap();
        assert!(lossy);
        assert!(text.contains('\u{fffd}'));
    }
}
