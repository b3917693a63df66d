//! Text helpers every format shares: making untrusted text safe to print,
//! measuring and cutting it to a width, and quoting it for Markdown.
//!
//! Untrusted means anything read from a run: log lines, test names, JUnit
//! messages, even run ids and recipe names (a directory can be called
//! anything). Two guarantees hold for every function here:
//! - [`clean`] output holds no control character but `\n`, so no terminal
//!   escape read from a log reaches the reader's terminal;
//! - [`md_inline`], [`code_span`] and [`fence`] output is inert Markdown:
//!   whatever the input, it cannot end the construct it sits in, open HTML,
//!   make a link or an image, or mention a user.
//!
//! None of this recognises log text; it is character-level quoting only.

use jiff::Timestamp;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Removes terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] …
/// BEL|ESC \`, and two-byte `ESC x`) and every control character except
/// `\n`; a tab becomes a space and `\r\n` / `\r` become `\n`.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    // CSI: parameters and intermediates, then one final
                    // byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    // OSC (window titles, hyperlinks): up to BEL or ST.
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' => out.push(' '),
            '\n' => out.push('\n'),
            // C0, DEL, C1, and the Unicode controls that reorder or hide
            // text (bidi overrides and isolates).
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Bidi controls can make a line display differently from what it says
/// ("Trojan Source"); a report shows text as it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// [`clean`], then every run of whitespace (newlines included) as one
/// space, trimmed: text for a table cell or a heading.
pub fn one_line(s: &str) -> String {
    clean(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Display columns `s` takes in a terminal (East Asian wide characters
/// count two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` display columns, ending in `…` when cut.
pub fn ellipsis(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// At most `max` bytes of `s`, cut at a character boundary; when cut,
/// says how much was left out. For long untrusted text in reports with a
/// size budget (bytes bound characters, so a byte budget is the safe one).
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… (clipped: {} more bytes)", &s[..end], s.len() - end)
}

/// The part of a test id after its last `::` (the test's own name), or the
/// whole id when it has none.
pub fn short_test(test: &str) -> &str {
    match test.rfind("::") {
        Some(i) => &test[i + 2..],
        None => test,
    }
}

/// A test id with its module's directories left out:
/// `tests/a/test_b.py::test_c` → `test_b.py::test_c`.
pub fn file_and_test(id: &str) -> String {
    match id.split_once("::") {
        Some((module, name)) => {
            let file = module.rsplit('/').next().unwrap_or(module);
            format!("{file}::{name}")
        }
        None => id.to_string(),
    }
}

/// RFC 3339 in UTC to the second: `2026-06-14T03:41:07Z`.
pub fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// UTC to the minute, as the journal dates entries: `2026-06-18T00:05Z`.
pub fn minute(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%MZ").to_string()
}

/// Wraps `s` (already [`clean`]ed) to `width` display columns, each line
/// starting with `indent`; existing line breaks are kept, words longer than
/// a line are broken. Always at least one line.
pub fn wrap(s: &str, width_: usize, indent: &str) -> Vec<String> {
    let room = width_.saturating_sub(width(indent)).max(10);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let mut word = word.to_string();
            loop {
                let w = width(&word);
                let gap = usize::from(used > 0);
                if used + gap + w <= room {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(&word);
                    used += gap + w;
                    break;
                }
                if used > 0 {
                    lines.push(format!("{indent}{line}"));
                    line.clear();
                    used = 0;
                    continue;
                }
                // A word longer than a whole line: break it.
                let (head, tail) = split_at_width(&word, room);
                lines.push(format!("{indent}{head}"));
                word = tail;
                if word.is_empty() {
                    break;
                }
            }
        }
        lines.push(format!("{indent}{line}"));
    }
    for l in &mut lines {
        l.truncate(l.trim_end().len());
    }
    lines
}

fn split_at_width(s: &str, max: usize) -> (String, String) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > max && i > 0 {
            return (s[..i].to_string(), s[i..].to_string());
        }
        used += w;
    }
    (s.to_string(), String::new())
}

/// The longest run of `ch` in `s`.
fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A zero-width space: invisible, but it breaks the patterns GitHub and
/// Gitea turn into links (`https://`, `www.`, `user@host`) and mentions
/// (`@user`).
const ZWSP: char = '\u{200b}';

/// Untrusted text for use inside a Markdown paragraph (after a label, in a
/// list item, in a heading): one line, HTML special characters as
/// entities, Markdown punctuation backslash-escaped, and link/mention
/// patterns broken so nothing becomes a link, an image, HTML, emphasis,
/// math or a mention.
///
/// Why each: `<` `>` `&` could open HTML or an entity; `[ ] ( ) !` make
/// links and images; `` ` `` `~` open code; `* _` emphasis; `|` a table
/// cell; `$` GitHub math; `\` would escape what follows; `#` before a
/// digit an issue reference. Newlines are collapsed first so no block
/// (heading, fence, list, HTML block) can start.
pub fn md_inline(s: &str) -> String {
    let line = one_line(s);
    let mut out = String::with_capacity(line.len() + 16);
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '#' => {
                // `#123` links an issue on GitHub and Gitea even escaped.
                out.push_str("\\#");
                if chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                    out.push(ZWSP);
                }
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            ':' => {
                // A URL (`https://…`) or a scheme that runs code or mails
                // (`javascript:`) cannot autolink once cut from its colon.
                // Other colons (`path:12`, `image:tag`) are left alone so
                // they copy as they read.
                if is_link_scheme(&chars[..i], chars.get(i + 1..).unwrap_or(&[])) {
                    out.push(ZWSP);
                }
                out.push(':');
            }
            '@' => {
                out.push('@');
                out.push(ZWSP);
            }
            '.' => {
                // `www.example.org` autolinks on GitHub without a scheme.
                if i >= 3 && chars[i - 3..i].iter().all(|c| c.eq_ignore_ascii_case(&'w')) {
                    out.push(ZWSP);
                }
                out.push('.');
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether the letters just before a colon and what follows it look like
/// the start of a link: `anything://`, or one of the schemes some renderer
/// may linkify without slashes.
fn is_link_scheme(before: &[char], after: &[char]) -> bool {
    let scheme: String = before
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_ascii_lowercase();
    if scheme.is_empty() {
        return false;
    }
    if after.starts_with(&['/', '/']) {
        return true;
    }
    [
        "javascript",
        "vbscript",
        "data",
        "file",
        "mailto",
        "xmpp",
        "tel",
    ]
    .iter()
    .any(|s| scheme.ends_with(s))
}

/// Untrusted text as an inline code span: literal, whatever it holds. The
/// backtick fence is one longer than the longest backtick run inside, and
/// padded with spaces when the text starts or ends with a backtick, so the
/// text cannot close the span.
/// Prose that marks names with backticks (a verdict's cause, fix, or
/// ruled-out reason): the backticked parts become code spans (inert:
/// nothing in a code span is HTML or a link), the rest is escaped as
/// [`md_inline`]. Unbalanced backticks: the whole text is escaped.
pub fn md_prose(s: &str) -> String {
    let line = one_line(s);
    if !line.matches('`').count().is_multiple_of(2) {
        return md_inline(&line);
    }
    line.split('`')
        .enumerate()
        .map(|(i, part)| match (i % 2, part.is_empty()) {
            // md_inline trims; the spaces around a code span are the
            // prose's own.
            (0, _) => {
                let lead = if part.starts_with(char::is_whitespace) {
                    " "
                } else {
                    ""
                };
                let trail = if part.ends_with(char::is_whitespace) && !part.trim().is_empty() {
                    " "
                } else {
                    ""
                };
                format!("{lead}{}{trail}", md_inline(part))
            }
            (_, true) => String::new(),
            _ => code_span(part),
        })
        .collect()
}

pub fn code_span(s: &str) -> String {
    let line = one_line(s);
    if line.is_empty() {
        return "` `".to_string();
    }
    let ticks = "`".repeat(longest_run(&line, '`') + 1);
    let pad = if line.starts_with('`') || line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{line}{pad}{ticks}")
}

/// Untrusted text as a fenced code block with `info` (`text`, `diff`,
/// `shell`): the backtick fence is longer than any backtick run in the
/// text, so no line of it can close the block early. The block starts and
/// ends at column 0 and ends with a newline.
pub fn fence(s: &str, info: &str) -> String {
    let body = clean(s);
    let body = body.trim_end_matches('\n');
    let ticks = "`".repeat((longest_run(body, '`') + 1).max(3));
    format!("{ticks}{info}\n{body}\n{ticks}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_escapes_and_controls() {
        let s = "a\u{1b}[31mred\u{1b}[0m b\u{1b}]0;title\u{7}c\r\nd\te\u{0}f\u{202e}g";
        assert_eq!(clean(s), "ared bc\nd efg");
    }

    #[test]
    fn ellipsis_counts_display_columns() {
        assert_eq!(ellipsis("abcdef", 6), "abcdef");
        assert_eq!(ellipsis("abcdefg", 6), "abcde…");
        // Wide characters take two columns each.
        let cut = ellipsis("日本語のテスト", 6);
        assert!(width(&cut) <= 6, "{cut}");
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn short_test_is_the_name_after_the_last_separator() {
        assert_eq!(short_test("tests/a/test_b.py::Cls::test_c"), "test_c");
        assert_eq!(short_test("plain"), "plain");
        assert_eq!(
            file_and_test("tests/_generic/test_restore.py::test_x"),
            "test_restore.py::test_x"
        );
        assert_eq!(file_and_test("plain"), "plain");
    }

    #[test]
    fn wrap_keeps_every_line_within_width() {
        let s = format!("{} short words here {}", "x".repeat(250), "y ".repeat(80));
        for line in wrap(&s, 100, "    ") {
            assert!(width(&line) <= 100, "{line}");
        }
    }

    #[test]
    fn code_span_outlasts_backticks_inside() {
        assert_eq!(code_span("a``b"), "```a``b```");
        assert_eq!(code_span("`x`"), "`` `x` ``");
    }

    #[test]
    fn fence_is_longer_than_any_run_inside() {
        let f = fence("a\n`````\nb", "text");
        assert!(f.starts_with("``````text\n"));
        assert!(f.ends_with("\n``````\n"));
    }

    #[test]
    fn md_inline_escapes_markup() {
        assert_eq!(
            md_inline("<b>[x](y) `z`"),
            "&lt;b&gt;\\[x\\]\\(y\\) \\`z\\`"
        );
        assert!(md_inline("javascript:alert(1)").contains("javascript\u{200b}:"));
        assert!(md_inline("ping @admin").contains("@\u{200b}admin"));
        assert!(md_inline("see www.evil.example").contains("www\u{200b}."));
        assert!(md_inline("fixes #12").contains("\\#\u{200b}12"));
        // Ordinary colons are left alone.
        assert_eq!(md_inline("image: x:1.2"), "image: x:1.2");
    }

    #[test]
    fn prose_keeps_backticked_names_as_code_and_escapes_the_rest() {
        assert_eq!(
            md_prose("no `a.b` on `c`, [x](y)"),
            "no `a.b` on `c`, \\[x\\]\\(y\\)"
        );
        // Markup inside a code span is inert; a backtick run inside gets a
        // longer fence.
        assert_eq!(md_prose("see `</details>` now"), "see `</details>` now");
        // Unbalanced: all escaped.
        assert_eq!(md_prose("a ` b"), "a \\` b");
    }
}
