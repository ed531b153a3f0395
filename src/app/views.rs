//! Saved views: `1`–`9`, `[` and `]` switch tabs; the palette's `view NAME`, `view save NAME`
//! and `view delete NAME` switch, save and delete. Saving and deleting change `views.toml`
//! (through [`Effects::save_views`]) and never the config file.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effects};
use crate::domain::view::View;
use crate::protocol::Level;
use crate::ui::pane::{Flow, ListRequest};

impl App {
    /// A digit `1`–`9` without modifiers picks that tab. Only keys no pane claimed reach
    /// here, so digits typed into the filter line, a form or the palette stay text.
    pub(super) fn view_digit(&mut self, key: &KeyEvent, fx: &mut Effects) -> Option<Flow> {
        let KeyCode::Char(c @ '1'..='9') = key.code else {
            return None;
        };
        if key.modifiers.difference(KeyModifiers::SHIFT) != KeyModifiers::NONE {
            return None;
        }
        let i = c as usize - '1' as usize;
        if !self.list.select_view(i) {
            let n = self.list.views().len() + 1;
            self.notify(
                Level::Info,
                format!("no view {c}: there are {n} tabs (1–{})", n.min(9)),
            );
        }
        // In split view the detail follows the cursor onto the view's rows.
        self.follow_selection(fx);
        Some(Flow::Handled)
    }

    /// A background refresh found `count` new incoming referrals: a notice, and a terminal
    /// notification when `[ui] notify` asks for one.
    pub(super) fn on_new_incoming(&mut self, count: usize, fx: &mut Effects) {
        let text = if count == 1 {
            "1 new incoming referral".to_string()
        } else {
            format!("{count} new incoming referrals")
        };
        fx.terminal = crate::ui::notify::sequence(self.options.notify, "refdeck", &text);
        self.notify(Level::Info, format!("{text} (marked ●)"));
    }

    /// The palette's view commands.
    pub(super) fn view_request(&mut self, req: ListRequest, fx: &mut Effects) {
        match req {
            ListRequest::ShowView(name) => {
                if !self.list.select_view_named(&name) {
                    let known = self.view_names();
                    self.notify(
                        Level::Error,
                        format!("view: no view `{name}`; the views are {known}"),
                    );
                }
            }
            ListRequest::SaveView(name) => self.save_view(&name, fx),
            ListRequest::DeleteView(name) => self.delete_view(&name, fx),
            ListRequest::Sort(_)
            | ListRequest::Filter(_)
            | ListRequest::ClearMarks
            | ListRequest::Bulk(_) => {}
        }
    }

    fn view_names(&self) -> String {
        std::iter::once(crate::domain::view::ALL)
            .chain(self.list.views().iter().map(|v| v.name.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Saves what the list shows — the active view's filter, then the typed one, and the list's
    /// explicit sort — as the view `name`, and switches to it (the typed filter is now part of
    /// it, so the filter line is cleared).
    fn save_view(&mut self, name: &str, fx: &mut Effects) {
        let base = self.list.active_view().map(|v| v.filter.clone());
        let typed = self.list.filter_text();
        let filter = [base.unwrap_or_default(), typed.trim().to_string()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let sort = self.list.explicit_sort().map(|s| s.to_string());
        let view = match View::new(name, &filter, sort.as_deref(), self.now) {
            Ok(v) => v,
            Err(e) => {
                self.notify(Level::Error, format!("view save: {e}"));
                return;
            }
        };
        let name = view.name.clone();
        self.options.views.saved.put(view);
        self.list.set_filter("");
        self.list.set_views(self.options.views.effective());
        self.list.select_view_named(&name);
        self.persist_views(fx, format!("view “{name}” saved"));
    }

    fn delete_view(&mut self, name: &str, fx: &mut Effects) {
        let Some(found) = self
            .list
            .views()
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
            .map(|v| v.name.clone())
        else {
            let known = self.view_names();
            self.notify(
                Level::Error,
                format!("view delete: no view `{name}`; the views are {known}"),
            );
            return;
        };
        let configured = self.options.views.configured.clone();
        self.options.views.saved.delete(&found, &configured);
        self.list.set_views(self.options.views.effective());
        self.persist_views(fx, format!("view “{found}” deleted"));
    }

    /// Asks the terminal loop to write `views.toml`, or says the change lasts this session only.
    fn persist_views(&mut self, fx: &mut Effects, done: String) {
        match self.options.views.path.clone() {
            Some(path) => {
                fx.save_views = Some((path, self.options.views.saved.clone()));
                self.notify(Level::Success, done);
            }
            None => self.notify(
                Level::Warning,
                format!("{done} for this session (no config directory to save views in)"),
            ),
        }
    }
}
