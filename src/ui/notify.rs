//! Terminal notifications (`[ui] notify`): the escape sequence that asks the terminal to show
//! a desktop notification. Written by the terminal loop between frames, never while drawing.

use crate::config::NotifyStyle;

/// The escape sequence of a notification, or `None` when notifications are off. Control
/// characters in the texts become spaces (they would end the sequence early), and OSC 777's
/// field separator `;` in the title becomes `,`.
pub fn sequence(style: NotifyStyle, title: &str, body: &str) -> Option<String> {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    match style {
        NotifyStyle::Off => None,
        NotifyStyle::Osc9 => Some(format!("\x1b]9;{}: {}\x07", clean(title), clean(body))),
        NotifyStyle::Osc777 => Some(format!(
            "\x1b]777;notify;{};{}\x07",
            clean(title).replace(';', ","),
            clean(body)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequences_are_osc_9_and_osc_777() {
        assert_eq!(sequence(NotifyStyle::Off, "refdeck", "x"), None);
        assert_eq!(
            sequence(NotifyStyle::Osc9, "refdeck", "2 new referrals").as_deref(),
            Some("\x1b]9;refdeck: 2 new referrals\x07")
        );
        assert_eq!(
            sequence(NotifyStyle::Osc777, "ref;deck", "2 new\x07 referrals").as_deref(),
            Some("\x1b]777;notify;ref,deck;2 new  referrals\x07")
        );
    }
}
