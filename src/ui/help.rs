//! `?`: the keys of the focused pane, filterable by typing.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::ui::keymap::Keymap;
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

pub struct HelpOverlay {
    entries: Vec<(String, String)>,
    query: String,
    scroll: usize,
}

impl HelpOverlay {
    pub fn new(entries: Vec<(String, String)>) -> HelpOverlay {
        HelpOverlay {
            entries,
            query: String::new(),
            scroll: 0,
        }
    }

    /// Entries whose keys or description contain every word of the query.
    pub fn visible(&self) -> Vec<&(String, String)> {
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.entries
            .iter()
            .filter(|(k, d)| {
                let hay = format!("{} {}", k.to_lowercase(), d.to_lowercase());
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
    }
}

impl Pane for HelpOverlay {
    fn title(&self) -> String {
        "Keys".into()
    }

    fn handle_key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> Flow {
        match key.code {
            KeyCode::Esc => return Flow::Close,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Flow::Close;
            }
            KeyCode::Enter => return Flow::Close,
            KeyCode::Char('?') if self.query.is_empty() => return Flow::Close,
            KeyCode::Backspace => {
                self.query.pop();
            }
            KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.query.push(c);
                self.scroll = 0;
            }
            _ => {}
        }
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(" Keys — type to filter, esc closes ", cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [query_area, table_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("filter: ", cx.theme.dim),
                Span::styled(format!("{}▏", self.query), cx.theme.input),
            ])),
            query_area,
        );
        let height = table_area.height as usize;
        let count = self.visible().len();
        self.scroll = self.scroll.min(count.saturating_sub(height));
        let visible = self.visible();
        let key_w = visible
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 24) as u16;
        // Descriptions wrap in full (the filter language's lines are long).
        let desc_w = (table_area.width.saturating_sub(key_w + 2) as usize).max(10);
        let rows: Vec<Row> = visible
            .iter()
            .skip(self.scroll)
            .map(|(k, d)| {
                let lines: Vec<Line> = widgets::wrap(d, desc_w)
                    .into_iter()
                    .map(Line::raw)
                    .collect();
                let height = lines.len().max(1) as u16;
                Row::new(vec![
                    Cell::from(Span::styled(k.clone(), cx.theme.key)),
                    Cell::from(Text::from(lines)),
                ])
                .height(height)
            })
            .collect();
        if rows.is_empty() {
            frame.render_widget(
                Paragraph::new("no key matches").style(cx.theme.dim),
                table_area,
            );
            return;
        }
        frame.render_widget(
            Table::new(rows, [Constraint::Length(key_w), Constraint::Min(10)]).column_spacing(2),
            table_area,
        );
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            ("type".into(), "filter the keys".into()),
            ("esc".into(), "close".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (60, 70)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_filters_the_entries() {
        let mut h = HelpOverlay::new(vec![
            ("j/↓".into(), "move down".into()),
            ("s".into(), "change status".into()),
        ]);
        h.query = "stat".into();
        assert_eq!(h.visible().len(), 1);
        h.query = "zzz".into();
        assert!(h.visible().is_empty());
    }
}
