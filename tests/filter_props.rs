//! Properties of the filter language and the search index:
//! - `parse` never panics, whatever is typed;
//! - a filter of valid exact tokens keeps exactly the rows an independent predicate keeps;
//! - the index (narrowing, folded text, signatures, threads) keeps exactly the rows the plain
//!   `Filter::matches_row` keeps, in the order a fresh full scan gives.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use nucleo_matcher::Matcher;
use proptest::prelude::*;
use refdeck::domain::filter::{Filter, parse};
use refdeck::domain::marketo::MarketoBadge;
use refdeck::domain::search::{Column, SearchIndex, SortSpec, compare_rows};
use refdeck::domain::{
    Direction, Qualification, ReferralRow, ReferralType, RegistrationStatus, SalesStage, Status,
    Substatus,
};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_781_000_000, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Rows

const WORDS: &[&str] = &[
    "CONTOSO",
    "contoso",
    "Contoso Ltd long name",
    "contoso ltd long nam",
    "İstanbul",
    "\u{0}",
    "Ω",
    "Contoso",
    "contoso.com",
    "supply",
    "chain",
    "Fabrikam",
    "field",
    "Société",
    "Générale",
    "Ā",
    "ā",
    "Ångström",
    "東京",
    "K",
    "ſ",
    "ann",
    "Lee",
    "demo",
    "data",
    "platform",
    "x",
    "",
    "AI",
    "Café",
    "naïve",
    "ẞ",
    "ß",
    "co-sell",
    "\u{7f}",
];

fn text(max_words: usize, sep: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..max_words).prop_map(move |w| w.join(sep))
}

fn opt_date() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    prop::option::of((-400i64..400).prop_map(|h| now() + TimeDelta::hours(h * 7)))
}

fn pick<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all)
}

prop_compose! {
    fn row()(
        id in "[a-f0-9]{4}",
        name in text(4, " "),
        customer in text(3, " "),
        search_text in text(6, "\n"),
        status in pick(Status::ALL),
        substatus in pick(Substatus::ALL),
        referral_type in prop::option::of(pick(ReferralType::ALL)),
        direction in prop::option::of(pick(Direction::ALL)),
        qualification in prop::option::of(pick(Qualification::ALL)),
        sales_stage in prop::option::of(pick(SalesStage::ALL)),
        registration_status in prop::option::of(pick(RegistrationStatus::ALL)),
        deal_value in prop::option::of(prop_oneof![
            (0u32..200_000).prop_map(f64::from),
            Just(-0.0), Just(0.0), Just(-5.5), Just(1e300), Just(f64::MIN_POSITIVE),
        ]),
        currency in prop::sample::select(&["USD", "EUR", "", "usd"][..]),
        country in prop::sample::select(&["US", "DE", ""][..]),
        closing in opt_date(),
        created in opt_date(),
        updated in opt_date(),
        favorite in any::<bool>(),
        marketo in pick(&MarketoBadge::ALL),
    ) -> ReferralRow {
        ReferralRow {
            id, engagement_id: String::new(), name, customer, status, substatus, referral_type,
            direction, qualification, sales_stage, registration_status,
            deal_value, currency: currency.into(),
            country: country.into(), closing, created, updated, favorite, search_text, marketo,
            microsoft: false, expires: None, closed: None, unseen: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exact tokens with an independent predicate

/// A token as typed and what it must mean.
#[derive(Clone, Debug)]
struct Token {
    text: String,
    kind: TokenKind,
    negated: bool,
}

#[derive(Clone, Debug)]
enum TokenKind {
    /// `key:value` on a field read by the closure-free accessor below.
    Enum(&'static str, Vec<String>),
    Value(&'static str, f64),
    Date(&'static str, &'static str, DateArg),
    Fav,
}

#[derive(Clone, Debug)]
enum DateArg {
    Day(NaiveDate),
    DaysAgo(u32),
    DaysAhead(u32),
}

fn enum_value(key: &str, row: &ReferralRow) -> Option<String> {
    let s = match key {
        "status" => row.status.as_str(),
        "sub" => row.substatus.as_str(),
        "type" => row.referral_type.as_ref()?.as_str(),
        "dir" => row.direction.as_ref()?.as_str(),
        "qual" => row.qualification.as_ref()?.as_str(),
        "stage" => row.sales_stage.as_ref()?.as_str(),
        "reg" => row.registration_status.as_ref()?.as_str(),
        "mkto" => row.marketo.as_str(),
        "cur" => row.currency.as_str(),
        "country" => row.country.as_str(),
        _ => unreachable!(),
    };
    Some(s.to_lowercase())
}

impl Token {
    fn holds(&self, row: &ReferralRow) -> bool {
        let yes = match &self.kind {
            TokenKind::Enum(key, values) => {
                enum_value(key, row).is_some_and(|v| values.contains(&v))
            }
            // Values compare in the reporting currency (the shipped rates, USD).
            TokenKind::Value(op, n) => row
                .deal_value
                .and_then(|v| refdeck::domain::money::current().to_reporting(v, &row.currency))
                .is_some_and(|v| compare(op, v, *n)),
            TokenKind::Date(key, op, arg) => {
                let field = match *key {
                    "close" => row.closing,
                    "updated" => row.updated,
                    _ => row.created,
                };
                field.is_some_and(|d| date_holds(d, op, arg))
            }
            TokenKind::Fav => row.favorite,
        };
        yes != self.negated
    }
}

fn compare<T: PartialOrd>(op: &str, a: T, b: T) -> bool {
    match op {
        ">" => a > b,
        ">=" => a >= b,
        "<" => a < b,
        "<=" => a <= b,
        _ => a == b,
    }
}

fn date_holds(d: DateTime<Utc>, op: &str, arg: &DateArg) -> bool {
    match arg {
        DateArg::Day(day) => {
            let date = d.date_naive();
            compare(op, date, *day)
        }
        DateArg::DaysAgo(n) => compare(op, d, now() - TimeDelta::days(i64::from(*n))),
        DateArg::DaysAhead(n) => compare(op, d, now() + TimeDelta::days(i64::from(*n))),
    }
}

fn enum_token() -> impl Strategy<Value = TokenKind> {
    let lists: Vec<(&'static str, Vec<&'static str>)> = vec![
        ("status", vec!["new", "active", "closed"]),
        (
            "sub",
            vec![
                "pending", "received", "accepted", "won", "lost", "declined", "expired",
            ],
        ),
        ("type", vec!["independent", "shared"]),
        ("dir", vec!["incoming", "outgoing"]),
        (
            "qual",
            vec!["none", "direct", "marketingqualified", "salesqualified"],
        ),
        ("stage", vec!["qualify", "develop", "propose", "close"]),
        (
            "reg",
            vec![
                "none",
                "reviewpending",
                "actionrequired",
                "passed",
                "failed",
                "approved",
            ],
        ),
        ("mkto", vec!["unknown", "synced", "partial", "missing"]),
        ("cur", vec!["usd", "eur", "gbp"]),
        ("country", vec!["us", "de", "fr"]),
    ];
    prop::sample::select(lists).prop_flat_map(|(key, values)| {
        prop::sample::subsequence(values.clone(), 1..=values.len().min(3))
            .prop_map(move |v| TokenKind::Enum(key, v.into_iter().map(String::from).collect()))
    })
}

fn op() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&[">", ">=", "<", "<=", "="][..])
}

fn token() -> impl Strategy<Value = Token> {
    let kind = prop_oneof![
        4 => enum_token(),
        1 => (op(), 0u32..200).prop_map(|(op, n)| TokenKind::Value(op, f64::from(n) * 1000.0)),
        2 => (
            prop::sample::select(&["close", "updated", "created"][..]),
            op(),
            prop_oneof![
                (-200i64..200).prop_map(|d| DateArg::Day(
                    now().date_naive().checked_add_signed(TimeDelta::days(d)).unwrap()
                )),
                (0u32..150).prop_map(DateArg::DaysAgo),
                (0u32..150).prop_map(DateArg::DaysAhead),
            ],
        )
            .prop_filter("relative dates take > or <", |(_, op, arg)| {
                matches!(arg, DateArg::Day(_)) || *op != "="
            })
            .prop_map(|(key, op, arg)| TokenKind::Date(key, op, arg)),
        1 => Just(TokenKind::Fav),
    ];
    (kind, any::<bool>(), any::<bool>()).prop_map(|(kind, negated, upper)| {
        let body = match &kind {
            TokenKind::Enum(key, values) => format!("{key}:{}", values.join(",")),
            TokenKind::Value(op, n) => format!("value{op}{}k", n / 1000.0),
            TokenKind::Date(key, op, arg) => match arg {
                DateArg::Day(day) => format!("{key}{op}{day}"),
                DateArg::DaysAgo(n) => format!("{key}{op}{n}d"),
                DateArg::DaysAhead(n) => format!("{key}{op}+{n}d"),
            },
            TokenKind::Fav => "fav".to_string(),
        };
        let body = if upper { body.to_uppercase() } else { body };
        let text = if negated { format!("-{body}") } else { body };
        Token {
            text,
            kind,
            negated,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Typing

const FRAGMENTS: &[&str] = &[
    "contoso",
    "supply",
    "chain",
    "soc",
    "société",
    "gen",
    "\"supply ch",
    "\"data platform\"",
    "-ann",
    "-\"x\"",
    "ā",
    "Ā",
    "k",
    "ſ",
    "東",
    "cafe",
    "café",
    "status:new",
    "status:new,active",
    "value>50k",
    "value<=1e6",
    "mkto:missing",
    "-fav",
    "fav",
    "updated>30d",
    "close<+60d",
    "type:shared",
    "-status:closed",
    "naive",
    "co-sell",
    "ai",
];

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 1..4).prop_map(|f| f.join(" "))
}

/// What a user types: each prefix of the query, then erasing back to a random point and
/// typing another query.
fn typing() -> impl Strategy<Value = Vec<String>> {
    (query(), query(), any::<prop::sample::Index>()).prop_map(|(a, b, cut)| {
        let prefixes = |q: &str| {
            q.char_indices()
                .map(|(i, _)| q[..i].to_string())
                .chain([q.to_string()])
                .collect::<Vec<_>>()
        };
        let first = prefixes(&a);
        let back = cut.index(first.len());
        let mut steps = first.clone();
        steps.extend(first[back..].iter().rev().cloned());
        let kept = &first[back];
        steps.extend(prefixes(&b).into_iter().map(|p| format!("{kept}{p}")));
        steps
    })
}

fn sort_spec() -> impl Strategy<Value = Option<SortSpec>> {
    prop::option::of(
        (prop::sample::select(&Column::ALL[..]), any::<bool>())
            .prop_map(|(column, descending)| SortSpec { column, descending }),
    )
}

fn reference(rows: &[ReferralRow], filter: &Filter) -> Vec<u32> {
    let mut m = Matcher::default();
    (0..rows.len() as u32)
        .filter(|&i| filter.matches_row(&rows[i as usize], &mut m))
        .collect()
}

/// The hits follow `compare_rows`, equal rows by position.
fn in_order(rows: &[ReferralRow], hits: &[u32], spec: SortSpec) -> Result<(), TestCaseError> {
    for pair in hits.windows(2) {
        let (a, b) = (pair[0] as usize, pair[1] as usize);
        let order = compare_rows(&rows[a], &rows[b], spec).then(a.cmp(&b));
        prop_assert_eq!(
            order,
            std::cmp::Ordering::Less,
            "{:?} then {:?} by {}",
            rows[a],
            rows[b],
            spec
        );
    }
    Ok(())
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}

proptest! {

    #[test]
    fn parse_never_panics_on_any_text(s in any::<String>()) {
        let parsed = parse(&s, now());
        for e in &parsed.errors {
            prop_assert!(s.is_char_boundary(e.span.start) && s.is_char_boundary(e.span.end));
            prop_assert_eq!(&s[e.span.clone()], e.token.as_str());
        }
        let _ = parsed.filter.to_odata();
    }

    #[test]
    fn parse_never_panics_on_token_soup(
        parts in prop::collection::vec(prop_oneof![
            prop::sample::select(&[
                "-", ":", "\"", "status", "value", "close", "updated", ">", ">=", "<", "<=", "=",
                ",", "1e999", "99999999999999999999d", "+", "k", "m", "today", "é", "東", " ",
                "fav", "new", "2026-02-30", "2026-12-31T25:00:00Z", "-7d", "nan", "inf", "\u{0}",
            ][..]).prop_map(String::from),
            "[ -~]{0,4}",
            any::<char>().prop_map(String::from),
        ], 0..12)
    ) {
        let input: String = parts.concat();
        let parsed = parse(&input, now());
        let _ = parsed.filter.to_odata();
        let mut m = Matcher::default();
        let _ = parsed.filter.matches_row(&ReferralRow::default(), &mut m);
    }

    #[test]
    fn exact_tokens_keep_exactly_the_rows_their_meaning_keeps(
        tokens in prop::collection::vec(token(), 1..4),
        rows in prop::collection::vec(row(), 1..40),
    ) {
        let line = tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
        let parsed = parse(&line, now());
        prop_assert!(parsed.errors.is_empty(), "{}: {:?}", line, parsed.errors);
        prop_assert_eq!(parsed.filter.terms.len(), tokens.len());
        let mut m = Matcher::default();
        for row in &rows {
            let expected = tokens.iter().all(|t| t.holds(row));
            prop_assert_eq!(parsed.filter.matches_row(row, &mut m), expected, "{} on {:?}", line, row);
        }
    }

    #[test]
    fn narrowing_while_typing_equals_a_full_scan(
        rows in prop::collection::vec(row(), 0..40),
        steps in typing(),
        sort in sort_spec(),
        threads in 1usize..3,
    ) {
        let mut live = SearchIndex::new(rows.clone()).with_parallelism(threads, 1);
        live.set_sort(sort);
        for line in &steps {
            let parsed = parse(line, now());
            if !parsed.errors.is_empty() {
                continue;
            }
            let narrowed = live.apply(&parsed.filter).to_vec();
            let mut fresh = SearchIndex::new(rows.clone());
            fresh.set_sort(sort);
            prop_assert_eq!(&narrowed, &fresh.apply(&parsed.filter).to_vec(), "`{}`", line);
            if let Some(spec) = sort.or((!parsed.filter.has_words()).then_some(SortSpec::DEFAULT)) {
                in_order(&rows, &narrowed, spec)?;
            }
            prop_assert_eq!(sorted(narrowed), reference(&rows, &parsed.filter), "`{}`", line);
            prop_assert_eq!(live.counts().total(), live.hits().len());
        }
    }

    #[test]
    fn updates_keep_the_index_consistent(
        rows in prop::collection::vec(row(), 0..30),
        updates in prop::collection::vec((0usize..40, row()), 0..10),
        badges in prop::collection::vec((0usize..40, pick(&MarketoBadge::ALL)), 0..5),
        q in query(),
        sort in sort_spec(),
    ) {
        let with_id = |k: usize, mut r: ReferralRow| {
            r.id = format!("r{k:02}");
            r
        };
        let rows: Vec<ReferralRow> =
            rows.into_iter().enumerate().map(|(k, r)| with_id(k, r)).collect();
        let parsed = parse(&q, now());
        let mut index = SearchIndex::new(rows.clone());
        index.set_sort(sort);
        index.apply(&parsed.filter);
        let updates: Vec<ReferralRow> = updates.into_iter().map(|(k, r)| with_id(k, r)).collect();
        index.upsert(updates.clone());
        // The expected rows: by id, the last update wins.
        let mut expected: std::collections::BTreeMap<String, ReferralRow> =
            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        for u in updates {
            expected.insert(u.id.clone(), u);
        }
        for (k, badge) in badges {
            let id = format!("r{k:02}");
            prop_assert_eq!(index.set_marketo(&id, badge), expected.contains_key(&id));
            if let Some(r) = expected.get_mut(&id) {
                r.marketo = badge;
            }
        }
        // Packed rows read back exactly as they went in.
        let all: Vec<ReferralRow> = index.rows().iter().map(|r| r.to_row()).collect();
        let mut got: Vec<&ReferralRow> = all.iter().collect();
        got.sort_by(|a, b| a.id.cmp(&b.id));
        prop_assert_eq!(got, expected.values().collect::<Vec<_>>());
        for id in expected.keys() {
            let i = index.index_of(id).unwrap();
            prop_assert_eq!(&all[i].id, id);
        }
        let mut fresh = SearchIndex::new(index.rows().clone());
        fresh.set_sort(sort);
        prop_assert_eq!(index.hits(), fresh.apply(&parsed.filter));
        prop_assert_eq!(sorted(index.hits().to_vec()), reference(&all, &parsed.filter));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The block postings of letter pairs only ever rule out blocks without a hit: over several
    /// blocks of rows, and after rows were replaced (their old pairs stay behind), a full scan
    /// through the postings keeps exactly the rows the plain predicate keeps.
    #[test]
    fn pair_postings_never_drop_a_hit(
        rows in prop::collection::vec(row(), 0..300),
        updates in prop::collection::vec((0usize..300, row()), 0..20),
        lines in prop::collection::vec(query(), 1..6),
    ) {
        let mut rows = rows;
        for (i, r) in rows.iter_mut().enumerate() {
            r.id = format!("r{i}");
        }
        let mut index = SearchIndex::new(rows.clone());
        let updates: Vec<ReferralRow> = updates
            .into_iter()
            .filter_map(|(i, mut r)| {
                let old = rows.get_mut(i)?;
                r.id = old.id.clone();
                *old = r.clone();
                Some(r)
            })
            .collect();
        index.upsert(updates);
        for line in &lines {
            let parsed = parse(line, now());
            if !parsed.errors.is_empty() {
                continue;
            }
            // A different filter first, so that this one is a full scan.
            index.apply(&parse("-zzzzqqq", now()).filter);
            let hits = index.apply(&parsed.filter).to_vec();
            prop_assert_eq!(sorted(hits), reference(&rows, &parsed.filter), "`{}`", line);
        }
    }
}
