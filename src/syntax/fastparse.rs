//! A fast parser for well-formed Nix: tokens in, the green tree out.
//!
//! Contract: [`parse`] returns either `None` or exactly the tree that
//! `rnix::Root::parse` builds for the same text, with no errors. It gives up
//! (`None`) at the first thing rnix would report as an error, and at a few
//! shapes rnix treats oddly (legacy `let { }`, whitespace before a path's
//! interpolation); the caller then asks rnix, which also does the error
//! recovery. Differential tests and the fuzz target hold it to that.
//!
//! Why it is faster: binary operators are read with one precedence-climbing
//! loop instead of a call per precedence level per operand, and the tokens
//! are a slice, so a lookahead is an index.
//!
//! Tree shape, as rnix builds it:
//! - trivia (whitespace, comments) is emitted just before the next
//!   significant token, inside the innermost node still open then, and
//!   before any node that starts at that token (so outside it);
//! - a node that wraps what was already parsed (binary operators, `?`,
//!   application, selection, lambdas of `x:` and `x @ { }:`) starts at the
//!   checkpoint taken when its first operand began.

use rnix::SyntaxKind::{self, *};
use rowan::{GreenNode, GreenToken, Language as _, NodeOrToken};

/// rnix stops following `parse_expr` nesting at this depth (with an error).
const RNIX_EXPR_DEPTH: u32 = 512;

/// The tree rnix would build for `tokens` (the output of `rnix::tokenize`),
/// when it would build it without errors; `None` otherwise.
///
/// Every parenthesis, list, set, string and interpolation of the tree ends
/// with its closing token (a missing one gives `None`), so the validator's
/// check for unclosed ones has nothing to find there.
pub(crate) fn parse(tokens: &[(SyntaxKind, &str)]) -> Option<GreenNode> {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        emitted: 0,
        depth: 0,
        b: Builder::for_tokens(tokens.len()),
    };
    p.b.start_node(raw(NODE_ROOT));
    p.expr()?;
    p.flush();
    if p.pos < p.toks.len() {
        return None;
    }
    p.b.finish_node();
    Some(p.b.finish())
}

fn raw(kind: SyntaxKind) -> rowan::SyntaxKind {
    rnix::NixLanguage::kind_to_raw(kind)
}

/// Where a node may later be started that wraps what follows (an index
/// into the children being collected).
#[derive(Clone, Copy)]
struct Checkpoint(usize);

/// Builds the green tree bottom-up. Unlike rowan's builder it does not look
/// nodes up in a cache (hashing each one costs more than it saves on trees
/// that live for one file's checks); short tokens (whitespace, punctuation,
/// keywords, most names) are shared, which keeps the tree as small as
/// rowan's.
struct Builder<'s> {
    children: Vec<NodeOrToken<GreenNode, GreenToken>>,
    /// Open nodes: kind and index of their first child.
    parents: Vec<(rowan::SyntaxKind, usize)>,
    /// The last token of each kind: punctuation and keywords always have
    /// the same text, so they are found here without hashing.
    last: Vec<Option<GreenToken>>,
    /// Whitespace that is a newline and up to [`INDENTS`] spaces (most
    /// whitespace), by the number of spaces.
    indents: Vec<Option<GreenToken>>,
    tokens: rustc_hash::FxHashMap<(u16, &'s str), GreenToken>,
}

impl Builder<'_> {
    /// A builder for a tree of `tokens` tokens. The shared-token map is
    /// sized up front, so it is not rehashed as it fills: for a quarter of
    /// the tokens (on home-manager's files that costs fewer instructions
    /// than an eighth, and as few as a half).
    fn for_tokens(tokens: usize) -> Self {
        Builder {
            children: Vec::new(),
            parents: Vec::new(),
            last: vec![None; KINDS],
            indents: vec![None; INDENTS + 1],
            tokens: rustc_hash::FxHashMap::with_capacity_and_hasher(tokens / 4, Default::default()),
        }
    }
}

/// Number of raw kinds rnix has.
const KINDS: usize = NODE_WITH as usize + 1;

/// Indentations up to this depth get a slot in [`Builder::indents`].
const INDENTS: usize = 64;

/// Tokens up to this length are shared within one tree.
const SHARED_TOKEN_LEN: usize = 16;

impl<'s> Builder<'s> {
    fn token(&mut self, kind: rowan::SyntaxKind, text: &'s str) {
        let token = self.shared(kind, text);
        self.children.push(NodeOrToken::Token(token));
    }

    fn shared(&mut self, kind: rowan::SyntaxKind, text: &'s str) -> GreenToken {
        let k = kind.0 as usize;
        if let Some(Some(t)) = self.last.get(k)
            && t.text() == text
        {
            return t.clone();
        }
        let bytes = text.as_bytes();
        let indent = kind == raw(TOKEN_WHITESPACE)
            && bytes.len() <= INDENTS + 1
            && bytes.first() == Some(&b'\n')
            && bytes[1..].iter().all(|&b| b == b' ');
        let token = if indent {
            self.indents[bytes.len() - 1]
                .get_or_insert_with(|| GreenToken::new(kind, text))
                .clone()
        } else if text.len() <= SHARED_TOKEN_LEN {
            self.tokens
                .entry((kind.0, text))
                .or_insert_with(|| GreenToken::new(kind, text))
                .clone()
        } else {
            GreenToken::new(kind, text)
        };
        if let Some(slot) = self.last.get_mut(k) {
            *slot = Some(token.clone());
        }
        token
    }

    fn start_node(&mut self, kind: rowan::SyntaxKind) {
        self.parents.push((kind, self.children.len()));
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.children.len())
    }

    fn start_node_at(&mut self, cp: Checkpoint, kind: rowan::SyntaxKind) {
        self.parents.push((kind, cp.0));
    }

    fn finish_node(&mut self) {
        let (kind, first) = self.parents.pop().expect("an open node");
        let node = GreenNode::new(kind, self.children.drain(first..));
        self.children.push(NodeOrToken::Node(node));
    }

    fn finish(mut self) -> GreenNode {
        match self.children.pop() {
            Some(NodeOrToken::Node(root)) if self.children.is_empty() => root,
            _ => unreachable!("one root node"),
        }
    }
}

/// How an infix operator groups.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    /// At most one operator of this level per operand (`a == b == c` is an
    /// error).
    None,
}

/// Precedence levels, loosest first, as rnix's grammar orders them.
const L_INVERT: u8 = 9;
const L_HASATTR: u8 = 13;
const L_NEGATE: u8 = 14;

/// The level and grouping of an infix operator token.
fn infix(kind: SyntaxKind) -> Option<(u8, Assoc)> {
    Some(match kind {
        TOKEN_PIPE_LEFT => (1, Assoc::Right),
        TOKEN_PIPE_RIGHT => (2, Assoc::Left),
        TOKEN_IMPLICATION => (3, Assoc::Right),
        TOKEN_OR_OR => (4, Assoc::Left),
        TOKEN_AND_AND => (5, Assoc::Left),
        TOKEN_EQUAL | TOKEN_NOT_EQUAL => (6, Assoc::None),
        TOKEN_LESS | TOKEN_LESS_OR_EQ | TOKEN_MORE | TOKEN_MORE_OR_EQ => (7, Assoc::None),
        TOKEN_UPDATE => (8, Assoc::Right),
        TOKEN_ADD | TOKEN_SUB => (10, Assoc::Left),
        TOKEN_MUL | TOKEN_DIV => (11, Assoc::Left),
        TOKEN_CONCAT => (12, Assoc::Right),
        TOKEN_QUESTION => (L_HASATTR, Assoc::Left),
        _ => return None,
    })
}

/// Tokens that start a function argument (rnix's `is_fn_arg`).
fn starts_argument(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_REC
            | TOKEN_L_BRACE
            | TOKEN_L_BRACK
            | TOKEN_L_PAREN
            | TOKEN_STRING_START
            | TOKEN_IDENT
            | TOKEN_CUR_POS
            | TOKEN_FLOAT
            | TOKEN_INTEGER
            | TOKEN_PATH_ABS
            | TOKEN_PATH_REL
            | TOKEN_PATH_HOME
            | TOKEN_PATH_SEARCH
            | TOKEN_URI
    )
}

fn is_trivia(kind: SyntaxKind) -> bool {
    matches!(kind, TOKEN_WHITESPACE | TOKEN_COMMENT)
}

struct Parser<'t, 's> {
    toks: &'t [(SyntaxKind, &'s str)],
    /// Index of the next token not yet emitted, trivia included.
    pos: usize,
    /// Tokens before this index are in the builder.
    emitted: usize,
    depth: u32,
    b: Builder<'s>,
}

/// `None` stands for "rnix would report an error here".
type Res<T = ()> = Option<T>;

impl Parser<'_, '_> {
    /// Index of the next significant token at or after `from`.
    fn skip_trivia(&self, mut from: usize) -> usize {
        while from < self.toks.len() && is_trivia(self.toks[from].0) {
            from += 1;
        }
        from
    }

    /// The next significant token's kind.
    fn peek(&self) -> Option<SyntaxKind> {
        self.toks.get(self.skip_trivia(self.pos)).map(|t| t.0)
    }

    /// The kind of the significant token after the next one.
    fn peek_second(&self) -> Option<SyntaxKind> {
        let first = self.skip_trivia(self.pos);
        self.toks.get(self.skip_trivia(first + 1)).map(|t| t.0)
    }

    /// The next token, trivia or not.
    fn peek_raw(&self) -> Option<SyntaxKind> {
        self.toks.get(self.pos).map(|t| t.0)
    }

    /// Emit the trivia before the next significant token.
    fn flush(&mut self) {
        let next = self.skip_trivia(self.pos);
        for &(kind, text) in &self.toks[self.emitted..next] {
            self.b.token(raw(kind), text);
        }
        self.pos = next;
        self.emitted = next;
    }

    /// Emit the next significant token (after its trivia) as `kind`.
    fn bump_as(&mut self, kind: SyntaxKind) {
        self.flush();
        let (_, text) = self.toks[self.pos];
        self.b.token(raw(kind), text);
        self.pos += 1;
        self.emitted = self.pos;
    }

    fn bump(&mut self) {
        let kind = self.toks[self.skip_trivia(self.pos)].0;
        self.bump_as(kind);
    }

    fn expect(&mut self, kind: SyntaxKind) -> Res {
        (self.peek() == Some(kind)).then(|| self.bump())
    }

    fn start(&mut self, kind: SyntaxKind) {
        self.flush();
        self.b.start_node(raw(kind));
    }

    fn start_at(&mut self, cp: Checkpoint, kind: SyntaxKind) {
        self.b.start_node_at(cp, raw(kind));
    }

    fn finish(&mut self) {
        self.b.finish_node();
    }

    fn checkpoint(&mut self) -> Checkpoint {
        self.flush();
        self.b.checkpoint()
    }

    /// A whole expression (rnix's `parse_expr`).
    fn expr(&mut self) -> Res {
        if self.depth + 1 >= RNIX_EXPR_DEPTH {
            return None;
        }
        self.depth += 1;
        let out = self.expr_inner();
        self.depth -= 1;
        out
    }

    fn expr_inner(&mut self) -> Res {
        let (node, middle) = match self.peek() {
            Some(TOKEN_LET) => {
                let cp = self.checkpoint();
                self.bump();
                if self.peek() == Some(TOKEN_L_BRACE) {
                    // Legacy `let { }`: rnix has quirks there; let it decide.
                    return None;
                }
                self.start_at(cp, NODE_LET_IN);
                self.bindings(TOKEN_IN)?;
                self.expr()?;
                self.finish();
                return Some(());
            }
            Some(TOKEN_WITH) => (NODE_WITH, [TOKEN_SEMICOLON, TOKEN_SEMICOLON]),
            Some(TOKEN_ASSERT) => (NODE_ASSERT, [TOKEN_SEMICOLON, TOKEN_SEMICOLON]),
            Some(TOKEN_IF) => (NODE_IF_ELSE, [TOKEN_THEN, TOKEN_ELSE]),
            _ => return self.binary(0).map(|_| ()),
        };
        self.start(node);
        self.bump();
        self.expr()?;
        self.expect(middle[0])?;
        self.expr()?;
        if node == NODE_IF_ELSE {
            self.expect(middle[1])?;
            self.expr()?;
        }
        self.finish();
        Some(())
    }

    /// Operators binding at least as tightly as level `min`, over operands
    /// read from here; returns the checkpoint where the operand began.
    fn binary(&mut self, min: u8) -> Res<Checkpoint> {
        let cp = match self.peek()? {
            TOKEN_INVERT if min <= L_INVERT => self.prefix(L_INVERT)?,
            TOKEN_SUB if min <= L_NEGATE => self.prefix(L_NEGATE)?,
            _ => self.application()?,
        };
        while let Some((level, assoc)) = self.peek().and_then(infix) {
            if level < min {
                break;
            }
            if level == L_HASATTR {
                self.start_at(cp, NODE_HAS_ATTR);
                self.bump();
                self.attrpath()?;
                self.finish();
                continue;
            }
            self.start_at(cp, NODE_BIN_OP);
            self.bump();
            let right = if assoc == Assoc::Right {
                level
            } else {
                level + 1
            };
            self.binary(right)?;
            self.finish();
            if assoc == Assoc::None && self.peek().and_then(infix).is_some_and(|(l, _)| l == level)
            {
                return None;
            }
        }
        Some(cp)
    }

    /// `!x` or `-x`, whose operand binds at `level` or tighter.
    fn prefix(&mut self, level: u8) -> Res<Checkpoint> {
        let cp = self.checkpoint();
        self.start(NODE_UNARY_OP);
        self.bump();
        self.binary(level)?;
        self.finish();
        Some(cp)
    }

    /// A simple expression applied to any number of arguments.
    fn application(&mut self) -> Res<Checkpoint> {
        let cp = self.simple()?;
        while self.peek().is_some_and(starts_argument) {
            self.start_at(cp, NODE_APPLY);
            self.simple()?;
            self.finish();
        }
        Some(cp)
    }

    /// rnix's `parse_simple`: a primary expression and its selection.
    fn simple(&mut self) -> Res<Checkpoint> {
        let kind = self.peek()?;
        let cp = self.checkpoint();
        match kind {
            TOKEN_L_PAREN => {
                self.start(NODE_PAREN);
                self.bump();
                self.expr()?;
                self.expect(TOKEN_R_PAREN)?;
                self.finish();
            }
            TOKEN_REC => {
                self.start(NODE_ATTR_SET);
                self.bump();
                self.expect(TOKEN_L_BRACE)?;
                self.bindings(TOKEN_R_BRACE)?;
                self.finish();
            }
            TOKEN_L_BRACE => {
                let first = self.skip_trivia(self.pos + 1);
                let second = self.skip_trivia(first + 1);
                let k = |i: usize| self.toks.get(i).map(|t| t.0);
                let pattern = matches!(
                    (k(first), k(second)),
                    (
                        Some(TOKEN_IDENT),
                        Some(TOKEN_COMMA | TOKEN_QUESTION | TOKEN_R_BRACE)
                    ) | (Some(TOKEN_ELLIPSIS), Some(TOKEN_R_BRACE))
                        | (Some(TOKEN_R_BRACE), Some(TOKEN_COLON | TOKEN_AT))
                );
                if pattern {
                    self.start(NODE_LAMBDA);
                    self.start(NODE_PATTERN);
                    self.bump();
                    self.pattern(false)?;
                    self.finish();
                    self.expect(TOKEN_COLON)?;
                    self.expr()?;
                    self.finish();
                } else {
                    self.start(NODE_ATTR_SET);
                    self.bump();
                    self.bindings(TOKEN_R_BRACE)?;
                    self.finish();
                }
            }
            TOKEN_L_BRACK => {
                self.start(NODE_LIST);
                self.bump();
                loop {
                    match self.peek()? {
                        TOKEN_R_BRACK => break,
                        _ => {
                            self.simple()?;
                        }
                    }
                }
                self.bump();
                self.finish();
            }
            TOKEN_STRING_START => self.string()?,
            TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME | TOKEN_PATH_SEARCH => {
                self.path(kind)?
            }
            TOKEN_FLOAT | TOKEN_INTEGER | TOKEN_URI => {
                self.start(NODE_LITERAL);
                self.bump();
                self.finish();
            }
            TOKEN_IDENT => match self.peek_second() {
                Some(TOKEN_COLON) => {
                    self.ident()?;
                    self.start_at(cp, NODE_LAMBDA);
                    self.start_at(cp, NODE_IDENT_PARAM);
                    self.finish();
                    self.bump();
                    self.expr()?;
                    self.finish();
                }
                Some(TOKEN_AT) => {
                    self.ident()?;
                    self.start_at(cp, NODE_LAMBDA);
                    self.start_at(cp, NODE_PATTERN);
                    self.start_at(cp, NODE_PAT_BIND);
                    self.bump();
                    self.finish();
                    self.expect(TOKEN_L_BRACE)?;
                    self.pattern(true)?;
                    self.finish();
                    self.expect(TOKEN_COLON)?;
                    self.expr()?;
                    self.finish();
                }
                _ if self.toks[self.pos].1 == "__curPos" => {
                    self.start(NODE_CUR_POS);
                    self.bump_as(TOKEN_CUR_POS);
                    self.finish();
                }
                _ => self.ident()?,
            },
            _ => return None,
        }
        match self.peek() {
            Some(TOKEN_DOT) => {
                self.start_at(cp, NODE_SELECT);
                self.bump();
                self.attrpath()?;
                if self.peek() == Some(TOKEN_OR) {
                    self.bump();
                    self.simple()?;
                }
                self.finish();
            }
            Some(TOKEN_OR) => {
                // `f or`: Nix reads `or` as an argument named `or`.
                self.start_at(cp, NODE_APPLY);
                self.start(NODE_IDENT);
                self.bump_as(TOKEN_IDENT);
                self.finish();
                self.finish();
            }
            _ => {}
        }
        Some(cp)
    }

    /// An identifier node around the next token, which must be one.
    fn ident(&mut self) -> Res {
        if self.peek() != Some(TOKEN_IDENT) {
            return None;
        }
        self.start(NODE_IDENT);
        self.bump();
        self.finish();
        Some(())
    }

    /// A path literal, with the interpolations of a path like `./a/${b}`.
    fn path(&mut self, token: SyntaxKind) -> Res {
        let node = match token {
            TOKEN_PATH_ABS => NODE_PATH_ABS,
            TOKEN_PATH_REL => NODE_PATH_REL,
            TOKEN_PATH_HOME => NODE_PATH_HOME,
            _ => NODE_PATH_SEARCH,
        };
        self.start(node);
        self.bump();
        if node != NODE_PATH_SEARCH && self.peek() == Some(TOKEN_INTERPOL_START) {
            if self.peek_raw() != Some(TOKEN_INTERPOL_START) {
                // rnix pulls the trivia into the path; leave that to it.
                return None;
            }
            loop {
                match self.peek_raw() {
                    Some(TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME) => self.bump(),
                    Some(TOKEN_INTERPOL_START) => self.interpolation(NODE_INTERPOL)?,
                    _ => break,
                }
            }
        }
        self.finish();
        Some(())
    }

    /// `${ e }` as a node of `kind` (an interpolation or a dynamic name).
    fn interpolation(&mut self, kind: SyntaxKind) -> Res {
        self.start(kind);
        self.bump();
        self.expr()?;
        self.expect(TOKEN_INTERPOL_END)?;
        self.finish();
        Some(())
    }

    fn string(&mut self) -> Res {
        self.start(NODE_STRING);
        self.expect(TOKEN_STRING_START)?;
        loop {
            match self.peek()? {
                TOKEN_STRING_CONTENT => self.bump(),
                TOKEN_INTERPOL_START => self.interpolation(NODE_INTERPOL)?,
                TOKEN_STRING_END => break,
                _ => return None,
            }
        }
        self.bump();
        self.finish();
        Some(())
    }

    /// One attribute name.
    fn attr(&mut self) -> Res {
        match self.peek()? {
            TOKEN_INTERPOL_START => self.interpolation(NODE_DYNAMIC),
            TOKEN_STRING_START => self.string(),
            TOKEN_IDENT | TOKEN_OR => {
                self.start(NODE_IDENT);
                self.bump_as(TOKEN_IDENT);
                self.finish();
                Some(())
            }
            _ => None,
        }
    }

    fn attrpath(&mut self) -> Res {
        self.start(NODE_ATTRPATH);
        loop {
            self.attr()?;
            if self.peek() != Some(TOKEN_DOT) {
                break;
            }
            self.bump();
        }
        self.finish();
        Some(())
    }

    /// Bindings up to `until`, which is consumed.
    fn bindings(&mut self, until: SyntaxKind) -> Res {
        loop {
            let kind = self.peek()?;
            if kind == until {
                break;
            }
            if kind == TOKEN_INHERIT {
                self.start(NODE_INHERIT);
                self.bump();
                if self.peek() == Some(TOKEN_L_PAREN) {
                    self.start(NODE_INHERIT_FROM);
                    self.bump();
                    self.expr()?;
                    self.expect(TOKEN_R_PAREN)?;
                    self.finish();
                }
                while self.peek()? != TOKEN_SEMICOLON {
                    self.attr()?;
                }
                self.bump();
                self.finish();
            } else {
                self.start(NODE_ATTRPATH_VALUE);
                self.attrpath()?;
                self.expect(TOKEN_ASSIGN)?;
                self.expr()?;
                self.expect(TOKEN_SEMICOLON)?;
                self.finish();
            }
        }
        self.bump();
        Some(())
    }

    /// The formals after `{`, the closing `}`, and an `@` name after it
    /// unless one came before (`bound`).
    fn pattern(&mut self, bound: bool) -> Res {
        loop {
            match self.peek()? {
                TOKEN_R_BRACE => {
                    self.bump();
                    break;
                }
                TOKEN_ELLIPSIS => {
                    self.bump();
                    self.expect(TOKEN_R_BRACE)?;
                    break;
                }
                TOKEN_IDENT => {
                    self.start(NODE_PAT_ENTRY);
                    self.ident()?;
                    if self.peek() == Some(TOKEN_QUESTION) {
                        self.bump();
                        self.expr()?;
                    }
                    self.finish();
                    if self.peek() == Some(TOKEN_COMMA) {
                        self.bump();
                    } else {
                        self.expect(TOKEN_R_BRACE)?;
                        break;
                    }
                }
                _ => return None,
            }
        }
        if self.peek() == Some(TOKEN_AT) {
            if bound {
                return None;
            }
            self.start(NODE_PAT_BIND);
            self.bump();
            self.ident()?;
            self.finish();
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse` agrees with rnix: the same tree when rnix finds no error,
    /// `None` when it does.
    fn agrees(text: &str) -> bool {
        let tokens: Vec<_> = rnix::tokenize(text).collect();
        let ours = parse(&tokens);
        let theirs = rnix::Root::parse(text);
        match ours {
            Some(green) => {
                assert!(
                    theirs.errors().is_empty(),
                    "fast path accepted what rnix rejects: {text:?}: {:?}",
                    theirs.errors()
                );
                assert_eq!(
                    green,
                    theirs.syntax().green().to_owned(),
                    "different trees for {text:?}:\nours {:#?}\nrnix {:#?}",
                    rnix::SyntaxNode::new_root(green.clone()),
                    theirs.syntax()
                );
                // Every bracket, string and interpolation of a tree built
                // here ends with its closing token, which is why validate
                // does not look for unclosed ones in such trees.
                let root = rnix::SyntaxNode::new_root(green);
                assert_eq!(
                    super::super::validate::validate(&root, true),
                    super::super::validate::validate(&root, false),
                    "an unclosed node in a fast-path tree: {text:?}"
                );
                true
            }
            None => false,
        }
    }

    #[test]
    fn well_formed_programs_take_the_fast_path() {
        let cases = [
            "1",
            "  # c\n x /* y */ ",
            "a + b * c - d / e",
            "a ++ b ++ c",
            "a // b // c",
            "a -> b -> c",
            "a <| b <| c",
            "a |> b |> c",
            "a || b && c || d",
            "a == b",
            "a < b == c",
            "a == b < c",
            "!a",
            "!a + b",
            "!a // b",
            "a // !b",
            "!!a == b",
            "-a",
            "- -a",
            "-a b + c",
            "a - -b",
            "!-a",
            "a ? b",
            "a ? b.c ? d",
            "a ? \"b\" ++ c",
            "a ++ b ? c",
            "f x y",
            "f (x) [ y z ] { } rec { } \"s\" ./p 1 1.5 <n> https://x.org",
            "f x.y or z",
            "f or",
            "a b or c",
            "x.${y}.\"z\"",
            "x.or",
            "{ or = 1; a.b.c = 2; \"q\" = 3; ${d} = 4; }",
            "{ inherit a b or; inherit (x) \"y\" z; }",
            "rec { a = 1; b = a; }",
            "let a = 1; in a",
            "let inherit (x) y; z = 2;\nin # c\n y",
            "with x; y",
            "assert a; b",
            "if a then b else c",
            "x: y: x",
            "x @ { a, b ? 1, ... }: a",
            "{ a, b ? 1, ... } @ x: a",
            "{ a, b, }: a",
            "{ }: 1",
            "{ } @ x: x",
            "{ ... }: 1",
            "{ a }: a",
            "[ 1 2 (3) [ ] ]",
            "\"a${b}c\\\"d$${e}\"",
            "''\n  a ${b}\n  '''x ''$y ''\\n\n''",
            "./a/${b}/c.nix",
            "./a${b}",
            "/x/${y}",
            "~/x/y",
            "<nixpkgs/lib>",
            "__curPos",
            "{ __curPos = 1; }.__curPos",
            "f __curPos",
            "(a: a) 1",
            "a.b.c or d.e",
            "f\n  # one\n  x # two\n  y",
            "{\n  # leading\n  a = 1; # trailing\n  # before close\n}\n# eof\n",
            "let\n  f = { pkgs, ... }@args: with pkgs; [ hello ];\nin\nf",
        ];
        for c in cases {
            assert!(agrees(c), "no fast path for {c:?}");
        }
    }

    #[test]
    fn erroneous_or_odd_programs_fall_back() {
        let cases = [
            "",
            "  ",
            "a +",
            "a == b == c",
            "a < b < c",
            "(a < b < c)",
            "(a ]",
            "[ a",
            "a + !b",
            "let { body = 1; }",
            "x @ { a } @ y: a",
            "{ a = 1 }",
            "{ a, b }",
            "1 2 )",
            "./a ${b}",
            "{ if = 1; }",
            "in",
            "f (let { x = 1; })",
            "\"unterminated",
            "a.",
        ];
        for c in cases {
            assert!(!agrees(c), "fast path took {c:?}");
        }
    }

    #[test]
    fn nesting_limit_falls_back() {
        let deep = "(".repeat(600) + "x" + &")".repeat(600);
        assert!(!agrees(&deep));
        let shallow = "(".repeat(400) + "x" + &")".repeat(400);
        assert!(agrees(&shallow));
    }

    #[test]
    fn repository_fixtures_agree() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let (mut files, mut fast) = (0, 0);
        for entry in walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.path().extension().is_some_and(|e| e == "nix") {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                files += 1;
                if agrees(&text) {
                    fast += 1;
                }
            }
        }
        assert!(files > 100, "fixtures not found under {root}");
        // Fixtures include deliberately broken files; most parse cleanly.
        assert!(fast * 10 >= files * 8, "only {fast} of {files} fast");
    }

    /// Every `.nix` file under `$NIXFOLD_DIFF_DIR` (real trees fetched by
    /// hand; nothing fetched is committed): `cargo test --release --lib
    /// fastparse -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn directory_agrees() {
        let Ok(root) = std::env::var("NIXFOLD_DIFF_DIR") else {
            return;
        };
        let (mut files, mut fast) = (0, 0);
        let mut slow = Vec::new();
        for entry in walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.path().extension().is_some_and(|e| e == "nix") && entry.file_type().is_file() {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                files += 1;
                if agrees(&text) {
                    fast += 1;
                } else if rnix::Root::parse(&text).errors().is_empty() {
                    slow.push(entry.path().display().to_string());
                }
            }
        }
        println!("{fast} of {files} files took the fast path");
        println!("{} error-free files did not:", slow.len());
        for s in slow.iter().take(30) {
            println!("  {s}");
        }
    }

    /// Random token soups: whatever `parse` accepts, rnix builds the same.
    #[test]
    fn random_programs_agree() {
        let pieces = [
            "a", "b", "or", "1", "2.5", " ", "\n", "# c\n", "/* d */", "(", ")", "[", "]", "{",
            "}", "rec", "let", "in", "with", "if", "then", "else", "assert", ";", ":", ",", "?",
            "@", "...", "=", ".", "+", "-", "*", "/", "++", "//", "==", "!=", "<", "<=", ">", ">=",
            "&&", "||", "->", "!", "|>", "<|", "\"s\"", "\"${a}\"", "''x''", "./p", "<n>",
            "inherit", "__curPos", "x:", "${a}",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut fast = 0;
        for _ in 0..20_000 {
            let len = 1 + next() % 12;
            let text: String = (0..len)
                .map(|_| {
                    let p = pieces[(next() % pieces.len() as u64) as usize];
                    format!("{p} ")
                })
                .collect();
            if agrees(&text) {
                fast += 1;
            }
        }
        assert!(fast > 100, "only {fast} random programs took the fast path");
    }
}
