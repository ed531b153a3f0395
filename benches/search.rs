//! Live filtering over many rows: per-keystroke cost of parse + apply + visible highlights,
//! index build and sort costs, and the memory the index adds beside the rows.
//!
//! `cargo bench --bench search` first prints a typing report (p50/p99/max per keystroke while
//! typing and erasing realistic queries at 100,000 and 1,000,000 rows, and the index's extra
//! memory measured with a counting allocator), then runs the criterion benchmarks.
//! Set `SEARCH_BENCH_ROWS=100000` to limit the report and benchmarks to one size,
//! `SEARCH_BENCH_THREADS=1` to scan on one thread, `SEARCH_BENCH_TRACE=1` to print every
//! keystroke of the report. The rows come from a small deterministic generator below (a third
//! with non-ASCII names or contacts); the realistic demo data of the sandbox can replace it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group};
use nucleo_matcher::{Config, Matcher};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use refdeck::domain::filter::parse;
use refdeck::domain::marketo::MarketoBadge;
use refdeck::domain::search::{SearchIndex, SortSpec, TextField};
use refdeck::domain::{
    Direction, Qualification, ReferralRow, ReferralType, SalesStage, Status, Substatus,
};

/// Counts live heap bytes, to measure what the index adds.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const COMPANIES: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Adventure Works",
    "Tailspin",
    "Wide World Importers",
    "Litware",
    "Proseware",
    "Coho Winery",
    "Alpine Ski House",
    "Woodgrove Bank",
    "Lucerne",
    "Humongous Insurance",
    "Trey Research",
    "Blue Yonder",
    "Margie's Travel",
    "Fourth Coffee",
    "Graphic Design Institute",
    "Relecloud",
    "Wingtip Toys",
    "Société Générale Démo",
    "Müller Maschinenbau",
    "Nordisk Sjø",
    "Café Olé",
];
const SUFFIXES: &[&str] = &["Ltd", "Inc", "GmbH", "SA", "AG", "LLC", "Corp", "plc"];
const TOPICS: &[&str] = &[
    "supply chain",
    "field service",
    "data platform",
    "cloud migration",
    "security review",
    "retail analytics",
    "customer portal",
    "ERP upgrade",
    "AI assistant",
    "warehouse module",
    "identity rollout",
    "backup modernisation",
    "IoT telemetry",
    "contact centre",
    "billing",
];
const NOTES: &[&str] = &[
    "wants a demo next week",
    "budget approved for next fiscal year",
    "evaluating two other vendors",
    "needs pricing for 500 seats",
    "asked for a proof of concept on Azure",
    "follow up after the workshop",
    "champion moved to another team",
    "legal review of the contract pending",
    "expansion of the existing deployment",
    "",
];
const FIRST: &[&str] = &[
    "Ann", "Bob", "Chen", "Dana", "Eli", "Fatima", "Goran", "Hana", "Ivan", "José", "Kiri", "Lena",
];
const LAST: &[&str] = &[
    "Lee", "Smith", "Nguyen", "Okafor", "Schmidt", "García", "Kowalski", "Tanaka", "Brown", "Ali",
];

/// Deterministic rows shaped like the list's: names, customers, notes and contacts.
fn rows(n: usize) -> Vec<ReferralRow> {
    let mut rng = StdRng::seed_from_u64(7);
    let base: DateTime<Utc> = DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    (0..n)
        .map(|i| {
            let company = *COMPANIES.choose(&mut rng).unwrap_or(&"Contoso");
            let topic = *TOPICS.choose(&mut rng).unwrap_or(&"billing");
            let mut text = NOTES.choose(&mut rng).unwrap_or(&"").to_string();
            for _ in 0..rng.random_range(1..=3) {
                let first = *FIRST.choose(&mut rng).unwrap_or(&"Ann");
                let last = *LAST.choose(&mut rng).unwrap_or(&"Lee");
                let domain = company.split(' ').next().unwrap_or("x").to_lowercase();
                text.push_str(
                    &format!("\n{first} {last}\n{first}.{last}@{domain}.com").to_lowercase(),
                );
            }
            let status =
                [Status::New, Status::Active, Status::Closed][rng.random_range(0..3)].clone();
            ReferralRow {
                id: format!("{:08x}-0000-4000-8000-{:012x}", rng.random::<u32>(), i),
                engagement_id: String::new(),
                name: format!("{company} {topic} {}", rng.random_range(2025..2028)),
                customer: format!("{company} {}", SUFFIXES.choose(&mut rng).unwrap_or(&"Ltd")),
                substatus: match status {
                    Status::New => Substatus::Pending,
                    Status::Active => Substatus::Accepted,
                    _ => Substatus::Won,
                },
                status,
                referral_type: Some(if rng.random_bool(0.3) {
                    ReferralType::Shared
                } else {
                    ReferralType::Independent
                }),
                direction: Some(if rng.random_bool(0.6) {
                    Direction::Incoming
                } else {
                    Direction::Outgoing
                }),
                qualification: Some(Qualification::SalesQualified),
                sales_stage: Some(SalesStage::Develop),
                registration_status: None,
                deal_value: rng
                    .random_bool(0.9)
                    .then(|| f64::from(rng.random_range(0..200_000u32))),
                currency: ["USD", "EUR", "GBP"][rng.random_range(0..3)].into(),
                country: ["US", "DE", "GB", "FR"][rng.random_range(0..4)].into(),
                closing: Some(base + TimeDelta::days(rng.random_range(-100..300))),
                created: Some(base - TimeDelta::days(rng.random_range(0..700))),
                updated: Some(base - TimeDelta::minutes(rng.random_range(0..500_000))),
                favorite: rng.random_bool(0.05),
                search_text: text,
                marketo: MarketoBadge::ALL[rng.random_range(0..4)],
                microsoft: false,
                expires: None,
                closed: None,
                unseen: false,
            }
        })
        .collect()
}

/// Queries typed one character at a time and then erased.
const QUERIES: &[&str] = &[
    "contoso",
    "supply chain",
    "status:new fabrikam",
    "value>50k cloud",
    "ann lee",
    "\"data platform\" -retail",
    "cur:eur mig",
    "société",
    "updated>30d type:shared",
];

fn sizes() -> Vec<usize> {
    match std::env::var("SEARCH_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(n) => vec![n],
        None => vec![100_000, 1_000_000],
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
}

/// One keystroke as the UI does it: parse, apply when the line reads, highlight visible rows.
fn keystroke(index: &mut SearchIndex, line: &str, matcher: &mut Matcher) -> usize {
    let parsed = parse(line, now());
    if parsed.errors.is_empty() {
        index.apply(&parsed.filter);
    }
    let visible: Vec<u32> = index.hits().iter().take(40).copied().collect();
    let mut lit = 0;
    for i in visible {
        lit += index.highlights(i as usize, TextField::Name, matcher).len();
        lit += index
            .highlights(i as usize, TextField::Customer, matcher)
            .len();
    }
    lit + index.hits().len()
}

/// On-CPU time of the calling thread (Linux), unaffected by other processes taking the CPU.
/// With one scan thread it is the whole cost of a keystroke.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Types and erases every query, timing each keystroke.
fn typing_report(n: usize, sort: Option<SortSpec>) {
    let data = rows(n);
    let before = LIVE.load(Ordering::Relaxed);
    let built = Instant::now();
    let mut index = SearchIndex::new(data);
    let build = built.elapsed();
    if let Some(threads) = std::env::var("SEARCH_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        index = index.with_parallelism(threads, 20_000);
    }
    let extra = LIVE.load(Ordering::Relaxed) - before;
    index.set_sort(sort);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    for query in QUERIES {
        let cuts: Vec<usize> = query
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain([query.len()])
            .collect();
        for &cut in cuts.iter().chain(cuts.iter().rev().skip(1)).chain([&0]) {
            let (t, cpu) = (Instant::now(), thread_cpu());
            black_box(keystroke(&mut index, &query[..cut], &mut matcher));
            times.push(t.elapsed());
            if let (Some(before), Some(after)) = (cpu, thread_cpu()) {
                cpu_times.push(after.saturating_sub(before));
            }
            if std::env::var("SEARCH_BENCH_TRACE").is_ok() {
                println!(
                    "{:8.2} ms {:?} {:7} `{}`",
                    ms(t.elapsed()),
                    index.last_scan(),
                    index.hits().len(),
                    &query[..cut]
                );
            }
        }
    }
    times.sort();
    cpu_times.sort();
    let sort_name = sort.map_or("relevance".to_string(), |s| s.to_string());
    println!(
        "{n} rows, sort {sort_name}, {} threads: {} keystrokes, wall p50 {:.2} ms, p99 {:.2} ms, \
         max {:.2} ms; this thread's CPU p50 {:.2} ms, p99 {:.2} ms; build {:.0} ms; \
         index extra memory {:.1} MB (heap_bytes {:.1} MB + matchers)",
        index.threads(),
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(percentile(&times, 1.0)),
        ms(percentile(&cpu_times, 0.5)),
        ms(percentile(&cpu_times, 0.99)),
        ms(build),
        extra as f64 / 1e6,
        index.heap_bytes() as f64 / 1e6,
    );
}

/// Times `step` only, after `setup` (untimed) before each run.
fn timed<S: FnMut(), T: FnMut()>(iters: u64, mut setup: S, mut step: T) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        setup();
        let t = Instant::now();
        step();
        total += t.elapsed();
    }
    total
}

fn benches(c: &mut Criterion) {
    for n in sizes() {
        let index = std::cell::RefCell::new(SearchIndex::new(rows(n)));
        let matcher = std::cell::RefCell::new(Matcher::new(Config::DEFAULT));
        let mut group = c.benchmark_group(format!("search_{n}"));
        group.sample_size(10);
        let keystroke_after = |before: &'static str, line: &'static str, iters: u64| {
            timed(
                iters,
                || {
                    index.borrow_mut().apply(&parse(before, now()).filter);
                },
                || {
                    black_box(keystroke(
                        &mut index.borrow_mut(),
                        line,
                        &mut matcher.borrow_mut(),
                    ));
                },
            )
        };
        for line in [
            "c",
            "contoso sup",
            "status:new value>50k",
            "-status:closed ann",
            "société",
        ] {
            group.bench_function(format!("full scan `{line}`"), |b| {
                // From a filter the line does not refine: every row is checked.
                b.iter_custom(|iters| keystroke_after("zzz", line, iters))
            });
        }
        group.bench_function("narrow `contoso` -> `contoso s`", |b| {
            b.iter_custom(|iters| keystroke_after("contoso", "contoso s", iters))
        });
        group.bench_function("sort by name", |b| {
            b.iter_custom(|iters| {
                let name = SortSpec::parse("name").ok();
                timed(
                    iters,
                    || index.borrow_mut().set_sort(None),
                    || index.borrow_mut().set_sort(name),
                )
            })
        });
        index.borrow_mut().set_sort(None);
        group.finish();
    }
}

criterion_group!(search, benches);

fn main() {
    for n in sizes() {
        typing_report(n, None);
        typing_report(n, SortSpec::parse("value desc").ok());
    }
    search();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
