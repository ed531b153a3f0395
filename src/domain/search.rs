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

use std::cmp::Ordering;
use std::fmt;
use std::thread;

use nucleo_matcher::{Config, Matcher};

use super::enums::{Direction, ReferralType, Status, Substatus};
use super::filter::{Filter, Prepared, RowText, Sig, fold_ascii};
use super::marketo::MarketoBadge;
use super::row::ReferralRow;

/// A sortable list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Customer,
    Status,
    Type,
    Direction,
    Value,
    Currency,
    Closing,
    Updated,
    Marketo,
}

impl Column {
    /// Every column, in list order.
    pub const ALL: [Column; 10] = [
        Column::Name,
        Column::Customer,
        Column::Status,
        Column::Type,
        Column::Direction,
        Column::Value,
        Column::Currency,
        Column::Closing,
        Column::Updated,
        Column::Marketo,
    ];

    /// The name used by the `sort` command.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Customer => "customer",
            Column::Status => "status",
            Column::Type => "type",
            Column::Direction => "direction",
            Column::Value => "value",
            Column::Currency => "currency",
            Column::Closing => "closing",
            Column::Updated => "updated",
            Column::Marketo => "marketo",
        }
    }

    /// Reads a column name, ignoring case; the filter's short keys are accepted too
    /// (`dir`, `cur`, `close`, `mkto`).
    pub fn parse(s: &str) -> Option<Column> {
        let s = s.trim().to_ascii_lowercase();
        let alias = match s.as_str() {
            "dir" => Some(Column::Direction),
            "cur" => Some(Column::Currency),
            "close" => Some(Column::Closing),
            "mkto" => Some(Column::Marketo),
            _ => None,
        };
        alias.or_else(|| Column::ALL.into_iter().find(|c| c.as_str() == s))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A column and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortSpec {
    pub column: Column,
    pub descending: bool,
}

impl SortSpec {
    /// The order without an explicit sort and without free words: most recently updated first.
    pub const DEFAULT: SortSpec = SortSpec {
        column: Column::Updated,
        descending: true,
    };

    /// Reads the arguments of the `sort` command: `value desc`, `name`, `closing asc` (a
    /// leading `sort` is allowed). The error names the fix.
    pub fn parse(s: &str) -> Result<SortSpec, String> {
        let mut words = s.split_whitespace().peekable();
        words.next_if(|w| w.eq_ignore_ascii_case("sort"));
        let columns = || {
            Column::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(first) = words.next() else {
            return Err(format!("name a column to sort by: {}", columns()));
        };
        let column = Column::parse(first)
            .ok_or_else(|| format!("unknown column `{first}`; sort by one of {}", columns()))?;
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") | Some("ascending") => false,
            Some("desc") | Some("descending") => true,
            Some(other) => return Err(format!("`{other}` is not a direction; write asc or desc")),
        };
        if let Some(extra) = words.next() {
            return Err(format!("unexpected `{extra}`; write e.g. sort value desc"));
        }
        Ok(SortSpec { column, descending })
    }
}

impl fmt::Display for SortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.descending { "desc" } else { "asc" };
        write!(f, "{} {dir}", self.column)
    }
}

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

    /// Gives the rows back.
    pub fn into_rows(self) -> Vec<ReferralRow> {
        self.rows
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
                super::filter::Cond::OneOf {
                    field: super::filter::ListField::Marketo,
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
        let mut keyed: Vec<(u128, u32)> = self
            .order
            .iter()
            .map(|&i| (sort_key(&rows[i as usize], spec), i))
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

    /// Checks the candidates against the current filter and stores the hits, ordered.
    ///
    /// Candidates are visited in memory order, not display order: touching the rows in the
    /// order they lie in memory is several times faster than jumping around. Each thread
    /// returns the ranks of its hits, or, ranking by score, score-and-rank keys that it sorts
    /// itself; ranks are then put in order through a bitmap, sorted keys merged, and both
    /// mapped back to rows.
    fn scan(&mut self, which: Candidates) {
        let previous: Vec<u32>;
        let candidates = match which {
            Candidates::All => Rows::Range(0..self.rows.len() as u32),
            Candidates::Hits => {
                let hits = std::mem::take(&mut self.hits);
                previous = ascending(hits.iter().copied(), self.rows.len());
                Rows::List(&previous)
            }
        };
        let by_score = self.sort.is_none() && self.filter.has_words();
        let scanner = Scanner {
            rows: &self.rows,
            texts: &self.texts,
            filter: &self.filter,
            rank: &self.rank,
            by_score,
        };
        let threads = if candidates.len() >= self.parallel_min {
            self.matchers.len()
        } else {
            1
        };
        let parts = scan_parallel(&scanner, candidates, &mut self.matchers[..threads]);
        let mut counts = StatusCounts::default();
        parts.iter().for_each(|p| counts.merge(&p.counts));
        let order = &self.order;
        self.hits = if by_score {
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
        self.counts = counts;
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

/// Which rows a scan checks.
enum Candidates {
    All,
    Hits,
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
    rows: &'a [ReferralRow],
    texts: &'a Texts,
    filter: &'a Filter,
    rank: &'a [u32],
    by_score: bool,
}

impl Scanner<'_> {
    fn run(&self, candidates: Rows<'_>, matcher: &mut Matcher) -> Part {
        let mut part = Part::default();
        let mut scratch = Vec::new();
        let mut visit = |i: u32| {
            let Some(score) = self.score(i as usize, matcher, &mut scratch) else {
                return;
            };
            part.counts.add(&self.rows[i as usize].status);
            let rank = u64::from(self.rank[i as usize]);
            part.keys.push(if self.by_score {
                (u64::from(u32::MAX - score) << 32) | rank
            } else {
                rank
            });
        };
        match candidates {
            Rows::Range(r) => r.for_each(&mut visit),
            Rows::List(l) => l.iter().copied().for_each(&mut visit),
        }
        if self.by_score {
            part.keys.sort_unstable();
        }
        part
    }

    fn score(&self, i: usize, matcher: &mut Matcher, scratch: &mut Vec<char>) -> Option<u32> {
        let row = &self.rows[i];
        if !self.filter.matches_terms(row) {
            return None;
        }
        if self.filter.words.is_empty() {
            return Some(0);
        }
        let prepared = self.texts.prepared(i);
        if !self.filter.admits(prepared.sig) {
            return None;
        }
        let text = RowText {
            row,
            prepared: Some(prepared),
        };
        self.filter
            .score_words(&text, matcher, scratch, self.by_score)
    }
}

/// What the index keeps to match free words fast (see the module docs): name and customer of
/// every row as ASCII, back to back in one buffer so a scan reads them in order; folded copies
/// of non-ASCII texts; and each row's [`Sig`].
struct Texts {
    /// Names and customers, ASCII or folded, in row order (rows updated later at the end).
    arena: Vec<u8>,
    /// Row `i`'s name is `arena[start..name_end]`, its customer `arena[name_end..end]`.
    spans: Vec<Span>,
    /// Per row: the folded text and which fields are not ASCII; `None` for an ASCII row.
    non_ascii: Vec<Option<Box<NonAscii>>>,
    sigs: Vec<Sig>,
    /// Bytes of `arena` no span points to any more.
    garbage: usize,
}

#[derive(Clone, Copy)]
struct Span {
    start: u32,
    name_end: u32,
    end: u32,
}

struct NonAscii {
    text: Option<Box<[u8]>>,
    fields: [bool; 3],
}

impl Texts {
    fn new(rows: &[ReferralRow]) -> Texts {
        let mut texts = Texts {
            arena: Vec::new(),
            spans: Vec::with_capacity(rows.len()),
            non_ascii: Vec::with_capacity(rows.len()),
            sigs: Vec::with_capacity(rows.len()),
            garbage: 0,
        };
        rows.iter().for_each(|row| texts.push(row));
        texts
    }

    /// Adds the texts of a new last row.
    fn push(&mut self, row: &ReferralRow) {
        self.spans.push(Span {
            start: 0,
            name_end: 0,
            end: 0,
        });
        self.non_ascii.push(None);
        self.sigs.push(Sig::default());
        self.set(self.spans.len() - 1, row);
    }

    /// Replaces the texts of row `i`. The old name and customer stay in the buffer as garbage
    /// until it is more than half garbage, then it is rebuilt.
    fn set(&mut self, i: usize, row: &ReferralRow) {
        let fields = [&row.name, &row.customer, &row.search_text];
        let non_ascii = fields.map(|f| !f.is_ascii());
        let folded = [0, 1, 2].map(|k| non_ascii[k].then(|| fold_ascii(fields[k])));
        let [name, customer, text] =
            [0, 1, 2].map(|k| folded[k].as_deref().unwrap_or(fields[k].as_bytes()));
        self.sigs[i] = Sig::of_row(name, customer, text);
        let old = self.spans[i];
        self.garbage += (old.end - old.start) as usize;
        let start = self.arena.len();
        self.arena.extend_from_slice(name);
        self.arena.extend_from_slice(customer);
        self.spans[i] = Span {
            start: offset(start),
            name_end: offset(start + name.len()),
            end: offset(self.arena.len()),
        };
        let [_, _, text] = folded;
        self.non_ascii[i] = non_ascii.contains(&true).then(|| {
            Box::new(NonAscii {
                text,
                fields: non_ascii,
            })
        });
        if self.garbage > self.arena.len() / 2 {
            self.compact();
        }
    }

    /// Rewrites the buffer in row order without garbage.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() / 2);
        for span in &mut self.spans {
            let start = arena.len();
            arena.extend_from_slice(&self.arena[span.start as usize..span.end as usize]);
            let name_len = (span.name_end - span.start) as usize;
            *span = Span {
                start: offset(start),
                name_end: offset(start + name_len),
                end: offset(arena.len()),
            };
        }
        self.arena = arena;
        self.garbage = 0;
    }

    fn prepared(&self, i: usize) -> Prepared<'_> {
        let span = self.spans[i];
        let (name, customer) = (
            &self.arena[span.start as usize..span.name_end as usize],
            &self.arena[span.name_end as usize..span.end as usize],
        );
        let extra = self.non_ascii[i].as_deref();
        Prepared {
            primary: [name, customer],
            folded_text: extra.and_then(|e| e.text.as_deref()),
            non_ascii: extra.map_or([false; 3], |e| e.fields),
            sig: &self.sigs[i],
        }
    }

    fn heap_bytes(&self) -> usize {
        let extra: usize = self
            .non_ascii
            .iter()
            .flatten()
            .map(|e| std::mem::size_of::<NonAscii>() + e.text.as_ref().map_or(0, |t| t.len()))
            .sum();
        self.arena.capacity()
            + self.spans.capacity() * std::mem::size_of::<Span>()
            + self.non_ascii.capacity() * std::mem::size_of::<Option<Box<NonAscii>>>()
            + extra
            + self.sigs.capacity() * std::mem::size_of::<Sig>()
    }
}

/// An offset into the name/customer buffer.
///
/// # Panics
/// Past 4 GiB of names and customers (some 80 million rows).
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("names and customers exceed 4 GiB")
}

/// Orders two rows by the sort column (missing values last), then by id.
pub fn compare_rows(a: &ReferralRow, b: &ReferralRow, spec: SortSpec) -> Ordering {
    let desc = spec.descending;
    let by_key = match spec.column {
        Column::Name => missing_last(text(&a.name), text(&b.name), desc, |x, y| cmp_text(x, y)),
        Column::Customer => missing_last(text(&a.customer), text(&b.customer), desc, |x, y| {
            cmp_text(x, y)
        }),
        Column::Status => missing_last(
            Some((&a.status, &a.substatus)),
            Some((&b.status, &b.substatus)),
            desc,
            Ord::cmp,
        ),
        Column::Type => missing_last(
            a.referral_type.as_ref(),
            b.referral_type.as_ref(),
            desc,
            Ord::cmp,
        ),
        Column::Direction => {
            missing_last(a.direction.as_ref(), b.direction.as_ref(), desc, Ord::cmp)
        }
        Column::Value => missing_last(a.deal_value, b.deal_value, desc, f64::total_cmp),
        Column::Currency => missing_last(text(&a.currency), text(&b.currency), desc, |x, y| {
            cmp_text(x, y)
        }),
        Column::Closing => missing_last(a.closing, b.closing, desc, Ord::cmp),
        Column::Updated => missing_last(a.updated, b.updated, desc, Ord::cmp),
        Column::Marketo => {
            let known = |m: MarketoBadge| (m != MarketoBadge::Unknown).then_some(m);
            missing_last(known(a.marketo), known(b.marketo), desc, Ord::cmp)
        }
    };
    by_key.then_with(|| a.id.cmp(&b.id))
}

/// Text as a sort key: empty is missing.
fn text(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// A key whose order is that of [`compare_rows`] where keys differ: the top bit says the value
/// is missing (last either way), the other 127 bits hold the value, inverted when descending.
fn sort_key(row: &ReferralRow, spec: SortSpec) -> u128 {
    const VALUE: u128 = u128::MAX >> 1;
    let text = |s: &str| {
        // The first 15 bytes of the lower-cased text, big-endian: byte order is char order.
        let mut key = [0u8; 16];
        let lower = s.chars().flat_map(char::to_lowercase);
        let mut at = 1;
        for c in lower {
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                if at == 16 {
                    return Some(u128::from_be_bytes(key));
                }
                key[at] = b;
                at += 1;
            }
        }
        (!s.is_empty()).then_some(u128::from_be_bytes(key))
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| u128::from((t.timestamp() as u64) ^ (1 << 63)))
    };
    let value = match spec.column {
        Column::Name => text(&row.name),
        Column::Customer => text(&row.customer),
        Column::Status => {
            Some(ordinal(&row.status, Status::ALL) << 8 | ordinal(&row.substatus, Substatus::ALL))
        }
        Column::Type => row
            .referral_type
            .as_ref()
            .map(|t| ordinal(t, ReferralType::ALL)),
        Column::Direction => row.direction.as_ref().map(|d| ordinal(d, Direction::ALL)),
        Column::Value => row.deal_value.map(|v| {
            // The bits of an f64 in `total_cmp` order.
            let bits = v.to_bits();
            u128::from(if bits >> 63 == 1 {
                !bits
            } else {
                bits | 1 << 63
            })
        }),
        Column::Currency => text(&row.currency),
        Column::Closing => time(row.closing),
        Column::Updated => time(row.updated),
        Column::Marketo => (row.marketo != MarketoBadge::Unknown).then_some(row.marketo as u128),
    };
    match value {
        None => !VALUE,
        Some(v) if spec.descending => !v & VALUE,
        Some(v) => v & VALUE,
    }
}

/// Position of a value among the known ones; unknown values after them.
fn ordinal<T: PartialEq>(value: &T, all: &[T]) -> u128 {
    all.iter().position(|v| v == value).unwrap_or(all.len()) as u128
}

/// Compares present values (reversed when descending); absent ones come last either way.
fn missing_last<T>(
    a: Option<T>,
    b: Option<T>,
    descending: bool,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) if descending => cmp(&y, &x),
        (Some(x), Some(y)) => cmp(&x, &y),
    }
}

/// Compares text ignoring case: ASCII byte by byte, the rest by lower-cased chars.
fn cmp_text(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    for (pos, (p, q)) in x.iter().zip(y).enumerate() {
        if p == q {
            continue;
        }
        if p.is_ascii() && q.is_ascii() {
            match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
                Ordering::Equal => continue,
                other => return other,
            }
        }
        // Back up to the start of the char that differs (same offset in both: all earlier
        // bytes were equal or ASCII letters differing in case).
        let start = (0..=pos)
            .rev()
            .find(|&s| a.is_char_boundary(s))
            .unwrap_or(0);
        let (ra, rb) = (a.get(start..).unwrap_or(a), b.get(start..).unwrap_or(b));
        return ra
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(rb.chars().flat_map(char::to_lowercase));
    }
    x.len().cmp(&y.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::*;
    use crate::domain::filter::parse;
    use crate::domain::time::parse_datetime;
    use chrono::{DateTime, Utc};

    fn now() -> DateTime<Utc> {
        parse_datetime("2026-06-15T12:00:00Z").unwrap()
    }

    fn filter(input: &str) -> Filter {
        let parsed = parse(input, now());
        assert!(parsed.errors.is_empty(), "{input}: {:?}", parsed.errors);
        parsed.filter
    }

    fn row(id: &str, name: &str) -> ReferralRow {
        ReferralRow {
            id: id.into(),
            name: name.into(),
            customer: format!("{name} Corp"),
            ..ReferralRow::default()
        }
    }

    fn sample() -> Vec<ReferralRow> {
        let mut rows = vec![
            row("a", "Contoso supply chain"),
            row("b", "Fabrikam field service"),
            row("c", "contoso retail"),
            row("d", "Northwind cloud"),
            row("e", "Écoles numériques"),
        ];
        let statuses = [
            Status::New,
            Status::Active,
            Status::Closed,
            Status::New,
            Status::Unknown("OnHold".into()),
        ];
        let values = [Some(500.0), None, Some(70_000.0), Some(500.0), Some(9.0)];
        for (i, r) in rows.iter_mut().enumerate() {
            r.status = statuses[i].clone();
            r.deal_value = values[i];
            r.updated = parse_datetime(&format!("2026-06-0{}", i + 1));
        }
        rows[3].updated = None;
        rows[1].currency = "EUR".into();
        rows[2].currency = "usd".into();
        rows
    }

    fn ids(index: &SearchIndex) -> Vec<&str> {
        index
            .hits()
            .iter()
            .map(|&i| index.rows()[i as usize].id.as_str())
            .collect()
    }

    fn sorted(col: &str) -> Vec<String> {
        let mut index = SearchIndex::new(sample());
        index.set_sort(Some(SortSpec::parse(col).unwrap()));
        ids(&index).into_iter().map(String::from).collect()
    }

    #[test]
    fn default_order_is_most_recently_updated_with_missing_last() {
        let index = SearchIndex::new(sample());
        assert_eq!(ids(&index), ["e", "c", "b", "a", "d"]);
        assert_eq!(index.last_scan(), Scan::Full);
        assert_eq!(index.counts().total(), 5);
    }

    #[test]
    fn sorts_by_every_column_with_missing_last_and_ties_by_id() {
        // Case is ignored; "É" sorts after the ASCII letters.
        assert_eq!(sorted("name"), ["c", "a", "b", "d", "e"]);
        assert_eq!(sorted("name desc"), ["e", "d", "b", "a", "c"]);
        assert_eq!(sorted("value"), ["e", "a", "d", "c", "b"]);
        assert_eq!(sorted("value desc"), ["c", "a", "d", "e", "b"]);
        assert_eq!(sorted("status"), ["a", "d", "b", "c", "e"]);
        assert_eq!(sorted("currency"), ["b", "c", "a", "d", "e"]);
        assert_eq!(sorted("currency desc"), ["c", "b", "a", "d", "e"]);
        assert_eq!(sorted("updated"), ["a", "b", "c", "e", "d"]);
        assert_eq!(sorted("closing desc"), ["a", "b", "c", "d", "e"]);
        assert_eq!(sorted("customer"), ["c", "a", "b", "d", "e"]);
        for col in Column::ALL {
            for desc in [false, true] {
                let mut index = SearchIndex::new(sample());
                index.set_sort(Some(SortSpec {
                    column: col,
                    descending: desc,
                }));
                assert_eq!(index.hits().len(), 5, "{col}");
            }
        }
    }

    #[test]
    fn sort_specs_and_columns_parse() {
        for c in Column::ALL {
            assert_eq!(Column::parse(c.as_str()), Some(c));
            assert_eq!(Column::parse(&c.as_str().to_uppercase()), Some(c));
        }
        assert_eq!(Column::parse("mkto"), Some(Column::Marketo));
        assert_eq!(Column::parse("close"), Some(Column::Closing));
        assert_eq!(
            SortSpec::parse(" value  DESC "),
            Ok(SortSpec {
                column: Column::Value,
                descending: true
            })
        );
        assert_eq!(
            SortSpec::parse("sort closing"),
            Ok(SortSpec {
                column: Column::Closing,
                descending: false
            })
        );
        assert_eq!(
            SortSpec::parse("name"),
            Ok(SortSpec {
                column: Column::Name,
                descending: false
            })
        );
        assert_eq!(
            SortSpec::parse("value desc").unwrap().to_string(),
            "value desc"
        );
        assert_eq!(
            SortSpec::parse("size").unwrap_err(),
            "unknown column `size`; sort by one of name, customer, status, type, direction, value, currency, closing, updated, marketo"
        );
        assert_eq!(
            SortSpec::parse("value up").unwrap_err(),
            "`up` is not a direction; write asc or desc"
        );
        assert!(
            SortSpec::parse("")
                .unwrap_err()
                .starts_with("name a column")
        );
        assert!(
            SortSpec::parse("value desc now")
                .unwrap_err()
                .starts_with("unexpected `now`")
        );
    }

    #[test]
    fn free_words_rank_by_score_unless_a_sort_is_chosen() {
        let mut index = SearchIndex::new(sample());
        index.apply(&filter("contoso"));
        // "contoso retail" and "Contoso supply chain" score the same on the word; ties keep
        // the default order (c was updated later than a).
        assert_eq!(ids(&index), ["c", "a"]);
        index.apply(&filter("con supply"));
        assert_eq!(ids(&index), ["a"]);
        index.set_sort(Some(SortSpec::parse("name desc").unwrap()));
        index.apply(&filter("contoso"));
        assert_eq!(ids(&index), ["a", "c"]);
        index.apply(&filter("o"));
        assert_eq!(ids(&index), ["e", "d", "b", "a", "c"]);
    }

    #[test]
    fn better_matches_come_first() {
        let rows = vec![
            row("x", "Saas upgrade plan"),
            row("y", "Supply"),
            row("z", "Other"),
        ];
        let mut index = SearchIndex::new(rows);
        index.apply(&filter("supp"));
        assert_eq!(ids(&index), ["y", "x"]);
    }

    #[test]
    fn narrowing_is_used_when_the_filter_refines_and_agrees_with_a_full_scan() {
        let mut index = SearchIndex::new(sample());
        let steps = [
            // Everything refines the empty filter of a new index.
            ("c", Scan::Narrowed),
            ("co", Scan::Narrowed),
            ("con", Scan::Narrowed),
            ("con status:new", Scan::Narrowed),
            ("con status:ne", Scan::Narrowed),
            ("con status:active", Scan::Full),
            ("con status:new,active", Scan::Full),
            ("con status:active", Scan::Narrowed),
            ("con", Scan::Full),
            ("con -retail", Scan::Narrowed),
        ];
        for (input, scan) in steps {
            let f = filter(input);
            let narrowed = index.apply(&f).to_vec();
            assert_eq!(index.last_scan(), scan, "{input}");
            let full = SearchIndex::new(sample()).apply(&f).to_vec();
            assert_eq!(narrowed, full, "{input}");
        }
    }

    #[test]
    fn counts_follow_the_hits() {
        let mut index = SearchIndex::new(sample());
        assert_eq!(
            index.counts(),
            StatusCounts {
                new: 2,
                active: 1,
                closed: 1,
                other: 1
            }
        );
        index.apply(&filter("contoso"));
        assert_eq!(
            index.counts(),
            StatusCounts {
                new: 1,
                active: 0,
                closed: 1,
                other: 0
            }
        );
    }

    #[test]
    fn non_ascii_rows_match_and_highlight_by_char() {
        let mut index = SearchIndex::new(sample());
        index.apply(&filter("ecoles"));
        assert_eq!(ids(&index), ["e"]);
        let i = index.hits()[0] as usize;
        let mut m = Matcher::default();
        assert_eq!(
            index.highlights(i, TextField::Name, &mut m),
            [0, 1, 2, 3, 4, 5]
        );
        assert_eq!(
            index.highlights(i, TextField::Customer, &mut m),
            [0, 1, 2, 3, 4, 5]
        );
        assert!(index.highlights(99, TextField::Name, &mut m).is_empty());
        index.apply(&filter("numériques"));
        assert_eq!(ids(&index), ["e"]);
    }

    #[test]
    fn parallel_scans_agree_with_one_thread() {
        let rows: Vec<ReferralRow> = (0..500)
            .map(|i| {
                let mut r = row(&format!("id{i:03}"), &format!("deal {} number {i}", i % 7));
                r.status = [Status::New, Status::Active, Status::Closed][i % 3].clone();
                r.deal_value = Some((i * 37 % 101) as f64);
                r
            })
            .collect();
        for input in ["", "deal 3", "num 4", "status:new value>50", "1 -deal 2"] {
            for sort in [None, Some(SortSpec::parse("value desc").unwrap())] {
                let mut one = SearchIndex::new(rows.clone()).with_parallelism(1, 1);
                let mut many = SearchIndex::new(rows.clone()).with_parallelism(3, 1);
                one.set_sort(sort);
                many.set_sort(sort);
                let f = filter(input);
                assert_eq!(one.apply(&f), many.apply(&f), "{input}");
                assert_eq!(one.counts(), many.counts());
            }
        }
    }

    #[test]
    fn upsert_replaces_by_id_adds_new_rows_and_refilters() {
        let mut index = SearchIndex::new(sample());
        index.apply(&filter("contoso"));
        let mut changed = row("b", "Contoso field service");
        changed.updated = parse_datetime("2026-07-01");
        let mut first = row("f", "Contoso first");
        first.updated = parse_datetime("2026-01-01");
        let mut second = first.clone();
        second.name = "Contoso second".into();
        index.upsert([changed, first, second]);
        assert_eq!(index.len(), 6);
        assert_eq!(
            index.row(index.index_of("f").unwrap()).unwrap().name,
            "Contoso second"
        );
        assert_eq!(index.index_of("b"), Some(1));
        assert_eq!(index.index_of("zz"), None);
        assert_eq!(ids(&index).len(), 4);
        assert_eq!(index.filter(), &filter("contoso"));
        index.apply(&Filter::default());
        assert_eq!(ids(&index), ["b", "e", "c", "a", "f", "d"]);
    }

    #[test]
    fn marketo_badges_update_filters_and_sorts() {
        let mut index = SearchIndex::new(sample());
        index.apply(&filter("mkto:missing"));
        assert!(index.hits().is_empty());
        assert!(index.set_marketo("c", MarketoBadge::Missing));
        assert!(!index.set_marketo("nope", MarketoBadge::Missing));
        assert_eq!(ids(&index), ["c"]);
        index.apply(&Filter::default());
        index.set_sort(Some(SortSpec::parse("marketo").unwrap()));
        assert_eq!(
            index.set_marketo_many([("a", MarketoBadge::Synced), ("d", MarketoBadge::Partial)]),
            2
        );
        assert_eq!(ids(&index), ["a", "d", "c", "b", "e"]);
    }

    #[test]
    fn text_compares_ignoring_case() {
        assert_eq!(cmp_text("abc", "ABD"), Ordering::Less);
        assert_eq!(cmp_text("ABC", "abc"), Ordering::Equal);
        assert_eq!(cmp_text("ab", "abc"), Ordering::Less);
        assert_eq!(cmp_text("Élan", "élan"), Ordering::Equal);
        assert_eq!(cmp_text("zé", "ZÉa"), Ordering::Less);
        assert_eq!(cmp_text("a", "é"), Ordering::Less);
    }

    #[test]
    fn extra_memory_stays_small() {
        let rows: Vec<ReferralRow> = (0..1000).map(|i| row(&i.to_string(), "Name")).collect();
        let index = SearchIndex::new(rows);
        // Per row: four u32 vectors (16 bytes), a signature (40), a span (12), a pointer (8)
        // and the name and customer (13).
        assert!(index.heap_bytes() <= 1000 * 95, "{}", index.heap_bytes());
    }
}
