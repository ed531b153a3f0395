//! Deal values across currencies: the rate table (shipped in `assets/rates.toml`, overridable in
//! the config's `[rates]` table) and conversion into one reporting currency (config
//! `[ui] reporting_currency`, default USD), so that sorting and `value>` filters compare like
//! with like. The rates are for comparing deals, not for accounting.
//!
//! The table in use is process-wide: the program installs it once at start ([`install`]) from the
//! configuration; until then the shipped table with USD applies.

use std::collections::BTreeMap;
use std::sync::{LazyLock, OnceLock};

use serde::Deserialize;

/// The rate table shipped with the program.
const SHIPPED: &str = include_str!("../../assets/rates.toml");

/// The currency amounts are converted into when none is configured.
pub const DEFAULT_REPORTING: &str = "USD";

/// A rate table and the currency amounts are compared in.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    /// The date the rates were taken (as the table states it).
    pub as_of: String,
    /// ISO 4217 code → units of that currency one US dollar buys.
    per_usd: BTreeMap<String, f64>,
    /// The currency amounts are compared in.
    reporting: String,
}

#[derive(Deserialize)]
struct RatesFile {
    as_of: String,
    rates: BTreeMap<String, f64>,
}

impl Rates {
    /// The shipped table, reporting in USD.
    pub fn shipped() -> Rates {
        // The shipped file is checked by a unit test; an unreadable one leaves an empty table.
        let file: RatesFile = toml::from_str(SHIPPED).unwrap_or(RatesFile {
            as_of: String::new(),
            rates: BTreeMap::new(),
        });
        Rates {
            as_of: file.as_of,
            per_usd: file
                .rates
                .into_iter()
                .map(|(k, v)| (k.to_ascii_uppercase(), v))
                .collect(),
            reporting: DEFAULT_REPORTING.into(),
        }
    }

    /// This table with `overrides` (code → units per US dollar) replacing or adding rates and
    /// amounts reported in `reporting`. Errors name the code and the fix.
    pub fn configured(reporting: &str, overrides: &BTreeMap<String, f64>) -> Result<Rates, String> {
        let mut rates = Rates::shipped();
        for (code, rate) in overrides {
            let code = code.trim().to_ascii_uppercase();
            if code.len() != 3 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(format!(
                    "[rates] `{code}` is not an ISO 4217 code; use three letters such as EUR"
                ));
            }
            if !(rate.is_finite() && *rate > 0.0) {
                return Err(format!(
                    "[rates] {code} = {rate}: give how many {code} one US dollar buys, a number above 0"
                ));
            }
            rates.per_usd.insert(code, *rate);
        }
        let reporting = reporting.trim().to_ascii_uppercase();
        if !rates.per_usd.contains_key(&reporting) {
            return Err(format!(
                "[ui] reporting_currency = \"{reporting}\": no rate for {reporting}; add it to [rates] or use one of {}",
                rates.codes().join(", ")
            ));
        }
        rates.reporting = reporting;
        Ok(rates)
    }

    /// The currency amounts are compared in.
    pub fn reporting(&self) -> &str {
        &self.reporting
    }

    /// The codes the table has a rate for.
    pub fn codes(&self) -> Vec<&str> {
        self.per_usd.keys().map(String::as_str).collect()
    }

    /// `amount` of `from` in `to`; `None` when either has no rate.
    pub fn convert(&self, amount: f64, from: &str, to: &str) -> Option<f64> {
        let rate = |c: &str| {
            self.per_usd
                .get(&c.trim().to_ascii_uppercase())
                .copied()
                .filter(|r| *r > 0.0)
        };
        if from.eq_ignore_ascii_case(to) {
            return Some(amount);
        }
        Some(amount / rate(from)? * rate(to)?)
    }

    /// `amount` of `from` in the reporting currency; `None` when `from` has no rate. An amount
    /// without a currency (blank) is compared as it stands.
    pub fn to_reporting(&self, amount: f64, from: &str) -> Option<f64> {
        if from.trim().is_empty() {
            return Some(amount);
        }
        self.convert(amount, from, &self.reporting)
    }
}

/// The table from the config, installed once at start.
static INSTALLED: OnceLock<Rates> = OnceLock::new();
/// The shipped table, read once on first use.
static SHIPPED_TABLE: LazyLock<Rates> = LazyLock::new(Rates::shipped);

/// Makes `rates` the table the program compares amounts with. The config is read once at
/// start, so the first table installed stays; a later one is ignored.
pub fn install(rates: Rates) {
    let _ = INSTALLED.set(rates);
}

/// The table in use: the installed one, else the shipped one with USD. Free to call per row:
/// no lock, no parse, no reference count.
pub fn current() -> &'static Rates {
    INSTALLED.get().unwrap_or(&SHIPPED_TABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_reads_and_states_its_date() {
        let r = Rates::shipped();
        assert_eq!(r.as_of, "2026-01-02");
        assert_eq!(r.reporting(), "USD");
        for code in [
            "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "INR", "BRL", "SEK",
        ] {
            assert!(r.codes().contains(&code), "{code}");
        }
        assert!(SHIPPED.contains("NOT FOR ACCOUNTING"));
    }

    #[test]
    fn converts_through_the_dollar() {
        let r = Rates::shipped();
        assert_eq!(r.to_reporting(92.0, "EUR").map(f64::round), Some(100.0));
        let inr = r.to_reporting(327_600_000.0, "INR").unwrap();
        assert!((3_900_000.0..4_000_000.0).contains(&inr), "{inr}");
        let sek = r.to_reporting(68_000.0, "sek").unwrap();
        assert!(sek < 50_000.0, "{sek}");
        assert_eq!(r.convert(5.0, "XYZ", "USD"), None);
        assert_eq!(r.convert(5.0, "XYZ", "xyz"), Some(5.0));
    }

    #[test]
    fn config_overrides_rates_and_the_reporting_currency() {
        let mut o = BTreeMap::new();
        o.insert("eur".to_string(), 0.5);
        o.insert("XTS".to_string(), 2.0);
        let r = Rates::configured("eur", &o).unwrap();
        assert_eq!(r.reporting(), "EUR");
        assert_eq!(r.to_reporting(10.0, "USD"), Some(5.0));
        assert_eq!(r.to_reporting(4.0, "XTS"), Some(1.0));
        let err = Rates::configured("ABC", &BTreeMap::new()).unwrap_err();
        assert!(err.contains("no rate for ABC"), "{err}");
        o.insert("GBP".into(), -1.0);
        assert!(Rates::configured("USD", &o).unwrap_err().contains("GBP"));
    }
}
