//! Reading a filter line: tokens, keys and their values, amounts, dates and intervals, with an
//! error per token that cannot be read.

use std::ops::Range;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, TimeZone, Utc};
use nucleo_matcher::Utf32Str;
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};

use super::text::{Needle, Sig, UNMATCHABLE};
use super::{
    Cond, DateField, Edge, FilterError, Interval, ListField, Parsed, Term, Word, WordKind,
};
use crate::domain::time::parse_datetime;

/// Parses a filter line. Never panics; see the module documentation for the syntax.
pub fn parse(input: &str, now: DateTime<Utc>) -> Parsed {
    let now = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let mut parsed = Parsed::default();
    for raw in tokenize(input) {
        match classify(&raw, now) {
            Ok(Some(Item::Term(term))) => parsed.filter.terms.push(term),
            Ok(Some(Item::Word(word))) => parsed.filter.words.push(word),
            Ok(None) => {}
            Err(reason) => parsed.errors.push(FilterError {
                span: raw.span.clone(),
                token: raw.token.to_string(),
                reason: format!("`{}`: {reason}", raw.token),
            }),
        }
    }
    parsed
}

/// One whitespace-separated token (or quoted phrase) of the input.
struct RawToken<'a> {
    /// The whole token as typed, with `-` and quotes.
    token: &'a str,
    span: Range<usize>,
    negated: bool,
    /// The token without the leading `-` and without quotes.
    body: &'a str,
    quoted: bool,
}

fn tokenize(input: &str) -> Vec<RawToken<'_>> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(offset) = input[pos..].find(|c: char| !c.is_whitespace()) {
        let start = pos + offset;
        let negated = input[start..].starts_with('-');
        let body_start = start + usize::from(negated);
        let (body, end, quoted) = if input[body_start..].starts_with('"') {
            let inner = body_start + 1;
            match input[inner..].find('"') {
                Some(q) => (&input[inner..inner + q], inner + q + 1, true),
                None => (&input[inner..], input.len(), true),
            }
        } else {
            let end = input[body_start..]
                .find(char::is_whitespace)
                .map_or(input.len(), |i| body_start + i);
            (&input[body_start..end], end, false)
        };
        tokens.push(RawToken {
            token: &input[start..end],
            span: start..end,
            negated,
            body,
            quoted,
        });
        pos = end;
    }
    tokens
}

enum Item {
    Term(Term),
    Word(Word),
}

/// What a key names.
#[derive(Clone, Copy)]
enum Key {
    List(ListField),
    Value,
    Date(DateField),
    Favorite,
}

/// Every key and alias, lower case.
const KEYS: &[(&str, Key)] = &[
    ("status", Key::List(ListField::Status)),
    ("sub", Key::List(ListField::Substatus)),
    ("substatus", Key::List(ListField::Substatus)),
    ("type", Key::List(ListField::Type)),
    ("dir", Key::List(ListField::Direction)),
    ("direction", Key::List(ListField::Direction)),
    ("qual", Key::List(ListField::Qualification)),
    ("qualification", Key::List(ListField::Qualification)),
    ("stage", Key::List(ListField::SalesStage)),
    ("salesstage", Key::List(ListField::SalesStage)),
    ("reg", Key::List(ListField::RegistrationStatus)),
    ("registration", Key::List(ListField::RegistrationStatus)),
    ("mkto", Key::List(ListField::Marketo)),
    ("marketo", Key::List(ListField::Marketo)),
    ("cur", Key::List(ListField::Currency)),
    ("currency", Key::List(ListField::Currency)),
    ("country", Key::List(ListField::Country)),
    ("value", Key::Value),
    ("close", Key::Date(DateField::Closing)),
    ("closing", Key::Date(DateField::Closing)),
    ("updated", Key::Date(DateField::Updated)),
    ("created", Key::Date(DateField::Created)),
    ("expires", Key::Date(DateField::Expires)),
    ("expiry", Key::Date(DateField::Expires)),
    ("closed", Key::Date(DateField::Closed)),
    ("fav", Key::Favorite),
    ("favorite", Key::Favorite),
];

/// The keys offered in the "unknown key" message.
pub(super) const KEY_HINT: &str = "status, sub, type, dir, qual, stage, reg, mkto, cur, country, value, close, updated, created, expires, closed, fav";

/// A comparison operator as typed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    /// Reads the operator at the start of `s` (`:` counts as `=`); returns it and its length.
    fn read(s: &str) -> Option<(Op, usize)> {
        [
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
            (":", Op::Eq),
        ]
        .into_iter()
        .find(|(text, _)| s.starts_with(text))
        .map(|(text, op)| (op, text.len()))
    }
}

/// Reads one raw token: `Ok(None)` for tokens that say nothing (a lone `-`, an empty phrase).
fn classify(raw: &RawToken<'_>, now: DateTime<Utc>) -> Result<Option<Item>, String> {
    if raw.body.trim().is_empty() {
        return Ok(None);
    }
    if raw.quoted {
        return Ok(Some(Item::Word(word(raw, WordKind::Phrase))));
    }
    let term = |cond| {
        Ok(Some(Item::Term(Term {
            negated: raw.negated,
            cond,
            span: raw.span.clone(),
        })))
    };
    if let Some(key) = lookup_key(raw.body)
        && matches!(key, Key::Favorite)
    {
        return term(Cond::Favorite);
    }
    let Some(op_at) = raw.body.find([':', '<', '>', '=']) else {
        return Ok(Some(Item::Word(word(raw, WordKind::Fuzzy))));
    };
    let name = &raw.body[..op_at];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Ok(Some(Item::Word(word(raw, WordKind::Fuzzy))));
    }
    let Some(key) = lookup_key(name) else {
        return Err(format!(
            "unknown filter key `{name}`; use one of {KEY_HINT}, or put the text in quotes to search it"
        ));
    };
    let (op, op_len) = Op::read(&raw.body[op_at..]).unwrap_or((Op::Eq, 1));
    let op_text = &raw.body[op_at..op_at + op_len];
    let value = &raw.body[op_at + op_len..];
    match key {
        Key::Favorite => {
            Err("`fav` takes no value; write fav for favourites, -fav for the others".into())
        }
        Key::List(field) if op != Op::Eq => Err(format!(
            "{} is matched with `:`; write {}:{}",
            field.label(),
            name.to_ascii_lowercase(),
            value.trim_start_matches(['=', '<', '>'])
        )),
        Key::List(field) => term(list_cond(field, value)?),
        Key::Value => term(Cond::Value(number_interval(op, op_text, value)?)),
        Key::Date(field) => term(Cond::Date {
            field,
            interval: date_interval(op, op_text, value, field, now)?,
        }),
    }
}

fn lookup_key(name: &str) -> Option<Key> {
    KEYS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, key)| *key)
}

fn word(raw: &RawToken<'_>, kind: WordKind) -> Word {
    // Negated words always match as substrings (see the module documentation).
    let atom_kind = if kind == WordKind::Phrase || raw.negated {
        AtomKind::Substring
    } else {
        AtomKind::Fuzzy
    };
    let atom_of = |text: &str| {
        Atom::new(
            text,
            CaseMatching::Ignore,
            Normalization::Smart,
            atom_kind,
            false,
        )
    };
    let mut atom = atom_of(raw.body);
    // Lower-casing may leave only ASCII (`ſ` is `s`); nucleo then still keeps the needle as
    // non-ASCII and never matches it in ASCII text. Rebuild it as the ASCII word it is.
    let lowered: String = atom.needle_text().chars().collect();
    if lowered.is_ascii() && matches!(atom.needle_text(), Utf32Str::Unicode(_)) {
        atom = atom_of(&lowered);
    }
    let needle = atom.needle_text();
    // As nucleo decides it for a pattern atom: fold accents unless the word has one.
    let normalize = needle
        .chars()
        .all(|c| nucleo_matcher::chars::normalize(c) == c);
    let kind_of_needle = match needle {
        Utf32Str::Ascii(b) if b.contains(&UNMATCHABLE) => Needle::Ascii,
        Utf32Str::Ascii(_) => Needle::Foldable,
        Utf32Str::Unicode(_) => Needle::Other,
    };
    let sig = Sig::of_needle(needle);
    Word {
        text: raw.body.to_string(),
        kind,
        negated: raw.negated,
        span: raw.span.clone(),
        atom,
        normalize,
        needle: kind_of_needle,
        sig,
    }
}

/// Reads `new,active`-style values of a list field.
fn list_cond(field: ListField, value: &str) -> Result<Cond, String> {
    let vocab = field.vocabulary();
    let parts: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(format!(
            "give a {} after the colon; {}",
            field.label(),
            hint(field, &vocab)
        ));
    }
    let mut values: Vec<String> = Vec::new();
    for part in parts {
        let v = resolve(field, part, &vocab)?;
        if !values.iter().any(|x| x == v) {
            values.push(v.to_string());
        }
    }
    Ok(Cond::OneOf { field, values })
}

/// What to type for a list field.
fn hint(field: ListField, vocab: &[&str]) -> String {
    match field {
        ListField::Currency => "write an ISO 4217 code such as usd, eur or gbp".into(),
        ListField::Country => "write an ISO 3166 two-letter code such as us, gb or de".into(),
        _ => format!("use {}", lower_list(vocab)),
    }
}

fn lower_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| v.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves one typed value: exact spelling, else a unique prefix, else a unique substring
/// (codes: exact only), all ignoring case.
fn resolve(field: ListField, typed: &str, vocab: &[&'static str]) -> Result<&'static str, String> {
    if let Some(v) = vocab.iter().find(|v| v.eq_ignore_ascii_case(typed)) {
        return Ok(v);
    }
    let unknown = || {
        Err(format!(
            "unknown {} `{typed}`; {}",
            field.label(),
            hint(field, vocab)
        ))
    };
    if field.is_code() {
        return unknown();
    }
    let typed_lower = typed.to_lowercase();
    let tests: [fn(&str, &str) -> bool; 2] = [|v, t| v.starts_with(t), |v, t| v.contains(t)];
    for test in tests {
        let found: Vec<&'static str> = vocab
            .iter()
            .copied()
            .filter(|v| test(&v.to_ascii_lowercase(), &typed_lower))
            .collect();
        match found.as_slice() {
            [one] => return Ok(one),
            [] => continue,
            many => {
                return Err(format!(
                    "`{typed}` could be any {} of {}; type more of it",
                    field.label(),
                    lower_list(many)
                ));
            }
        }
    }
    unknown()
}

/// Reads `50k` (reporting currency) or `50k:eur` (the amount in euros) into an interval of the
/// reporting currency.
fn number_interval(op: Op, op_text: &str, value: &str) -> Result<Interval<f64>, String> {
    if value.is_empty() {
        return Err(format!(
            "give an amount after `{op_text}`, e.g. value>50000, value>=50k or value<=1.5m:eur"
        ));
    }
    let (amount, currency) = match value.rsplit_once(':') {
        Some((a, c)) => (a, Some(c)),
        None => (value, None),
    };
    let v = crate::domain::validate::parse_amount(amount).ok_or_else(|| {
        format!("`{amount}` is not an amount; write digits with an optional k or m, e.g. 50000, 50k, 1.5m")
    })?;
    let rates = crate::domain::money::current();
    let v = match currency {
        None => v,
        Some(c) => rates.to_reporting(v, c).ok_or_else(|| {
            format!(
                "no rate for `{c}`; name a currency of the rate table ({}) or leave it out for {}",
                rates.codes().join(", ").to_ascii_lowercase(),
                rates.reporting()
            )
        })?,
    };
    Ok(instant_interval(op, v))
}

/// The interval of `op v` for a point value.
fn instant_interval<T: Copy>(op: Op, v: T) -> Interval<T> {
    let edge = |inclusive| Some(Edge { at: v, inclusive });
    match op {
        Op::Lt => Interval {
            lo: None,
            hi: edge(false),
        },
        Op::Le => Interval {
            lo: None,
            hi: edge(true),
        },
        Op::Gt => Interval {
            lo: edge(false),
            hi: None,
        },
        Op::Ge => Interval {
            lo: edge(true),
            hi: None,
        },
        Op::Eq => Interval {
            lo: edge(true),
            hi: edge(true),
        },
    }
}

/// The interval of `op day` for the whole day `[start, end)`.
fn day_interval(op: Op, start: DateTime<Utc>, end: DateTime<Utc>) -> Interval<DateTime<Utc>> {
    let edge = |at, inclusive| Some(Edge { at, inclusive });
    match op {
        Op::Lt => Interval {
            lo: None,
            hi: edge(start, false),
        },
        Op::Le => Interval {
            lo: None,
            hi: edge(end, false),
        },
        Op::Gt => Interval {
            lo: edge(end, true),
            hi: None,
        },
        Op::Ge => Interval {
            lo: edge(start, true),
            hi: None,
        },
        Op::Eq => Interval {
            lo: edge(start, true),
            hi: edge(end, false),
        },
    }
}

/// A date as typed: a whole day, a whole period or an instant.
enum DateValue {
    Day(NaiveDate),
    /// `[start, end)`: the current quarter.
    Period(DateTime<Utc>, DateTime<Utc>),
    Instant(DateTime<Utc>),
    /// An instant given relative to `now` (`7d`, `+30d`).
    Relative(DateTime<Utc>),
}

pub(super) const DATE_HINT: &str = "write a date like 2026-12-31, today, quarter, 7d (7 days ago; for expires: ahead), +30d (30 days ahead), or 12h, 2w, 3m, 1y";

fn date_interval(
    op: Op,
    op_text: &str,
    value: &str,
    field: DateField,
    now: DateTime<Utc>,
) -> Result<Interval<DateTime<Utc>>, String> {
    if value.is_empty() {
        return Err(format!(
            "give a date after `{}{op_text}`; {DATE_HINT}",
            field.key()
        ));
    }
    match parse_date(value, now, field.counts_forward())? {
        DateValue::Relative(_) if op == Op::Eq => Err(format!(
            "a relative date is compared with > or <, e.g. {0}>7d (within the last 7 days) or {0}<+30d",
            field.key()
        )),
        DateValue::Instant(at) | DateValue::Relative(at) => Ok(instant_interval(op, at)),
        DateValue::Period(start, end) => Ok(day_interval(op, start, end)),
        DateValue::Day(day) => {
            let start = Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN));
            let end = day
                .checked_add_days(Days::new(1))
                .map(|d| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)))
                .ok_or_else(|| format!("`{value}` is too far in the future; {DATE_HINT}"))?;
            Ok(day_interval(op, start, end))
        }
    }
}

/// Reads a date; `forward` makes a bare relative amount count ahead of `now` (deadlines).
fn parse_date(value: &str, now: DateTime<Utc>, forward: bool) -> Result<DateValue, String> {
    let today = now.date_naive();
    if value.eq_ignore_ascii_case("quarter") {
        return quarter_of(today)
            .ok_or_else(|| format!("`{value}` is too far in the future; {DATE_HINT}"));
    }
    let named = match value.to_ascii_lowercase().as_str() {
        "today" => Some(today),
        "yesterday" => today.pred_opt(),
        "tomorrow" => today.succ_opt(),
        _ => None,
    };
    if let Some(day) = named {
        return Ok(DateValue::Day(day));
    }
    if let Some(relative) = parse_relative(value, now, forward) {
        return relative.map(DateValue::Relative);
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(DateValue::Day(day));
    }
    parse_datetime(value)
        .map(DateValue::Instant)
        .ok_or_else(|| format!("`{value}` is not a date; {DATE_HINT}"))
}

/// The calendar quarter (UTC) that `day` falls in, as `[start, end)`.
fn quarter_of(day: NaiveDate) -> Option<DateValue> {
    use chrono::Datelike;
    let first_month = (day.month0() / 3) * 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1)?;
    let end = start.checked_add_months(chrono::Months::new(3))?;
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    Some(DateValue::Period(at(start), at(end)))
}

/// `7d`, `-7d` (ago), `+30d` (ahead) with units h, d, w, m (30 days), y (365 days); a bare
/// amount is ago, or ahead when `forward`. `None` when `value` does not have that shape.
fn parse_relative(
    value: &str,
    now: DateTime<Utc>,
    forward: bool,
) -> Option<Result<DateTime<Utc>, String>> {
    let (ahead, rest) = match value.as_bytes().first()? {
        b'+' => (true, &value[1..]),
        b'-' => (false, &value[1..]),
        _ => (forward, value),
    };
    let unit = rest.chars().last()?;
    let digits = &rest[..rest.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours_per_unit: i64 = match unit.to_ascii_lowercase() {
        'h' => 1,
        'd' => 24,
        'w' => 24 * 7,
        'm' => 24 * 30,
        'y' => 24 * 365,
        _ => return None,
    };
    let too_far = || format!("`{value}` is too far from today; use a smaller amount");
    let shifted = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(hours_per_unit))
        .and_then(TimeDelta::try_hours)
        .and_then(|delta| {
            if ahead {
                now.checked_add_signed(delta)
            } else {
                now.checked_sub_signed(delta)
            }
        });
    Some(shifted.ok_or_else(too_far))
}
