//! Marks for bulk triage: `Space` toggles the row under the cursor and moves down, `V` marks
//! the range from the last mark (or the cursor) to the cursor, `*` marks every visible row (and
//! again clears), `Esc` clears. Marks belong to referrals, not to positions: they survive
//! filtering and sorting, and a marked referral the filter hides stays marked.

use super::*;

/// The list's help for marks.
pub(super) const HELP: &[(KeyAction, &str)] = &[
    (KeyAction::Mark, "mark / unmark the row, then down"),
    (KeyAction::MarkRange, "mark from the last mark to here"),
    (KeyAction::MarkAll, "mark every visible row (again: clear)"),
    (
        KeyAction::UndoBatch,
        "undo the whole bulk action (while it waits)",
    ),
];

/// What the referral keys do while rows are marked, for the help.
pub(super) fn with_marks(keymap: &Keymap) -> String {
    format!(
        "with marks: {} accept · {} decline · {} favorite · {}/{} Marketo check/push act on the \
         marked rows (a preview first); {} clears the marks",
        keymap.short(KeyAction::Accept),
        keymap.short(KeyAction::Decline),
        keymap.short(KeyAction::Favorite),
        keymap.short(KeyAction::MarketoCheck),
        keymap.short(KeyAction::MarketoPush),
        keymap.short(KeyAction::Back),
    )
}

/// The referrals marked for a bulk action, and the last one marked (where `V` starts).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    ids: HashSet<String>,
    anchor: Option<String>,
}

impl ListPane {
    /// `Space`: marks or unmarks the row under the cursor, then moves down.
    pub fn toggle_mark(&mut self) {
        let Some(id) = self.selected_id() else {
            return;
        };
        if !self.selection.ids.remove(&id) {
            self.selection.ids.insert(id.clone());
        }
        self.selection.anchor = Some(id);
        self.move_by(1);
    }

    /// `V`: marks every row from the last mark (or the cursor, when the last mark is not
    /// visible) to the cursor.
    pub fn mark_range(&mut self) {
        let from = self
            .selection
            .anchor
            .as_deref()
            .and_then(|id| self.position_of(id))
            .unwrap_or(self.selected);
        let (lo, hi) = (from.min(self.selected), from.max(self.selected));
        let ids: Vec<String> = self.display[lo..=hi.min(self.display.len().saturating_sub(1))]
            .iter()
            .filter_map(|&i| {
                self.search
                    .corpus()
                    .row(i as usize)
                    .map(|r| r.id().to_string())
            })
            .collect();
        self.selection.anchor = self.selected_id();
        self.selection.ids.extend(ids);
    }

    /// `*`: marks every visible row; when they all are marked already, clears every mark.
    pub fn mark_all(&mut self) {
        let visible = self.visible_ids();
        if !visible.is_empty() && visible.iter().all(|id| self.selection.ids.contains(id)) {
            self.clear_marks();
        } else {
            self.selection.ids.extend(visible);
        }
    }

    /// Clears every mark.
    pub fn clear_marks(&mut self) {
        self.selection = Selection::default();
    }

    /// True when the referral is marked.
    pub fn is_marked(&self, id: &str) -> bool {
        self.selection.ids.contains(id)
    }

    /// How many referrals are marked.
    pub fn marked_len(&self) -> usize {
        self.selection.ids.len()
    }

    /// The marked referrals: the visible ones in display order, then those the filter hides
    /// (in id order). Ids no longer in the list are left out.
    pub fn marked_ids(&self) -> Vec<String> {
        if self.selection.ids.is_empty() {
            return Vec::new();
        }
        let out = self.marked_visible();
        let shown: HashSet<&str> = out.iter().map(String::as_str).collect();
        let mut hidden: Vec<String> = self
            .selection
            .ids
            .iter()
            .filter(|id| self.row(id).is_some() && !shown.contains(id.as_str()))
            .cloned()
            .collect();
        hidden.sort();
        hidden.splice(0..0, out);
        hidden
    }

    /// The marked referrals the filter shows, in display order.
    fn marked_visible(&self) -> Vec<String> {
        self.display
            .iter()
            .filter_map(|&i| self.search.corpus().row(i as usize))
            .map(|r| r.id().to_string())
            .filter(|id| self.selection.ids.contains(id))
            .collect()
    }

    /// How many marked referrals the filter hides.
    pub fn marked_hidden(&self) -> usize {
        if self.selection.ids.is_empty() {
            return 0;
        }
        let known = self
            .selection
            .ids
            .iter()
            .filter(|id| self.row(id).is_some())
            .count();
        known - self.marked_visible().len()
    }

    /// The list title's mark count: "3 marked", "3 marked (1 hidden)", or nothing.
    pub(super) fn marks_title(&self) -> String {
        match (self.marked_len(), self.marked_hidden()) {
            (0, _) => String::new(),
            (n, 0) => format!(" · {n} marked"),
            (n, h) => format!(" · {n} marked ({h} hidden by the filter)"),
        }
    }
}
