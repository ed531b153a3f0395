//! The mine/theirs view of a 412: the referral changed on the server after the user loaded it.
//!
//! Every field the user changed is listed with its value before (base), the user's value (mine)
//! and the server's (theirs). Each needs a decision — keep mine, take theirs, or edit — before
//! anything is sent; nothing is overwritten without the user choosing. Fields only the server
//! changed are shown and kept. Applying sends the smallest patch from *theirs* to the chosen
//! result, with the server's new eTag; choosing theirs everywhere drops the edit. Closing the
//! view leaves the edit in the outbox as a conflict, to resolve later.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use serde_json::Value;

use crate::domain::Referral;
use crate::domain::field::FieldPath;
use crate::domain::patch::{self, pointer};
use crate::domain::time::parse_datetime;
use crate::domain::validate;
use crate::protocol::{Command, Level};
use crate::ui::form::{Field, Form, FormEvent, Kind};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

/// The user's decision for one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Undecided,
    Mine,
    Theirs,
    Edited(Value),
}

/// One field in the view.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRow {
    pub path: FieldPath,
    pub base: Option<Value>,
    pub mine: Option<Value>,
    pub theirs: Option<Value>,
    /// `None` for fields only the server changed (nothing to decide).
    pub choice: Option<Choice>,
}

pub struct ConflictView {
    seq: i64,
    theirs: Referral,
    /// The currency of the base, of my version and of theirs (deal values are shown with it).
    currencies: [String; 3],
    pub rows: Vec<ConflictRow>,
    table: TableState,
    editing: Option<Form>,
    error: Option<String>,
}

/// Builds the rows from the three versions.
pub fn conflict_rows(base: &Referral, mine: &Referral, theirs: &Referral) -> Vec<ConflictRow> {
    let (b, m, t) = (base.to_value(), mine.to_value(), theirs.to_value());
    let mut rows = Vec::new();
    for path in FieldPath::EDITABLE
        .into_iter()
        .filter(|p| *p != FieldPath::Registrations)
    {
        let (bv, mv, tv) = (
            pointer(&b, path.pointer()).cloned(),
            pointer(&m, path.pointer()).cloned(),
            pointer(&t, path.pointer()).cloned(),
        );
        if !same(&mv, &bv) {
            // Both ended up at the same value: nothing to decide.
            let choice = if same(&mv, &tv) {
                None
            } else {
                Some(Choice::Undecided)
            };
            rows.push(ConflictRow {
                path,
                base: bv,
                mine: mv,
                theirs: tv,
                choice,
            });
        } else if !same(&tv, &bv) {
            rows.push(ConflictRow {
                path,
                base: bv,
                mine: mv,
                theirs: tv,
                choice: None,
            });
        }
    }
    rows
}

/// True when two values of a field are the same value: date-times compared as instants
/// (`…T00:00:00Z` and `…T00:00:00` are one time), numbers as numbers (`72000` and `72000.0`).
fn same(a: &Option<Value>, b: &Option<Value>) -> bool {
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) => {
            x == y || matches!((parse_datetime(x), parse_datetime(y)), (Some(p), Some(q)) if p == q)
        }
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn show(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A field as the view names it: its label, as the detail and the edit form name it.
fn label(path: FieldPath) -> String {
    path.label().to_string()
}

/// A value as the detail shows it: money with grouping and the currency, dates as dates,
/// yes/no for toggles; lists and objects as compact JSON.
fn shown(path: FieldPath, v: &Option<Value>, currency: &str) -> String {
    match (path, v) {
        (FieldPath::DealValue, Some(Value::Number(n))) => widgets::money(n.as_f64(), currency),
        (FieldPath::ClosingDate, Some(Value::String(s))) => match parse_datetime(s) {
            Some(d) => widgets::date(Some(d)),
            None => s.clone(),
        },
        (_, Some(Value::Bool(b))) => if *b { "yes" } else { "no" }.into(),
        _ => show(v),
    }
}

/// The options of a yes/no field in the edit line.
const TRUE_FALSE: [&str; 2] = ["true", "false"];

impl ConflictView {
    pub fn new(seq: i64, base: Referral, mine: Referral, theirs: Referral) -> ConflictView {
        let rows = conflict_rows(&base, &mine, &theirs);
        let first = rows.iter().position(|r| r.choice.is_some()).unwrap_or(0);
        let currency = |r: &Referral| {
            r.details
                .as_ref()
                .and_then(|d| d.currency.clone())
                .unwrap_or_default()
        };
        ConflictView {
            seq,
            currencies: [currency(&base), currency(&mine), currency(&theirs)],
            theirs,
            rows,
            table: TableState::default().with_selected(Some(first)),
            editing: None,
            error: None,
        }
    }

    /// The before, mine (or the edited value) and theirs of a row, as the detail shows them.
    fn cells(&self, r: &ConflictRow) -> [String; 3] {
        let [base_currency, my_currency, their_currency] = &self.currencies;
        let mine = match &r.choice {
            Some(Choice::Edited(v)) => shown(r.path, &Some(v.clone()), my_currency),
            _ => shown(r.path, &r.mine, my_currency),
        };
        [
            shown(r.path, &r.base, base_currency),
            mine,
            shown(r.path, &r.theirs, their_currency),
        ]
    }

    fn undecided(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.choice == Some(Choice::Undecided))
            .count()
    }

    fn set_choice(&mut self, c: Choice) {
        if let Some(row) = self.table.selected().and_then(|i| self.rows.get_mut(i)) {
            if row.choice.is_some() {
                row.choice = Some(c);
                self.error = None;
            } else {
                self.error = Some("only the server changed this field; it is kept as it is".into());
            }
        }
        // Move on to the next field that still needs a decision.
        if let Some(next) = self
            .rows
            .iter()
            .position(|r| r.choice == Some(Choice::Undecided))
        {
            self.table.select(Some(next));
        }
    }

    fn start_edit(&mut self) {
        let Some(row) = self.table.selected().and_then(|i| self.rows.get(i)) else {
            return;
        };
        if row.choice.is_none() {
            self.error = Some("only the server changed this field; it is kept as it is".into());
            return;
        }
        let kind = match row.path {
            FieldPath::DealValue => Kind::Amount,
            FieldPath::Currency => Kind::Currency,
            FieldPath::ClosingDate => Kind::Date,
            FieldPath::Notes => Kind::Multiline,
            FieldPath::Favorite | FieldPath::ShareWithMicrosoft => {
                Kind::Choice(TRUE_FALSE.map(String::from).to_vec())
            }
            _ if matches!(
                row.mine.as_ref().or(row.theirs.as_ref()),
                Some(Value::Array(_) | Value::Object(_))
            ) =>
            {
                Kind::Multiline
            }
            _ => Kind::Text,
        };
        let start = match (&row.choice, &row.mine) {
            (Some(Choice::Edited(v)), _) => show(&Some(v.clone())),
            (_, m) => show(m),
        };
        self.editing = Some(Form::new(vec![
            Field::new(
                row.path.pointer(),
                label(row.path),
                kind,
                if start == "—" { "" } else { start.as_str() },
            )
            .hint("ctrl-s keeps this value · esc cancels"),
        ]));
    }

    fn finish_edit(&mut self) {
        let Some(form) = &mut self.editing else {
            return;
        };
        if !form.validate_all().is_empty() {
            return;
        }
        let Some(i) = self.table.selected() else {
            return;
        };
        let path = self.rows[i].path;
        let text = form.text(path.pointer());
        let value = match path {
            FieldPath::DealValue => validate::amount("deal value", &text).ok().map(Value::from),
            FieldPath::Currency => Some(Value::String(text.trim().to_ascii_uppercase())),
            FieldPath::ClosingDate => parse_datetime(&text)
                .map(|d| Value::String(crate::domain::time::format_datetime(&d))),
            FieldPath::Favorite | FieldPath::ShareWithMicrosoft => Some(Value::Bool(
                form.chosen(path.pointer()) == Some(TRUE_FALSE[0]),
            )),
            _ if matches!(
                self.rows[i].mine.as_ref().or(self.rows[i].theirs.as_ref()),
                Some(Value::Array(_) | Value::Object(_))
            ) =>
            {
                match serde_json::from_str::<Value>(&text) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        form.show_errors(&[validate::FieldError::new(
                            path.pointer(),
                            format!("not valid JSON ({e}); fix it or press esc"),
                        )]);
                        return;
                    }
                }
            }
            _ if text.trim().is_empty() => Some(Value::Null),
            _ => Some(Value::String(text)),
        };
        if let Some(v) = value {
            self.rows[i].choice = Some(Choice::Edited(v));
            self.editing = None;
        }
    }

    /// The patch from theirs to the chosen result.
    pub fn resolution(&self) -> Result<Vec<patch::PatchOp>, String> {
        if self.undecided() > 0 {
            return Err(format!(
                "{} field(s) still need a choice: m keeps mine, t takes theirs, e edits",
                self.undecided()
            ));
        }
        let theirs = self.theirs.to_value();
        let mut result = theirs.clone();
        for row in &self.rows {
            let value = match &row.choice {
                Some(Choice::Mine) => row.mine.clone().unwrap_or(Value::Null),
                Some(Choice::Edited(v)) => v.clone(),
                _ => continue,
            };
            patch::apply(
                &mut result,
                &[patch::PatchOp::add(row.path.pointer(), value)],
            )
            .map_err(|e| e.to_string())?;
        }
        Ok(patch::diff_values(&theirs, &result))
    }

    fn apply(&mut self, cx: &mut Cx<'_>) -> Flow {
        match self.resolution() {
            Err(e) => {
                self.error = Some(e);
                Flow::Handled
            }
            Ok(ops) if ops.is_empty() => {
                cx.send(Command::OutboxDiscard { seq: self.seq });
                cx.notify(
                    Level::Info,
                    "kept the server's version; your edit was dropped as chosen",
                );
                Flow::Close
            }
            Ok(ops) => {
                let fields: Vec<String> = self
                    .rows
                    .iter()
                    .filter(|r| matches!(r.choice, Some(Choice::Mine | Choice::Edited(_))))
                    .map(|r| label(r.path))
                    .collect();
                cx.send(Command::Resolve {
                    seq: self.seq,
                    ops,
                    etag: self.theirs.etag.clone(),
                    summary: format!("resolved: {}", fields.join(", ")),
                });
                Flow::Close
            }
        }
    }
}

impl Pane for ConflictView {
    fn title(&self) -> String {
        "Conflict".into()
    }

    fn referral_id(&self) -> Option<&str> {
        Some(self.theirs.id())
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        if let Some(form) = &mut self.editing {
            match form.handle_key(key) {
                FormEvent::Cancel => self.editing = None,
                FormEvent::Submit => self.finish_edit(),
                _ => {}
            }
            return Flow::Handled;
        }
        let n = self.rows.len();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (key.code, cx.keymap.action(key)) {
            (KeyCode::Esc, _) => {
                cx.notify(
                    Level::Warning,
                    "the edit stays in the outbox as a conflict (O to resolve later)",
                );
                Flow::Close
            }
            (KeyCode::Char('s'), _) if ctrl => self.apply(cx),
            (KeyCode::Enter, _) => self.apply(cx),
            (KeyCode::Char('m'), _) => {
                self.set_choice(Choice::Mine);
                Flow::Handled
            }
            (KeyCode::Char('t'), _) => {
                self.set_choice(Choice::Theirs);
                Flow::Handled
            }
            (KeyCode::Char('e'), _) => {
                self.start_edit();
                Flow::Handled
            }
            (_, Some(KeyAction::Down)) if n > 0 => {
                self.table
                    .select(Some((self.table.selected().unwrap_or(0) + 1).min(n - 1)));
                Flow::Handled
            }
            (_, Some(KeyAction::Up)) => {
                self.table
                    .select(Some(self.table.selected().unwrap_or(0).saturating_sub(1)));
                Flow::Handled
            }
            _ => Flow::Handled,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        if let Some(form) = &mut self.editing {
            form.paste(text);
        }
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(
            format!(
                " Conflict: “{}” changed on the server meanwhile ",
                self.theirs.name()
            ),
            cx,
        );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [table_area, detail_area, edit_area, msg, hint] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(5),
            Constraint::Length(if self.editing.is_some() { 6 } else { 0 }),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let col = (table_area.width.saturating_sub(30) / 3) as usize;
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|r| {
                let (decision, style) = match &r.choice {
                    None => ("server", cx.theme.dim),
                    Some(Choice::Undecided) => ("choose", cx.theme.error),
                    Some(Choice::Mine) => ("mine", cx.theme.ok),
                    Some(Choice::Theirs) => ("theirs", cx.theme.info),
                    Some(Choice::Edited(_)) => ("edited", cx.theme.highlight),
                };
                let [before, mine, theirs] = self.cells(r);
                Row::new(vec![
                    Cell::from(widgets::truncate(&label(r.path), 20)),
                    Cell::from(Span::styled(decision, style)),
                    Cell::from(widgets::truncate(&before, col)),
                    Cell::from(widgets::truncate(&mine, col)),
                    Cell::from(widgets::truncate(&theirs, col)),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(20),
                Constraint::Length(7),
                Constraint::Fill(1),
                Constraint::Fill(1),
                Constraint::Fill(1),
            ],
        )
        .header(
            Row::new(vec!["field", "choice", "before", "mine", "theirs"]).style(cx.theme.header),
        )
        .row_highlight_style(cx.theme.selected);
        frame.render_stateful_widget(table, table_area, &mut self.table);
        if let Some(r) = self.table.selected().and_then(|i| self.rows.get(i)) {
            // The selected field in full: the table truncates long values.
            let [before, mine, theirs] = self.cells(r);
            let line = |name: &'static str, value: String| {
                Line::from(vec![
                    Span::styled(format!("{name:<8}"), cx.theme.dim),
                    Span::raw(value),
                ])
            };
            let lines = vec![
                Line::styled(label(r.path), cx.theme.header),
                line("before", before),
                line("mine", mine),
                line("theirs", theirs),
            ];
            frame.render_widget(
                Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
                detail_area,
            );
        }
        if let Some(form) = &mut self.editing {
            form.render(frame, edit_area, cx);
        }
        let status = match &self.error {
            Some(e) => Line::styled(e.clone(), cx.theme.error),
            None if self.undecided() > 0 => Line::styled(
                format!("{} field(s) to decide", self.undecided()),
                cx.theme.warning,
            ),
            None => Line::styled("ready: enter sends the result", cx.theme.ok),
        };
        frame.render_widget(Paragraph::new(status), msg);
        frame.render_widget(
            Paragraph::new(Line::styled(
                "m keep mine · t take theirs · e edit · enter/ctrl-s send · esc later",
                cx.theme.dim,
            )),
            hint,
        );
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            (keymap.label(KeyAction::Down), "next field".into()),
            (keymap.label(KeyAction::Up), "previous field".into()),
            ("m".into(), "keep my value".into()),
            ("t".into(), "take the server's value".into()),
            ("e".into(), "edit the value".into()),
            (
                "enter/ctrl-s".into(),
                "send the result (every field decided)".into(),
            ),
            ("esc".into(), "decide later (stays in the outbox)".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (90, 70)
    }

    fn has_unsaved_input(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(v: Value) -> Referral {
        serde_json::from_value(v).unwrap()
    }

    fn view() -> ConflictView {
        let base = r(
            json!({"id": "1", "campaignId": "A", "details": {"dealValue": 10.0, "notes": "x"}, "eTag": "\"1\""}),
        );
        let mine = r(
            json!({"id": "1", "campaignId": "B", "details": {"dealValue": 20.0, "notes": "x"}, "eTag": "\"1\""}),
        );
        let theirs = r(
            json!({"id": "1", "campaignId": "C", "details": {"dealValue": 10.0, "notes": "y"}, "eTag": "\"2\""}),
        );
        ConflictView::new(7, base, mine, theirs)
    }

    #[test]
    fn rows_show_my_changes_to_decide_and_theirs_to_keep() {
        let v = view();
        let paths: Vec<(&str, bool)> = v
            .rows
            .iter()
            .map(|r| (r.path.pointer(), r.choice.is_some()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("/campaignId", true),
                ("/details/dealValue", true),
                ("/details/notes", false)
            ]
        );
    }

    #[test]
    fn an_edit_of_the_value_alone_conflicts_on_the_value_alone() {
        let base = r(
            json!({"id": "1", "name": "A", "status": "Active", "eTag": "\"1\"",
            "details": {"dealValue": 10.0, "currency": "EUR", "notes": "x",
                "closingDateTime": "2026-05-01T15:30:00Z"}}),
        );
        let mut form = crate::ui::edit::EditForm::new(base.clone(), "/details/dealValue");
        form.form
            .get_mut("/details/dealValue")
            .unwrap()
            .set_value("72,000");
        let mine = form.edited().unwrap();
        let mut theirs = base.clone();
        theirs.details.as_mut().unwrap().notes = Some("y".into());
        let v = ConflictView::new(1, base, mine, theirs);
        let paths: Vec<&str> = v.rows.iter().map(|r| r.path.pointer()).collect();
        assert_eq!(paths, ["/details/dealValue", "/details/notes"]);
    }

    #[test]
    fn values_are_shown_as_the_detail_shows_them() {
        let v = view();
        let row = &v.rows[1];
        assert_eq!(label(row.path), "Deal value");
        assert_eq!(v.cells(row), ["10", "20", "10"].map(String::from));
        let date = Some(json!("2027-02-28T17:00:00Z"));
        assert_eq!(shown(FieldPath::ClosingDate, &date, ""), "2027-02-28");
        let money = Some(json!(72000.0));
        assert_eq!(shown(FieldPath::DealValue, &money, "EUR"), "72,000 EUR");
        assert_eq!(shown(FieldPath::Favorite, &Some(json!(true)), ""), "yes");
    }

    #[test]
    fn nothing_is_sent_until_every_field_is_decided() {
        let mut v = view();
        assert!(v.resolution().unwrap_err().contains("2 field(s)"));
        v.set_choice(Choice::Mine); // campaign id
        assert!(v.resolution().is_err());
        v.set_choice(Choice::Theirs); // deal value
        let ops = v.resolution().unwrap();
        assert_eq!(
            ops,
            vec![patch::PatchOp::replace("/campaignId", json!("B"))]
        );
    }

    #[test]
    fn taking_theirs_everywhere_sends_nothing() {
        let mut v = view();
        v.set_choice(Choice::Theirs);
        v.set_choice(Choice::Theirs);
        assert!(v.resolution().unwrap().is_empty());
    }

    #[test]
    fn edited_values_are_sent_as_typed() {
        let mut v = view();
        v.table.select(Some(1));
        v.start_edit();
        let form = v.editing.as_mut().unwrap();
        form.get_mut("/details/dealValue")
            .unwrap()
            .set_value("15,000");
        v.finish_edit();
        v.table.select(Some(0));
        v.set_choice(Choice::Theirs);
        let ops = v.resolution().unwrap();
        assert_eq!(
            ops,
            vec![patch::PatchOp::replace(
                "/details/dealValue",
                json!(15000.0)
            )]
        );
    }
}
