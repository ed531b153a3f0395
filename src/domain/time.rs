//! Date-time handling shared by the model, the validators and the filter language.
//!
//! The Referrals API writes RFC 3339 timestamps (`2026-01-01T00:00:00Z`), but real responses also
//! carry offset-less ones (`2026-01-01T00:00:00`, `0001-01-01T00:00:00` for "never") and dates
//! alone. All are read as UTC; what cannot be read is an error naming the value, never a panic.
//! `0001-01-01` is the service's "no value" and is read as absent.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Parses any timestamp form the service or a user may write. `None` when it is not a date.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| Utc.from_utc_datetime(&naive))
}

/// The canonical wire form: RFC 3339 in UTC with a `Z` and whole seconds
/// (fractions kept when present).
pub fn format_datetime(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A short human form for tables: `2026-03-04`.
pub fn format_date(dt: &DateTime<Utc>) -> String {
    dt.format("%Y-%m-%d").to_string()
}

fn is_sentinel(dt: &DateTime<Utc>) -> bool {
    use chrono::Datelike;
    dt.year() <= 1
}

/// Serde adapter for `Option<DateTime<Utc>>` fields of the wire model.
pub mod opt {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(dt) => s.serialize_str(&format_datetime(dt)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw = Option::<String>::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => match parse_datetime(&s) {
                Some(dt) if is_sentinel(&dt) => Ok(None),
                Some(dt) => Ok(Some(dt)),
                None => Err(serde::de::Error::custom(format!(
                    "`{s}` is not a date-time (expected e.g. 2026-01-31T00:00:00Z)"
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form_the_service_writes() {
        let z = parse_datetime("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(parse_datetime("2026-01-02T03:04:05").unwrap(), z);
        assert_eq!(parse_datetime("2026-01-02T04:04:05+01:00").unwrap(), z);
        assert_eq!(
            parse_datetime("2026-01-02").unwrap(),
            parse_datetime("2026-01-02T00:00:00Z").unwrap()
        );
        assert!(parse_datetime("yesterday").is_none());
        assert!(parse_datetime("2026-13-40").is_none());
    }

    #[test]
    fn formats_in_utc_with_z() {
        let dt = parse_datetime("2026-01-02T03:04:05+00:00").unwrap();
        assert_eq!(format_datetime(&dt), "2026-01-02T03:04:05Z");
    }
}
