//! The parser: tokens to an expression tree, following the grammar in the module docs.

use super::lex::{Tok, Token, lex};
use super::{CmpOp, Expr, Filter, FilterError, LambdaKind, Literal, Operand, Path};

/// How deep parentheses, `not` and lambdas may nest.
const MAX_DEPTH: usize = 64;

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
}

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
