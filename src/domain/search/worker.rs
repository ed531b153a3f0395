//! Searching off the UI thread: [`LiveSearch`] keeps the rows in a shared [`Corpus`] and hands
//! each query to a worker thread, so a key press never waits on a scan.
//!
//! - Every request carries a *generation*, one counter for all requests. A newer query makes
//!   the running one stale: the scan looks at the latest generation every few thousand rows
//!   ([`Stop`]) and gives up; queued stale queries are skipped.
//! - Until the answer to the latest query arrives, the previous result stays on screen
//!   ([`LiveSearch::hits`] and [`LiveSearch::shown_filter`] belong together);
//!   [`LiveSearch::pending_for`] says how long the newest query has been waiting, for a
//!   "searching…" hint.
//! - The worker remembers its last answer: a query that refines it (one more letter, one more
//!   token, see [`Filter::refines`]) only checks those hits, as long as no row changed since.
//! - Rows change on the UI thread (a refresh, a save, Marketo badges): the running scans are
//!   stopped, the worker lets go of the corpus (so it is changed in place, not copied), and the
//!   current query is searched again.
//! - Replacing every row ([`LiveSearch::set_rows`], the cache load: seconds of indexing for a
//!   million rows) is done off the UI thread too, on a thread of its own: it builds the new
//!   corpus and searches the latest query in it, and the two are swapped in together when
//!   [`LiveSearch::poll`] takes them. Until then the old rows stay and searches go on in them;
//!   changes that arrive meanwhile are made to both.
//! - [`LiveSearch::set_view_filters`] asks for the number of rows each of some extra filters
//!   keeps over all rows (live counts of saved views); the worker recounts them whenever rows
//!   change and [`LiveSearch::view_counts`] has the latest counts.
//! - The answers arrive through a channel: the waker given to [`LiveSearch::start_worker`] is
//!   called after each, and the owner calls [`LiveSearch::poll`] to take them. Without a worker
//!   (a new `LiveSearch`, tests, scripts) every request is answered before it returns;
//!   [`LiveSearch::settle`] waits until the worker has answered everything asked so far.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nucleo_matcher::Matcher;

use super::{Corpus, Found, SortSpec, Stop, filters_marketo};
use crate::domain::filter::Filter;
use crate::domain::marketo::MarketoBadge;
use crate::domain::row::{PackedRows, ReferralRow};

/// The rows, the query and its latest result, searched on a worker thread (see the module
/// docs).
pub struct LiveSearch {
    corpus: Arc<Corpus>,
    /// Bumped when rows change in a way that changes which rows a filter keeps.
    content: u64,
    /// Bumped when the sort changes.
    order: u64,
    /// The latest query.
    filter: Filter,
    /// The query `shown` answers.
    shown_filter: Filter,
    shown: Arc<Found>,
    /// Generation of the latest query and of the one shown.
    generation: u64,
    shown_generation: u64,
    /// When the latest query was asked while its answer was not there yet.
    asked: Option<Instant>,
    view_filters: Vec<Filter>,
    view_counts: Option<Vec<usize>>,
    /// The generation of the rows being indexed by the worker, and the changes made since to
    /// be made to them too.
    indexing: Option<u64>,
    pending: Vec<Pending>,
    /// Bumped whenever every row is replaced.
    rows_version: u64,
    /// The last generation handed out, and the last one sent to the worker.
    next: u64,
    sent: u64,
    shared: Arc<Shared>,
    mode: Mode,
}

/// A change made while new rows are indexed.
enum Pending {
    Upsert(Vec<ReferralRow>),
    Marketo(Vec<(String, MarketoBadge)>),
    Sort(Option<SortSpec>),
}

enum Mode {
    /// Requests are answered on the calling thread.
    Inline(Engine),
    Worker(Worker),
}

struct Worker {
    jobs: Option<Sender<Job>>,
    answers: Receiver<Answer>,
    /// For the indexing threads' answers.
    outbox: Sender<Answer>,
    wake: Arc<dyn Fn() + Send + Sync>,
    thread: Option<JoinHandle<()>>,
    /// The thread indexing rows given to `set_rows`, if any.
    indexer: Option<JoinHandle<()>>,
}

/// What the UI thread and the worker share.
#[derive(Default)]
struct Shared {
    /// Generation of the latest query; older scans stop.
    latest_search: AtomicU64,
    /// Generation of the latest count request; older counts stop.
    latest_count: AtomicU64,
    /// The highest generation the worker has finished with.
    done: Mutex<u64>,
    idle: Condvar,
}

enum Job {
    Search {
        generation: u64,
        corpus: Arc<Corpus>,
        content: u64,
        order: u64,
        filter: Filter,
    },
    Count {
        generation: u64,
        corpus: Arc<Corpus>,
        filters: Vec<Filter>,
    },
}

impl Job {
    fn generation(&self) -> u64 {
        match self {
            Job::Search { generation, .. } | Job::Count { generation, .. } => *generation,
        }
    }
}

enum Answer {
    Indexed {
        generation: u64,
        corpus: Box<Corpus>,
        filter: Filter,
        found: Arc<Found>,
    },
    Search {
        generation: u64,
        filter: Filter,
        found: Arc<Found>,
    },
    Count {
        generation: u64,
        counts: Vec<usize>,
    },
}

/// The searching itself, on whichever thread runs it.
struct Engine {
    matchers: Vec<Matcher>,
    /// The last answer and the rows' versions it was found with.
    last: Option<(Filter, u64, u64, Arc<Found>)>,
}

impl Engine {
    fn new(corpus: &Corpus) -> Engine {
        Engine {
            matchers: corpus.matchers(),
            last: None,
        }
    }

    fn run(&mut self, job: Job, shared: &Shared) -> Option<Answer> {
        match job {
            Job::Search {
                generation,
                corpus,
                content,
                order,
                filter,
            } => {
                let stop = Stop::unless_latest(&shared.latest_search, generation);
                let last = self.last.as_ref().filter(|l| l.1 == content);
                let found = match last {
                    Some((f, _, o, found)) if *f == filter && *o == order => found.clone(),
                    Some((f, _, _, found)) if filter.refines(f) => Arc::new(corpus.search(
                        &filter,
                        Some(&found.hits),
                        &mut self.matchers,
                        stop,
                    )?),
                    _ => Arc::new(corpus.search(&filter, None, &mut self.matchers, stop)?),
                };
                self.last = Some((filter.clone(), content, order, found.clone()));
                Some(Answer::Search {
                    generation,
                    filter,
                    found,
                })
            }
            Job::Count {
                generation,
                corpus,
                filters,
            } => {
                let stop = Stop::unless_latest(&shared.latest_count, generation);
                let mut counts = Vec::with_capacity(filters.len());
                for f in &filters {
                    counts.push(corpus.search(f, None, &mut self.matchers, stop)?.hits.len());
                }
                Some(Answer::Count { generation, counts })
            }
        }
    }
}

impl LiveSearch {
    /// Indexes the rows; every request is answered on the calling thread until
    /// [`LiveSearch::start_worker`].
    pub fn new(rows: impl Into<PackedRows>) -> LiveSearch {
        let corpus = Corpus::new(rows);
        let engine = Engine::new(&corpus);
        let mut live = LiveSearch {
            corpus: Arc::new(corpus),
            content: 0,
            order: 0,
            filter: Filter::default(),
            shown_filter: Filter::default(),
            shown: Arc::new(Found::default()),
            generation: 0,
            shown_generation: 0,
            asked: None,
            view_filters: Vec::new(),
            view_counts: None,
            indexing: None,
            pending: Vec::new(),
            rows_version: 0,
            next: 0,
            sent: 0,
            shared: Arc::new(Shared::default()),
            mode: Mode::Inline(engine),
        };
        live.research();
        live
    }

    /// From now on searches on a worker thread, which calls `wake` after each answer (the
    /// owner then calls [`LiveSearch::poll`]). Does nothing when a worker runs already.
    ///
    /// # Errors
    /// When the thread cannot be started (the searches stay on the calling thread).
    pub fn start_worker(&mut self, wake: impl Fn() + Send + Sync + 'static) -> std::io::Result<()> {
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(wake);
        let Mode::Inline(engine) = &self.mode else {
            return Ok(());
        };
        let mut engine = Engine {
            matchers: self.corpus.matchers(),
            last: engine.last.clone(),
        };
        // Everything asked so far was answered here.
        *self
            .shared
            .done
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = self.sent;
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (outbox, answers) = mpsc::channel();
        let shared = self.shared.clone();
        let index_outbox = outbox.clone();
        let index_wake = wake.clone();
        let thread = thread::Builder::new()
            .name("search".into())
            .spawn(move || {
                while let Ok(first) = inbox.recv() {
                    // Only the newest search and the newest count matter.
                    let (mut search, mut count) = (None, None);
                    let mut top = 0;
                    for job in std::iter::once(first).chain(inbox.try_iter()) {
                        top = top.max(job.generation());
                        match job {
                            Job::Search { .. } => search = Some(job),
                            Job::Count { .. } => count = Some(job),
                        }
                    }
                    for job in [search, count].into_iter().flatten() {
                        if let Some(answer) = engine.run(job, &shared) {
                            if outbox.send(answer).is_err() {
                                return;
                            }
                            wake();
                        }
                    }
                    // The jobs (and their hold on the corpus) are gone: tell waiters.
                    let mut done = shared.done.lock().unwrap_or_else(PoisonError::into_inner);
                    *done = top;
                    shared.idle.notify_all();
                }
            })?;
        self.mode = Mode::Worker(Worker {
            jobs: Some(jobs),
            answers,
            outbox: index_outbox,
            wake: index_wake,
            thread: Some(thread),
            indexer: None,
        });
        Ok(())
    }

    /// The rows and their prepared texts.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// Row indices of the result shown, in display order.
    pub fn hits(&self) -> &[u32] {
        &self.shown.hits
    }

    /// What the shown hits were found with (the latest query once its answer arrived).
    pub fn shown(&self) -> &Found {
        &self.shown
    }

    /// The generation of the shown result: it changes whenever another result is shown.
    pub fn shown_generation(&self) -> u64 {
        self.shown_generation
    }

    /// The query the shown hits answer (for highlighting them).
    pub fn shown_filter(&self) -> &Filter {
        &self.shown_filter
    }

    /// The latest query.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// How long the latest query has waited for its answer; `None` when it is shown.
    pub fn pending_for(&self) -> Option<Duration> {
        self.asked.map(|t| t.elapsed())
    }

    /// Asks for the rows `filter` keeps; the previous result stays until the answer is taken
    /// by [`LiveSearch::poll`] (at once without a worker).
    pub fn set_filter(&mut self, filter: &Filter) {
        if *filter != self.filter {
            self.filter = filter.clone();
            self.research();
        }
    }

    /// Changes the sort; the hits are put in the new order.
    pub fn set_sort(&mut self, sort: Option<SortSpec>) {
        if self.corpus.sort() != sort && self.corpus_mut().set_sort(sort) {
            if self.indexing.is_some() {
                self.pending.push(Pending::Sort(sort));
            }
            self.order += 1;
            self.research();
        }
    }

    /// Replaces every row (keeping the sort and the query). With a worker the rows are indexed
    /// there and swapped in by [`LiveSearch::poll`] with the query's answer in them (the old
    /// rows stay until then, see [`LiveSearch::is_indexing`]); without one, at once.
    pub fn set_rows(&mut self, rows: impl Into<PackedRows>) {
        let rows = rows.into();
        let sort = self.corpus.sort();
        let generation = self.next_generation();
        let filter = self.filter.clone();
        let rows = match &mut self.mode {
            Mode::Worker(worker) => {
                let (outbox, wake) = (worker.outbox.clone(), worker.wake.clone());
                // Shared so that the rows come back if the thread cannot start.
                let slot = Arc::new(Mutex::new(Some(rows)));
                let work = {
                    let slot = slot.clone();
                    move || {
                        let rows = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                        let Some(rows) = rows else { return };
                        let (corpus, found) = index(rows, sort, &filter);
                        let answer = Answer::Indexed {
                            generation,
                            corpus: Box::new(corpus),
                            filter,
                            found,
                        };
                        if outbox.send(answer).is_ok() {
                            wake();
                        }
                    }
                };
                match thread::Builder::new().name("index".into()).spawn(work) {
                    Ok(handle) => {
                        worker.indexer = Some(handle);
                        self.indexing = Some(generation);
                        self.pending.clear();
                        return;
                    }
                    // No thread: index here.
                    Err(_) => slot.lock().unwrap_or_else(PoisonError::into_inner).take(),
                }
            }
            Mode::Inline(_) => Some(rows),
        };
        let Some(rows) = rows else { return };
        let mut corpus = Corpus::new(rows);
        corpus.set_sort(sort);
        self.quiesce();
        self.corpus = Arc::new(corpus);
        self.rows_version += 1;
        self.content += 1;
        self.research();
        self.recount();
        self.settle();
    }

    /// True while rows given to [`LiveSearch::set_rows`] are being indexed by the worker.
    pub fn is_indexing(&self) -> bool {
        self.indexing.is_some()
    }

    /// Bumped whenever every row was replaced (for owners that keep totals of the rows).
    pub fn rows_version(&self) -> u64 {
        self.rows_version
    }

    /// Inserts or replaces rows by id (see [`Corpus::upsert`]).
    pub fn upsert(&mut self, rows: Vec<ReferralRow>) {
        if rows.is_empty() {
            return;
        }
        if self.indexing.is_some() {
            self.pending.push(Pending::Upsert(rows.clone()));
        }
        self.corpus_mut().upsert(rows);
        self.content += 1;
        self.research();
        self.recount();
    }

    /// Sets Marketo badges by id; returns how many rows were found.
    pub fn set_marketo_many<'a>(
        &mut self,
        badges: impl IntoIterator<Item = (&'a str, MarketoBadge)>,
    ) -> usize {
        let badges: Vec<(&str, MarketoBadge)> = badges.into_iter().collect();
        if self.indexing.is_some() {
            let owned = badges.iter().map(|&(id, b)| (id.to_string(), b)).collect();
            self.pending.push(Pending::Marketo(owned));
        }
        let (found, changed) = self.corpus_mut().set_marketo_many(badges);
        if changed {
            // Hits of filters on the badge change; the worker's last answer may be of such a
            // filter even when the latest query is not.
            self.content += 1;
            self.research();
            if self.view_filters.iter().any(filters_marketo) {
                self.recount();
            }
        }
        found
    }

    /// Asks for the number of rows each filter keeps over all rows; recounted whenever rows
    /// change. See [`LiveSearch::view_counts`].
    pub fn set_view_filters(&mut self, filters: Vec<Filter>) {
        if filters != self.view_filters {
            self.view_filters = filters;
            self.view_counts = None;
            self.recount();
        }
    }

    /// The counts of [`LiveSearch::set_view_filters`]'s filters, in order; `None` until the
    /// first answer (older counts stay until a recount after a change arrives).
    pub fn view_counts(&self) -> Option<&[usize]> {
        self.view_counts.as_deref()
    }

    /// Takes the worker's answers; true when the shown result or the view counts changed.
    pub fn poll(&mut self) -> bool {
        let Mode::Worker(worker) = &self.mode else {
            return false;
        };
        let answers: Vec<Answer> = worker.answers.try_iter().collect();
        let mut changed = false;
        for answer in answers {
            changed |= self.take(answer);
        }
        changed
    }

    /// Waits until the worker has answered every request so far (and rows given to
    /// [`LiveSearch::set_rows`] are indexed), then takes the answers (for tests and
    /// benchmarks; returns at once without a worker).
    pub fn settle(&mut self) -> bool {
        let mut changed = false;
        while self.indexing.is_some() {
            let Mode::Worker(worker) = &self.mode else {
                break;
            };
            match worker.answers.recv_timeout(Duration::from_millis(50)) {
                Ok(answer) => changed |= self.take(answer),
                Err(_) if worker.indexer.as_ref().is_none_or(|t| t.is_finished()) => {
                    // The indexing thread ended without an answer (it panicked): the new rows
                    // are lost; keep the old ones.
                    if worker.answers.try_recv().is_err() {
                        self.indexing = None;
                    }
                }
                Err(_) => {}
            }
        }
        self.wait_idle();
        changed | self.poll()
    }

    // -----------------------------------------------------------------------------------------

    fn take(&mut self, answer: Answer) -> bool {
        match answer {
            Answer::Indexed {
                generation,
                corpus,
                filter,
                found,
            } if Some(generation) == self.indexing => {
                self.indexing = None;
                self.quiesce();
                self.corpus = Arc::from(corpus);
                self.rows_version += 1;
                self.content += 1;
                self.shown_filter = filter;
                self.shown = found;
                self.shown_generation = generation;
                // Changes made to the old rows meanwhile, made to the new ones.
                for change in std::mem::take(&mut self.pending) {
                    let corpus = self.corpus_mut();
                    match change {
                        Pending::Upsert(rows) => {
                            corpus.upsert(rows);
                        }
                        Pending::Marketo(badges) => {
                            corpus.set_marketo_many(badges.iter().map(|(id, b)| (id.as_str(), *b)));
                        }
                        Pending::Sort(sort) => {
                            corpus.set_sort(sort);
                        }
                    }
                }
                self.research();
                self.recount();
                true
            }
            Answer::Search {
                generation,
                filter,
                found,
            } if generation == self.generation => {
                self.shown_filter = filter;
                self.shown = found;
                self.shown_generation = generation;
                self.asked = None;
                true
            }
            Answer::Count { generation, counts }
                if generation == self.shared.latest_count.load(Ordering::Relaxed) =>
            {
                self.view_counts = Some(counts);
                true
            }
            _ => false,
        }
    }

    fn next_generation(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Searches the latest query again (it or the rows changed).
    fn research(&mut self) {
        let generation = self.next_generation();
        self.generation = generation;
        self.shared
            .latest_search
            .store(generation, Ordering::Relaxed);
        self.asked = Some(Instant::now());
        let job = Job::Search {
            generation,
            corpus: self.corpus.clone(),
            content: self.content,
            order: self.order,
            filter: self.filter.clone(),
        };
        self.send(job);
    }

    /// Counts the view filters again.
    fn recount(&mut self) {
        if self.view_filters.is_empty() {
            return;
        }
        let generation = self.next_generation();
        self.shared
            .latest_count
            .store(generation, Ordering::Relaxed);
        let job = Job::Count {
            generation,
            corpus: self.corpus.clone(),
            filters: self.view_filters.clone(),
        };
        self.send(job);
    }

    fn send(&mut self, job: Job) {
        self.sent = job.generation();
        let answer = match &mut self.mode {
            Mode::Inline(engine) => engine.run(job, &self.shared),
            Mode::Worker(worker) => match worker.jobs.as_ref().map(|j| j.send(job)) {
                Some(Ok(())) => return,
                // The worker is gone (it panicked): answer here from now on.
                Some(Err(mpsc::SendError(job))) => {
                    let mut engine = Engine::new(&self.corpus);
                    let answer = engine.run(job, &self.shared);
                    self.mode = Mode::Inline(engine);
                    answer
                }
                None => None,
            },
        };
        if let Some(answer) = answer {
            self.take(answer);
        }
    }

    /// Stops the running scans and waits until the worker holds no corpus.
    fn quiesce(&mut self) {
        let stale = self.next_generation();
        self.shared.latest_search.store(stale, Ordering::Relaxed);
        self.shared.latest_count.store(stale, Ordering::Relaxed);
        self.wait_idle();
    }

    /// The corpus to change in place: scans stopped, the worker holding none of it.
    fn corpus_mut(&mut self) -> &mut Corpus {
        self.quiesce();
        Arc::make_mut(&mut self.corpus)
    }

    /// Blocks until the worker has finished every job sent so far.
    fn wait_idle(&self) {
        let Mode::Worker(worker) = &self.mode else {
            return;
        };
        let mut done = self
            .shared
            .done
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A worker that died (a panic) never answers: look again now and then.
        while *done < self.sent && worker.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            done = self
                .shared
                .idle
                .wait_timeout(done, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// A corpus of `rows` in `sort`, and what `filter` finds in it.
fn index(rows: PackedRows, sort: Option<SortSpec>, filter: &Filter) -> (Corpus, Arc<Found>) {
    let mut corpus = Corpus::new(rows);
    corpus.set_sort(sort);
    let mut matchers = corpus.matchers();
    let found = corpus
        .search(filter, None, &mut matchers, Stop::never())
        .unwrap_or_default();
    (corpus, Arc::new(found))
}

impl Drop for LiveSearch {
    fn drop(&mut self) {
        let stale = self.next_generation();
        self.shared.latest_search.store(stale, Ordering::Relaxed);
        self.shared.latest_count.store(stale, Ordering::Relaxed);
        if let Mode::Worker(worker) = &mut self.mode {
            worker.jobs = None;
            if let Some(t) = worker.thread.take() {
                let _ = t.join();
            }
        }
    }
}
