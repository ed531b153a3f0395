//! The whole screen: the top bar, the status-count and filter line, the list and the focused
//! pane (side by side on wide terminals, the pane replacing the list on narrow ones), the key
//! hints (or the latest notice) at the bottom, and the top overlay.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{App, Focus};
use crate::protocol::{Level, Link};
use crate::ui::Areas;
use crate::ui::keymap::KeyAction;
use crate::ui::pane::{Pane, RenderCx};
use crate::ui::widgets;

/// Draws the whole screen and notes where the panes went (for mouse hit-testing).
pub(super) fn draw(app: &mut App, frame: &mut Frame<'_>) {
    let area = frame.area();
    let [top, tabs, filter, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let theme = app.options.theme.clone();
    let busy = app.spinner();
    let cx = |focused| RenderCx {
        theme: &theme,
        keymap: &app.options.keymap,
        now: app.now,
        focused,
        busy,
    };
    frame.render_widget(
        Paragraph::new(top_bar(app, &cx(false), top.width)).style(theme.base),
        top,
    );
    {
        let rcx = cx(app.focus == Focus::List);
        app.list.render_tabs(frame, tabs, &rcx);
        app.list.render_filter_line(frame, filter, &rcx);
    }

    let has_right = !app.right.is_empty();
    let mut areas = Areas::default();
    if has_right && app.is_split() {
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(main);
        let lcx = RenderCx {
            focused: app.focus == Focus::List,
            ..cx(false)
        };
        app.list.render(frame, l, &lcx);
        let rcx = RenderCx {
            focused: app.focus == Focus::Right,
            ..cx(false)
        };
        if let Some(pane) = app.right.last_mut() {
            pane.render(frame, r, &rcx);
        }
        areas.list = Some(l);
        areas.right = Some(r);
    } else if has_right && app.focus == Focus::Right {
        let rcx = RenderCx {
            focused: true,
            ..cx(false)
        };
        if let Some(pane) = app.right.last_mut() {
            pane.render(frame, main, &rcx);
        }
        areas.right = Some(main);
    } else {
        let lcx = RenderCx {
            focused: true,
            ..cx(false)
        };
        app.list.render(frame, main, &lcx);
        areas.list = Some(main);
    }

    frame.render_widget(
        Paragraph::new(bottom_line(app, &cx(false), bottom.width)),
        bottom,
    );

    if let Some(overlay) = app.overlays.last_mut() {
        let (w, h) = overlay.overlay_size();
        let rect = widgets::centered(area, w, h, 40.min(area.width), 7.min(area.height));
        frame.render_widget(Clear, rect);
        let ocx = RenderCx {
            focused: true,
            ..cx(true)
        };
        overlay.render(frame, rect, &ocx);
        areas.overlay = rect;
    }
    app.areas = areas;
}

fn link_span<'a>(name: &str, label: &str, link: &Link, cx: &RenderCx<'_>) -> Vec<Span<'a>> {
    let (text, style) = match link {
        Link::Off => ("not configured".to_string(), cx.theme.dim),
        Link::Connecting => (format!("{label} (connecting)"), cx.theme.warning),
        Link::SigningIn => (format!("{label} (sign-in…)"), cx.theme.warning),
        Link::Online => (label.to_string(), cx.theme.ok),
        Link::Offline(why) => (format!("{label} (offline: {why})"), cx.theme.error),
    };
    vec![
        Span::styled(format!("{name}: "), cx.theme.dim),
        Span::styled(text, style),
    ]
}

/// One part of the top bar: how much it matters (parts that matter least go first when the
/// bar is too narrow) and its text.
struct Part<'a> {
    priority: u8,
    spans: Vec<Span<'a>>,
}

fn part(priority: u8, spans: Vec<Span<'_>>) -> Part<'_> {
    Part { priority, spans }
}

/// The texts of the top bar that change with the clock alone: the time since the last sync
/// and the ETA of the one under way (a tick redraws when they change).
pub(super) fn clock_text(app: &App, now: DateTime<Utc>) -> String {
    match (app.top.refreshing, app.top.last_refresh) {
        (Some((n, total)), _) => eta(app, n, total, now).unwrap_or_default(),
        (None, Some(at)) => widgets::ago(at, now),
        (None, None) => String::new(),
    }
}

/// The time the sync under way still needs at the rate its pages came so far, and never less
/// than the call budget allows (a first burst of pages within the rate window would otherwise
/// promise the rest at the same speed).
fn eta(app: &App, fetched: usize, total: Option<u64>, now: DateTime<Utc>) -> Option<String> {
    let total = total? as f64;
    let started = app.top.refresh_started?;
    let elapsed = (now - started).num_milliseconds() as f64 / 1000.0;
    if fetched == 0 || elapsed <= 0.0 {
        return None;
    }
    let by_rate = (elapsed * (total - fetched as f64).max(0.0) / fetched as f64).ceil() as u64;
    let by_budget = app
        .top
        .refresh_paced
        .map_or(0, |end| (end - now).num_seconds().max(0) as u64);
    let left = by_rate.max(by_budget);
    Some(if left < 90 {
        format!("{left}s left")
    } else {
        format!("{}m left", left.div_ceil(60))
    })
}

/// `▰▰▰▱▱▱▱▱` for `done` of `total`, `cells` wide.
fn progress_bar(done: usize, total: u64, cells: usize) -> String {
    let full = ((done as u64).min(total) * cells as u64)
        .checked_div(total)
        .map_or(cells, |n| n as usize);
    format!("{}{}", "▰".repeat(full), "▱".repeat(cells - full))
}

fn top_bar<'a>(app: &App, cx: &RenderCx<'_>, width: u16) -> Line<'a> {
    let narrow = app.size.0 < 110;
    let mut parts = vec![part(255, vec![Span::styled(" refdeck", cx.theme.title)])];
    if let Some(s) = cx.busy {
        parts.push(part(40, vec![Span::styled(format!(" {s}"), cx.theme.key)]));
    }
    let offline = |l: &Link| matches!(l, Link::Offline(_));
    let mut pc = link_span(
        if narrow { "PC" } else { "Partner Center" },
        &app.top.partner_center.label,
        &app.top.partner_center.link,
        cx,
    );
    if let Some(url) = app.options.sandbox_url.as_deref().filter(|_| !narrow) {
        pc.push(Span::styled(format!(" {url}"), cx.theme.dim));
    }
    let pc_priority = if offline(&app.top.partner_center.link) {
        230
    } else {
        120
    };
    parts.push(part(pc_priority, pc));
    let mut mkto = link_span(
        if narrow { "Mkto" } else { "Marketo" },
        &app.top.marketo.label,
        &app.top.marketo.link,
        cx,
    );
    if let Some((done, total)) = app.top.marketo_checking {
        let text = if narrow {
            format!(" {}%", done * 100 / total.max(1))
        } else {
            format!(
                " checking {}/{}",
                widgets::group_thousands(done as f64),
                widgets::group_thousands(total as f64)
            )
        };
        mkto.push(Span::styled(text, cx.theme.warning));
    }
    let mkto_priority = if offline(&app.top.marketo.link) {
        220
    } else {
        100
    };
    parts.push(part(mkto_priority, mkto));
    let sync = match (app.top.refreshing, app.top.last_refresh) {
        (Some((n, Some(total))), _) => {
            let mut text = format!(
                "↻ {} {}/{}",
                progress_bar(n, total, if narrow { 5 } else { 10 }),
                widgets::group_thousands(n as f64),
                widgets::group_thousands(total as f64)
            );
            if let Some(left) = eta(app, n, Some(total), app.now) {
                text.push_str(&format!(" · {left}"));
            }
            Span::styled(text, cx.theme.warning)
        }
        (Some((n, None)), _) => Span::styled(
            format!("↻ {}…", widgets::group_thousands(n as f64)),
            cx.theme.warning,
        ),
        (None, Some(at)) => Span::raw(format!("↻ {}", widgets::ago(at, app.now))),
        (None, None) => Span::styled("↻ never", cx.theme.dim),
    };
    parts.push(part(200, vec![sync]));
    // New since the last look: referrals that arrived or changed and were not opened since.
    let unseen = app.list.unseen();
    if unseen > 0 {
        parts.push(part(
            185,
            vec![Span::styled(format!("● {unseen} new"), cx.theme.info)],
        ));
    }
    // The expiry queue: New incoming referrals that expire within 48 hours unanswered.
    let expiring = app.list.expiring_soon();
    if expiring > 0 {
        let text = if narrow {
            format!("exp {expiring}")
        } else {
            format!("{expiring} expiring <48h")
        };
        parts.push(part(190, vec![Span::styled(text, cx.theme.expiry_urgent)]));
    }
    let outbox_style = if app.top.outbox > 0 {
        cx.theme.warning
    } else {
        cx.theme.dim
    };
    parts.push(part(
        250,
        vec![Span::styled(
            format!("outbox {}", app.top.outbox),
            outbox_style,
        )],
    ));
    if let Some(batch) = app.batch() {
        parts.push(part(
            240,
            vec![Span::styled(batch.progress(), cx.theme.warning)],
        ));
    }
    // Calls left in the throttle windows: Partner Center, then Marketo on wide screens.
    let budgets = [
        ("API", app.top.budget, 80),
        ("Mkto", app.top.marketo_budget.filter(|_| !narrow), 60),
    ];
    for (name, budget, priority) in budgets {
        if let Some((left, max)) = budget {
            let (style, priority) = if left * 5 < max {
                (cx.theme.warning, 210)
            } else {
                (cx.theme.dim, priority)
            };
            parts.push(part(
                priority,
                vec![Span::styled(format!("{name} {left}/{max}"), style)],
            ));
        }
    }
    fit_parts(parts, width, cx)
}

/// Joins the parts with separators, leaving out the least important ones until the line fits.
fn fit_parts<'a>(mut parts: Vec<Part<'a>>, width: u16, cx: &RenderCx<'_>) -> Line<'a> {
    const SEP: &str = " ─ ";
    const SEP_WIDTH: usize = 3;
    let width_of = |parts: &[Part<'_>]| -> usize {
        let text: usize = parts.iter().flat_map(|p| &p.spans).map(|s| s.width()).sum();
        // The spinner sits right after the title, without a separator.
        let joined = parts.iter().filter(|p| p.priority != 40).count();
        text + SEP_WIDTH * joined.saturating_sub(1)
    };
    while width_of(&parts) > width as usize {
        let Some(least) = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.priority < 255)
            .min_by_key(|(_, p)| p.priority)
            .map(|(i, _)| i)
        else {
            break;
        };
        parts.remove(least);
    }
    let mut spans = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 && p.priority != 40 {
            spans.push(Span::styled(SEP, cx.theme.dim));
        }
        spans.extend(p.spans);
    }
    Line::from(spans)
}

fn bottom_line<'a>(app: &App, cx: &RenderCx<'_>, width: u16) -> Line<'a> {
    if let Some(n) = &app.notice {
        let (icon, style) = match n.level {
            Level::Info => ("ℹ", cx.theme.info),
            Level::Success => ("✓", cx.theme.ok),
            Level::Warning => ("⚠", cx.theme.warning),
            Level::Error => ("✗", cx.theme.error),
        };
        return Line::from(Span::styled(
            widgets::truncate(&format!(" {icon} {}", n.text), width as usize),
            style,
        ));
    }
    if let Some(why) = &app.top.retrying {
        let text = format!(" ⚠ Partner Center calls retried, last because {why}; still trying");
        return Line::from(Span::styled(
            widgets::truncate(&text, width as usize),
            cx.theme.warning,
        ));
    }
    if let Some(err) = app.list.filter_errors().first()
        && app.overlays.is_empty()
    {
        let text = format!(" ✗ {} — the list shows the last good filter", err.reason);
        return Line::from(Span::styled(
            widgets::truncate(&text, width as usize),
            cx.theme.error,
        ));
    }
    let hints: Vec<(String, String)> = if app.list.is_filtering() && app.overlays.is_empty() {
        vec![
            ("enter".into(), "keep filter".into()),
            ("esc".into(), "clear".into()),
            ("↑↓".into(), "move".into()),
        ]
    } else {
        footer_hints(app)
    };
    let mut line = widgets::hints_line(&hints, cx, width);
    line.spans.insert(0, Span::raw(" "));
    line
}

/// The keys of the focused pane (the top overlay, the focused right pane, else the list) for
/// the bottom bar: help, filter and palette where they work, then the pane's own keys as its
/// `help()` lists them, moves left out (they are the same everywhere), each key once.
fn footer_hints(app: &App) -> Vec<(String, String)> {
    let km = &app.options.keymap;
    let pane: &dyn Pane = match (app.overlays.last(), app.focus, app.right.last()) {
        (Some(o), _, _) => o.as_ref(),
        (None, Focus::Right, Some(p)) => p.as_ref(),
        _ => &app.list,
    };
    let mut hints = vec![(km.short(KeyAction::Help), "help".to_string())];
    if app.overlays.is_empty() && !pane.takes_text() {
        hints.push((km.short(KeyAction::Filter), "filter".into()));
        hints.push((km.short(KeyAction::Palette), "command".into()));
    }
    let moves: Vec<String> = [
        KeyAction::Up,
        KeyAction::Down,
        KeyAction::PageUp,
        KeyAction::PageDown,
        KeyAction::Top,
        KeyAction::Bottom,
    ]
    .into_iter()
    .map(|a| km.label(a))
    .collect();
    for (key, what) in pane.help(km) {
        if key.is_empty() || moves.contains(&key) || hints.iter().any(|(k, _)| *k == key) {
            continue;
        }
        // The footer is one line: the words before any parenthesis.
        let what = what.split(" (").next().unwrap_or(&what).to_string();
        hints.push((key, what));
    }
    hints
}
