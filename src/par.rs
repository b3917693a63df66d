//! Work spread over the machine's cores: one scoped thread per core (at
//! most 8), each taking the next item, the results put back in the items'
//! order. Reading runs, listing a root, parsing summaries and compiling
//! the rules go through here.

/// How many threads: one per core, at most 8, at most `jobs`.
pub fn workers(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(jobs)
}

/// `f` of every item, in their order, on one thread per core (at most 8).
pub fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    map_with(items, || (), |_, item| f(item))
}

/// [`map`] with each thread's own state, made by `init` (such as its
/// own copy of the rules: a compiled pattern's cache then is its own).
pub fn map_with<T: Sync, U: Send, S>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> U + Sync,
) -> Vec<U> {
    let n = workers(items.len());
    if n <= 1 {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<U>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    let mut state = init();
                    let mut got = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        got.push((i, f(&mut state, item)));
                    }
                    got
                })
            })
            .collect();
        for h in handles {
            let got = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (i, u) in got {
                out[i] = Some(u);
            }
        }
    });
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_of_its_items() {
        let items: Vec<u64> = (0..5000).collect();
        assert_eq!(
            map(&items, |x| x * x + 1),
            items.iter().map(|x| x * x + 1).collect::<Vec<_>>()
        );
        assert!(map(&Vec::<u8>::new(), |x| *x).is_empty());
        assert_eq!(map(&[7u8], |x| *x), [7]);
        // Each thread's own state: every item sees one made for its thread.
        let made = std::sync::atomic::AtomicUsize::new(0);
        let out = map_with(
            &items,
            || made.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            |_, x| *x,
        );
        assert_eq!(out, items);
        assert!(made.into_inner() <= workers(items.len()));
    }
}
