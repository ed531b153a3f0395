//! The worker answers what the synchronous index answers, keeps the previous result until it
//! is taken, narrows when the query grows and stops stale scans. Deterministic: answers are
//! waited for with `settle`, never with sleeps.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use super::*;
use crate::domain::enums::Status;
use crate::domain::filter::parse;
use crate::domain::time::parse_datetime;

fn filter(input: &str) -> Filter {
    let now = parse_datetime("2026-06-15T12:00:00Z").unwrap();
    let parsed = parse(input, now);
    assert!(parsed.errors.is_empty(), "{input}: {:?}", parsed.errors);
    parsed.filter
}

fn rows(n: usize) -> Vec<ReferralRow> {
    (0..n)
        .map(|i| ReferralRow {
            id: format!("id{i:05}"),
            name: format!("deal {} number {i}", i % 7),
            customer: ["Contoso", "Fabrikam", "Northwind"][i % 3].into(),
            status: [Status::New, Status::Active, Status::Closed][i % 3].clone(),
            deal_value: Some((i * 37 % 101) as f64),
            ..ReferralRow::default()
        })
        .collect()
}

/// A worker whose wake-ups are counted.
fn live(rows: Vec<ReferralRow>) -> (LiveSearch, Arc<AtomicUsize>) {
    let mut live = LiveSearch::new(rows);
    let wakes = Arc::new(AtomicUsize::new(0));
    let w = wakes.clone();
    live.start_worker(move || {
        w.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    (live, wakes)
}

fn sync_hits(rows: Vec<ReferralRow>, sort: Option<SortSpec>, input: &str) -> Vec<u32> {
    let mut index = SearchIndex::new(rows).with_parallelism(3, 1);
    index.set_sort(sort);
    index.apply(&filter(input)).to_vec()
}

#[test]
fn the_previous_result_stays_until_the_answer_is_taken() {
    let (mut live, wakes) = live(rows(300));
    assert_eq!(live.hits().len(), 300);
    live.set_filter(&filter("contoso"));
    // Nothing is taken before `poll`: the list still shows every row.
    assert_eq!(live.hits().len(), 300);
    assert!(live.pending_for().is_some());
    assert_eq!(live.shown_filter(), &Filter::default());
    assert!(live.settle());
    assert!(wakes.load(Ordering::SeqCst) >= 1);
    assert_eq!(live.hits(), sync_hits(rows(300), None, "contoso"));
    assert_eq!(live.shown_filter(), &filter("contoso"));
    assert!(live.pending_for().is_none());
}

#[test]
fn growing_queries_narrow_and_agree_with_a_full_scan() {
    let (mut live, _) = live(rows(500));
    let mut typed = String::new();
    for c in "contoso deal 3".chars() {
        typed.push(c);
        if typed.ends_with(' ') {
            continue;
        }
        live.set_filter(&filter(&typed));
        live.settle();
        assert_eq!(live.hits(), sync_hits(rows(500), None, &typed), "{typed}");
        if typed.len() > 1 {
            assert_eq!(live.shown().scan, Scan::Narrowed, "{typed}");
        }
    }
    live.set_filter(&filter("fabrikam"));
    live.settle();
    assert_eq!(live.shown().scan, Scan::Full);
}

#[test]
fn only_the_latest_of_many_queries_is_shown() {
    let (mut live, _) = live(rows(2000));
    for q in [
        "c",
        "co",
        "con",
        "n",
        "no",
        "nort",
        "north",
        "status:new deal 4",
    ] {
        live.set_filter(&filter(q));
    }
    live.settle();
    assert_eq!(
        live.hits(),
        sync_hits(rows(2000), None, "status:new deal 4")
    );
    assert_eq!(live.shown_filter(), &filter("status:new deal 4"));
}

#[test]
fn changed_rows_and_sorts_are_searched_again() {
    let (mut live, _) = live(rows(400));
    live.set_filter(&filter("contoso"));
    live.settle();
    let mut changed = rows(400);
    changed[1].customer = "Contoso".into();
    changed[0].customer = "Nobody".into();
    live.upsert(vec![changed[0].clone(), changed[1].clone()]);
    live.settle();
    assert_eq!(live.hits(), sync_hits(changed.clone(), None, "contoso"));
    let sort = Some(SortSpec::parse("value desc").unwrap());
    live.set_sort(sort);
    live.settle();
    assert_eq!(live.hits(), sync_hits(changed.clone(), sort, "contoso"));
    live.set_rows(rows(50));
    // New rows come with the latest query's answer in them.
    live.settle();
    assert_eq!(live.hits(), sync_hits(rows(50), sort, "contoso"));
    assert_eq!(
        live.set_marketo_many([("id00003", MarketoBadge::Missing)]),
        1
    );
    live.set_filter(&filter("mkto:missing"));
    live.settle();
    assert_eq!(live.hits().len(), 1);
}

#[test]
fn rows_can_change_right_after_the_worker_starts() {
    // Everything asked before the worker started was answered already: nothing to wait for.
    let (mut first, _) = live(rows(10));
    first.upsert(rows(20));
    first.settle();
    assert_eq!(first.hits().len(), 20);
    let (mut second, _) = live(rows(10));
    second.set_rows(rows(30));
    second.settle();
    assert_eq!(second.hits().len(), 30);
}

#[test]
fn view_counts_follow_the_rows() {
    let (mut live, _) = live(rows(300));
    assert_eq!(live.view_counts(), None);
    let views = vec![filter("status:new"), filter("contoso"), filter("value>50")];
    live.set_view_filters(views.clone());
    live.settle();
    let index = SearchIndex::new(rows(300));
    let expected: Vec<usize> = views.iter().map(|f| index.count(f)).collect();
    assert_eq!(live.view_counts(), Some(&expected[..]));
    let mut more = rows(301);
    more.drain(..300);
    live.upsert(more);
    live.settle();
    let index = SearchIndex::new(rows(301));
    let expected: Vec<usize> = views.iter().map(|f| index.count(f)).collect();
    assert_eq!(live.view_counts(), Some(&expected[..]));
}

#[test]
fn without_a_worker_every_request_is_answered_at_once() {
    let mut live = LiveSearch::new(rows(100));
    live.set_filter(&filter("northwind"));
    assert_eq!(live.hits(), sync_hits(rows(100), None, "northwind"));
    assert!(live.pending_for().is_none());
    live.set_view_filters(vec![filter("status:closed")]);
    assert_eq!(live.view_counts(), Some(&[33][..]));
}

#[test]
fn a_stale_scan_stops() {
    let corpus = Corpus::new(rows(50_000));
    let mut matchers = corpus.matchers();
    let latest = AtomicU64::new(2);
    let stale = Stop::unless_latest(&latest, 1);
    assert!(stale.stopped());
    assert_eq!(
        corpus.search(&filter("deal"), None, &mut matchers, stale),
        None
    );
    let current = Stop::unless_latest(&latest, 2);
    assert!(
        corpus
            .search(&filter("deal"), None, &mut matchers, current)
            .is_some()
    );
}

#[test]
fn new_rows_are_indexed_off_the_calling_thread_and_changes_meanwhile_reach_them() {
    let (mut live, _) = live(rows(30));
    live.set_filter(&filter("contoso"));
    live.settle();
    let version = live.rows_version();
    let mut more = rows(3000);
    more[0].name = "renamed on the server".into();
    live.set_rows(more.clone());
    // Nothing is swapped before `poll`: the old rows and their result stay on screen.
    assert!(live.is_indexing());
    assert_eq!(live.corpus().len(), 30);
    assert_eq!(live.rows_version(), version);
    // A save arrives while the new rows are indexed: it shows at once and is not lost when
    // they arrive.
    let mut saved = more[5].clone();
    saved.name = "saved meanwhile".into();
    live.upsert(vec![saved.clone()]);
    let old = live.corpus().index_of(&saved.id).unwrap();
    assert_eq!(live.corpus().row(old).unwrap().name(), "saved meanwhile");
    live.set_sort(Some(SortSpec {
        column: super::Column::Name,
        descending: false,
    }));
    live.settle();
    assert!(!live.is_indexing());
    assert_eq!(live.rows_version(), version + 1);
    assert_eq!(live.corpus().len(), 3000);
    let i = live.corpus().index_of(&saved.id).unwrap();
    assert_eq!(live.corpus().row(i).unwrap().name(), "saved meanwhile");
    assert_eq!(
        live.corpus().row(0).unwrap().name(),
        "renamed on the server"
    );
    // The hits are those of the new rows, in the sort chosen meanwhile.
    let mut expected = more;
    expected[5] = saved;
    let sort = Some(SortSpec {
        column: super::Column::Name,
        descending: false,
    });
    assert_eq!(live.hits(), sync_hits(expected, sort, "contoso"));
    assert_eq!(live.shown_filter(), &filter("contoso"));
}
