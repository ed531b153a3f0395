//! The OData `$filter` subset the Referrals API understands: a parser and an evaluator over JSON.
//!
//! Grammar (keywords are case-insensitive):
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | compare
//! compare := operand (("eq"|"ne"|"gt"|"ge"|"lt"|"le") operand)?
//! operand := "(" expr ")" | literal | path
//! path    := name ("/" name)* ("/" ("any"|"all") "(" (var ":" expr)? ")")?
//! literal := 'text' ('' escapes a quote) | number | true | false | null
//!          | datetime (2026-01-01T00:00:00Z, unquoted) | guid (unquoted)
//! ```
//! A path on its own is true when it holds `true`; a lambda is true when any (all) items of the
//! collection satisfy its predicate (`any()` with no predicate: the collection is not empty).
//! Inside a lambda, a path that starts with the lambda's variable reads the item.
//!
//! Evaluation (choices where OData leaves room):
//! - A missing field is `null`. `x eq null` is true when the field is missing or null; ordering
//!   comparisons with `null` are false. A path that runs into a list without `any`/`all` reads
//!   as `null`.
//! - Strings compare case-sensitively (as OData does); guids compare case-insensitively.
//! - An unquoted datetime compares as an instant with a string field that holds a date-time;
//!   quoted strings compare as text.
//! - Values of different types are not equal (`ne` is true) and have no order.
//!
//! Errors carry the 0-based character position in the filter text.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::time::parse_datetime;

/// How deep parentheses, `not` and lambdas may nest.
const MAX_DEPTH: usize = 64;

/// A syntax error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 0-based character offset into the filter text.
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at position {})", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}

/// A parsed filter, ready to test documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: Expr,
}

/// Something a filter can be tested against: gives the JSON at a path of object keys
/// (`None` when a step is missing or is not an object).
pub trait Fields {
    fn field(&self, path: &[String]) -> Option<Cow<'_, Value>>;
}

impl Fields for Value {
    fn field(&self, path: &[String]) -> Option<Cow<'_, Value>> {
        path.iter()
            .try_fold(self, |v, seg| v.get(seg.as_str()))
            .map(Cow::Borrowed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LambdaKind {
    Any,
    All,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    Guid(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Path {
    segments: Vec<String>,
    position: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Lit(Literal),
    Path(Path),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, CmpOp, Operand),
    Lambda {
        collection: Path,
        kind: LambdaKind,
        var: Option<String>,
        predicate: Option<Box<Expr>>,
    },
    /// A bare path or literal used as a condition.
    Truthy(Operand),
}

impl Filter {
    /// Parses filter text.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let tokens = lex(text)?;
        let mut p = Parser {
            tokens,
            at: 0,
            depth: 0,
        };
        let expr = p.expr()?;
        match p.peek() {
            Tok::End => Ok(Filter { expr }),
            _ => Err(p.unexpected("`and`, `or` or the end of the filter")),
        }
    }

    /// True when `doc` satisfies the filter.
    pub fn matches(&self, doc: &dyn Fields) -> bool {
        eval(&self.expr, doc, &mut Vec::new())
    }

    /// The top-level property names the filter reads (outside lambda variables), with their
    /// positions, so a caller can reject unknown properties.
    pub fn properties(&self) -> Vec<(&str, usize)> {
        let mut out = Vec::new();
        collect_properties(&self.expr, &mut Vec::new(), &mut out);
        out
    }
}

fn collect_properties<'a>(
    expr: &'a Expr,
    vars: &mut Vec<&'a str>,
    out: &mut Vec<(&'a str, usize)>,
) {
    let mut path = |p: &'a Path, vars: &Vec<&'a str>| {
        if let Some(first) = p.segments.first()
            && !vars.contains(&first.as_str())
        {
            out.push((first.as_str(), p.position));
        }
    };
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            collect_properties(a, vars, out);
            collect_properties(b, vars, out);
        }
        Expr::Not(e) => collect_properties(e, vars, out),
        Expr::Cmp(a, _, b) => {
            for o in [a, b] {
                if let Operand::Path(p) = o {
                    path(p, vars);
                }
            }
        }
        Expr::Truthy(Operand::Path(p)) => path(p, vars),
        Expr::Truthy(Operand::Lit(_)) => {}
        Expr::Lambda {
            collection,
            var,
            predicate,
            ..
        } => {
            path(collection, vars);
            if let Some(pred) = predicate {
                vars.extend(var.as_deref());
                collect_properties(pred, vars, out);
                if var.is_some() {
                    vars.pop();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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
struct Token {
    tok: Tok,
    pos: usize,
    text: String,
}

fn lex(text: &str) -> Result<Vec<Token>, FilterError> {
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

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

fn keyword(tok: &Tok, kw: &str) -> bool {
    matches!(tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

const COMPARISONS: [(&str, CmpOp); 6] = [
    ("eq", CmpOp::Eq),
    ("ne", CmpOp::Ne),
    ("gt", CmpOp::Gt),
    ("ge", CmpOp::Ge),
    ("lt", CmpOp::Lt),
    ("le", CmpOp::Le),
];

const RESERVED: [&str; 13] = [
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "any", "all", "has", "in",
];

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.at].tok
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn unexpected(&self, expected: &str) -> FilterError {
        let t = self.token();
        let found = match t.tok {
            Tok::End => "the filter ends".to_string(),
            _ => format!("unexpected `{}`", t.text),
        };
        FilterError {
            position: t.pos,
            message: format!("{found}; expected {expected}"),
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, FilterError> {
        if *self.peek() == tok {
            Ok(self.bump())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn nest(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError {
                position: self.token().pos,
                message: format!("the filter nests deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        self.nest()?;
        let mut left = self.and()?;
        while keyword(self.peek(), "or") {
            self.bump();
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while keyword(self.peek(), "and") {
            self.bump();
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if keyword(self.peek(), "not") {
            self.bump();
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, FilterError> {
        if *self.peek() == Tok::LParen {
            self.bump();
            let inner = self.expr()?;
            self.expect(Tok::RParen, "`)` to close the parenthesis")?;
            if let Some(op) = self.comparison_op() {
                return Err(FilterError {
                    position: self.token().pos,
                    message: format!(
                        "`{}` cannot compare a parenthesised condition; compare a field instead",
                        op.0
                    ),
                });
            }
            return Ok(inner);
        }
        let left = self.operand()?;
        let left = match left {
            Side::Lambda(lambda) => {
                if let Some((word, _)) = self.comparison_op() {
                    return Err(FilterError {
                        position: self.token().pos,
                        message: format!(
                            "`{word}` cannot follow any()/all(), which is already true or false"
                        ),
                    });
                }
                return Ok(lambda);
            }
            Side::Operand(o) => o,
        };
        match self.comparison_op() {
            Some((_, op)) => {
                self.bump();
                match self.operand()? {
                    Side::Operand(right) => Ok(Expr::Cmp(left, op, right)),
                    Side::Lambda(_) => Err(FilterError {
                        position: self.tokens[self.at.saturating_sub(1)].pos,
                        message: "any()/all() cannot be compared; use it on its own".into(),
                    }),
                }
            }
            None => match (&left, self.peek()) {
                (_, Tok::End | Tok::RParen) => Ok(Expr::Truthy(left)),
                (_, Tok::Word(w))
                    if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") =>
                {
                    Ok(Expr::Truthy(left))
                }
                _ => Err(self.unexpected("a comparison operator (eq, ne, gt, ge, lt, le)")),
            },
        }
    }

    fn comparison_op(&self) -> Option<(&'static str, CmpOp)> {
        COMPARISONS
            .iter()
            .copied()
            .find(|(w, _)| keyword(self.peek(), w))
    }

    fn operand(&mut self) -> Result<Side, FilterError> {
        let t = self.token().clone();
        match &t.tok {
            Tok::Lit(l) => {
                self.bump();
                Ok(Side::Operand(Operand::Lit(l.clone())))
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => {
                self.bump();
                Ok(Side::Operand(Operand::Lit(Literal::Bool(true))))
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => {
                self.bump();
                Ok(Side::Operand(Operand::Lit(Literal::Bool(false))))
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => {
                self.bump();
                Ok(Side::Operand(Operand::Lit(Literal::Null)))
            }
            Tok::Word(w) if !RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r)) => self.path(),
            _ => Err(self.unexpected("a field name or a value")),
        }
    }

    fn path(&mut self) -> Result<Side, FilterError> {
        let first = self.bump();
        if *self.peek() == Tok::LParen {
            return Err(FilterError {
                position: first.pos,
                message: format!(
                    "function `{}` is not supported; use eq, ne, gt, ge, lt, le, and, or, not, any, all",
                    first.text
                ),
            });
        }
        let mut segments = vec![first.text.clone()];
        while *self.peek() == Tok::Slash {
            self.bump();
            let seg = self.token().clone();
            let Tok::Word(name) = &seg.tok else {
                return Err(self.unexpected("a field name after `/`"));
            };
            let lambda = if name.eq_ignore_ascii_case("any") {
                Some(LambdaKind::Any)
            } else if name.eq_ignore_ascii_case("all") {
                Some(LambdaKind::All)
            } else {
                None
            };
            self.bump();
            if let Some(kind) = lambda
                && *self.peek() == Tok::LParen
            {
                let collection = Path {
                    segments,
                    position: first.pos,
                };
                return self.lambda(collection, kind, &seg);
            }
            segments.push(name.clone());
        }
        Ok(Side::Operand(Operand::Path(Path {
            segments,
            position: first.pos,
        })))
    }

    fn lambda(
        &mut self,
        collection: Path,
        kind: LambdaKind,
        at: &Token,
    ) -> Result<Side, FilterError> {
        self.expect(Tok::LParen, "`(`")?;
        if *self.peek() == Tok::RParen {
            self.bump();
            if kind == LambdaKind::All {
                return Err(FilterError {
                    position: at.pos,
                    message: "all() needs a condition, like all(t: t/email ne null)".into(),
                });
            }
            return Ok(Side::Lambda(Expr::Lambda {
                collection,
                kind,
                var: None,
                predicate: None,
            }));
        }
        let var = self.token().clone();
        let Tok::Word(name) = &var.tok else {
            return Err(self.unexpected("a variable name, like any(t: t/email eq 'a@b.com')"));
        };
        if RESERVED.iter().any(|r| name.eq_ignore_ascii_case(r)) {
            return Err(self.unexpected("a variable name that is not a keyword"));
        }
        self.bump();
        self.expect(Tok::Colon, "`:` after the variable name")?;
        self.nest()?;
        let predicate = self.expr()?;
        self.depth -= 1;
        self.expect(Tok::RParen, "`)` to close the lambda")?;
        Ok(Side::Lambda(Expr::Lambda {
            collection,
            kind,
            var: Some(name.clone()),
            predicate: Some(Box::new(predicate)),
        }))
    }
}

enum Side {
    Operand(Operand),
    Lambda(Expr),
}

// ---------------------------------------------------------------------------------------------
// Evaluator

type Env = Vec<(String, Value)>;

fn eval(expr: &Expr, doc: &dyn Fields, env: &mut Env) -> bool {
    match expr {
        Expr::Or(a, b) => eval(a, doc, env) || eval(b, doc, env),
        Expr::And(a, b) => eval(a, doc, env) && eval(b, doc, env),
        Expr::Not(e) => !eval(e, doc, env),
        Expr::Truthy(o) => matches!(operand(o, doc, env).as_deref(), Some(Value::Bool(true))),
        Expr::Cmp(a, op, b) => compare(a, *op, b, doc, env),
        Expr::Lambda {
            collection,
            kind,
            var,
            predicate,
        } => {
            let Some(Value::Array(items)) = resolve(collection, doc, env).map(Cow::into_owned)
            else {
                return *kind == LambdaKind::All;
            };
            let Some(pred) = predicate else {
                return !items.is_empty();
            };
            let name = var.clone().unwrap_or_default();
            let mut test = |item: Value| {
                env.push((name.clone(), item));
                let ok = eval(pred, doc, env);
                env.pop();
                ok
            };
            match kind {
                LambdaKind::Any => items.into_iter().any(&mut test),
                LambdaKind::All => items.into_iter().all(&mut test),
            }
        }
    }
}

fn resolve<'a>(path: &Path, doc: &'a dyn Fields, env: &Env) -> Option<Cow<'a, Value>> {
    let (first, rest) = path.segments.split_first()?;
    match env.iter().rev().find(|(n, _)| n == first) {
        Some((_, item)) => item.field(rest).map(|v| Cow::Owned(v.into_owned())),
        None => doc.field(&path.segments),
    }
}

fn operand<'a>(o: &'a Operand, doc: &'a dyn Fields, env: &Env) -> Option<Cow<'a, Value>> {
    match o {
        Operand::Path(p) => resolve(p, doc, env),
        Operand::Lit(Literal::Bool(b)) => Some(Cow::Owned(Value::Bool(*b))),
        Operand::Lit(_) => None,
    }
}

/// A comparable value: JSON from a document or a literal.
enum V<'a> {
    Json(Option<Cow<'a, Value>>),
    Lit(&'a Literal),
}

fn side<'a>(o: &'a Operand, doc: &'a dyn Fields, env: &Env) -> V<'a> {
    match o {
        Operand::Lit(l) => V::Lit(l),
        Operand::Path(p) => V::Json(resolve(p, doc, env)),
    }
}

fn compare(a: &Operand, op: CmpOp, b: &Operand, doc: &dyn Fields, env: &Env) -> bool {
    let (x, y) = (side(a, doc, env), side(b, doc, env));
    if is_null(&x) || is_null(&y) {
        let both = is_null(&x) && is_null(&y);
        return match op {
            CmpOp::Eq => both,
            CmpOp::Ne => !both,
            _ => false,
        };
    }
    match order(&x, &y) {
        None => op == CmpOp::Ne,
        Some(ord) => match op {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
        },
    }
}

fn is_null(v: &V) -> bool {
    match v {
        V::Json(None) => true,
        V::Json(Some(j)) => j.is_null(),
        V::Lit(l) => **l == Literal::Null,
    }
}

/// Scalars normalised for comparison.
enum Scalar<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    Time(DateTime<Utc>),
    Guid(&'a str),
}

fn scalar<'a>(v: &'a V<'a>) -> Option<Scalar<'a>> {
    match v {
        V::Lit(Literal::Str(s)) => Some(Scalar::Str(s)),
        V::Lit(Literal::Num(n)) => Some(Scalar::Num(*n)),
        V::Lit(Literal::Bool(b)) => Some(Scalar::Bool(*b)),
        V::Lit(Literal::DateTime(d)) => Some(Scalar::Time(*d)),
        V::Lit(Literal::Guid(g)) => Some(Scalar::Guid(g)),
        V::Lit(Literal::Null) | V::Json(None) => None,
        V::Json(Some(j)) => match j.as_ref() {
            Value::String(s) => Some(Scalar::Str(s)),
            Value::Number(n) => n.as_f64().map(Scalar::Num),
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            _ => None,
        },
    }
}

fn order(x: &V, y: &V) -> Option<Ordering> {
    use Scalar::*;
    match (scalar(x)?, scalar(y)?) {
        (Str(a), Str(b)) => Some(a.cmp(b)),
        (Num(a), Num(b)) => a.partial_cmp(&b),
        (Bool(a), Bool(b)) => Some(a.cmp(&b)),
        (Time(a), Time(b)) => Some(a.cmp(&b)),
        (Time(t), Str(s)) => parse_datetime(s).map(|d| t.cmp(&d)),
        (Str(s), Time(t)) => parse_datetime(s).map(|d| d.cmp(&t)),
        (Guid(a), Guid(b)) => Some(a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())),
        (Guid(g), Str(s)) => Some(g.to_ascii_lowercase().cmp(&s.to_ascii_lowercase())),
        (Str(s), Guid(g)) => Some(s.to_ascii_lowercase().cmp(&g.to_ascii_lowercase())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "id": "r1",
            "name": "O'Brien supply chain",
            "status": "New",
            "favorite": true,
            "engagementId": "5C6148AB-b8d7-46aa-95c5-89a6a22d5a21",
            "createdDateTime": "2026-01-15T10:00:00Z",
            "details": {"dealValue": 25000.0, "currency": "USD"},
            "customerProfile": {"address": {"country": "US"}, "team": [{"email": "x@y.com"}]},
            "team": [{"email": "a@b.com", "firstName": "Ann"}, {"email": "c@d.com"}],
            "tags": ["priority", "renewal"],
            "campaignId": null
        })
    }

    fn m(f: &str) -> bool {
        Filter::parse(f)
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .matches(&doc())
    }

    fn err(f: &str) -> FilterError {
        Filter::parse(f).expect_err(f)
    }

    #[test]
    fn comparisons_and_logic() {
        assert!(m("status eq 'New'"));
        assert!(!m("status eq 'new'"));
        assert!(m("status ne 'Active'"));
        assert!(m(
            "details/dealValue gt 10000 and details/dealValue le 25000"
        ));
        assert!(!m("details/dealValue lt 25000"));
        assert!(m("details/dealValue ge 2.5e4"));
        assert!(m("status eq 'Active' or details/currency eq 'USD'"));
        assert!(m("not (status eq 'Active')"));
        assert!(m("NOT status EQ 'Closed' AND favorite Eq TRUE"));
        assert!(m("(status eq 'Closed' or status eq 'New') and favorite"));
        assert!(!m("status eq 'Closed' or status eq 'New' and not favorite"));
        assert!(m("favorite"));
        assert!(m("name eq 'O''Brien supply chain'"));
        assert!(m("details/dealValue gt -1"));
    }

    #[test]
    fn nulls_and_missing_fields() {
        assert!(m("campaignId eq null"));
        assert!(m("externalReferenceId eq null"));
        assert!(m("name ne null"));
        assert!(!m("missing gt 3"));
        assert!(!m("missing lt 3"));
        assert!(m("missing ne 3"));
        assert!(
            !m("team/email eq 'a@b.com'"),
            "a list without any() reads as null"
        );
        assert!(m("status ne 5"), "different types are not equal");
    }

    #[test]
    fn nested_paths_and_lambdas() {
        assert!(m("customerProfile/address/country eq 'US'"));
        assert!(m("team/any(t:t/email eq 'a@b.com')"));
        assert!(m(
            "team/ANY( t : t/email eq 'c@d.com' and t/firstName eq null)"
        ));
        assert!(!m("team/any(t:t/email eq 'z@b.com')"));
        assert!(m("team/all(t:t/email ne null)"));
        assert!(!m("team/all(t:t/firstName eq 'Ann')"));
        assert!(m("team/any()"));
        assert!(!m("registrations/any()"));
        assert!(
            m("registrations/all(r: r/status eq 'Passed')"),
            "all() of nothing"
        );
        assert!(m("tags/any(t: t eq 'renewal')"));
        assert!(m(
            "customerProfile/team/any(c: c/email eq 'x@y.com' and status eq 'New')"
        ));
        assert!(m(
            "team/any(a: tags/any(b: b eq 'priority') and a/email eq 'a@b.com')"
        ));
    }

    #[test]
    fn datetimes_and_guids() {
        assert!(m("createdDateTime gt 2026-01-01T00:00:00Z"));
        assert!(!m("createdDateTime lt 2026-01-15T11:00:00+01:00"));
        assert!(m("createdDateTime eq 2026-01-15T11:00:00+01:00"));
        assert!(m("createdDateTime ge 2026-01-15T10:00:00.000Z"));
        assert!(m("createdDateTime gt 2026-01-15"));
        assert!(
            m("createdDateTime gt '2026-01-01'"),
            "quoted: compared as text"
        );
        assert!(!m("createdDateTime eq '2026-01-15'"));
        assert!(m("engagementId eq 5c6148ab-b8d7-46aa-95c5-89a6a22d5a21"));
        assert!(m("engagementId eq '5C6148AB-b8d7-46aa-95c5-89a6a22d5a21'"));
        assert!(m("engagementId eq 5C6148AB-B8D7-46AA-95C5-89A6A22D5A21"));
        assert!(!m("engagementId eq 00000000-0000-0000-0000-000000000000"));
    }

    #[test]
    fn errors_name_the_position() {
        let e = err("status eq");
        assert_eq!(e.position, 9);
        assert!(e.message.contains("the filter ends"), "{e}");
        let e = err("status eq 'New");
        assert_eq!(e.position, 10);
        assert!(e.message.contains("not closed"));
        let e = err("status 'New'");
        assert_eq!(e.position, 7);
        assert!(e.message.contains("comparison operator"), "{e}");
        let e = err("(status eq 'New'");
        assert_eq!(e.position, 16);
        let e = err("contains(name, 'x')");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("not supported"));
        let e = err("status eq 'a' and");
        assert_eq!(e.position, 17);
        assert_eq!(err("x eq #").position, 5);
        assert_eq!(err("x eq 2026-13-45T00:00:00Z").position, 5);
        assert!(
            err("team/any(t:t/email eq 'a') eq true")
                .message
                .contains("any()")
        );
        assert!(err("team/all()").message.contains("condition"));
        assert!(err("").message.contains("the filter ends"));
        assert_eq!(err("a eq 1 b").position, 7);
        let deep = format!("{}a eq 1{}", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).message.contains("deeper"));
        assert_eq!(err("status eq 'x' or or").position, 17);
    }

    #[test]
    fn properties_skip_lambda_variables() {
        let f = Filter::parse("status eq 'New' and team/any(t: t/email eq 'x' and stauts eq 1)")
            .unwrap();
        assert_eq!(
            f.properties(),
            vec![("status", 0), ("team", 20), ("stauts", 51)]
        );
    }
}
