//! The lexer: filter text to tokens (literals, words, punctuation), with positions.

use super::{FilterError, Literal};
use crate::domain::time::parse_datetime;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    Colon,
    Slash,
    Comma,
    Lit(Literal),
    Word(String),
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
    pub(super) text: String,
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ':' => Some(Tok::Colon),
            '/' => Some(Tok::Slash),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if let Some(tok) = single {
            i += 1;
            out.push(Token {
                tok,
                pos: start,
                text: c.to_string(),
            });
            continue;
        }
        if c == '\'' {
            let (s, next) = string_literal(&chars, i)?;
            out.push(Token {
                tok: Tok::Lit(Literal::Str(s)),
                pos: start,
                text: chars[start..next].iter().collect(),
            });
            i = next;
            continue;
        }
        if let Some(len) = guid_at(&chars, i) {
            let g: String = chars[i..i + len].iter().collect();
            i += len;
            out.push(Token {
                tok: Tok::Lit(Literal::Guid(g.to_ascii_lowercase())),
                pos: start,
                text: g,
            });
            continue;
        }
        if c.is_ascii_digit()
            || (matches!(c, '-' | '+' | '.') && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | ':' | '.' | '+'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let lit = number_or_date(&word).ok_or_else(|| FilterError {
                position: start,
                message: format!(
                    "`{word}` is neither a number nor a date-time (write dates like 2026-01-31T00:00:00Z)"
                ),
            })?;
            out.push(Token {
                tok: Tok::Lit(lit),
                pos: start,
                text: word,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' || c == '@' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '@' | '.'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token {
                tok: Tok::Word(word.clone()),
                pos: start,
                text: word,
            });
            continue;
        }
        return Err(FilterError {
            position: start,
            message: format!("unexpected character `{c}`"),
        });
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
        text: String::new(),
    });
    Ok(out)
}

/// Reads a single-quoted string starting at `start`; returns it and the index after it.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), FilterError> {
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(FilterError {
                    position: start,
                    message:
                        "this string is not closed; end it with ' (write '' for a quote inside)"
                            .into(),
                });
            }
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                s.push('\'');
                i += 2;
            }
            Some('\'') => return Ok((s, i + 1)),
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

/// The length of a guid (8-4-4-4-12 hex digits) at `i`, if one stands there on its own.
fn guid_at(chars: &[char], i: usize) -> Option<usize> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut j = i;
    for (n, len) in GROUPS.iter().enumerate() {
        for _ in 0..*len {
            if !chars.get(j)?.is_ascii_hexdigit() {
                return None;
            }
            j += 1;
        }
        if n < GROUPS.len() - 1 {
            if chars.get(j) != Some(&'-') {
                return None;
            }
            j += 1;
        }
    }
    match chars.get(j) {
        Some(c) if c.is_alphanumeric() || *c == '_' || *c == '-' => None,
        _ => Some(j - i),
    }
}

fn number_or_date(word: &str) -> Option<Literal> {
    let looks_like_date = word.len() >= 10
        && word.as_bytes()[4] == b'-'
        && word[..4].bytes().all(|b| b.is_ascii_digit());
    if looks_like_date {
        return parse_datetime(word).map(Literal::DateTime);
    }
    let n: f64 = word.parse().ok()?;
    n.is_finite().then_some(Literal::Num(n))
}
