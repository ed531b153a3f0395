//! Filtering and sorting the list quickly enough for live typing over 100,000 rows and more.
//!
//! [`SearchIndex`] owns the rows (they are not copied) and keeps beside them only what makes
//! each keystroke cheap:
//! - the rows in the current sort order (`order`) and each row's position in it (`rank`): hits
//!   are put in display order through a bitmap of their ranks (or, ranked by score, by sorting
//!   score-and-rank integers), never by comparing rows;
//! - the row indices sorted by id, for updates by id;
//! - every row's name and customer as ASCII, back to back in one buffer, so a scan reads them
//!   in order instead of chasing two heap strings per row (non-ASCII text is stored folded,
//!   see `fold_ascii` in the filter module: `é` as `e`, other letters as a byte no ASCII word
//!   matches; the notes/contacts of non-ASCII rows are stored folded too);
//! - a 40-byte signature per row (which characters the name and customer have, which
//!   characters and pairs the notes have) that rules most rows out for a word without reading
//!   any text.
//!
//! Words with non-ASCII letters decode the non-ASCII fields as they go. On generated rows
//! shaped like the list's (a third of them with non-ASCII names or contacts) the index adds
//! about 220 bytes per row, about 22 MB for 100,000 rows.
//!
//! Each [`SearchIndex::apply`] either *narrows* (the new filter refines the one of the current
//! hits, as when one more letter is typed or a token is added: only the current hits are
//! checked, see [`Filter::refines`]) or scans every row. Rows are visited in memory order and
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

use std::thread;

use nucleo_matcher::{Config, Matcher};

use super::enums::Status;
use super::filter::{Cond, Filter, ListField};
use super::marketo::MarketoBadge;
use super::row::ReferralRow;

mod scan;
mod sort;
mod texts;

#[cfg(test)]
mod tests;

use scan::Candidates;
use sort::sort_key;
pub use sort::{Column, SortSpec, compare_rows};
use texts::Texts;

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

    fn add(&mut self, status: &Status) {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every row was checked.
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

/// The rows of the list with what makes filtering and sorting fast (see the module docs).
pub struct SearchIndex {
    rows: Vec<ReferralRow>,
    texts: Texts,
    by_id: Vec<u32>,
    order: Vec<u32>,
    rank: Vec<u32>,
    sort: Option<SortSpec>,
    filter: Filter,
    hits: Vec<u32>,
    counts: StatusCounts,
    last_scan: Scan,
    matchers: Vec<Matcher>,
    parallel_min: usize,
}

/// Fewer candidates than this are scanned on one thread.
const PARALLEL_MIN: usize = 20_000;

impl SearchIndex {
    /// Indexes the rows; the hits are every row in the default order. Ids are expected to be
    /// unique; with duplicates, lookups by id find one of them.
    ///
    /// # Panics
    /// With more than `u32::MAX` rows.
    pub fn new(rows: Vec<ReferralRow>) -> SearchIndex {
        assert!(
            u32::try_from(rows.len()).is_ok(),
            "a search index holds at most u32::MAX rows"
        );
        let threads = thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let mut index = SearchIndex {
            texts: Texts::new(&rows),
            by_id: (0..rows.len() as u32).collect(),
            order: (0..rows.len() as u32).collect(),
            rank: Vec::new(),
            rows,
            sort: None,
            filter: Filter::default(),
            hits: Vec::new(),
            counts: StatusCounts::default(),
            last_scan: Scan::Full,
            matchers: (0..threads)
                .map(|_| Matcher::new(Config::DEFAULT))
                .collect(),
            parallel_min: PARALLEL_MIN,
        };
        let rows = &index.rows;
        index
            .by_id
            .sort_by(|&a, &b| rows[a as usize].id.cmp(&rows[b as usize].id));
        index.resort();
        index.rescan();
        index
    }

    /// Uses `threads` threads (at least 1) for scans of at least `min_candidates` rows.
    /// For tuning and tests; the defaults come from the machine.
    pub fn with_parallelism(mut self, threads: usize, min_candidates: usize) -> SearchIndex {
        self.matchers = (0..threads.max(1))
            .map(|_| Matcher::new(Config::DEFAULT))
            .collect();
        self.parallel_min = min_candidates;
        self
    }

    /// How many threads a large scan uses.
    pub fn threads(&self) -> usize {
        self.matchers.len()
    }

    /// All rows, in the order they were added (the indices of [`SearchIndex::hits`]).
    pub fn rows(&self) -> &[ReferralRow] {
        &self.rows
    }

    /// One row by index.
    pub fn row(&self, i: usize) -> Option<&ReferralRow> {
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
        self.by_id
            .binary_search_by(|&i| self.rows[i as usize].id.as_str().cmp(id))
            .ok()
            .map(|p| self.by_id[p] as usize)
    }

    /// The explicit sort; `None` is the default order (see the module docs).
    pub fn sort(&self) -> Option<SortSpec> {
        self.sort
    }

    /// Changes the sort and reorders the hits.
    pub fn set_sort(&mut self, sort: Option<SortSpec>) {
        if self.sort != sort {
            self.sort = sort;
            self.resort();
            self.reorder();
        }
    }

    /// The filter of the current hits.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Row indices matching the last applied filter, in display order.
    pub fn hits(&self) -> &[u32] {
        &self.hits
    }

    /// The hit at display position `pos`: its row index and row.
    pub fn hit(&self, pos: usize) -> Option<(usize, &ReferralRow)> {
        let i = *self.hits.get(pos)? as usize;
        Some((i, &self.rows[i]))
    }

    /// Status counts of the current hits.
    pub fn counts(&self) -> StatusCounts {
        self.counts
    }

    /// How many rows `filter` keeps, without touching the hits (the live counts of saved
    /// views). One pass over the rows; call it when the rows or the views change, not per
    /// keystroke.
    pub fn count(&self, filter: &Filter) -> usize {
        if filter.is_empty() {
            return self.rows.len();
        }
        let mut matcher = Matcher::new(Config::DEFAULT);
        self.rows
            .iter()
            .filter(|r| filter.matches_row(r, &mut matcher))
            .count()
    }

    /// Whether the last apply scanned every row or narrowed the previous hits.
    pub fn last_scan(&self) -> Scan {
        self.last_scan
    }

    /// Filters the rows and returns the hits in display order. Narrows the current hits when
    /// `filter` refines the filter they came from; otherwise scans every row.
    pub fn apply(&mut self, filter: &Filter) -> &[u32] {
        if *filter == self.filter {
            return &self.hits;
        }
        let narrow = filter.refines(&self.filter);
        self.filter = filter.clone();
        if narrow {
            self.scan(Candidates::Hits);
            self.last_scan = Scan::Narrowed;
        } else {
            self.rescan();
        }
        &self.hits
    }

    /// Char indices of the row's field matched by the free words of the current filter, for
    /// highlighting visible rows. Empty without words or for an index out of range.
    pub fn highlights(&self, i: usize, field: TextField, matcher: &mut Matcher) -> Vec<u32> {
        let Some(row) = self.rows.get(i) else {
            return Vec::new();
        };
        let text = match field {
            TextField::Name => &row.name,
            TextField::Customer => &row.customer,
        };
        self.filter.highlight(text, matcher)
    }

    /// Replaces the rows with the same id and adds the others (after a refresh), then
    /// re-sorts and re-filters. Within `rows`, the last of equal ids wins.
    pub fn upsert(&mut self, rows: impl IntoIterator<Item = ReferralRow>) {
        let mut fresh: Vec<ReferralRow> = Vec::new();
        let mut any = false;
        for row in rows {
            any = true;
            match self.index_of(&row.id) {
                Some(i) => {
                    self.texts.set(i, &row);
                    self.rows[i] = row;
                }
                None => fresh.push(row),
            }
        }
        if !any {
            return;
        }
        // Keep the last of equal new ids: stable sort, then dedup keeping the later one.
        fresh.reverse();
        fresh.sort_by(|a, b| a.id.cmp(&b.id));
        fresh.dedup_by(|later, earlier| later.id == earlier.id);
        assert!(
            u32::try_from(self.rows.len() + fresh.len()).is_ok(),
            "a search index holds at most u32::MAX rows"
        );
        for row in fresh {
            let i = self.rows.len() as u32;
            self.texts.push(&row);
            self.rows.push(row);
            self.by_id.push(i);
            self.order.push(i);
        }
        let rows = &self.rows;
        self.by_id
            .sort_by(|&a, &b| rows[a as usize].id.cmp(&rows[b as usize].id));
        self.resort();
        self.rescan();
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
        let mut found = 0;
        let mut changed = false;
        for (id, badge) in badges {
            if let Some(i) = self.index_of(id) {
                found += 1;
                changed |= self.rows[i].marketo != badge;
                self.rows[i].marketo = badge;
            }
        }
        if !changed {
            return found;
        }
        let filtered = self.filter.terms.iter().any(|t| {
            matches!(
                t.cond,
                Cond::OneOf {
                    field: ListField::Marketo,
                    ..
                }
            )
        });
        let sorted = self.sort.is_some_and(|s| s.column == Column::Marketo);
        if sorted {
            self.resort();
        }
        if filtered {
            self.rescan();
        } else if sorted {
            self.reorder();
        }
        found
    }

    /// Bytes this index holds besides the rows themselves (prepared texts, orders, hits; the
    /// per-thread matchers' fixed scratch space is not included).
    pub fn heap_bytes(&self) -> usize {
        let u32s = self.by_id.capacity()
            + self.order.capacity()
            + self.rank.capacity()
            + self.hits.capacity();
        u32s * 4 + self.texts.heap_bytes()
    }

    // -----------------------------------------------------------------------------------------

    /// Recomputes `order` and `rank` for the current sort (adaptive: cheap when nearly sorted).
    ///
    /// Rows are sorted by a 128-bit key that follows the order of [`compare_rows`] (a text's
    /// first bytes, a number's bits), which keeps the sort to compact integers; only equal keys
    /// fall back to comparing the rows.
    fn resort(&mut self) {
        let spec = self.sort.unwrap_or(SortSpec::DEFAULT);
        let rows = &self.rows;
        let rates = crate::domain::money::current();
        let mut keyed: Vec<(u128, u32)> = self
            .order
            .iter()
            .map(|&i| (sort_key(&rows[i as usize], spec, rates), i))
            .collect();
        let cmp = |a: &(u128, u32), b: &(u128, u32)| {
            a.0.cmp(&b.0).then_with(|| {
                compare_rows(&rows[a.1 as usize], &rows[b.1 as usize], spec).then(a.1.cmp(&b.1))
            })
        };
        let threads = self.matchers.len();
        if threads > 1 && keyed.len() >= self.parallel_min {
            // Sort runs in parallel; the final stable sort then only merges them.
            let run = keyed.len().div_ceil(threads);
            thread::scope(|s| {
                for chunk in keyed.chunks_mut(run) {
                    s.spawn(move || chunk.sort_by(cmp));
                }
            });
        }
        keyed.sort_by(cmp);
        self.order.clear();
        self.order.extend(keyed.iter().map(|k| k.1));
        self.rank.resize(self.order.len(), 0);
        for (pos, &i) in self.order.iter().enumerate() {
            self.rank[i as usize] = pos as u32;
        }
    }

    /// Full scan of every row for the current filter.
    fn rescan(&mut self) {
        self.scan(Candidates::All);
        self.last_scan = Scan::Full;
    }

    /// Re-sorts the current hits after the order changed (same filter: narrowing is exact).
    fn reorder(&mut self) {
        self.scan(Candidates::Hits);
    }
}
