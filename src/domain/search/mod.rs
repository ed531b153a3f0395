//! Filtering and sorting the list quickly enough for live typing over 1,000,000 rows.
//!
//! Three layers:
//! - [`Corpus`] owns the rows (they are not copied) and what makes a search fast; its
//!   [`Corpus::search`] takes `&self` and a [`Stop`], so a thread can search it while others
//!   read it, and give up when the query went stale.
//! - [`LiveSearch`] (the `worker` module) is what the dashboard uses: the corpus shared with a
//!   search thread, queries answered by generation, stale scans stopped, the previous result
//!   shown until the new one is there, counts of extra filters (saved views) kept up to date.
//! - [`SearchIndex`] is a corpus with the result of its last filter, searched on the calling
//!   thread (tests, benchmarks).
//!
//! The rows themselves are packed ([`PackedRows`]: a fixed record per row and one text buffer,
//! no allocation per row), and the filter and the sort read them in place through
//! [`RowRef`]. Beside them the corpus keeps:
//! - the rows in the current sort order (`order`) and each row's position in it (`rank`): hits
//!   are put in display order through a bitmap of their ranks (or, ranked by score, by sorting
//!   score-and-rank integers), never by comparing rows;
//! - the row indices sorted by id, for updates by id;
//! - a 40-byte signature per row (which characters the name and customer have, which
//!   characters and pairs the notes have) that rules most rows out for a word without reading
//!   any text, and which of its texts are not ASCII (those are folded to ASCII as a candidate is
//!   checked, see `fold_ascii` in the filter module: `é` as `e`, other letters as a byte no
//!   ASCII word matches);
//! - postings of letter pairs per block of 64 rows (the `grams` module: ordered pairs of the
//!   name and customer, adjacent pairs of the notes), so a full scan for a word of two letters
//!   or more reads only the blocks that may hold it. They only ever keep too many blocks,
//!   never too few (a property test checks them against a plain scan); about 5 bytes a row.
//!
//! The index adds about 60 bytes per row to the packed rows' 300 or so (rows shaped like the
//! demo data's: GUID ids, a 40-character name, 130 characters of notes and contacts).
//!
//! Each search either *narrows* (the new filter refines the one of the current
//! hits, as when one more letter is typed or a token is added: only the current hits are
//! checked, see [`Filter::refines`]) or scans every row the pair postings leave. Rows are visited in memory order and
//! put in display order afterwards; scans of at least 20,000 rows are split across threads with
//! [`std::thread::scope`], each with its own reused [`Matcher`]. Exact tokens are checked
//! before free words, and without ranking by score the first field a word matches in is
//! enough. `benches/search.rs` measures it.
//!
//! # Order (our choices)
//! - With an explicit [`SortSpec`] the hits follow it. Missing values (no deal value, empty
//!   currency, Marketo not checked yet…) sort last in both directions; equal keys are ordered
//!   by id, then by position, so the order is total and stable.
//! - With no explicit sort (`None`, the default) and positive free words, the hits are ranked
//!   by score ([`Filter::score_row`]), best first, ties in the default order; without free
//!   words the default order is [`SortSpec::DEFAULT`], most recently updated first.
//! - Text columns compare ignoring case (ASCII case first, then Unicode lower case).
//!
//! Row indices are `u32`: one index holds at most `u32::MAX` rows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use nucleo_matcher::{Config, Matcher};

use super::enums::Status;
use super::filter::{Cond, Filter, ListField};
use super::marketo::MarketoBadge;
use super::row::{PackedRows, ReferralRow, RowId, RowRef};

mod grams;
mod linked;
mod scan;
mod sort;
mod texts;
mod worker;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod worker_tests;

use sort::sort_key;
pub use sort::{Column, SortSpec, compare_rows};
use texts::Texts;
pub use worker::LiveSearch;

/// How many hits have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub new: usize,
    pub active: usize,
    pub closed: usize,
    /// `None` or a status this build does not know.
    pub other: usize,
}

impl StatusCounts {
    /// All hits.
    pub fn total(&self) -> usize {
        self.new + self.active + self.closed + self.other
    }

    /// Counts one more row of this status.
    pub fn add(&mut self, status: &Status) {
        match status {
            Status::New => self.new += 1,
            Status::Active => self.active += 1,
            Status::Closed => self.closed += 1,
            _ => self.other += 1,
        }
    }

    fn merge(&mut self, o: &StatusCounts) {
        self.new += o.new;
        self.active += o.active;
        self.closed += o.closed;
        self.other += o.other;
    }
}

/// How the last [`SearchIndex::apply`] found its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scan {
    /// Every row was checked.
    #[default]
    Full,
    /// Only the previous hits were checked (the filter refined the previous one).
    Narrowed,
}

/// A field whose matched letters can be highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Name,
    Customer,
}

/// What one search found: the hits in display order and their status counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Row indices, in display order (linked referrals together, see `linked`).
    pub hits: Vec<u32>,
    pub counts: StatusCounts,
    /// Whether every row was checked or only the previous hits.
    pub scan: Scan,
}

/// Tells a scan to give up: set when a newer query made this one stale. Checked every few
/// thousand rows, so a stopped scan returns within a fraction of a millisecond.
#[derive(Clone, Copy, Default)]
pub struct Stop<'a> {
    /// The scan stops once `latest` differs from `generation`.
    watch: Option<(&'a AtomicU64, u64)>,
}

impl<'a> Stop<'a> {
    /// A scan that runs to the end.
    pub fn never() -> Stop<'static> {
        Stop { watch: None }
    }

    /// A scan for query `generation` that stops once `latest` holds another generation.
    pub fn unless_latest(latest: &'a AtomicU64, generation: u64) -> Stop<'a> {
        Stop {
            watch: Some((latest, generation)),
        }
    }

    /// True when the scan should give up.
    pub fn stopped(&self) -> bool {
        self.watch
            .is_some_and(|(latest, g)| latest.load(Ordering::Relaxed) != g)
    }
}

/// The rows of the list with what makes filtering and sorting them fast (see the module docs),
/// without any query state: [`Corpus::search`] takes `&self`, so a worker thread can search a
/// shared corpus while the UI draws from it.
#[derive(Clone)]
pub struct Corpus {
    rows: PackedRows,
    texts: Texts,
    /// The rows that may be grouped with a Microsoft copy.
    linked: linked::Linked,
    by_id: Vec<u32>,
    order: Vec<u32>,
    rank: Vec<u32>,
    sort: Option<SortSpec>,
    threads: usize,
    parallel_min: usize,
}

/// Fewer candidates than this are scanned on one thread.
const PARALLEL_MIN: usize = 20_000;

impl Corpus {
    /// Indexes the rows in the default order. Ids are expected to be unique; with duplicates,
    /// lookups by id find one of them.
    ///
    /// # Panics
    /// With more than `u32::MAX` rows.
    pub fn new(rows: impl Into<PackedRows>) -> Corpus {
        let rows: PackedRows = rows.into();
        let threads = thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let mut corpus = Corpus {
            texts: Texts::new(&rows),
            linked: linked::Linked::of(&rows),
            by_id: (0..rows.len() as u32).collect(),
            order: (0..rows.len() as u32).collect(),
            rank: Vec::new(),
            rows,
            sort: None,
            threads,
            parallel_min: PARALLEL_MIN,
        };
        corpus.sort_by_id();
        corpus.resort();
        corpus
    }

    /// Sorts `by_id` (stable: equal ids keep their order).
    fn sort_by_id(&mut self) {
        let rows = &self.rows;
        let id = |i: u32| rows.get(i as usize).expect("row index").id();
        self.by_id.sort_by(|&a, &b| id(a).cmp(&id(b)));
    }

    /// Uses `threads` threads (at least 1) for scans of at least `min_candidates` rows.
    /// For tuning and tests; the defaults come from the machine.
    pub fn set_parallelism(&mut self, threads: usize, min_candidates: usize) {
        self.threads = threads.max(1);
        self.parallel_min = min_candidates;
    }

    /// How many threads a large scan uses.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// One matcher per scan thread, for [`Corpus::search`].
    pub fn matchers(&self) -> Vec<Matcher> {
        (0..self.threads)
            .map(|_| Matcher::new(Config::DEFAULT))
            .collect()
    }

    /// All rows, in the order they were added (the indices of the hits).
    pub fn rows(&self) -> &PackedRows {
        &self.rows
    }

    /// One row by index.
    pub fn row(&self, i: usize) -> Option<RowRef<'_>> {
        self.rows.get(i)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of the row with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        let id = RowId::of(id);
        self.by_id
            .binary_search_by(|&i| self.rows.get(i as usize).expect("row index").id().cmp(&id))
            .ok()
            .map(|p| self.by_id[p] as usize)
    }

    /// The explicit sort; `None` is the default order (see the module docs).
    pub fn sort(&self) -> Option<SortSpec> {
        self.sort
    }

    /// Changes the sort; true when it changed (the hits must then be put in the new order).
    pub fn set_sort(&mut self, sort: Option<SortSpec>) -> bool {
        if self.sort == sort {
            return false;
        }
        self.sort = sort;
        self.resort();
        true
    }

    /// How many rows `filter` keeps, over all rows.
    pub fn count(&self, filter: &Filter) -> usize {
        let mut matchers = self.matchers();
        self.search(filter, None, &mut matchers, Stop::never())
            .map_or(0, |f| f.hits.len())
    }

    /// Filters the rows: every row, or with `within` only those (previous hits, in any order;
    /// the caller knows `filter` refines the filter they came from). Uses one matcher per
    /// thread (see [`Corpus::matchers`]). `None` when `stop` said to give up.
    pub fn search(
        &self,
        filter: &Filter,
        within: Option<&[u32]>,
        matchers: &mut [Matcher],
        stop: Stop<'_>,
    ) -> Option<Found> {
        let scan = if within.is_some() {
            Scan::Narrowed
        } else {
            Scan::Full
        };
        let (hits, counts) = self.scan(filter, within, matchers, stop)?;
        if stop.stopped() {
            return None;
        }
        let hits = linked::group_linked(&hits, &self.rows, &self.linked.bits);
        Some(Found { hits, counts, scan })
    }

    /// Replaces the rows with the same id and adds the others (after a refresh), then
    /// re-sorts; the hits of any filter must then be searched again. Within `rows`, the last
    /// of equal ids wins. False when `rows` was empty.
    pub fn upsert(&mut self, rows: impl IntoIterator<Item = ReferralRow>) -> bool {
        let mut fresh: Vec<ReferralRow> = Vec::new();
        let mut changed: Vec<u32> = Vec::new();
        let mut copies_changed = false;
        let mut any = false;
        for row in rows {
            any = true;
            match self.index_of(&row.id) {
                Some(i) => {
                    let was_copy = self.rows.get(i).is_some_and(|r| r.microsoft());
                    copies_changed |= row.microsoft || was_copy;
                    self.texts.set(i, RowRef::from(&row));
                    self.rows.set(i, row);
                    changed.push(i as u32);
                }
                None => fresh.push(row),
            }
        }
        if !any {
            return false;
        }
        // Keep the last of equal new ids: stable sort, then dedup keeping the later one.
        fresh.reverse();
        fresh.sort_by(|a, b| a.id.cmp(&b.id));
        fresh.dedup_by(|later, earlier| later.id == earlier.id);
        assert!(
            u32::try_from(self.rows.len() + fresh.len()).is_ok(),
            "a search index holds at most u32::MAX rows"
        );
        let first_fresh = self.rows.len() as u32;
        for row in fresh {
            copies_changed |= row.microsoft;
            self.texts.push(RowRef::from(&row));
            self.rows.push(row);
        }
        let fresh: Vec<u32> = (first_fresh..self.rows.len() as u32).collect();
        // `fresh` is in id order (sorted above) and holds no id of the other rows.
        let rows = &self.rows;
        let id = |i: u32| rows.get(i as usize).expect("row index").id();
        self.by_id = merge_at(&self.by_id, &fresh, |&j, &f| id(j) < id(f));
        changed.extend(fresh);
        if copies_changed {
            self.linked = linked::Linked::of(&self.rows);
        } else {
            self.linked.update(&self.rows, &changed);
        }
        self.reorder(changed);
        true
    }

    /// Puts rows whose sort values changed (or new rows, not in `order` yet) back in order:
    /// the others keep their order, each of these is placed by binary search. A few changes
    /// among a million rows cost a copy of the order, not a sort; many are sorted afresh.
    fn reorder(&mut self, mut moved: Vec<u32>) {
        moved.sort_unstable();
        moved.dedup();
        if moved.len() > self.rows.len() / 8 {
            self.order = (0..self.rows.len() as u32).collect();
            self.resort();
            return;
        }
        let spec = self.sort.unwrap_or(SortSpec::DEFAULT);
        let rows = &self.rows;
        let row = |i: u32| rows.get(i as usize).expect("row index");
        let cmp = |a: u32, b: u32| compare_rows(row(a), row(b), spec).then(a.cmp(&b));
        let rest: Vec<u32> = self
            .order
            .iter()
            .copied()
            .filter(|i| moved.binary_search(i).is_err())
            .collect();
        moved.sort_by(|&a, &b| cmp(a, b));
        self.order = merge_at(&rest, &moved, |&r, &m| cmp(r, m).is_lt());
        self.rank.resize(self.order.len(), 0);
        for (pos, &i) in self.order.iter().enumerate() {
            self.rank[i as usize] = pos as u32;
        }
    }

    /// Sets many Marketo badges at once (one re-sort at most); returns how many rows were
    /// found and whether any badge changed.
    pub fn set_marketo_many<'a>(
        &mut self,
        badges: impl IntoIterator<Item = (&'a str, MarketoBadge)>,
    ) -> (usize, bool) {
        let mut found = 0;
        let mut changed = Vec::new();
        for (id, badge) in badges {
            if let Some(i) = self.index_of(id) {
                found += 1;
                if self.rows.set_marketo(i, badge) {
                    changed.push(i as u32);
                }
            }
        }
        let any = !changed.is_empty();
        if any && self.sorts_by_marketo() {
            self.reorder(changed);
        }
        (found, any)
    }

    /// True when the explicit sort is by the Marketo badge.
    fn sorts_by_marketo(&self) -> bool {
        self.sort.is_some_and(|s| s.column == Column::Marketo)
    }

    /// Bytes this corpus holds besides the rows themselves (prepared texts, orders).
    pub fn heap_bytes(&self) -> usize {
        let u32s = self.by_id.capacity() + self.order.capacity() + self.rank.capacity();
        u32s * 4 + self.linked.heap_bytes() + self.texts.heap_bytes()
    }

    /// Recomputes `order` and `rank` for the current sort.
    ///
    /// Rows are sorted by integers only: a 128-bit key that follows the order of
    /// [`compare_rows`] (a text's first bytes, a number's bits), then the row's place in id
    /// order (the tie-break of [`compare_rows`]), then its index. Where a key does not hold the
    /// whole value (a longer text, an unknown enumeration value), the rows of equal keys are
    /// then put in order by comparing them.
    fn resort(&mut self) {
        let spec = self.sort.unwrap_or(SortSpec::DEFAULT);
        let rows = &self.rows;
        let row = |i: u32| rows.get(i as usize).expect("row index");
        let rates = crate::domain::money::current();
        let mut id_rank = vec![0u32; rows.len()];
        for (pos, &i) in self.by_id.iter().enumerate() {
            id_rank[i as usize] = pos as u32;
        }
        let mut inexact = vec![0u64; rows.len().div_ceil(64)];
        // Rows in memory order (reading them in sort order would miss the cache on each).
        let mut keyed: Vec<(u128, u64)> = (0..rows.len() as u32)
            .map(|i| {
                let (key, exact) = sort_key(row(i), spec, rates);
                if !exact {
                    inexact[i as usize / 64] |= 1 << (i % 64);
                }
                (key, u64::from(id_rank[i as usize]) << 32 | u64::from(i))
            })
            .collect();
        drop(id_rank);
        let threads = self.threads;
        if threads > 1 && keyed.len() >= self.parallel_min {
            // Sort runs in parallel; the final stable sort then only merges them.
            let run = keyed.len().div_ceil(threads);
            thread::scope(|s| {
                for chunk in keyed.chunks_mut(run) {
                    s.spawn(move || chunk.sort_unstable());
                }
            });
        }
        keyed.sort();
        // Runs of equal keys with a row whose key is not its whole value: compare the rows.
        let is_inexact = |k: &(u128, u64)| {
            let i = k.1 as u32;
            inexact[i as usize / 64] & (1 << (i % 64)) != 0
        };
        let mut start = 0;
        while start < keyed.len() {
            let key = keyed[start].0;
            let end = start + keyed[start..].partition_point(|k| k.0 == key);
            let run = &mut keyed[start..end];
            if run.len() > 1 && run.iter().any(is_inexact) {
                match sort::text_of(spec.column) {
                    // Long texts: by the whole text ignoring case (the order of
                    // `compare_rows`), then id, then index.
                    Some(text) => {
                        let mut texts: Vec<(&str, u64)> =
                            run.iter().map(|k| (text(row(k.1 as u32)), k.1)).collect();
                        texts.sort_by(|a, b| {
                            let by_text = sort::cmp_text(a.0, b.0);
                            let by_text = if spec.descending {
                                by_text.reverse()
                            } else {
                                by_text
                            };
                            by_text.then(a.1.cmp(&b.1))
                        });
                        for (k, (_, at)) in run.iter_mut().zip(texts) {
                            k.1 = at;
                        }
                    }
                    None => run.sort_by(|a, b| {
                        let (i, j) = (a.1 as u32, b.1 as u32);
                        compare_rows(row(i), row(j), spec).then(i.cmp(&j))
                    }),
                }
            }
            start = end;
        }
        self.order.clear();
        self.order.extend(keyed.iter().map(|k| k.1 as u32));
        self.rank.resize(self.order.len(), 0);
        for (pos, &i) in self.order.iter().enumerate() {
            self.rank[i as usize] = pos as u32;
        }
    }
}

/// `sorted` with each of `new` (in order) inserted before the first element it is not after
/// (`before(x, n)`: x comes before n): binary searches and one copy.
fn merge_at<T: Copy>(sorted: &[T], new: &[T], before: impl Fn(&T, &T) -> bool) -> Vec<T> {
    let mut out = Vec::with_capacity(sorted.len() + new.len());
    let mut from = 0;
    for n in new {
        let at = from + sorted[from..].partition_point(|x| before(x, n));
        out.extend_from_slice(&sorted[from..at]);
        out.push(*n);
        from = at;
    }
    out.extend_from_slice(&sorted[from..]);
    out
}

/// A [`Corpus`] with the result of the last filter, searched on the calling thread: the
/// synchronous form, for tests, benchmarks and scripts. The dashboard searches off its UI
/// thread with [`LiveSearch`]. Everything of [`Corpus`] is available through `Deref`.
pub struct SearchIndex {
    corpus: Corpus,
    filter: Filter,
    found: Found,
    matchers: Vec<Matcher>,
}

impl std::ops::Deref for SearchIndex {
    type Target = Corpus;

    fn deref(&self) -> &Corpus {
        &self.corpus
    }
}

impl SearchIndex {
    /// Indexes the rows; the hits are every row in the default order. See [`Corpus::new`].
    pub fn new(rows: impl Into<PackedRows>) -> SearchIndex {
        let corpus = Corpus::new(rows);
        let matchers = corpus.matchers();
        let mut index = SearchIndex {
            corpus,
            filter: Filter::default(),
            found: Found::default(),
            matchers,
        };
        index.rescan();
        index
    }

    /// Uses `threads` threads (at least 1) for scans of at least `min_candidates` rows.
    /// For tuning and tests; the defaults come from the machine.
    pub fn with_parallelism(mut self, threads: usize, min_candidates: usize) -> SearchIndex {
        self.corpus.set_parallelism(threads, min_candidates);
        self.matchers = self.corpus.matchers();
        self
    }

    /// The rows and their prepared texts.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// Changes the sort and reorders the hits.
    pub fn set_sort(&mut self, sort: Option<SortSpec>) {
        if self.corpus.set_sort(sort) {
            self.reorder();
        }
    }

    /// The filter of the current hits.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Row indices matching the last applied filter, in display order.
    pub fn hits(&self) -> &[u32] {
        &self.found.hits
    }

    /// The hit at display position `pos`: its row index and row.
    pub fn hit(&self, pos: usize) -> Option<(usize, RowRef<'_>)> {
        let i = *self.found.hits.get(pos)? as usize;
        Some((i, self.corpus.rows.get(i)?))
    }

    /// Status counts of the current hits.
    pub fn counts(&self) -> StatusCounts {
        self.found.counts
    }

    /// Whether the last apply scanned every row or narrowed the previous hits.
    pub fn last_scan(&self) -> Scan {
        self.found.scan
    }

    /// Filters the rows and returns the hits in display order. Narrows the current hits when
    /// `filter` refines the filter they came from; otherwise scans every row.
    pub fn apply(&mut self, filter: &Filter) -> &[u32] {
        if *filter == self.filter {
            return &self.found.hits;
        }
        let narrow = filter.refines(&self.filter);
        self.filter = filter.clone();
        if narrow {
            self.narrow();
        } else {
            self.rescan();
        }
        &self.found.hits
    }

    /// Char indices of the row's field matched by the free words of the current filter, for
    /// highlighting visible rows. Empty without words or for an index out of range.
    pub fn highlights(&self, i: usize, field: TextField, matcher: &mut Matcher) -> Vec<u32> {
        let Some(row) = self.corpus.rows.get(i) else {
            return Vec::new();
        };
        let text = match field {
            TextField::Name => row.name(),
            TextField::Customer => row.customer(),
        };
        self.filter.highlight(text, matcher)
    }

    /// Replaces the rows with the same id and adds the others (after a refresh), then
    /// re-sorts and re-filters. Within `rows`, the last of equal ids wins.
    pub fn upsert(&mut self, rows: impl IntoIterator<Item = ReferralRow>) {
        if self.corpus.upsert(rows) {
            self.rescan();
        }
    }

    /// How many rows `filter` keeps, over all rows (whatever the current filter).
    pub fn count(&self, filter: &Filter) -> usize {
        self.corpus.count(filter)
    }

    /// Sets the Marketo badge of the row with this id; false when there is no such row.
    pub fn set_marketo(&mut self, id: &str, badge: MarketoBadge) -> bool {
        self.set_marketo_many([(id, badge)]) == 1
    }

    /// Sets many Marketo badges at once (one re-sort and re-filter at most); returns how many
    /// rows were found.
    pub fn set_marketo_many<'a>(
        &mut self,
        badges: impl IntoIterator<Item = (&'a str, MarketoBadge)>,
    ) -> usize {
        let (found, changed) = self.corpus.set_marketo_many(badges);
        if !changed {
            return found;
        }
        if filters_marketo(&self.filter) {
            self.rescan();
        } else if self.corpus.sorts_by_marketo() {
            self.reorder();
        }
        found
    }

    /// Bytes this index holds besides the rows themselves (prepared texts, orders, hits; the
    /// per-thread matchers' fixed scratch space is not included).
    pub fn heap_bytes(&self) -> usize {
        self.corpus.heap_bytes() + self.found.hits.capacity() * 4
    }

    /// Full scan of every row for the current filter.
    fn rescan(&mut self) {
        self.run(None);
    }

    /// Checks only the current hits (the filter refines theirs, or only the order changed).
    fn narrow(&mut self) {
        let previous = std::mem::take(&mut self.found.hits);
        self.run(Some(&previous));
    }

    /// Re-sorts the current hits after the order changed (same filter: narrowing is exact).
    fn reorder(&mut self) {
        let scan = self.found.scan;
        self.narrow();
        self.found.scan = scan;
    }

    fn run(&mut self, within: Option<&[u32]>) {
        let found = self
            .corpus
            .search(&self.filter, within, &mut self.matchers, Stop::never());
        self.found = found.unwrap_or_default();
    }
}

/// True when the filter has a token on the Marketo badge (its hits change with the badges).
pub fn filters_marketo(filter: &Filter) -> bool {
    filter.terms.iter().any(|t| {
        matches!(
            t.cond,
            Cond::OneOf {
                field: ListField::Marketo,
                ..
            }
        )
    })
}
