//! Work spread over the machine's cores: one scoped thread per core (at
//! most 8), each taking the next item; the results come back to the
//! calling thread as they are made ([`stream_with`]) or in the items'
//! order ([`map`]). Reading runs, listing a root, parsing summaries and
//! compiling the rules go through here.

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
    let mut out: Vec<Option<U>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    stream_with(items, init, f, |i, u| out[i] = Some(u));
    out.into_iter().flatten().collect()
}

/// `f` of every item on [`workers`] threads, each with its own state made
/// by `init`; each result is handed to `sink` on the calling thread as it
/// comes (a few at a time), with its item's index. The channel between
/// them is bounded: a slow sink holds the workers back rather than let
/// results pile up.
pub fn stream_with<T: Sync, U: Send, S>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> U + Sync,
    mut sink: impl FnMut(usize, U),
) {
    let n = workers(items.len());
    if n <= 1 {
        let mut state = init();
        for (i, item) in items.iter().enumerate() {
            sink(i, f(&mut state, item));
        }
        return;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (init, f) = (&init, &f);
    std::thread::scope(|s| {
        // Results go over in batches: a hand-over wakes the calling
        // thread, and one per item (a thousand small runs) costs more in
        // wake-ups than the sink's work.
        let (send, recv) = std::sync::mpsc::sync_channel::<Vec<(usize, U)>>(n);
        for _ in 0..n {
            let send = send.clone();
            let next = &next;
            s.spawn(move || {
                let mut state = init();
                let mut batch = Vec::with_capacity(BATCH);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    batch.push((i, f(&mut state, item)));
                    if batch.len() == BATCH
                        && send
                            .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                            .is_err()
                    {
                        return;
                    }
                }
                if !batch.is_empty() {
                    let _ = send.send(batch);
                }
            });
        }
        drop(send);
        for batch in recv {
            for (i, u) in batch {
                sink(i, u);
            }
        }
    });
}

/// Results a worker hands over at once.
const BATCH: usize = 4;

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
        // Streamed: every item's result once, with its index.
        let mut seen = vec![0u8; items.len()];
        stream_with(
            &items,
            || (),
            |_, x| *x as usize,
            |i, x| {
                assert_eq!(i, x);
                seen[i] += 1;
            },
        );
        assert!(seen.iter().all(|&n| n == 1));
    }
}
