//! The lexer: the characters between `${` and `}` as tokens with their positions.

use serde_json::Number;

use super::functions::NAMESPACES;
use super::ExprError;
use crate::text::Text;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(Number),
    Str(String),
    Ident(String),
    /// An operator or punctuation, normalised (`gt` becomes `>`, `and` becomes `&&`...).
    Op(&'static str),
    End,
}

/// The word operators and what they stand for.
const KEYWORDS: [(&str, &str); 12] = [
    ("and", "&&"),
    ("or", "||"),
    ("not", "!"),
    ("eq", "=="),
    ("ne", "!="),
    ("gt", ">"),
    ("ge", ">="),
    ("lt", "<"),
    ("le", "<="),
    ("div", "/"),
    ("mod", "%"),
    ("empty", "empty"),
];

/// Tokens from `start` up to the closing `}`; returns them with the position of the `}`.
pub(super) fn lex(chars: &[char], start: usize, text: &str) -> Result<(Vec<(Tok, usize)>, usize), ExprError> {
    let syntax = |pos: usize, message: Text| ExprError::Syntax { expr: text.to_owned(), pos, message };
    let mut tokens = Vec::new();
    let mut i = start;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(syntax(start.saturating_sub(2), Text::new("run.expr.not_closed")));
        };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '}' {
            tokens.push((Tok::End, i));
            return Ok((tokens, i));
        }
        let at = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let (n, next) = number(chars, i);
            tokens.push((Tok::Num(n.ok_or_else(|| syntax(at, Text::new("run.expr.bad_number")))?), at));
            i = next;
            continue;
        }
        if c == '\'' || c == '"' {
            let (s, next) = string(chars, i).ok_or_else(|| syntax(at, Text::new("run.expr.string_not_closed")))?;
            tokens.push((Tok::Str(s), at));
            i = next;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while let Some(&d) = chars.get(i) {
                if d.is_alphanumeric() || d == '_' {
                    s.push(d);
                    i += 1;
                } else {
                    break;
                }
            }
            let keyword = KEYWORDS.iter().find(|(word, _)| *word == s).map(|(_, op)| *op);
            let tok = match keyword {
                // `var:gt(...)`, `variables:lt(...)`: after a namespace prefix a keyword is a
                // function name (Flowable's comparison functions).
                Some(_) if after_namespace(&tokens) => Tok::Ident(s),
                Some(op) => Tok::Op(op),
                None => Tok::Ident(s),
            };
            tokens.push((tok, at));
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let op2 = ["&&", "||", "==", "!=", ">=", "<="].into_iter().find(|op| *op == two);
        if let Some(op) = op2 {
            tokens.push((Tok::Op(op), at));
            i += 2;
            continue;
        }
        let op1 = ["!", ">", "<", "+", "-", "*", "/", "%", "(", ")", ".", "[", "]", "?", ":", ","]
            .into_iter()
            .find(|op| op.starts_with(c) && op.len() == c.len_utf8());
        match op1 {
            Some(op) => {
                tokens.push((Tok::Op(op), at));
                i += 1;
            }
            None => return Err(syntax(at, Text::new("run.expr.unexpected_char").with("char", c))),
        }
    }
}

/// Whether the last tokens are a namespace prefix and `:` (`var:`).
fn after_namespace(tokens: &[(Tok, usize)]) -> bool {
    match tokens {
        [.., (Tok::Ident(prefix), _), (Tok::Op(":"), _)] => NAMESPACES.contains(&prefix.as_str()),
        _ => false,
    }
}

/// The number starting at `i` (digits, an optional fraction and exponent) and the position
/// after it; `None` when it cannot be represented.
fn number(chars: &[char], mut i: usize) -> (Option<Number>, usize) {
    let mut s = String::new();
    let mut float = false;
    while let Some(&d) = chars.get(i) {
        if d.is_ascii_digit() {
            s.push(d);
        } else if d == '.' && !float && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            float = true;
            s.push(d);
        } else if (d == 'e' || d == 'E') && !s.contains(['e', 'E']) {
            float = true;
            s.push(d);
            if let Some(&sign @ ('+' | '-')) = chars.get(i + 1) {
                s.push(sign);
                i += 1;
            }
        } else {
            break;
        }
        i += 1;
    }
    let n = if float {
        s.parse::<f64>().ok().and_then(Number::from_f64)
    } else {
        s.parse::<i64>().ok().map(Number::from).or_else(|| s.parse::<f64>().ok().and_then(Number::from_f64))
    };
    (n, i)
}

/// The quoted string starting at `i` (backslash escapes the next character) and the position
/// after its closing quote; `None` when it is not closed.
fn string(chars: &[char], mut i: usize) -> Option<(String, usize)> {
    let quote = *chars.get(i)?;
    let mut s = String::new();
    i += 1;
    loop {
        match *chars.get(i)? {
            '\\' => {
                s.push(*chars.get(i + 1)?);
                i += 2;
            }
            q if q == quote => return Some((s, i + 1)),
            o => {
                s.push(o);
                i += 1;
            }
        }
    }
}
