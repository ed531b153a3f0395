//! The filter language of the list (`../shared/spec/ux.md`, "The filter language").
//!
//! The user types a line such as `status:new value>10000 contoso -"old deal"`; [`parse()`] turns it
//! into a [`Filter`] plus a list of [`FilterError`]s. Parsing never fails as a whole: every token
//! that can be read is kept in the filter, every token that cannot is reported with its byte span
//! and a reason that names the fix, so the UI can paint it red and keep the last good result.
//!
//! # Syntax
//! Tokens are separated by whitespace. A leading `-` negates any token.
//!
//! - **Free words** (`contoso`) match the name or the customer fuzzily (nucleo: the letters in
//!   order, gaps allowed, case-insensitive, accents folded unless the word has some), or the
//!   notes/contacts text ([`crate::domain::row::ReferralRow::search_text`]) as a case-insensitive substring. Every
//!   word must match (AND) within one field: letters are never gathered across fields.
//!   *Our choice*: the notes and contacts are prose of a few hundred characters, in which a
//!   fuzzy match finds the letters of almost any short word in order (on generated demo data
//!   `conto` kept 31% of the rows when the notes were matched fuzzily line by line, 13% when
//!   they must contain it as typed); there a word must appear as typed (`ann`, `contoso.com`).
//! - **Phrases** (`"supply chain"`) match as a literal case-insensitive substring of one field.
//!   An unclosed quote runs to the end of the line (the user is still typing it).
//! - **Negated words** (`-trial`, `-"old deal"`) exclude rows that contain the word as a
//!   substring in any field. Negation is never fuzzy: fuzzy exclusion would hide far too much.
//! - **Exact tokens**, `key:value` (`=` is accepted for `:`); keys are case-insensitive:
//!
//!   | key (aliases) | values | on the server (see [`Filter::to_odata`]) |
//!   |---|---|---|
//!   | `status` | new, active, closed | `status` (one value) |
//!   | `sub` (`substatus`) | pending, received, accepted, won, lost, declined, expired | `substatus` (one value) |
//!   | `type` | independent, shared | local |
//!   | `dir` (`direction`) | incoming, outgoing | local |
//!   | `qual` (`qualification`) | none, direct, marketingqualified, salesqualified | local |
//!   | `stage` (`salesstage`) | qualify, develop, propose, close | local |
//!   | `reg` (`registration`) | none, reviewpending, actionrequired, passed, failed, approved | local |
//!   | `mkto` (`marketo`) | unknown, synced, partial, missing | local |
//!   | `cur` (`currency`) | ISO 4217 codes | local |
//!   | `country` | ISO 3166 alpha-2 codes | local |
//!
//!   Enumeration values may be shortened to any unique prefix, or failing that any unique
//!   substring (`qual:sales`, `qual:mark`, `sub:pend`); an exact spelling always wins. Codes
//!   (currency, country) must be written in full. A comma list is an OR: `status:new,active`.
//!   `None` of status and substatus is the service's placeholder, not offered.
//! - **Comparisons**: `value`, `close` (`closing`), `updated`, `created`, `expires`
//!   (`expiry`, the `expirationDateTime` of an incoming New referral) and `closed` (the
//!   `closedDateTime`) with `>`, `>=`, `<`, `<=`, `=` (`:` means `=`). Amounts accept `_` or `,` separators, an exponent and a `k`
//!   (thousand) or `m` (million) suffix: `value>50k`, `value<=1e6`, `value>50,000`.
//!   Values compare in the reporting currency (deal values converted with the rate table of
//!   [`crate::domain::money`]; a currency without a rate matches no comparison); a currency
//!   after the amount gives the bound in that currency: `value>50k:eur`. Value comparisons are
//!   applied locally, never sent to the server.
//! - **`fav`** (`favorite`): favourites only; `-fav` the others.
//!
//! # Dates (our choices)
//! - `YYYY-MM-DD` is a whole UTC day: `close<2026-12-31` is before that day,
//!   `close<=2026-12-31` includes it, `close>2026-12-31` is after it, `close=2026-12-31` is on
//!   it. `today`, `yesterday` and `tomorrow` are whole days too.
//! - A full timestamp (`2026-12-31T17:00:00Z`, any form
//!   [`parse_datetime`](super::time::parse_datetime) reads) is an instant.
//! - A relative amount `7d`, `2w`, `12h`, `3m`, `1y` (hours, days, weeks, months of 30 days,
//!   years of 365 days) is the instant that long *before* `now`; `-7d` says the same explicitly
//!   and `+30d` is that long *after* `now`. So `updated>7d` is "updated within the last 7 days"
//!   and `close<+30d` is "closing before 30 days from now". `now` is passed to [`parse()`]
//!   (truncated to whole seconds) and relative dates are resolved there, once. A relative
//!   date with `=` is an error (an instant is never hit exactly); use `>` or `<`.
//! - `expires` is a deadline, so there a bare amount counts *forward*: `expires<48h` and
//!   `expires<+48h` both mean "the deadline falls before 48 hours from now", i.e. the referral
//!   expires within the next 48 hours (a deadline already passed is before that too: a New
//!   referral past its deadline that the service has not closed yet is the most urgent of
//!   all, so it is kept). `expires>-1d` says "ago" explicitly.
//! - `quarter` is the current calendar quarter (UTC) as a whole period, like a day:
//!   `closed:quarter` is closed this quarter, `closed>=quarter` since it began,
//!   `closed<quarter` before it.
//!
//! # Ranking
//! A row's score ([`Filter::score_row`]) is the sum over positive words of the word's best
//! nucleo score (linear-time greedy matcher) in the name or the customer, or, for a word found
//! only in the notes/contacts, half its substring score there: name and customer matches rank
//! first. Highlights use nucleo's optimal matcher on the visible fields.
//!
//! Whether a word matches is decided here, with nucleo's folding of case and accents (a text
//! character `c` matches a word character `n` when nucleo's lower case of `c`, accents removed
//! unless the word has some, is `n`): nucleo-matcher 0.3's own substring search misses some
//! matches (a match ending a non-ASCII text; a word whose first letter follows two other
//! characters, helix-editor/nucleo#104), and a plain pass is faster on short fields.
//!
//! # Missing values
//! A row without the field (no deal value, no closing date, no type) matches no exact token, and
//! its negation matches it: `-value>5` keeps rows without a value. This is what the OData
//! `not (details/dealValue gt 5)` does on the server, where a comparison with null is false.
//!
//! # Words that look like tokens
//! A token `word:…`, `word<…`, `word>…` or `word=…` whose `word` is all letters is read as a key,
//! and an unknown key is an error (so a typo like `stauts:new` is caught rather than searched).
//! To search such text literally, quote it: `"https://contoso.com"`. `fav` alone is the token,
//! `"fav"` the word.

use std::fmt;
use std::ops::Range;

use chrono::{DateTime, Utc};
use nucleo_matcher::Matcher;
use nucleo_matcher::pattern::{Atom, AtomKind};

use super::enums::*;
use super::marketo::MarketoBadge;
use super::row::RowRef;
use super::validate::{COUNTRIES, CURRENCIES};

mod odata;
mod parse;
mod text;

#[cfg(test)]
mod tests;

pub use odata::odata_string_literal;
pub use parse::parse;
pub use text::byte_ranges;
use text::{Needle, find_substring, utf32};
pub(crate) use text::{Prepared, RowText, Scratch, Sig, fold_ascii};

/// The result of [`parse()`]: the filter made of every token that could be read, and one error per
/// token that could not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub filter: Filter,
    pub errors: Vec<FilterError>,
}

impl Parsed {
    /// True when every token was understood.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A token that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Byte range of the token in the input (including a leading `-`).
    pub span: Range<usize>,
    /// The token as typed.
    pub token: String,
    /// What is wrong and how to fix it, starting with the token, e.g.
    /// "`status:neww`: unknown status; use new, active, closed".
    pub reason: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for FilterError {}

/// A parsed filter: exact terms and free words; a row must satisfy all of them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    /// Exact tokens, in the order typed.
    pub terms: Vec<Term>,
    /// Free words and phrases, in the order typed.
    pub words: Vec<Word>,
}

/// One exact token, possibly negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub negated: bool,
    pub cond: Cond,
    /// Byte range of the token in the input.
    pub span: Range<usize>,
}

/// The condition of an exact token.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// The field equals one of the values (canonical spellings: `New`, `USD`, `missing`).
    OneOf {
        field: ListField,
        values: Vec<String>,
    },
    /// The deal value, converted into the reporting currency (see [`crate::domain::money`]),
    /// lies in the interval (bounds in the reporting currency). A value in a currency without a
    /// rate matches no interval.
    Value(Interval<f64>),
    /// The date field lies in the interval.
    Date {
        field: DateField,
        interval: Interval<DateTime<Utc>>,
    },
    /// The referral is a favourite.
    Favorite,
}

/// The fields an exact `key:value` token can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListField {
    Status,
    Substatus,
    Type,
    Direction,
    Qualification,
    SalesStage,
    RegistrationStatus,
    Marketo,
    Currency,
    Country,
}

/// The date fields a comparison can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateField {
    Closing,
    Updated,
    Created,
    Expires,
    Closed,
}

/// One end of an [`Interval`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge<T> {
    pub at: T,
    pub inclusive: bool,
}

/// A possibly open interval; `None` on a side means unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval<T> {
    pub lo: Option<Edge<T>>,
    pub hi: Option<Edge<T>>,
}

/// How a free word matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordKind {
    /// Fuzzy (letters in order, gaps allowed); negated words match as substrings.
    Fuzzy,
    /// A double-quoted phrase: literal substring.
    Phrase,
}

/// A free word or phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The word as typed, without quotes and without the leading `-`.
    pub text: String,
    pub kind: WordKind,
    pub negated: bool,
    /// Byte range of the token in the input.
    pub span: Range<usize>,
    /// The needle, lower-cased (nucleo's case folding), and the optimal matcher for highlights.
    atom: Atom,
    /// Whether haystack characters are folded to their base letter (`é` matches `e`): true
    /// unless the word itself has such a character.
    normalize: bool,
    /// Which haystacks the needle can be matched against.
    needle: Needle,
    /// What a row's [`Sig`] must contain for this word to match it.
    sig: Sig,
}

impl Filter {
    /// True when the filter keeps every row.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.words.is_empty()
    }

    /// The positive free words and phrases (the ones that score and highlight).
    pub fn positive_words(&self) -> impl Iterator<Item = &Word> {
        self.words.iter().filter(|w| !w.negated)
    }

    /// True when some positive free word is present, i.e. results can be ranked by score.
    pub fn has_words(&self) -> bool {
        self.positive_words().next().is_some()
    }

    /// True when the row satisfies every token.
    pub fn matches_row<'a>(&self, row: impl Into<RowRef<'a>>, matcher: &mut Matcher) -> bool {
        self.score_row(row, matcher).is_some()
    }

    /// `None` when the row does not match; otherwise the fuzzy score, higher is better: the sum
    /// over positive words of each word's best score in the name or the customer, or, when it
    /// is in neither, its score in the notes/contacts text (0 without words).
    /// Scores come from nucleo's linear-time (greedy) fuzzy matcher.
    pub fn score_row<'a>(&self, row: impl Into<RowRef<'a>>, matcher: &mut Matcher) -> Option<u32> {
        let row = row.into();
        if !self.matches_terms(row) {
            return None;
        }
        self.score_words(&RowText::of(row), matcher, &mut Scratch::default(), true)
    }

    /// True when the row satisfies every exact token (free words are not looked at).
    pub fn matches_terms(&self, row: RowRef<'_>) -> bool {
        self.terms.iter().all(|t| t.matches(row))
    }

    /// Checks the free words against a row's texts (see [`Filter::score_row`]). Without
    /// `best` the first field a word matches in gives its score (faster, for when the score
    /// does not order the rows). `scratch` is reused from row to row for decoding non-ASCII
    /// text. `None` when a word fails.
    pub(crate) fn score_words(
        &self,
        row: &RowText<'_>,
        matcher: &mut Matcher,
        scratch: &mut Scratch,
        best: bool,
    ) -> Option<u32> {
        for word in self.words.iter().filter(|w| w.negated) {
            if word.score(row, matcher, scratch, false).is_some() {
                return None;
            }
        }
        let mut total = 0u32;
        for word in self.positive_words() {
            total += u32::from(word.score(row, matcher, scratch, best)?);
        }
        Some(total)
    }

    /// False when the row's [`Sig`] shows that some positive word cannot match it. Cheap: for
    /// ruling rows out before reading their texts.
    pub(crate) fn admits(&self, sig: &Sig) -> bool {
        self.positive_words()
            .all(|w| sig.primary_admits(&w.sig) || sig.text_admits(&w.sig))
    }

    /// Char indices of `text` matched by the positive words, sorted and without duplicates;
    /// empty when nothing matches. For highlighting a visible field.
    pub fn highlight(&self, text: &str, matcher: &mut Matcher) -> Vec<u32> {
        let mut buf = Vec::new();
        let hay = utf32(text, &mut buf);
        let mut indices = Vec::new();
        for word in self.positive_words() {
            if word.atom.kind == AtomKind::Substring {
                // nucleo 0.3 misses some substrings (see `Word::find`); find it ourselves.
                let needle = word.atom.needle_text();
                if let Some(at) = find_substring(hay, needle, word.normalize) {
                    indices.extend((at..at + needle.len()).map(|i| i as u32));
                }
            } else {
                let mut found = Vec::new();
                if word.atom.indices(hay, matcher, &mut found).is_some() {
                    indices.extend(found);
                }
            }
        }
        indices.sort_unstable();
        indices.dedup();
        indices
    }

    /// True when every row this filter keeps is also kept by `previous`, judged from the tokens
    /// alone: each token of `previous` is implied by some token here. Used to narrow the last
    /// result instead of scanning every row. May say `false` for some real refinements; never
    /// says `true` for a filter that could keep more.
    pub fn refines(&self, previous: &Filter) -> bool {
        previous
            .terms
            .iter()
            .all(|old| self.terms.iter().any(|new| new.implies(old)))
            && previous
                .words
                .iter()
                .all(|old| self.words.iter().any(|new| new.implies(old)))
    }
}

impl Term {
    /// True when the row satisfies this token (negation applied).
    pub fn matches(&self, row: RowRef<'_>) -> bool {
        self.cond.matches(row) != self.negated
    }

    /// True when every row this term keeps is kept by `old`.
    fn implies(&self, old: &Term) -> bool {
        if self.negated != old.negated {
            return false;
        }
        if self.negated {
            old.cond.within(&self.cond)
        } else {
            self.cond.within(&old.cond)
        }
    }
}

impl Cond {
    /// True when the row satisfies the condition (no negation).
    pub fn matches(&self, row: RowRef<'_>) -> bool {
        match self {
            Cond::OneOf { field, values } => field
                .row_value(row)
                .is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v))),
            Cond::Value(interval) => row
                .deal_value()
                .and_then(|v| super::money::current().to_reporting(v, row.currency()))
                .is_some_and(|v| interval.contains(&v)),
            Cond::Date { field, interval } => {
                field.row_value(row).is_some_and(|d| interval.contains(&d))
            }
            Cond::Favorite => row.favorite(),
        }
    }

    /// True when every row satisfying `self` satisfies `other`.
    fn within(&self, other: &Cond) -> bool {
        match (self, other) {
            (
                Cond::OneOf {
                    field: f,
                    values: a,
                },
                Cond::OneOf {
                    field: g,
                    values: b,
                },
            ) => f == g && a.iter().all(|v| b.contains(v)),
            (Cond::Value(a), Cond::Value(b)) => a.within(b),
            (
                Cond::Date {
                    field: f,
                    interval: a,
                },
                Cond::Date {
                    field: g,
                    interval: b,
                },
            ) => f == g && a.within(b),
            (Cond::Favorite, Cond::Favorite) => true,
            _ => false,
        }
    }
}

impl ListField {
    /// The key as written in the filter.
    pub fn key(self) -> &'static str {
        match self {
            ListField::Status => "status",
            ListField::Substatus => "sub",
            ListField::Type => "type",
            ListField::Direction => "dir",
            ListField::Qualification => "qual",
            ListField::SalesStage => "stage",
            ListField::RegistrationStatus => "reg",
            ListField::Marketo => "mkto",
            ListField::Currency => "cur",
            ListField::Country => "country",
        }
    }

    /// What the field is called in messages.
    fn label(self) -> &'static str {
        match self {
            ListField::Status => "status",
            ListField::Substatus => "substatus",
            ListField::Type => "type",
            ListField::Direction => "direction",
            ListField::Qualification => "qualification",
            ListField::SalesStage => "sales stage",
            ListField::RegistrationStatus => "registration status",
            ListField::Marketo => "Marketo badge",
            ListField::Currency => "currency",
            ListField::Country => "country",
        }
    }

    /// The row's value in canonical spelling; `None` when the row has none.
    pub fn row_value<'a>(self, row: RowRef<'a>) -> Option<&'a str> {
        let text = match self {
            ListField::Status => row.status().as_str(),
            ListField::Substatus => row.substatus().as_str(),
            ListField::Type => row.referral_type()?.as_str(),
            ListField::Direction => row.direction()?.as_str(),
            ListField::Qualification => row.qualification()?.as_str(),
            ListField::SalesStage => row.sales_stage()?.as_str(),
            ListField::RegistrationStatus => row.registration_status()?.as_str(),
            ListField::Marketo => row.marketo().as_str(),
            ListField::Currency => row.currency().as_str(),
            ListField::Country => row.country().as_str(),
        };
        (!text.is_empty()).then_some(text)
    }

    /// The values a user may name, canonical spelling. `None` of status and substatus is a
    /// placeholder of the service, not a state a user filters for, and is left out.
    fn vocabulary(self) -> Vec<&'static str> {
        fn known<T: PartialEq>(
            all: &'static [T],
            skip: Option<&T>,
            name: fn(&'static T) -> &'static str,
        ) -> Vec<&'static str> {
            all.iter().filter(|v| Some(*v) != skip).map(name).collect()
        }
        match self {
            ListField::Status => known(Status::ALL, Some(&Status::None), |v| v.as_str()),
            ListField::Substatus => known(Substatus::ALL, Some(&Substatus::None), |v| v.as_str()),
            ListField::Type => known(ReferralType::ALL, None, |v| v.as_str()),
            ListField::Direction => known(Direction::ALL, None, |v| v.as_str()),
            ListField::Qualification => known(Qualification::ALL, None, |v| v.as_str()),
            ListField::SalesStage => known(SalesStage::ALL, None, |v| v.as_str()),
            ListField::RegistrationStatus => known(RegistrationStatus::ALL, None, |v| v.as_str()),
            ListField::Marketo => known(&MarketoBadge::ALL, None, |v| v.as_str()),
            ListField::Currency => CURRENCIES.to_vec(),
            ListField::Country => COUNTRIES.to_vec(),
        }
    }

    /// Codes must be typed in full; enumerations may be abbreviated.
    fn is_code(self) -> bool {
        matches!(self, ListField::Currency | ListField::Country)
    }
}

impl DateField {
    /// The key as written in the filter.
    pub fn key(self) -> &'static str {
        match self {
            DateField::Closing => "close",
            DateField::Updated => "updated",
            DateField::Created => "created",
            DateField::Expires => "expires",
            DateField::Closed => "closed",
        }
    }

    /// True when a bare relative amount (`48h`) counts forward from now: a deadline.
    pub fn counts_forward(self) -> bool {
        self == DateField::Expires
    }

    /// The row's value; `None` when the row has none.
    pub fn row_value(self, row: RowRef<'_>) -> Option<DateTime<Utc>> {
        match self {
            DateField::Closing => row.closing(),
            DateField::Updated => row.updated(),
            DateField::Created => row.created(),
            DateField::Expires => row.expires(),
            DateField::Closed => row.closed(),
        }
    }
}

impl<T: PartialOrd + Copy> Interval<T> {
    /// True when `v` lies inside.
    pub fn contains(&self, v: &T) -> bool {
        let above = self
            .lo
            .is_none_or(|e| if e.inclusive { *v >= e.at } else { *v > e.at });
        let below = self
            .hi
            .is_none_or(|e| if e.inclusive { *v <= e.at } else { *v < e.at });
        above && below
    }

    /// True when `self` is a subset of `outer`.
    fn within(&self, outer: &Interval<T>) -> bool {
        let lo_ok = match (self.lo, outer.lo) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a.at > b.at || (a.at == b.at && (b.inclusive || !a.inclusive)),
        };
        let hi_ok = match (self.hi, outer.hi) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a.at < b.at || (a.at == b.at && (b.inclusive || !a.inclusive)),
        };
        lo_ok && hi_ok
    }
}
