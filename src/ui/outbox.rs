//! `O` / `:outbox` — the edits waiting to be sent, with retry and discard.
//!
//! Pending entries are sent automatically in order; failed ones (the server refused them) and
//! conflicts (someone else changed the referral) wait for the user. Retrying a conflict sends it
//! again, which brings up the mine/theirs view when the referral still differs. Discarding asks
//! first: it is the only way an edit is dropped.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};

use crate::domain::outbox::{OutboxEntry, OutboxState};
use crate::protocol::{Command, Event};
use crate::ui::dialog::{Confirm, OnYes};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

pub struct OutboxOverlay {
    entries: Option<Vec<OutboxEntry>>,
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
            table: TableState::default().with_selected(Some(0)),
        }
    }

    fn selected(&self) -> Option<&OutboxEntry> {
        self.entries.as_ref()?.get(self.table.selected()?)
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
                Row::new(vec![
                    Span::raw(format!("#{}", e.seq)),
                    Span::styled(state_label(e), style),
                    Span::raw(e.referral_id().unwrap_or("(new)").to_string()),
                    Span::raw(e.summary.clone()),
                    Span::styled(widgets::ago(e.created_at, cx.now), cx.theme.dim),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(5),
                Constraint::Length(9),
                Constraint::Length(14),
                Constraint::Min(10),
                Constraint::Length(10),
            ],
        )
        .header(
            Row::new(vec!["seq", "state", "referral", "change", "queued"]).style(cx.theme.header),
        )
        .row_highlight_style(cx.theme.selected);
        frame.render_stateful_widget(table, table_area, &mut self.table);
        if let Some(e) = self.selected() {
            let text = match &e.last_error {
                Some(err) => format!("attempts {} · last error: {err}", e.attempts),
                None => format!("attempts {}", e.attempts),
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
        (80, 60)
    }
}
