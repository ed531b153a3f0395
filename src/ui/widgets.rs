//! Small drawing and formatting helpers shared by the panes.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::ui::pane::RenderCx;

/// A rectangle of `pct_w`×`pct_h` percent centred in `area`, at least `min_w`×`min_h` cells
/// when the area allows.
pub fn centered(area: Rect, pct_w: u16, pct_h: u16, min_w: u16, min_h: u16) -> Rect {
    let w = (area.width * pct_w / 100).max(min_w).min(area.width);
    let h = (area.height * pct_h / 100).max(min_h).min(area.height);
    let [row] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// The bordered block every pane uses, highlighted when focused.
pub fn pane_block<'a>(title: impl Into<Line<'a>>, cx: &RenderCx<'_>) -> Block<'a> {
    let border = if cx.focused {
        cx.theme.border_focused
    } else {
        cx.theme.border
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(title.into().style(cx.theme.title))
}

pub use crate::domain::text::truncate;

/// Pads or cuts `s` to exactly `width` cells.
pub fn fit(s: &str, width: usize) -> String {
    let t = truncate(s, width);
    let pad = width.saturating_sub(t.width());
    format!("{t}{}", " ".repeat(pad))
}

/// Pads on the left (numbers) or cuts to exactly `width` cells.
pub fn fit_right(s: &str, width: usize) -> String {
    let t = truncate(s, width);
    let pad = width.saturating_sub(t.width());
    format!("{}{t}", " ".repeat(pad))
}

/// Wraps text to `width` cells at spaces (hard-cutting words longer than a line).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let mut word = word.to_string();
            loop {
                let sep = usize::from(!line.is_empty());
                if line.width() + sep + word.width() <= width {
                    if sep == 1 {
                        line.push(' ');
                    }
                    line.push_str(&word);
                    break;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    continue;
                }
                // A word longer than the line: cut it.
                let mut head = String::new();
                let mut used = 0;
                let mut rest = String::new();
                for (i, c) in word.char_indices() {
                    let w = c.width().unwrap_or(0);
                    if used + w > width {
                        rest = word[i..].to_string();
                        break;
                    }
                    head.push(c);
                    used += w;
                }
                lines.push(head);
                word = rest;
                if word.is_empty() {
                    break;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// `1,250,000` / `1,250.50`.
pub fn group_thousands(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let negative = value < 0.0;
    let cents = (value.abs() * 100.0).round() as u128;
    let whole = cents / 100;
    let frac = cents % 100;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if frac != 0 {
        out.push_str(&format!(".{frac:02}"));
    }
    if negative { format!("-{out}") } else { out }
}

/// A deal value with its currency: `250,000 USD`; `—` when unknown.
pub fn money(value: Option<f64>, currency: &str) -> String {
    match value {
        Some(v) if currency.is_empty() => group_thousands(v),
        Some(v) => format!("{} {currency}", group_thousands(v)),
        None => "—".to_string(),
    }
}

/// A compact amount for narrow columns: `250k`, `1.3M`.
pub fn money_short(value: Option<f64>, currency: &str) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    let s = if v >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else {
        group_thousands(v.round())
    };
    if currency.is_empty() {
        s
    } else {
        format!("{s} {currency}")
    }
}

/// `12s ago`, `5m ago`, `3h ago`, `2d ago`; older than a week: the date.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    match secs {
        s if s < 0 => crate::domain::time::format_date(&at),
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s if s < 7 * 86_400 => format!("{}d ago", s / 86_400),
        _ => crate::domain::time::format_date(&at),
    }
}

/// A date, or `—`.
pub fn date(at: Option<DateTime<Utc>>) -> String {
    at.map(|d| crate::domain::time::format_date(&d))
        .unwrap_or_else(|| "—".into())
}

/// A date-time in UTC, or `—`.
pub fn datetime(at: Option<DateTime<Utc>>) -> String {
    at.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".into())
}

/// A deal registration's contract on one line: `1,000 USD · signed … · starts … · ends …`.
pub fn contract_line(c: &crate::domain::Contract) -> String {
    let term = match c.term {
        Some(crate::domain::ContractTerm::Perpetual) => "perpetual".to_string(),
        _ => format!("ends {}", date(c.end_date_time)),
    };
    format!(
        "{} · signed {} · starts {} · {term}",
        money(c.value, c.currency.as_deref().unwrap_or("")),
        date(c.sign_date_time),
        date(c.start_date_time)
    )
}

/// A registered solution on one line: `SOL-1 Name · 1,000 USD · on Azure`.
pub fn solution_detail_line(s: &crate::domain::SolutionDetail) -> String {
    format!(
        "{} {} · {}{}",
        s.id.as_deref().unwrap_or("?"),
        s.name.as_deref().unwrap_or(""),
        money(s.value, s.currency.as_deref().unwrap_or("")),
        if s.is_deployed_on_azure == Some(true) {
            " · on Azure"
        } else {
            ""
        }
    )
}

/// `key what · key what` hints for the bottom bar, cut to fit.
pub fn hints_line<'a>(hints: &[(String, String)], cx: &RenderCx<'_>, width: u16) -> Line<'a> {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, what) in hints {
        let w = key.width() + what.width() + 3;
        if used + w > width as usize {
            break;
        }
        spans.push(Span::styled(key.clone(), cx.theme.key));
        spans.push(Span::styled(format!(" {what}  "), cx.theme.dim));
        used += w;
    }
    Line::from(spans)
}

/// Spans of `text` with the characters at `indices` (char positions) highlighted.
pub fn highlighted<'a>(text: &str, indices: &[u32], base: Style, hl: Style) -> Vec<Span<'a>> {
    if indices.is_empty() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut spans = Vec::new();
    let mut current = String::new();
    let mut current_hl = false;
    for (i, c) in text.chars().enumerate() {
        let is_hl = indices.binary_search(&(i as u32)).is_ok();
        if is_hl != current_hl && !current.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut current),
                if current_hl { base.patch(hl) } else { base },
            ));
        }
        current_hl = is_hl;
        current.push(c);
    }
    if !current.is_empty() {
        spans.push(Span::styled(
            current,
            if current_hl { base.patch(hl) } else { base },
        ));
    }
    spans
}

/// Where a movement key takes the selection of a choice list of `n` items (as in the referral
/// list): up/down wrap around, top/bottom (g/G, Home/End) and page up/down (by `page`) stop at
/// the ends. `None` for any other key, or an empty list.
pub fn choice_move(
    current: usize,
    n: usize,
    action: Option<crate::keys::KeyAction>,
    page: usize,
) -> Option<usize> {
    use crate::keys::KeyAction as A;
    if n == 0 {
        return None;
    }
    let current = current.min(n - 1);
    let page = page.max(2) - 1;
    Some(match action? {
        A::Down => (current + 1) % n,
        A::Up => (current + n - 1) % n,
        A::Top => 0,
        A::Bottom => n - 1,
        A::PageDown => (current + page).min(n - 1),
        A::PageUp => current.saturating_sub(page),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_cell_width() {
        assert_eq!(truncate("Contoso", 10), "Contoso");
        assert_eq!(truncate("Contoso Ltd", 8), "Contoso…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit_right("ab", 4), "  ab");
        assert_eq!(truncate("x", 0), "");
    }

    #[test]
    fn wrapping_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
    }

    #[test]
    fn money_formats() {
        assert_eq!(money(Some(1_250_000.0), "USD"), "1,250,000 USD");
        assert_eq!(money(Some(1250.5), "EUR"), "1,250.50 EUR");
        assert_eq!(money(None, "USD"), "—");
        assert_eq!(money_short(Some(250_000.0), "USD"), "250k USD");
        assert_eq!(money_short(Some(1_340_000.0), ""), "1.3M");
        assert_eq!(group_thousands(999.0), "999");
    }

    #[test]
    fn relative_times() {
        let now = crate::domain::time::parse_datetime("2026-11-25T12:00:00Z").unwrap();
        let at = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(ago(at(12), now), "12s ago");
        assert_eq!(ago(at(300), now), "5m ago");
        assert_eq!(ago(at(3 * 3600), now), "3h ago");
        assert_eq!(ago(at(2 * 86_400), now), "2d ago");
        assert_eq!(ago(at(30 * 86_400), now), "2026-10-26");
    }

    #[test]
    fn highlight_spans_split_at_matches() {
        let spans = highlighted("Contoso", &[0, 1, 4], Style::new(), Style::new().bold());
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, ["Co", "nt", "o", "so"]);
    }
}
