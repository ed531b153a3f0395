//! Linked referrals shown together: a Microsoft copy of a shared referral (see
//! [`ReferralRow::microsoft`]) moves right under the other referrals of its engagement, the
//! group at the place of its first row in the sort order. Hits of engagements without a
//! visible copy keep their place.
//!
//! This runs after every search, on the search thread, over every hit (all rows for a one-letter
//! query): each hit's engagement id is looked up once, and only when some hit is a copy.

use std::collections::HashMap;

use crate::domain::row::ReferralRow;

/// `hits` (row indices in display order) with linked referrals together.
pub fn group_linked(hits: &[u32], rows: &[ReferralRow]) -> Vec<u32> {
    let engagement = |h: u32| {
        rows.get(h as usize)
            .filter(|r| !r.engagement_id.is_empty())
            .map(|r| (r.engagement_id.as_str(), r.microsoft))
    };
    // The engagements with a visible copy, numbered.
    let mut group_of: HashMap<&str, u32> = HashMap::new();
    for &h in hits {
        if let Some((e, true)) = engagement(h) {
            let next = group_of.len() as u32;
            group_of.entry(e).or_insert(next);
        }
    }
    if group_of.is_empty() {
        return hits.to_vec();
    }
    // Each hit's group (one lookup per hit), and each group's partners then copies.
    let mut members: Vec<(Vec<u32>, Vec<u32>)> = vec![Default::default(); group_of.len()];
    let tags: Vec<Option<u32>> = hits
        .iter()
        .map(|&h| {
            let (e, ms) = engagement(h)?;
            let g = *group_of.get(e)?;
            let (partners, copies) = &mut members[g as usize];
            if ms {
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
        assert_eq!(group_linked(&[0, 1, 2, 3, 4], &rows), vec![2, 4, 0, 1, 3]);
        // Without the copy among the hits nothing moves.
        assert_eq!(group_linked(&[4, 1, 2, 3], &rows), vec![4, 1, 2, 3]);
    }
}
