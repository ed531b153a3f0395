//! Property tests of the edit form: for any referral (demo referrals of random seeds, with odd
//! closing times), saving an untouched form sends nothing, and changing one field sends a patch of
//! exactly that field's path — the closing time of day is kept when only the date changes.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use proptest::prelude::*;
use refdeck::domain::patch::diff;
use refdeck::domain::referral::Referral;
use refdeck::domain::time::{format_date, parse_datetime};
use refdeck::sandbox::demo;
use refdeck::ui::edit::EditForm;

/// A demo referral of `seed`, its closing time moved to `secs` seconds and `nanos` past
/// midnight (or removed).
fn referral(seed: u64, pick: usize, closing: Option<(u32, u32)>) -> Referral {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let mut list = demo::generate(4, seed, now);
    let mut r = list.swap_remove(pick % 4);
    let details = r.details.get_or_insert_with(Default::default);
    details.closing_date_time = match (details.closing_date_time, closing) {
        (_, None) => None,
        (Some(d), Some((secs, nanos))) => {
            let midnight = d.date_naive().and_hms_opt(0, 0, 0).unwrap();
            Some(
                Utc.from_utc_datetime(&midnight)
                    + Duration::seconds(i64::from(secs))
                    + Duration::nanoseconds(i64::from(nanos)),
            )
        }
        (None, Some((secs, _))) => Some(now + Duration::seconds(i64::from(secs))),
    };
    r
}

fn closing() -> impl Strategy<Value = Option<(u32, u32)>> {
    prop_oneof![
        Just(None),
        Just(Some((0, 0))),
        (0u32..86_400, Just(0u32)).prop_map(Some),
        (0u32..86_400, 0u32..1_000_000_000).prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn an_untouched_form_sends_nothing(seed in any::<u64>(), pick in 0usize..4, c in closing()) {
        let r = referral(seed, pick, c);
        let form = EditForm::new(r.clone(), "/details/notes");
        let ops = diff(&r, &form.edited().unwrap());
        prop_assert!(ops.is_empty(), "untouched form sent {ops:?}");
    }

    #[test]
    fn one_changed_field_sends_exactly_that_path(
        seed in any::<u64>(),
        pick in 0usize..4,
        c in closing(),
        which in 0usize..4,
        days in 1i64..400,
    ) {
        let r = referral(seed, pick, c);
        let mut form = EditForm::new(r.clone(), "/details/notes");
        let old_closing: Option<DateTime<Utc>> = r.closing_date();
        let (key, value) = match which {
            0 => ("/campaignId", format!("campaign-{days}")),
            1 => ("/details/notes", format!("call back in {days} days")),
            2 => (
                "/details/dealValue",
                format!("{}", r.deal_value().unwrap_or(0.0) + days as f64),
            ),
            _ => {
                let base = old_closing.unwrap_or(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
                ("/details/closingDateTime", format_date(&(base + Duration::days(days))))
            }
        };
        form.form.get_mut(key).unwrap().set_value(value.as_str());
        let edited = form.edited().unwrap();
        let ops = diff(&r, &edited);
        prop_assert_eq!(ops.len(), 1, "{:?}", ops);
        prop_assert_eq!(ops[0].path.as_str(), key);
        if key == "/details/closingDateTime" {
            let sent = parse_datetime(ops[0].value.as_str().unwrap()).unwrap();
            prop_assert_eq!(format_date(&sent), value);
            if let Some(old) = old_closing {
                prop_assert_eq!(sent.num_seconds_from_midnight(), old.num_seconds_from_midnight());
                prop_assert_eq!(sent.nanosecond(), old.nanosecond());
            }
        }
    }
}
