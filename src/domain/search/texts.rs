//! The prepared texts of every row: name and customer as ASCII in one buffer, folded copies of
//! non-ASCII texts, and each row's signature.

use super::grams::Grams;
use crate::domain::filter::{Prepared, Sig, fold_ascii};
use crate::domain::row::ReferralRow;

/// What the index keeps to match free words fast (see the module docs): name and customer of
/// every row as ASCII, back to back in one buffer so a scan reads them in order; folded copies
/// of non-ASCII texts; and each row's [`Sig`].
#[derive(Clone)]
pub(super) struct Texts {
    /// Names and customers, ASCII or folded, in row order (rows updated later at the end).
    arena: Vec<u8>,
    /// Row `i`'s name is `arena[start..name_end]`, its customer `arena[name_end..end]`.
    spans: Vec<Span>,
    /// Per row: the folded text and which fields are not ASCII; `None` for an ASCII row.
    non_ascii: Vec<Option<Box<NonAscii>>>,
    sigs: Vec<Sig>,
    /// Which blocks of rows have which letter pairs.
    pub(super) grams: Grams,
    /// Bytes of `arena` no span points to any more.
    garbage: usize,
}

#[derive(Clone, Copy)]
struct Span {
    start: u32,
    name_end: u32,
    end: u32,
}

#[derive(Clone)]
struct NonAscii {
    text: Option<Box<[u8]>>,
    fields: [bool; 3],
}

impl Texts {
    pub(super) fn new(rows: &[ReferralRow]) -> Texts {
        let mut texts = Texts {
            arena: Vec::new(),
            spans: Vec::with_capacity(rows.len()),
            non_ascii: Vec::with_capacity(rows.len()),
            sigs: Vec::with_capacity(rows.len()),
            grams: Grams::default(),
            garbage: 0,
        };
        rows.iter().for_each(|row| texts.push(row));
        texts
    }

    /// Adds the texts of a new last row.
    pub(super) fn push(&mut self, row: &ReferralRow) {
        self.spans.push(Span {
            start: 0,
            name_end: 0,
            end: 0,
        });
        self.non_ascii.push(None);
        self.sigs.push(Sig::default());
        self.set(self.spans.len() - 1, row);
    }

    /// Replaces the texts of row `i`. The old name and customer stay in the buffer as garbage
    /// until it is more than half garbage, then it is rebuilt.
    pub(super) fn set(&mut self, i: usize, row: &ReferralRow) {
        let fields = [&row.name, &row.customer, &row.search_text];
        let non_ascii = fields.map(|f| !f.is_ascii());
        let folded = [0, 1, 2].map(|k| non_ascii[k].then(|| fold_ascii(fields[k])));
        let [name, customer, text] =
            [0, 1, 2].map(|k| folded[k].as_deref().unwrap_or(fields[k].as_bytes()));
        self.sigs[i] = Sig::of_row(name, customer, text);
        self.grams.add(i, name, customer, text);
        let old = self.spans[i];
        self.garbage += (old.end - old.start) as usize;
        let start = self.arena.len();
        self.arena.extend_from_slice(name);
        self.arena.extend_from_slice(customer);
        self.spans[i] = Span {
            start: offset(start),
            name_end: offset(start + name.len()),
            end: offset(self.arena.len()),
        };
        let [_, _, text] = folded;
        self.non_ascii[i] = non_ascii.contains(&true).then(|| {
            Box::new(NonAscii {
                text,
                fields: non_ascii,
            })
        });
        if self.garbage > self.arena.len() / 2 {
            self.compact();
        }
    }

    /// Rewrites the buffer in row order without garbage.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() / 2);
        for span in &mut self.spans {
            let start = arena.len();
            arena.extend_from_slice(&self.arena[span.start as usize..span.end as usize]);
            let name_len = (span.name_end - span.start) as usize;
            *span = Span {
                start: offset(start),
                name_end: offset(start + name_len),
                end: offset(arena.len()),
            };
        }
        self.arena = arena;
        self.garbage = 0;
    }

    pub(super) fn prepared(&self, i: usize) -> Prepared<'_> {
        let span = self.spans[i];
        let (name, customer) = (
            &self.arena[span.start as usize..span.name_end as usize],
            &self.arena[span.name_end as usize..span.end as usize],
        );
        let extra = self.non_ascii[i].as_deref();
        Prepared {
            primary: [name, customer],
            folded_text: extra.and_then(|e| e.text.as_deref()),
            non_ascii: extra.map_or([false; 3], |e| e.fields),
            sig: &self.sigs[i],
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        let extra: usize = self
            .non_ascii
            .iter()
            .flatten()
            .map(|e| std::mem::size_of::<NonAscii>() + e.text.as_ref().map_or(0, |t| t.len()))
            .sum();
        self.arena.capacity()
            + self.spans.capacity() * std::mem::size_of::<Span>()
            + self.non_ascii.capacity() * std::mem::size_of::<Option<Box<NonAscii>>>()
            + extra
            + self.sigs.capacity() * std::mem::size_of::<Sig>()
            + self.grams.heap_bytes()
    }
}

/// An offset into the name/customer buffer.
///
/// # Panics
/// Past 4 GiB of names and customers (some 80 million rows).
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("names and customers exceed 4 GiB")
}
