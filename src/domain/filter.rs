//! The filter language of the list (`../shared/spec/ux.md`, "The filter language").
//!
//! The user types a line such as `status:new value>10000 contoso -"old deal"`; [`parse`] turns it
//! into a [`Filter`] plus a list of [`FilterError`]s. Parsing never fails as a whole: every token
//! that can be read is kept in the filter, every token that cannot is reported with its byte span
//! and a reason that names the fix, so the UI can paint it red and keep the last good result.
//!
//! # Syntax
//! Tokens are separated by whitespace. A leading `-` negates any token.
//!
//! - **Free words** (`contoso`) match the name or the customer fuzzily (nucleo: the letters in
//!   order, gaps allowed, case-insensitive, accents folded unless the word has some), or the
//!   notes/contacts text ([`ReferralRow::search_text`]) as a case-insensitive substring. Every
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
//!   | key (aliases) | values | OData path |
//!   |---|---|---|
//!   | `status` | new, active, closed | `status` |
//!   | `sub` (`substatus`) | pending, received, accepted, won, lost, declined, expired | `substatus` |
//!   | `type` | independent, shared | `type` |
//!   | `dir` (`direction`) | incoming, outgoing | `direction` |
//!   | `qual` (`qualification`) | none, direct, marketingqualified, salesqualified | `qualification` |
//!   | `stage` (`salesstage`) | qualify, develop, propose, close | `salesStage` |
//!   | `reg` (`registration`) | none, reviewpending, actionrequired, passed, failed, approved | `registrationStatus` |
//!   | `mkto` (`marketo`) | unknown, synced, partial, missing | local only |
//!   | `cur` (`currency`) | ISO 4217 codes | `details/currency` |
//!   | `country` | ISO 3166 alpha-2 codes | `customerProfile/address/country` |
//!
//!   Enumeration values may be shortened to any unique prefix, or failing that any unique
//!   substring (`qual:sales`, `qual:mark`, `sub:pend`); an exact spelling always wins. Codes
//!   (currency, country) must be written in full. A comma list is an OR: `status:new,active`.
//!   `None` of status and substatus is the service's placeholder, not offered.
//! - **Comparisons**: `value`, `close` (`closing`), `updated`, `created` with `>`, `>=`, `<`,
//!   `<=`, `=` (`:` means `=`). Amounts accept `_` or `,` separators, an exponent and a `k`
//!   (thousand) or `m` (million) suffix: `value>50k`, `value<=1e6`, `value>50,000`.
//! - **`fav`** (`favorite`): favourites only; `-fav` the others.
//!
//! # Dates (our choices)
//! - `YYYY-MM-DD` is a whole UTC day: `close<2026-12-31` is before that day,
//!   `close<=2026-12-31` includes it, `close>2026-12-31` is after it, `close=2026-12-31` is on
//!   it. `today`, `yesterday` and `tomorrow` are whole days too.
//! - A full timestamp (`2026-12-31T17:00:00Z`, any form [`parse_datetime`] reads) is an instant.
//! - A relative amount `7d`, `2w`, `12h`, `3m`, `1y` (hours, days, weeks, months of 30 days,
//!   years of 365 days) is the instant that long *before* `now`; `-7d` says the same explicitly
//!   and `+30d` is that long *after* `now`. So `updated>7d` is "updated within the last 7 days"
//!   and `close<+30d` is "closing before 30 days from now". `now` is passed to [`parse`]
//!   (truncated to whole seconds) and relative dates are resolved there, once. A relative
//!   date with `=` is an error (an instant is never hit exactly); use `>` or `<`.
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

use chrono::{DateTime, Days, NaiveDate, TimeDelta, TimeZone, Utc};
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Matcher, Utf32Str};

use super::enums::*;
use super::marketo::MarketoBadge;
use super::row::ReferralRow;
use super::time::{format_datetime, parse_datetime};
use super::validate::{COUNTRIES, CURRENCIES};

/// The result of [`parse`]: the filter made of every token that could be read, and one error per
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
    /// The deal value lies in the interval.
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

/// What a word's needle is made of, which decides the haystacks it is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needle {
    /// ASCII letters only: matched against ASCII or [`fold_ascii`] text.
    Foldable,
    /// ASCII with [`UNMATCHABLE`] in it: against ASCII text as it is, other text decoded.
    Ascii,
    /// Other characters: never in ASCII text; against other text decoded.
    Other,
}

/// The name, as a field number of [`RowText`].
const NAME: usize = 0;
/// The customer, as a field number of [`RowText`].
const CUSTOMER: usize = 1;
/// The notes/contacts text, as a field number of [`RowText`].
const TEXT: usize = 2;

/// The texts of one row that free words search: name, customer, and the notes/contacts text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowText<'a> {
    pub row: &'a ReferralRow,
    /// What the search index prepared for the row; `None` means nothing: non-ASCII fields are
    /// decoded for every word (the reference behaviour the index must agree with).
    pub prepared: Option<Prepared<'a>>,
}

/// What the search index keeps per row to match words fast.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prepared<'a> {
    /// Name and customer as ASCII: as they are, or their [`fold_ascii`] copy.
    pub primary: [&'a [u8]; 2],
    /// The [`fold_ascii`] copy of the notes/contacts text when it is not ASCII.
    pub folded_text: Option<&'a [u8]>,
    /// Which of name, customer and text are not ASCII.
    pub non_ascii: [bool; 3],
    /// The row's [`Sig`].
    pub sig: &'a Sig,
}

impl<'a> RowText<'a> {
    /// The texts of a row, nothing prepared.
    pub(crate) fn of(row: &'a ReferralRow) -> RowText<'a> {
        RowText {
            row,
            prepared: None,
        }
    }

    fn field(&self, field: usize) -> &'a str {
        match field {
            NAME => &self.row.name,
            CUSTOMER => &self.row.customer,
            _ => &self.row.search_text,
        }
    }

    /// The haystack of one field for a needle; `None` when the field cannot match it (an ASCII
    /// field and a needle with other characters). Non-ASCII text is decoded into `scratch`.
    fn haystack<'b>(
        &'b self,
        field: usize,
        needle: Needle,
        scratch: &'b mut Vec<char>,
    ) -> Option<Utf32Str<'b>> {
        let ascii_field = match self.prepared {
            Some(p) if needle == Needle::Foldable => {
                // Name and customer come from the index's buffer: the row is not read.
                let bytes = match field {
                    NAME | CUSTOMER => p.primary[field],
                    _ => p.folded_text.unwrap_or(self.row.search_text.as_bytes()),
                };
                return Some(Utf32Str::Ascii(bytes));
            }
            Some(p) => !p.non_ascii[field],
            None => self.field(field).is_ascii(),
        };
        let text = self.field(field);
        if ascii_field {
            return (needle != Needle::Other).then_some(Utf32Str::Ascii(text.as_bytes()));
        }
        scratch.clear();
        scratch.extend(text.chars());
        Some(Utf32Str::Unicode(scratch))
    }

    fn sig(&self) -> Option<&'a Sig> {
        self.prepared.map(|p| p.sig)
    }
}

/// A summary of a row's texts that rules out most rows for a word without reading the texts:
/// which characters the name and the customer have (64 bits), and which characters and pairs
/// of adjacent characters the notes/contacts text has (a 256-bit Bloom filter). Built from
/// ASCII or [`fold_ascii`] text, ignoring case. A word's own `Sig` (from the ASCII characters of
/// its needle) must be contained in the row's for a match to be possible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sig {
    primary: u64,
    text: [u64; 4],
}

impl Sig {
    /// The summary of a row from its ASCII (or folded) name, customer and text.
    pub(crate) fn of_row(name: &[u8], customer: &[u8], text: &[u8]) -> Sig {
        let mut sig = Sig::default();
        for &b in name.iter().chain(customer) {
            sig.primary |= char_bit(b);
        }
        sig.add_grams(text);
        sig
    }

    /// The summary a word needs: its ASCII characters, and its ASCII characters and pairs of
    /// them. Other characters ask nothing. Sound because any haystack character an ASCII needle
    /// character matches folds to that character (see the test `folding_keeps_every_match`).
    fn of_needle(needle: Utf32Str<'_>) -> Sig {
        let mut sig = Sig::default();
        let mut prev = None;
        for c in needle.chars() {
            if !c.is_ascii() || c as u8 == UNMATCHABLE {
                prev = None;
                continue;
            }
            let b = (c as u8).to_ascii_lowercase();
            sig.primary |= char_bit(b);
            sig.set_gram(0, b);
            if let Some(a) = prev {
                sig.set_gram(a, b);
            }
            prev = Some(b);
        }
        sig
    }

    fn add_grams(&mut self, bytes: &[u8]) {
        let mut prev = None;
        for &b in bytes {
            let b = b.to_ascii_lowercase();
            self.set_gram(0, b);
            if let Some(a) = prev {
                self.set_gram(a, b);
            }
            prev = Some(b);
        }
    }

    fn set_gram(&mut self, a: u8, b: u8) {
        let h = (u32::from(a) << 8 | u32::from(b)).wrapping_mul(0x9e37_79b1) >> 24;
        self.text[(h >> 6) as usize] |= 1 << (h & 63);
    }

    /// The name or the customer may have the word.
    fn primary_admits(&self, word: &Sig) -> bool {
        self.primary & word.primary == word.primary
    }

    /// The text may have the word as a substring.
    fn text_admits(&self, word: &Sig) -> bool {
        self.text
            .iter()
            .zip(&word.text)
            .all(|(row, needle)| row & needle == *needle)
    }
}

/// The bit of a character in [`Sig::primary`]: letters and digits their own, the rest shared.
fn char_bit(b: u8) -> u64 {
    let b = b.to_ascii_lowercase();
    let bit = match b {
        b'a'..=b'z' => b - b'a',
        b'0'..=b'9' => 26 + b - b'0',
        _ => 36 + b % 28,
    };
    1 << bit
}

/// The byte that stands for a character that cannot match any ASCII needle character.
const UNMATCHABLE: u8 = 0x7f;

/// An ASCII copy of `text`, one byte per `char`, for matching ASCII needles fast and exactly as
/// against the decoded text: ASCII characters are kept; any other character becomes the ASCII
/// letter it matches under nucleo's folding (`é`, `É` → `e`; lower case after removing the
/// accent), or [`UNMATCHABLE`] when it matches none.
pub(crate) fn fold_ascii(text: &str) -> Box<[u8]> {
    text.chars().map(fold_char).collect()
}

/// One character of [`fold_ascii`].
fn fold_char(c: char) -> u8 {
    if c.is_ascii() {
        return c as u8;
    }
    let folded = nucleo_matcher::chars::to_lower_case(nucleo_matcher::chars::normalize(c));
    if folded.is_ascii() && folded as u8 != UNMATCHABLE {
        folded as u8
    } else {
        UNMATCHABLE
    }
}

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

/// Turns char indices of `text` (as [`Filter::highlight`] gives them) into byte ranges, runs of
/// adjacent characters merged, for building styled spans. Indices past the end are ignored.
pub fn byte_ranges(text: &str, char_indices: &[u32]) -> Vec<Range<usize>> {
    let mut wanted = char_indices.iter().copied().peekable();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (n, (at, c)) in text.char_indices().enumerate() {
        while wanted.next_if(|&i| (i as usize) < n).is_some() {}
        if wanted.next_if(|&i| i as usize == n).is_none() {
            continue;
        }
        let end = at + c.len_utf8();
        match ranges.last_mut() {
            Some(last) if last.end == at => last.end = end,
            _ => ranges.push(at..end),
        }
    }
    ranges
}

/// Quotes a string for an OData `$filter`: single quotes, embedded quotes doubled.
pub fn odata_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A `Utf32Str` over `s`, one element per `char` (so match indices are char indices). ASCII text
/// is borrowed; other text is decoded into `buf`.
fn utf32<'a>(s: &'a str, buf: &'a mut Vec<char>) -> Utf32Str<'a> {
    if s.is_ascii() {
        Utf32Str::Ascii(s.as_bytes())
    } else {
        buf.clear();
        buf.extend(s.chars());
        Utf32Str::Unicode(buf)
    }
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
    pub fn matches_row(&self, row: &ReferralRow, matcher: &mut Matcher) -> bool {
        self.score_row(row, matcher).is_some()
    }

    /// `None` when the row does not match; otherwise the fuzzy score, higher is better: the sum
    /// over positive words of each word's best score in the name or the customer, or, when it
    /// is in neither, its score in the notes/contacts text (0 without words).
    /// Scores come from nucleo's linear-time (greedy) fuzzy matcher.
    pub fn score_row(&self, row: &ReferralRow, matcher: &mut Matcher) -> Option<u32> {
        if !self.matches_terms(row) {
            return None;
        }
        self.score_words(&RowText::of(row), matcher, &mut Vec::new(), true)
    }

    /// True when the row satisfies every exact token (free words are not looked at).
    pub fn matches_terms(&self, row: &ReferralRow) -> bool {
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
        scratch: &mut Vec<char>,
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

    /// The exact tokens as a Partner Center OData `$filter` (see partner-center.md, "Query"),
    /// joined by ` and `, for narrowing on the server. Free words and `mkto:` are local only
    /// and left out; `None` when nothing remains.
    pub fn to_odata(&self) -> Option<String> {
        let parts: Vec<String> = self.terms.iter().filter_map(Term::to_odata).collect();
        (!parts.is_empty()).then(|| parts.join(" and "))
    }
}

impl Term {
    /// True when the row satisfies this token (negation applied).
    pub fn matches(&self, row: &ReferralRow) -> bool {
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

    fn to_odata(&self) -> Option<String> {
        let clauses = self.cond.odata_clauses()?;
        Some(if self.negated {
            format!("not ({})", clauses.join(self.cond.odata_joiner()))
        } else if clauses.len() == 1 {
            clauses.join("")
        } else {
            format!("({})", clauses.join(self.cond.odata_joiner()))
        })
    }
}

impl Cond {
    /// True when the row satisfies the condition (no negation).
    pub fn matches(&self, row: &ReferralRow) -> bool {
        match self {
            Cond::OneOf { field, values } => field
                .row_value(row)
                .is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v))),
            Cond::Value(interval) => row.deal_value.is_some_and(|v| interval.contains(&v)),
            Cond::Date { field, interval } => {
                field.row_value(row).is_some_and(|d| interval.contains(&d))
            }
            Cond::Favorite => row.favorite,
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

    /// The OData comparisons of this condition, to be joined by [`Cond::odata_joiner`];
    /// `None` for local-only conditions.
    fn odata_clauses(&self) -> Option<Vec<String>> {
        match self {
            Cond::OneOf { field, values } => {
                let path = field.odata_path()?;
                Some(
                    values
                        .iter()
                        .map(|v| format!("{path} eq {}", odata_string_literal(v)))
                        .collect(),
                )
            }
            Cond::Value(interval) => Some(interval.odata("details/dealValue", |v| format!("{v}"))),
            Cond::Date { field, interval } => {
                Some(interval.odata(field.odata_path(), format_datetime))
            }
            Cond::Favorite => Some(vec!["favorite eq true".to_string()]),
        }
    }

    fn odata_joiner(&self) -> &'static str {
        match self {
            Cond::OneOf { .. } => " or ",
            _ => " and ",
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

    /// The OData path on the server; `None` for local-only fields.
    pub fn odata_path(self) -> Option<&'static str> {
        Some(match self {
            ListField::Status => "status",
            ListField::Substatus => "substatus",
            ListField::Type => "type",
            ListField::Direction => "direction",
            ListField::Qualification => "qualification",
            ListField::SalesStage => "salesStage",
            ListField::RegistrationStatus => "registrationStatus",
            ListField::Marketo => return None,
            ListField::Currency => "details/currency",
            ListField::Country => "customerProfile/address/country",
        })
    }

    /// The row's value in canonical spelling; `None` when the row has none.
    pub fn row_value(self, row: &ReferralRow) -> Option<&str> {
        let text = match self {
            ListField::Status => row.status.as_str(),
            ListField::Substatus => row.substatus.as_str(),
            ListField::Type => row.referral_type.as_ref()?.as_str(),
            ListField::Direction => row.direction.as_ref()?.as_str(),
            ListField::Qualification => row.qualification.as_ref()?.as_str(),
            ListField::SalesStage => row.sales_stage.as_ref()?.as_str(),
            ListField::RegistrationStatus => row.registration_status.as_ref()?.as_str(),
            ListField::Marketo => row.marketo.as_str(),
            ListField::Currency => row.currency.as_str(),
            ListField::Country => row.country.as_str(),
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
        }
    }

    /// The OData path on the server.
    pub fn odata_path(self) -> &'static str {
        match self {
            DateField::Closing => "details/closingDateTime",
            DateField::Updated => "updatedDateTime",
            DateField::Created => "createdDateTime",
        }
    }

    /// The row's value; `None` when the row has none.
    pub fn row_value(self, row: &ReferralRow) -> Option<DateTime<Utc>> {
        match self {
            DateField::Closing => row.closing,
            DateField::Updated => row.updated,
            DateField::Created => row.created,
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

    /// The OData comparisons (`path gt x`, …) of the bounds; one `eq` for a single point.
    fn odata(&self, path: &str, show: impl Fn(&T) -> String) -> Vec<String> {
        if let (Some(lo), Some(hi)) = (self.lo, self.hi)
            && lo.inclusive
            && hi.inclusive
            && lo.at == hi.at
        {
            return vec![format!("{path} eq {}", show(&lo.at))];
        }
        let lo = self.lo.map(|e| {
            format!(
                "{path} {} {}",
                if e.inclusive { "ge" } else { "gt" },
                show(&e.at)
            )
        });
        let hi = self.hi.map(|e| {
            format!(
                "{path} {} {}",
                if e.inclusive { "le" } else { "lt" },
                show(&e.at)
            )
        });
        lo.into_iter().chain(hi).collect()
    }
}

impl Word {
    /// The word's score in a row: its best score in the name and the customer; failing those,
    /// half its score as a substring of the notes/contacts text. `None` when it is in none of
    /// them. Without `best` only whether it matches counts and the score may be 0.
    fn score(
        &self,
        row: &RowText<'_>,
        matcher: &mut Matcher,
        scratch: &mut Vec<char>,
        best: bool,
    ) -> Option<u16> {
        let mut top: Option<u16> = None;
        let fields = if row.sig().is_none_or(|s| s.primary_admits(&self.sig)) {
            &[NAME, CUSTOMER][..]
        } else {
            &[]
        };
        for &field in fields {
            let Some(hay) = row.haystack(field, self.needle, scratch) else {
                continue;
            };
            if let Some(s) = self.find(hay, self.atom.kind, best, matcher) {
                if !best {
                    return Some(s);
                }
                top = top.max(Some(s));
            }
        }
        if top.is_some() || row.sig().is_some_and(|s| !s.text_admits(&self.sig)) {
            return top;
        }
        let text = row.haystack(TEXT, self.needle, scratch)?;
        self.find(text, AtomKind::Substring, best, matcher)
            .map(|s| s / 2)
    }

    /// Matches the word in one haystack, fuzzily or as a substring, and with `scored` gives
    /// nucleo's score of the match (else 0).
    ///
    /// Whether it matches is decided here, with nucleo's folding of case and accents: one plain
    /// pass is faster than nucleo's checks on short texts, and nucleo 0.3's substring search
    /// misses matches (at the very end of non-ASCII text, or after a leading digit), see
    /// helix-editor/nucleo#104. nucleo then scores the match it found.
    fn find(
        &self,
        hay: Utf32Str<'_>,
        kind: AtomKind,
        scored: bool,
        matcher: &mut Matcher,
    ) -> Option<u16> {
        let needle = self.atom.needle_text();
        let at = if kind == AtomKind::Substring {
            find_substring(hay, needle, self.normalize)?
        } else {
            is_subsequence_of(hay, needle, self.normalize).then_some(0)?
        };
        if !scored {
            return Some(0);
        }
        matcher.config.ignore_case = true;
        matcher.config.normalize = self.normalize;
        let score = if kind == AtomKind::Substring {
            matcher.exact_match(hay.slice(at..at + needle.len()), needle)
        } else {
            matcher.fuzzy_match_greedy(hay, needle)
        };
        Some(score.unwrap_or(0))
    }

    /// True when every row kept by this word is kept by `old`.
    fn implies(&self, old: &Word) -> bool {
        if self.negated != old.negated {
            return false;
        }
        let new_text: Vec<char> = self.atom.needle_text().chars().collect();
        let old_text: Vec<char> = old.atom.needle_text().chars().collect();
        if self.negated {
            // Both exclude by substring: excluding a part of `old` excludes more.
            contains_seq(&old_text, &new_text)
        } else {
            // A word containing `old` matches only where `old` does: as a subsequence of the
            // name or customer, as a substring of the notes. A phrase is only implied by a
            // phrase (a fuzzy word may match the name with gaps).
            (old.kind == WordKind::Fuzzy || self.kind == WordKind::Phrase)
                && contains_seq(&new_text, &old_text)
        }
    }
}

/// A haystack character as nucleo compares it with a (lower-case) needle character: accents
/// removed when `normalize`, then lower case.
fn match_form(c: char, normalize: bool) -> char {
    let c = if normalize {
        nucleo_matcher::chars::normalize(c)
    } else {
        c
    };
    nucleo_matcher::chars::to_lower_case(c)
}

/// True when the needle's characters appear in `hay` in order (nucleo's fuzzy match).
fn is_subsequence_of(hay: Utf32Str<'_>, needle: Utf32Str<'_>, normalize: bool) -> bool {
    match (hay, needle) {
        (Utf32Str::Ascii(h), Utf32Str::Ascii(n)) => {
            let mut from = 0;
            n.iter().all(|&b| match find_byte(&h[from..], b) {
                Some(at) => {
                    from += at + 1;
                    true
                }
                None => false,
            })
        }
        (Utf32Str::Ascii(_), Utf32Str::Unicode(_)) => false,
        (Utf32Str::Unicode(h), _) => {
            let mut hay = h.iter().map(|&c| match_form(c, normalize));
            needle.chars().all(|n| hay.any(|c| c == n))
        }
    }
}

/// Where the needle first appears in `hay` as a run of characters (nucleo's substring match).
fn find_substring(hay: Utf32Str<'_>, needle: Utf32Str<'_>, normalize: bool) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    match (hay, needle) {
        (Utf32Str::Ascii(h), Utf32Str::Ascii(n)) => {
            let (&first, rest) = n.split_first()?;
            let last_start = h.len().checked_sub(n.len())?;
            let mut from = 0;
            while let Some(at) = find_byte(&h[from..=last_start], first) {
                let i = from + at;
                let tail = &h[i + 1..i + n.len()];
                if tail
                    .iter()
                    .zip(rest)
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
                {
                    return Some(i);
                }
                from = i + 1;
            }
            None
        }
        (Utf32Str::Ascii(_), Utf32Str::Unicode(_)) => None,
        (Utf32Str::Unicode(h), _) => {
            let n: Vec<char> = needle.chars().collect();
            h.windows(n.len()).position(|w| {
                w.iter()
                    .zip(&n)
                    .all(|(&c, &x)| match_form(c, normalize) == x)
            })
        }
    }
}

/// Where `b` (lower case) first is in `hay`, ignoring ASCII case. Eight bytes at a time: a
/// letter matches in either case exactly when the byte with bit 5 set equals it.
fn find_byte(hay: &[u8], b: u8) -> Option<usize> {
    let fold = if b.is_ascii_lowercase() { 0x20 } else { 0 };
    let found = |chunk: &[u8]| chunk.iter().position(|&c| c | fold == b);
    let (ones, highs) = (u64::from_ne_bytes([1; 8]), u64::from_ne_bytes([0x80; 8]));
    let (target, set) = (u64::from_ne_bytes([b; 8]), u64::from_ne_bytes([fold; 8]));
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = (u64::from_ne_bytes(word) | set) ^ target;
        // Some byte of `x` is zero: look which.
        if x.wrapping_sub(ones) & !x & highs != 0
            && let Some(p) = found(chunk)
        {
            return Some(at + p);
        }
        at += 8;
    }
    found(chunks.remainder()).map(|p| at + p)
}

fn contains_seq(hay: &[char], needle: &[char]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Tokenizing and reading tokens.

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
    ("fav", Key::Favorite),
    ("favorite", Key::Favorite),
];

/// The keys offered in the "unknown key" message.
const KEY_HINT: &str = "status, sub, type, dir, qual, stage, reg, mkto, cur, country, value, close, updated, created, fav";

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

/// Reads an amount: digits, `_` or `,` separators, optional exponent, optional `k`/`m` suffix.
fn parse_amount(s: &str) -> Option<f64> {
    let cleaned: String = s.chars().filter(|&c| c != '_' && c != ',').collect();
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

fn number_interval(op: Op, op_text: &str, value: &str) -> Result<Interval<f64>, String> {
    if value.is_empty() {
        return Err(format!(
            "give an amount after `{op_text}`, e.g. value>50000, value>=50k or value<=1.5m"
        ));
    }
    let v = parse_amount(value).ok_or_else(|| {
        format!("`{value}` is not an amount; write digits with an optional k or m, e.g. 50000, 50k, 1.5m")
    })?;
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

/// A date as typed: a whole day or an instant.
enum DateValue {
    Day(NaiveDate),
    Instant(DateTime<Utc>),
    /// An instant given relative to `now` (`7d`, `+30d`).
    Relative(DateTime<Utc>),
}

const DATE_HINT: &str = "write a date like 2026-12-31, today, 7d (7 days ago), +30d (30 days ahead), or 12h, 2w, 3m, 1y";

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
    match parse_date(value, now)? {
        DateValue::Relative(_) if op == Op::Eq => Err(format!(
            "a relative date is compared with > or <, e.g. {0}>7d (within the last 7 days) or {0}<+30d",
            field.key()
        )),
        DateValue::Instant(at) | DateValue::Relative(at) => Ok(instant_interval(op, at)),
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

fn parse_date(value: &str, now: DateTime<Utc>) -> Result<DateValue, String> {
    let today = now.date_naive();
    let named = match value.to_ascii_lowercase().as_str() {
        "today" => Some(today),
        "yesterday" => today.pred_opt(),
        "tomorrow" => today.succ_opt(),
        _ => None,
    };
    if let Some(day) = named {
        return Ok(DateValue::Day(day));
    }
    if let Some(relative) = parse_relative(value, now) {
        return relative.map(DateValue::Relative);
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(DateValue::Day(day));
    }
    parse_datetime(value)
        .map(DateValue::Instant)
        .ok_or_else(|| format!("`{value}` is not a date; {DATE_HINT}"))
}

/// `7d`, `-7d` (ago), `+30d` (ahead) with units h, d, w, m (30 days), y (365 days).
/// `None` when `value` does not have that shape.
fn parse_relative(value: &str, now: DateTime<Utc>) -> Option<Result<DateTime<Utc>, String>> {
    let (ahead, rest) = match value.as_bytes().first()? {
        b'+' => (true, &value[1..]),
        b'-' => (false, &value[1..]),
        _ => (false, value),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        parse_datetime("2026-06-15T12:00:00Z").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        parse_datetime(s).unwrap()
    }

    fn ok(input: &str) -> Filter {
        let parsed = parse(input, now());
        assert!(parsed.errors.is_empty(), "{input}: {:?}", parsed.errors);
        parsed.filter
    }

    fn error(input: &str) -> FilterError {
        let parsed = parse(input, now());
        assert_eq!(parsed.errors.len(), 1, "{input}: {:?}", parsed.errors);
        parsed.errors[0].clone()
    }

    fn reason(input: &str) -> String {
        error(input).reason
    }

    fn row() -> ReferralRow {
        ReferralRow {
            id: "r1".into(),
            name: "Contoso supply chain".into(),
            customer: "Contoso Ltd".into(),
            status: Status::New,
            substatus: Substatus::Pending,
            referral_type: Some(ReferralType::Shared),
            direction: Some(Direction::Incoming),
            qualification: Some(Qualification::SalesQualified),
            sales_stage: Some(SalesStage::Develop),
            registration_status: Some(RegistrationStatus::Approved),
            deal_value: Some(60_000.0),
            currency: "USD".into(),
            country: "US".into(),
            closing: Some(at("2026-12-31T10:00:00Z")),
            created: Some(at("2026-01-10T00:00:00Z")),
            updated: Some(at("2026-06-10T00:00:00Z")),
            favorite: true,
            search_text: "wants a demo of the warehouse module\nAnn Lee\nann@contoso.com".into(),
            marketo: MarketoBadge::Missing,
            ..ReferralRow::default()
        }
    }

    fn keeps(input: &str, row: &ReferralRow) -> bool {
        ok(input).matches_row(row, &mut Matcher::default())
    }

    fn odata(input: &str) -> Option<String> {
        ok(input).to_odata()
    }

    #[test]
    fn every_exact_token_matches_its_field() {
        let r = row();
        for input in [
            "status:new",
            "sub:pending",
            "type:shared",
            "dir:incoming",
            "qual:sales",
            "stage:develop",
            "reg:approved",
            "mkto:missing",
            "cur:usd",
            "country:us",
            "value>50000",
            "value<=1e6",
            "close<2027-01-01",
            "updated>7d",
            "created<2026-02-01",
            "fav",
        ] {
            assert!(keeps(input, &r), "{input} should keep the row");
        }
        for input in [
            "status:active",
            "sub:won",
            "type:independent",
            "dir:outgoing",
            "qual:mark",
            "stage:propose",
            "reg:failed",
            "mkto:synced",
            "cur:eur",
            "country:de",
            "value>60000",
            "value<1e3",
            "close<2026-12-31",
            "updated>2d",
            "created>2026-02-01",
            "-fav",
        ] {
            assert!(!keeps(input, &r), "{input} should drop the row");
        }
    }

    #[test]
    fn keys_and_values_ignore_case_and_take_aliases() {
        let r = row();
        for input in [
            "STATUS:NEW",
            "Substatus:Pending",
            "direction:IN",
            "qualification:salesqualified",
            "salesstage:dev",
            "registration:appr",
            "marketo:miss",
            "currency:Usd",
            "closing>=2026-12-31",
            "favorite",
            "status=new",
            "value=60k",
            "value:60000",
        ] {
            assert!(keeps(input, &r), "{input}");
        }
    }

    #[test]
    fn enum_values_resolve_by_unique_prefix_then_substring() {
        let one = |input: &str| match &ok(input).terms[0].cond {
            Cond::OneOf { values, .. } => values.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(one("qual:sales"), ["SalesQualified"]);
        assert_eq!(one("qual:mark"), ["MarketingQualified"]);
        assert_eq!(one("qual:none"), ["None"]);
        assert_eq!(one("sub:pend"), ["Pending"]);
        assert_eq!(one("sub:clin"), ["Declined"]);
        assert_eq!(one("reg:action"), ["ActionRequired"]);
        assert_eq!(one("status:n"), ["New"]);
        assert_eq!(one("mkto:part"), ["partial"]);
        assert_eq!(one("status:new,active"), ["New", "Active"]);
        assert_eq!(one("status:new,,new,"), ["New"]);
    }

    #[test]
    fn comma_lists_are_or() {
        let mut r = row();
        assert!(keeps("status:active,new", &r));
        r.status = Status::Closed;
        assert!(!keeps("status:active,new", &r));
        assert!(keeps("-status:active,new", &r));
        assert!(keeps("cur:eur,usd", &r));
    }

    #[test]
    fn error_messages_name_the_fix() {
        assert_eq!(
            reason("status:neww"),
            "`status:neww`: unknown status `neww`; use new, active, closed"
        );
        assert_eq!(
            reason("qual:qualified"),
            "`qual:qualified`: `qualified` could be any qualification of marketingqualified, salesqualified; type more of it"
        );
        assert_eq!(
            reason("sub:ed"),
            "`sub:ed`: `ed` could be any substatus of received, accepted, declined, expired; type more of it"
        );
        assert_eq!(
            reason("stauts:new"),
            format!(
                "`stauts:new`: unknown filter key `stauts`; use one of {KEY_HINT}, or put the text in quotes to search it"
            )
        );
        assert_eq!(
            reason("status>new"),
            "`status>new`: status is matched with `:`; write status:new"
        );
        assert_eq!(
            reason("type:"),
            "`type:`: give a type after the colon; use independent, shared"
        );
        assert_eq!(
            reason("dir:sideways"),
            "`dir:sideways`: unknown direction `sideways`; use incoming, outgoing"
        );
        assert_eq!(
            reason("stage:x"),
            "`stage:x`: unknown sales stage `x`; use qualify, develop, propose, close"
        );
        assert_eq!(
            reason("reg:zz"),
            "`reg:zz`: unknown registration status `zz`; use none, reviewpending, actionrequired, passed, failed, approved"
        );
        assert_eq!(
            reason("mkto:gone"),
            "`mkto:gone`: unknown Marketo badge `gone`; use unknown, synced, partial, missing"
        );
        assert_eq!(
            reason("cur:us"),
            "`cur:us`: unknown currency `us`; write an ISO 4217 code such as usd, eur or gbp"
        );
        assert_eq!(
            reason("country:usa"),
            "`country:usa`: unknown country `usa`; write an ISO 3166 two-letter code such as us, gb or de"
        );
        assert_eq!(
            reason("fav:yes"),
            "`fav:yes`: `fav` takes no value; write fav for favourites, -fav for the others"
        );
        assert_eq!(
            reason("value>"),
            "`value>`: give an amount after `>`, e.g. value>50000, value>=50k or value<=1.5m"
        );
        assert_eq!(
            reason("value>lots"),
            "`value>lots`: `lots` is not an amount; write digits with an optional k or m, e.g. 50000, 50k, 1.5m"
        );
        assert_eq!(
            reason("close<"),
            format!("`close<`: give a date after `close<`; {DATE_HINT}")
        );
        assert_eq!(
            reason("close<soon"),
            format!("`close<soon`: `soon` is not a date; {DATE_HINT}")
        );
        assert_eq!(
            reason("updated:7d"),
            "`updated:7d`: a relative date is compared with > or <, e.g. updated>7d (within the last 7 days) or updated<+30d"
        );
        assert_eq!(
            reason("updated>99999999999999y"),
            "`updated>99999999999999y`: `99999999999999y` is too far from today; use a smaller amount"
        );
        for bad in [
            "value>inf",
            "value>nan",
            "value>1e999",
            "value>k",
            "value>--5",
        ] {
            assert!(reason(bad).contains("is not an amount"), "{bad}");
        }
    }

    #[test]
    fn errors_carry_the_token_span_and_keep_the_good_part() {
        let input = "contoso  -status:neww value>5";
        let parsed = parse(input, now());
        assert_eq!(parsed.errors.len(), 1);
        let e = &parsed.errors[0];
        assert_eq!(e.span, 9..21);
        assert_eq!(&input[e.span.clone()], "-status:neww");
        assert_eq!(e.token, "-status:neww");
        assert_eq!(e.to_string(), e.reason);
        assert_eq!(parsed.filter.words.len(), 1);
        assert_eq!(parsed.filter.terms.len(), 1);
        assert!(!parsed.is_ok());
    }

    #[test]
    fn negation_inverts_any_token() {
        let mut r = row();
        assert!(!keeps("-status:new", &r));
        assert!(keeps("-status:closed", &r));
        assert!(!keeps("-value>50000", &r));
        r.deal_value = None;
        // A missing value fails the comparison, so its negation keeps the row.
        assert!(!keeps("value>5", &r));
        assert!(keeps("-value>5", &r));
        r.favorite = false;
        assert!(keeps("-fav", &r));
        assert!(keeps("-type:independent", &r));
        r.referral_type = None;
        assert!(!keeps("type:shared", &r));
        assert!(keeps("-type:shared", &r));
    }

    #[test]
    fn amounts_take_suffixes_separators_and_exponents() {
        let value = |input: &str| match ok(input).terms[0].cond {
            Cond::Value(i) => i,
            ref other => panic!("{other:?}"),
        };
        let lo = |input: &str| value(input).lo.unwrap().at;
        assert_eq!(lo("value>50k"), 50_000.0);
        assert_eq!(lo("value>1.5M"), 1_500_000.0);
        assert_eq!(lo("value>100_000"), 100_000.0);
        assert_eq!(lo("value>50,000"), 50_000.0);
        assert_eq!(lo("value>=1e6"), 1_000_000.0);
        assert_eq!(lo("value>.5"), 0.5);
        assert!(value("value>=5").lo.unwrap().inclusive);
        assert!(!value("value>5").lo.unwrap().inclusive);
        let eq = value("value=5");
        assert_eq!(eq.lo, eq.hi);
    }

    #[test]
    fn dates_absolute_are_whole_days_and_timestamps_are_instants() {
        let mut r = row();
        r.closing = Some(at("2026-12-31T10:00:00Z"));
        assert!(!keeps("close<2026-12-31", &r));
        assert!(keeps("close<=2026-12-31", &r));
        assert!(keeps("close=2026-12-31", &r));
        assert!(keeps("close:2026-12-31", &r));
        assert!(keeps("close>=2026-12-31", &r));
        assert!(!keeps("close>2026-12-31", &r));
        assert!(keeps("close>2026-12-30", &r));
        assert!(keeps("close<2026-12-31T10:00:01Z", &r));
        assert!(!keeps("close<2026-12-31T10:00:00Z", &r));
        assert!(keeps("close<=2026-12-31T11:00:00+01:00", &r));
        assert!(keeps("close=2026-12-31T10:00:00Z", &r));
    }

    #[test]
    fn relative_dates_count_back_from_now_and_plus_counts_ahead() {
        let lo = |input: &str| match &ok(input).terms[0].cond {
            Cond::Date { interval, .. } => interval.lo.unwrap().at,
            other => panic!("{other:?}"),
        };
        let hi = |input: &str| match &ok(input).terms[0].cond {
            Cond::Date { interval, .. } => interval.hi.unwrap().at,
            other => panic!("{other:?}"),
        };
        assert_eq!(lo("updated>7d"), at("2026-06-08T12:00:00Z"));
        assert_eq!(lo("updated>-7d"), at("2026-06-08T12:00:00Z"));
        assert_eq!(lo("updated>2w"), at("2026-06-01T12:00:00Z"));
        assert_eq!(lo("updated>12h"), at("2026-06-15T00:00:00Z"));
        assert_eq!(lo("updated>3m"), at("2026-03-17T12:00:00Z"));
        assert_eq!(lo("updated>1y"), at("2025-06-15T12:00:00Z"));
        assert_eq!(lo("created>=7D"), at("2026-06-08T12:00:00Z"));
        assert_eq!(hi("close<+30d"), at("2026-07-15T12:00:00Z"));
        assert_eq!(hi("close<today"), at("2026-06-15T00:00:00Z"));
        assert_eq!(hi("close<=today"), at("2026-06-16T00:00:00Z"));
        assert_eq!(hi("close<yesterday"), at("2026-06-14T00:00:00Z"));
        assert_eq!(lo("close>tomorrow"), at("2026-06-17T00:00:00Z"));

        // `now` is truncated to whole seconds.
        let precise = now() + TimeDelta::milliseconds(750);
        let f = parse("updated>7d", precise).filter;
        assert_eq!(f, ok("updated>7d"));

        let mut r = row();
        r.updated = Some(at("2026-06-10T00:00:00Z"));
        assert!(keeps("updated>7d", &r));
        assert!(!keeps("updated<7d", &r));
        r.closing = Some(at("2026-07-01T00:00:00Z"));
        assert!(keeps("close<+30d", &r));
        assert!(!keeps("close>+30d", &r));
    }

    #[test]
    fn free_words_are_fuzzy_and_all_must_match() {
        let r = row();
        assert!(keeps("contoso", &r));
        assert!(keeps("CONTOSO", &r));
        assert!(keeps("cntso", &r));
        assert!(keeps("sply chn", &r));
        assert!(keeps("ltd", &r));
        assert!(keeps("warehouse", &r));
        assert!(keeps("ann@contoso", &r));
        assert!(!keeps("contoso fabrikam", &r));
        assert!(!keeps("zzz", &r));
        // Letters are not gathered across fields.
        assert!(!keeps("ltdwants", &r));
        assert!(!keeps("ltdsupply", &r));
    }

    #[test]
    fn notes_and_contacts_match_as_substrings() {
        let r = row();
        assert!(keeps("ann", &r));
        assert!(keeps("Lee", &r));
        assert!(keeps("contoso.com", &r));
        assert!(keeps("demo", &r));
        // Not fuzzy there: the letters must be together.
        assert!(!keeps("annlee", &r));
        assert!(!keeps("wrhouse", &r));
        let mut m = Matcher::default();
        // A word found only there ranks below one found in the name.
        let in_name = ok("supply").score_row(&r, &mut m).unwrap();
        let in_notes = ok("warehouse").score_row(&r, &mut m).unwrap();
        assert!(in_notes < in_name, "{in_notes} {in_name}");
    }

    #[test]
    fn phrases_are_literal_substrings() {
        let r = row();
        assert!(keeps("\"supply chain\"", &r));
        assert!(keeps("\"SUPPLY CH\"", &r));
        assert!(!keeps("\"supply  chain\"", &r));
        assert!(!keeps("\"sply chn\"", &r));
        // An unclosed quote runs to the end.
        assert!(keeps("\"supply ch", &r));
        assert!(ok("\"supply ch").words[0].kind == WordKind::Phrase);
        // An empty phrase or a lone `-` says nothing.
        assert!(ok("\"\" - -\"\"").is_empty());
    }

    #[test]
    fn negated_words_exclude_by_substring() {
        let r = row();
        assert!(!keeps("-contoso", &r));
        assert!(!keeps("-\"supply chain\"", &r));
        assert!(!keeps("-ann", &r));
        // Not fuzzy: scattered letters do not exclude.
        assert!(keeps("-cntso", &r));
        assert!(keeps("contoso -fabrikam", &r));
    }

    #[test]
    fn accents_fold_unless_the_word_has_them() {
        let mut r = row();
        r.customer = "Société Générale".into();
        assert!(keeps("societe", &r));
        assert!(keeps("société", &r));
        assert!(keeps("SOCIÉTÉ", &r));
        r.customer = "Societe".into();
        assert!(!keeps("société", &r));
    }

    #[test]
    fn words_that_look_like_tokens() {
        // Not a key (digits, empty, or no letters before the operator): a free word.
        for input in ["10:30", ":", "a1:b", "<", ">=5", "=", "value", "status"] {
            let f = ok(input);
            assert_eq!(f.words.len(), 1, "{input}");
            assert!(f.terms.is_empty(), "{input}");
        }
        // Quoted, it is searched literally.
        assert_eq!(ok("\"https://x\"").words[0].text, "https://x");
        assert_eq!(ok("\"fav\"").words[0].text, "fav");
        assert!(reason("https://x").contains("unknown filter key `https`"));
    }

    #[test]
    fn odata_strings_follow_the_spec_grammar() {
        let cases = [
            ("status:new", "status eq 'New'"),
            ("sub:pending", "substatus eq 'Pending'"),
            ("type:shared", "type eq 'Shared'"),
            ("dir:incoming", "direction eq 'Incoming'"),
            ("qual:sales", "qualification eq 'SalesQualified'"),
            ("stage:develop", "salesStage eq 'Develop'"),
            ("reg:approved", "registrationStatus eq 'Approved'"),
            ("value>50000", "details/dealValue gt 50000"),
            ("value>=50k", "details/dealValue ge 50000"),
            ("value<=1e6", "details/dealValue le 1000000"),
            ("value<2.5", "details/dealValue lt 2.5"),
            ("value=7", "details/dealValue eq 7"),
            ("cur:usd", "details/currency eq 'USD'"),
            ("country:us", "customerProfile/address/country eq 'US'"),
            (
                "close<2026-12-31",
                "details/closingDateTime lt 2026-12-31T00:00:00Z",
            ),
            (
                "close<=2026-12-31",
                "details/closingDateTime lt 2027-01-01T00:00:00Z",
            ),
            (
                "close>2026-12-31",
                "details/closingDateTime ge 2027-01-01T00:00:00Z",
            ),
            (
                "close=2026-12-31",
                "(details/closingDateTime ge 2026-12-31T00:00:00Z and details/closingDateTime lt 2027-01-01T00:00:00Z)",
            ),
            ("updated>7d", "updatedDateTime gt 2026-06-08T12:00:00Z"),
            (
                "created<2026-01-01T08:30:00Z",
                "createdDateTime lt 2026-01-01T08:30:00Z",
            ),
            ("fav", "favorite eq true"),
            ("-fav", "not (favorite eq true)"),
            ("-status:closed", "not (status eq 'Closed')"),
            (
                "status:new,active",
                "(status eq 'New' or status eq 'Active')",
            ),
            (
                "-status:new,active",
                "not (status eq 'New' or status eq 'Active')",
            ),
            (
                "-close=2026-12-31",
                "not (details/closingDateTime ge 2026-12-31T00:00:00Z and details/closingDateTime lt 2027-01-01T00:00:00Z)",
            ),
            (
                "status:new contoso value>10000 mkto:missing -\"x\"",
                "status eq 'New' and details/dealValue gt 10000",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(odata(input).as_deref(), Some(expected), "{input}");
        }
        assert_eq!(odata("contoso mkto:missing -fabrikam"), None);
        assert_eq!(odata(""), None);
    }

    #[test]
    fn odata_string_literals_double_quotes() {
        assert_eq!(odata_string_literal("O'Brien"), "'O''Brien'");
        assert_eq!(odata_string_literal(""), "''");
        assert_eq!(odata_string_literal("''"), "''''''");
    }

    #[test]
    fn highlight_gives_char_indices_of_positive_words() {
        let f = ok("sply -contoso");
        let mut m = Matcher::default();
        assert_eq!(
            f.highlight("Contoso supply chain", &mut m),
            vec![8, 11, 12, 13]
        );
        assert!(f.highlight("Fabrikam", &mut m).is_empty());
        let f = ok("société");
        assert_eq!(
            f.highlight("Grande Société", &mut m),
            vec![7, 8, 9, 10, 11, 12, 13]
        );
        let f = ok("\"ly ch\" con");
        assert_eq!(
            f.highlight("Contoso supply chain", &mut m),
            vec![0, 1, 2, 12, 13, 14, 15, 16]
        );
        assert!(ok("status:new").highlight("anything", &mut m).is_empty());
    }

    #[test]
    fn byte_ranges_merge_adjacent_chars() {
        assert_eq!(
            byte_ranges("Contoso supply", &[0, 1, 2, 8]),
            vec![0..3, 8..9]
        );
        assert_eq!(byte_ranges("Société", &[3, 4, 5]), vec![3..7]);
        assert_eq!(byte_ranges("ab", &[1, 1, 5]), vec![1..2]);
        assert!(byte_ranges("", &[0]).is_empty());
        let f = ok("sply");
        let text = "Contoso supply chain";
        let spans = byte_ranges(text, &f.highlight(text, &mut Matcher::default()));
        let lit: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(lit, ["s", "ply"]);
    }

    #[test]
    fn find_byte_ignores_ascii_case_only() {
        let hay = b"xxxxxxxxxxxxA@`a1";
        assert_eq!(find_byte(hay, b'a'), Some(12));
        assert_eq!(find_byte(&hay[13..], b'a'), Some(2));
        assert_eq!(find_byte(hay, b'@'), Some(13));
        assert_eq!(find_byte(hay, b'`'), Some(14));
        assert_eq!(find_byte(hay, b'1'), Some(16));
        assert_eq!(find_byte(hay, b'z'), None);
        assert_eq!(find_byte(b"", b'a'), None);
        for (i, c) in (0u8..128).enumerate() {
            let mut hay = vec![b' '; 20];
            hay[i % 20] = c;
            let want = c.to_ascii_lowercase();
            assert_eq!(
                find_byte(&hay, want),
                hay.iter().position(|h| h.to_ascii_lowercase() == want)
            );
        }
    }

    #[test]
    fn score_prefers_better_matches() {
        let f = ok("supply");
        let mut m = Matcher::default();
        let mut tight = row();
        tight.name = "Supply deal".into();
        let mut loose = row();
        loose.name = "Sales up play by ladder".into();
        loose.customer = String::new();
        loose.search_text = String::new();
        let (a, b) = (f.score_row(&tight, &mut m), f.score_row(&loose, &mut m));
        assert!(a.unwrap() > b.unwrap(), "{a:?} {b:?}");
        assert_eq!(ok("status:new").score_row(&tight, &mut m), Some(0));
    }

    #[test]
    fn refinement_is_detected_for_typing_and_added_tokens() {
        let refines = |new: &str, old: &str| ok(new).refines(&ok(old));
        assert!(refines("co", "c"));
        assert!(refines("contoso", "ntos"));
        assert!(refines("contoso status:new", "contoso"));
        assert!(refines("status:new contoso", "contoso"));
        assert!(refines("\"supply c\"", "\"supply \""));
        assert!(refines("\"supply\"", "upp"));
        assert!(refines("value>60000", "value>50000"));
        assert!(!refines("value>=50000", "value>50000"));
        assert!(refines("value>50000", "value>=50000"));
        assert!(refines("status:new", "status:new,active"));
        assert!(refines("-status:new,active", "-status:new"));
        assert!(refines("contoso -x", "contoso"));
        assert!(refines("-ab", "-abc"));
        assert!(refines("anything", ""));
        assert!(refines("same words", "same words"));

        assert!(!refines("c", "co"));
        assert!(!refines("cx", "co"));
        assert!(!refines("spl", "\"supply\""));
        // Notes match as substrings: `chain` may be in the notes where `ca` is not.
        assert!(!refines("chain", "ca"));
        assert!(!refines("contoso", "cnso"));
        assert!(!refines("-abc", "-ab"));
        assert!(!refines("status:active", "status:new"));
        assert!(!refines("-status:new", "-status:new,active"));
        assert!(!refines("value>40000", "value>50000"));
        assert!(!refines("", "x"));
        assert!(!refines("-x", "x"));
        assert!(!refines("updated>8d", "updated>7d"));
        assert!(refines("updated>6d", "updated>7d"));
    }

    #[test]
    fn spans_are_byte_ranges_even_after_unicode() {
        let input = "héllo  wörld status:nope";
        let e = error(input);
        assert_eq!(&input[e.span.clone()], "status:nope");
        let f = parse(input, now()).filter;
        assert_eq!(&input[f.words[1].span.clone()], "wörld");
    }

    #[test]
    fn folding_keeps_every_match() {
        // A haystack character `c` matches a needle character `n` when nucleo's folding of `c`
        // (lower case, after removing accents unless the needle has accents) equals `n`. Row
        // signatures and folded texts assume `c` then folds to `n` whenever `n` is ASCII.
        use nucleo_matcher::chars::{normalize, to_lower_case};
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            for n in [to_lower_case(c), to_lower_case(normalize(c))] {
                if n.is_ascii() {
                    let folded = fold_char(c).to_ascii_lowercase();
                    assert_eq!(folded, n as u8, "{c:?} matches {n:?}");
                }
            }
        }
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for input in [
            "",
            " ",
            "-",
            "--",
            "---x",
            "\"",
            "\"\"\"",
            "-\"",
            ":",
            "::",
            "a:",
            "value",
            "value>>5",
            "value=>5",
            "close<<today",
            "é:x",
            "ü<5",
            "status:é",
            "cur:€",
            "value>٣",
            "updated>5ü",
            "updated>+",
            "updated>-",
            "updated>d",
            "updated>5",
            "close<9999999-01-01",
            "close<+999999999999999999999d",
            "\u{0}",
            "status:,",
            "\u{200b}",
        ] {
            let _ = parse(input, now());
        }
    }
}
