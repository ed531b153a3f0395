//! The list's sort: columns, sort specs, the total order of rows and its integer sort keys.

use std::cmp::Ordering;
use std::fmt;

use crate::domain::enums::{Direction, ReferralType, Status, Substatus};
use crate::domain::marketo::MarketoBadge;
use crate::domain::row::RowRef;

/// A sortable list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Customer,
    Status,
    Type,
    Direction,
    Value,
    Currency,
    Closing,
    Updated,
    Marketo,
    /// The deadline of an incoming New referral (`expirationDateTime`).
    Expires,
}

impl Column {
    /// Every column, in list order.
    pub const ALL: [Column; 11] = [
        Column::Name,
        Column::Customer,
        Column::Status,
        Column::Type,
        Column::Direction,
        Column::Value,
        Column::Currency,
        Column::Closing,
        Column::Updated,
        Column::Marketo,
        Column::Expires,
    ];

    /// The name used by the `sort` command.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Customer => "customer",
            Column::Status => "status",
            Column::Type => "type",
            Column::Direction => "direction",
            Column::Value => "value",
            Column::Currency => "currency",
            Column::Closing => "closing",
            Column::Updated => "updated",
            Column::Marketo => "marketo",
            Column::Expires => "expires",
        }
    }

    /// Reads a column name, ignoring case; the filter's short keys are accepted too
    /// (`dir`, `cur`, `close`, `mkto`).
    pub fn parse(s: &str) -> Option<Column> {
        let s = s.trim().to_ascii_lowercase();
        let alias = match s.as_str() {
            "dir" => Some(Column::Direction),
            "cur" => Some(Column::Currency),
            "close" => Some(Column::Closing),
            "mkto" => Some(Column::Marketo),
            "expiry" => Some(Column::Expires),
            _ => None,
        };
        alias.or_else(|| Column::ALL.into_iter().find(|c| c.as_str() == s))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A column and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortSpec {
    pub column: Column,
    pub descending: bool,
}

impl SortSpec {
    /// The order without an explicit sort and without free words: most recently updated first.
    pub const DEFAULT: SortSpec = SortSpec {
        column: Column::Updated,
        descending: true,
    };

    /// Reads the arguments of the `sort` command: `value desc`, `name`, `closing asc` (a
    /// leading `sort` is allowed). The error names the fix.
    pub fn parse(s: &str) -> Result<SortSpec, String> {
        let mut words = s.split_whitespace().peekable();
        words.next_if(|w| w.eq_ignore_ascii_case("sort"));
        let columns = || {
            Column::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(first) = words.next() else {
            return Err(format!("name a column to sort by: {}", columns()));
        };
        let column = Column::parse(first)
            .ok_or_else(|| format!("unknown column `{first}`; sort by one of {}", columns()))?;
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") | Some("ascending") => false,
            Some("desc") | Some("descending") => true,
            Some(other) => return Err(format!("`{other}` is not a direction; write asc or desc")),
        };
        if let Some(extra) = words.next() {
            return Err(format!("unexpected `{extra}`; write e.g. sort value desc"));
        }
        Ok(SortSpec { column, descending })
    }
}

impl fmt::Display for SortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.descending { "desc" } else { "asc" };
        write!(f, "{} {dir}", self.column)
    }
}

/// Orders two rows by the sort column (missing values last), then by id.
pub fn compare_rows<'a, 'b>(
    a: impl Into<RowRef<'a>>,
    b: impl Into<RowRef<'b>>,
    spec: SortSpec,
) -> Ordering {
    let (a, b) = (a.into(), b.into());
    let desc = spec.descending;
    let by_key = match spec.column {
        Column::Name => missing_last(text(a.name()), text(b.name()), desc, |x, y| cmp_text(x, y)),
        Column::Customer => missing_last(text(a.customer()), text(b.customer()), desc, |x, y| {
            cmp_text(x, y)
        }),
        Column::Status => missing_last(
            Some((a.status(), a.substatus())),
            Some((b.status(), b.substatus())),
            desc,
            Ord::cmp,
        ),
        Column::Type => missing_last(a.referral_type(), b.referral_type(), desc, Ord::cmp),
        Column::Direction => missing_last(a.direction(), b.direction(), desc, Ord::cmp),
        Column::Value => {
            let rates = crate::domain::money::current();
            missing_last(
                reporting_value(a, rates),
                reporting_value(b, rates),
                desc,
                f64::total_cmp,
            )
        }
        Column::Currency => missing_last(text(a.currency()), text(b.currency()), desc, |x, y| {
            cmp_text(x, y)
        }),
        Column::Closing => missing_last(a.closing(), b.closing(), desc, Ord::cmp),
        Column::Updated => missing_last(a.updated(), b.updated(), desc, Ord::cmp),
        Column::Expires => missing_last(a.expires(), b.expires(), desc, Ord::cmp),
        Column::Marketo => {
            let known = |m: MarketoBadge| (m != MarketoBadge::Unknown).then_some(m);
            missing_last(known(a.marketo()), known(b.marketo()), desc, Ord::cmp)
        }
    };
    by_key.then_with(|| a.id().cmp(&b.id()))
}

/// The row's deal value in the reporting currency; missing when it has no value or its currency
/// has no rate (such rows sort last, like rows without a value).
fn reporting_value(row: RowRef<'_>, rates: &crate::domain::money::Rates) -> Option<f64> {
    row.deal_value()
        .and_then(|v| rates.to_reporting(v, row.currency()))
}

/// The text a text column sorts by; `None` for the other columns.
pub(super) fn text_of(column: Column) -> Option<fn(RowRef<'_>) -> &str> {
    match column {
        Column::Name => Some(|r| r.name()),
        Column::Customer => Some(|r| r.customer()),
        Column::Currency => Some(|r| r.currency().as_str()),
        _ => None,
    }
}

/// Text as a sort key: empty is missing.
fn text(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// A key whose order is that of [`compare_rows`] where keys differ: the top bit says the value
/// is missing (last either way), the other 127 bits hold the value, inverted when descending.
/// With it, whether the key is *exact*: equal exact keys mean [`compare_rows`] finds the rows
/// equal but for their ids (the whole value is in the key: a known enumeration value, a number,
/// a date to the nanosecond, a text of at most 15 bytes lower-cased).
pub(super) fn sort_key(
    row: RowRef<'_>,
    spec: SortSpec,
    rates: &crate::domain::money::Rates,
) -> (u128, bool) {
    const VALUE: u128 = u128::MAX >> 1;
    let exact = std::cell::Cell::new(true);
    let text = |s: &str| {
        // The first 15 bytes of the lower-cased text, big-endian: byte order is char order.
        let mut key = [0u8; 16];
        let lower = s.chars().flat_map(char::to_lowercase);
        let mut at = 1;
        for c in lower {
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                if at == 16 || b == 0 {
                    exact.set(false);
                }
                if at == 16 {
                    return Some(u128::from_be_bytes(key));
                }
                key[at] = b;
                at += 1;
            }
        }
        (!s.is_empty()).then_some(u128::from_be_bytes(key))
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| {
            let secs = u128::from((t.timestamp() as u64) ^ (1 << 63));
            secs << 32 | u128::from(t.timestamp_subsec_nanos())
        })
    };
    let known = |n: u128, all: usize| {
        if n >= all as u128 {
            exact.set(false);
        }
        n
    };
    let value = match spec.column {
        Column::Name => text(row.name()),
        Column::Customer => text(row.customer()),
        Column::Status => {
            let status = known(ordinal(row.status(), Status::ALL), Status::ALL.len());
            let sub = known(
                ordinal(row.substatus(), Substatus::ALL),
                Substatus::ALL.len(),
            );
            Some(status << 8 | sub)
        }
        Column::Type => row
            .referral_type()
            .map(|t| known(ordinal(t, ReferralType::ALL), ReferralType::ALL.len())),
        Column::Direction => row
            .direction()
            .map(|d| known(ordinal(d, Direction::ALL), Direction::ALL.len())),
        Column::Value => reporting_value(row, rates).map(|v| {
            // The bits of an f64 in `total_cmp` order.
            let bits = v.to_bits();
            u128::from(if bits >> 63 == 1 {
                !bits
            } else {
                bits | 1 << 63
            })
        }),
        Column::Currency => text(row.currency()),
        Column::Closing => time(row.closing()),
        Column::Updated => time(row.updated()),
        Column::Expires => time(row.expires()),
        Column::Marketo => {
            (row.marketo() != MarketoBadge::Unknown).then_some(row.marketo() as u128)
        }
    };
    let key = match value {
        None => !VALUE,
        Some(v) if spec.descending => !v & VALUE,
        Some(v) => v & VALUE,
    };
    (key, exact.get())
}

/// Position of a value among the known ones; unknown values after them.
fn ordinal<T: PartialEq>(value: &T, all: &[T]) -> u128 {
    all.iter().position(|v| v == value).unwrap_or(all.len()) as u128
}

/// Compares present values (reversed when descending); absent ones come last either way.
fn missing_last<T>(
    a: Option<T>,
    b: Option<T>,
    descending: bool,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) if descending => cmp(&y, &x),
        (Some(x), Some(y)) => cmp(&x, &y),
    }
}

/// Compares text ignoring case: ASCII byte by byte, the rest by lower-cased chars.
pub(super) fn cmp_text(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    for (pos, (p, q)) in x.iter().zip(y).enumerate() {
        if p == q {
            continue;
        }
        if p.is_ascii() && q.is_ascii() {
            match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
                Ordering::Equal => continue,
                other => return other,
            }
        }
        // Back up to the start of the char that differs (same offset in both: all earlier
        // bytes were equal or ASCII letters differing in case).
        let start = (0..=pos)
            .rev()
            .find(|&s| a.is_char_boundary(s))
            .unwrap_or(0);
        let (ra, rb) = (a.get(start..).unwrap_or(a), b.get(start..).unwrap_or(b));
        return ra
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(rb.chars().flat_map(char::to_lowercase));
    }
    x.len().cmp(&y.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_compares_ignoring_case() {
        assert_eq!(cmp_text("abc", "ABD"), Ordering::Less);
        assert_eq!(cmp_text("ABC", "abc"), Ordering::Equal);
        assert_eq!(cmp_text("ab", "abc"), Ordering::Less);
        assert_eq!(cmp_text("Élan", "élan"), Ordering::Equal);
        assert_eq!(cmp_text("zé", "ZÉa"), Ordering::Less);
        assert_eq!(cmp_text("a", "é"), Ordering::Less);
    }
}
