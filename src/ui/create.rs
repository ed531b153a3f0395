//! `n` / `N`: a new referral, independent or shared with Microsoft.
//!
//! The form asks for a referral's parts (`domain::create::check_new`). The service requires only
//! the type, customer, consent and details, which the form always builds, so no field is
//! required: what a good referral usually has (name, country, a contact with email and phone,
//! deal value, currency, closing date, a solution) is advice, listed under the form while it is
//! missing; only invalid values (and an incomplete Services co-sell trio: partner role,
//! solution area, solution play) block. The name cannot be changed after the create.
//! Submitting queues the create in the outbox; a shared referral queues
//! two creates (yours, then Microsoft's linked one with the same engagement), and the second waits
//! in the outbox if it cannot be sent yet.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::domain::create::check_new;
use crate::domain::time::{format_date, parse_datetime};
use crate::domain::validate;
use crate::domain::*;
use crate::protocol::Command;
use crate::ui::dialog::Confirm;
use crate::ui::edit::{
    Group, edit_group, member_fields, read_members, read_solutions, solution_fields,
};
use crate::ui::form::{Field, Form, FormEvent, Kind, PaneText, Value};
use crate::ui::keymap::Keymap;
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};

/// Opens the create form.
pub fn open_create(shared: bool, now: DateTime<Utc>) -> Flow {
    Flow::Push(Box::new(CreateForm::new(shared, now)))
}

pub struct CreateForm {
    shared: bool,
    pub form: Form,
    error: Option<String>,
}

fn choices<T: ToString>(all: &[T]) -> Kind {
    Kind::OptionalChoice(all.iter().map(|x| x.to_string()).collect())
}

impl CreateForm {
    pub fn new(shared: bool, now: DateTime<Utc>) -> CreateForm {
        let closing = format_date(&(now + Duration::days(90)));
        let mut fields = vec![
            Field::new("name", "Name", Kind::Text, "")
                .hint("e.g. Contoso supply chain modernization (fixed after the create)"),
            Field::new("customer", "Customer", Kind::Text, ""),
            Field::new("country", "Country", Kind::Country, "").hint("two letters, e.g. US"),
            Field::new("address", "Address", Kind::Text, ""),
            Field::new("city", "City", Kind::Text, ""),
            Field::new("state", "State/region", Kind::Text, ""),
            Field::new("postal", "Postal code", Kind::Text, ""),
            Field::new(
                "size",
                "Company size",
                choices(CompanySize::ALL),
                Value::chosen(None),
            ),
        ];
        fields.extend(member_fields(Group::Contacts, 0, &Member::default()));
        fields.extend([
            Field::new("value", "Deal value", Kind::Amount, ""),
            Field::new("currency", "Currency", Kind::Currency, "USD"),
            Field::new("closing", "Closing date", Kind::Date, closing).hint("YYYY-MM-DD"),
            Field::new("notes", "Notes", Kind::Multiline, ""),
        ]);
        fields.extend(solution_fields(0, &Solution::default()));
        fields.extend([
            Field::new(
                "qualification",
                "Qualification",
                choices(Qualification::ALL),
                Value::chosen(None),
            ),
            Field::new(
                "stage",
                "Sales stage",
                choices(SalesStage::ALL),
                Value::chosen(None),
            ),
            Field::new(
                "consentContact",
                "Customer agreed to be contacted",
                Kind::Toggle,
                true,
            ),
            Field::new(
                "consentShareInfo",
                "Customer agreed to share info",
                Kind::Toggle,
                false,
            ),
            {
                let f = Field::new("share", "Share with Microsoft", Kind::Toggle, shared);
                if shared {
                    f.locked("a shared referral is shared with Microsoft sellers")
                } else {
                    f
                }
            },
            Field::new("externalReferenceId", "External reference", Kind::Text, "")
                .hint("your CRM's id of this deal"),
            Field::new("campaignId", "Campaign id", Kind::Text, ""),
            Field::new("partnerRole", "Partner role", Kind::Text, "")
                .hint("Services co-sell only: with solution area and play"),
            Field::new("solutionArea", "Solution area", Kind::Text, "")
                .hint("Services co-sell only: the customer need's solution area"),
            Field::new("solutionPlay", "Solution play", Kind::Text, "")
                .hint("Services co-sell only"),
        ]);
        // Nothing the form asks for is required by the service (see the module notes).
        for f in &mut fields {
            f.required = false;
        }
        CreateForm {
            shared,
            form: Form::new(fields),
            error: None,
        }
    }

    /// The referral the form describes (before the create rules are checked).
    pub fn referral(&self) -> Referral {
        let f = &self.form;
        let text = |k: &str| f.trimmed(k);
        // Entries left wholly empty are not sent (nothing was typed in them).
        let mut contacts = read_members(f, Group::Contacts, &[]);
        contacts.retain(|m| *m != Member::default());
        let mut solutions = read_solutions(f, &[]);
        solutions.retain(|s| *s != Solution::default());
        Referral {
            name: text("name"),
            referral_type: Some(if self.shared {
                ReferralType::Shared
            } else {
                ReferralType::Independent
            }),
            qualification: f.chosen("qualification").map(Qualification::parse),
            sales_stage: f.chosen("stage").map(SalesStage::parse),
            external_reference_id: text("externalReferenceId"),
            campaign_id: text("campaignId"),
            partner_role: text("partnerRole"),
            solution_area: text("solutionArea"),
            solution_play: text("solutionPlay"),
            customer_profile: Some(CustomerProfile {
                name: text("customer"),
                address: Some(Address {
                    address_line1: text("address"),
                    city: text("city"),
                    state: text("state"),
                    postal_code: text("postal"),
                    country: text("country").map(|c| c.to_ascii_uppercase()),
                    ..Default::default()
                }),
                size: f.chosen("size").map(CompanySize::parse),
                team: Some(contacts),
                ..Default::default()
            }),
            consent: Some(Consent {
                consent_to_contact: Some(f.is_checked("consentContact")),
                consent_to_share_info_with_others: Some(f.is_checked("consentShareInfo")),
                consent_to_share_referral_with_microsoft_sellers: Some(f.is_checked("share")),
                ..Default::default()
            }),
            details: Some(Details {
                notes: text("notes"),
                deal_value: text("value").and_then(|v| validate::amount("deal value", &v).ok()),
                currency: text("currency").map(|c| c.to_ascii_uppercase()),
                closing_date_time: text("closing").and_then(|d| parse_datetime(&d)),
                requirements: Some(Requirements {
                    solutions: Some(solutions),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// What the referral would usually carry but lacks (advice, never a block), in one line.
    pub fn advice(&self) -> Option<String> {
        let advice = check_new(&self.referral()).advice;
        let fields: Vec<&str> = advice.iter().map(|a| a.field.as_str()).collect();
        (!fields.is_empty())
            .then(|| format!("not required, but usually given: {}", fields.join(", ")))
    }

    fn submit(&mut self, cx: &mut Cx<'_>) -> Flow {
        let errors = self.form.validate_all();
        if let Some(first) = errors.first() {
            self.error = Some(format!("{} field(s) need attention: {first}", errors.len()));
            return Flow::Handled;
        }
        let referral = self.referral();
        let rule_errors = check_new(&referral).errors;
        if let Some(first) = rule_errors.first() {
            self.form.show_errors(&rule_errors);
            self.error = Some(first.to_string());
            return Flow::Handled;
        }
        cx.send(Command::Create {
            referral: Box::new(referral),
            shared: self.shared,
        });
        Flow::Close
    }
}

impl Pane for CreateForm {
    fn title(&self) -> String {
        if self.shared {
            "New referral shared with Microsoft".into()
        } else {
            "New referral".into()
        }
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('n') | KeyCode::Char('d')) {
            let result = edit_group(
                &mut self.form,
                key.code == KeyCode::Char('n'),
                &mut |group, i| {
                    let mut fields = match group {
                        Group::Solutions => solution_fields(i, &Solution::default()),
                        g => member_fields(g, i, &Member::default()),
                    };
                    for f in &mut fields {
                        f.required = false;
                    }
                    fields
                },
            );
            self.error = result.err();
            return Flow::Handled;
        }
        match self.form.handle_key(key) {
            FormEvent::Submit => self.submit(cx),
            FormEvent::Cancel => {
                if self.form.is_dirty() {
                    Flow::Overlay(Box::new(Confirm::discard_form("the new referral")))
                } else {
                    Flow::Close
                }
            }
            FormEvent::Changed => {
                self.error = None;
                Flow::Handled
            }
            // Help where the key is not text (F1, or `?` on a choice): the app's help overlay.
            FormEvent::Ignored
                if cx.keymap.action(key) == Some(crate::ui::keymap::KeyAction::Help) =>
            {
                Flow::Ignored
            }
            _ => Flow::Handled,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        self.form.paste(text);
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let advice = self.advice();
        let note = match (advice.as_deref(), self.shared) {
            (Some(a), _) => a,
            (None, true) => "creates your referral, then Microsoft's linked one (same engagement)",
            (None, false) => "the service requires nothing more; ctrl-s creates it",
        };
        let title = self.title();
        self.form.render_pane(
            frame,
            area,
            cx,
            PaneText {
                title: &title,
                error: self.error.as_deref(),
                note: Some((note, cx.theme.dim)),
                hint: "ctrl-s create · tab/↓ next · ctrl-n add contact/solution · ctrl-d remove · esc cancel",
            },
        );
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        crate::ui::form::form_help(
            "create (queued in the outbox, sent at once when online)",
            "contact or solution",
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

    fn now() -> DateTime<Utc> {
        parse_datetime("2026-11-25T12:00:00Z").unwrap()
    }

    #[test]
    fn a_filled_form_makes_a_referral_the_rules_accept() {
        let mut c = CreateForm::new(false, now());
        for (k, v) in [
            ("name", "Fabrikam rollout"),
            ("customer", "Fabrikam"),
            ("country", "de"),
            ("contacts.0.firstName", "Jo"),
            ("contacts.0.lastName", "Smith"),
            ("contacts.0.email", "jo@fabrikam.com"),
            ("contacts.0.phoneNumber", "+49 30 1234567"),
            ("value", "120000"),
            ("solutions.0.id", "SOL-1"),
        ] {
            c.form.get_mut(k).unwrap().set_value(v);
        }
        assert!(c.form.validate_all().is_empty());
        let r = c.referral();
        assert_eq!(check_new(&r).errors, vec![]);
        assert_eq!(c.advice(), None);
        assert_eq!(r.country(), "DE");
        assert_eq!(
            r.closing_date().map(|d| format_date(&d)).as_deref(),
            Some("2027-02-23")
        );
        assert_eq!(r.referral_type, Some(ReferralType::Independent));
        assert!(!r.is_shared_with_microsoft());
    }

    #[test]
    fn an_empty_form_blocks_nothing_and_advises_what_is_missing() {
        let mut c = CreateForm::new(true, now());
        assert_eq!(c.form.validate_all(), vec![], "no field is required");
        let r = c.referral();
        assert!(r.is_shared_with_microsoft());
        assert_eq!(check_new(&r).errors, vec![]);
        let advice = c.advice().unwrap();
        assert!(
            advice.starts_with("not required, but usually given: name, "),
            "{advice}"
        );
        assert!(advice.contains("name"), "{advice}");
        c.form
            .get_mut("contacts.0.firstName")
            .unwrap()
            .set_value("Jo");
        let fields: Vec<String> = check_new(&c.referral())
            .advice
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert!(
            fields.contains(&"customerProfile.team[0].email".to_string()),
            "{fields:?}"
        );
    }

    #[test]
    fn services_co_sell_fields_are_sent_and_checked_together() {
        let mut c = CreateForm::new(false, now());
        c.form
            .get_mut("partnerRole")
            .unwrap()
            .set_value("Implementation partner");
        let errors = check_new(&c.referral()).errors;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["solutionArea", "solutionPlay"]);
        c.form
            .get_mut("solutionArea")
            .unwrap()
            .set_value("Security");
        c.form
            .get_mut("solutionPlay")
            .unwrap()
            .set_value("Any new play");
        let r = c.referral();
        assert_eq!(check_new(&r).errors, vec![]);
        assert_eq!(r.solution_play.as_deref(), Some("Any new play"));
    }
}
