//! Plain-text helpers shared by the backend's messages and the panes.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `n` and the noun, with an `s` unless `n` is 1: "1 referral", "3 referrals".
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Cuts `s` to at most `width` terminal cells, ending with `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_cells_not_chars() {
        assert_eq!(truncate("Contoso", 7), "Contoso");
        assert_eq!(truncate("Contoso Ltd", 8), "Contoso…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("日本語", 1), "…");
        assert_eq!(truncate("x", 0), "");
    }
}
