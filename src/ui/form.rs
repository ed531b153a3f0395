//! Forms: labelled fields with ratatui-textarea inputs, validated as they are typed.
//!
//! Keys: Tab / Shift-Tab (and ↓/↑ outside multi-line text) move between fields, Enter moves to the
//! next field (a new line in multi-line text), Space or ←/→ change choices and toggles, Ctrl-S
//! submits, Esc cancels. Each field checks its value on every keystroke with the validators of
//! `domain::validate` and shows the message (field and fix) under it; the whole form is checked
//! again on submit.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::{CursorMove, TextArea};

use crate::domain::validate::{self, FieldError};
use crate::ui::pane::RenderCx;
use crate::ui::widgets;

/// What a field holds and how it is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    /// Several lines (notes).
    Multiline,
    Email,
    Phone,
    /// A non-negative amount.
    Amount,
    /// ISO 4217.
    Currency,
    /// ISO 3166 alpha-2.
    Country,
    /// YYYY-MM-DD.
    Date,
    /// One of these values.
    Choice(Vec<String>),
    /// One of these values, or none (shown as `—`).
    OptionalChoice(Vec<String>),
    /// Yes or no.
    Toggle,
    /// Shown, never edited.
    ReadOnly,
}

/// What a field holds, typed by its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The text of a text kind (`Text`, `Email`, `Amount`, …).
    Text(String),
    /// A toggle.
    Bool(bool),
    /// The chosen option of a choice; `None` is the blank of an optional choice.
    Choice(Option<String>),
}

impl Value {
    /// A choice of the option named `name`, or none.
    pub fn chosen(name: Option<&str>) -> Value {
        Value::Choice(name.map(str::to_string))
    }

    /// The text of a text value or the chosen option of a choice ("" otherwise).
    pub fn as_text(&self) -> &str {
        match self {
            Value::Text(t) | Value::Choice(Some(t)) => t,
            Value::Bool(_) | Value::Choice(None) => "",
        }
    }

    /// True for a toggle that is on.
    pub fn is_on(&self) -> bool {
        *self == Value::Bool(true)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<bool> for Value {
    fn from(on: bool) -> Value {
        Value::Bool(on)
    }
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// What the form's owner calls the field (a JSON Pointer or a name of its own).
    pub key: String,
    pub label: String,
    pub kind: Kind,
    pub required: bool,
    /// Locked fields are shown but cannot change (a Closed referral, sharing once given).
    pub locked: Option<String>,
    /// A hint shown under the field when it has no error.
    pub hint: Option<String>,
    input: TextArea<'static>,
    /// The chosen option of a choice (`None`: the blank of an optional choice).
    choice: Option<usize>,
    on: bool,
    initial: Value,
    pub error: Option<String>,
}

impl Field {
    /// A field showing `value`: text for the text kinds, a bool for a toggle, the chosen option
    /// for a choice (an option named by text is chosen too).
    pub fn new(
        key: impl Into<String>,
        label: impl Into<String>,
        kind: Kind,
        value: impl Into<Value>,
    ) -> Field {
        let mut f = Field {
            key: key.into(),
            label: label.into(),
            kind,
            required: false,
            locked: None,
            hint: None,
            input: TextArea::default(),
            choice: None,
            on: false,
            initial: Value::Text(String::new()),
            error: None,
        };
        f.set_value(value);
        f.initial = f.value();
        f
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn locked(mut self, why: impl Into<String>) -> Field {
        self.locked = Some(why.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    /// Replaces the value. A value of another kind than the field's leaves it blank (off, the
    /// first option of a choice, none of an optional one, no text).
    pub fn set_value(&mut self, value: impl Into<Value>) {
        let value = value.into();
        match &self.kind {
            Kind::Choice(options) | Kind::OptionalChoice(options) => {
                let name = match &value {
                    Value::Choice(name) => name.as_deref(),
                    Value::Text(name) => Some(name.as_str()),
                    Value::Bool(_) => None,
                };
                let found =
                    name.and_then(|n| options.iter().position(|o| o.eq_ignore_ascii_case(n)));
                self.choice = match self.kind {
                    Kind::Choice(_) => found.or((!options.is_empty()).then_some(0)),
                    _ => found,
                };
            }
            Kind::Toggle => self.on = value == Value::Bool(true),
            _ => {
                let text = match value {
                    Value::Text(t) => t,
                    _ => String::new(),
                };
                let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
                self.input = TextArea::new(lines);
                self.input.move_cursor(CursorMove::Bottom);
                self.input.move_cursor(CursorMove::End);
                self.input.set_cursor_line_style(Style::new());
            }
        }
    }

    /// The value, typed by the field's kind.
    pub fn value(&self) -> Value {
        match &self.kind {
            Kind::Choice(_) | Kind::OptionalChoice(_) => Value::chosen(self.chosen()),
            Kind::Toggle => Value::Bool(self.on),
            _ => Value::Text(self.text()),
        }
    }

    /// The text of a text kind, or the chosen option of a choice ("" for none and for toggles).
    pub fn text(&self) -> String {
        match &self.kind {
            Kind::Choice(_) | Kind::OptionalChoice(_) => {
                self.chosen().unwrap_or_default().to_string()
            }
            Kind::Toggle => String::new(),
            _ => self.input.lines().join("\n"),
        }
    }

    /// True when a toggle is on.
    pub fn is_checked(&self) -> bool {
        self.kind == Kind::Toggle && self.on
    }

    /// The chosen option of a choice.
    pub fn chosen(&self) -> Option<&str> {
        match &self.kind {
            Kind::Choice(options) | Kind::OptionalChoice(options) => {
                self.choice.and_then(|i| options.get(i)).map(String::as_str)
            }
            _ => None,
        }
    }

    /// The options as shown, with the blank of an optional choice first, and the shown one.
    fn shown_options(&self) -> (Vec<&str>, usize) {
        match &self.kind {
            Kind::Choice(options) => (
                options.iter().map(String::as_str).collect(),
                self.choice.unwrap_or(0),
            ),
            Kind::OptionalChoice(options) => (
                std::iter::once(BLANK)
                    .chain(options.iter().map(String::as_str))
                    .collect(),
                self.choice.map_or(0, |i| i + 1),
            ),
            _ => (Vec::new(), 0),
        }
    }

    /// What an amount field read from the text when it is written other than as plain digits
    /// (`50k` → `= 50,000`), so the user sees the number that will be sent.
    pub fn reading(&self) -> Option<String> {
        if self.kind != Kind::Amount || self.error.is_some() {
            return None;
        }
        let text = self.text();
        let t = text.trim();
        let v = validate::parse_amount(t)?;
        let plain = t.chars().all(|c| c.is_ascii_digit() || c == '.');
        (!plain).then(|| format!("= {}", widgets::group_thousands(v)))
    }

    /// True when the value differs from what the field started with.
    pub fn changed(&self) -> bool {
        self.value() != self.initial
    }

    fn is_choice(&self) -> bool {
        matches!(self.kind, Kind::Choice(_) | Kind::OptionalChoice(_))
    }

    fn is_editable(&self) -> bool {
        self.locked.is_none() && self.kind != Kind::ReadOnly
    }

    /// Checks the value; stores and returns the error.
    pub fn validate(&mut self) -> Option<FieldError> {
        let v = self.text();
        let name = self.label.to_lowercase();
        let result: Result<(), FieldError> = if v.trim().is_empty() {
            if self.required && self.is_editable() && !self.is_choice() && self.kind != Kind::Toggle
            {
                Err(FieldError::new(
                    &name,
                    "this field is required; enter a value",
                ))
            } else {
                Ok(())
            }
        } else {
            match self.kind {
                Kind::Email => validate::email(&name, &v).map(|_| ()),
                Kind::Phone => validate::phone(&name, &v).map(|_| ()),
                Kind::Amount => validate::amount(&name, &v).map(|_| ()),
                Kind::Currency => validate::currency(&name, &v).map(|_| ()),
                Kind::Country => validate::country(&name, &v).map(|_| ()),
                Kind::Date => validate::datetime(&name, &v).map(|_| ()),
                Kind::Text => validate::max_len(&name, &v, 500).map(|_| ()),
                Kind::Multiline => validate::max_len(&name, &v, 5000).map(|_| ()),
                _ => Ok(()),
            }
        };
        self.error = result.as_ref().err().map(|e| e.to_string());
        result.err()
    }

    fn cycle(&mut self, forward: bool) {
        match &self.kind {
            Kind::Choice(options) if !options.is_empty() => {
                let n = options.len();
                let at = self.choice.unwrap_or(0);
                self.choice = Some(if forward {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                });
            }
            Kind::OptionalChoice(options) => {
                // Position 0 is the blank, option i is at i + 1.
                let n = options.len() + 1;
                let at = self.choice.map_or(0, |i| i + 1);
                let next = if forward {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                self.choice = next.checked_sub(1);
            }
            Kind::Toggle => {
                self.on = !self.on;
            }
            _ => {}
        }
    }

    /// Lines of the field's input.
    fn body_height(&self) -> u16 {
        if self.kind == Kind::Multiline { 4 } else { 1 }
    }

    /// The line(s) under the input: its error in full, else its hint (a lock is noted once for
    /// the whole form, above the fields).
    fn note(&self, width: u16, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
        match (&self.error, &self.hint) {
            (Some(e), _) => widgets::wrap(&format!("✗ {e}"), width as usize)
                .into_iter()
                .map(|l| Line::styled(l, cx.theme.error))
                .collect(),
            (None, _) if self.reading().is_some() => self
                .reading()
                .map(|r| Line::styled(widgets::truncate(&r, width as usize), cx.theme.dim))
                .into_iter()
                .collect(),
            (None, Some(h)) if self.locked.is_none() => {
                vec![Line::styled(
                    widgets::truncate(h, width as usize),
                    cx.theme.dim,
                )]
            }
            _ => Vec::new(),
        }
    }

    /// Rows the field takes with its note, its input `width` wide.
    fn height(&self, width: u16) -> u16 {
        let note = match (&self.error, &self.hint) {
            (Some(e), _) => widgets::wrap(&format!("✗ {e}"), width as usize).len(),
            (None, _) if self.reading().is_some() => 1,
            (None, Some(_)) if self.locked.is_none() => 1,
            _ => 0,
        };
        self.body_height() + note as u16
    }
}

/// How the blank of an optional choice is shown.
const BLANK: &str = "—";

/// The keys of a form pane for the help overlay: what Ctrl-S does and what Ctrl-N/Ctrl-D add
/// and remove.
pub fn form_help(save: &str, entries: &str) -> Vec<(String, String)> {
    vec![
        ("ctrl-s".into(), save.into()),
        ("tab/↓".into(), "next field".into()),
        ("shift-tab/↑".into(), "previous field".into()),
        ("space/←/→".into(), "change a choice or toggle".into()),
        (
            "ctrl-n".into(),
            format!("add a {entries} after the one under the cursor"),
        ),
        (
            "ctrl-d".into(),
            format!("remove the {entries} under the cursor"),
        ),
        (
            "esc".into(),
            "cancel (asks when something was typed)".into(),
        ),
    ]
}

/// The words around a form drawn as a pane.
pub struct PaneText<'a> {
    pub title: &'a str,
    pub error: Option<&'a str>,
    /// Shown when there is no error, in its style.
    pub note: Option<(&'a str, Style)>,
    pub hint: &'a str,
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEvent {
    Handled,
    /// The value of the focused field changed.
    Changed,
    Submit,
    Cancel,
    /// A key the form does not use.
    Ignored,
}

/// A list of fields with one focused.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    scroll: u16,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        let mut f = Form {
            fields,
            focus: 0,
            scroll: 0,
        };
        f.focus = f.fields.iter().position(Field::is_editable).unwrap_or(0);
        f
    }

    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    /// The text of a field by key (see [`Field::text`]; "" when there is no such field).
    pub fn text(&self, key: &str) -> String {
        self.get(key).map(Field::text).unwrap_or_default()
    }

    /// The trimmed text of a field by key, `None` when it is blank.
    pub fn trimmed(&self, key: &str) -> Option<String> {
        let text = self.text(key);
        let t = text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// True when the toggle `key` is on.
    pub fn is_checked(&self, key: &str) -> bool {
        self.get(key).is_some_and(Field::is_checked)
    }

    /// The chosen option of the choice `key`.
    pub fn chosen(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Field::chosen)
    }

    /// Puts the focus on a field by key.
    pub fn focus_key(&mut self, key: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.key == key) {
            self.focus = i;
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// True when any field was changed.
    pub fn is_dirty(&self) -> bool {
        self.fields.iter().any(Field::changed)
    }

    /// Checks every field; returns the errors (also shown under the fields).
    pub fn validate_all(&mut self) -> Vec<FieldError> {
        let errors: Vec<FieldError> = self.fields.iter_mut().filter_map(Field::validate).collect();
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
        errors
    }

    /// Shows errors found elsewhere (a rule check) under the fields they name.
    pub fn show_errors(&mut self, errors: &[FieldError]) {
        for e in errors {
            if let Some(f) = self
                .fields
                .iter_mut()
                .find(|f| f.key == e.field || f.label.eq_ignore_ascii_case(&e.field))
            {
                f.error = Some(e.to_string());
            }
        }
    }

    fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        let mut i = self.focus;
        for _ in 0..n {
            i = if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            if self.fields[i].is_editable() {
                self.focus = i;
                return;
            }
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> FormEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('s') {
            return FormEvent::Submit;
        }
        if matches!(key.code, KeyCode::F(_)) {
            // Function keys are never text (F1 is help).
            return FormEvent::Ignored;
        }
        let Some(field) = self.fields.get_mut(self.focus) else {
            return FormEvent::Ignored;
        };
        let multiline = field.kind == Kind::Multiline;
        match key.code {
            KeyCode::Esc => return FormEvent::Cancel,
            KeyCode::Tab => {
                self.move_focus(true);
                return FormEvent::Handled;
            }
            KeyCode::BackTab => {
                self.move_focus(false);
                return FormEvent::Handled;
            }
            KeyCode::Down if !multiline => {
                self.move_focus(true);
                return FormEvent::Handled;
            }
            KeyCode::Up if !multiline => {
                self.move_focus(false);
                return FormEvent::Handled;
            }
            KeyCode::Enter if !multiline && !field.is_choice() && field.kind != Kind::Toggle => {
                self.move_focus(true);
                return FormEvent::Handled;
            }
            _ => {}
        }
        if !field.is_editable() {
            return FormEvent::Ignored;
        }
        let picks = field.is_choice() || field.kind == Kind::Toggle;
        match key.code {
            KeyCode::Char(' ') | KeyCode::Enter | KeyCode::Right if picks => {
                field.cycle(true);
                field.validate();
                FormEvent::Changed
            }
            KeyCode::Left if picks => {
                field.cycle(false);
                field.validate();
                FormEvent::Changed
            }
            _ if picks => FormEvent::Ignored,
            _ => {
                if crate::ui::input::textarea_key(&mut field.input, key) {
                    field.validate();
                    FormEvent::Changed
                } else {
                    FormEvent::Handled
                }
            }
        }
    }

    /// Pasted text goes into the focused text field (new lines only in multi-line fields).
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return false;
        };
        if !field.is_editable() || field.is_choice() || field.kind == Kind::Toggle {
            return false;
        }
        let clean: String = if field.kind == Kind::Multiline {
            text.replace('\r', "")
        } else {
            text.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        };
        field.input.insert_str(clean);
        field.validate();
        true
    }

    /// Draws the form as a whole pane: a titled border, the fields, one line for an error (or
    /// the note when there is none) and one line of key hints.
    pub fn render_pane(
        &mut self,
        frame: &mut Frame<'_>,
        area: Rect,
        cx: &RenderCx<'_>,
        text: PaneText<'_>,
    ) {
        let PaneText {
            title,
            error,
            note,
            hint,
        } = text;
        let block = widgets::pane_block(format!(" {title} "), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        // The error in full (wrapped, up to a third of the pane), else the note.
        let lines: Vec<Line> = match (error, note) {
            (Some(e), _) => widgets::wrap(e, inner.width as usize)
                .into_iter()
                .map(|l| Line::styled(l, cx.theme.error))
                .collect(),
            (None, Some((text, style))) => vec![Line::styled(text.to_string(), style)],
            (None, None) => Vec::new(),
        };
        let msg_h = (lines.len() as u16).clamp(1, (inner.height / 3).max(1));
        let [body, msg, hints] = ratatui::layout::Layout::vertical([
            ratatui::layout::Constraint::Min(1),
            ratatui::layout::Constraint::Length(msg_h),
            ratatui::layout::Constraint::Length(1),
        ])
        .areas(inner);
        self.render(frame, body, cx);
        if !lines.is_empty() {
            frame.render_widget(Paragraph::new(lines), msg);
        }
        frame.render_widget(
            Paragraph::new(Line::styled(hint.to_string(), cx.theme.dim)),
            hints,
        );
    }

    /// Draws the fields; the focused one shows its cursor.
    pub fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let label_w = self
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(10)
            .clamp(8, 24) as u16
            + 2;
        let input_w = area.width.saturating_sub(label_w + 1);
        // Why fields are locked, each reason once for the whole form, above the fields.
        // A reason of one field names it.
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for f in &self.fields {
            let Some(why) = f.locked.as_deref() else {
                continue;
            };
            match reasons.iter_mut().find(|(w, _)| *w == why) {
                Some((_, labels)) => labels.push(&f.label),
                None => reasons.push((why, vec![&f.label])),
            }
        }
        let lock_lines: Vec<Line> = reasons
            .iter()
            .map(|(why, labels)| match labels.as_slice() {
                [one] => format!("locked: {one} — {why}"),
                _ => format!("locked: {why}"),
            })
            .flat_map(|text| widgets::wrap(&text, area.width as usize))
            .map(|l| Line::styled(l, cx.theme.warning))
            .collect();
        let lock_h = (lock_lines.len() as u16).min(area.height.saturating_sub(1));
        if lock_h > 0 {
            frame.render_widget(
                Paragraph::new(lock_lines),
                Rect::new(area.x, area.y, area.width, lock_h),
            );
        }
        let area = Rect::new(area.x, area.y + lock_h, area.width, area.height - lock_h);
        // Keep the focused field in view.
        let tops: Vec<u16> = self
            .fields
            .iter()
            .scan(0u16, |y, f| {
                let top = *y;
                *y += f.height(input_w);
                Some(top)
            })
            .collect();
        if let (Some(&top), Some(f)) = (tops.get(self.focus), self.fields.get(self.focus)) {
            let h = f.height(input_w);
            if top < self.scroll {
                self.scroll = top;
            } else if top + h > self.scroll + area.height {
                self.scroll = (top + h).saturating_sub(area.height);
            }
        }
        for (i, field) in self.fields.iter_mut().enumerate() {
            let top = tops[i];
            if top < self.scroll || top + field.height(input_w) > self.scroll + area.height {
                continue;
            }
            let y = area.y + top - self.scroll;
            let focused = i == self.focus && cx.focused;
            let label_style = if focused { cx.theme.key } else { cx.theme.dim };
            let star = if field.required && field.is_editable() {
                "*"
            } else {
                ""
            };
            frame.render_widget(
                Paragraph::new(Span::styled(
                    widgets::fit(&format!("{}{star}", field.label), label_w as usize),
                    label_style,
                )),
                Rect::new(area.x, y, label_w, 1),
            );
            let body_h = field.body_height();
            let input_area = Rect::new(area.x + label_w + 1, y, input_w, body_h);
            match &field.kind {
                Kind::Choice(_) | Kind::OptionalChoice(_) => {
                    let (options, at) = field.shown_options();
                    let mut spans = Vec::new();
                    for (j, o) in options.iter().enumerate() {
                        let style = if j == at {
                            if focused {
                                cx.theme.selected
                            } else {
                                cx.theme.highlight
                            }
                        } else {
                            cx.theme.dim
                        };
                        spans.push(Span::styled(format!(" {o} "), style));
                    }
                    let full: usize = options.iter().map(|o| o.chars().count() + 2).sum();
                    if full > input_w as usize {
                        // Too many to show side by side: the chosen one with its place.
                        let chosen = options.get(at).copied().unwrap_or_default();
                        let style = if focused {
                            cx.theme.selected
                        } else {
                            cx.theme.highlight
                        };
                        spans = vec![
                            Span::styled(format!("◂ {chosen} ▸"), style),
                            Span::styled(format!("  {}/{}", at + 1, options.len()), cx.theme.dim),
                        ];
                    }
                    frame.render_widget(Paragraph::new(Line::from(spans)), input_area);
                }
                Kind::Toggle => {
                    let text = if field.on { "[x] yes" } else { "[ ] no" };
                    let style = if focused {
                        cx.theme.selected
                    } else {
                        Style::new()
                    };
                    frame.render_widget(Paragraph::new(Span::styled(text, style)), input_area);
                }
                _ if focused && field.is_editable() => {
                    field.input.set_style(cx.theme.input);
                    field.input.set_cursor_style(
                        Style::new().add_modifier(ratatui::style::Modifier::REVERSED),
                    );
                    frame.render_widget(&field.input, input_area);
                }
                _ => {
                    let value = field.text();
                    let style = if field.is_editable() {
                        cx.theme.base
                    } else {
                        cx.theme.dim
                    };
                    let lines: Vec<Line> = widgets::wrap(&value, input_w as usize)
                        .into_iter()
                        .take(body_h as usize)
                        .map(|l| Line::styled(l, style))
                        .collect();
                    frame.render_widget(Paragraph::new(lines), input_area);
                }
            }
            let note = field.note(input_w, cx);
            if !note.is_empty() {
                let h = note.len() as u16;
                frame.render_widget(
                    Paragraph::new(note),
                    Rect::new(area.x + label_w + 1, y + body_h, input_w, h),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_like_the_filter_and_show_what_was_read() {
        let mut f = Field::new("v", "Deal value", Kind::Amount, "50k");
        assert_eq!(f.validate(), None);
        assert_eq!(f.reading().as_deref(), Some("= 50,000"));
        f.set_value("1.5m");
        assert_eq!(f.reading().as_deref(), Some("= 1,500,000"));
        f.set_value("25000");
        assert_eq!(f.reading(), None, "plain digits need no echo");
        f.set_value("lots");
        assert!(f.validate().is_some());
        assert_eq!(f.reading(), None);
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_str(form: &mut Form, s: &str) {
        for c in s.chars() {
            form.handle_key(&key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn fields_validate_as_typed() {
        let mut form = Form::new(vec![
            Field::new("email", "Email", Kind::Email, ""),
            Field::new("cur", "Currency", Kind::Currency, "USD"),
        ]);
        type_str(&mut form, "ann@");
        assert!(
            form.fields[0]
                .error
                .as_deref()
                .unwrap()
                .starts_with("email:"),
            "{:?}",
            form.fields[0].error
        );
        type_str(&mut form, "contoso.com");
        assert_eq!(form.fields[0].error, None);
        form.handle_key(&key(KeyCode::Tab));
        form.handle_key(&key(KeyCode::Backspace));
        assert!(
            form.fields[1]
                .error
                .as_deref()
                .unwrap()
                .contains("ISO 4217")
        );
        assert!(form.is_dirty());
    }

    #[test]
    fn required_fields_fail_on_submit_and_focus_moves_there() {
        let mut form = Form::new(vec![
            Field::new("a", "Name", Kind::Text, "x"),
            Field::new("b", "Customer", Kind::Text, "").required(),
        ]);
        let errors = form.validate_all();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "customer");
        assert_eq!(form.focus, 1);
    }

    #[test]
    fn choices_and_toggles_cycle_and_locked_fields_are_skipped() {
        let mut form = Form::new(vec![
            Field::new(
                "c",
                "Stage",
                Kind::Choice(vec!["Qualify".into(), "Develop".into()]),
                "Develop",
            ),
            Field::new("l", "Locked", Kind::Text, "x").locked("closed"),
            Field::new("t", "Fav", Kind::Toggle, false),
        ]);
        assert_eq!(form.chosen("c"), Some("Develop"));
        form.handle_key(&key(KeyCode::Char(' ')));
        assert_eq!(form.chosen("c"), Some("Qualify"));
        form.handle_key(&key(KeyCode::Tab));
        assert_eq!(form.focus, 2, "locked field skipped");
        form.handle_key(&key(KeyCode::Enter));
        assert!(form.is_checked("t"));
        assert_eq!(
            form.handle_key(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            FormEvent::Submit
        );
        assert_eq!(form.handle_key(&key(KeyCode::Esc)), FormEvent::Cancel);
    }

    #[test]
    fn multiline_fields_take_enter_and_arrows() {
        let mut form = Form::new(vec![Field::new("n", "Notes", Kind::Multiline, "one")]);
        form.handle_key(&key(KeyCode::Enter));
        type_str(&mut form, "two");
        assert_eq!(form.text("n"), "one\ntwo");
        assert_eq!(form.handle_key(&key(KeyCode::Up)), FormEvent::Handled);
        assert!(form.paste("three\r\nfour"));
        assert!(form.text("n").contains("three\nfour"));
    }
}
