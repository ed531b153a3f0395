//! Checking candidate rows against the filter, split across scoped threads, and putting the
//! hits in display order.

use std::thread;

use nucleo_matcher::Matcher;

use super::grams::WordPairs;
use super::texts::Texts;
use super::{Corpus, StatusCounts, Stop};
use crate::domain::filter::{Filter, RowText, Scratch};
use crate::domain::row::PackedRows;

impl Corpus {
    /// Checks the candidates (every row, or `within`) against `filter` and returns the hits,
    /// ordered, with their counts; `None` when `stop` said to give up.
    ///
    /// Candidates are visited in memory order, not display order: touching the rows in the
    /// order they lie in memory is several times faster than jumping around. Each thread
    /// returns the ranks of its hits, or, ranking by score, score-and-rank keys that it sorts
    /// itself; ranks are then put in order through a bitmap, sorted keys merged, and both
    /// mapped back to rows.
    pub(super) fn scan(
        &self,
        filter: &Filter,
        within: Option<&[u32]>,
        matchers: &mut [Matcher],
        stop: Stop<'_>,
    ) -> Option<(Vec<u32>, StatusCounts)> {
        let previous: Vec<u32>;
        let pruned: Vec<u32>;
        let words: Vec<WordPairs> = filter
            .positive_words()
            .map(|w| WordPairs::of_needle(w.needle_chars()))
            .collect();
        let candidates = match within {
            None => match self.texts.grams.candidates(&words, self.rows.len()) {
                Some(rows) => {
                    pruned = rows;
                    Rows::List(&pruned)
                }
                None => Rows::Range(0..self.rows.len() as u32),
            },
            Some(hits) => {
                previous = ascending(hits.iter().copied(), self.rows.len());
                Rows::List(&previous)
            }
        };
        let by_score = self.sort.is_none() && filter.has_words();
        let scanner = Scanner {
            rows: &self.rows,
            texts: &self.texts,
            filter,
            rank: &self.rank,
            by_score,
            stop,
        };
        let threads = if candidates.len() >= self.parallel_min {
            self.threads
        } else {
            1
        };
        let threads = threads.min(matchers.len());
        let parts = scan_parallel(&scanner, candidates, &mut matchers[..threads]);
        if stop.stopped() {
            return None;
        }
        let mut counts = StatusCounts::default();
        parts.iter().for_each(|p| counts.merge(&p.counts));
        let order = &self.order;
        let hits = if by_score {
            let mut keys: Vec<u64> = Vec::with_capacity(counts.total());
            parts.iter().for_each(|p| keys.extend_from_slice(&p.keys));
            // Each part is sorted; the stable sort merges the runs.
            keys.sort();
            keys.iter().map(|&k| order[k as u32 as usize]).collect()
        } else {
            let ranks = parts.iter().flat_map(|p| p.keys.iter().map(|&k| k as u32));
            let mut hits = ascending(ranks, order.len());
            hits.iter_mut().for_each(|r| *r = order[*r as usize]);
            hits
        };
        Some((hits, counts))
    }
}

/// Distinct values below `bound`, ascending: marked in a bitmap (an eighth of a byte per
/// possible value) and read back in order, cheaper than sorting them.
fn ascending(values: impl Iterator<Item = u32>, bound: usize) -> Vec<u32> {
    let mut bits = vec![0u64; bound.div_ceil(64)];
    let mut total = 0;
    for v in values {
        total += 1;
        bits[(v / 64) as usize] |= 1 << (v % 64);
    }
    let mut ranks = Vec::with_capacity(total);
    for (word_at, &word) in bits.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            ranks.push(word_at as u32 * 64 + word.trailing_zeros());
            word &= word - 1;
        }
    }
    ranks
}

/// Row indices to check, ascending.
#[derive(Clone)]
enum Rows<'a> {
    Range(std::ops::Range<u32>),
    List(&'a [u32]),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::Range(r) => r.len(),
            Rows::List(l) => l.len(),
        }
    }

    /// Splits into `parts` contiguous pieces of nearly equal size.
    fn split(&self, parts: usize) -> Vec<Rows<'_>> {
        let size = self.len().div_ceil(parts.max(1)).max(1);
        match self {
            Rows::Range(r) => (r.start..r.end)
                .step_by(size)
                .map(|lo| Rows::Range(lo..(lo + size as u32).min(r.end)))
                .collect(),
            Rows::List(l) => l.chunks(size).map(Rows::List).collect(),
        }
    }
}

/// Scans one piece of the candidates per matcher on scoped threads (the first on this thread).
fn scan_parallel(
    scanner: &Scanner<'_>,
    candidates: Rows<'_>,
    matchers: &mut [Matcher],
) -> Vec<Part> {
    let Some((first_matcher, others)) = matchers.split_first_mut() else {
        return Vec::new();
    };
    let mut pieces = candidates.split(others.len() + 1).into_iter();
    let first = pieces.next().unwrap_or(Rows::List(&[]));
    thread::scope(|s| {
        let handles: Vec<_> = pieces
            .zip(others.iter_mut())
            .map(|(c, m)| s.spawn(move || scanner.run(c, m)))
            .collect();
        let mut parts = vec![scanner.run(first, first_matcher)];
        for h in handles {
            match h.join() {
                Ok(part) => parts.push(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    })
}

/// What one thread found.
#[derive(Default)]
struct Part {
    /// The ranks of the hits, or, ranking by score, sorted `(u32::MAX - score) << 32 | rank`.
    keys: Vec<u64>,
    counts: StatusCounts,
}

/// The read-only state a scan shares between threads.
struct Scanner<'a> {
    rows: &'a PackedRows,
    texts: &'a Texts,
    filter: &'a Filter,
    rank: &'a [u32],
    by_score: bool,
    stop: Stop<'a>,
}

/// How many rows a scan checks between two looks at its [`Stop`].
const STOP_EVERY: usize = 4096;

impl Scanner<'_> {
    fn run(&self, candidates: Rows<'_>, matcher: &mut Matcher) -> Part {
        let mut part = Part::default();
        let mut scratch = Scratch::default();
        let mut visit = |i: u32| {
            let Some(score) = self.score(i as usize, matcher, &mut scratch) else {
                return;
            };
            if let Some(row) = self.rows.get(i as usize) {
                part.counts.add(row.status());
            }
            let rank = u64::from(self.rank[i as usize]);
            part.keys.push(if self.by_score {
                (u64::from(u32::MAX - score) << 32) | rank
            } else {
                rank
            });
        };
        match candidates {
            Rows::Range(r) => {
                for lo in r.clone().step_by(STOP_EVERY) {
                    if self.stop.stopped() {
                        return part;
                    }
                    (lo..(lo + STOP_EVERY as u32).min(r.end)).for_each(&mut visit);
                }
            }
            Rows::List(l) => {
                for chunk in l.chunks(STOP_EVERY) {
                    if self.stop.stopped() {
                        return part;
                    }
                    chunk.iter().copied().for_each(&mut visit);
                }
            }
        }
        if self.by_score {
            part.keys.sort_unstable();
        }
        part
    }

    fn score(&self, i: usize, matcher: &mut Matcher, scratch: &mut Scratch) -> Option<u32> {
        let row = self.rows.get(i)?;
        if !self.filter.matches_terms(row) {
            return None;
        }
        if self.filter.words.is_empty() {
            return Some(0);
        }
        if !self.filter.admits(self.texts.sig(i)) {
            return None;
        }
        let text = RowText {
            row,
            prepared: Some(self.texts.prepared(i)),
        };
        self.filter
            .score_words(&text, matcher, scratch, self.by_score)
    }
}
