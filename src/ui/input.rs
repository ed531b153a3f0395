//! One key mapping for every text input (form fields, the filter line, the palette), following
//! readline: Ctrl-A/Ctrl-E line start/end, Ctrl-U kill to line start, Ctrl-K kill to line end,
//! Ctrl-W kill the previous word, Ctrl-Y put back what was killed, Ctrl-Z undo.
//! ratatui-textarea has other defaults (Ctrl-U undoes there), so keys are mapped here
//! before a text area sees them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

/// A readline edit named by a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEdit {
    LineStart,
    LineEnd,
    KillToStart,
    KillToEnd,
    KillWord,
    Yank,
    Undo,
}

/// The readline edit of a key, if it is one.
pub fn line_edit(key: &KeyEvent) -> Option<LineEdit> {
    if !key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    let KeyCode::Char(c) = key.code else {
        return None;
    };
    Some(match c.to_ascii_lowercase() {
        'a' => LineEdit::LineStart,
        'e' => LineEdit::LineEnd,
        'u' => LineEdit::KillToStart,
        'k' => LineEdit::KillToEnd,
        'w' => LineEdit::KillWord,
        'y' => LineEdit::Yank,
        'z' => LineEdit::Undo,
        _ => return None,
    })
}

/// Gives a key to a text area with the readline mapping; true when the text changed.
pub fn textarea_key(area: &mut TextArea<'_>, key: &KeyEvent) -> bool {
    match line_edit(key) {
        Some(LineEdit::LineStart) => {
            area.move_cursor(CursorMove::Head);
            false
        }
        Some(LineEdit::LineEnd) => {
            area.move_cursor(CursorMove::End);
            false
        }
        Some(LineEdit::KillToStart) => area.delete_line_by_head(),
        Some(LineEdit::KillToEnd) => area.delete_line_by_end(),
        Some(LineEdit::KillWord) => area.delete_word(),
        Some(LineEdit::Yank) => area.paste(),
        Some(LineEdit::Undo) => area.undo(),
        // Other control letters are no edit here (ratatui-textarea has its own meanings for
        // several, e.g. Ctrl-U undo, Ctrl-R redo).
        None if key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char(_)) =>
        {
            false
        }
        None => area.input(*key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(area: &mut TextArea<'_>, s: &str) {
        for c in s.chars() {
            textarea_key(area, &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn readline_keys_edit_a_text_area() {
        let mut a = TextArea::default();
        typed(&mut a, "hello big world");
        textarea_key(&mut a, &ctrl('w'));
        assert_eq!(a.lines()[0], "hello big ");
        textarea_key(&mut a, &ctrl('u'));
        assert_eq!(a.lines()[0], "", "ctrl-u kills to the line start");
        textarea_key(&mut a, &ctrl('z'));
        assert_eq!(a.lines()[0], "hello big ", "ctrl-z undoes");
        textarea_key(&mut a, &ctrl('a'));
        typed(&mut a, ">");
        textarea_key(&mut a, &ctrl('e'));
        typed(&mut a, "<");
        assert_eq!(a.lines()[0], ">hello big <");
        textarea_key(&mut a, &ctrl('a'));
        textarea_key(&mut a, &ctrl('k'));
        assert_eq!(a.lines()[0], "");
        textarea_key(&mut a, &ctrl('y'));
        assert_eq!(
            a.lines()[0],
            ">hello big <",
            "ctrl-y puts back what was killed"
        );
    }
}
