//! The parser: tokens to a syntax tree, with JUEL's precedence (loosest first: `? :`, `||`,
//! `&&`, `== !=`, `< > <= >=`, `+ -`, `* / %`, unary `! - empty`, then `.`/`[]`/calls).
//!
//! Function names (`now()`, `var:equals(...)`) and `execution`'s properties and methods are
//! checked here against what the evaluator knows, so that [`super::check`] refuses an unknown
//! one at deploy time.

use serde_json::Value;

use super::functions::{self, Callee};
use super::lex::Tok;
use super::{ExprError, MAX_DEPTH};
use crate::text::Text;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ast {
    Lit(Value),
    Var(String),
    /// `base.name` or `base[index]`.
    Index(Box<Ast>, Box<Ast>),
    Not(Box<Ast>),
    Neg(Box<Ast>),
    Empty(Box<Ast>),
    Binary(&'static str, Box<Ast>, Box<Ast>),
    /// `condition ? then : otherwise`.
    Cond(Box<Ast>, Box<Ast>, Box<Ast>),
    /// `base.name(args)`.
    Method {
        base: Box<Ast>,
        name: String,
        args: Vec<Ast>,
    },
    /// `prefix:name(args)` or `name(args)`.
    Function {
        prefix: Option<String>,
        name: String,
        args: Vec<Ast>,
    },
}

pub(super) struct Parser<'a> {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
    /// How many `? ... :` branches are open: inside one, `a ? b : c(...)` must not read
    /// `b:c(...)` as a namespaced function unless `b` is a known namespace.
    open_branches: usize,
    expr: &'a str,
}

impl<'a> Parser<'a> {
    pub(super) fn new(tokens: Vec<(Tok, usize)>, expr: &'a str) -> Self {
        Parser { tokens, pos: 0, depth: 0, open_branches: 0, expr }
    }

    /// The whole token list as one expression.
    pub(super) fn parse_all(&mut self) -> Result<Ast, ExprError> {
        let ast = self.parse_expression()?;
        match self.peek() {
            Tok::End => Ok(ast),
            _ => Err(self.error(Text::new("run.expr.trailing_text"))),
        }
    }

    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        self.tokens.get(self.pos + ahead).map_or(&Tok::End, |(t, _)| t)
    }

    fn advance(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    /// Consumes `op` or fails with `message` at the current token.
    fn expect(&mut self, op: &str, message: Text) -> Result<(), ExprError> {
        match self.peek() {
            Tok::Op(o) if *o == op => {
                self.advance();
                Ok(())
            }
            _ => Err(self.error(message)),
        }
    }

    fn here(&self) -> usize {
        self.tokens.get(self.pos).or(self.tokens.last()).map_or(0, |(_, p)| *p)
    }

    fn error(&self, message: Text) -> ExprError {
        ExprError::Syntax { expr: self.expr.to_owned(), pos: self.here(), message }
    }

    fn unknown(&self, pos: usize, message: Text) -> ExprError {
        ExprError::UnknownFunction { expr: self.expr.to_owned(), pos, message }
    }

    /// Counts one level of nesting; every recursive rule and every operator chain goes through it.
    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::TooDeep { expr: self.expr.to_owned() });
        }
        Ok(())
    }

    fn parse_expression(&mut self) -> Result<Ast, ExprError> {
        self.enter()?;
        let condition = self.binary(0)?;
        let ast = if self.peek() == &Tok::Op("?") {
            self.advance();
            self.open_branches += 1;
            let then = self.parse_expression();
            self.open_branches -= 1;
            let then = then?;
            self.expect(":", Text::new("run.expr.expected_colon"))?;
            let otherwise = self.parse_expression()?;
            Ast::Cond(Box::new(condition), Box::new(then), Box::new(otherwise))
        } else {
            condition
        };
        self.depth -= 1;
        Ok(ast)
    }

    /// Binary operators by precedence level, loosest first.
    fn binary(&mut self, level: usize) -> Result<Ast, ExprError> {
        const LEVELS: [&[&str]; 6] =
            [&["||"], &["&&"], &["==", "!="], &["<", ">", "<=", ">="], &["+", "-"], &["*", "/", "%"]];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        let start_depth = self.depth;
        while let Tok::Op(op) = *self.peek() {
            if !ops.contains(&op) {
                break;
            }
            // A long chain builds a deep left-leaning tree, which evaluation walks recursively.
            self.enter()?;
            self.advance();
            let right = self.binary(level + 1)?;
            left = Ast::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth = start_depth;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ast, ExprError> {
        let wrap: fn(Box<Ast>) -> Ast = match self.peek() {
            Tok::Op("!") => Ast::Not,
            Tok::Op("-") => Ast::Neg,
            Tok::Op("empty") => Ast::Empty,
            _ => return self.postfix(),
        };
        self.advance();
        self.enter()?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(wrap(Box::new(inner)))
    }

    fn postfix(&mut self) -> Result<Ast, ExprError> {
        let mut ast = self.primary()?;
        let start_depth = self.depth;
        loop {
            match self.peek() {
                Tok::Op(".") => {
                    self.advance();
                    let at = self.here();
                    let Tok::Ident(name) = self.advance() else {
                        self.pos = self.pos.saturating_sub(1);
                        return Err(self.error(Text::new("run.expr.property_after_dot")));
                    };
                    self.enter()?;
                    if self.peek() == &Tok::Op("(") {
                        let args = self.arguments()?;
                        // Only `execution`'s methods are known before evaluation: any other
                        // value may be a bean of a Camunda model (`${genderBean.format(x)}`),
                        // refused when evaluated, not when deployed.
                        if Callee::of(&ast) == Callee::Execution {
                            functions::method_arity(Callee::Execution, &name, args.len())
                                .map_err(|m| self.unknown(at, m))?;
                        }
                        ast = Ast::Method { base: Box::new(ast), name, args };
                    } else {
                        if Callee::of(&ast) == Callee::Execution {
                            functions::execution_property(&name).map_err(|m| self.unknown(at, m))?;
                        }
                        ast = Ast::Index(Box::new(ast), Box::new(Ast::Lit(Value::String(name))));
                    }
                }
                Tok::Op("[") => {
                    self.advance();
                    self.enter()?;
                    let index = self.parse_expression()?;
                    self.expect("]", Text::new("run.expr.expected").with("op", "]"))?;
                    ast = Ast::Index(Box::new(ast), Box::new(index));
                }
                _ => break,
            }
        }
        self.depth = start_depth;
        Ok(ast)
    }

    /// `( expr, expr ... )`, the opening parenthesis being the current token.
    fn arguments(&mut self) -> Result<Vec<Ast>, ExprError> {
        self.expect("(", Text::new("run.expr.expected").with("op", "("))?;
        let mut args = Vec::new();
        if self.peek() == &Tok::Op(")") {
            self.advance();
            return Ok(args);
        }
        loop {
            args.push(self.parse_expression()?);
            match self.advance() {
                Tok::Op(",") => {}
                Tok::Op(")") => return Ok(args),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.error(Text::new("run.expr.expected_comma")));
                }
            }
        }
    }

    /// `prefix:name(` or `name(` at the current token: the prefix and the name.
    fn function_head(&self) -> Option<(Option<String>, String)> {
        match (self.peek(), self.peek_at(1), self.peek_at(2), self.peek_at(3)) {
            (Tok::Ident(name), Tok::Op("("), _, _) => Some((None, name.clone())),
            (Tok::Ident(prefix), Tok::Op(":"), Tok::Ident(name), Tok::Op("("))
                if self.open_branches == 0 || functions::NAMESPACES.contains(&prefix.as_str()) =>
            {
                Some((Some(prefix.clone()), name.clone()))
            }
            _ => None,
        }
    }

    fn primary(&mut self) -> Result<Ast, ExprError> {
        if let Some((prefix, name)) = self.function_head() {
            let at = self.here();
            self.pos += if prefix.is_some() { 3 } else { 1 };
            self.enter()?;
            let args = self.arguments()?;
            self.depth -= 1;
            functions::function_arity(prefix.as_deref(), &name, args.len()).map_err(|m| self.unknown(at, m))?;
            return Ok(Ast::Function { prefix, name, args });
        }
        match self.advance() {
            Tok::Num(n) => Ok(Ast::Lit(Value::Number(n))),
            Tok::Str(s) => Ok(Ast::Lit(Value::String(s))),
            Tok::Ident(name) => Ok(match name.as_str() {
                "true" => Ast::Lit(Value::Bool(true)),
                "false" => Ast::Lit(Value::Bool(false)),
                "null" => Ast::Lit(Value::Null),
                _ => Ast::Var(name),
            }),
            Tok::Op("(") => {
                let inner = self.parse_expression()?;
                self.expect(")", Text::new("run.expr.expected").with("op", ")"))?;
                Ok(inner)
            }
            Tok::End => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error(Text::new("run.expr.ends_early")))
            }
            Tok::Op(op) => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error(Text::new("run.expr.unexpected_op").with("op", op)))
            }
        }
    }
}
