//! Scripted sessions of the dashboard: an [`App`] with demo referrals, driven by keys and fed
//! backend answers, drawn into an in-memory terminal. The snapshot tests and the screenshot
//! generator (`cargo run --example screenshots`) both use it, so the README's images and the
//! tested screens are the same screens.

use crate::app::{Action, App, AppOptions};
use crate::domain::{Referral, ReferralRow};
use crate::protocol::{Command, Connection, Event, Link};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The fixed "now" of scenes, so relative dates never change.
pub fn now() -> DateTime<Utc> {
    crate::domain::time::parse_datetime("2026-11-25T12:00:00Z").expect("scene")
}

/// Demo referrals made at the fixed now.
pub fn referrals(n: usize) -> Vec<Referral> {
    crate::sandbox::demo::generate(n, 7, now())
}

/// An app with `n` demo referrals loaded and both systems online, drawn at `w`×`h`.
pub struct Scene {
    pub app: App,
    pub referrals: Vec<Referral>,
    pub terminal: Terminal<TestBackend>,
    /// Every command the app sent, in order.
    pub sent: Vec<Command>,
    /// The text the app last put on the clipboard.
    pub copied: Option<String>,
    /// True once the app asked to quit.
    pub quit: bool,
}

impl Scene {
    pub fn new(n: usize, w: u16, h: u16) -> Scene {
        let mut app = App::new(AppOptions::default(), now());
        app.set_now(now());
        let referrals = referrals(n);
        let mut h_ = Scene {
            app,
            referrals,
            terminal: Terminal::new(TestBackend::new(w, h)).expect("scene"),
            sent: Vec::new(),
            copied: None,
            quit: false,
        };
        h_.act(Action::Resize(w, h));
        for ev in [
            Event::PartnerCenter(Connection {
                label: "sandbox".into(),
                link: Link::Online,
            }),
            Event::Marketo(Connection {
                label: "sandbox".into(),
                link: Link::Online,
            }),
            Event::OutboxCount(0),
            Event::Budget {
                partner_center: (97, 100),
                marketo: Some((99, 100)),
            },
            Event::RefreshDone {
                at: now() - chrono::Duration::seconds(12),
                changed: 0,
            },
        ] {
            h_.event(ev);
        }
        let rows: Vec<ReferralRow> = h_.referrals.iter().map(ReferralRow::from).collect();
        h_.event(Event::Rows {
            rows: rows.into(),
            complete: true,
        });
        h_
    }

    /// Applies an action and records its effects.
    pub fn act(&mut self, a: Action) {
        let fx = self.app.update(a);
        self.sent.extend(fx.commands);
        if fx.clipboard.is_some() {
            self.copied = fx.clipboard;
        }
        self.quit |= fx.quit;
        if let Some((path, saved)) = fx.save_views
            && let Err(e) = saved.save(&path)
        {
            self.app.notify(crate::protocol::Level::Error, e);
        }
    }

    pub fn event(&mut self, e: Event) {
        self.act(Action::Backend(e));
    }

    pub fn key(&mut self, code: KeyCode) {
        let mods = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        self.act(Action::Key(KeyEvent::new(code, mods)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.act(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Answers the last `OpenDetail` the app sent with the referral from the demo data.
    pub fn answer_detail(&mut self) {
        let id = self
            .sent
            .iter()
            .rev()
            .find_map(|c| match c {
                Command::OpenDetail { id, .. } => Some(id.clone()),
                _ => None,
            })
            .expect("the app asked for a detail");
        let r = self
            .referrals
            .iter()
            .find(|r| r.id() == id)
            .expect("demo referral")
            .clone();
        let related: Vec<ReferralRow> = self
            .referrals
            .iter()
            .filter(|x| x.engagement_id.is_some() && x.engagement_id == r.engagement_id)
            .map(ReferralRow::from)
            .collect();
        self.event(Event::Detail {
            referral: Box::new(r),
            related,
            fresh: true,
        });
    }

    /// The screen as text.
    pub fn screen(&mut self) -> String {
        let app = &mut self.app;
        self.terminal.draw(|f| app.draw(f)).expect("scene");
        self.terminal.backend().to_string()
    }

    pub fn referral(&self, id: &str) -> Referral {
        self.referrals
            .iter()
            .find(|r| r.id() == id)
            .expect("scene")
            .clone()
    }
}

/// The colour of a terminal colour in the screenshots (a dark terminal's palette).
fn hex(c: ratatui::style::Color, default: &str) -> String {
    use ratatui::style::Color as C;
    let named = match c {
        C::Reset => return default.to_string(),
        C::Black => "#1e1e1e",
        C::Red => "#e05561",
        C::Green => "#8cc265",
        C::Yellow => "#d18f52",
        C::Blue => "#4aa5f0",
        C::Magenta => "#c162de",
        C::Cyan => "#42b3c2",
        C::Gray => "#b0b4ba",
        C::DarkGray => "#6b717d",
        C::LightRed => "#ff616e",
        C::LightGreen => "#a5e075",
        C::LightYellow => "#f0a45d",
        C::LightBlue => "#4dc4ff",
        C::LightMagenta => "#de73ff",
        C::LightCyan => "#4cd1e0",
        C::White => "#e6e6e6",
        C::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        C::Indexed(i) => return format!("#{0:02x}{0:02x}{0:02x}", i),
    };
    named.to_string()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The rendered buffer as an SVG image: one monospace cell per terminal cell, with the cells'
/// colours, bold and underline (reverse video swaps the colours).
pub fn buffer_to_svg(buf: &ratatui::buffer::Buffer) -> String {
    use ratatui::style::Modifier;
    use unicode_width::UnicodeWidthStr;
    const CW: f64 = 8.4;
    const CH: f64 = 17.0;
    const FG: &str = "#d7dae0";
    const BG: &str = "#15191f";
    let area = buf.area;
    let (w, h) = (area.width as f64 * CW, area.height as f64 * CH);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.1} {h:.1}\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{BG}\"/>\n\
         <g font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\" xml:space=\"preserve\">\n"
    );
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let mut fg = hex(cell.fg, FG);
            let mut bg = hex(cell.bg, BG);
            if cell.modifier.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
            }
            let sym = cell.symbol();
            let width = sym.width().max(1) as u16;
            let (px, py) = (x as f64 * CW, y as f64 * CH);
            if bg != BG {
                out.push_str(&format!(
                    "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{:.1}\" height=\"{CH}\" fill=\"{bg}\"/>\n",
                    CW * width as f64
                ));
            }
            if !sym.trim().is_empty() {
                let mut attrs = String::new();
                if cell.modifier.contains(Modifier::BOLD) {
                    attrs.push_str(" font-weight=\"bold\"");
                }
                if cell.modifier.contains(Modifier::UNDERLINED) {
                    attrs.push_str(" text-decoration=\"underline\"");
                }
                out.push_str(&format!(
                    "<text x=\"{px:.1}\" y=\"{:.1}\" fill=\"{fg}\"{attrs}>{}</text>\n",
                    py + CH * 0.78,
                    xml_escape(sym)
                ));
            }
            x += width;
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

impl Scene {
    /// Draws the scene and returns it as an SVG image.
    pub fn svg(&mut self) -> String {
        let app = &mut self.app;
        self.terminal.draw(|f| app.draw(f)).expect("scene");
        buffer_to_svg(self.terminal.backend().buffer())
    }
}
