//! Block postings of letter pairs: which blocks of 64 rows may hold a word, so a full scan
//! reads only those blocks.
//!
//! A free word matches the name or the customer as a subsequence (fuzzy, letters in order with
//! gaps; a phrase as a substring, which is a subsequence too) or the notes/contacts as a
//! substring. So, for the letters and digits of its needle `c1 c2 … ck` (other characters
//! dropped), a row that matches it has
//! - every pair `(ci, ci+1)` in order (not necessarily adjacent) within its name or its
//!   customer — the *ordered pairs* of those fields, or
//! - every pair of adjacent needle letters adjacent in its notes — the *adjacent pairs* of the
//!   notes.
//!
//! Both sets are kept per block of 64 rows as one bit per pair and block (set when any row of
//! the block has the pair). A block can hold a hit only when all the word's ordered pairs are
//! set, or all its adjacent pairs are; a row's pairs are read from the same folded texts the
//! match reads (see `fold_ascii`: a haystack character an ASCII needle character matches folds
//! to that character), so a block with a hit is never ruled out. Bits are only ever set: a
//! replaced row leaves its old pairs behind, which can only keep a block that need not be read
//! (never drop one that must). Words of one letter, and words without two adjacent letters for
//! the notes, rule nothing out.
//!
//! Memory: 2 × 36 × 36 bits per 64 rows, about 5 MB for 1,000,000 rows.

/// Letters and digits: the classes pairs are made of.
const CLASSES: usize = 36;
const PAIRS: usize = CLASSES * CLASSES;
/// Rows per block (one bit).
const BLOCK: usize = 64;
/// Blocks per group (one `u64` per pair).
const GROUP: usize = 64;

/// The pairs of every block (see the module docs).
#[derive(Clone, Default)]
pub(super) struct Grams {
    /// Per group of 64 blocks: the ordered pairs of names and customers (`PAIRS` words), then
    /// the adjacent pairs of the notes (`PAIRS` words); bit `b` of a word is block `b`.
    groups: Vec<Box<[u64; 2 * PAIRS]>>,
}

/// What a word asks of a block.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct WordPairs {
    ordered: Vec<u16>,
    adjacent: Vec<u16>,
}

impl WordPairs {
    /// The pairs of a needle (its characters lower case, as the matcher compares them).
    pub(super) fn of_needle(needle: impl Iterator<Item = char>) -> WordPairs {
        let mut pairs = WordPairs::default();
        let (mut last, mut prev) = (None, None);
        for c in needle {
            let class = u8::try_from(c).ok().and_then(class_of);
            match class {
                Some(k) => {
                    if let Some(a) = last {
                        pairs.ordered.push(pair(a, k));
                    }
                    if let Some(a) = prev {
                        pairs.adjacent.push(pair(a, k));
                    }
                    last = Some(k);
                    prev = Some(k);
                }
                None => prev = None,
            }
        }
        pairs.ordered.sort_unstable();
        pairs.ordered.dedup();
        pairs.adjacent.sort_unstable();
        pairs.adjacent.dedup();
        pairs
    }

    /// True when the word rules no block out (fewer than two letters).
    pub(super) fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }
}

impl Grams {
    /// Records the pairs of row `i` from its folded name, customer and notes.
    pub(super) fn add(&mut self, i: usize, name: &[u8], customer: &[u8], text: &[u8]) {
        let (group, bit) = (i / (BLOCK * GROUP), (i / BLOCK) % GROUP);
        while self.groups.len() <= group {
            self.groups.push(Box::new([0; 2 * PAIRS]));
        }
        let words = &mut self.groups[group];
        let mark = 1u64 << bit;
        for field in [name, customer] {
            // Pairs in order: for each letter, every letter seen before it.
            let mut seen = 0u64;
            for k in field.iter().filter_map(|&b| class_of(b)) {
                let mut before = seen;
                while before != 0 {
                    let a = before.trailing_zeros() as u8;
                    words[usize::from(pair(a, k))] |= mark;
                    before &= before - 1;
                }
                seen |= 1 << k;
            }
        }
        for w in text.windows(2) {
            if let (Some(a), Some(b)) = (class_of(w[0]), class_of(w[1])) {
                words[PAIRS + usize::from(pair(a, b))] |= mark;
            }
        }
    }

    /// Row indices below `rows` in the blocks that may hold a row matching every word, or
    /// `None` when the words rule out too little to be worth it (a plain scan is cheaper).
    pub(super) fn candidates(&self, words: &[WordPairs], rows: usize) -> Option<Vec<u32>> {
        let words: Vec<&WordPairs> = words.iter().filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return None;
        }
        let blocks = rows.div_ceil(BLOCK);
        let mut keep: Vec<u64> = Vec::with_capacity(blocks.div_ceil(GROUP));
        for group in self.groups.iter().take(blocks.div_ceil(GROUP)) {
            let mut all = u64::MAX;
            for w in &words {
                let ordered = w
                    .ordered
                    .iter()
                    .fold(u64::MAX, |acc, &p| acc & group[usize::from(p)]);
                let adjacent = w
                    .adjacent
                    .iter()
                    .fold(u64::MAX, |acc, &p| acc & group[PAIRS + usize::from(p)]);
                // Without adjacent pairs the notes are not ruled out.
                all &= ordered | adjacent;
            }
            keep.push(all);
        }
        let kept: usize = keep.iter().map(|w| w.count_ones() as usize).sum();
        if kept * 10 > blocks * 7 {
            return None;
        }
        let mut out = Vec::with_capacity(kept * BLOCK);
        for (g, &word) in keep.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let block = g * GROUP + word.trailing_zeros() as usize;
                let lo = block * BLOCK;
                let hi = (lo + BLOCK).min(rows);
                out.extend(lo as u32..hi.max(lo) as u32);
                word &= word - 1;
            }
        }
        Some(out)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.groups.capacity() * std::mem::size_of::<usize>()
            + self.groups.len() * 2 * PAIRS * std::mem::size_of::<u64>()
    }
}

/// The class of a folded byte: letters (either case) and digits; `None` for the rest.
fn class_of(b: u8) -> Option<u8> {
    match b.to_ascii_lowercase() {
        c @ b'a'..=b'z' => Some(c - b'a'),
        c @ b'0'..=b'9' => Some(26 + c - b'0'),
        _ => None,
    }
}

fn pair(a: u8, b: u8) -> u16 {
    u16::from(a) * CLASSES as u16 + u16::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str) -> WordPairs {
        WordPairs::of_needle(s.chars())
    }

    fn grams(rows: &[(&str, &str)]) -> Grams {
        let mut g = Grams::default();
        for (i, (name, notes)) in rows.iter().enumerate() {
            g.add(i, name.as_bytes(), b"", notes.as_bytes());
        }
        g
    }

    #[test]
    fn needles_give_ordered_and_adjacent_pairs() {
        let w = word("ab-c");
        assert_eq!(w.ordered, vec![pair(0, 1), pair(1, 2)]);
        assert_eq!(w.adjacent, vec![pair(0, 1)]);
        assert!(word("a").is_empty());
        assert!(word("é").is_empty());
    }

    #[test]
    fn only_blocks_that_may_hold_the_word_are_read() {
        // Blocks: alpha, beta with the letters of "alp" far apart, beta with "alp" in the
        // notes, then beta (the letters of "alp" apart in the notes) five times.
        let mut rows = vec![("alpha", ""); 64];
        rows.extend(vec![("beta", ""); 63]);
        rows.push(("a-x-l-x-p", ""));
        rows.extend(vec![("beta", "xalpx"); 64]);
        rows.extend(vec![("beta", "a l p"); 64 * 5]);
        let g = grams(&rows);
        let kept = g.candidates(&[word("alp")], rows.len()).unwrap();
        let expected: Vec<u32> = (0..192).collect();
        assert_eq!(kept, expected);
        // Two words: both must be possible in the block.
        let kept = g
            .candidates(&[word("alp"), word("bet")], rows.len())
            .unwrap();
        assert_eq!(kept, (64..192).collect::<Vec<u32>>());
        // Nothing to rule out with one letter, or when most blocks stay.
        assert_eq!(g.candidates(&[word("a")], rows.len()), None);
        assert_eq!(g.candidates(&[word("bt")], rows.len()), None);
        // A block is kept as long as a row of it had the pair, even after that row changed.
        let mut g = g;
        g.add(255, b"zzq", b"", b"");
        g.add(255, b"beta", b"", b"");
        assert_eq!(
            g.candidates(&[word("zq")], rows.len()).unwrap(),
            (192..256).collect::<Vec<u32>>()
        );
    }
}
