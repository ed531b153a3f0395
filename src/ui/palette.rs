//! `:` — the command palette. Commands are typed words with completion: Tab completes the word
//! under the cursor (cycling on repeats), ↑/↓ pick among the suggestions, Enter runs.
//!
//! Commands: `refresh [full]`, `sort COLUMN [asc|desc]`, `filter TEXT`, `export csv|json FILE`
//! (the marked referrals when rows are marked, else the filtered list), `set PATH VALUE` (on the
//! marked referrals, as `refdeck referrals set` reads it), `theme NAME`, `outbox`,
//! `marketo check [all]`, `new [shared]`, `view NAME`,
//! `view save NAME`, `view delete NAME`, `help`, `quit[!]`.

use std::path::{Component, Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::bulk::BulkAction;
use crate::domain::bulk::BulkMove;
use crate::domain::search::{Column, SortSpec};
use crate::domain::set;
use crate::protocol::{Command, ExportFormat, Level};
use crate::ui::input::LineEdit;
use crate::ui::keymap::Keymap;
use crate::ui::pane::{Cx, Flow, ListRequest, Pane, RenderCx};
use crate::ui::theme::Theme;
use crate::ui::widgets;

/// The commands and what they take, for completion and `help`.
const COMMANDS: &[(&str, &str)] = &[
    (
        "refresh",
        "fetch changes from the server (refresh full: everything)",
    ),
    ("sort", "sort COLUMN [asc|desc]"),
    ("filter", "filter TEXT — set the list filter"),
    (
        "export",
        "export csv|json FILE — write the marked referrals, else the filtered list",
    ),
    (
        "set",
        "set PATH VALUE — set a field on the marked referrals (a preview first)",
    ),
    ("theme", "theme dark|light|high-contrast|mono"),
    ("outbox", "unsent edits, with retry and discard"),
    ("marketo", "marketo check [all] — Marketo sync status"),
    ("new", "new [shared] — create a referral"),
    (
        "view",
        "view NAME · view save NAME (the list's view, filter and sort) · view delete NAME",
    ),
    ("help", "list the commands"),
    ("quit", "quit (quit! skips the unsent-edits question)"),
];

pub struct Palette {
    input: String,
    cursor: usize,
    selected: usize,
    /// The completion cycle in progress: (candidates, next index, the word's start).
    cycle: Option<(Vec<String>, usize, usize)>,
    error: Option<String>,
    /// Earlier (text, cursor) states for Ctrl-Z, the latest last.
    history: Vec<(String, usize)>,
    /// What the last kill took, for Ctrl-Y.
    killed: String,
}

impl Default for Palette {
    fn default() -> Self {
        Palette::new()
    }
}

impl Palette {
    pub fn new() -> Palette {
        Palette {
            input: String::new(),
            cursor: 0,
            selected: 0,
            cycle: None,
            error: None,
            history: Vec::new(),
            killed: String::new(),
        }
    }

    /// Notes the text before a change, for Ctrl-Z.
    fn remember(&mut self) {
        if self.history.last().map(|(t, _)| t) != Some(&self.input) {
            self.history.push((self.input.clone(), self.cursor));
        }
    }

    /// A readline edit of the command line (see [`crate::ui::input`]).
    fn line_edit(&mut self, edit: LineEdit) {
        let kill = |p: &mut Palette, range: std::ops::Range<usize>| {
            p.remember();
            p.killed = p.input[range.clone()].to_string();
            p.input.replace_range(range.clone(), "");
            p.cursor = range.start;
        };
        match edit {
            LineEdit::LineStart => self.cursor = 0,
            LineEdit::LineEnd => self.cursor = self.input.len(),
            LineEdit::KillToStart => kill(self, 0..self.cursor),
            LineEdit::KillToEnd => kill(self, self.cursor..self.input.len()),
            LineEdit::KillWord => {
                let start = self.input[..self.cursor]
                    .trim_end()
                    .rfind(' ')
                    .map(|i| i + 1)
                    .unwrap_or(0);
                kill(self, start..self.cursor);
            }
            LineEdit::Yank => {
                self.remember();
                let text = self.killed.clone();
                self.input.insert_str(self.cursor, &text);
                self.cursor += text.len();
            }
            LineEdit::Undo => {
                if let Some((text, cursor)) = self.history.pop() {
                    self.input = text;
                    self.cursor = cursor.min(self.input.len());
                }
            }
        }
        self.error = None;
        self.selected = 0;
    }

    /// The palette pre-filled (tests, and `:` bindings with arguments).
    pub fn with_input(text: &str) -> Palette {
        let mut p = Palette::new();
        p.input = text.to_string();
        p.cursor = text.len();
        p
    }

    /// Candidates for the word being typed, given the words before it.
    pub fn candidates(&self) -> Vec<String> {
        let before = &self.input[..self.cursor];
        let words: Vec<&str> = before.split_whitespace().collect();
        let typing_new = before.is_empty() || before.ends_with(' ');
        let (done, partial) = if typing_new {
            (words.as_slice(), "")
        } else {
            (
                &words[..words.len().saturating_sub(1)],
                words.last().copied().unwrap_or(""),
            )
        };
        let options: Vec<String> = match done {
            [] => COMMANDS
                .iter()
                .map(|(c, _)| c.to_string())
                .chain(["quit!".to_string()])
                .collect(),
            ["sort"] => Column::ALL.iter().map(|c| c.as_str().to_string()).collect(),
            ["sort", _] => vec!["asc".into(), "desc".into()],
            ["export"] => vec!["csv".into(), "json".into()],
            ["export", fmt] => vec![format!("referrals.{fmt}")],
            ["theme"] => Theme::NAMES.iter().map(|s| s.to_string()).collect(),
            ["refresh"] => vec!["full".into()],
            ["marketo"] => vec!["check".into()],
            ["marketo", "check"] => vec!["all".into()],
            ["new"] => vec!["shared".into()],
            ["view"] => vec!["save".into(), "delete".into()],
            _ => vec![],
        };
        let p = partial.to_lowercase();
        options
            .into_iter()
            .filter(|o| o.to_lowercase().starts_with(&p))
            .collect()
    }

    fn word_start(&self) -> usize {
        self.input[..self.cursor]
            .rfind(' ')
            .map(|i| i + 1)
            .unwrap_or(0)
    }

    fn complete(&mut self) {
        let (cands, next, start) = match self.cycle.take() {
            Some(c) => c,
            None => {
                let cands = self.candidates();
                if cands.is_empty() {
                    return;
                }
                (cands, 0, self.word_start())
            }
        };
        let pick = cands[next % cands.len()].clone();
        self.input.replace_range(start..self.cursor, &pick);
        self.cursor = start + pick.len();
        if cands.len() == 1 {
            self.input.insert(self.cursor, ' ');
            self.cursor += 1;
        } else {
            self.cycle = Some((cands, next + 1, start));
        }
    }

    /// Parses and runs the input.
    fn run(&mut self, cx: &mut Cx<'_>) -> Flow {
        let words: Vec<&str> = self.input.split_whitespace().collect();
        let fail = |msg: String| -> Result<Flow, String> { Err(msg) };
        let result: Result<Flow, String> = match words.as_slice() {
            [] => Ok(Flow::Close),
            ["refresh"] => {
                cx.send(Command::Refresh { full: false });
                Ok(Flow::Close)
            }
            ["refresh", "full"] => {
                cx.send(Command::Refresh { full: true });
                Ok(Flow::Close)
            }
            ["sort", col, rest @ ..] => match (Column::parse(col), rest) {
                (None, _) => fail(format!(
                    "sort: unknown column `{col}`; use one of {}",
                    Column::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                (Some(column), []) => Ok(list_flow(ListRequest::Sort(SortSpec {
                    column,
                    descending: crate::ui::list::default_descending(column),
                }))),
                (Some(column), [dir]) if dir.eq_ignore_ascii_case("asc") => {
                    Ok(list_flow(ListRequest::Sort(SortSpec {
                        column,
                        descending: false,
                    })))
                }
                (Some(column), [dir]) if dir.eq_ignore_ascii_case("desc") => {
                    Ok(list_flow(ListRequest::Sort(SortSpec {
                        column,
                        descending: true,
                    })))
                }
                (Some(_), other) => fail(format!(
                    "sort: `{}` is not a direction; use asc or desc",
                    other.join(" ")
                )),
            },
            ["filter", ..] => {
                let text = self
                    .input
                    .trim_start()
                    .strip_prefix("filter")
                    .unwrap_or("")
                    .trim()
                    .to_string();
                Ok(list_flow(ListRequest::Filter(text)))
            }
            ["export", fmt, path @ ..] => match (ExportFormat::parse(fmt), path) {
                (None, _) => fail(format!("export: `{fmt}` is not a format; use csv or json")),
                (Some(_), []) => {
                    fail("export: name the file, e.g. export csv referrals.csv".into())
                }
                (Some(format), _) => {
                    let raw =
                        self.input.trim_start()["export".len()..].trim_start()[fmt.len()..].trim();
                    let cwd = std::env::current_dir().unwrap_or_default();
                    let path = export_path(raw, &cwd);
                    // The marked referrals when rows are marked, else the filtered list.
                    let marked = cx.list.marked_ids();
                    let ids = if marked.is_empty() {
                        cx.list.visible_ids()
                    } else {
                        marked
                    };
                    if ids.is_empty() {
                        fail("export: the filtered list is empty; nothing to write".into())
                    } else {
                        cx.send(Command::Export { format, path, ids });
                        Ok(Flow::Close)
                    }
                }
            },
            ["export"] => {
                fail("export: say csv or json and the file, e.g. export csv referrals.csv".into())
            }
            ["theme", name] => match Theme::by_name(name) {
                Some(t) => Ok(Flow::Many(vec![Flow::Close, Flow::Theme(Box::new(t))])),
                None => fail(format!(
                    "theme: unknown theme `{name}`; use one of {}",
                    Theme::NAMES.join(", ")
                )),
            },
            ["theme"] => fail(format!("theme: name one of {}", Theme::NAMES.join(", "))),
            ["outbox"] => {
                cx.send(Command::OutboxList);
                Ok(Flow::Replace(Box::new(
                    crate::ui::outbox::OutboxOverlay::new(),
                )))
            }
            ["marketo", "check"] => match cx.list.selected_id() {
                Some(id) => {
                    cx.send(Command::MarketoCheck {
                        ids: vec![id.to_string()],
                        all: false,
                    });
                    Ok(Flow::Close)
                }
                None => fail("marketo check: no referral is selected".into()),
            },
            ["marketo", "check", "all"] => {
                cx.send(Command::MarketoCheck {
                    ids: vec![],
                    all: true,
                });
                cx.notify(Level::Info, "checking every referral in Marketo…");
                Ok(Flow::Close)
            }
            ["new"] => Ok(Flow::Many(vec![
                Flow::Close,
                crate::ui::create::open_create(false, cx.now),
            ])),
            ["new", "shared"] => Ok(Flow::Many(vec![
                Flow::Close,
                crate::ui::create::open_create(true, cx.now),
            ])),
            ["view", ..] => {
                let rest = self.input.trim_start()["view".len()..].trim();
                let (verb, name) = match rest.split_once(char::is_whitespace) {
                    Some((v, n)) if ["save", "delete"].contains(&v) => (v, n.trim()),
                    None if ["save", "delete"].contains(&rest) => (rest, ""),
                    _ => ("", rest),
                };
                match (verb, name) {
                    (_, "") => fail(format!(
                        "view: name the view, e.g. view To answer, view {} NAME",
                        if verb.is_empty() { "save" } else { verb }
                    )),
                    ("save", n) => Ok(list_flow(ListRequest::SaveView(n.to_string()))),
                    ("delete", n) => Ok(list_flow(ListRequest::DeleteView(n.to_string()))),
                    (_, n) => Ok(list_flow(ListRequest::ShowView(n.to_string()))),
                }
            }
            ["help"] => Ok(Flow::Replace(Box::new(crate::ui::help::HelpOverlay::new(
                COMMANDS
                    .iter()
                    .map(|(c, d)| (format!(":{c}"), d.to_string()))
                    .collect(),
            )))),
            ["set", path, _, ..] => {
                let raw = self.input.trim_start()["set".len()..].trim_start()[path.len()..].trim();
                set_marked(path, raw, cx)
            }
            ["set", ..] => fail(
                "set: name the field and the value, e.g. set /details/notes \"call back in Q3\""
                    .into(),
            ),
            ["quit"] | ["q"] => Ok(Flow::Many(vec![Flow::Close, Flow::Quit { force: false }])),
            ["quit!"] | ["q!"] => Ok(Flow::Many(vec![Flow::Close, Flow::Quit { force: true }])),
            [cmd, ..] => fail(format!(
                "`{cmd}` is not a command; try {}",
                COMMANDS
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        match result {
            Ok(flow) => flow,
            Err(msg) => {
                self.error = Some(msg);
                Flow::Handled
            }
        }
    }
}

fn list_flow(req: ListRequest) -> Flow {
    Flow::Many(vec![Flow::Close, Flow::List(req)])
}

/// `set PATH VALUE` over the marked referrals: the value is read and checked as for one edit
/// (`domain::set`), then the bulk preview opens (the app builds it from the list).
fn set_marked(path: &str, raw: &str, cx: &Cx<'_>) -> Result<Flow, String> {
    if cx.list.marked_ids().is_empty() {
        return Err("set: mark the referrals first (space, V, *); e edits one referral".into());
    }
    let value = set::parse_value(raw);
    if !set::is_status_path(path) {
        // The field and the value on their own (each referral is checked again when queued).
        set::plan(&crate::domain::Referral::default(), path, value.clone())
            .map_err(|e| format!("set: {e}"))?;
    }
    Ok(Flow::Many(vec![
        Flow::Close,
        Flow::List(ListRequest::Bulk(BulkAction::Move(BulkMove::Set {
            path: path.to_string(),
            value,
        }))),
    ]))
}

/// The absolute path of an export file: `~/x` is the home directory's `x`, a relative path is
/// taken from `cwd` (the current directory).
fn export_path(raw: &str, cwd: &Path) -> PathBuf {
    let path = match raw.strip_prefix("~/") {
        Some(rest) => match directories::BaseDirs::new() {
            Some(home) => home.home_dir().join(rest),
            None => PathBuf::from(raw),
        },
        None => PathBuf::from(raw),
    };
    // `a/../b` and `./b` are written as the folder they name.
    let mut full = PathBuf::new();
    for part in cwd.join(path).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                full.pop();
            }
            other => full.push(other),
        }
    }
    full
}

impl Pane for Palette {
    fn title(&self) -> String {
        "Command".into()
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if key.code != KeyCode::Tab {
            self.cycle = None;
        }
        match key.code {
            KeyCode::Esc => return Flow::Close,
            KeyCode::Char('c') if ctrl => return Flow::Close,
            KeyCode::Enter => {
                let cands = self.candidates();
                // Enter on a highlighted suggestion for an unfinished word takes it first.
                if !cands.is_empty()
                    && !self.input.ends_with(' ')
                    && !cands.iter().any(|c| self.input.ends_with(c.as_str()))
                {
                    let pick = cands[self.selected.min(cands.len() - 1)].clone();
                    let start = self.word_start();
                    self.input.replace_range(start..self.cursor, &pick);
                    self.cursor = start + pick.len();
                }
                return self.run(cx);
            }
            KeyCode::Tab => self.complete(),
            KeyCode::Down => self.selected = self.selected.saturating_add(1),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Left => {
                self.cursor = self.input[..self.cursor]
                    .char_indices()
                    .last()
                    .map(|(i, _)| i)
                    .unwrap_or(0);
            }
            KeyCode::Right => {
                if let Some(c) = self.input[self.cursor..].chars().next() {
                    self.cursor += c.len_utf8();
                }
            }
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.input.len(),
            KeyCode::Backspace => {
                if self.input.is_empty() {
                    return Flow::Close;
                }
                self.remember();
                if let Some((i, _)) = self.input[..self.cursor].char_indices().last() {
                    self.input.replace_range(i..self.cursor, "");
                    self.cursor = i;
                }
                self.error = None;
                self.selected = 0;
            }
            _ if let Some(edit) = crate::ui::input::line_edit(key) => self.line_edit(edit),
            KeyCode::Char(c) if !ctrl => {
                self.remember();
                self.input.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                self.error = None;
                self.selected = 0;
            }
            _ => {}
        }
        Flow::Handled
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.input.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(" : command — tab completes, enter runs, esc closes ", cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [input_area, msg_area, list_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let (before, after) = self.input.split_at(self.cursor);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(":", cx.theme.key),
                Span::raw(before.to_string()),
                Span::styled("▏", cx.theme.key),
                Span::raw(after.to_string()),
            ])),
            input_area,
        );
        if let Some(err) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(err.clone(), cx.theme.error)),
                msg_area,
            );
        }
        let cands = self.candidates();
        if !cands.is_empty() {
            self.selected = self.selected.min(cands.len() - 1);
        }
        let first_word =
            self.input.split_whitespace().next().is_none() || !self.input.contains(' ');
        let lines: Vec<Line> = cands
            .iter()
            .enumerate()
            .take(list_area.height as usize)
            .map(|(i, c)| {
                let desc = if first_word {
                    COMMANDS
                        .iter()
                        .find(|(n, _)| n == c)
                        .map(|(_, d)| *d)
                        .unwrap_or("")
                } else {
                    ""
                };
                let style = if i == self.selected {
                    cx.theme.selected
                } else {
                    cx.theme.base
                };
                Line::from(vec![
                    Span::styled(format!(" {c:<10}"), style.patch(cx.theme.key)),
                    Span::styled(format!(" {desc}"), cx.theme.dim),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), list_area);
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        COMMANDS
            .iter()
            .map(|(c, d)| (format!(":{c}"), d.to_string()))
            .collect()
    }

    fn overlay_size(&self) -> (u16, u16) {
        (60, 45)
    }

    fn has_unsaved_input(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_paths_are_absolute() {
        let cwd = Path::new("/home/ann/deals");
        assert_eq!(
            export_path("out.csv", cwd),
            PathBuf::from("/home/ann/deals/out.csv")
        );
        assert_eq!(
            export_path("../q3/./out.json", cwd),
            PathBuf::from("/home/ann/q3/out.json")
        );
        assert_eq!(export_path("/tmp/x.csv", cwd), PathBuf::from("/tmp/x.csv"));
    }

    #[test]
    fn completes_commands_then_arguments() {
        let mut p = Palette::with_input("so");
        assert_eq!(p.candidates(), vec!["sort"]);
        p.complete();
        assert_eq!(p.input, "sort ");
        assert!(p.candidates().contains(&"value".to_string()));
        p.input.push_str("val");
        p.cursor = p.input.len();
        p.complete();
        assert_eq!(p.input, "sort value ");
        assert_eq!(p.candidates(), vec!["asc", "desc"]);
    }

    #[test]
    fn tab_cycles_when_several_match() {
        let mut p = Palette::with_input("theme ");
        p.complete();
        let first = p.input.clone();
        p.complete();
        assert_ne!(p.input, first);
        assert!(p.input.starts_with("theme "));
    }
}
