//! Packing the list's rows never changes a value: whatever a row holds (GUID or other ids,
//! dates of any precision and range, unknown enumeration values, long texts, odd deal
//! values), the packed row reads back equal to the row put in, also after replacements.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use chrono::DateTime;
use proptest::prelude::*;
use refdeck::domain::marketo::MarketoBadge;
use refdeck::domain::row::{PackedRows, RowRef};
use refdeck::domain::{ReferralRow, ReferralType, Status, Substatus};

/// `n` written as a GUID, in lower or upper case.
fn guid(n: u128, upper: bool) -> String {
    let h = if upper {
        format!("{n:032X}")
    } else {
        format!("{n:032x}")
    };
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        // Canonical GUIDs are stored as bytes; upper case ones and near-GUIDs stay text.
        any::<(u128, bool)>().prop_map(|(n, upper)| guid(n, upper)),
        "[0-9a-f-]{30,40}",
        ".{0,12}",
    ]
}

fn date() -> impl Strategy<Value = Option<DateTime<chrono::Utc>>> {
    prop_oneof![
        Just(None),
        // Whole seconds and 100 ns steps (as Partner Center writes them) pack; finer and very
        // far dates are kept whole.
        (-62_135_596_800i64..253_402_300_799, 0u32..10_000_000)
            .prop_map(|(s, t)| DateTime::from_timestamp(s, t * 100)),
        (-62_135_596_800i64..253_402_300_799, 0u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n)),
        Just(Some(DateTime::<chrono::Utc>::MIN_UTC)),
        Just(Some(DateTime::<chrono::Utc>::MAX_UTC)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,40}", "[a-z ]{0,300}", Just("é".repeat(33_000))]
}

prop_compose! {
    fn row()(
        id in id(),
        engagement_id in id(),
        name in text(),
        customer in text(),
        search_text in text(),
        status in prop_oneof![Just(Status::New), Just(Status::Closed), ".{0,6}".prop_map(|s| Status::parse(&s))],
        substatus in prop_oneof![Just(Substatus::Pending), "[A-Z][a-z]{0,4}".prop_map(|s| Substatus::parse(&s))],
        referral_type in prop::option::of(prop_oneof![Just(ReferralType::Shared), ".{0,4}".prop_map(|s| ReferralType::parse(&s))]),
        deal_value in prop::option::of(prop_oneof![any::<f64>(), Just(f64::NAN), Just(-0.0)]),
        currency in prop_oneof![Just(String::new()), "[A-Z]{3}", ".{0,5}"],
        country in prop_oneof![Just(String::new()), "[A-Z]{2}"],
        (closing, created, updated, expires, closed) in (date(), date(), date(), date(), date()),
        (favorite, unseen, microsoft) in any::<(bool, bool, bool)>(),
        marketo in prop::sample::select(&MarketoBadge::ALL[..]),
    ) -> ReferralRow {
        ReferralRow {
            id, engagement_id, name, customer, search_text, status, substatus, referral_type,
            deal_value, currency, country, closing, created, updated, expires, closed, favorite,
            unseen, microsoft, marketo, ..ReferralRow::default()
        }
    }
}

/// Equality that tells NaN deal values apart by their bits (NaN != NaN otherwise).
fn same(a: &ReferralRow, b: &ReferralRow) -> bool {
    let bits = |r: &ReferralRow| r.deal_value.map(f64::to_bits);
    bits(a) == bits(b)
        && ReferralRow {
            deal_value: None,
            ..a.clone()
        } == ReferralRow {
            deal_value: None,
            ..b.clone()
        }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn packed_rows_read_back_exactly(
        rows in prop::collection::vec(row(), 0..20),
        replace in prop::collection::vec((0usize..20, row()), 0..20),
    ) {
        let mut packed = PackedRows::new(rows.clone());
        let mut expected = rows;
        for (k, r) in replace {
            if k < expected.len() {
                packed.set(k, r.clone());
                expected[k] = r;
            }
        }
        prop_assert_eq!(packed.len(), expected.len());
        for (got, want) in packed.iter().map(RowRef::to_row).zip(&expected) {
            prop_assert!(same(&got, want), "{got:?}\n!=\n{want:?}");
        }
        for (k, want) in expected.iter().enumerate() {
            let got = packed.get(k).unwrap();
            prop_assert_eq!(got.id().to_string(), want.id.clone());
            prop_assert!(got.id() == *want.id.as_str());
            prop_assert_eq!(got.name(), want.name.as_str());
            prop_assert_eq!(got.updated(), want.updated);
        }
    }
}
