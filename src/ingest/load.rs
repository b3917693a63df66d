//! Load: which runs shared the node with which (cc-ci-runs.md §7).
//!
//! A run's load is the set of other runs whose span overlaps it. An
//! isolation run overlaps no other run and is not part of a sweep. Load is
//! a fact about the node, not about the argument list, so it is computed
//! over every run of the root, whichever were asked about.

use std::collections::HashMap;

use crate::model::{Run, Span};

/// The overlapping runs of the runs `wanted` says yes to, by id, over
/// every run in `spans` (id, span): load is computed over every span, but
/// a report holds the lists of the runs it reads, not of the whole root.
/// Runs of unknown span overlap nothing. O(n log n + overlaps).
pub fn overlaps_of(
    spans: &[(String, Span)],
    wanted: impl Fn(&str) -> bool,
) -> HashMap<String, Vec<String>> {
    let keep: Vec<bool> = spans.iter().map(|s| wanted(&s.0)).collect();
    let mut order: Vec<usize> = (0..spans.len())
        .filter(|&i| spans[i].1.is_known())
        .collect();
    order.sort_by_key(|&i| spans[i].1.started);
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, &i) in order.iter().enumerate() {
        let end_i = spans[i].1.finished;
        for &j in &order[k + 1..] {
            if spans[j].1.started >= end_i {
                break;
            }
            if spans[i].1.overlaps(&spans[j].1) {
                if keep[i] {
                    out.entry(spans[i].0.clone())
                        .or_default()
                        .push(spans[j].0.clone());
                }
                if keep[j] {
                    out.entry(spans[j].0.clone())
                        .or_default()
                        .push(spans[i].0.clone());
                }
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

/// Sorts runs by time (start, else finish), then id.
pub fn sort(runs: &mut [Run]) {
    runs.sort_by(|a, b| time_order((a.span, &a.id), (b.span, &b.id)));
}

/// The time order of runs (or of their light columns): start, else
/// finish, then id.
pub fn time_order(a: (Span, &str), b: (Span, &str)) -> std::cmp::Ordering {
    a.0.key().cmp(&b.0.key()).then_with(|| a.1.cmp(b.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn run(id: &str, a: &str, b: &str) -> Run {
        let mut r = Run::new(id, id);
        r.span = Span {
            started: Some(a.parse().unwrap()),
            finished: Some(b.parse().unwrap()),
        };
        r
    }

    #[test]
    fn load_is_the_set_of_overlapping_runs() {
        let runs = [
            run("a", "2026-06-14T03:00:00Z", "2026-06-14T03:20:00Z"),
            run("b", "2026-06-14T03:10:00Z", "2026-06-14T03:40:00Z"),
            run("c", "2026-06-14T03:20:00Z", "2026-06-14T03:30:00Z"),
            run("d", "2026-06-18T00:00:00Z", "2026-06-18T00:10:00Z"),
        ];
        let spans: Vec<(String, Span)> = runs.iter().map(|r| (r.id.clone(), r.span)).collect();
        let over = overlaps_of(&spans, |_| true);
        assert_eq!(over["a"], vec!["b"]);
        assert_eq!(over["b"], vec!["a", "c"]);
        // Touching end to start is not overlapping.
        assert_eq!(over["c"], vec!["b"]);
        assert!(!over.contains_key("d"));
        assert!(runs[3].is_isolation());
        // Only the runs wanted get their lists, computed over every span.
        let only_b = overlaps_of(&spans, |id| id == "b");
        assert_eq!(only_b.len(), 1);
        assert_eq!(only_b["b"], vec!["a", "c"]);
    }
}
