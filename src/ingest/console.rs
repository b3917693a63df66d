//! Reading a console, wherever it came from, in bounded memory.
//!
//! A console is a run's output as someone saved it: an operator's tee
//! (`/tmp/redfix-discourse.log`), `<run_id>.console.log` beside the run
//! directory, journald's export, or a Drone step log saved as the JSON its
//! log API returns (`[{"pos", "out", "time"}]`). None of them has a
//! grammar (cc-ci-runs.md §4), so the reader keeps no events: it scans
//! every line with the rules and keeps what they recognise, the first and
//! last time a line prefix gives, and the last recognised line (what a run
//! that died was doing).
//!
//! Memory stays flat however large the file: it is read in chunks of
//! [`CHUNK`] bytes cut at line ends; a line longer than [`MAX_LINE`] is cut
//! there, its rest skipped, and the cut counted ([`Console::long_lines`]);
//! each rule keeps at most its cap of signals ([`Caps`]). The file must be
//! a regular file ([`crate::fsx::open`]): a FIFO or a device is refused
//! before anything is read.

use std::io::Read;
use std::path::Path;

use jiff::Timestamp;

use crate::fsx::{self, ReadError};
use crate::model::{Console, Signal};
use crate::rules::{Caps, LineIndex, RuleSet, Scope, clip_lossy};

/// How much of a console is held at once.
pub const CHUNK: usize = 4 << 20;

/// The longest line scanned whole; the rest of a longer one is skipped.
pub const MAX_LINE: usize = 1 << 20;

/// How many lines back from a chunk's end the reader looks for the last
/// recognised line.
const TAIL_LINES: usize = 200;

/// What one scan of a console found.
#[derive(Clone, Debug, Default)]
pub struct ConsoleScan {
    pub console: Console,
    pub signals: Vec<Signal>,
    /// The log's times are relative (Drone's seconds into the step): the
    /// console lasted this many seconds, and its clock is unknown.
    pub relative_seconds: Option<f64>,
}

/// What to keep.
#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Signals kept per rule.
    pub per_rule: usize,
    /// Also scan the identity rules (run id, recipe, domain, version), to
    /// match the console to its run.
    pub identity: bool,
    /// The run's end, when its results.json gives it: the year of a
    /// yearless time (journald's `short` prefix) is taken from it, else
    /// from the file's mtime, which a copy of the root may have reset.
    pub year_from: Option<Timestamp>,
}

/// Reads and scans a console file: a plain log of any prefix, or a Drone
/// JSON step log.
pub fn scan_file(
    path: &Path,
    rules: &RuleSet,
    opts: ScanOptions,
) -> Result<ConsoleScan, ReadError> {
    let (mut file, _) = fsx::open(path)?;
    let year = opts
        .year_from
        .or_else(|| {
            file.metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| Timestamp::try_from(t).ok())
        })
        .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).year())
        .unwrap_or_else(|| {
            Timestamp::now()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .year()
        });
    let mut scanner = Scanner::new(path, rules, opts, year);
    let mut head = vec![0u8; 64];
    let n = fsx::read_full(&mut file, &mut head).map_err(ReadError::Io)?;
    head.truncate(n);
    if is_drone_json(&head) {
        let reader = std::io::Cursor::new(head).chain(file);
        super::drone::feed(reader, &mut scanner).map_err(ReadError::Io)?;
    } else {
        // The read buffer is sized to the file (a small console does not
        // cost a zeroed chunk); a file that grows is still read whole.
        let size = file.metadata().map_or(CHUNK as u64, |m| m.len());
        feed_plain(
            std::io::Cursor::new(head).chain(file),
            size.saturating_add(1),
            &mut scanner,
        )
        .map_err(ReadError::Io)?;
    }
    Ok(scanner.finish())
}

/// A Drone step log saved as JSON starts `[` `{`.
fn is_drone_json(head: &[u8]) -> bool {
    let mut it = head.iter().filter(|b| !b.is_ascii_whitespace());
    it.next() == Some(&b'[') && it.next() == Some(&b'{')
}

/// Feeds a plain text stream to the scanner in chunks cut at line ends,
/// cutting lines longer than [`MAX_LINE`]. `size_hint`: about how many
/// bytes the stream holds (a read asks for no more than that, nor than a
/// chunk).
///
/// The stream is read straight into one buffer, which the chunks are
/// scanned in place from; only a chunk's partial last line is moved. The
/// buffer is the thread's, kept from one console to the next: it grows to
/// the largest a console needed (at most a chunk and a line), and a new
/// console costs neither an allocation nor freshly zeroed pages.
pub fn feed_plain(
    mut r: impl Read,
    size_hint: u64,
    scanner: &mut Scanner<'_>,
) -> std::io::Result<()> {
    thread_local! {
        static BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let block_len = usize::try_from(size_hint)
        .unwrap_or(CHUNK)
        .clamp(4096, CHUNK);
    // Taken, not borrowed: a nested read (none today) gets its own.
    let mut buf = BUF.take();
    let res = feed_into(&mut r, block_len, &mut buf, scanner);
    BUF.set(buf);
    res
}

/// [`feed_plain`]'s loop over `buf`; `buf[..filled]` is the unscanned
/// rest, a partial line of at most [`MAX_LINE`] bytes between reads.
fn feed_into(
    r: &mut impl Read,
    block_len: usize,
    buf: &mut Vec<u8>,
    scanner: &mut Scanner<'_>,
) -> std::io::Result<()> {
    let mut filled = 0;
    let mut skipping = false;
    loop {
        if buf.len() < filled + block_len {
            buf.resize(filled + block_len, 0);
        }
        let n = fsx::read_full(r, &mut buf[filled..filled + block_len])?;
        let before = filled;
        filled += n;
        if skipping {
            // The rest of a cut line, up to its newline, is not scanned.
            match memchr::memchr(b'\n', &buf[before..filled]) {
                Some(i) => {
                    skipping = false;
                    buf.copy_within(before + i + 1..filled, before);
                    filled -= i + 1;
                }
                None => filled = before,
            }
        }
        if n == 0 {
            if filled > 0 {
                feed_cut(&buf[..filled], scanner);
            }
            return Ok(());
        }
        if let Some(i) = memchr::memrchr(b'\n', &buf[..filled]) {
            feed_cut(&buf[..=i], scanner);
            buf.copy_within(i + 1..filled, 0);
            filled -= i + 1;
        }
        if filled > MAX_LINE {
            // One line longer than the cap (or a partial last line already
            // over it): scan its head, skip the rest up to the next newline.
            buf[MAX_LINE] = b'\n';
            scanner.feed(&buf[..=MAX_LINE]);
            scanner.long_line();
            filled = 0;
            skipping = true;
        }
    }
}

/// Feeds `chunk` with its long lines cut.
fn feed_cut(chunk: &[u8], scanner: &mut Scanner<'_>) {
    let (chunk, cut) = cut_long_lines(chunk);
    scanner.feed(&chunk);
    for _ in 0..cut {
        scanner.long_line();
    }
}

/// Whether a line of `chunk` (its last one may lack a newline) is longer
/// than [`MAX_LINE`]: a jump of a line's length at a time, looking back
/// from the farthest a line may end for its newline.
fn has_long_line(chunk: &[u8]) -> bool {
    let mut start = 0;
    while chunk.len() - start > MAX_LINE {
        match memchr::memrchr(b'\n', &chunk[start..=start + MAX_LINE]) {
            Some(i) => start += i + 1,
            None => return true,
        }
    }
    false
}

/// Cuts every line of `chunk` longer than [`MAX_LINE`] there; answers the
/// chunk (borrowed when nothing was cut) and how many lines were cut.
fn cut_long_lines(chunk: &[u8]) -> (std::borrow::Cow<'_, [u8]>, u32) {
    if !has_long_line(chunk) {
        return (std::borrow::Cow::Borrowed(chunk), 0);
    }
    let mut out = Vec::with_capacity(chunk.len().min(CHUNK + MAX_LINE));
    let mut cut = 0;
    for line in chunk.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if body.len() > MAX_LINE {
            out.extend_from_slice(&body[..MAX_LINE]);
            out.push(b'\n');
            cut += 1;
        } else {
            out.extend_from_slice(line);
        }
    }
    (std::borrow::Cow::Owned(out), cut)
}

/// Scans whole lines as they come and keeps what the console needs.
pub struct Scanner<'r> {
    rules: &'r RuleSet,
    path: std::path::PathBuf,
    opts: ScanOptions,
    year: i16,
    caps: Caps,
    next_line: u32,
    out: ConsoleScan,
    first_rel: Option<f64>,
    last_rel: Option<f64>,
}

impl<'r> Scanner<'r> {
    pub fn new(path: &Path, rules: &'r RuleSet, opts: ScanOptions, year: i16) -> Scanner<'r> {
        Scanner {
            rules,
            path: path.to_path_buf(),
            opts,
            year,
            caps: Caps::new(opts.per_rule),
            next_line: 1,
            out: ConsoleScan {
                console: Console {
                    path: path.to_path_buf(),
                    ..Console::default()
                },
                ..ConsoleScan::default()
            },
            first_rel: None,
            last_rel: None,
        }
    }

    /// Scans complete lines (the last may lack its newline at the end of
    /// the input).
    pub fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let first = self.next_line;
        let mut scopes = vec![Scope::Console];
        if self.opts.identity {
            scopes.push(Scope::Identity);
        }
        // The scan counts the chunk's lines as it goes: only the head and
        // the tail are read line by line, none is indexed.
        let mut count = 0;
        for scope in scopes {
            let (found, lines) =
                self.rules
                    .scan_counted(scope, chunk, &self.path, first, &mut self.caps, self.year);
            self.out.signals.extend(found);
            count = lines;
        }
        if self.out.console.first.is_none() {
            let end = memchr::memchr_iter(b'\n', chunk)
                .nth(TAIL_LINES - 1)
                .map_or(chunk.len(), |i| i + 1);
            let head = &chunk[..end];
            let lines = LineIndex::new(head);
            for n in 0..lines.count(head) {
                let p = self.rules.prefix(lines.line(head, n), self.year);
                if p.time.is_some() && !p.relative {
                    self.out.console.first = p.time;
                    break;
                }
            }
        }
        let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        let start = memchr::memrchr_iter(b'\n', body)
            .nth(TAIL_LINES - 1)
            .map_or(0, |i| i + 1);
        let tail = &chunk[start..];
        let lines = LineIndex::new(tail);
        let in_tail = lines.count(tail);
        for n in (0..in_tail).rev() {
            let p = self.rules.prefix(lines.line(tail, n), self.year);
            if p.time.is_some() && !p.relative {
                self.out.console.last = p.time;
                break;
            }
        }
        for n in (0..in_tail).rev() {
            let line = lines.line(tail, n);
            if self.rules.recognises(Scope::Console, line) {
                let p = self.rules.prefix(line, self.year);
                let text = clip_lossy(&line[p.payload.min(line.len())..], 400);
                let at = count - in_tail + n;
                self.out.console.last_recognised =
                    Some((first + at as u32, text.trim().to_string()));
                break;
            }
        }
        self.next_line = first + count as u32;
    }

    /// A relative time (seconds into a Drone step) seen on some line.
    pub fn relative_time(&mut self, secs: f64) {
        if self.first_rel.is_none() {
            self.first_rel = Some(secs);
        }
        self.last_rel = Some(secs);
    }

    fn long_line(&mut self) {
        self.out.console.long_lines += 1;
    }

    pub fn finish(mut self) -> ConsoleScan {
        self.out.console.lines = self.next_line - 1;
        if let (Some(a), Some(b)) = (self.first_rel, self.last_rel) {
            self.out.relative_seconds = Some((b - a).max(0.0));
        }
        // Signals of several scopes and chunks, in line order.
        self.out.signals.sort_by(|a, b| {
            a.loc
                .line
                .cmp(&b.loc.line)
                .then_with(|| a.rule.cmp(&b.rule))
        });
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ScanOptions {
        ScanOptions {
            per_rule: 64,
            identity: true,
            year_from: None,
        }
    }

    #[test]
    fn a_plain_console_with_no_prefix_is_read_by_its_payload() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("redfix-discourse.log");
        std::fs::write(
            &p,
            "RECIPE=discourse CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py\n\
             head_ref=09bf4d54 chaos-version=09bf4d54+U version=0.8.0+3.4.4→0.8.1+3.5.0\n\
             deploy-count 2!=1\n",
        )
        .unwrap();
        let scan = scan_file(&p, &RuleSet::builtin(), opts()).unwrap();
        assert_eq!(scan.console.lines, 3);
        assert!(scan.console.first.is_none());
        let rules: Vec<&str> = scan.signals.iter().map(|s| s.rule.as_str()).collect();
        assert!(rules.contains(&"identity.recipe"), "{rules:?}");
        assert!(rules.contains(&"upgrade.identity"), "{rules:?}");
        assert!(rules.contains(&"harness.deploy-count-guard"), "{rules:?}");
        assert_eq!(
            scan.console.last_recognised,
            Some((3, "deploy-count 2!=1".to_string()))
        );
    }

    #[test]
    fn a_console_read_in_chunks_keeps_line_numbers_and_its_time_edges() {
        let rules = RuleSet::builtin();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.console.log");
        let mut text = String::from("2026-06-14T03:00:00+0000 cc-ci python3[1]: start\n");
        let filler = "2026-06-14T03:00:01+0000 cc-ci python3[1]: polling UpdateStatus=updating (tasks 0/1) ....\n";
        while text.len() < CHUNK * 2 + 1000 {
            text.push_str(filler);
        }
        let lines_before = text.lines().count() as u32;
        text.push_str("2026-06-14T03:30:00+0000 cc-ci python3[1]: FATA deploy timed out\n");
        text.push_str("2026-06-14T03:31:00+0000 cc-ci python3[1]: bye");
        std::fs::write(&path, &text).unwrap();
        let scan = scan_file(&path, &rules, opts()).unwrap();
        assert_eq!(scan.console.lines, lines_before + 2);
        assert_eq!(
            scan.console.first.unwrap().to_string(),
            "2026-06-14T03:00:00Z"
        );
        assert_eq!(
            scan.console.last.unwrap().to_string(),
            "2026-06-14T03:31:00Z"
        );
        let timeout = scan
            .signals
            .iter()
            .find(|s| s.rule == "deploy.timeout")
            .unwrap();
        assert_eq!(timeout.loc.line, Some(lines_before + 1));
        assert_eq!(timeout.message(), "FATA deploy timed out");
    }

    #[test]
    fn a_long_line_is_found_by_the_lengths_of_lines_alone() {
        let naive = |c: &[u8]| c.split(|&b| b == b'\n').any(|l| l.len() > MAX_LINE);
        let cases: [&[usize]; 8] = [
            &[0],
            &[MAX_LINE],
            &[MAX_LINE + 1],
            &[5, MAX_LINE, 3],
            &[MAX_LINE - 1, MAX_LINE + 1],
            &[MAX_LINE, MAX_LINE, MAX_LINE],
            &[1, 2, 3, MAX_LINE * 2 + 5, 1],
            &[MAX_LINE / 2, MAX_LINE / 2, MAX_LINE / 2],
        ];
        for lens in cases {
            for end in [&b""[..], b"\n"] {
                let mut text: Vec<u8> = lens
                    .iter()
                    .map(|&n| vec![b'x'; n])
                    .collect::<Vec<_>>()
                    .join(&b'\n');
                text.extend_from_slice(end);
                assert_eq!(has_long_line(&text), naive(&text), "{lens:?} {end:?}");
            }
        }
    }

    /// A reader that gives a few bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 5 + 1;
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_same_console_read_whole_or_a_few_bytes_at_a_time() {
        let rules = RuleSet::builtin();
        let mut text = Vec::new();
        for i in 0..3000 {
            text.extend_from_slice(format!("line {i} of noise\n").as_bytes());
            if i % 700 == 0 {
                text.extend_from_slice(b"no space left on device\n");
                text.extend(std::iter::repeat_n(b'y', MAX_LINE + 3));
                text.push(b'\n');
            }
        }
        text.extend_from_slice(b"FATA deploy timed out");
        let scan = |r: &mut dyn Read, hint: u64| {
            let mut s = Scanner::new(Path::new("c.log"), &rules, opts(), 2026);
            feed_plain(r, hint, &mut s).unwrap();
            let out = s.finish();
            let at: Vec<(String, Option<u32>)> = out
                .signals
                .iter()
                .map(|s| (s.rule.clone(), s.loc.line))
                .collect();
            (out.console.lines, out.console.long_lines, at)
        };
        let whole = scan(&mut &text[..], text.len() as u64 + 1);
        assert_eq!(whole.1, 5);
        assert_eq!(whole.2.len(), 7, "{:?}", whole.2);
        assert_eq!(whole, scan(&mut Trickle(&text, 0), 0));
        assert_eq!(whole, scan(&mut &text[..], CHUNK as u64));
    }

    #[test]
    fn a_line_longer_than_the_cap_is_cut_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.log");
        let mut text = vec![b'x'; MAX_LINE * 3];
        text.extend_from_slice(b"\nno space left on device\n");
        std::fs::write(&path, &text).unwrap();
        let scan = scan_file(&path, &RuleSet::builtin(), opts()).unwrap();
        assert_eq!(scan.console.long_lines, 1);
        let disk = scan
            .signals
            .iter()
            .find(|s| s.rule == "harness.disk-full")
            .unwrap();
        assert_eq!(disk.loc.line, Some(2));
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.console.log");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = scan_file(&fifo, &RuleSet::builtin(), opts()).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }
}
