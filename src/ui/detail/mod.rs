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
use unicode_width::UnicodeWidthStr;

use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::backend::protocol::{Command, Event, Level};
use crate::domain::patch::PatchOp;
use crate::domain::rules;
use crate::domain::*;
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::widgets::{self, money};

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
                let now = !referral.is_favorite();
                let op = if referral.favorite.is_some() {
                    PatchOp::replace("/favorite", serde_json::Value::Bool(now))
                } else {
                    PatchOp::add("/favorite", serde_json::Value::Bool(now))
                };
                cx.send(Command::Patch {
                    id: self.id.clone(),
                    ops: vec![op],
                    etag: referral.etag.clone(),
                    base: Box::new(referral.clone()),
                    summary: if now {
                        "favorite ★".into()
                    } else {
                        "favorite removed".into()
                    },
                });
                self.save = SaveState::Saving;
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
        let closed = self
            .referral
            .as_deref()
            .is_some_and(|r| r.status() == Status::Closed);
        match entry {
            Entry::Header(title) => vec![Line::from(Span::styled(
                format!("── {title} "),
                theme.header,
            ))],
            Entry::Field { label, value, path } => {
                let editable = path.is_some_and(|p| !closed || rules::editable_when_closed(p));
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
            (KeyAction::Edit, "edit the field under the cursor (✎)"),
            (KeyAction::Status, "change status (allowed moves only)"),
            (KeyAction::Accept, "accept"),
            (KeyAction::Decline, "decline with a reason"),
            (KeyAction::Register, "deal-registration wizard"),
            (KeyAction::Marketo, "Marketo sync status"),
            (KeyAction::Favorite, "toggle favorite"),
            (KeyAction::OpenBrowser, "open in Partner Center"),
            (KeyAction::CopyId, "copy the id"),
            (
                KeyAction::Open,
                "open the related referral under the cursor",
            ),
        ]
        .into_iter()
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
            KeyAction::Edit
            | KeyAction::Status
            | KeyAction::Accept
            | KeyAction::Decline
            | KeyAction::Register
            | KeyAction::Marketo
            | KeyAction::Favorite
            | KeyAction::OpenBrowser
            | KeyAction::CopyId => return self.act(action, cx),
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

fn field(label: &str, value: impl Into<String>, path: Option<&'static str>) -> Entry {
    let value = value.into();
    Entry::Field {
        label: label.to_string(),
        value: if value.is_empty() {
            "—".into()
        } else {
            value
        },
        path,
    }
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "—".into(),
    }
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn member_line(m: &Member) -> String {
    let mut parts = vec![m.full_name()];
    if let Some(t) = m.title.as_deref().filter(|t| !t.is_empty()) {
        parts.push(t.to_string());
    }
    for v in [m.email.as_deref(), m.phone_number.as_deref()]
        .into_iter()
        .flatten()
    {
        if !v.is_empty() {
            parts.push(v.to_string());
        }
    }
    if let Some(p) = &m.contact_preference {
        if let Some(l) = p.locale.as_deref() {
            parts.push(l.to_string());
        }
        if p.disable_notifications == Some(true) {
            parts.push("no notifications".into());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

/// Every section of a referral as detail entries.
pub fn build_entries(r: &Referral, related: &[ReferralRow]) -> Vec<Entry> {
    let mut e = Vec::new();
    let h = |e: &mut Vec<Entry>, t: &str| e.push(Entry::Header(t.to_string()));

    h(&mut e, "Overview");
    e.push(field("Name", r.name(), Some("/name")));
    e.push(field(
        "Status",
        format!("{} / {}", r.status(), r.substatus()),
        Some("/status"),
    ));
    e.push(field(
        "Status reason",
        r.status_reason.clone().unwrap_or_default(),
        Some("/statusReason"),
    ));
    e.push(field(
        "Favorite",
        if r.is_favorite() { "★ yes" } else { "no" },
        Some("/favorite"),
    ));
    e.push(field("Type", opt(&r.referral_type), None));
    e.push(field("Direction", opt(&r.direction), None));
    e.push(field("Qualification", opt(&r.qualification), None));
    e.push(field(
        "Sales stage",
        opt(&r.sales_stage),
        Some("/salesStage"),
    ));
    e.push(field("Id", r.id(), None));
    e.push(field(
        "Engagement",
        r.engagement_id.clone().unwrap_or_default(),
        None,
    ));
    e.push(field(
        "External reference",
        r.external_reference_id.clone().unwrap_or_default(),
        Some("/externalReferenceId"),
    ));
    e.push(field(
        "Campaign",
        r.campaign_id.clone().unwrap_or_default(),
        Some("/campaignId"),
    ));
    e.push(field(
        "Referral program",
        r.referral_program.clone().unwrap_or_default(),
        Some("/referralProgram"),
    ));
    let org = match (&r.organization_name, &r.organization_id) {
        (Some(n), Some(i)) => format!("{n} ({i})"),
        (Some(n), None) => n.clone(),
        (None, Some(i)) => i.clone(),
        (None, None) => String::new(),
    };
    e.push(field("Organization", org, None));
    e.push(field("MPN id", r.mpn_id.clone().unwrap_or_default(), None));
    e.push(field(
        "Created",
        widgets::datetime(r.created_date_time),
        None,
    ));
    e.push(field(
        "Updated",
        widgets::datetime(r.updated_date_time),
        None,
    ));
    if r.accepted_date_time.is_some() {
        e.push(field(
            "Accepted",
            widgets::datetime(r.accepted_date_time),
            None,
        ));
    }
    if r.closed_date_time.is_some() {
        e.push(field("Closed", widgets::datetime(r.closed_date_time), None));
    }
    if r.expiration_date_time.is_some() {
        e.push(field(
            "Expires",
            widgets::datetime(r.expiration_date_time),
            None,
        ));
    }
    if let Some(tags) = r.tags.as_ref().filter(|t| !t.is_empty()) {
        e.push(field("Tags", tags.join(", "), None));
    }
    if r.is_spam == Some(true) || r.quality.is_some() {
        e.push(field(
            "Quality",
            format!(
                "{}{}",
                r.quality.clone().unwrap_or_default(),
                if r.is_spam == Some(true) {
                    " (spam)"
                } else {
                    ""
                }
            ),
            None,
        ));
    }
    for (label, v) in [
        ("Source", &r.referral_source),
        ("Call to action", &r.call_to_action),
        ("Last modified via", &r.last_modified_via),
    ] {
        if let Some(v) = v {
            e.push(field(label, v.clone(), None));
        }
    }
    if let Some(msx) = r
        .tracking_info
        .as_ref()
        .and_then(|t| t.microsoft_msx_id.as_deref())
    {
        e.push(field("Microsoft MSX id", msx, None));
    }

    h(&mut e, "Customer");
    let cp = r.customer_profile.clone().unwrap_or_default();
    e.push(field("Name", cp.name.clone().unwrap_or_default(), None));
    if let Some(a) = &cp.address {
        let street = [a.address_line1.as_deref(), a.address_line2.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        e.push(field("Address", street, None));
        let place = [
            a.city.as_deref(),
            a.state.as_deref(),
            a.postal_code.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        e.push(field("City", place, None));
        e.push(field(
            "Country",
            format!(
                "{}{}",
                opt(&a.country),
                a.region
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            None,
        ));
    }
    e.push(field("Size", opt(&cp.size), None));
    for id in cp.ids.iter().flatten() {
        e.push(field(
            &format!("{} id", opt(&id.profile_type)),
            id.id.clone().unwrap_or_default(),
            None,
        ));
    }

    h(&mut e, "Customer contacts");
    if r.contacts().is_empty() {
        e.push(field("Contacts", "none", Some("/customerProfile/team")));
    }
    for (i, m) in r.contacts().iter().enumerate() {
        e.push(field(
            &format!("Contact {}", i + 1),
            member_line(m),
            Some("/customerProfile/team"),
        ));
    }

    h(&mut e, "Partner team");
    if r.team().is_empty() {
        e.push(field("Team", "none", Some("/team")));
    }
    for (i, m) in r.team().iter().enumerate() {
        e.push(field(
            &format!("Member {}", i + 1),
            member_line(m),
            Some("/team"),
        ));
    }

    h(&mut e, "Details");
    let d = r.details.clone().unwrap_or_default();
    e.push(field(
        "Deal value",
        money(d.deal_value, d.currency.as_deref().unwrap_or("")),
        Some("/details/dealValue"),
    ));
    e.push(field(
        "Currency",
        d.currency.clone().unwrap_or_default(),
        Some("/details/currency"),
    ));
    e.push(field(
        "Closing date",
        widgets::date(d.closing_date_time),
        Some("/details/closingDateTime"),
    ));
    e.push(field(
        "Notes",
        d.notes.clone().unwrap_or_default(),
        Some("/details/notes"),
    ));
    e.push(field(
        "Customer asked contact",
        yes_no(d.customer_requested_contact),
        None,
    ));
    if let Some(a) = &d.customer_action {
        e.push(field("Customer action", a.clone(), None));
    }

    h(&mut e, "Requirements");
    let req = d.requirements.clone().unwrap_or_default();
    if r.solutions().is_empty() {
        e.push(field(
            "Solutions",
            "none",
            Some("/details/requirements/solutions"),
        ));
    }
    for (i, s) in r.solutions().iter().enumerate() {
        let mut text = format!(
            "{} {}",
            s.id.as_deref().unwrap_or("?"),
            s.name.as_deref().unwrap_or("")
        );
        if let Some(p) = s.publisher_name.as_deref() {
            text.push_str(&format!(" ({p})"));
        }
        e.push(field(
            &format!("Solution {}", i + 1),
            text.trim().to_string(),
            Some("/details/requirements/solutions"),
        ));
    }
    for (label, ids) in [
        ("Industries", &req.industries),
        ("Products", &req.products),
        ("Services", &req.services),
    ] {
        if let Some(ids) = ids.as_ref().filter(|v| !v.is_empty()) {
            let list: Vec<String> = ids.iter().filter_map(|i| i.id.clone()).collect();
            e.push(field(label, list.join(", "), None));
        }
    }
    if let Some(offers) = req.offers.as_ref().filter(|o| !o.is_empty()) {
        e.push(field(
            "Offers",
            offers
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            None,
        ));
    }
    if let Some(a) = &req.additional_requirements {
        e.push(field("Additional", a.clone(), None));
    }

    h(&mut e, "Consent");
    let c = r.consent.clone().unwrap_or_default();
    e.push(field(
        "Shared with Microsoft",
        match c.consent_to_share_referral_with_microsoft_sellers {
            Some(true) => "yes (co-sell)",
            Some(false) => "no (private deal)",
            None => "—",
        },
        Some("/consent/consentToShareReferralWithMicrosoftSellers"),
    ));
    e.push(field(
        "Consent to contact",
        yes_no(c.consent_to_contact),
        None,
    ));
    e.push(field(
        "Share info with others",
        yes_no(c.consent_to_share_info_with_others),
        None,
    ));

    if let Some(ic) = &r.invite_context {
        h(&mut e, "Invite context");
        if let Some(by) = &ic.invited_by {
            e.push(field(
                "Invited by",
                by.organization_name
                    .clone()
                    .or(by.organization_id.clone())
                    .unwrap_or_default(),
                None,
            ));
        }
        e.push(field("Assistance", opt(&ic.assistance_request_code), None));
        e.push(field("Notes", ic.notes.clone().unwrap_or_default(), None));
    }

    h(&mut e, "Deal registrations");
    e.push(field(
        "Registration status",
        opt(&r.registration_status),
        None,
    ));
    if r.registrations().is_empty() {
        e.push(field("Registrations", "none", None));
    }
    for (i, reg) in r.registrations().iter().enumerate() {
        let n = i + 1;
        e.push(field(
            &format!("Registration {n}"),
            format!(
                "{} · {} · registered {}",
                opt(&reg.registration_type),
                opt(&reg.status),
                widgets::date(reg.registration_date_time)
            ),
            None,
        ));
        if let Some(reason) = reg.status_reason.as_deref().filter(|s| !s.is_empty()) {
            e.push(field("  reason", reason, None));
        }
        if let Some(c) = &reg.contract {
            e.push(field("  contract", widgets::contract_line(c), None));
        }
        for s in reg.solution_details.iter().flatten() {
            e.push(field("  solution", widgets::solution_detail_line(s), None));
        }
        if let Some(hist) = &reg.status_history {
            for (label, at) in [
                ("review pending", hist.review_pending_date_time),
                ("action required", hist.action_required_date_time),
                ("passed", hist.passed_date_time),
                ("failed", hist.failed_date_time),
                ("approved", hist.approved_date_time),
            ] {
                if at.is_some() {
                    e.push(field(&format!("  {label}"), widgets::datetime(at), None));
                }
            }
        }
    }

    if let Some(targets) = r.target.as_ref().filter(|t| !t.is_empty()) {
        h(&mut e, "Targets");
        for t in targets {
            e.push(field(
                &opt(&t.target_type),
                t.id.clone().unwrap_or_default(),
                None,
            ));
        }
    }

    if let Some(links) = &r.links {
        h(&mut e, "Links");
        for (label, link) in [
            ("Self", &links.self_link),
            ("Related", &links.related_referrals),
        ] {
            if let Some(l) = link {
                e.push(field(
                    label,
                    format!(
                        "{} {}",
                        l.method.as_deref().unwrap_or("GET"),
                        l.uri.as_deref().unwrap_or("")
                    ),
                    None,
                ));
            }
        }
    }

    h(&mut e, "Related referrals (same engagement)");
    let others: Vec<&ReferralRow> = related.iter().filter(|x| x.id != r.id()).collect();
    if others.is_empty() {
        e.push(field("Related", "none", None));
    }
    for x in others {
        e.push(Entry::Related {
            id: x.id.clone(),
            text: format!(
                "{} · {} · {}/{} · {}",
                x.name,
                x.referral_type.as_ref().map(|t| t.as_str()).unwrap_or("?"),
                x.status,
                x.substatus,
                x.id
            ),
        });
    }

    let unknown = unknown_fields(r);
    if !unknown.is_empty() {
        h(&mut e, "Other fields (kept as received)");
        for (k, v) in unknown {
            e.push(field(&k, v, None));
        }
    }
    e
}

/// Fields of the referral this build does not know, flattened to `path: value` lines.
fn unknown_fields(r: &Referral) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), compact(v)))
        .collect();
    if let Some(cp) = &r.customer_profile {
        out.extend(
            cp.extra
                .iter()
                .map(|(k, v)| (format!("customerProfile.{k}"), compact(v))),
        );
    }
    if let Some(d) = &r.details {
        out.extend(
            d.extra
                .iter()
                .map(|(k, v)| (format!("details.{k}"), compact(v))),
        );
    }
    out
}

fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => {
            let s = other.to_string();
            if s.width() > 200 {
                widgets::truncate(&s, 200)
            } else {
                s
            }
        }
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
