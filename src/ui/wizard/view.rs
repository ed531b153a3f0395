//! What the wizard's steps without a form show: the eligibility check with the referral's
//! registrations, a registration's status and history, the review of the JSON Patch, and the
//! result of the submit. Each builds plain lines for a given width so the pane can scroll them.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::patch::PatchOp;
use crate::domain::rules;
use crate::domain::text::count;
use crate::domain::*;
use crate::ui::pane::RenderCx;
use crate::ui::widgets::{self, money};

use super::Step;

/// The steps in order, for the bar at the top of the pane.
const STEPS: [(Step, &str); 5] = [
    (Step::Start, "Eligibility"),
    (Step::Solutions, "Solutions"),
    (Step::Contract, "Contract"),
    (Step::Review, "Review"),
    (Step::Result, "Result"),
];

/// `Eligibility › Solutions › …` with the current step marked and the ones done in green.
pub fn step_bar(current: Step, cx: &RenderCx<'_>) -> Line<'static> {
    let at = STEPS.iter().position(|(s, _)| *s == current).unwrap_or(0);
    let mut spans = Vec::new();
    for (i, (_, name)) in STEPS.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", cx.theme.dim));
        }
        let style = match i.cmp(&at) {
            std::cmp::Ordering::Less => cx.theme.ok,
            std::cmp::Ordering::Equal => cx.theme.selected,
            std::cmp::Ordering::Greater => cx.theme.dim,
        };
        spans.push(Span::styled(format!("{} {name}", i + 1), style));
    }
    Line::from(spans)
}

/// A label and a value wrapped under a label column.
fn labelled(label: &str, value: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    let label_w = 12.min(width / 3);
    let value_w = width.saturating_sub(label_w + 2).max(8);
    widgets::wrap(value, value_w)
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let lab = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!("  {}", widgets::fit(lab, label_w)), style),
                Span::raw(chunk),
            ])
        })
        .collect()
}

/// Plain text wrapped to the width, indented.
pub fn paragraph(text: &str, width: usize, indent: usize, style: Style) -> Vec<Line<'static>> {
    widgets::wrap(text, width.saturating_sub(indent).max(8))
        .into_iter()
        .map(|l| Line::styled(format!("{}{l}", " ".repeat(indent)), style))
        .collect()
}

/// `mark text` wrapped with the continuation lines under the text, indented by `indent`.
pub fn bullet(
    mark: &str,
    text: &str,
    width: usize,
    indent: usize,
    style: Style,
) -> Vec<Line<'static>> {
    let hang = indent + mark.chars().count() + 1;
    widgets::wrap(text, width.saturating_sub(hang).max(8))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 {
                format!("{}{mark} ", " ".repeat(indent))
            } else {
                " ".repeat(hang)
            };
            Line::styled(format!("{lead}{l}"), style)
        })
        .collect()
}

/// The facts behind an eligible referral's "yes", one per rule.
fn eligible_facts(r: &Referral) -> Vec<String> {
    let ids: Vec<&str> = r
        .solutions()
        .iter()
        .filter_map(|s| s.id.as_deref())
        .collect();
    let n = r.solutions().len();
    let mut facts = vec![
        format!("{}/{}", r.status(), r.substatus()),
        "shared with Microsoft sellers".to_string(),
        format!("{}: {}", count(n, "solution"), ids.join(", ")),
    ];
    if let (Some(c), Some(w)) = (r.created_date_time, r.closed_date_time) {
        let hours = (w - c).num_hours();
        let after = if hours >= 48 {
            format!("{} days", hours / 24)
        } else {
            format!("{hours} hours")
        };
        facts.push(format!(
            "won {after} after it was created (at least {} hours)",
            rules::MIN_WON_AFTER_CREATE.num_hours()
        ));
    }
    facts
}

/// The eligibility check, saying one thing: the referral can get a new registration (and the
/// facts), or it cannot — every unmet rule, or the registration in the way and what can be done.
pub fn eligibility(
    r: &Referral,
    ineligible: &[String],
    blocked: Option<&crate::domain::rules::RuleViolation>,
    width: usize,
    cx: &RenderCx<'_>,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(v) = blocked.filter(|_| ineligible.is_empty()) {
        lines.push(Line::styled(
            "✗ No new registration for this referral now:",
            cx.theme.warning,
        ));
        lines.extend(bullet("·", &v.message, width, 2, Style::new()));
        lines.push(Line::styled(
            "  (the referral itself meets the registration rules)",
            cx.theme.dim,
        ));
    } else if ineligible.is_empty() {
        lines.push(Line::styled(
            "✓ This referral can be registered",
            cx.theme.ok,
        ));
        for fact in eligible_facts(r) {
            lines.extend(bullet("✓", &fact, width, 2, Style::new()));
        }
    } else {
        lines.push(Line::styled(
            "✗ This referral cannot be registered:",
            cx.theme.error,
        ));
        for reason in ineligible {
            lines.extend(bullet("✗", reason, width, 2, Style::new()));
        }
    }
    lines
}

/// One registration in the start page's list.
pub fn registration_item(n: usize, reg: &Registration) -> String {
    let count = reg.solution_details.as_deref().unwrap_or(&[]).len();
    let value = reg
        .contract
        .as_ref()
        .map(|c| money(c.value, c.currency.as_deref().unwrap_or("")))
        .unwrap_or_else(|| "—".into());
    format!(
        "Registration {n} · {} · {} · {value} · {count} solution{}",
        status_of(reg),
        widgets::date(reg.registration_date_time),
        if count == 1 { "" } else { "s" }
    )
}

fn status_of(reg: &Registration) -> String {
    reg.status
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "—".into())
}

/// Why a registration can or cannot be updated.
pub fn updatable_note(reg: &Registration) -> String {
    if rules::registration_is_updatable(reg) {
        format!("{}: can be updated (enter)", status_of(reg))
    } else {
        format!(
            "{}: no longer updatable (only ReviewPending or ActionRequired registrations can change)",
            status_of(reg)
        )
    }
}

/// A registration's status, history, contract and solutions.
pub fn registration_detail(
    reg: &Registration,
    width: usize,
    cx: &RenderCx<'_>,
) -> Vec<Line<'static>> {
    let dim = cx.theme.dim;
    let mut lines = Vec::new();
    if let Some(id) = reg.id.as_deref() {
        lines.extend(labelled("id", id, width, dim));
    }
    if let Some(reason) = reg.status_reason.as_deref().filter(|s| !s.is_empty()) {
        lines.extend(labelled("reason", reason, width, dim));
    }
    let h = reg.status_history.clone().unwrap_or_default();
    for (label, at) in [
        ("in review", h.review_pending_date_time),
        ("action req.", h.action_required_date_time),
        ("passed", h.passed_date_time),
        ("failed", h.failed_date_time),
        ("approved", h.approved_date_time),
    ] {
        if at.is_some() {
            lines.extend(labelled(label, &widgets::datetime(at), width, dim));
        }
    }
    if let Some(c) = &reg.contract {
        lines.extend(labelled("contract", &widgets::contract_line(c), width, dim));
    }
    for s in reg.solution_details.iter().flatten() {
        lines.extend(labelled(
            "solution",
            &widgets::solution_detail_line(s),
            width,
            dim,
        ));
    }
    lines
}

/// The request line and the exact JSON Patch body, pretty-printed.
pub fn review(
    r: &Referral,
    ops: &[PatchOp],
    width: usize,
    cx: &RenderCx<'_>,
) -> Vec<Line<'static>> {
    let mut lines = paragraph(
        &format!(
            "PATCH /referrals/{} · If-Match: {} · {} operation{}",
            r.id(),
            r.etag.as_deref().unwrap_or("(none)"),
            ops.len(),
            if ops.len() == 1 { "" } else { "s" }
        ),
        width,
        0,
        cx.theme.header,
    );
    let json = serde_json::to_string_pretty(ops).unwrap_or_else(|e| e.to_string());
    for line in json.lines() {
        // Long values are cut into pieces rather than hidden past the edge.
        let chars: Vec<char> = line.chars().collect();
        for piece in chars.chunks(width.max(8)) {
            lines.push(Line::raw(piece.iter().collect::<String>()));
        }
    }
    lines
}
