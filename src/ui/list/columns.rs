//! The list's columns: what each shows, how wide it is, and which fit a given width.

use super::*;

/// The natural direction of a column: newest, biggest first; names A→Z.
pub fn default_descending(column: Column) -> bool {
    matches!(column, Column::Value | Column::Updated | Column::Closing)
}

/// A list column as drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Name(u16),
    Customer(u16),
    Status,
    Type,
    Direction,
    Value,
    Closing,
    Expires,
    Updated,
    Marketo,
}

impl Col {
    pub(super) fn title(self) -> &'static str {
        match self {
            Col::Name(_) => "Name",
            Col::Customer(_) => "Customer",
            Col::Status => "Status",
            Col::Type => "Type",
            Col::Direction => "Dir",
            Col::Value => "Value",
            Col::Closing => "Closing",
            Col::Expires => "Expires",
            Col::Updated => "Updated",
            Col::Marketo => "Mkto",
        }
    }

    pub(super) fn width(self) -> u16 {
        match self {
            Col::Name(w) | Col::Customer(w) => w,
            Col::Status => 15,
            Col::Type => 11,
            Col::Direction => 3,
            Col::Value => 13,
            Col::Closing => 10,
            Col::Expires => 8,
            Col::Updated => 10,
            Col::Marketo => 7,
        }
    }

    pub(super) fn constraint(self) -> Constraint {
        Constraint::Length(self.width())
    }

    pub(super) fn sort_column(self) -> Option<Column> {
        Some(match self {
            Col::Name(_) => Column::Name,
            Col::Customer(_) => Column::Customer,
            Col::Status => Column::Status,
            Col::Type => Column::Type,
            Col::Direction => Column::Direction,
            Col::Value => Column::Value,
            Col::Closing => Column::Closing,
            Col::Expires => Column::Expires,
            Col::Updated => Column::Updated,
            Col::Marketo => Column::Marketo,
        })
    }

    pub(super) fn cell<'a>(
        self,
        row: &ReferralRow,
        (mark, under): (Option<RowMark>, bool),
        name_hl: &[u32],
        cust_hl: &[u32],
        cx: &RenderCx<'_>,
        now: DateTime<Utc>,
    ) -> Cell<'a> {
        let t = cx.theme;
        let w = self.width() as usize;
        match self {
            Col::Name(_) => {
                let prefix = match (row.favorite, mark) {
                    (_, Some(RowMark::Saving)) => Span::styled("… ", t.warning),
                    (_, Some(RowMark::Saved)) => Span::styled("✓ ", t.ok),
                    (_, Some(RowMark::Failed)) => Span::styled("! ", t.error),
                    (_, None) if row.unseen => Span::styled("● ", t.info),
                    (true, None) => Span::styled("★ ", t.highlight),
                    (false, None) => Span::raw("  "),
                };
                // Microsoft's linked copy: `MS`, indented under its partner.
                let badge = match (row.microsoft, under) {
                    (true, true) => "└MS ",
                    (true, false) => "MS ",
                    (false, _) => "",
                };
                let text = fit(&row.name, w.saturating_sub(2 + badge.chars().count()));
                let mut spans = vec![prefix];
                if !badge.is_empty() {
                    spans.push(Span::styled(badge, t.key));
                }
                spans.extend(widgets::highlighted(
                    &text,
                    name_hl,
                    Style::new(),
                    t.highlight,
                ));
                Cell::from(Line::from(spans))
            }
            Col::Customer(_) => {
                let text = fit(&row.customer, w);
                Cell::from(Line::from(widgets::highlighted(
                    &text,
                    cust_hl,
                    Style::new(),
                    t.highlight,
                )))
            }
            Col::Status => Cell::from(Span::styled(
                fit(&format!("{}/{}", row.status, row.substatus), w),
                t.status(&row.status),
            )),
            Col::Type => Cell::from(fit(
                row.referral_type
                    .as_ref()
                    .map(|x| x.as_str())
                    .unwrap_or("—"),
                w,
            )),
            Col::Direction => Cell::from(match row.direction.as_ref().map(|d| d.as_str()) {
                Some("Incoming") => "in",
                Some("Outgoing") => "out",
                Some(_) => "?",
                None => "—",
            }),
            Col::Value => Cell::from(fit_right(
                &widgets::money_short(row.deal_value, &row.currency),
                w,
            )),
            Col::Closing => Cell::from(widgets::date(row.closing)),
            Col::Expires => Cell::from(Span::styled(
                expires_text(row, now),
                t.expiry(row, now).unwrap_or(t.dim),
            )),
            Col::Updated => Cell::from(Span::styled(
                row.updated
                    .map(|u| widgets::ago(u, now))
                    .unwrap_or_else(|| "—".into()),
                t.dim,
            )),
            Col::Marketo => Cell::from(Span::styled(row.marketo.as_str(), t.badge(row.marketo))),
        }
    }
}

/// The time a New referral has left to be answered: `in 5h`, `in 3d`, `expired`; `—` for a
/// referral that cannot expire any more (answered, closed) or has no deadline.
pub(super) fn expires_text(row: &ReferralRow, now: DateTime<Utc>) -> String {
    let Some(at) = row.expires.filter(|_| row.status == Status::New) else {
        return "—".into();
    };
    let secs = (at - now).num_seconds();
    match secs {
        s if s <= 0 => "expired".into(),
        s if s < 3600 => format!("in {}m", (s + 59) / 60),
        s if s < 2 * 86_400 => format!("in {}h", s / 3600),
        s => format!("in {}d", s / 86_400),
    }
}

/// The columns that fit in `width`, dropping by priority: direction, type, closing, expires,
/// customer, updated, Marketo, value, status (name is always there and takes what is left).
/// Sorted by `expires`, the deadline comes right after the status.
pub(super) fn layout_columns(width: u16, sort: Column) -> Vec<Col> {
    // Priority order (most important first) of the optional columns.
    let mut optional = vec![
        Col::Status,
        Col::Value,
        Col::Customer(0),
        Col::Marketo,
        Col::Updated,
        Col::Expires,
        Col::Closing,
        Col::Type,
        Col::Direction,
    ];
    // Sorted by expiry (the expiry queue), the deadline comes right after the status.
    if sort == Column::Expires
        && let Some(at) = optional.iter().position(|c| *c == Col::Expires)
    {
        optional.remove(at);
        optional.insert(1, Col::Expires);
    }
    let avail = width.saturating_sub(2) as i32; // highlight symbol
    let min_name = 16i32;
    let mut chosen: Vec<Col> = Vec::new();
    let mut used = min_name;
    for c in optional {
        let w = match c {
            Col::Customer(_) => 14,
            other => other.width(),
        } as i32
            + 1;
        if used + w > avail {
            break;
        }
        used += w;
        chosen.push(c);
    }
    // Share what is left between name (2/3) and customer (1/3).
    let spare = (avail - used).max(0) as u16;
    let has_customer = chosen.iter().any(|c| matches!(c, Col::Customer(_)));
    let (name_w, cust_w) = if has_customer {
        let extra_c = (spare / 3).min(16);
        (min_name as u16 + spare - extra_c, 14 + extra_c)
    } else {
        (min_name as u16 + spare, 0)
    };
    let mut cols = vec![Col::Name(name_w)];
    // Display order follows the spec: name, customer, status, type, direction, value, closing,
    // (expires,) updated, Marketo.
    let display = [
        Col::Customer(cust_w),
        Col::Status,
        Col::Type,
        Col::Direction,
        Col::Value,
        Col::Closing,
        Col::Expires,
        Col::Updated,
        Col::Marketo,
    ];
    for c in display {
        if chosen
            .iter()
            .any(|x| std::mem::discriminant(x) == std::mem::discriminant(&c))
        {
            cols.push(c);
        }
    }
    cols
}
