//! Matching free words against a row's texts: nucleo's folding of case and accents, the fast
//! ASCII paths, row signatures that rule rows out early, and highlight ranges.

use std::ops::Range;

use nucleo_matcher::pattern::AtomKind;
use nucleo_matcher::{Matcher, Utf32Str};

use super::{Word, WordKind};
use crate::domain::row::RowRef;

/// What a word's needle is made of, which decides the haystacks it is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Needle {
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
    pub row: RowRef<'a>,
    /// What the search index prepared for the row; `None` means nothing: non-ASCII fields are
    /// decoded for every word (the reference behaviour the index must agree with).
    pub prepared: Option<Prepared<'a>>,
}

/// What the search index keeps per row to match words fast.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prepared<'a> {
    /// Which of name, customer and text are not ASCII (they are folded, see [`fold_ascii`],
    /// when a word asks for them).
    pub non_ascii: [bool; 3],
    /// The row's [`Sig`].
    pub sig: &'a Sig,
}

/// Buffers a match reuses from row to row: decoded and folded text.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    chars: Vec<char>,
    bytes: Vec<u8>,
}

impl<'a> RowText<'a> {
    /// The texts of a row, nothing prepared.
    pub(crate) fn of(row: RowRef<'a>) -> RowText<'a> {
        RowText {
            row,
            prepared: None,
        }
    }

    fn field(&self, field: usize) -> &'a str {
        match field {
            NAME => self.row.name(),
            CUSTOMER => self.row.customer(),
            _ => self.row.search_text(),
        }
    }

    /// The haystack of one field for a needle; `None` when the field cannot match it (an ASCII
    /// field and a needle with other characters). Non-ASCII text is decoded, or for a
    /// foldable needle folded, into `scratch`.
    fn haystack<'b>(
        &'b self,
        field: usize,
        needle: Needle,
        scratch: &'b mut Scratch,
    ) -> Option<Utf32Str<'b>> {
        let text = self.field(field);
        let ascii_field = match self.prepared {
            Some(p) if needle == Needle::Foldable => {
                if !p.non_ascii[field] {
                    return Some(Utf32Str::Ascii(text.as_bytes()));
                }
                scratch.bytes.clear();
                fold_ascii_into(text, &mut scratch.bytes);
                return Some(Utf32Str::Ascii(&scratch.bytes));
            }
            Some(p) => !p.non_ascii[field],
            None => text.is_ascii(),
        };
        if ascii_field {
            return (needle != Needle::Other).then_some(Utf32Str::Ascii(text.as_bytes()));
        }
        scratch.chars.clear();
        scratch.chars.extend(text.chars());
        Some(Utf32Str::Unicode(&scratch.chars))
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
    pub(super) fn of_needle(needle: Utf32Str<'_>) -> Sig {
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
    pub(super) fn primary_admits(&self, word: &Sig) -> bool {
        self.primary & word.primary == word.primary
    }

    /// The text may have the word as a substring.
    pub(super) fn text_admits(&self, word: &Sig) -> bool {
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
pub(super) const UNMATCHABLE: u8 = 0x7f;

/// An ASCII copy of `text`, one byte per `char`, for matching ASCII needles fast and exactly as
/// against the decoded text: ASCII characters are kept; any other character becomes the ASCII
/// letter it matches under nucleo's folding (`é`, `É` → `e`; lower case after removing the
/// accent), or [`UNMATCHABLE`] when it matches none.
pub(crate) fn fold_ascii(text: &str) -> Box<[u8]> {
    text.chars().map(fold_char).collect()
}

/// [`fold_ascii`] appended to `out`.
pub(crate) fn fold_ascii_into(text: &str, out: &mut Vec<u8>) {
    out.extend(text.chars().map(fold_char));
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

/// Turns char indices of `text` (as [`Filter::highlight`](super::Filter::highlight) gives them)
/// into byte ranges, runs of adjacent characters merged, for building styled spans. Indices
/// past the end are ignored.
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

/// A `Utf32Str` over `s`, one element per `char` (so match indices are char indices). ASCII text
/// is borrowed; other text is decoded into `buf`.
pub(super) fn utf32<'a>(s: &'a str, buf: &'a mut Vec<char>) -> Utf32Str<'a> {
    if s.is_ascii() {
        Utf32Str::Ascii(s.as_bytes())
    } else {
        buf.clear();
        buf.extend(s.chars());
        Utf32Str::Unicode(buf)
    }
}

impl Word {
    /// The word's score in a row: its best score in the name and the customer; failing those,
    /// half its score as a substring of the notes/contacts text. `None` when it is in none of
    /// them. Without `best` only whether it matches counts and the score may be 0.
    pub(super) fn score(
        &self,
        row: &RowText<'_>,
        matcher: &mut Matcher,
        scratch: &mut Scratch,
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

    /// The needle's characters, lower case, as the matcher compares them.
    pub(crate) fn needle_chars(&self) -> impl Iterator<Item = char> + '_ {
        self.atom.needle_text().chars()
    }

    /// True when every row kept by this word is kept by `old`.
    pub(super) fn implies(&self, old: &Word) -> bool {
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
pub(super) fn find_substring(
    hay: Utf32Str<'_>,
    needle: Utf32Str<'_>,
    normalize: bool,
) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
