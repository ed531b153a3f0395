//! Key bindings as data: the actions a key can trigger, their defaults (vim keys and arrows, as
//! in `../shared/spec/ux.md`), the way a binding is written, and resolving the `[keys]` table of
//! the config file against the defaults. The config checks the table with it; the interface
//! (`ui::keymap`) turns the result into the live key map.
//!
//! A binding is written `q`, `N`, `ctrl-r`, `alt-x`, `shift-tab`, `enter`, `esc`, `space`,
//! `tab`, `backspace`, `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `f1`…`f12`.
//! An upper-case letter means that letter with shift. In config, an action takes one binding or
//! a list; a rebound action loses its defaults (our choice: what you write is what you get).

use std::collections::BTreeMap;
use std::fmt;

/// What a key can ask for, outside of text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAction {
    Quit,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Palette,
    Help,
    Open,
    Edit,
    Status,
    Accept,
    Decline,
    Register,
    Marketo,
    MarketoCheck,
    MarketoPush,
    New,
    NewShared,
    Refresh,
    OpenBrowser,
    CopyId,
    Favorite,
    Save,
    NextField,
    PrevField,
    SortNext,
    Outbox,
    Undo,
    SortReverse,
    Mark,
    MarkRange,
    MarkAll,
    UndoBatch,
    NextView,
    PrevView,
}

impl KeyAction {
    pub const ALL: &'static [KeyAction] = &[
        KeyAction::Quit,
        KeyAction::Back,
        KeyAction::Up,
        KeyAction::Down,
        KeyAction::PageUp,
        KeyAction::PageDown,
        KeyAction::Top,
        KeyAction::Bottom,
        KeyAction::Filter,
        KeyAction::Palette,
        KeyAction::Help,
        KeyAction::Open,
        KeyAction::Edit,
        KeyAction::Status,
        KeyAction::Accept,
        KeyAction::Decline,
        KeyAction::Register,
        KeyAction::Marketo,
        KeyAction::MarketoCheck,
        KeyAction::MarketoPush,
        KeyAction::New,
        KeyAction::NewShared,
        KeyAction::Refresh,
        KeyAction::OpenBrowser,
        KeyAction::CopyId,
        KeyAction::Favorite,
        KeyAction::Save,
        KeyAction::NextField,
        KeyAction::PrevField,
        KeyAction::SortNext,
        KeyAction::Outbox,
        KeyAction::Undo,
        KeyAction::SortReverse,
        KeyAction::Mark,
        KeyAction::MarkRange,
        KeyAction::MarkAll,
        KeyAction::UndoBatch,
        KeyAction::NextView,
        KeyAction::PrevView,
    ];

    /// The name used in the `[keys]` config table.
    pub fn name(self) -> &'static str {
        match self {
            KeyAction::Quit => "quit",
            KeyAction::Back => "back",
            KeyAction::Up => "up",
            KeyAction::Down => "down",
            KeyAction::PageUp => "page_up",
            KeyAction::PageDown => "page_down",
            KeyAction::Top => "top",
            KeyAction::Bottom => "bottom",
            KeyAction::Filter => "filter",
            KeyAction::Palette => "palette",
            KeyAction::Help => "help",
            KeyAction::Open => "open",
            KeyAction::Edit => "edit",
            KeyAction::Status => "status",
            KeyAction::Accept => "accept",
            KeyAction::Decline => "decline",
            KeyAction::Register => "register",
            KeyAction::Marketo => "marketo",
            KeyAction::MarketoCheck => "marketo_check",
            KeyAction::MarketoPush => "marketo_push",
            KeyAction::New => "new",
            KeyAction::NewShared => "new_shared",
            KeyAction::Refresh => "refresh",
            KeyAction::OpenBrowser => "open_browser",
            KeyAction::CopyId => "copy_id",
            KeyAction::Favorite => "favorite",
            KeyAction::Save => "save",
            KeyAction::NextField => "next_field",
            KeyAction::PrevField => "prev_field",
            KeyAction::SortNext => "sort_next",
            KeyAction::Outbox => "outbox",
            KeyAction::Undo => "undo",
            KeyAction::SortReverse => "sort_reverse",
            KeyAction::Mark => "mark",
            KeyAction::MarkRange => "mark_range",
            KeyAction::MarkAll => "mark_all",
            KeyAction::UndoBatch => "undo_batch",
            KeyAction::NextView => "next_view",
            KeyAction::PrevView => "prev_view",
        }
    }

    /// What it does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            KeyAction::Quit => "quit (asks first when edits are unsent)",
            KeyAction::Back => "back / close",
            KeyAction::Up => "move up",
            KeyAction::Down => "move down",
            KeyAction::PageUp => "page up",
            KeyAction::PageDown => "page down",
            KeyAction::Top => "first item",
            KeyAction::Bottom => "last item",
            KeyAction::Filter => "filter the list as you type",
            KeyAction::Palette => "command palette",
            KeyAction::Help => "keys of this pane",
            KeyAction::Open => "open the detail",
            KeyAction::Edit => "edit the field under the cursor",
            KeyAction::Status => "change status (only allowed moves)",
            KeyAction::Accept => "accept the referral",
            KeyAction::Decline => "decline the referral (asks for a reason)",
            KeyAction::Register => "deal-registration wizard",
            KeyAction::Marketo => "Marketo sync status",
            KeyAction::MarketoCheck => "check Marketo now",
            KeyAction::MarketoPush => "push what is missing to Marketo",
            KeyAction::New => "new referral",
            KeyAction::NewShared => "new referral shared with Microsoft",
            KeyAction::Refresh => "refresh from the server",
            KeyAction::OpenBrowser => "open in Partner Center (browser)",
            KeyAction::CopyId => "copy the referral id",
            KeyAction::Favorite => "toggle favorite",
            KeyAction::Save => "save",
            KeyAction::NextField => "next field / pane",
            KeyAction::PrevField => "previous field / pane",
            KeyAction::SortNext => "sort by the next visible column",
            KeyAction::Outbox => "unsent edits (outbox)",
            KeyAction::Undo => "undo the last status move (while it waits to be sent)",
            KeyAction::SortReverse => "reverse the sort",
            KeyAction::Mark => "mark / unmark the row for a bulk action, then down",
            KeyAction::MarkRange => "mark from the last mark to the cursor",
            KeyAction::MarkAll => "mark every visible row (again: clear the marks)",
            KeyAction::UndoBatch => "undo the whole last bulk action (while it waits to be sent)",
            KeyAction::NextView => "next saved view (tab); 1–9 pick one",
            KeyAction::PrevView => "previous saved view (tab)",
        }
    }

    pub fn from_name(name: &str) -> Option<KeyAction> {
        KeyAction::ALL.iter().copied().find(|a| a.name() == name)
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            KeyAction::Quit => &["q", "ctrl-c"],
            KeyAction::Back => &["esc"],
            KeyAction::Up => &["k", "up"],
            KeyAction::Down => &["j", "down"],
            KeyAction::PageUp => &["pgup", "ctrl-b"],
            KeyAction::PageDown => &["pgdn", "ctrl-f"],
            KeyAction::Top => &["g", "home"],
            KeyAction::Bottom => &["G", "end"],
            KeyAction::Filter => &["/"],
            KeyAction::Palette => &[":"],
            KeyAction::Help => &["?", "f1"],
            KeyAction::Open => &["enter"],
            KeyAction::Edit => &["e"],
            KeyAction::Status => &["s"],
            KeyAction::Accept => &["a"],
            KeyAction::Decline => &["x"],
            KeyAction::Register => &["r"],
            KeyAction::Marketo => &["m"],
            KeyAction::MarketoCheck => &["c"],
            KeyAction::MarketoPush => &["p"],
            KeyAction::New => &["n"],
            KeyAction::NewShared => &["N"],
            KeyAction::Refresh => &["R", "f5"],
            KeyAction::OpenBrowser => &["o"],
            KeyAction::CopyId => &["y"],
            KeyAction::Favorite => &["f"],
            KeyAction::Save => &["ctrl-s"],
            KeyAction::NextField => &["tab"],
            KeyAction::PrevField => &["shift-tab"],
            KeyAction::SortNext => &["S"],
            KeyAction::Outbox => &["O"],
            KeyAction::Undo => &["u"],
            KeyAction::SortReverse => &["~"],
            KeyAction::Mark => &["space"],
            KeyAction::MarkRange => &["V"],
            KeyAction::MarkAll => &["*"],
            KeyAction::UndoBatch => &["U"],
            KeyAction::NextView => &["]"],
            KeyAction::PrevView => &["["],
        }
    }
}

/// The actions that act on one referral (the one under the cursor or the one a pane shows), with
/// their help text. The list, the detail and the app's forwarding from the list to an open pane
/// all read this one table.
pub const REFERRAL_ACTIONS: &[(KeyAction, &str)] = &[
    (KeyAction::Edit, "edit the field under the cursor (✎)"),
    (KeyAction::Status, "change status (allowed moves only)"),
    (KeyAction::Accept, "accept"),
    (KeyAction::Decline, "decline with a reason"),
    (KeyAction::Register, "deal-registration wizard"),
    (KeyAction::Marketo, "Marketo sync status"),
    (KeyAction::Favorite, "toggle favorite"),
    (KeyAction::OpenBrowser, "open in Partner Center"),
    (KeyAction::CopyId, "copy the id"),
];

impl KeyAction {
    /// True for the actions of [`REFERRAL_ACTIONS`].
    pub fn acts_on_referral(self) -> bool {
        REFERRAL_ACTIONS.iter().any(|(a, _)| *a == self)
    }
}

/// A key with its modifiers, normalised so that `N` and `shift-n` are the same binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeRepr,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The subset of key codes a binding may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeRepr {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    /// Parses a binding as written in config (see the module notes).
    pub fn parse(spec: &str) -> Result<Key, String> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err("an empty key; write e.g. \"q\", \"ctrl-r\" or \"enter\"".into());
        }
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("shift-")
                .or_else(|| lower.strip_prefix("s-"))
            {
                if r.is_empty() {
                    break;
                }
                shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let named = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => Some(KeyCodeRepr::Enter),
            "esc" | "escape" => Some(KeyCodeRepr::Esc),
            "tab" => Some(KeyCodeRepr::Tab),
            "backtab" => {
                shift = true;
                Some(KeyCodeRepr::Tab)
            }
            "backspace" | "bs" => Some(KeyCodeRepr::Backspace),
            "delete" | "del" => Some(KeyCodeRepr::Delete),
            "up" => Some(KeyCodeRepr::Up),
            "down" => Some(KeyCodeRepr::Down),
            "left" => Some(KeyCodeRepr::Left),
            "right" => Some(KeyCodeRepr::Right),
            "pgup" | "pageup" => Some(KeyCodeRepr::PageUp),
            "pgdn" | "pagedown" => Some(KeyCodeRepr::PageDown),
            "home" => Some(KeyCodeRepr::Home),
            "end" => Some(KeyCodeRepr::End),
            "space" => Some(KeyCodeRepr::Char(' ')),
            s if s.len() > 1
                && s.starts_with('f')
                && s[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                Some(KeyCodeRepr::F(s[1..].parse().unwrap_or(1)))
            }
            _ => None,
        };
        let code = match named {
            Some(c) => c,
            None => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => {
                        if c.is_ascii_alphabetic() {
                            shift = shift || c.is_ascii_uppercase();
                            KeyCodeRepr::Char(c.to_ascii_lowercase())
                        } else {
                            KeyCodeRepr::Char(c)
                        }
                    }
                    _ => {
                        return Err(format!(
                            "`{spec}` is not a key; write one character or a name such as enter, esc, tab, up, pgdn, f5, with optional ctrl-/alt-/shift-"
                        ));
                    }
                }
            }
        };
        Ok(Key {
            code,
            ctrl,
            alt,
            shift,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        let upper_letter = matches!(self.code, KeyCodeRepr::Char(c) if c.is_ascii_alphabetic());
        if self.shift && !upper_letter {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeRepr::Char(' ') => f.write_str("space"),
            KeyCodeRepr::Char(c) if self.shift && c.is_ascii_alphabetic() => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCodeRepr::Char(c) => write!(f, "{c}"),
            KeyCodeRepr::F(n) => write!(f, "f{n}"),
            KeyCodeRepr::Enter => f.write_str("enter"),
            KeyCodeRepr::Esc => f.write_str("esc"),
            KeyCodeRepr::Tab => f.write_str("tab"),
            KeyCodeRepr::Backspace => f.write_str("backspace"),
            KeyCodeRepr::Delete => f.write_str("del"),
            KeyCodeRepr::Up => f.write_str("↑"),
            KeyCodeRepr::Down => f.write_str("↓"),
            KeyCodeRepr::Left => f.write_str("←"),
            KeyCodeRepr::Right => f.write_str("→"),
            KeyCodeRepr::PageUp => f.write_str("pgup"),
            KeyCodeRepr::PageDown => f.write_str("pgdn"),
            KeyCodeRepr::Home => f.write_str("home"),
            KeyCodeRepr::End => f.write_str("end"),
        }
    }
}

/// One or several bindings for an action, as written in config.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl KeySpec {
    fn specs(&self) -> Vec<&str> {
        match self {
            KeySpec::One(s) => vec![s.as_str()],
            KeySpec::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// The defaults with the `[keys]` table applied: each action's keys, a key bound to one
/// action at most (a rebinding takes its keys from the defaults of other actions). Errors name
/// the action and the problem.
pub fn resolve(
    overrides: &BTreeMap<String, KeySpec>,
) -> Result<BTreeMap<KeyAction, Vec<Key>>, Vec<String>> {
    let mut errors = Vec::new();
    let mut by_action: BTreeMap<KeyAction, Vec<Key>> = BTreeMap::new();
    for (name, spec) in overrides {
        match KeyAction::from_name(name) {
            None => errors.push(format!(
                "keys.{name}: unknown action; actions are {}",
                KeyAction::ALL
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(action) => {
                let mut keys = Vec::new();
                for s in spec.specs() {
                    match Key::parse(s) {
                        Ok(k) => keys.push(k),
                        Err(e) => errors.push(format!("keys.{name}: {e}")),
                    }
                }
                by_action.insert(action, keys);
            }
        }
    }
    for &action in KeyAction::ALL {
        by_action.entry(action).or_insert_with(|| {
            action
                .defaults()
                .iter()
                .filter_map(|s| Key::parse(s).ok())
                .collect()
        });
    }
    let mut by_key = BTreeMap::new();
    // Overridden actions claim their keys first, so a rebinding wins over a default.
    let mut order: Vec<KeyAction> = by_action.keys().copied().collect();
    order.sort_by_key(|a| !overrides.contains_key(a.name()));
    for action in order {
        for key in &by_action[&action] {
            match by_key.get(key) {
                Some(other)
                    if overrides.contains_key(action.name())
                        && overrides.contains_key(KeyAction::name(*other)) =>
                {
                    errors.push(format!(
                        "keys.{}: `{key}` is already bound to {}; pick another key",
                        action.name(),
                        KeyAction::name(*other)
                    ));
                }
                Some(_) => {}
                None => {
                    by_key.insert(*key, action);
                }
            }
        }
    }
    // Keys taken by an override are dropped from the defaults of other actions.
    for (action, keys) in by_action.iter_mut() {
        keys.retain(|k| by_key.get(k) == Some(action));
    }
    if errors.is_empty() {
        Ok(by_action)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_default_and_no_two_share_one() {
        let bound = resolve(&BTreeMap::new()).unwrap();
        for &a in KeyAction::ALL {
            assert!(!bound[&a].is_empty(), "{a:?} unbound");
        }
        let mut keys: Vec<Key> = bound.values().flatten().copied().collect();
        let total = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(total, keys.len());
    }

    #[test]
    fn bad_overrides_name_the_action_and_fix() {
        let mut o = BTreeMap::new();
        o.insert("refrsh".to_string(), KeySpec::One("r".into()));
        o.insert("quit".to_string(), KeySpec::One("ctrl-".into()));
        let errs = resolve(&o).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.starts_with("keys.refrsh: unknown action")),
            "{errs:?}"
        );
        assert!(errs.iter().any(|e| e.starts_with("keys.quit:")), "{errs:?}");
        let mut clash = BTreeMap::new();
        clash.insert("quit".to_string(), KeySpec::One("z".into()));
        clash.insert("help".to_string(), KeySpec::One("z".into()));
        let errs = resolve(&clash).unwrap_err();
        assert!(errs[0].contains("already bound"), "{errs:?}");
    }

    #[test]
    fn keys_parse_and_print() {
        for s in [
            "q",
            "N",
            "ctrl-r",
            "alt-x",
            "shift-tab",
            "enter",
            "f5",
            "space",
            "pgdn",
            ":",
        ] {
            let k = Key::parse(s).unwrap();
            assert_eq!(
                Key::parse(&k.to_string().replace('↑', "up")).unwrap(),
                k,
                "{s}"
            );
        }
        assert_eq!(Key::parse("shift-n").unwrap(), Key::parse("N").unwrap());
        assert!(Key::parse("hello").is_err());
        assert!(Key::parse("f13").is_err());
    }
}
