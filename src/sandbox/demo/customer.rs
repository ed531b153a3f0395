//! The demo customer: its address, ids and contacts.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::slug;
use super::words::{CONTACT_TITLES, Country, FIRST_NAMES, LAST_NAMES};
use crate::domain::*;

/// A plausible number: `+1 425 555 0123` in North America, `+44 20 7946 0123` elsewhere.
fn phone(rng: &mut StdRng, dial: &str) -> String {
    if dial == "+1" {
        format!(
            "+1 {} 555 {:04}",
            rng.random_range(201..990),
            rng.random_range(100..10_000)
        )
    } else {
        format!(
            "{dial} {} {} {:04}",
            rng.random_range(20..99),
            rng.random_range(1000..9999),
            rng.random_range(0..10_000)
        )
    }
}

pub(super) fn customer_profile(
    rng: &mut StdRng,
    country: &Country,
    name: String,
    domain: &str,
) -> CustomerProfile {
    let (city, state, postal) = *country.cities.choose(rng).expect("cities");
    let contacts = (0..rng.random_range(1..4))
        .map(|_| contact(rng, country, domain))
        .collect();
    let mut ids = Vec::new();
    if rng.random_bool(0.4) {
        ids.push(CustomerId {
            profile_type: Some(ProfileType::Duns),
            id: Some(format!("{:09}", rng.random_range(10_000_000..999_999_999))),
            ..Default::default()
        });
    }
    if rng.random_bool(0.2) {
        ids.push(CustomerId {
            profile_type: Some(ProfileType::External),
            id: Some(format!("CUST-{:06}", rng.random_range(0..1_000_000))),
            ..Default::default()
        });
    }
    CustomerProfile {
        name: Some(name),
        address: Some(Address {
            address_line1: Some(format!(
                "{} {}",
                rng.random_range(1..2000),
                [
                    "Main Street",
                    "Harbour Road",
                    "Park Avenue",
                    "Market Square",
                    "Station Road"
                ]
                .choose(rng)
                .expect("streets")
            )),
            address_line2: rng
                .random_bool(0.2)
                .then(|| format!("Floor {}", rng.random_range(2..40))),
            city: Some(city.to_string()),
            state: (!state.is_empty()).then(|| state.to_string()),
            postal_code: Some(postal.to_string()),
            country: Some(country.code.to_string()),
            region: Some(country.region.to_string()),
            ..Default::default()
        }),
        size: CompanySize::ALL.choose(rng).cloned(),
        team: Some(contacts),
        ids: (!ids.is_empty()).then_some(ids),
        ..Default::default()
    }
}

fn contact(rng: &mut StdRng, country: &Country, domain: &str) -> Member {
    let first = *FIRST_NAMES.choose(rng).expect("names");
    let last = *LAST_NAMES.choose(rng).expect("names");
    Member {
        first_name: Some(first.to_string()),
        last_name: Some(last.to_string()),
        email: Some(format!("{}.{}@{domain}", slug(first, ""), slug(last, ""))),
        phone_number: Some(phone(rng, country.dial)),
        title: Some(CONTACT_TITLES.choose(rng).expect("titles").to_string()),
        contact_preference: Some(ContactPreference {
            locale: Some(country.locale.to_string()),
            disable_notifications: Some(rng.random_bool(0.1)),
            ..Default::default()
        }),
        ..Default::default()
    }
}
