//! The edit form: every field the spec lists as editable by PATCH, validated as typed and again
//! before sending. Saving sends the smallest JSON Patch from the referral as loaded to the edited
//! one, with `If-Match` (through the outbox, so nothing typed is lost).
//!
//! Lists (customer contacts, partner team, solutions) are edited in place: Ctrl-N adds an entry
//! after the one under the cursor, Ctrl-D removes it. A Closed referral is edited like any other
//! (the docs lock none of its fields). The name is fixed after the create and favorite is a
//! local mark (the `f` key), neither patchable.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::domain::field::FieldPath;
use crate::domain::patch;
use crate::domain::rules;
use crate::domain::time::{format_date, parse_datetime};
use crate::domain::validate::{self, FieldError};
use crate::domain::*;
use crate::protocol::{Command, Event, Level};
use crate::ui::dialog::Confirm;
use crate::ui::form::{Field, Form, FormEvent, Kind, PaneText, Value};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

/// `e`: the edit form, focused on the field under the cursor (a JSON Pointer of
/// [`FieldPath`]).
pub fn open_field_editor(r: &Referral, path: &str, _cx: &mut Cx<'_>) -> Flow {
    Flow::Push(Box::new(EditForm::new(r.clone(), path)))
}

/// Which list a group of fields belongs to. A field of entry `i` of a group has the key
/// `{prefix}.{i}.{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Contacts,
    Team,
    Solutions,
    /// The solution details of a deal registration (the registration wizard).
    SolutionDetails,
}

impl Group {
    const ALL: [Group; 4] = [
        Group::Contacts,
        Group::Team,
        Group::Solutions,
        Group::SolutionDetails,
    ];

    pub fn prefix(self) -> &'static str {
        match self {
            Group::Contacts => "contacts",
            Group::Team => "team",
            Group::Solutions => "solutions",
            Group::SolutionDetails => "solutionDetails",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Group::Contacts => "Contact",
            Group::Team => "Member",
            Group::Solutions | Group::SolutionDetails => "Solution",
        }
    }

    /// The most entries the group may hold.
    fn max(self) -> usize {
        match self {
            Group::Solutions | Group::SolutionDetails => crate::domain::create::MAX_SOLUTIONS,
            Group::Contacts | Group::Team => crate::domain::create::MAX_TEAM,
        }
    }

    /// The entries the group must keep, with the reason in words.
    fn min(self) -> (usize, &'static str) {
        match self {
            Group::Contacts => (1, "a referral keeps at least one customer contact"),
            Group::SolutionDetails => (1, "a deal registration needs at least one solution"),
            Group::Team | Group::Solutions => (0, ""),
        }
    }

    /// The group and entry index a field key belongs to.
    pub fn of(key: &str) -> Option<(Group, usize)> {
        let mut parts = key.split('.');
        let prefix = parts.next()?;
        let group = Group::ALL.into_iter().find(|g| g.prefix() == prefix)?;
        Some((group, parts.next()?.parse().ok()?))
    }
}

/// The fields of one person (contact or team member). Contacts need every part; team members
/// need a name and email.
pub fn member_fields(group: Group, i: usize, m: &Member) -> Vec<Field> {
    let key = |f: &str| format!("{}.{i}.{f}", group.prefix());
    let n = i + 1;
    let noun = group.noun();
    let contact = group == Group::Contacts;
    let mut phone = Field::new(
        key("phoneNumber"),
        format!("{noun} {n} phone"),
        Kind::Phone,
        m.phone_number.as_deref().unwrap_or(""),
    );
    if contact {
        phone = phone.required();
    }
    vec![
        Field::new(
            key("firstName"),
            format!("{noun} {n} first name"),
            Kind::Text,
            m.first_name.as_deref().unwrap_or(""),
        )
        .required(),
        Field::new(
            key("lastName"),
            format!("{noun} {n} last name"),
            Kind::Text,
            m.last_name.as_deref().unwrap_or(""),
        )
        .required(),
        Field::new(
            key("email"),
            format!("{noun} {n} email"),
            Kind::Email,
            m.email.as_deref().unwrap_or(""),
        )
        .required(),
        phone,
        Field::new(
            key("title"),
            format!("{noun} {n} title"),
            Kind::Text,
            m.title.as_deref().unwrap_or(""),
        ),
    ]
}

/// The fields of one solution.
pub fn solution_fields(i: usize, s: &Solution) -> Vec<Field> {
    let key = |f: &str| format!("{}.{i}.{f}", Group::Solutions.prefix());
    vec![
        Field::new(
            key("id"),
            format!("Solution {} id", i + 1),
            Kind::Text,
            s.id.as_deref().unwrap_or(""),
        )
        .required()
        .hint("e.g. SOL-34104-EBB"),
        Field::new(
            key("name"),
            format!("Solution {} name", i + 1),
            Kind::Text,
            s.name.as_deref().unwrap_or(""),
        ),
    ]
}

/// Reads the people of a group back from the form, keeping what the form does not show
/// (contact preferences, unknown fields) from `base`.
pub fn read_members(form: &Form, group: Group, base: &[Member]) -> Vec<Member> {
    let count = count_group(form, group);
    (0..count)
        .map(|i| {
            let v = |f: &str| form.trimmed(&format!("{}.{i}.{f}", group.prefix()));
            let mut m = base.get(i).cloned().unwrap_or_default();
            m.first_name = v("firstName");
            m.last_name = v("lastName");
            m.email = v("email");
            m.phone_number = v("phoneNumber");
            m.title = v("title");
            m
        })
        .collect()
}

/// Reads the solutions back from the form, keeping type and publisher from `base`.
pub fn read_solutions(form: &Form, base: &[Solution]) -> Vec<Solution> {
    let count = count_group(form, Group::Solutions);
    (0..count)
        .map(|i| {
            let v = |f: &str| form.trimmed(&format!("{}.{i}.{f}", Group::Solutions.prefix()));
            let mut s = base.get(i).cloned().unwrap_or_default();
            s.id = v("id");
            s.name = v("name");
            s
        })
        .collect()
}

/// How many entries of `group` the form holds.
pub fn count_group(form: &Form, group: Group) -> usize {
    form.fields
        .iter()
        .filter_map(|f| Group::of(&f.key))
        .filter(|(g, _)| *g == group)
        .map(|(_, i)| i + 1)
        .max()
        .unwrap_or(0)
}

/// Adds an empty entry to the group under the cursor (Ctrl-N) or removes it (Ctrl-D), then
/// renumbers the group. Returns a message when nothing could be done.
pub fn edit_group(
    form: &mut Form,
    add: bool,
    members: &mut dyn FnMut(Group, usize) -> Vec<Field>,
) -> Result<(), String> {
    let Some((group, index)) = form.focused().and_then(|f| Group::of(&f.key)) else {
        return Err("move the cursor to a contact, team member or solution first".into());
    };
    let count = count_group(form, group);
    // Collect the current values of the group, change the list, and rebuild its fields.
    let mut entries: Vec<Vec<(String, Value)>> = (0..count)
        .map(|i| {
            form.fields
                .iter()
                .filter(|f| Group::of(&f.key) == Some((group, i)))
                .map(|f| {
                    (
                        f.key.rsplit('.').next().unwrap_or("").to_string(),
                        f.value(),
                    )
                })
                .collect()
        })
        .collect();
    let max = group.max();
    if add {
        if count >= max {
            return Err(format!("at most {max} entries"));
        }
        entries.insert(index + 1, Vec::new());
    } else {
        let (min, why) = group.min();
        if count <= min {
            return Err(why.into());
        }
        entries.remove(index);
    }
    let first = form
        .fields
        .iter()
        .position(|f| Group::of(&f.key).is_some_and(|(g, _)| g == group));
    let insert_at = first.unwrap_or(form.fields.len());
    form.fields
        .retain(|f| !Group::of(&f.key).is_some_and(|(g, _)| g == group));
    let mut fresh = Vec::new();
    for (i, values) in entries.iter().enumerate() {
        let mut fields = members(group, i);
        for f in &mut fields {
            let name = f.key.rsplit('.').next().unwrap_or("").to_string();
            if let Some((_, v)) = values.iter().find(|(k, _)| *k == name) {
                f.set_value(v.clone());
            }
        }
        fresh.extend(fields);
    }
    // An empty list still shows one place to add from.
    let focus_entry = if add {
        index + 1
    } else {
        index.saturating_sub(1)
    };
    let per = fresh.len().checked_div(entries.len()).unwrap_or(0);
    let n = fresh.len();
    for (k, f) in fresh.into_iter().enumerate() {
        form.fields.insert(insert_at + k, f);
    }
    form.focus = (insert_at + focus_entry * per).min(insert_at + n.saturating_sub(1));
    Ok(())
}

/// The closing date-time of a typed closing date: a date alone (`YYYY-MM-DD`) keeps the time of
/// day of `old` (midnight UTC when there was none); a typed time is taken as typed.
fn keep_time_of_day(
    typed: chrono::DateTime<chrono::Utc>,
    text: &str,
    old: Option<chrono::DateTime<chrono::Utc>>,
) -> chrono::DateTime<chrono::Utc> {
    let date_only = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok();
    match old {
        Some(old) if date_only => typed.date_naive().and_time(old.time()).and_utc(),
        _ => typed,
    }
}

/// The edit form of one referral.
pub struct EditForm {
    base: Referral,
    pub form: Form,
    error: Option<String>,
}

/// Why the name is read-only: `/name` is not among the connector's patchable paths.
const NAME_NOTE: &str = "set when the referral was created; the service takes no new name";

impl EditForm {
    /// The form of `base`, focused on `focus`: a field's pointer (a list's pointer focuses its
    /// first entry) or a form key.
    pub fn new(base: Referral, focus: &str) -> EditForm {
        let plain = |path: FieldPath, kind: Kind, value: Value| {
            Field::new(path.pointer(), path.label(), kind, value)
        };
        let field = plain;
        let text = |v: Option<&str>| Value::from(v.unwrap_or(""));
        let d = base.details.clone().unwrap_or_default();
        let stages: Vec<String> = SalesStage::ALL.iter().map(|s| s.to_string()).collect();
        let mut fields = vec![
            plain(FieldPath::Name, Kind::Text, base.name().into()).locked(NAME_NOTE),
            field(
                FieldPath::SalesStage,
                Kind::OptionalChoice(stages),
                Value::chosen(base.sales_stage.as_ref().map(|s| s.as_str())),
            ),
            field(
                FieldPath::DealValue,
                Kind::Amount,
                d.deal_value
                    .map(|v| v.to_string())
                    .unwrap_or_default()
                    .into(),
            )
            .required(),
            field(
                FieldPath::Currency,
                Kind::Currency,
                text(d.currency.as_deref()),
            )
            .required(),
            field(
                FieldPath::ClosingDate,
                Kind::Date,
                d.closing_date_time
                    .map(|t| format_date(&t))
                    .unwrap_or_default()
                    .into(),
            )
            .hint("YYYY-MM-DD"),
            field(FieldPath::Notes, Kind::Multiline, text(d.notes.as_deref())),
            field(
                FieldPath::StatusReason,
                Kind::Text,
                text(base.status_reason.as_deref()),
            ),
            field(
                FieldPath::CampaignId,
                Kind::Text,
                text(base.campaign_id.as_deref()),
            ),
            field(
                FieldPath::ExternalReferenceId,
                Kind::Text,
                text(base.external_reference_id.as_deref()),
            )
            .hint("your CRM's id of this deal"),
            field(
                FieldPath::ReferralProgram,
                Kind::Text,
                text(base.referral_program.as_deref()),
            ),
        ];
        let shared = base.is_shared_with_microsoft();
        let mut share = plain(FieldPath::ShareWithMicrosoft, Kind::Toggle, shared.into())
            .hint("co-sell: Microsoft sellers see the deal");
        if shared {
            share = share.locked("shared with Microsoft sellers; this cannot be withdrawn");
        }
        fields.push(share);
        let contacts: Vec<Member> = base.contacts().to_vec();
        for (i, m) in contacts.iter().enumerate() {
            fields.extend(member_fields(Group::Contacts, i, m));
        }
        let team: Vec<Member> = if base.team().is_empty() {
            vec![Member::default()]
        } else {
            base.team().to_vec()
        };
        for (i, m) in team.iter().enumerate() {
            let fields_i = member_fields(Group::Team, i, m);
            // An empty placeholder member is optional until something is typed in it.
            let optional = base.team().is_empty();
            fields.extend(fields_i.into_iter().map(|mut f| {
                if optional {
                    f.required = false;
                }
                f
            }));
        }
        let solutions: Vec<Solution> = base.solutions().to_vec();
        for (i, s) in solutions.iter().enumerate() {
            fields.extend(solution_fields(i, s));
        }
        let mut form = Form::new(fields);
        let focus_key = match FieldPath::from_pointer(focus) {
            Some(FieldPath::Contacts) => format!("{}.0.firstName", Group::Contacts.prefix()),
            Some(FieldPath::Team) => format!("{}.0.firstName", Group::Team.prefix()),
            Some(FieldPath::Solutions) => format!("{}.0.id", Group::Solutions.prefix()),
            _ => focus.to_string(),
        };
        form.focus_key(&focus_key);
        if form.focused().is_some_and(|f| f.locked.is_some())
            && let Some(i) = form.fields.iter().position(|f| f.locked.is_none())
        {
            form.focus = i;
        }
        EditForm {
            base,
            form,
            error: None,
        }
    }

    /// The referral with the form's values applied. A field left as it was shown keeps the
    /// loaded value exactly (a closing time of day, an amount's float, a name's spacing), so an
    /// untouched field is never sent; a changed closing date keeps the loaded time of day.
    pub fn edited(&self) -> Result<Referral, Vec<FieldError>> {
        let mut r = self.base.clone();
        let f = &self.form;
        let changed = |path: FieldPath| f.get(path.pointer()).is_some_and(|x| x.changed());
        let text = |path: FieldPath| f.trimmed(path.pointer());
        let mut errors = Vec::new();
        if changed(FieldPath::SalesStage) {
            r.sales_stage = f
                .chosen(FieldPath::SalesStage.pointer())
                .map(SalesStage::parse);
        }
        if changed(FieldPath::StatusReason) {
            r.status_reason = text(FieldPath::StatusReason);
        }
        if changed(FieldPath::CampaignId) {
            r.campaign_id = text(FieldPath::CampaignId);
        }
        if changed(FieldPath::ExternalReferenceId) {
            r.external_reference_id = text(FieldPath::ExternalReferenceId);
        }
        if changed(FieldPath::ReferralProgram) {
            r.referral_program = text(FieldPath::ReferralProgram);
        }
        let details = r.details.get_or_insert_with(Details::default);
        if changed(FieldPath::Notes) {
            details.notes = text(FieldPath::Notes);
        }
        if changed(FieldPath::DealValue) {
            details.deal_value = match text(FieldPath::DealValue) {
                Some(v) => match validate::amount("deal value", &v) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        errors.push(e);
                        details.deal_value
                    }
                },
                None => None,
            };
        }
        if changed(FieldPath::Currency) {
            details.currency = text(FieldPath::Currency).map(|c| c.to_ascii_uppercase());
        }
        if changed(FieldPath::ClosingDate) {
            let old = details.closing_date_time;
            details.closing_date_time = match text(FieldPath::ClosingDate) {
                Some(v) => match parse_datetime(&v) {
                    Some(d) => Some(keep_time_of_day(d, &v, old)),
                    None => {
                        errors.push(FieldError::new(
                            "closing date",
                            "write the date as YYYY-MM-DD",
                        ));
                        old
                    }
                },
                None => None,
            };
        }
        let solutions = read_solutions(f, self.base.solutions());
        let requirements = details
            .requirements
            .get_or_insert_with(Requirements::default);
        requirements.solutions =
            (!solutions.is_empty() || requirements.solutions.is_some()).then_some(solutions);
        if f.is_checked(FieldPath::ShareWithMicrosoft.pointer()) {
            r.consent
                .get_or_insert_with(Consent::default)
                .consent_to_share_referral_with_microsoft_sellers = Some(true);
        }
        let contacts = read_members(f, Group::Contacts, self.base.contacts());
        if let Some(cp) = r.customer_profile.as_mut() {
            cp.team = Some(contacts).filter(|c| !c.is_empty() || cp.team.is_some());
        }
        let team: Vec<Member> = read_members(f, Group::Team, self.base.team())
            .into_iter()
            .filter(|m| m.first_name.is_some() || m.last_name.is_some() || m.email.is_some())
            .collect();
        r.team = (!team.is_empty() || self.base.team.is_some()).then_some(team);
        if errors.is_empty() {
            Ok(r)
        } else {
            Err(errors)
        }
    }

    fn save(&mut self, cx: &mut Cx<'_>) -> Flow {
        let mut errors = self.form.validate_all();
        // Team members typed only partly need their required parts.
        if !errors.is_empty() {
            // The form moved its cursor to the first invalid field; say which and how to fix it.
            self.error = Some(format!(
                "{} field(s) need attention: {}",
                errors.len(),
                errors[0]
            ));
            cx.notify(
                Level::Error,
                format!("not saved — {}; fix it and press ctrl-s again", errors[0]),
            );
            return Flow::Handled;
        }
        let edited = match self.edited() {
            Ok(r) => r,
            Err(e) => {
                errors = e;
                self.form.show_errors(&errors);
                self.error = Some(errors[0].to_string());
                cx.notify(
                    Level::Error,
                    format!("not saved — {}; fix it and press ctrl-s again", errors[0]),
                );
                return Flow::Handled;
            }
        };
        let ops = patch::diff(&self.base, &edited);
        if ops.is_empty() {
            cx.notify(Level::Info, "nothing changed");
            return Flow::Close;
        }
        for op in &ops {
            if let Err(v) = rules::check_edit(&self.base, &op.path, &op.value) {
                self.error = Some(v.message);
                return Flow::Handled;
            }
        }
        let changed: Vec<String> = self
            .form
            .fields
            .iter()
            .filter(|f| f.changed())
            .map(|f| f.label.to_lowercase())
            .collect();
        let summary = format!("edit {}", widgets::truncate(&changed.join(", "), 60));
        cx.send(Command::Patch {
            id: self.base.id().to_string(),
            ops,
            etag: self.base.etag.clone(),
            base: Box::new(self.base.clone()),
            summary,
        });
        Flow::Close
    }
}

impl Pane for EditForm {
    fn title(&self) -> String {
        format!("Edit: {}", self.base.name())
    }

    fn referral_id(&self) -> Option<&str> {
        Some(self.base.id())
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('n') | KeyCode::Char('d')) {
            let add = key.code == KeyCode::Char('n');
            let result = edit_group(&mut self.form, add, &mut |group, i| match group {
                Group::Solutions => solution_fields(i, &Solution::default()),
                g => member_fields(g, i, &Member::default()),
            });
            self.error = result.err();
            return Flow::Handled;
        }
        match self.form.handle_key(key) {
            FormEvent::Submit => self.save(cx),
            FormEvent::Cancel => {
                if self.form.is_dirty() {
                    Flow::Overlay(Box::new(Confirm::discard_form("the edit form")))
                } else {
                    Flow::Close
                }
            }
            FormEvent::Changed => {
                self.error = None;
                Flow::Handled
            }
            FormEvent::Handled => Flow::Handled,
            // Help where the key is not text (F1, or `?` on a choice): the app's help overlay.
            FormEvent::Ignored if cx.keymap.action(key) == Some(KeyAction::Help) => Flow::Ignored,
            FormEvent::Ignored => Flow::Handled,
        }
    }

    fn on_event(&mut self, event: &Event, _cx: &mut Cx<'_>) -> Flow {
        // A fresh copy with a new eTag arriving while nothing is typed yet replaces the base.
        if let Event::Detail {
            referral,
            fresh: true,
            ..
        } = event
            && referral.id() == self.base.id()
            && !self.form.is_dirty()
        {
            let focus = self
                .form
                .focused()
                .map(|f| f.key.clone())
                .unwrap_or_default();
            *self = EditForm::new(referral.as_ref().clone(), &focus);
            return Flow::Handled;
        }
        Flow::Ignored
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        self.form.paste(text);
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        self.form.render_pane(
            frame,
            area,
            cx,
            PaneText {
                title: &format!("Edit: {}", self.base.name()),
                error: self.error.as_deref(),
                note: None,
                hint: "ctrl-s save · tab/↓ next · shift-tab/↑ previous · ctrl-n add · ctrl-d remove · esc cancel",
            },
        );
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        crate::ui::form::form_help(
            "save (sent with If-Match through the outbox)",
            "contact, team member or solution",
        )
    }

    fn has_unsaved_input(&self) -> bool {
        self.form.is_dirty()
    }

    fn takes_text(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patch::PatchOp;
    use serde_json::json;

    fn referral(status: &str) -> Referral {
        serde_json::from_value(json!({
            "id": "r1", "name": "Deal", "status": status, "substatus": if status == "Closed" { "Won" } else { "Accepted" },
            "eTag": "\"e1\"",
            "customerProfile": {"name": "Contoso", "team": [{"firstName": "Ann", "lastName": "Lee",
                "email": "ann@contoso.com", "phoneNumber": "+1 425 555 0100", "contactPreference": {"locale": "en-us"}}]},
            "details": {"dealValue": 1000.0, "currency": "USD", "notes": "n",
                "requirements": {"solutions": [{"id": "SOL-1", "name": "A", "publisherName": "P"}]}},
            "consent": {"consentToShareReferralWithMicrosoftSellers": false}
        }))
        .unwrap()
    }

    fn set(form: &mut EditForm, key: &str, value: &str) {
        form.form.get_mut(key).unwrap().set_value(value);
    }

    #[test]
    fn an_untouched_form_gives_no_patch() {
        let f = EditForm::new(referral("Active"), "/name");
        assert_eq!(patch::diff(&f.base, &f.edited().unwrap()), vec![]);
        let name = f.form.fields.iter().find(|x| x.key == "/name").unwrap();
        assert!(name.locked.is_some(), "the name is fixed after the create");
        assert!(f.form.fields.iter().all(|x| x.key != "/favorite"));
    }

    #[test]
    fn edits_become_the_minimal_patch_and_keep_hidden_parts() {
        let mut f = EditForm::new(referral("Active"), "/name");
        set(&mut f, "/details/dealValue", "25,000");
        set(&mut f, "contacts.0.email", "ann.lee@contoso.com");
        let edited = f.edited().unwrap();
        let ops = patch::diff(&f.base, &edited);
        assert_eq!(ops.len(), 2, "{ops:?}");
        assert!(ops.contains(&PatchOp::replace("/details/dealValue", json!(25000.0))));
        let team = ops
            .iter()
            .find(|o| o.path == "/customerProfile/team")
            .unwrap();
        assert_eq!(team.value[0]["email"], "ann.lee@contoso.com");
        assert_eq!(
            team.value[0]["contactPreference"]["locale"], "en-us",
            "hidden parts are kept"
        );
    }

    #[test]
    fn the_deal_value_takes_the_filter_amounts() {
        let mut f = EditForm::new(referral("Active"), "/name");
        set(&mut f, "/details/dealValue", "50k");
        assert!(f.form.validate_all().is_empty());
        let ops = patch::diff(&f.base, &f.edited().unwrap());
        assert_eq!(
            ops,
            vec![PatchOp::replace("/details/dealValue", json!(50000.0))]
        );
    }

    #[test]
    fn closed_referrals_are_edited_like_any_other() {
        let f = EditForm::new(referral("Closed"), "/details/dealValue");
        let locked: Vec<&str> = f
            .form
            .fields
            .iter()
            .filter(|x| x.locked.is_some())
            .map(|x| x.key.as_str())
            .collect();
        assert_eq!(locked, ["/name"], "only the name, fixed at create");
        assert_eq!(f.form.focused().unwrap().key, "/details/dealValue");
    }

    #[test]
    fn groups_grow_and_shrink() {
        let mut f = EditForm::new(referral("Active"), "/details/requirements/solutions");
        assert_eq!(f.form.focused().unwrap().key, "solutions.0.id");
        let mut make = |g: Group, i: usize| match g {
            Group::Solutions => solution_fields(i, &Solution::default()),
            g => member_fields(g, i, &Member::default()),
        };
        edit_group(&mut f.form, true, &mut make).unwrap();
        assert_eq!(f.form.focused().unwrap().key, "solutions.1.id");
        set(&mut f, "solutions.1.id", "SOL-2");
        let ops = patch::diff(&f.base, &f.edited().unwrap());
        assert_eq!(
            ops,
            vec![PatchOp::add(
                "/details/requirements/solutions/-",
                json!({"id": "SOL-2"})
            )]
        );
        f.form.focus_key("solutions.0.id");
        edit_group(&mut f.form, false, &mut make).unwrap();
        assert_eq!(f.form.text("solutions.0.id"), "SOL-2");
        f.form.focus_key("contacts.0.email");
        assert!(
            edit_group(&mut f.form, false, &mut make)
                .unwrap_err()
                .contains("at least one")
        );
    }

    #[test]
    fn bad_values_are_caught_before_sending() {
        let mut f = EditForm::new(referral("Active"), "/name");
        set(&mut f, "/details/currency", "dollars");
        let errors = f.form.validate_all();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().starts_with("currency:"),
            "{}",
            errors[0]
        );
    }
}
