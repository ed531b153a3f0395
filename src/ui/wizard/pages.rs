//! How the wizard pane presents itself: its title, the key hints of each step, the pages
//! without a form (eligibility, result) as scrollable lines, and the header above each form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use crate::domain::rules;
use crate::ui::pane::RenderCx;
use crate::ui::widgets::{self, money};

use super::{Outcome, Part, Step, Target, Wizard, draft, view};

impl Wizard {
    pub(super) fn title_text(&self) -> String {
        match (self.step, self.target) {
            (Step::Start, _) | (_, Target::New) => format!("Register: {}", self.referral.name()),
            (_, Target::Update(n)) => {
                format!("Update registration {}: {}", n + 1, self.referral.name())
            }
        }
    }

    pub(super) fn hints(&self) -> Vec<(&'static str, &'static str)> {
        match self.step {
            Step::Start if self.choices().is_empty() => vec![("esc", "close"), ("f1", "help")],
            Step::Start => vec![
                ("enter", "open"),
                ("↑↓", "choose"),
                ("esc", "close"),
                ("f1", "help"),
            ],
            Step::Solutions => vec![
                ("ctrl-s", "next"),
                ("ctrl-p", "back"),
                ("ctrl-n", "add solution"),
                ("ctrl-d", "remove"),
                ("esc", "cancel"),
            ],
            Step::Contract => vec![
                ("ctrl-s", "next"),
                ("ctrl-p", "back"),
                ("tab", "next field"),
                ("space", "change"),
                ("esc", "cancel"),
            ],
            Step::Review => vec![
                ("enter", "submit"),
                ("ctrl-p", "back"),
                ("↑↓", "scroll"),
                ("esc", "cancel"),
            ],
            Step::Result if self.outcome.as_ref().is_some_and(Outcome::can_fix) => {
                vec![("ctrl-p", "back to fix"), ("esc", "close")]
            }
            Step::Result => vec![("enter", "registrations"), ("esc", "close")],
        }
    }

    /// The eligibility page: the check, the choices, and the chosen registration in full.
    /// Returns the lines and the range that should stay in view.
    pub(super) fn start_lines(
        &self,
        width: usize,
        cx: &RenderCx<'_>,
    ) -> (Vec<Line<'static>>, usize, usize) {
        let mut lines = view::eligibility(
            &self.referral,
            &self.ineligible,
            self.blocked.as_ref(),
            width,
            cx,
        );
        lines.push(Line::styled("Registrations", cx.theme.header));
        let regs = self.referral.registrations();
        let choices = self.choices();
        if regs.is_empty() && choices.is_empty() {
            lines.push(Line::styled("  none", cx.theme.dim));
        }
        let mut cursor_line = lines.len();
        for (i, choice) in choices.iter().enumerate() {
            let text = match choice {
                Target::New => "+ New registration".to_string(),
                Target::Update(n) => view::registration_item(n + 1, &regs[*n]),
            };
            let selected = i == self.cursor;
            if selected {
                cursor_line = lines.len();
            }
            let marker = if selected { "▶ " } else { "  " };
            let style = if selected && cx.focused {
                cx.theme.selected
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::styled(
                widgets::truncate(&format!("{marker}{text}"), width),
                style,
            ));
        }
        let mut end = cursor_line + 1;
        if let Some(Target::Update(n)) = choices.get(self.cursor) {
            let reg = &regs[*n];
            let style = if rules::registration_is_updatable(reg) {
                cx.theme.ok
            } else {
                cx.theme.warning
            };
            lines.extend(view::bullet(
                &format!("── Registration {} ·", n + 1),
                &view::updatable_note(reg),
                width,
                0,
                style,
            ));
            lines.extend(view::registration_detail(reg, width, cx));
            end = lines.len();
        }
        (lines, cursor_line, end)
    }

    pub(super) fn result_lines(&self, width: usize, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
        let para = |text: &str, style| view::paragraph(text, width, 0, style);
        let mut lines = Vec::new();
        match &self.outcome {
            None => {}
            Some(Outcome::Sending) => {
                lines.extend(para(
                    "saving… handing the registration to the outbox",
                    cx.theme.warning,
                ));
            }
            Some(Outcome::Queued { seq }) => {
                lines.extend(para(
                    &format!("saving… in the outbox (entry {seq}), waiting for Partner Center"),
                    cx.theme.warning,
                ));
                lines.extend(para(
                    "It is sent as soon as Partner Center answers, even after a restart.",
                    cx.theme.dim,
                ));
            }
            Some(Outcome::Saved) => {
                let head = match self.target {
                    Target::New => "✓ Registered".to_string(),
                    Target::Update(n) => format!("✓ Registration {} updated", n + 1),
                };
                lines.push(Line::styled(head, cx.theme.ok));
                if let Some((n, reg)) = self.result_registration() {
                    lines.extend(para(
                        &view::registration_item(n + 1, reg),
                        Default::default(),
                    ));
                    lines.extend(view::registration_detail(reg, width, cx));
                }
            }
            Some(Outcome::Refused { message, .. }) => {
                lines.push(Line::styled(
                    "✗ Partner Center refused the registration:",
                    cx.theme.error,
                ));
                lines.extend(view::paragraph(message, width, 2, Default::default()));
                lines.push(Line::raw(""));
                lines.extend(para(
                    "The request stays in the outbox as failed (O shows it, and can discard it). \
                     Ctrl-P goes back to fix the registration and send it again.",
                    cx.theme.dim,
                ));
            }
            Some(Outcome::Conflict { .. }) => {
                lines.extend(para(
                    "⚠ Someone changed this referral meanwhile. Nothing was overwritten: choose \
                     per field in the conflict view.",
                    cx.theme.warning,
                ));
            }
        }
        lines
    }

    /// Draws scrolled lines with a scrollbar when they do not fit.
    pub(super) fn draw_scrolled(
        &mut self,
        frame: &mut Frame<'_>,
        area: Rect,
        lines: Vec<Line<'static>>,
    ) {
        let height = area.height as usize;
        self.body = (lines.len(), height);
        self.scroll = self.scroll.min(lines.len().saturating_sub(height));
        let total = lines.len();
        let visible: Vec<Line> = lines.into_iter().skip(self.scroll).take(height).collect();
        frame.render_widget(Paragraph::new(visible), area);
        if total > height {
            let mut state = ScrollbarState::new(total - height).position(self.scroll);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight),
                area,
                &mut state,
            );
        }
    }

    pub(super) fn form_header(&self, part: Part) -> String {
        let Some(d) = self.draft() else {
            return String::new();
        };
        match part {
            Part::Solutions => {
                let n = d.solution_count();
                format!(
                    "Solution details · {} · ctrl-n adds one",
                    crate::domain::text::count(n, "solution")
                )
            }
            Part::Contract => {
                let cur = d.contract.text(draft::key::CURRENCY);
                let total = d
                    .solutions_total()
                    .map(|t| money(Some(t), &cur))
                    .unwrap_or_else(|| "—".into());
                format!("Contract · the solutions add up to {total}")
            }
        }
    }
}
