//! The live key map: the bindings of [`crate::keys`] (defaults with the `[keys]` table of the
//! config file applied), looked up by terminal key events.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::keys::{self, Key, KeyCodeRepr};
pub use crate::keys::{KeyAction, KeySpec};

/// The active key bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: BTreeMap<Key, KeyAction>,
    by_action: BTreeMap<KeyAction, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&BTreeMap::new()).unwrap_or_else(|_| unreachable!("defaults parse"))
    }
}

impl Keymap {
    /// The defaults with the `[keys]` table applied. Errors name the action and the problem.
    pub fn with_overrides(overrides: &BTreeMap<String, KeySpec>) -> Result<Keymap, Vec<String>> {
        let by_action = keys::resolve(overrides)?;
        let by_key = by_action
            .iter()
            .flat_map(|(action, keys)| keys.iter().map(move |k| (*k, *action)))
            .collect();
        Ok(Keymap { by_key, by_action })
    }

    /// The action bound to a key event, if any.
    pub fn action(&self, ev: &KeyEvent) -> Option<KeyAction> {
        key_of(ev).and_then(|k| self.by_key.get(&k).copied())
    }

    /// The keys bound to an action.
    pub fn keys(&self, action: KeyAction) -> &[Key] {
        self.by_action
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The keys of an action as shown in hints: `j/↓`.
    pub fn label(&self, action: KeyAction) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "(unbound)".to_string();
        }
        keys.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of an action, for one-key hints.
    pub fn short(&self, action: KeyAction) -> String {
        self.keys(action)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "-".into())
    }
}

/// Normalises a terminal key event; `None` for keys no binding can name.
fn key_of(ev: &KeyEvent) -> Option<Key> {
    let mut shift = ev.modifiers.contains(KeyModifiers::SHIFT);
    let code = match ev.code {
        KeyCode::Char(c) => {
            if c.is_ascii_alphabetic() {
                shift = shift || c.is_ascii_uppercase();
                KeyCodeRepr::Char(c.to_ascii_lowercase())
            } else {
                // Symbols arrive already shifted (`?`, `:`); the shift flag adds nothing.
                shift = false;
                KeyCodeRepr::Char(c)
            }
        }
        KeyCode::F(n) => KeyCodeRepr::F(n),
        KeyCode::Enter => KeyCodeRepr::Enter,
        KeyCode::Esc => KeyCodeRepr::Esc,
        KeyCode::Tab => KeyCodeRepr::Tab,
        KeyCode::BackTab => {
            shift = true;
            KeyCodeRepr::Tab
        }
        KeyCode::Backspace => KeyCodeRepr::Backspace,
        KeyCode::Delete => KeyCodeRepr::Delete,
        KeyCode::Up => KeyCodeRepr::Up,
        KeyCode::Down => KeyCodeRepr::Down,
        KeyCode::Left => KeyCodeRepr::Left,
        KeyCode::Right => KeyCodeRepr::Right,
        KeyCode::PageUp => KeyCodeRepr::PageUp,
        KeyCode::PageDown => KeyCodeRepr::PageDown,
        KeyCode::Home => KeyCodeRepr::Home,
        KeyCode::End => KeyCodeRepr::End,
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        alt: ev.modifiers.contains(KeyModifiers::ALT),
        shift,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_follow_the_ux_spec() {
        let km = Keymap::default();
        assert_eq!(
            km.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(KeyAction::Down)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Down, KeyModifiers::NONE)),
            Some(KeyAction::Down)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('N'), KeyModifiers::SHIFT)),
            Some(KeyAction::NewShared)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(KeyAction::New)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(KeyAction::Help)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(KeyAction::Quit)
        );
        assert_eq!(
            km.action(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(KeyAction::PrevField)
        );
        assert_eq!(km.label(KeyAction::Down), "j/↓");
    }

    #[test]
    fn overrides_replace_defaults_and_steal_keys() {
        let mut o = BTreeMap::new();
        o.insert("refresh".to_string(), KeySpec::One("ctrl-r".into()));
        o.insert(
            "filter".to_string(),
            KeySpec::Many(vec!["f".into(), "/".into()]),
        );
        let km = Keymap::with_overrides(&o).unwrap();
        assert_eq!(
            km.action(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(KeyAction::Refresh)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            None
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('f'), KeyModifiers::NONE)),
            Some(KeyAction::Filter)
        );
        assert!(km.keys(KeyAction::Favorite).is_empty());
    }
}
