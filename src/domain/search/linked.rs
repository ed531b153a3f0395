//! Linked referrals shown together: a Microsoft copy of a shared referral (see
//! [`crate::domain::row::ReferralRow::microsoft`]) moves right under the other referrals of its engagement, the
//! group at the place of its first row in the sort order. Hits of engagements without a
//! visible copy keep their place.
//!
//! This runs after every search, on the search thread, over every hit (all rows for a one-letter
//! query), so it reads no row for most hits: the corpus keeps a bitmap of the rows whose
//! engagement has a Microsoft copy anywhere ([`Linked`], one bit per row, read in cache),
//! and only those rows' keys are read. A key is the first 8 bytes of the engagement id, a GUID
//! as Partner Center writes them, stored as 16 bytes in the packed record ([`link_key`]); a
//! search puts its Microsoft copies' keys into a small table and a bitmap, and a hit whose key
//! misses the bitmap is not looked up at all. A hit found in the table is checked against the group's engagement id, so two
//! engagements whose keys collide are never grouped together (the second is left in place).

use std::collections::{HashMap, HashSet};

use crate::domain::row::{PackedRows, RowId, RowRef};

/// A key of the row's engagement id: its first 8 bytes when a GUID, else a hash of the text;
/// 0 when it has none. Equal ids give equal keys (an id is a GUID or text by its text alone).
pub fn link_key(row: RowRef<'_>) -> u64 {
    match row.engagement_id() {
        RowId::Guid(g) => {
            let mut first = [0u8; 8];
            first.copy_from_slice(&g[..8]);
            u64::from_le_bytes(first) | 1
        }
        id => id.hash64(),
    }
}

/// Bits of the bitmap that rules out hits of engagements without a visible copy.
const BLOOM_BITS: usize = 1 << 20;

/// Which rows may be grouped with a Microsoft copy: bit `i` is set when row `i`'s engagement
/// key is that of some copy among the rows (a collision only sets a bit that need not be set).
#[derive(Clone, Default)]
pub struct Linked {
    pub bits: Vec<u64>,
    /// The keys of the Microsoft copies.
    copies: HashSet<u64>,
}

impl Linked {
    /// Works it out for every row.
    pub fn of(rows: &PackedRows) -> Linked {
        let copies: HashSet<u64> = rows
            .iter()
            .filter(|r| r.microsoft())
            .map(link_key)
            .filter(|&k| k != 0)
            .collect();
        let mut linked = Linked {
            bits: vec![0u64; rows.len().div_ceil(64)],
            copies,
        };
        if !linked.copies.is_empty() {
            for (i, row) in rows.iter().enumerate() {
                linked.set(i, row);
            }
        }
        linked
    }

    /// Updates the bits of rows that changed or were added, none of them a Microsoft copy
    /// before or after (else work it out afresh with [`Linked::of`]).
    pub fn update(&mut self, rows: &PackedRows, changed: &[u32]) {
        self.bits.resize(rows.len().div_ceil(64), 0);
        for &i in changed {
            if let Some(row) = rows.get(i as usize) {
                self.set(i as usize, row);
            }
        }
    }

    fn set(&mut self, i: usize, row: RowRef<'_>) {
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        if self.copies.contains(&link_key(row)) {
            self.bits[word] |= bit;
        } else {
            self.bits[word] &= !bit;
        }
    }

    /// The bytes it holds.
    pub fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8 + self.copies.capacity() * 16
    }
}

/// `hits` (row indices in display order) with linked referrals together; `linked` is
/// [`Linked::bits`] of `rows`.
pub fn group_linked(hits: &[u32], rows: &PackedRows, linked: &[u64]) -> Vec<u32> {
    let may_link = |h: u32| {
        linked
            .get(h as usize / 64)
            .is_some_and(|w| w & (1 << (h % 64)) != 0)
    };
    group_by_key(hits, rows, |h| {
        if may_link(h) {
            rows.get(h as usize).map_or(0, link_key)
        } else {
            0
        }
    })
}

/// [`group_linked`] with the key of each row given.
fn group_by_key(hits: &[u32], rows: &PackedRows, key: impl Fn(u32) -> u64) -> Vec<u32> {
    let is_copy = |h: u32| rows.get(h as usize).is_some_and(|r| r.microsoft());
    // The engagements with a visible copy: their number and one row of each (to check ids).
    let mut group_of: HashMap<u64, (u32, u32)> = HashMap::new();
    let mut bloom = Vec::new();
    for &h in hits {
        let k = key(h);
        if k != 0 && is_copy(h) {
            if bloom.is_empty() {
                bloom = vec![0u64; BLOOM_BITS / 64];
            }
            let bit = (k as usize) % BLOOM_BITS;
            bloom[bit / 64] |= 1 << (bit % 64);
            let next = group_of.len() as u32;
            group_of.entry(k).or_insert((next, h));
        }
    }
    if group_of.is_empty() {
        return hits.to_vec();
    }
    let same_engagement = |a: u32, b: u32| match (rows.get(a as usize), rows.get(b as usize)) {
        (Some(a), Some(b)) => a.engagement_id() == b.engagement_id(),
        _ => false,
    };
    // Each hit's group (at most one lookup per hit), and each group's partners then copies.
    let mut members: Vec<(Vec<u32>, Vec<u32>)> = vec![Default::default(); group_of.len()];
    let tags: Vec<Option<u32>> = hits
        .iter()
        .map(|&h| {
            let k = key(h);
            let bit = (k as usize) % BLOOM_BITS;
            if k == 0 || bloom[bit / 64] & (1 << (bit % 64)) == 0 {
                return None;
            }
            let &(g, first) = group_of.get(&k)?;
            if !same_engagement(first, h) {
                return None;
            }
            let (partners, copies) = &mut members[g as usize];
            if is_copy(h) {
                copies.push(h)
            } else {
                partners.push(h)
            }
            Some(g)
        })
        .collect();
    let mut placed = vec![false; members.len()];
    let mut out = Vec::with_capacity(hits.len());
    for (&h, tag) in hits.iter().zip(tags) {
        match tag {
            None => out.push(h),
            Some(g) if !placed[g as usize] => {
                placed[g as usize] = true;
                let (partners, copies) = &members[g as usize];
                out.extend(partners);
                out.extend(copies);
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::row::ReferralRow;

    fn row(id: &str, engagement: &str, microsoft: bool) -> ReferralRow {
        ReferralRow {
            id: id.into(),
            engagement_id: engagement.into(),
            microsoft,
            ..ReferralRow::default()
        }
    }

    #[test]
    fn a_copy_moves_under_its_partner_and_the_group_keeps_the_first_place() {
        let rows = vec![
            row("a", "e1", true),  // 0: copy of e1, first in the order
            row("b", "e2", false), // 1: no copy visible
            row("c", "e1", false), // 2: partner of e1
            row("d", "", false),   // 3: no engagement
            row("e", "e1", false), // 4: another partner of e1
        ];
        let rows = PackedRows::new(rows);
        let linked = Linked::of(&rows).bits;
        assert_eq!(linked, vec![0b10101], "the copy and its two partners");
        assert_eq!(
            group_linked(&[0, 1, 2, 3, 4], &rows, &linked),
            vec![2, 4, 0, 1, 3]
        );
        // Without the copy among the hits nothing moves.
        assert_eq!(
            group_linked(&[4, 1, 2, 3], &rows, &linked),
            vec![4, 1, 2, 3]
        );
    }

    #[test]
    fn engagements_whose_keys_collide_are_not_grouped_together() {
        let rows = vec![
            row("a", "e1", true),
            row("b", "e2", false),
            row("c", "e1", false),
        ];
        let rows = PackedRows::new(rows);
        // Give e2 the key of e1, as a collision would.
        let e1 = link_key(rows.get(0).unwrap());
        assert_eq!(group_by_key(&[0, 1, 2], &rows, |_| e1), vec![2, 0, 1]);
    }

    #[test]
    fn guid_engagements_are_keyed_by_their_bytes_and_text_ones_by_a_hash() {
        let guid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let rows = PackedRows::new(vec![row("a", guid, true), row("b", guid, false)]);
        let (a, b) = (rows.get(0).unwrap(), rows.get(1).unwrap());
        assert_eq!(link_key(a), link_key(b));
        assert_eq!(link_key(a), 0x9f46_cbd9_5bad_8f0f | 1);
        assert_eq!(
            group_linked(&[0, 1], &rows, &Linked::of(&rows).bits),
            vec![1, 0]
        );
        assert_eq!(link_key(RowRef::from(&row("c", "", false))), 0);
    }
}
