//! Text helpers for the JUnit reader: lossy UTF-8 decoding that remembers
//! where it replaced bytes, entity resolution that never fails, and the
//! small string shapes the model wants (a first line, a trimmed body).
//!
//! Why a decoder of our own: quick-xml reads `&str`, and one invalid byte
//! anywhere in a file (a test printing binary output into `<system-out>`)
//! would otherwise stop the whole file. `String::from_utf8_lossy` fixes
//! that but changes lengths (each bad sequence becomes the 3-byte U+FFFD),
//! and warnings must name the byte offset *in the file*, which a reader
//! opens with `dd` or `xxd`. [`Decoded`] keeps the map back.
//!
//! Guarantees: nothing here panics on any input, and valid UTF-8 is never
//! copied.

use std::borrow::Cow;

/// A byte buffer decoded as UTF-8, invalid sequences replaced by U+FFFD,
/// with a map from offsets in the decoded text back to the raw bytes.
pub(super) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// `(decoded offset just after a replacement, bytes added so far)`,
    /// ascending. Empty when the input was valid UTF-8.
    shifts: Vec<(usize, usize)>,
    /// Raw offset of the first invalid byte, and how many invalid
    /// sequences were replaced.
    pub first_invalid: Option<usize>,
    pub invalid_sequences: usize,
}

impl<'a> Decoded<'a> {
    pub fn new(bytes: &'a [u8]) -> Decoded<'a> {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Decoded {
                text: Cow::Borrowed(text),
                shifts: Vec::new(),
                first_invalid: None,
                invalid_sequences: 0,
            };
        }
        let mut text = String::with_capacity(bytes.len() + 16);
        let mut shifts = Vec::new();
        let mut first_invalid = None;
        let mut invalid_sequences = 0;
        let mut raw = 0usize;
        // Bytes added by replacements so far; a bad sequence is 1..=3 bytes
        // and its replacement 3, so this only grows.
        let mut added = 0usize;
        for chunk in bytes.utf8_chunks() {
            text.push_str(chunk.valid());
            raw += chunk.valid().len();
            let bad = chunk.invalid();
            if !bad.is_empty() {
                first_invalid.get_or_insert(raw);
                invalid_sequences += 1;
                text.push(char::REPLACEMENT_CHARACTER);
                added += char::REPLACEMENT_CHARACTER.len_utf8() - bad.len();
                raw += bad.len();
                shifts.push((text.len(), added));
            }
        }
        Decoded {
            text: Cow::Owned(text),
            shifts,
            first_invalid,
            invalid_sequences,
        }
    }

    /// The raw byte offset of a position in the decoded text. Inside a
    /// replacement character it answers the replacement's end, which is
    /// close enough for a warning.
    pub fn raw_offset(&self, decoded: usize) -> usize {
        let i = self.shifts.partition_point(|&(at, _)| at <= decoded);
        match i {
            0 => decoded,
            _ => decoded.saturating_sub(self.shifts[i - 1].1),
        }
    }
}

/// Appends `raw` (text as written in XML, entities and all) to `out`,
/// resolving the predefined entities and character references. Anything
/// that does not resolve (`&nbsp;` with no DTD, a lone `&`) is kept as
/// written: a message with a stray ampersand is still worth reading.
pub(super) fn push_unescaped(out: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Entity names are short; a `;` far away is not this entity's.
        let semi = after.as_bytes().iter().take(32).position(|&b| b == b';');
        match semi.and_then(|s| resolve_entity(&after[..s]).map(|c| (s, c))) {
            Some((s, resolved)) => {
                resolved.push_to(out);
                rest = &after[s + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Whether `raw` holds a reference `&name;` that [`resolve_entity`] does
/// not know (a lone `&` is not one: that is a producer's escaping slip).
pub(super) fn has_undefined_entity(raw: &str) -> bool {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp + 1..];
        let semi = after.as_bytes().iter().take(32).position(|&b| b == b';');
        if let Some(s) = semi {
            let name = &after[..s];
            let plausible = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"#_.-:".contains(&b));
            if plausible && resolve_entity(name).is_none() {
                return true;
            }
        }
        rest = after;
    }
    false
}

/// [`push_unescaped`] into a new value, borrowing when there is nothing to
/// resolve (the common case for attribute values).
pub(super) fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    push_unescaped(&mut out, raw);
    Cow::Owned(out)
}

/// What an entity name (between `&` and `;`) stands for.
pub(super) enum Resolved {
    Char(char),
    Str(&'static str),
}

impl Resolved {
    /// Appends the resolved text.
    pub fn push_to(&self, out: &mut String) {
        match self {
            Resolved::Char(c) => out.push(*c),
            Resolved::Str(s) => out.push_str(s),
        }
    }
}

/// Resolves `lt`, `gt`, `amp`, `apos`, `quot`, `#NN` and `#xHH`. Other
/// names need a DTD, which JUnit files never carry.
pub(super) fn resolve_entity(name: &str) -> Option<Resolved> {
    Some(match name {
        "lt" => Resolved::Str("<"),
        "gt" => Resolved::Str(">"),
        "amp" => Resolved::Str("&"),
        "apos" => Resolved::Str("'"),
        "quot" => Resolved::Str("\""),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse::<u32>().ok()?,
            };
            // NUL is not a character XML can carry; keep it visible.
            match char::from_u32(code) {
                Some(c) if c != '\0' => Resolved::Char(c),
                _ => Resolved::Char(char::REPLACEMENT_CHARACTER),
            }
        }
    })
}

/// `s` cut to at most `max` bytes on a character boundary, saying how
/// much was left out: a message or a name is a line of text, never a
/// payload of megabytes carried into every report.
pub(super) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes)", &s[..end], s.len() - end)
}

/// [`clip`] in place.
pub(super) fn clip_in_place(s: &mut String, max: usize) {
    if s.len() > max {
        *s = clip(s, max);
    }
}

/// The first line of `s` that is not blank, trimmed; `None` if all blank.
pub(super) fn first_line(s: &str) -> Option<&str> {
    s.lines().map(str::trim).find(|l| !l.is_empty())
}

/// A failure body as the model keeps it: leading blank lines and trailing
/// whitespace dropped (pretty-printers add them), indentation of the first
/// real line kept (Go prints `    x_test.go:10:`). `None` when blank.
pub(super) fn clean_body(s: &str) -> Option<String> {
    let s = s.trim_end();
    let mut start = 0;
    for line in s.split_inclusive('\n') {
        if !line.trim().is_empty() {
            break;
        }
        start += line.len();
    }
    let body = &s[start..];
    (!body.is_empty()).then(|| body.to_owned())
}
