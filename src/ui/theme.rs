//! Colours and text styles. Every pane takes its styles from one [`Theme`], so a theme or
//! `NO_COLOR` changes the whole screen at once.
//!
//! Themes: `dark` (default), `light`, `high-contrast`, and `mono` (no colour at all, only bold,
//! reverse and underline — what `NO_COLOR` selects, see <https://no-color.org>).

use chrono::{DateTime, Utc};
use ratatui::style::{Color, Modifier, Style};

use crate::config::ThemeName;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: &'static str,
    pub base: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub header: Style,
    pub selected: Style,
    pub dim: Style,
    pub highlight: Style,
    pub key: Style,
    pub error: Style,
    pub warning: Style,
    pub ok: Style,
    pub info: Style,
    pub status_new: Style,
    pub status_active: Style,
    pub status_closed: Style,
    pub badge_synced: Style,
    pub badge_partial: Style,
    pub badge_missing: Style,
    pub input: Style,
    /// A New referral past its deadline or expiring within 24 hours.
    pub expiry_urgent: Style,
    /// A New referral expiring within 48 hours.
    pub expiry_soon: Style,
}

impl Theme {
    pub const NAMES: &'static [&'static str] = ThemeName::NAMES;

    /// The theme of a name the config allows.
    pub fn of(name: ThemeName) -> Theme {
        match name {
            ThemeName::Dark => Theme::dark(),
            ThemeName::Light => Theme::light(),
            ThemeName::HighContrast => Theme::high_contrast(),
            ThemeName::Mono => Theme::mono(),
        }
    }

    /// A theme by name (the aliases of [`ThemeName::parse`] included).
    pub fn by_name(name: &str) -> Option<Theme> {
        ThemeName::parse(name).map(Theme::of)
    }

    pub fn dark() -> Theme {
        let fg = |c| Style::new().fg(c);
        Theme {
            name: "dark",
            base: Style::new(),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Cyan),
            title: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header: fg(Color::Gray).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(40, 52, 72))
                .add_modifier(Modifier::BOLD),
            dim: fg(Color::DarkGray),
            highlight: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            warning: fg(Color::Yellow),
            ok: fg(Color::Green),
            info: fg(Color::Blue),
            status_new: fg(Color::LightBlue),
            status_active: fg(Color::Green),
            status_closed: fg(Color::Gray),
            badge_synced: fg(Color::Green),
            badge_partial: fg(Color::Yellow),
            badge_missing: fg(Color::Red),
            input: Style::new().add_modifier(Modifier::UNDERLINED),
            expiry_urgent: fg(Color::Red),
            expiry_soon: fg(Color::Yellow),
        }
    }

    pub fn light() -> Theme {
        let fg = |c| Style::new().fg(c);
        Theme {
            name: "light",
            border: fg(Color::Gray),
            border_focused: fg(Color::Blue),
            title: fg(Color::Blue).add_modifier(Modifier::BOLD),
            header: fg(Color::Black).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(200, 220, 245))
                .add_modifier(Modifier::BOLD),
            dim: fg(Color::Gray),
            highlight: fg(Color::Magenta).add_modifier(Modifier::BOLD),
            key: fg(Color::Blue).add_modifier(Modifier::BOLD),
            info: fg(Color::Blue),
            status_new: fg(Color::Blue),
            status_active: fg(Color::Rgb(0, 120, 0)),
            status_closed: fg(Color::DarkGray),
            badge_synced: fg(Color::Rgb(0, 120, 0)),
            badge_partial: fg(Color::Rgb(160, 100, 0)),
            warning: fg(Color::Rgb(160, 100, 0)),
            ok: fg(Color::Rgb(0, 120, 0)),
            expiry_soon: fg(Color::Rgb(160, 100, 0)),
            ..Theme::dark()
        }
    }

    pub fn high_contrast() -> Theme {
        let fg = |c| Style::new().fg(c).add_modifier(Modifier::BOLD);
        Theme {
            name: "high-contrast",
            border: Style::new().fg(Color::White),
            border_focused: fg(Color::Yellow),
            title: fg(Color::Yellow),
            header: fg(Color::White).add_modifier(Modifier::UNDERLINED),
            selected: Style::new()
                .bg(Color::White)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::Gray),
            highlight: fg(Color::Yellow).add_modifier(Modifier::UNDERLINED),
            key: fg(Color::Yellow),
            error: fg(Color::LightRed),
            warning: fg(Color::LightYellow),
            ok: fg(Color::LightGreen),
            info: fg(Color::LightCyan),
            status_new: fg(Color::LightCyan),
            status_active: fg(Color::LightGreen),
            status_closed: Style::new().fg(Color::White),
            badge_synced: fg(Color::LightGreen),
            badge_partial: fg(Color::LightYellow),
            badge_missing: fg(Color::LightRed),
            expiry_urgent: fg(Color::LightRed),
            expiry_soon: fg(Color::LightYellow),
            ..Theme::dark()
        }
    }

    /// No colour: only modifiers.
    pub fn mono() -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            name: "mono",
            base: plain,
            border: plain,
            border_focused: bold,
            title: bold,
            header: bold.add_modifier(Modifier::UNDERLINED),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: plain,
            highlight: Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            key: bold,
            error: bold.add_modifier(Modifier::UNDERLINED),
            warning: bold,
            ok: plain,
            info: plain,
            status_new: bold,
            status_active: plain,
            status_closed: plain,
            badge_synced: plain,
            badge_partial: bold,
            badge_missing: bold,
            input: Style::new().add_modifier(Modifier::UNDERLINED),
            expiry_urgent: bold.add_modifier(Modifier::UNDERLINED),
            expiry_soon: bold,
        }
    }

    /// The theme to use: `NO_COLOR` (set and non-empty) wins over the configured name.
    pub fn select(configured: &str, no_color: bool) -> Result<Theme, String> {
        if no_color {
            return Ok(Theme::mono());
        }
        ThemeName::from_config(configured).map(Theme::of)
    }

    pub fn status(&self, status: &crate::domain::Status) -> Style {
        use crate::domain::Status;
        match status {
            Status::New => self.status_new,
            Status::Active => self.status_active,
            Status::Closed => self.status_closed,
            _ => self.dim,
        }
    }

    /// The urgency of a referral's deadline at `now`: past it or within 24 hours, within 48
    /// hours, or not urgent (`None`). Only New referrals can still expire.
    pub fn expiry(&self, row: &crate::domain::ReferralRow, now: DateTime<Utc>) -> Option<Style> {
        let left = row
            .expires
            .filter(|_| row.status == crate::domain::Status::New)?
            - now;
        if left < chrono::Duration::hours(24) {
            Some(self.expiry_urgent)
        } else if left < chrono::Duration::hours(48) {
            Some(self.expiry_soon)
        } else {
            None
        }
    }

    pub fn badge(&self, badge: crate::domain::marketo::MarketoBadge) -> Style {
        use crate::domain::marketo::MarketoBadge;
        match badge {
            MarketoBadge::Synced => self.badge_synced,
            MarketoBadge::Partial => self.badge_partial,
            MarketoBadge::Missing => self.badge_missing,
            MarketoBadge::Unknown => self.dim,
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

/// True when the `NO_COLOR` environment variable asks for no colour.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_and_mono_has_no_colour() {
        let t = Theme::select("light", true).unwrap();
        assert_eq!(t.name, "mono");
        let styles = [
            t.base,
            t.border,
            t.selected,
            t.error,
            t.highlight,
            t.badge_missing,
            t.status_new,
        ];
        assert!(styles.iter().all(|s| s.fg.is_none() && s.bg.is_none()));
    }

    #[test]
    fn unknown_theme_names_the_choices() {
        let e = Theme::select("solarized", false).unwrap_err();
        assert!(e.contains("dark, light, high-contrast, mono"), "{e}");
        for n in Theme::NAMES {
            assert_eq!(Theme::by_name(n).unwrap().name, *n);
        }
    }
}
