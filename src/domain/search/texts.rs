//! What the index keeps of every row's texts to match words fast: each row's signature, which
//! of its texts are not ASCII, and the letter pairs of each block of rows. The texts themselves
//! are read from the packed rows; non-ASCII ones are folded to ASCII as a candidate is checked.

use super::grams::Grams;
use crate::domain::filter::{Prepared, Sig, fold_ascii};
use crate::domain::row::{PackedRows, RowRef};

/// Per row: its [`Sig`] and which fields are not ASCII; per block: its pairs.
#[derive(Clone, Default)]
pub(super) struct Texts {
    sigs: Vec<Sig>,
    /// Bit `k` set: field `k` (name, customer, notes/contacts text) is not ASCII.
    non_ascii: Vec<u8>,
    /// Which blocks of rows have which letter pairs.
    pub(super) grams: Grams,
}

impl Texts {
    pub(super) fn new(rows: &PackedRows) -> Texts {
        let mut texts = Texts {
            sigs: Vec::with_capacity(rows.len()),
            non_ascii: Vec::with_capacity(rows.len()),
            grams: Grams::default(),
        };
        rows.iter().for_each(|row| texts.push(row));
        texts
    }

    /// Adds the texts of a new last row.
    pub(super) fn push(&mut self, row: RowRef<'_>) {
        self.sigs.push(Sig::default());
        self.non_ascii.push(0);
        self.set(self.sigs.len() - 1, row);
    }

    /// Replaces the texts of row `i`.
    pub(super) fn set(&mut self, i: usize, row: RowRef<'_>) {
        let fields = [row.name(), row.customer(), row.search_text()];
        let non_ascii = fields.map(|f| !f.is_ascii());
        let folded = [0, 1, 2].map(|k| non_ascii[k].then(|| fold_ascii(fields[k])));
        let [name, customer, text] =
            [0, 1, 2].map(|k| folded[k].as_deref().unwrap_or(fields[k].as_bytes()));
        self.sigs[i] = Sig::of_row(name, customer, text);
        self.grams.add(i, name, customer, text);
        self.non_ascii[i] = (0..3).filter(|&k| non_ascii[k]).map(|k| 1 << k).sum();
    }

    /// Row `i`'s signature.
    pub(super) fn sig(&self, i: usize) -> &Sig {
        &self.sigs[i]
    }

    /// What a match needs to know of row `i` (see [`Prepared`]).
    pub(super) fn prepared(&self, i: usize) -> Prepared<'_> {
        let bits = self.non_ascii[i];
        Prepared {
            non_ascii: [0, 1, 2].map(|k| bits & (1 << k) != 0),
            sig: &self.sigs[i],
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.sigs.capacity() * std::mem::size_of::<Sig>()
            + self.non_ascii.capacity()
            + self.grams.heap_bytes()
    }
}
