//! `O` / `:outbox` — the edits waiting to be sent, with retry and discard.
//!
//! Pending entries are sent automatically in order; failed ones (the server refused them) and
//! conflicts (someone else changed the referral) wait for the user. Retrying a conflict sends it
//! again, which brings up the mine/theirs view when the referral still differs. Discarding asks
//! first: it is the only way an edit is dropped.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use std::collections::HashMap;

use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::domain::field::FieldPath;
use crate::domain::outbox::{OutboxAction, OutboxEntry, OutboxState};
use crate::protocol::{Command, Event};
use crate::ui::dialog::{Confirm, OnYes};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

pub struct OutboxOverlay {
    entries: Option<Vec<OutboxEntry>>,
    /// The names of the entries' referrals, from the list (a patch's entry carries only the id
    /// when it has no base).
    names: HashMap<String, String>,
    table: TableState,
}

impl Default for OutboxOverlay {
    fn default() -> Self {
        OutboxOverlay::new()
    }
}

impl OutboxOverlay {
    pub fn new() -> OutboxOverlay {
        OutboxOverlay {
            entries: None,
            names: HashMap::new(),
            table: TableState::default().with_selected(Some(0)),
        }
    }

    fn selected(&self) -> Option<&OutboxEntry> {
        self.entries.as_ref()?.get(self.table.selected()?)
    }
}

/// The referral an entry concerns, by name: its base's, the new referral's, the list's, else
/// its id.
fn referral_name(e: &OutboxEntry, names: &HashMap<String, String>) -> String {
    let named = match &e.action {
        OutboxAction::Patch { referral_id, .. } => e
            .base
            .as_deref()
            .and_then(|b| b.name.clone())
            .or_else(|| names.get(referral_id).cloned()),
        OutboxAction::Create { referral } | OutboxAction::CreateLinked { referral, .. } => {
            referral.name.clone()
        }
    };
    named
        .filter(|n| !n.trim().is_empty())
        .or_else(|| e.referral_id().map(str::to_string))
        .unwrap_or_else(|| "(new referral)".into())
}

/// What an entry changes: the labels of the fields a patch touches, or what a create makes.
fn change_text(e: &OutboxEntry) -> String {
    match &e.action {
        OutboxAction::Patch { ops, .. } => {
            let mut labels: Vec<&str> = Vec::new();
            for op in ops {
                let field = FieldPath::EDITABLE.into_iter().find(|f| {
                    op.path == f.pointer() || op.path.starts_with(&format!("{}/", f.pointer()))
                });
                if let Some(label) = field.map(FieldPath::label)
                    && !labels.contains(&label)
                {
                    labels.push(label);
                }
            }
            if labels.is_empty() {
                e.summary.clone()
            } else {
                labels.join(", ")
            }
        }
        OutboxAction::Create { .. } => "create".into(),
        OutboxAction::CreateLinked { .. } => "create Microsoft's linked copy".into(),
    }
}

fn state_label(e: &OutboxEntry) -> &'static str {
    match e.state {
        OutboxState::Pending if e.attempts == 0 => "waiting",
        OutboxState::Pending => "retrying",
        OutboxState::Failed => "refused",
        OutboxState::Conflict => "conflict",
    }
}

impl Pane for OutboxOverlay {
    fn title(&self) -> String {
        "Outbox".into()
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let len = self.entries.as_ref().map_or(0, Vec::len);
        match (key.code, cx.keymap.action(key)) {
            (KeyCode::Esc, _) | (_, Some(KeyAction::Quit)) => Flow::Close,
            (_, action)
                if let Some(i) = crate::ui::widgets::choice_move(
                    self.table.selected().unwrap_or(0),
                    len,
                    action,
                    10,
                ) =>
            {
                self.table.select(Some(i));
                Flow::Handled
            }
            (KeyCode::Char('r'), _) | (KeyCode::Enter, _) => {
                if let Some(e) = self.selected() {
                    cx.send(Command::OutboxRetry { seq: e.seq });
                }
                Flow::Handled
            }
            (KeyCode::Char('d'), _) | (KeyCode::Delete, _) => {
                let Some(e) = self.selected() else {
                    return Flow::Handled;
                };
                let seq = e.seq;
                let summary = e.summary.clone();
                Flow::Overlay(Box::new(Confirm::new(
                    "Discard this edit?",
                    format!("“{summary}” will never be sent. This cannot be undone."),
                    OnYes::Flow(Box::new(move || Flow::Send(Command::OutboxDiscard { seq }))),
                )))
            }
            _ => Flow::Handled,
        }
    }

    fn on_event(&mut self, event: &Event, cx: &mut Cx<'_>) -> Flow {
        match event {
            Event::Outbox { entries } => {
                let len = entries.len();
                self.names = entries
                    .iter()
                    .filter_map(OutboxEntry::referral_id)
                    .filter_map(|id| Some((id.to_string(), cx.list.name_of(id)?)))
                    .collect();
                self.entries = Some(entries.clone());
                let i = self
                    .table
                    .selected()
                    .unwrap_or(0)
                    .min(len.saturating_sub(1));
                self.table.select(Some(i));
                Flow::Handled
            }
            Event::OutboxCount(_)
            | Event::Saved { .. }
            | Event::SaveFailed { .. }
            | Event::Queued { .. } => {
                cx.send(Command::OutboxList);
                Flow::Handled
            }
            _ => Flow::Ignored,
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(" Outbox — edits not yet sent ", cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [table_area, detail_area, hint_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(3),
            Constraint::Length(1),
        ])
        .areas(inner);
        let Some(entries) = &self.entries else {
            frame.render_widget(Paragraph::new("loading…").style(cx.theme.dim), table_area);
            return;
        };
        if entries.is_empty() {
            frame.render_widget(
                Paragraph::new("Nothing waiting: every edit has reached the server.")
                    .style(cx.theme.ok),
                table_area,
            );
            return;
        }
        let rows: Vec<Row> = entries
            .iter()
            .map(|e| {
                let style = match e.state {
                    OutboxState::Pending => cx.theme.warning,
                    OutboxState::Failed | OutboxState::Conflict => cx.theme.error,
                };
                let mut lines = vec![
                    Line::raw(referral_name(e, &self.names)),
                    Line::styled(format!("  {}", change_text(e)), cx.theme.dim),
                ];
                let waits = matches!(e.state, OutboxState::Failed | OutboxState::Conflict);
                if let (true, Some(why)) = (waits, &e.last_error) {
                    lines.push(Line::styled(format!("  server: {why}"), style));
                }
                let height = lines.len() as u16;
                Row::new(vec![
                    Cell::from(Span::styled(state_label(e), style)),
                    Cell::from(Text::from(lines)),
                    Cell::from(Span::styled(
                        widgets::ago(e.created_at, cx.now),
                        cx.theme.dim,
                    )),
                ])
                .height(height)
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(9),
                Constraint::Min(10),
                Constraint::Length(8),
            ],
        )
        .header(Row::new(vec!["state", "referral · change", "queued"]).style(cx.theme.header))
        .row_highlight_style(cx.theme.selected);
        frame.render_stateful_widget(table, table_area, &mut self.table);
        if let Some(e) = self.selected() {
            let text = match (&e.last_error, e.state) {
                (Some(err), OutboxState::Failed | OutboxState::Conflict) => {
                    format!(
                        "#{} · attempts {} · the server said: {err}",
                        e.seq, e.attempts
                    )
                }
                (Some(err), OutboxState::Pending) => {
                    format!("#{} · attempts {} · last error: {err}", e.seq, e.attempts)
                }
                (None, _) => format!("#{} · attempts {}", e.seq, e.attempts),
            };
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), detail_area);
        }
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("r", cx.theme.key),
                Span::raw("/"),
                Span::styled("enter", cx.theme.key),
                Span::raw(" retry now   "),
                Span::styled("d", cx.theme.key),
                Span::raw(" discard   "),
                Span::styled("esc", cx.theme.key),
                Span::raw(" close"),
            ])),
            hint_area,
        );
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            (keymap.label(KeyAction::Down), "next entry".into()),
            (keymap.label(KeyAction::Up), "previous entry".into()),
            (
                "r/enter".into(),
                "retry now (a conflict opens mine/theirs)".into(),
            ),
            ("d/del".into(), "discard (asks first)".into()),
            ("esc".into(), "close".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (90, 60)
    }
}
