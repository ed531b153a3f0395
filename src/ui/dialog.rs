//! Small modal dialogs: a yes/no confirmation and the device-code sign-in prompt.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::protocol::{DeviceCode, Event, Link};
use crate::ui::keymap::Keymap;
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

/// What a confirmation does when the user says yes.
pub enum OnYes {
    Quit,
    /// Close the dialog and the pane beneath it (discard a form).
    CloseBeneath,
    /// Close the dialog and apply this flow.
    Flow(Box<dyn FnOnce() -> Flow>),
}

pub struct Confirm {
    title: String,
    message: String,
    on_yes: Option<OnYes>,
}

impl Confirm {
    pub fn new(title: impl Into<String>, message: impl Into<String>, on_yes: OnYes) -> Confirm {
        Confirm {
            title: title.into(),
            message: message.into(),
            on_yes: Some(on_yes),
        }
    }

    /// The question asked when quitting with edits still in the outbox.
    pub fn quit_with_unsent(count: usize) -> Confirm {
        Confirm::new(
            "Quit?",
            format!(
                "{count} edit{} not sent yet. They are saved on disk and will be sent the next time refdeck starts. Quit anyway?",
                if count == 1 { " is" } else { "s are" }
            ),
            OnYes::Quit,
        )
    }

    /// The question asked before a form with typed input is closed.
    pub fn discard_form(what: &str) -> Confirm {
        Confirm::new(
            "Discard?",
            format!("Discard what you typed in {what}?"),
            OnYes::CloseBeneath,
        )
    }
}

impl Pane for Confirm {
    fn title(&self) -> String {
        self.title.clone()
    }

    fn handle_key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> Flow {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => match self.on_yes.take() {
                Some(OnYes::Quit) => Flow::Many(vec![Flow::Close, Flow::Quit { force: true }]),
                Some(OnYes::CloseBeneath) => Flow::Many(vec![Flow::Close, Flow::Close]),
                Some(OnYes::Flow(f)) => Flow::Many(vec![Flow::Close, f()]),
                None => Flow::Close,
            },
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                Flow::Close
            }
            _ => Flow::Handled,
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(format!(" {} ", self.title), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let text = vec![
            Line::raw(self.message.clone()),
            Line::raw(""),
            Line::from(vec![
                Span::styled("Enter", cx.theme.key),
                Span::raw("/"),
                Span::styled("y", cx.theme.key),
                Span::raw(" confirm · "),
                Span::styled("Esc", cx.theme.key),
                Span::raw("/"),
                Span::styled("n", cx.theme.key),
                Span::raw(" cancel"),
            ]),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            ("enter/y".into(), "confirm".into()),
            ("esc/n".into(), "cancel".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (50, 25)
    }
}

/// Shown while an Azure AD device-code sign-in waits for the user; closes itself when the
/// sign-in completes.
pub struct DeviceCodeDialog {
    code: DeviceCode,
}

impl DeviceCodeDialog {
    pub fn new(code: DeviceCode) -> DeviceCodeDialog {
        DeviceCodeDialog { code }
    }
}

impl Pane for DeviceCodeDialog {
    fn title(&self) -> String {
        "Sign in to Partner Center".into()
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        match key.code {
            KeyCode::Esc => Flow::Close,
            KeyCode::Char('y') => {
                *cx.clipboard = Some(self.code.user_code.clone());
                Flow::Handled
            }
            KeyCode::Char('o') => {
                cx.send(crate::protocol::Command::OpenUrl {
                    url: self.code.verification_uri.clone(),
                });
                Flow::Handled
            }
            _ => Flow::Handled,
        }
    }

    fn on_event(&mut self, event: &Event, _cx: &mut Cx<'_>) -> Flow {
        match event {
            Event::PartnerCenter(c) if c.link == Link::Online => Flow::Close,
            _ => Flow::Ignored,
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(" Sign in to Partner Center ", cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let text = vec![
            Line::raw(self.code.message.clone()),
            Line::raw(""),
            Line::from(vec![
                Span::raw("Address: "),
                Span::styled(self.code.verification_uri.clone(), cx.theme.key),
            ]),
            Line::from(vec![
                Span::raw("Code:    "),
                Span::styled(self.code.user_code.clone(), cx.theme.highlight),
            ]),
            Line::raw(""),
            Line::styled(
                "o open the address · y copy the code · esc hide (sign-in continues)",
                cx.theme.dim,
            ),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            ("o".into(), "open the sign-in address".into()),
            ("y".into(), "copy the code".into()),
            ("esc".into(), "hide".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (60, 40)
    }
}
