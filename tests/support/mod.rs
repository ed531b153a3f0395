//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod pty;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use refdeck::app::{Action, App, AppOptions};
use refdeck::backend::protocol::{Command, Connection, Event, Link};
use refdeck::domain::{Referral, ReferralRow};

/// The fixed "now" of UI tests, so relative dates never change.
pub fn now() -> DateTime<Utc> {
    refdeck::domain::time::parse_datetime("2026-11-25T12:00:00Z").unwrap()
}

/// Demo referrals made at the fixed now.
pub fn referrals(n: usize) -> Vec<Referral> {
    refdeck::sandbox::demo::generate(n, 7, now())
}

/// An app with `n` demo referrals loaded and both systems online, drawn at `w`×`h`.
pub struct Harness {
    pub app: App,
    pub referrals: Vec<Referral>,
    pub terminal: Terminal<TestBackend>,
    pub sent: Vec<Command>,
}

impl Harness {
    pub fn new(n: usize, w: u16, h: u16) -> Harness {
        let mut app = App::new(AppOptions::default(), now());
        app.set_now(now());
        let referrals = referrals(n);
        let mut h_ = Harness {
            app,
            referrals,
            terminal: Terminal::new(TestBackend::new(w, h)).unwrap(),
            sent: Vec::new(),
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
            rows,
            complete: true,
        });
        h_
    }

    pub fn act(&mut self, a: Action) {
        let out = self.app.update(a);
        self.sent.extend(out);
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
        self.terminal.draw(|f| app.draw(f)).unwrap();
        self.terminal.backend().to_string()
    }

    pub fn referral(&self, id: &str) -> Referral {
        self.referrals
            .iter()
            .find(|r| r.id() == id)
            .unwrap()
            .clone()
    }
}
