//! The detail pane: every section of one referral (overview, customer, contacts, partner team,
//! details and requirements, consent, invite context, registrations with their status history,
//! links, related referrals of the same engagement, and any fields this build does not know).
//!
//! A cursor moves over the fields; `e` edits the field under it when the rules allow, and the
//! referral actions (`s`, `a`, `x`, `r`, `m`, `f`, `o`, `y`) act on the referral shown. An action
//! pressed before the referral has loaded waits and runs when it arrives.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use crate::domain::*;
use crate::keys::REFERRAL_ACTIONS;
use crate::protocol::{Command, Event, Level};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

mod sections;
pub use sections::build_entries;

/// One line of the detail.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Header(String),
    Field {
        label: String,
        value: String,
        /// The JSON Pointer `e` edits, when the field is editable at all.
        path: Option<&'static str>,
    },
    /// A referral of the same engagement; Enter opens it.
    Related {
        id: String,
        text: String,
    },
}

/// Where an edit save stands, shown under the title.
#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

pub struct DetailPane {
    id: String,
    referral: Option<Box<Referral>>,
    related: Vec<ReferralRow>,
    entries: Vec<Entry>,
    cursor: usize,
    scroll: usize,
    error: Option<String>,
    fresh: bool,
    queued: Option<KeyAction>,
    save: SaveState,
    /// Visual rows of the last render (for scrolling and clicks): entry index per row.
    row_map: Vec<usize>,
    height: usize,
}

impl DetailPane {
    pub fn new(id: String) -> DetailPane {
        DetailPane {
            id,
            referral: None,
            related: Vec::new(),
            entries: Vec::new(),
            cursor: 0,
            scroll: 0,
            error: None,
            fresh: false,
            queued: None,
            save: SaveState::Idle,
            row_map: Vec::new(),
            height: 0,
        }
    }

    /// Runs `action` as soon as the referral is loaded.
    pub fn queue(&mut self, action: KeyAction) {
        self.queued = Some(action);
    }

    pub fn referral(&self) -> Option<&Referral> {
        self.referral.as_deref()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Shows a referral (tests and the event handler).
    pub fn set_referral(&mut self, referral: Referral, related: Vec<ReferralRow>, fresh: bool) {
        let field_path = self.current_path();
        self.entries = build_entries(&referral, &related);
        self.referral = Some(Box::new(referral));
        self.related = related;
        self.fresh = fresh;
        self.error = None;
        // Keep the cursor on the same field across reloads.
        self.cursor = field_path
            .and_then(|p| {
                self.entries
                    .iter()
                    .position(|e| matches!(e, Entry::Field { path: Some(q), .. } if *q == p))
            })
            .unwrap_or_else(|| self.first_focusable().unwrap_or(0));
    }

    fn current_path(&self) -> Option<&'static str> {
        match self.entries.get(self.cursor) {
            Some(Entry::Field { path, .. }) => *path,
            _ => None,
        }
    }

    fn first_focusable(&self) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| !matches!(e, Entry::Header(_)))
    }

    fn move_cursor(&mut self, delta: isize) {
        if self.entries.is_empty() {
            return;
        }
        let mut i = self.cursor as isize;
        let last = self.entries.len() as isize - 1;
        let step = delta.signum();
        let mut remaining = delta.abs();
        while remaining > 0 {
            let mut next = i + step;
            while (0..=last).contains(&next)
                && matches!(self.entries[next as usize], Entry::Header(_))
            {
                next += step;
            }
            if !(0..=last).contains(&next) {
                break;
            }
            i = next;
            remaining -= 1;
        }
        self.cursor = i as usize;
    }

    /// `o` and `y`: they need only the id, so the list can use them without a loaded detail.
    pub fn id_action(action: KeyAction, id: &str, cx: &mut Cx<'_>) -> Flow {
        match action {
            KeyAction::OpenBrowser => {
                let url = cx.portal_url.replace("{id}", id);
                cx.send(Command::OpenUrl { url: url.clone() });
                cx.notify(Level::Info, format!("opening {url}"));
                Flow::Handled
            }
            KeyAction::CopyId => {
                *cx.clipboard = Some(id.to_string());
                cx.notify(Level::Success, format!("copied {id}"));
                Flow::Handled
            }
            _ => Flow::Ignored,
        }
    }

    /// Runs a referral action on the loaded referral.
    fn act(&mut self, action: KeyAction, cx: &mut Cx<'_>) -> Flow {
        let Some(referral) = self.referral.as_deref() else {
            self.queued = Some(action);
            cx.notify(Level::Info, "loading the referral…");
            return Flow::Handled;
        };
        match action {
            KeyAction::OpenBrowser | KeyAction::CopyId => Self::id_action(action, &self.id, cx),
            KeyAction::Favorite => {
                let favorite = !referral.is_favorite();
                cx.send(Command::SetFavorite {
                    id: self.id.clone(),
                    favorite,
                });
                cx.notify(
                    Level::Info,
                    if favorite {
                        "favorite ★ (kept on this computer)"
                    } else {
                        "favorite removed"
                    },
                );
                Flow::Handled
            }
            KeyAction::Edit => match self.current_path() {
                Some("/status") | Some("/substatus") => {
                    crate::ui::status::open_status_dialog(referral, cx)
                }
                Some(path) => crate::ui::edit::open_field_editor(referral, path, cx),
                None => {
                    cx.notify(
                        Level::Info,
                        "this field is not editable; fields marked ✎ are",
                    );
                    Flow::Handled
                }
            },
            KeyAction::Status => crate::ui::status::open_status_dialog(referral, cx),
            KeyAction::Accept => crate::ui::status::accept(referral, cx),
            KeyAction::Decline => crate::ui::status::open_decline_dialog(referral, cx),
            KeyAction::Register => crate::ui::wizard::open_wizard(referral, cx),
            KeyAction::Marketo => crate::ui::marketo::open_marketo_view(referral, cx),
            _ => Flow::Ignored,
        }
    }

    fn lines_for(
        &self,
        entry: &Entry,
        width: usize,
        label_w: usize,
        cx: &RenderCx<'_>,
        selected: bool,
    ) -> Vec<Line<'static>> {
        let theme = cx.theme;
        match entry {
            Entry::Header(title) => vec![Line::from(Span::styled(
                format!("── {title} "),
                theme.header,
            ))],
            Entry::Field { label, value, path } => {
                let editable = path.is_some();
                let marker = if editable { "✎ " } else { "  " };
                let value_w = width.saturating_sub(label_w + 2).max(8);
                let wrapped = widgets::wrap(value, value_w);
                let base = if selected && cx.focused {
                    theme.selected
                } else {
                    Style::new()
                };
                wrapped
                    .into_iter()
                    .enumerate()
                    .map(|(i, chunk)| {
                        let lab = if i == 0 {
                            widgets::fit(label, label_w)
                        } else {
                            " ".repeat(label_w)
                        };
                        let mk = if i == 0 { marker } else { "  " };
                        Line::from(vec![
                            Span::styled(
                                mk.to_string(),
                                if editable { theme.key } else { theme.dim },
                            ),
                            Span::styled(lab, theme.dim),
                            Span::styled(chunk, Style::new()),
                        ])
                        .style(base)
                    })
                    .collect()
            }
            Entry::Related { text, .. } => {
                let base = if selected && cx.focused {
                    theme.selected
                } else {
                    Style::new()
                };
                vec![
                    Line::from(vec![
                        Span::styled("→ ", theme.key),
                        Span::raw(widgets::truncate(text, width.saturating_sub(2))),
                    ])
                    .style(base),
                ]
            }
        }
    }

    pub fn help_for(keymap: &Keymap) -> Vec<(String, String)> {
        [
            (KeyAction::Down, "next field"),
            (KeyAction::Up, "previous field"),
        ]
        .into_iter()
        .chain(REFERRAL_ACTIONS.iter().copied())
        .chain([(
            KeyAction::Open,
            "open the related referral under the cursor",
        )])
        .map(|(a, what)| (keymap.label(a), what.to_string()))
        .collect()
    }
}

impl Pane for DetailPane {
    fn title(&self) -> String {
        match &self.referral {
            Some(r) => format!("Referral: {}", r.name()),
            None => "Referral".into(),
        }
    }

    fn referral_id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let Some(action) = cx.keymap.action(key) else {
            return Flow::Ignored;
        };
        let page = self.height.max(2) as isize - 1;
        match action {
            KeyAction::Down => self.move_cursor(1),
            KeyAction::Up => self.move_cursor(-1),
            KeyAction::PageDown => self.move_cursor(page),
            KeyAction::PageUp => self.move_cursor(-page),
            KeyAction::Top => self.cursor = self.first_focusable().unwrap_or(0),
            KeyAction::Bottom => self.cursor = self.entries.len().saturating_sub(1),
            KeyAction::Open => {
                if let Some(Entry::Related { id, .. }) = self.entries.get(self.cursor) {
                    if *id == self.id {
                        return Flow::Handled;
                    }
                    cx.send(Command::OpenDetail {
                        id: id.clone(),
                        fresh: true,
                    });
                    return Flow::Push(Box::new(DetailPane::new(id.clone())));
                }
                cx.send(Command::OpenDetail {
                    id: self.id.clone(),
                    fresh: true,
                });
            }
            a if a.acts_on_referral() => return self.act(action, cx),
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn on_event(&mut self, event: &Event, cx: &mut Cx<'_>) -> Flow {
        match event {
            Event::Detail {
                referral,
                related,
                fresh,
            } if referral.id() == self.id => {
                self.set_referral(referral.as_ref().clone(), related.clone(), *fresh);
                if let Some(action) = self.queued.take() {
                    return self.act(action, cx);
                }
                Flow::Handled
            }
            Event::DetailFailed { id, message } if *id == self.id => {
                if self.referral.is_none() {
                    self.error = Some(message.clone());
                }
                self.queued = None;
                Flow::Handled
            }
            Event::Queued { id: Some(id), .. } if *id == self.id => {
                self.save = SaveState::Saving;
                Flow::Handled
            }
            Event::Withdrawn { id: Some(id), .. } if *id == self.id => {
                self.save = SaveState::Idle;
                Flow::Handled
            }
            Event::Saved { referral, .. } if referral.id() == self.id => {
                let related = self.related.clone();
                self.set_referral(referral.as_ref().clone(), related, true);
                self.save = SaveState::Saved;
                Flow::Handled
            }
            Event::SaveFailed {
                id: Some(id),
                message,
                ..
            } if *id == self.id => {
                self.save = SaveState::Failed(message.clone());
                Flow::Handled
            }
            _ => Flow::Ignored,
        }
    }

    fn on_mouse(&mut self, mouse: &MouseEvent, area: Rect, _cx: &mut Cx<'_>) -> Flow {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_cursor(3),
            MouseEventKind::ScrollUp => self.move_cursor(-3),
            MouseEventKind::Down(_) => {
                let row = mouse.row.saturating_sub(area.y + 1) as usize + self.scroll;
                if let Some(&entry) = self.row_map.get(row)
                    && !matches!(self.entries.get(entry), Some(Entry::Header(_)))
                {
                    self.cursor = entry;
                }
            }
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let mut title = vec![Span::raw(format!(" {} ", self.title()))];
        match &self.save {
            SaveState::Saving => title.push(Span::styled("saving… ", cx.theme.warning)),
            SaveState::Saved => title.push(Span::styled("saved ", cx.theme.ok)),
            SaveState::Failed(_) => title.push(Span::styled("not saved ", cx.theme.error)),
            SaveState::Idle => {}
        }
        if self.referral.is_some() && !self.fresh {
            title.push(Span::styled("(cached) ", cx.theme.dim));
        }
        let block = widgets::pane_block(Line::from(title), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if let Some(err) = &self.error {
            let p = Paragraph::new(vec![
                Line::styled(
                    format!("Could not load referral {}", self.id),
                    cx.theme.error,
                ),
                Line::raw(err.clone()),
            ])
            .wrap(ratatui::widgets::Wrap { trim: false });
            frame.render_widget(p, inner);
            return;
        }
        if self.referral.is_none() {
            let spinner = cx.busy.unwrap_or('…');
            frame.render_widget(
                Paragraph::new(format!("{spinner} loading {}", self.id)).style(cx.theme.dim),
                inner,
            );
            return;
        }
        let width = inner.width.saturating_sub(1) as usize;
        let label_w = (width / 3).clamp(10, 24);
        let mut lines = Vec::new();
        let mut row_map = Vec::new();
        let mut cursor_rows = (0, 0);
        for (i, entry) in self.entries.iter().enumerate() {
            let start = lines.len();
            let entry_lines = self.lines_for(entry, width, label_w, cx, i == self.cursor);
            for _ in 0..entry_lines.len() {
                row_map.push(i);
            }
            lines.extend(entry_lines);
            if i == self.cursor {
                cursor_rows = (start, lines.len());
            }
        }
        if let SaveState::Failed(msg) = &self.save {
            lines.insert(
                0,
                Line::styled(
                    format!("Last save failed: {msg} (see the outbox: O)"),
                    cx.theme.error,
                ),
            );
            row_map.insert(0, self.cursor);
            cursor_rows = (cursor_rows.0 + 1, cursor_rows.1 + 1);
        }
        let height = inner.height as usize;
        self.height = height;
        if cursor_rows.0 < self.scroll {
            self.scroll = cursor_rows.0;
        } else if cursor_rows.1 > self.scroll + height {
            self.scroll = cursor_rows.1.saturating_sub(height);
        }
        self.scroll = self.scroll.min(lines.len().saturating_sub(height));
        let total = lines.len();
        self.row_map = row_map;
        let visible: Vec<Line> = lines.into_iter().skip(self.scroll).take(height).collect();
        frame.render_widget(Paragraph::new(visible), inner);
        if total > height {
            let mut state = ScrollbarState::new(total.saturating_sub(height)).position(self.scroll);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight),
                inner,
                &mut state,
            );
        }
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        Self::help_for(keymap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_section_is_listed() {
        let r: Referral = serde_json::from_value(json!({
            "id": "r1", "name": "Deal", "status": "Active", "substatus": "Accepted", "engagementId": "e",
            "customerProfile": {"name": "Contoso", "address": {"country": "US", "city": "Redmond"},
                "team": [{"firstName": "Ann", "lastName": "Lee", "email": "ann@contoso.com"}], "hq": "x"},
            "team": [{"firstName": "Sam", "lastName": "Park", "email": "sam@partner.com"}],
            "details": {"dealValue": 1000.0, "currency": "USD", "notes": "n",
                "requirements": {"solutions": [{"id": "SOL-1", "name": "Analytics"}]}},
            "consent": {"consentToShareReferralWithMicrosoftSellers": true},
            "inviteContext": {"assistanceRequestCode": "QuotesOrLicensing"},
            "registrations": [{"status": "Passed", "statusHistory": {"passedDateTime": "2026-01-01T00:00:00Z"}}],
            "links": {"self": {"uri": "https://x/r1", "method": "GET"}},
            "mystery": 7
        }))
        .unwrap();
        let related = vec![ReferralRow {
            id: "r2".into(),
            name: "Twin".into(),
            ..Default::default()
        }];
        let entries = build_entries(&r, &related);
        let headers: Vec<&str> = entries
            .iter()
            .filter_map(|e| {
                if let Entry::Header(h) = e {
                    Some(h.as_str())
                } else {
                    None
                }
            })
            .collect();
        for want in [
            "Overview",
            "Customer",
            "Customer contacts",
            "Partner team",
            "Details",
            "Requirements",
            "Consent",
            "Invite context",
            "Deal registrations",
            "Links",
            "Related referrals (same engagement)",
            "Other fields (kept as received)",
        ] {
            assert!(headers.contains(&want), "{want} missing from {headers:?}");
        }
        assert!(
            entries
                .iter()
                .any(|e| matches!(e, Entry::Related { id, .. } if id == "r2"))
        );
        assert!(
            entries
                .iter()
                .any(|e| matches!(e, Entry::Field { label, .. } if label == "mystery"))
        );
        assert!(
            entries
                .iter()
                .any(|e| matches!(e, Entry::Field { label, .. } if label == "customerProfile.hq"))
        );
    }

    #[test]
    fn cursor_skips_headers_and_stays_on_its_field_across_reloads() {
        let r: Referral = serde_json::from_value(json!({"id": "r1", "name": "Deal"})).unwrap();
        let mut p = DetailPane::new("r1".into());
        p.set_referral(r.clone(), vec![], false);
        assert!(matches!(p.entries[p.cursor], Entry::Field { .. }));
        p.move_cursor(1);
        let path = p.current_path();
        p.move_cursor(-5);
        assert_eq!(p.cursor, 1);
        p.move_cursor(1);
        p.set_referral(r, vec![], true);
        assert_eq!(p.current_path(), path);
    }
}
