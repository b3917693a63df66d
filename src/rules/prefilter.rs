//! Which lines a scope's rules could match, found without running them.
//!
//! From each rule's pattern comes a small set of literals one of which
//! stands in every match (a required factor, ripgrep's and RE2's idea: for
//! `[Tt]oo ?[Mm]any ?[Rr]equests` that is `equests`, not the 34 spellings of
//! its start). A scope's literals, a few dozen, go to one multi-literal
//! searcher (SIMD Teddy), which passes over a console many times faster than
//! the rules' combined automaton; only the lines holding a literal are then
//! matched against the rules, each rule only where its own literal stands
//! and one literal of each of its confirming sets too (the further parts
//! every match holds: `status=0` in the health rule found by `http`, which
//! stands on every health line). A scope with a rule that gives no such set
//! (a pattern that can start anywhere, or too many literals) is searched
//! with all of its patterns at once instead: slower, never wrong.

use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::meta::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

/// More literals than this and the searcher loses its SIMD path.
const MAX_LITERALS: usize = 64;

/// Finds the lines worth matching, and on a line the patterns worth
/// running.
#[derive(Clone, Debug)]
pub(super) enum LineFinder {
    /// One of these literals stands in every match: `searcher` finds the
    /// next (leftmost-first, which has the SIMD path), `on_line` every one
    /// on a line (overlapping), and `patterns[k]` are the patterns
    /// (indices into the scope's) that literal `k` stands for.
    Literals {
        searcher: AhoCorasick,
        on_line: AhoCorasick,
        patterns: Vec<Vec<usize>>,
        /// For each pattern, further sets of literals one of each of which
        /// stands in every match (`status=0` beside the `http` it was found
        /// by): a line failing one is not matched.
        confirm: Vec<Vec<Vec<memchr::memmem::Finder<'static>>>>,
    },
    /// The scope's patterns, searched together.
    Patterns(Box<Regex>),
}

impl LineFinder {
    /// The finder for `patterns` (compiled as the rules are: bytes, no
    /// Unicode classes, `^`/`$` at line ends, within `size_limit`).
    pub(super) fn new(patterns: &[&str], size_limit: usize) -> Result<LineFinder, String> {
        let found = literals(patterns).and_then(|(lits, of)| {
            let build = |kind| AhoCorasick::builder().match_kind(kind).build(&lits).ok();
            let confirm = patterns
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let own: Vec<Vec<u8>> = (0..lits.len())
                        .filter(|&k| of[k].contains(&i))
                        .map(|k| lits[k].clone())
                        .collect();
                    let hir = regex_automata::util::syntax::parse_with(p, &syntax()).ok();
                    hir.map(|h| confirm_sets(&h, &own)).unwrap_or_default()
                })
                .map(|sets| {
                    sets.iter()
                        .map(|set| {
                            set.iter()
                                .map(|l| memchr::memmem::Finder::new(l).into_owned())
                                .collect()
                        })
                        .collect()
                })
                .collect();
            Some(LineFinder::Literals {
                searcher: build(MatchKind::LeftmostFirst)?,
                on_line: build(MatchKind::Standard)?,
                patterns: of,
                confirm,
            })
        });
        match found {
            Some(f) => Ok(f),
            None => LineFinder::patterns(patterns, size_limit),
        }
    }

    /// The finder that runs the patterns themselves.
    pub(super) fn patterns(patterns: &[&str], size_limit: usize) -> Result<LineFinder, String> {
        // `$` also before a `\r\n`: the rules match lines without it.
        Regex::builder()
            .syntax(syntax().crlf(true))
            .configure(
                Regex::config()
                    .nfa_size_limit(Some(size_limit))
                    .hybrid_cache_capacity(size_limit),
            )
            .build_many(patterns)
            .map(|re| LineFinder::Patterns(Box::new(re)))
            .map_err(|e| e.to_string())
    }

    /// Whether this finder is the fast one.
    pub(super) fn is_literal(&self) -> bool {
        matches!(self, LineFinder::Literals { .. })
    }

    /// The next line from `at` (a line start) that may hold a match: its
    /// start, its end (the offset of its `\n`, or the text's end), and
    /// where on it the first literal starts (none starts before).
    pub(super) fn next_line(&self, text: &[u8], at: usize) -> Option<(usize, usize, usize)> {
        let hit = match self {
            LineFinder::Literals { searcher, .. } => searcher
                .find(aho_corasick::Input::new(text).range(at..))?
                .start(),
            LineFinder::Patterns(re) => re
                .find(regex_automata::Input::new(text).range(at..))?
                .start(),
        };
        let start = memchr::memrchr(b'\n', &text[at..hit]).map_or(at, |i| at + i + 1);
        let end = memchr::memchr(b'\n', &text[hit..]).map_or(text.len(), |i| hit + i);
        Some((start, end, hit))
    }

    /// Whether `line` holds one literal of each of `pattern`'s confirming
    /// sets (always, for a finder that has none).
    pub(super) fn confirms(&self, pattern: usize, line: &[u8]) -> bool {
        let LineFinder::Literals { confirm, .. } = self else {
            return true;
        };
        confirm[pattern]
            .iter()
            .all(|set| set.iter().any(|f| f.find(line).is_some()))
    }

    /// The patterns that may match `line`, ascending, into `out`; `false`
    /// when this finder cannot tell (then any may).
    pub(super) fn patterns_on(&self, line: &[u8], out: &mut Vec<usize>) -> bool {
        out.clear();
        let LineFinder::Literals {
            on_line, patterns, ..
        } = self
        else {
            return false;
        };
        for m in on_line.find_overlapping_iter(line) {
            out.extend_from_slice(&patterns[m.pattern().as_usize()]);
        }
        out.sort_unstable();
        out.dedup();
        true
    }
}

/// A prefix rule's pattern searched only at the start of a line: a line
/// that does not start so is refused at its first bytes.
#[derive(Clone, Debug)]
pub(super) struct Anchored {
    re: Box<Regex>,
    /// The `time` group's index, when the pattern has one.
    time: Option<usize>,
}

/// Where an anchored pattern matched: its end, and the `time` group.
pub(super) struct AtStart {
    pub end: usize,
    pub time: Option<std::ops::Range<usize>>,
}

impl Anchored {
    pub(super) fn new(pattern: &str, size_limit: usize) -> Result<Anchored, String> {
        let re = Regex::builder()
            .syntax(syntax())
            .configure(
                Regex::config()
                    .nfa_size_limit(Some(size_limit))
                    .hybrid_cache_capacity(size_limit),
            )
            .build(pattern)
            .map_err(|e| e.to_string())?;
        let time = re
            .group_info()
            .to_index(regex_automata::util::primitives::PatternID::ZERO, "time");
        Ok(Anchored {
            re: Box::new(re),
            time,
        })
    }

    /// The match at the start of `line`, when there is one that is not
    /// empty.
    pub(super) fn at_start(&self, line: &[u8]) -> Option<AtStart> {
        let input = regex_automata::Input::new(line).anchored(regex_automata::Anchored::Yes);
        // Most lines are refused here, without captures.
        let end = self.re.search_half(&input)?.offset();
        if end == 0 {
            return None;
        }
        let time = match self.time {
            Some(g) => {
                let mut caps = self.re.create_captures();
                self.re.search_captures(&input, &mut caps);
                caps.get_group(g).map(|s| s.range())
            }
            None => None,
        };
        Some(AtStart { end, time })
    }
}

/// How the rules are parsed (as `regex` compiles them in `rules`).
fn syntax() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
}

/// The literals of every pattern and, for each, the patterns it stands
/// for; `None` when one pattern gives none or there are too many for the
/// fast searcher.
#[allow(clippy::type_complexity)]
fn literals(patterns: &[&str]) -> Option<(Vec<Vec<u8>>, Vec<Vec<usize>>)> {
    let hirs: Vec<Hir> = patterns
        .iter()
        .map(|p| regex_automata::util::syntax::parse_with(p, &syntax()).ok())
        .collect::<Option<_>>()?;
    // Each literal's place costs more until they fit the searcher: fewer,
    // shorter literals (a common start) rather than the slow path.
    [2, 8, 32, 128]
        .into_iter()
        .find_map(|place| literals_at(&hirs, place))
}

#[allow(clippy::type_complexity)]
fn literals_at(hirs: &[Hir], place: usize) -> Option<(Vec<Vec<u8>>, Vec<Vec<usize>>)> {
    let mut of_pattern = Vec::new();
    for hir in hirs {
        of_pattern.push(required(hir, place)?);
    }
    let mut all: Vec<&Vec<u8>> = of_pattern.iter().flatten().collect();
    all.sort();
    all.dedup();
    // A literal holding another is found through the shorter one, which
    // then stands for both literals' patterns.
    let kept: Vec<Vec<u8>> = all
        .iter()
        .filter(|l| {
            !all.iter()
                .any(|o| o.len() < l.len() && memchr::memmem::find(l, o).is_some())
        })
        .map(|l| l.to_vec())
        .collect();
    if kept.is_empty() || kept.len() > MAX_LITERALS {
        return None;
    }
    let stands_for = kept
        .iter()
        .map(|k| {
            (0..hirs.len())
                .filter(|&p| {
                    of_pattern[p]
                        .iter()
                        .any(|l| memchr::memmem::find(l, k).is_some())
                })
                .collect()
        })
        .collect();
    Some((kept, stands_for))
}

/// A set of literals one of which occurs in every match of `h`: the
/// literals it starts with when they are few and not short (a rule's
/// author puts the distinctive word first, and length alone cannot tell
/// `version=` on every line from `run:` on two), else the cheapest found
/// inside it, among the starts of each tail of a concatenation and each
/// part that every match goes through.
pub(super) fn required(h: &Hir, place: usize) -> Option<Vec<Vec<u8>>> {
    // Fewer start literals are taken as the places cost more.
    let max_start = 8 / place.min(8);
    if let Some(start) = prefixes(h).map(|s| merge_common_starts(&s))
        && start.len() <= max_start
        && start.iter().all(|l| l.len() >= 4)
    {
        return Some(start);
    }
    let mut best: Option<Vec<Vec<u8>>> = None;
    let mut consider = |c: Option<Vec<Vec<u8>>>| {
        let Some(c) = c else { return };
        let common = common_prefix(&c);
        for c in [merge_common_starts(&c), common] {
            if !c.is_empty()
                && best
                    .as_ref()
                    .is_none_or(|b| cost(&c, place) < cost(b, place))
            {
                best = Some(c);
            }
        }
    };
    consider(prefixes(h));
    match h.kind() {
        HirKind::Capture(c) => consider(required(&c.sub, place)),
        HirKind::Repetition(r) if r.min >= 1 => consider(required(&r.sub, place)),
        HirKind::Alternation(alts) => consider(
            alts.iter()
                .map(|a| required(a, place))
                .collect::<Option<Vec<_>>>()
                .map(|sets| sets.concat()),
        ),
        HirKind::Concat(parts) => {
            for i in 0..parts.len() {
                consider(prefixes(&Hir::concat(parts[i..].to_vec())));
                consider(required(&parts[i], place));
            }
        }
        _ => {}
    }
    best
}

/// Most confirming sets kept per pattern, and most literals in one.
const MAX_CONFIRM_SETS: usize = 4;
const MAX_CONFIRM_LITERALS: usize = 4;

/// Sets of literals, one of each of which stands in every match of `h`
/// (the starts of a concatenation's tails, a part's own, an alternation's
/// branches' together), small and of literals of three bytes or more,
/// other than one a line found by the pattern's own literals (`searched`)
/// holds already: each is a cheap
/// `memmem` that spares the pattern's own match on most lines where it
/// cannot match. Longest shortest literal first.
pub(super) fn confirm_sets(h: &Hir, searched: &[Vec<u8>]) -> Vec<Vec<Vec<u8>>> {
    let mut all = Vec::new();
    collect_required(h, &mut all);
    let mut sets: Vec<Vec<Vec<u8>>> = all
        .into_iter()
        .map(|mut set| {
            set.sort();
            set.dedup();
            set
        })
        .filter(|set| {
            !set.is_empty()
                && set.len() <= MAX_CONFIRM_LITERALS
                && set.iter().all(|l| l.len() >= 3)
                // Whichever literal the line was found by holds one.
                && !searched
                    .iter()
                    .all(|s| set.iter().any(|l| memchr::memmem::find(s, l).is_some()))
        })
        .collect();
    sets.sort_by_key(|set| std::cmp::Reverse(set.iter().map(Vec::len).min()));
    sets.dedup();
    sets.truncate(MAX_CONFIRM_SETS);
    sets
}

/// Every set [`required`] considers for `h`, into `out`.
fn collect_required(h: &Hir, out: &mut Vec<Vec<Vec<u8>>>) {
    if let Some(p) = prefixes(h) {
        out.push(merge_common_starts(&p));
    }
    match h.kind() {
        HirKind::Capture(c) => collect_required(&c.sub, out),
        HirKind::Repetition(r) if r.min >= 1 => collect_required(&r.sub, out),
        HirKind::Alternation(alts) => {
            // Each branch's set of the longest shortest literal, together.
            let best = |a: &Hir| {
                let mut sets = Vec::new();
                collect_required(a, &mut sets);
                sets.into_iter()
                    .filter(|s| !s.is_empty())
                    .max_by_key(|s| (s.iter().map(Vec::len).min(), std::cmp::Reverse(s.len())))
            };
            if let Some(sets) = alts.iter().map(best).collect::<Option<Vec<_>>>() {
                out.push(sets.concat());
            }
        }
        HirKind::Concat(parts) => {
            for i in 0..parts.len() {
                if let Some(p) = prefixes(&Hir::concat(parts[i..].to_vec())) {
                    out.push(merge_common_starts(&p));
                }
                collect_required(&parts[i], out);
            }
        }
        _ => {}
    }
}

/// The literals every match of `h` starts with, when there are finitely
/// many, none empty and none across a line end.
fn prefixes(h: &Hir) -> Option<Vec<Vec<u8>>> {
    // A set of more than 64 is of no use (the searcher takes 64 in all):
    // the extractor stops there rather than cross ever larger sets.
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_total(MAX_LITERALS)
        .extract(h);
    let lits: Vec<Vec<u8>> = seq
        .literals()?
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let usable = !lits.is_empty() && lits.iter().all(|l| !l.is_empty() && !l.contains(&b'\n'));
    usable.then_some(lits)
}

/// The longest start all of `set` share, as a set of one (none when
/// they share nothing).
fn common_prefix(set: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let Some(first) = set.first() else {
        return Vec::new();
    };
    let n = set
        .iter()
        .fold(first.len(), |n, l| n.min(shared_start(l, first)));
    if n == 0 {
        Vec::new()
    } else {
        vec![first[..n].to_vec()]
    }
}

/// How many bytes `a` and `b` start with alike.
fn shared_start(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// `set` with literals sharing a start of four bytes or more replaced by
/// that start: one literal instead of `run:\t` and `run: `.
fn merge_common_starts(set: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut sorted = set.to_vec();
    sorted.sort();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for l in sorted {
        if let Some(last) = out.last_mut() {
            let n = shared_start(last, &l);
            if n >= 4 {
                last.truncate(n);
                continue;
            }
        }
        out.push(l);
    }
    out
}

/// What a set costs the searcher: each literal, more so when short (a
/// short literal, a word like `any `, is found on many lines that the
/// rules then reject): each byte short of ten doubles it. Each literal
/// also takes one of the searcher's few dozen places, at `place`.
fn cost(set: &[Vec<u8>], place: usize) -> usize {
    set.iter()
        .map(|l| place + (1 << 10usize.saturating_sub(l.len())))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pattern: &str) -> Vec<String> {
        let hir = regex_automata::util::syntax::parse_with(pattern, &syntax()).unwrap();
        let mut v: Vec<String> = required(&hir, 2)
            .unwrap_or_default()
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_case_class_at_the_start_gives_a_factor_from_further_in() {
        assert_eq!(
            of("(?P<sign>[Tt]oo ?[Mm]any ?[Rr]equests|[Pp]ull rate limit)"),
            ["Pull rate limit", "equests", "pull rate limit"]
        );
        // A few start literals are taken as they are, spacing merged.
        assert_eq!(of(r"\brun:[ \t]+start"), ["run:"]);
        assert_eq!(
            of("(?P<sign>toomanyrequests|Too Many Requests|[Pp]ull rate limit)"),
            [
                "Pull rate limit",
                "Too Many Requests",
                "pull rate limit",
                "toomanyrequests"
            ]
        );
        assert_eq!(of(r"\bdeploy-count=(?P<n>\d+)\b"), ["deploy-count="]);
    }

    #[test]
    fn a_pattern_that_can_start_anywhere_gives_none() {
        assert!(of(r".*x?").is_empty());
        assert!(of(r"[a-z]+ failed").contains(&" failed".to_string()));
        assert!(literals(&[r"\bFATA\b", r"\w+"]).is_none());
        let (kept, of) = literals(&["FATA deploy", "FATA", "x+ FATAL"]).unwrap();
        assert_eq!((kept, of), (vec![b"FATA".to_vec()], vec![vec![0, 1, 2]]));
    }

    #[test]
    fn a_pattern_found_by_a_common_start_is_confirmed_by_a_rarer_part() {
        let bad_gateway = r"(?:https?://[^ \t]+[ \t]+status=|not healthy over HTTPS[ \t]+[^ \t]+[ \t]+\()(?P<status>50[24])\b";
        let no_answer =
            r"(?:https?://[^ \t]+[ \t]+status=0{1,3}\b|not healthy over HTTPS[ \t]+\(0\))";
        let sets = |p: &str| -> Vec<Vec<String>> {
            let hir = regex_automata::util::syntax::parse_with(p, &syntax()).unwrap();
            confirm_sets(
                &hir,
                &[b"http".to_vec(), b"not healthy over HTTPS".to_vec()],
            )
            .iter()
            .map(|s| {
                s.iter()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .collect()
            })
            .collect()
        };
        assert!(sets(bad_gateway).contains(&vec!["502".to_string(), "504".to_string()]));
        assert!(sets(no_answer).contains(&vec![
            "not healthy over HTTPS".to_string(),
            "status=0".to_string()
        ]));
        // The set the line was found by is no confirmation.
        assert!(
            !sets(no_answer)
                .iter()
                .any(|s| s == &["http", "not healthy over HTTPS"])
        );

        let finder = LineFinder::new(
            &[r"https?://[^ ]+ status=\d+", bad_gateway, no_answer],
            1 << 20,
        )
        .unwrap();
        let ok = b"https://x.example/ status=200";
        let mut on = Vec::new();
        assert!(finder.patterns_on(ok, &mut on));
        assert_eq!(on, [0, 1, 2]);
        let confirmed: Vec<usize> = on
            .iter()
            .copied()
            .filter(|&p| finder.confirms(p, ok))
            .collect();
        assert_eq!(confirmed, [0]);
        assert!(finder.confirms(1, b"https://x.example/ status=502"));
        assert!(finder.confirms(2, b"https://x.example/ status=000"));
    }

    #[test]
    fn the_next_line_is_the_one_holding_a_literal() {
        let finder = LineFinder::new(&["needle", r"other\d", r"an? needle"], 1 << 20).unwrap();
        assert!(finder.is_literal());
        let mut on = Vec::new();
        assert!(finder.patterns_on(b"b needle c other1", &mut on));
        assert_eq!(on, [0, 1, 2]);
        assert!(finder.patterns_on(b"other", &mut on));
        assert_eq!(on, [1]);
        let text = b"a\nb needle c\nd\nother7\n";
        assert_eq!(finder.next_line(text, 0), Some((2, 12, 4)));
        assert_eq!(finder.next_line(text, 13), Some((15, 21, 15)));
        assert_eq!(finder.next_line(text, 22), None);
        let slow = LineFinder::new(&[r"(?P<x>[a-z]{3})$", r"(?P<x>[0-9]{3})$"], 1 << 20).unwrap();
        assert!(!slow.is_literal());
        assert_eq!(slow.next_line(b"x\nthe end\nneed\n", 0), Some((2, 9, 6)));
    }
}
