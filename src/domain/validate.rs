//! Field validators shared by the edit form, the create form, the wizard, the scripting
//! subcommands and the sandbox. Every error names the field and says how to fix it.
//!
//! Choices (the public record is silent):
//! - Email: one `@`, a non-empty local part without spaces, a domain with a dot and no empty
//!   label; at most 254 characters. Deliverability is not checked.
//! - Phone: digits with optional leading `+` and the separators space, `-`, `.`, `(`, `)`;
//!   7 to 15 digits (E.164 allows at most 15).
//! - Currency: the active ISO 4217 alphabetic codes, upper case (lower case is accepted and
//!   reported with the upper-case fix so the form can normalise it).
//! - Country: the ISO 3166-1 alpha-2 codes in use.

use std::fmt;

use chrono::{DateTime, Utc};

use super::time::parse_datetime;

/// A validation error: which field, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

pub type Check<T = ()> = Result<T, FieldError>;

/// A value that must not be blank.
pub fn required(field: &str, value: &str) -> Check<String> {
    let v = value.trim();
    if v.is_empty() {
        Err(FieldError::new(
            field,
            "this field is required; enter a value",
        ))
    } else {
        Ok(v.to_string())
    }
}

/// An email address (see the module notes for what is accepted).
pub fn email(field: &str, value: &str) -> Check<String> {
    let v = value.trim();
    let fail = |why: &str| {
        Err(FieldError::new(
            field,
            format!("`{v}` is not an email address: {why}; write it like name@example.com"),
        ))
    };
    if v.is_empty() {
        return fail("it is empty");
    }
    if v.len() > 254 {
        return fail("it is longer than 254 characters");
    }
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("it contains a space");
    }
    let Some((local, domain)) = v.rsplit_once('@') else {
        return fail("it has no @");
    };
    if local.is_empty() || local.contains('@') {
        return fail("the part before @ is missing or has another @");
    }
    if !domain.contains('.') || domain.split('.').any(|label| label.is_empty()) {
        return fail("the domain after @ needs a dot, like example.com");
    }
    Ok(v.to_string())
}

/// A telephone number (see the module notes).
pub fn phone(field: &str, value: &str) -> Check<String> {
    let v = value.trim();
    let digits = v.chars().filter(|c| c.is_ascii_digit()).count();
    let body = v.strip_prefix('+').unwrap_or(v);
    let ok_chars = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
    if !ok_chars {
        return Err(FieldError::new(
            field,
            format!(
                "`{v}` is not a phone number: use digits, an optional leading +, and spaces or dashes, like +1 425 555 0100"
            ),
        ));
    }
    if !(7..=15).contains(&digits) {
        return Err(FieldError::new(
            field,
            format!("`{v}` has {digits} digits; a phone number has 7 to 15, like +1 425 555 0100"),
        ));
    }
    Ok(v.to_string())
}

/// An ISO 4217 currency code; returns it upper-cased.
pub fn currency(field: &str, value: &str) -> Check<String> {
    let v = value.trim().to_ascii_uppercase();
    if CURRENCIES.binary_search(&v.as_str()).is_ok() {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            format!(
                "`{}` is not an ISO 4217 currency code; use three letters such as USD, EUR or GBP",
                value.trim()
            ),
        ))
    }
}

/// An ISO 3166-1 alpha-2 country code; returns it upper-cased.
pub fn country(field: &str, value: &str) -> Check<String> {
    let v = value.trim().to_ascii_uppercase();
    if COUNTRIES.binary_search(&v.as_str()).is_ok() {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            format!(
                "`{}` is not an ISO 3166 country code; use two letters such as US, GB or DE",
                value.trim()
            ),
        ))
    }
}

/// A date or date-time (`2026-12-31` or `2026-12-31T17:00:00Z`).
pub fn datetime(field: &str, value: &str) -> Check<DateTime<Utc>> {
    parse_datetime(value).ok_or_else(|| {
        FieldError::new(
            field,
            format!(
                "`{}` is not a date; write it as YYYY-MM-DD, like 2026-12-31",
                value.trim()
            ),
        )
    })
}

/// A number that must be zero or more and finite.
pub fn non_negative(field: &str, value: f64) -> Check<f64> {
    if !value.is_finite() {
        Err(FieldError::new(field, "enter a finite number, 0 or more"))
    } else if value < 0.0 {
        Err(FieldError::new(
            field,
            format!("{value} is negative; enter 0 or more"),
        ))
    } else {
        Ok(value)
    }
}

/// Reads an amount as people write it, in filters and forms alike: digits with an optional
/// decimal point, `,` or `_` thousands separators, an optional exponent, and an optional `k`
/// (thousand) or `m` (million) suffix: `50000`, `50,000`, `50k`, `1.5m`, `1e6`. `None` when it
/// is not an amount (signs are read; [`amount`] refuses negatives).
pub fn parse_amount(s: &str) -> Option<f64> {
    let cleaned: String = s.trim().chars().filter(|&c| c != '_' && c != ',').collect();
    let (digits, scale) = match cleaned.char_indices().last() {
        Some((i, 'k' | 'K')) => (&cleaned[..i], 1e3),
        Some((i, 'm' | 'M')) => (&cleaned[..i], 1e6),
        _ => (cleaned.as_str(), 1.0),
    };
    let starts_ok = digits
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    if !starts_ok {
        return None;
    }
    let v = digits.parse::<f64>().ok()? * scale;
    v.is_finite().then_some(v)
}

/// A typed amount (see [`parse_amount`]); must be zero or more.
pub fn amount(field: &str, value: &str) -> Check<f64> {
    if value.trim().is_empty() {
        return Err(FieldError::new(
            field,
            "enter an amount, 0 or more, like 25000 or 25k",
        ));
    }
    match parse_amount(value) {
        Some(v) => non_negative(field, v),
        None => Err(FieldError::new(
            field,
            format!(
                "`{}` is not a number; enter an amount like 25000, 25k, 1.5m or 1250.50",
                value.trim()
            ),
        )),
    }
}

/// A text field with a maximum length.
pub fn max_len(field: &str, value: &str, max: usize) -> Check<String> {
    let n = value.chars().count();
    if n > max {
        Err(FieldError::new(
            field,
            format!("is {n} characters long; shorten it to {max} or fewer"),
        ))
    } else {
        Ok(value.to_string())
    }
}

/// Active ISO 4217 alphabetic codes, sorted.
pub const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV",
    "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// ISO 3166-1 alpha-2 codes, sorted.
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tables_are_sorted_for_binary_search() {
        assert!(CURRENCIES.windows(2).all(|w| w[0] < w[1]));
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(COUNTRIES.len(), 249);
    }

    #[test]
    fn emails() {
        assert!(email("email", "ann@contoso.com").is_ok());
        assert!(email("email", " a.b+c@sub.example.co.uk ").is_ok());
        for bad in [
            "",
            "ann",
            "ann@",
            "@contoso.com",
            "ann@contoso",
            "ann@contoso..com",
            "a n@x.com",
            "a@b@c.com",
        ] {
            let e = email("contact email", bad).unwrap_err();
            assert_eq!(e.field, "contact email");
            assert!(e.message.contains("example.com"), "{e}");
        }
    }

    #[test]
    fn phones() {
        assert!(phone("phone", "+1 425 555 0100").is_ok());
        assert!(phone("phone", "(425) 555-0100").is_ok());
        assert!(
            phone("phone", "12345")
                .unwrap_err()
                .message
                .contains("5 digits")
        );
        assert!(phone("phone", "call me").is_err());
        assert!(phone("phone", "+1234567890123456").is_err());
    }

    #[test]
    fn currencies_and_countries() {
        assert_eq!(currency("currency", "usd").unwrap(), "USD");
        assert!(
            currency("currency", "US$")
                .unwrap_err()
                .message
                .contains("ISO 4217")
        );
        assert!(currency("currency", "XYZ").is_err());
        assert_eq!(country("country", "gb").unwrap(), "GB");
        assert!(country("country", "UK").is_err());
    }

    #[test]
    fn amounts_and_dates() {
        assert_eq!(amount("dealValue", "25,000.50").unwrap(), 25000.5);
        assert_eq!(amount("dealValue", "1e6").unwrap(), 1_000_000.0);
        // The filter's amounts: the same parser reads both.
        assert_eq!(amount("dealValue", "50k").unwrap(), 50_000.0);
        assert_eq!(amount("dealValue", " 1.5M ").unwrap(), 1_500_000.0);
        assert_eq!(amount("dealValue", "100_000").unwrap(), 100_000.0);
        assert_eq!(parse_amount("2.5k"), Some(2_500.0));
        assert_eq!(parse_amount("k"), None);
        assert!(
            amount("dealValue", "-1")
                .unwrap_err()
                .message
                .contains("negative")
        );
        assert!(amount("dealValue", "lots").is_err());
        assert!(amount("dealValue", "NaN").is_err());
        assert!(amount("dealValue", "inf").is_err());
        assert!(datetime("closing date", "2026-12-31").is_ok());
        assert!(
            datetime("closing date", "31/12/2026")
                .unwrap_err()
                .message
                .contains("YYYY-MM-DD")
        );
    }
}
