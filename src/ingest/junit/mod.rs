//! JUnit XML: pytest (xunit1 and xunit2), Maven Surefire, go-junit-report,
//! jest-junit and nextest (quick-junit), read into [`JunitFile`]s whose
//! [`TestCase`]s are already grouped: one per (classname, name).
//!
//! Why grouping happens here: a JUnit file records *attempts*, and the
//! question the rest of the pipeline asks is about *tests*. pytest writes a
//! second record when a test fails in call and errors in teardown;
//! pytest-rerunfailures leaves an empty record per rerun; Surefire and
//! nextest nest `<rerunFailure>`/`<flakyFailure>` inside one record. All of
//! that folds into one [`TestCase`]: red if any record failed (a
//! `<failure>` wins over an `<error>`), with `reruns` counting the retries
//! as a flakiness sign. A Surefire `<flakyFailure>` without a `<failure>`
//! is a test that passed on retry: green, with reruns.
//!
//! What it guarantees:
//! - [`parse`] never panics and always answers a [`JunitFile`]; a file
//!   that ends early (a killed run) or breaks keeps every test case read
//!   completely before that point, and says where it stopped in
//!   [`JunitFile::truncated`] (`truncated at byte 4096`, `malformed XML at
//!   byte 812: …`). Byte offsets are offsets in the file as stored.
//! - Invalid UTF-8 does not stop the reader: bad bytes become U+FFFD.
//! - [`read`] turns every problem into a warning naming the file, and
//!   answers `None` only when nothing usable was there (unreadable, empty,
//!   binary, not JUnit).
//!
//! Throughput matters (a year of runs is ~600 MB of JUnit): the file is
//! read once, decoded without a copy when it is valid UTF-8, streamed with
//! quick-xml's borrowing reader, and `<system-out>` and friends are skipped
//! without being copied. Allocation happens per test, not per event.

mod naming;
#[cfg(test)]
mod tests;
mod text;

use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::{BytesStart, Event};

use crate::fsx;
use crate::model::{JunitFile, Loc, Outcome, TestCase, TestSource, Tier, Warnings};

use self::text::Decoded;

/// Reads and parses one JUnit file. Problems (truncation, bad XML, invalid
/// UTF-8, unreadable file) become warnings naming the file; whatever was
/// read before the problem is kept. `None` only when nothing usable could
/// be read: the file is unreadable, empty, binary or not JUnit XML.
pub fn read(path: &Path, warnings: &mut Warnings) -> Option<JunitFile> {
    let bytes = match fsx::read(path, fsx::cap::JUNIT) {
        Ok(bytes) => bytes,
        Err(err) => {
            warnings.push(path.display(), err);
            return None;
        }
    };
    let parsed = parse_checked(&bytes, path);
    for problem in &parsed.problems {
        warnings.push(path.display(), problem);
    }
    parsed.usable.then_some(parsed.file)
}

/// Parses JUnit bytes already in memory. `path` names the file in
/// locations and decides tier/source when the name fits
/// `<tier>__<source>__<module>.xml`. An input that is not JUnit at all
/// (empty, binary) gives a file with no tests and `truncated` saying why.
pub fn parse(bytes: &[u8], path: &Path) -> JunitFile {
    parse_checked(bytes, path).file
}

/// A parse with everything [`read`] needs to warn about.
struct Parsed {
    file: JunitFile,
    /// Each problem, worded to follow `<path>: `.
    problems: Vec<String>,
    /// False when the input held nothing worth returning.
    usable: bool,
}

fn parse_checked(bytes: &[u8], path: &Path) -> Parsed {
    let mut file = JunitFile {
        path: path.to_path_buf(),
        ..JunitFile::default()
    };
    let named = naming::from_file_name(path);
    if let Some((tier, source)) = named {
        file.tier = Some(tier);
        file.source = Some(source);
    }
    let body = match precheck(bytes) {
        Ok(body) => body,
        Err(problem) => {
            file.truncated = Some(problem.clone());
            return Parsed {
                file,
                problems: vec![problem],
                usable: false,
            };
        }
    };

    let mut problems = Vec::new();
    let decoded = Decoded::new(&bytes[body.start..body.end]);
    if let Some(at) = decoded.first_invalid {
        let more = decoded.invalid_sequences - 1;
        problems.push(match more {
            0 => format!("invalid UTF-8 at byte {} (replaced)", body.start + at),
            _ => format!(
                "invalid UTF-8 at byte {} and {more} more place(s) (replaced)",
                body.start + at
            ),
        });
    }

    let mut state = State::new(path, named);
    let end = state.run(&decoded.text);
    let raw = |pos: usize| body.start + decoded.raw_offset(pos);
    let stopped = match end {
        End::Complete => None,
        End::Truncated => Some(format!("truncated at byte {}", body.end)),
        End::Malformed(pos, reason) => {
            Some(format!("malformed XML at byte {}: {reason}", raw(pos)))
        }
        End::NotJunit(root) => {
            let problem = format!("not JUnit XML: the root element is <{root}>");
            file.truncated = Some(problem.clone());
            problems.push(problem);
            return Parsed {
                file,
                problems,
                usable: false,
            };
        }
    };
    if stopped.is_none() && body.end < bytes.len() {
        problems.push(format!(
            "{} NUL byte(s) after the end of the XML at byte {}",
            bytes.len() - body.end,
            body.end
        ));
    }
    if let Some(stopped) = &stopped {
        problems.push(stopped.clone());
    }
    problems.append(&mut state.notes);
    file.truncated = stopped;
    state.finish(&mut file);
    Parsed {
        file,
        problems,
        usable: true,
    }
}

/// The part of the input worth decoding.
struct Body {
    /// After a UTF-8 byte order mark, if any.
    start: usize,
    /// Before a run of trailing NUL bytes: a file cut off by a crash is
    /// often zero-filled to its allocated size.
    end: usize,
}

/// Refuses what is not XML text before spending any time on it.
fn precheck(bytes: &[u8]) -> Result<Body, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(match bytes.len() {
            0 => "empty file".to_owned(),
            n => format!("empty file ({n} bytes of whitespace)"),
        });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 encoded; only UTF-8 JUnit is read".to_owned());
    }
    let start = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let content = &bytes[start..end.max(start)];
    let Some(first) = content.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(format!("no data: {} NUL byte(s)", bytes.len()));
    };
    if content[first] != b'<' {
        let b = content[first];
        return Err(if b.is_ascii_graphic() {
            let shown: String = content[first..]
                .iter()
                .take(16)
                .take_while(|b| b.is_ascii_graphic() || **b == b' ')
                .map(|&b| char::from(b))
                .collect();
            format!("not XML: starts with {shown:?}")
        } else {
            format!("binary, not XML: byte 0x{b:02x} at byte {}", start + first)
        });
    }
    // XML cannot carry NUL; one near the start means a binary file that
    // happens to begin with `<`.
    if let Some(nul) = memchr::memchr(0, &content[..content.len().min(8192)]) {
        return Err(format!("binary, not XML: NUL byte at byte {}", start + nul));
    }
    Ok(Body { start, end })
}

/// How the stream of events ended.
enum End {
    Complete,
    /// The input stopped inside markup or with elements still open.
    Truncated,
    /// The reader refused the input at this decoded offset.
    Malformed(usize, String),
    /// The root element is not a JUnit one.
    NotJunit(String),
}

/// The elements the reader keeps track of while inside them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Elem {
    /// `<testsuites>` or `<testsuite>`.
    Suite,
    /// `<testcase>`.
    Case,
    /// `<failure>`, `<error>` or `<skipped>` directly inside a testcase.
    Result(Kind),
    /// `<system-out>` or `<system-err>` directly inside a testcase.
    Output,
    /// Anything else: properties, suite output, stackTrace, unknown tags.
    Other,
}

/// The most of a test's system-out/err kept: enough for the lines around
/// a failure, never a whole log.
const MAX_OUTPUT: usize = 64 << 10;

/// The longest message (`message` or `type` attribute) kept; the rest is
/// cut and said. Real ones are a line.
const MAX_MESSAGE: usize = 4 << 10;

/// The note for a reference to an entity XML does not define.
const UNDEFINED_ENTITY: &str = "an undefined entity reference (kept as text, not expanded)";

/// The note for an attribute that is not `name="value"`.
const BAD_ATTRIBUTE: &str =
    "an attribute that is not well-formed (the element's later attributes are ignored)";

/// The longest classname or name kept (each).
const MAX_NAME: usize = 2 << 10;

/// What a testcase's result element says about the attempt.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Failure,
    Error,
    Skipped,
}

/// An open `<testsuite>` (or `<testsuites>`).
struct Suite {
    timestamp: Option<Timestamp>,
    /// `failures` + `errors` as the suite claims them.
    claimed: u32,
    /// Totals of a suite that contains suites usually repeat its
    /// children's; only leaf suites are counted.
    has_child: bool,
}

/// A failure, error or skip element's text.
#[derive(Default)]
struct Said {
    /// First non-blank line of the `message` attribute.
    message: Option<String>,
    /// The `type` attribute, the last resort for a message.
    kind: Option<String>,
    /// The element's text (CDATA included).
    detail: Option<String>,
}

/// One `<testcase>` record being read. Its classname and name live in
/// [`State::key`] so that a record of a test already seen costs no
/// allocation.
struct Record {
    /// Length of the classname at the start of the key.
    split: usize,
    has_file: bool,
    line: u32,
    seconds: f64,
    started: Option<Timestamp>,
    failure: Option<Said>,
    error: Option<Said>,
    skipped: Option<Said>,
    /// flakyFailure, flakyError, rerunFailure, rerunError elements.
    retries: u32,
    /// The record's system-out and system-err, capped.
    output: String,
}

/// Every record of one test, folded.
struct Group {
    case: TestCase,
    failure: Option<Said>,
    error: Option<Said>,
    skipped: Option<Said>,
    passed: bool,
    first_red_line: Option<u32>,
    failure_records: u32,
    /// Records with an `<error>` and no `<failure>`.
    error_records: u32,
    retries: u32,
    /// The output of the first red record.
    output: String,
}

/// Counts lines incrementally: each testcase's line costs only the bytes
/// since the previous one.
struct Lines {
    pos: usize,
    line: u32,
}

impl Lines {
    fn at(&mut self, text: &str, pos: usize) -> u32 {
        let pos = pos.min(text.len());
        if pos > self.pos {
            let newlines = memchr::memchr_iter(b'\n', &text.as_bytes()[self.pos..pos]).count();
            self.line = self
                .line
                .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.pos = pos;
        }
        self.line
    }
}

struct State<'p> {
    path: &'p Path,
    named: Option<(Tier, TestSource)>,
    stack: Vec<Elem>,
    suites: Vec<Suite>,
    record: Option<Record>,
    /// `classname`, NUL, `name` of the open record; reused.
    key: String,
    /// The xunit1 `file` attribute of the open record; reused.
    file_attr: String,
    /// Stack depth of the result element whose text is being kept.
    capture: Option<usize>,
    body: String,
    /// Stack depth of the output element whose text is being kept.
    capture_out: Option<usize>,
    out: String,
    groups: Vec<Group>,
    index: HashMap<String, usize>,
    lines: Lines,
    claimed: u32,
    started: Option<Timestamp>,
    saw_root: bool,
    /// What was odd but did not stop the reader (a DOCTYPE, an undefined
    /// entity), worded to follow `<path>: `; each kind once.
    notes: Vec<String>,
}

impl<'p> State<'p> {
    fn new(path: &'p Path, named: Option<(Tier, TestSource)>) -> State<'p> {
        State {
            path,
            named,
            stack: Vec::with_capacity(16),
            suites: Vec::new(),
            record: None,
            key: String::new(),
            file_attr: String::new(),
            capture: None,
            body: String::new(),
            capture_out: None,
            out: String::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            lines: Lines { pos: 0, line: 1 },
            claimed: 0,
            started: None,
            saw_root: false,
            notes: Vec::new(),
        }
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Streams the events of `text` until its end or the first error.
    fn run(&mut self, text: &str) -> End {
        let mut reader = Reader::from_str(text);
        // A lone `&` in a message is a producer's escaping bug, not a
        // reason to drop the file.
        reader.config_mut().allow_dangling_amp = true;
        loop {
            let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    if let Some(root) = self.start(&e, text, before) {
                        return End::NotJunit(root);
                    }
                }
                Ok(Event::Empty(e)) => {
                    if let Some(root) = self.start(&e, text, before) {
                        return End::NotJunit(root);
                    }
                    self.end();
                }
                Ok(Event::End(_)) => self.end(),
                Ok(Event::Text(t)) if self.capture.is_some() => {
                    self.body.push_str(&t.xml10_content());
                }
                Ok(Event::CData(t)) if self.capture.is_some() => {
                    self.body.push_str(&t.xml10_content());
                }
                Ok(Event::Text(t)) if self.capture_out.is_some() => {
                    push_capped(&mut self.out, &t.xml10_content());
                }
                Ok(Event::CData(t)) if self.capture_out.is_some() => {
                    push_capped(&mut self.out, &t.xml10_content());
                }
                Ok(Event::GeneralRef(r)) if self.capture.is_some() => {
                    match text::resolve_entity(&r) {
                        Some(resolved) => resolved.push_to(&mut self.body),
                        None => {
                            self.body.push('&');
                            self.body.push_str(&r);
                            self.body.push(';');
                            self.note(UNDEFINED_ENTITY.to_owned());
                        }
                    }
                }
                // No JUnit writer declares a document type; its entities
                // (a "billion laughs" bomb) are never expanded.
                Ok(Event::DocType(_)) => {
                    self.note(
                        "a DOCTYPE declaration (ignored; its entities are not expanded)".to_owned(),
                    );
                }
                Ok(Event::Eof) => {
                    return if self.stack.is_empty() && self.saw_root {
                        End::Complete
                    } else {
                        End::Truncated
                    };
                }
                Ok(_) => {}
                Err(err) => {
                    let at_end =
                        usize::try_from(reader.buffer_position()).is_ok_and(|p| p >= text.len());
                    let eof = matches!(
                        err,
                        XmlError::Syntax(_)
                            | XmlError::IllFormed(IllFormedError::UnclosedReference)
                    );
                    if eof && at_end {
                        return End::Truncated;
                    }
                    let pos = usize::try_from(reader.error_position()).unwrap_or(0);
                    return End::Malformed(pos, err.to_string());
                }
            }
        }
    }

    /// Handles a start tag (or an empty element, which [`State::end`]
    /// closes right after). Answers the root's name when the document is
    /// not JUnit.
    fn start(&mut self, e: &BytesStart<'_>, text: &str, pos: usize) -> Option<String> {
        let qname = e.name();
        let name = qname.local_name().into_inner();
        if !self.saw_root {
            self.saw_root = true;
            if !matches!(name, "testsuites" | "testsuite" | "testcase") {
                return Some(name.to_owned());
            }
        }
        let top = self.stack.last().copied();
        let elem = match name {
            "testsuites" | "testsuite" if self.record.is_none() => {
                self.start_suite(e);
                Elem::Suite
            }
            "testcase" if self.record.is_none() => {
                let line = self.lines.at(text, pos);
                self.start_case(e, line);
                Elem::Case
            }
            "failure" if top == Some(Elem::Case) => self.start_result(e, Kind::Failure),
            "error" if top == Some(Elem::Case) => self.start_result(e, Kind::Error),
            "skipped" if top == Some(Elem::Case) => self.start_result(e, Kind::Skipped),
            "system-out" | "system-err" if top == Some(Elem::Case) => {
                self.out.clear();
                self.capture_out = Some(self.stack.len() + 1);
                Elem::Output
            }
            "flakyFailure" | "flakyError" | "rerunFailure" | "rerunError"
                if top == Some(Elem::Case) =>
            {
                if let Some(record) = &mut self.record {
                    record.retries += 1;
                }
                Elem::Other
            }
            _ => Elem::Other,
        };
        self.stack.push(elem);
        None
    }

    fn start_suite(&mut self, e: &BytesStart<'_>) {
        let mut suite = Suite {
            timestamp: None,
            claimed: 0,
            has_child: false,
        };
        let mut bad_attr = false;
        for attr in e.attributes().with_checks(false) {
            let Ok(attr) = attr else {
                bad_attr = true;
                break;
            };
            match attr.key.local_name().into_inner() {
                "timestamp" => suite.timestamp = parse_timestamp(&attr.value),
                "failures" | "errors" => {
                    suite.claimed = suite.claimed.saturating_add(parse_count(&attr.value));
                }
                _ => {}
            }
        }
        if bad_attr {
            self.note(BAD_ATTRIBUTE.to_owned());
        }
        if let Some(parent) = self.suites.last_mut() {
            parent.has_child = true;
        }
        if let Some(ts) = suite.timestamp {
            self.started = Some(self.started.map_or(ts, |s| s.min(ts)));
        }
        self.suites.push(suite);
    }

    fn start_case(&mut self, e: &BytesStart<'_>, line: u32) {
        let mut classname = None;
        let mut name = None;
        let mut seconds = 0.0;
        self.file_attr.clear();
        let mut has_file = false;
        let mut bad_attr = false;
        for attr in e.attributes().with_checks(false) {
            let Ok(attr) = attr else {
                bad_attr = true;
                break;
            };
            if text::has_undefined_entity(&attr.value) {
                self.note(UNDEFINED_ENTITY.to_owned());
            }
            match attr.key.local_name().into_inner() {
                "classname" => classname = Some(attr.value),
                "name" => name = Some(attr.value),
                "time" => seconds = parse_seconds(&attr.value),
                "file" => {
                    has_file = true;
                    text::push_unescaped(&mut self.file_attr, &attr.value);
                }
                _ => {}
            }
        }
        if bad_attr {
            self.note(BAD_ATTRIBUTE.to_owned());
        }
        self.key.clear();
        if let Some(classname) = &classname {
            text::push_unescaped(&mut self.key, classname.trim());
            text::clip_in_place(&mut self.key, MAX_NAME);
        }
        let split = self.key.len();
        self.key.push('\0');
        if let Some(name) = &name {
            let mut n = String::new();
            text::push_unescaped(&mut n, name);
            text::clip_in_place(&mut n, MAX_NAME);
            self.key.push_str(&n);
        }
        let started = self.suites.iter().rev().find_map(|s| s.timestamp);
        self.record = Some(Record {
            split,
            has_file,
            line,
            seconds,
            started,
            failure: None,
            error: None,
            skipped: None,
            retries: 0,
            output: String::new(),
        });
    }

    fn start_result(&mut self, e: &BytesStart<'_>, kind: Kind) -> Elem {
        let Some(record) = &mut self.record else {
            return Elem::Other;
        };
        let slot = match kind {
            Kind::Failure => &mut record.failure,
            Kind::Error => &mut record.error,
            Kind::Skipped => &mut record.skipped,
        };
        // A second `<failure>` in one record adds nothing the first did
        // not say; only the first one's text is kept.
        if slot.is_some() {
            return Elem::Other;
        }
        let mut said = Said::default();
        let mut undefined = false;
        let mut bad_attr = false;
        for attr in e.attributes().with_checks(false) {
            let Ok(attr) = attr else {
                bad_attr = true;
                break;
            };
            undefined |= text::has_undefined_entity(&attr.value);
            match attr.key.local_name().into_inner() {
                "message" => {
                    said.message = text::first_line(&text::unescape(&attr.value))
                        .map(|l| text::clip(l, MAX_MESSAGE));
                }
                "type" => {
                    said.kind = text::first_line(&text::unescape(&attr.value))
                        .map(|l| text::clip(l, MAX_MESSAGE));
                }
                _ => {}
            }
        }
        *slot = Some(said);
        if undefined {
            self.note(UNDEFINED_ENTITY.to_owned());
        }
        if bad_attr {
            self.note(BAD_ATTRIBUTE.to_owned());
        }
        self.body.clear();
        // The depth the element will have once pushed.
        self.capture = Some(self.stack.len() + 1);
        Elem::Result(kind)
    }

    /// Handles an end tag (or the end of an empty element).
    fn end(&mut self) {
        let depth = self.stack.len();
        let Some(elem) = self.stack.pop() else {
            return;
        };
        match elem {
            Elem::Suite => {
                if let Some(suite) = self.suites.pop()
                    && !suite.has_child
                {
                    self.claimed = self.claimed.saturating_add(suite.claimed);
                }
            }
            Elem::Case => self.end_case(),
            Elem::Result(kind) if self.capture == Some(depth) => {
                self.capture = None;
                let detail = text::clean_body(&self.body);
                if let Some(record) = &mut self.record {
                    let slot = match kind {
                        Kind::Failure => &mut record.failure,
                        Kind::Error => &mut record.error,
                        Kind::Skipped => &mut record.skipped,
                    };
                    if let Some(said) = slot {
                        said.detail = detail;
                    }
                }
            }
            Elem::Output if self.capture_out == Some(depth) => {
                self.capture_out = None;
                if let Some(record) = &mut self.record {
                    if !record.output.is_empty() {
                        record.output.push('\n');
                    }
                    push_capped(&mut record.output, self.out.trim_end());
                }
            }
            Elem::Result(_) | Elem::Output | Elem::Other => {}
        }
    }

    /// Folds the finished record into its test's group.
    fn end_case(&mut self) {
        let Some(record) = self.record.take() else {
            return;
        };
        let index = match self.index.get(self.key.as_str()) {
            Some(&i) => i,
            None => {
                let i = self.groups.len();
                let group = self.new_group(&record);
                self.groups.push(group);
                self.index.insert(self.key.clone(), i);
                i
            }
        };
        let group = &mut self.groups[index];
        let red = record.failure.is_some() || record.error.is_some();
        group.case.records += 1;
        group.case.seconds += record.seconds;
        group.retries = group.retries.saturating_add(record.retries);
        if red && group.first_red_line.is_none() {
            group.first_red_line = Some(record.line);
            group.output = record.output;
        }
        if record.failure.is_some() {
            group.failure_records += 1;
        } else if record.error.is_some() {
            group.error_records += 1;
        } else if record.skipped.is_none() {
            group.passed = true;
        }
        if group.failure.is_none() {
            group.failure = record.failure;
        }
        if group.error.is_none() {
            group.error = record.error;
        }
        if group.skipped.is_none() {
            group.skipped = record.skipped;
        }
    }

    /// A group for the first record of a test: names, id, tier and source.
    fn new_group(&self, record: &Record) -> Group {
        let classname = &self.key[..record.split];
        let name = &self.key[record.split + 1..];
        let file = record.has_file.then_some(self.file_attr.as_str());
        let (tier, source) = match self.named {
            Some((tier, source)) => (Some(tier), source),
            None => naming::from_classname(classname, name),
        };
        Group {
            case: TestCase {
                id: naming::test_id(classname, name, file),
                classname: classname.to_owned(),
                name: name.to_owned(),
                tier,
                source,
                outcome: Outcome::Pass,
                message: None,
                detail: None,
                records: 0,
                reruns: 0,
                loc: Loc::new(self.path, Some(record.line)),
                started: record.started,
                seconds: 0.0,
            },
            failure: None,
            error: None,
            skipped: None,
            passed: false,
            first_red_line: None,
            failure_records: 0,
            error_records: 0,
            retries: 0,
            output: String::new(),
        }
    }

    /// Writes the groups and totals into `file`. Records still open (the
    /// input stopped inside them) are dropped; suites still open count,
    /// since their start tag and its totals were read whole.
    fn finish(self, file: &mut JunitFile) {
        let mut claimed = self.claimed;
        for suite in &self.suites {
            if !suite.has_child {
                claimed = claimed.saturating_add(suite.claimed);
            }
        }
        file.claimed_failures = claimed;
        file.started = self.started;
        file.tests = self.groups.into_iter().map(Group::into_case).collect();
    }
}

impl Group {
    fn into_case(self) -> TestCase {
        let mut case = self.case;
        let (outcome, said) = if self.failure.is_some() {
            (Outcome::Fail, self.failure)
        } else if self.error.is_some() {
            (Outcome::Error, self.error)
        } else if self.passed {
            (Outcome::Pass, None)
        } else {
            (Outcome::Skip, self.skipped)
        };
        case.outcome = outcome;
        if let Some(said) = said {
            case.message = said
                .message
                .or_else(|| {
                    said.detail
                        .as_deref()
                        .and_then(text::first_line)
                        .map(|l| text::clip(l, MAX_MESSAGE))
                })
                .or(said.kind);
            // A skip's body is pytest's `file:line: reason`; the reason is
            // the message, and there is no traceback to keep.
            if outcome.is_red() {
                case.detail = said.detail;
            }
        }
        // What the test printed is where a harness signature under a
        // generic assertion often stands (`assert rc == 0` over `no space
        // left on device`): kept with the body.
        if outcome.is_red() && !self.output.trim().is_empty() {
            let body = case.detail.take().unwrap_or_default();
            case.detail = Some(format!(
                "{body}{}--- captured output ---\n{}",
                if body.is_empty() { "" } else { "\n" },
                self.output.trim()
            ));
        }
        if let Some(line) = self.first_red_line.filter(|_| outcome.is_red()) {
            case.loc.line = Some(line);
        }
        // pytest writes a second record for a test that failed in call and
        // then errored in teardown: that error record is a phase of the
        // same attempt, not a retry.
        let phases = if self.failure_records > 0 {
            self.error_records
        } else {
            0
        };
        let extra = case.records.saturating_sub(1).saturating_sub(phases);
        case.reruns = extra.saturating_add(self.retries);
        case
    }
}

/// Appends `text` to `buf` up to [`MAX_OUTPUT`] bytes, on a character
/// boundary.
fn push_capped(buf: &mut String, text: &str) {
    let room = MAX_OUTPUT.saturating_sub(buf.len());
    if room == 0 {
        return;
    }
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    buf.push_str(&text[..end]);
}

/// A suite `timestamp`: RFC 3339 with an offset, or pytest's zone-less
/// local form, which cc-ci's hosts write in UTC.
fn parse_timestamp(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil = raw.parse::<DateTime>().ok()?;
    TimeZone::UTC.to_timestamp(civil).ok()
}

/// A `failures`/`errors` count; garbage counts as zero.
fn parse_count(raw: &str) -> u32 {
    let raw = raw.trim();
    raw.parse::<u32>()
        .ok()
        .or_else(|| {
            raw.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| n as u32)
        })
        .unwrap_or(0)
}

/// A `time` attribute in seconds. Surefire has written locale-formatted
/// numbers: `1,234.5` (a thousands separator, dropped) and `0,003` (a
/// decimal comma).
fn parse_seconds(raw: &str) -> f64 {
    let raw = raw.trim();
    let parsed = if !raw.contains(',') {
        raw.parse::<f64>()
    } else if raw.contains('.') {
        raw.replace(',', "").parse::<f64>()
    } else {
        raw.replace(',', ".").parse::<f64>()
    };
    parsed
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(0.0)
}
