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

fn ids(index: &SearchIndex) -> Vec<String> {
    index
        .hits()
        .iter()
        .map(|&i| index.row(i as usize).unwrap().id().to_string())
        .collect()
}

fn sorted(col: &str) -> Vec<String> {
    let mut index = SearchIndex::new(sample());
    index.set_sort(Some(SortSpec::parse(col).unwrap()));
    ids(&index)
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
        "unknown column `size`; sort by one of name, customer, status, type, direction, value, currency, closing, updated, marketo, expires"
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
        index.row(index.index_of("f").unwrap()).unwrap().name(),
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
fn extra_memory_stays_small() {
    let rows: Vec<ReferralRow> = (0..1000).map(|i| row(&i.to_string(), "Name")).collect();
    let index = SearchIndex::new(rows);
    // Per row: four u32 vectors (16 bytes), a signature (40), a span (12), a pointer (8),
    // the name and customer (13) and the engagement's key (8); the pair postings take 20 KB
    // per 4,096 rows (5 bytes a row).
    assert!(
        index.heap_bytes() <= 1000 * 103 + 2 * 36 * 36 * 8,
        "{}",
        index.heap_bytes()
    );
}

#[test]
fn values_sort_in_the_reporting_currency() {
    let mut rows = vec![
        row("inr", "Rupees"),
        row("usd", "Dollars"),
        row("sek", "Kronor"),
        row("xyz", "Unknown"),
    ];
    let values = [
        (327_600_000.0, "INR"),
        (5_000_000.0, "USD"),
        (68_000.0, "SEK"),
        (1e12, "XYZ"),
    ];
    for (r, (v, c)) in rows.iter_mut().zip(values) {
        r.deal_value = Some(v);
        r.currency = c.into();
    }
    let mut index = SearchIndex::new(rows);
    index.set_sort(Some(SortSpec::parse("value").unwrap()));
    assert_eq!(ids(&index), ["sek", "inr", "usd", "xyz"]);
    index.set_sort(Some(SortSpec::parse("value desc").unwrap()));
    assert_eq!(ids(&index), ["usd", "inr", "sek", "xyz"], "no rate: last");
}

#[test]
fn count_answers_without_touching_the_hits() {
    let mut index = SearchIndex::new(sample());
    index.apply(&filter("contoso"));
    let hits = index.hits().to_vec();
    assert_eq!(index.count(&filter("status:new")), 2);
    assert_eq!(index.count(&Filter::default()), 5);
    assert_eq!(
        index.hits(),
        hits.as_slice(),
        "the hits are the filter's own"
    );
}

#[test]
fn a_few_changes_are_put_in_place_as_a_full_sort_would() {
    // 400 rows with long, often equal names (keys of 15 bytes tie), unknown statuses, values.
    let names = [
        "Tailspin mainframe offload",
        "tailspin mainframe",
        "Contoso",
        "Ω omega",
    ];
    let make = |k: usize, round: usize| {
        let mut r = row(&format!("r{k:03}"), names[(k + round) % 4]);
        r.status = if k.is_multiple_of(5) {
            Status::Unknown(format!("Odd{}", (k + round) % 3))
        } else {
            Status::New
        };
        r.deal_value = (!k.is_multiple_of(3)).then_some(((k * 7 + round) % 50) as f64);
        r.updated = DateTime::from_timestamp(1_700_000_000 + ((k * 13 + round) % 97) as i64, 0);
        r.marketo = MarketoBadge::ALL[(k + round) % 4];
        r
    };
    for column in Column::ALL {
        for descending in [false, true] {
            let sort = Some(SortSpec { column, descending });
            let mut all: Vec<ReferralRow> = (0..400).map(|k| make(k, 0)).collect();
            let mut index = SearchIndex::new(all.clone());
            index.set_sort(sort);
            // Three rows change and two are new: fewer than an eighth, so put in place.
            let changes: Vec<ReferralRow> = [7, 150, 399, 400, 401]
                .into_iter()
                .map(|k| make(k, 1))
                .collect();
            index.upsert(changes.clone());
            for c in changes {
                match all.iter_mut().find(|r| r.id == c.id) {
                    Some(r) => *r = c,
                    None => all.push(c),
                }
            }
            let mut fresh = SearchIndex::new(all);
            fresh.set_sort(sort);
            assert_eq!(ids(&index), ids(&fresh), "{sort:?}");
            assert_eq!(index.index_of("r401"), Some(401));
            // Marketo badges moved in place too.
            index.set_marketo("r010", MarketoBadge::Synced);
            let mut again = SearchIndex::new(index.rows().clone());
            again.set_sort(sort);
            assert_eq!(ids(&index), ids(&again), "{sort:?} after a badge");
        }
    }
}
