//! Checks made after parsing, for programs that rnix 0.15 accepts but Nix
//! 2.8's parser rejects. Each check names the Nix behaviour it mirrors; the
//! differential test tests/parse_diff.rs compares the result with
//! `nix-instantiate --parse` on generated programs.
//!
//! - Placement: a function, `assert`, `with`, `let ... in` or `if` can only
//!   stand where Nix's grammar has a whole expression. rnix also accepts
//!   some of them as an argument, a list element, an operand or a select
//!   default (`f x: x`, `[ x: x ]`, `a -> x: x`); Nix wants parentheses.
//! - Integer literals above 2^63 - 1 (Nix: "invalid integer").
//! - Float literals that overflow or underflow a double (Nix reads them with
//!   `strtod` and rejects a range error: "invalid float").
//! - Attributes defined twice in one attribute set, `rec` set, `let` or
//!   legacy `let { }`, following Nix's rules: nested attribute paths share
//!   their prefix (`a.b = 1; a.c = 2;`), a name bound to an attribute-set
//!   literal is merged with later paths or literals for the same name, and
//!   anything else bound twice is an error. A string key or `${"..."}`
//!   without interpolation is a static name.
//! - Interpolated names in `inherit` (`inherit ${a};`, `inherit "${a}";`).
//! - An interpolated name at the top of a `let ... in` binding.
//! - A formal argument named twice, or named like the `@` binding.
//! - The pipe operators `|>` and `<|`, which rnix knows but Nix 2.8 does not.
//! - Unclosed brackets that rnix's recovery lets through without an error
//!   (it takes whatever token follows as the closing `)` or `]`, and loses
//!   the error after a legacy `let { }`): each parenthesis, list, set,
//!   string and interpolation must end with its closing token. Only checked
//!   when rnix reported no error, to avoid a second report for one mistake.
//!
//! The opposite case, where rnix rejects what Nix accepts, cannot be fixed
//! after parsing; tests/parse_diff.rs lists those cases as known gaps.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use rnix::SyntaxKind::{self, *};
use rowan::ast::AstNode;

use super::{SyntaxError, SyntaxNode, TextRange, ast};

/// Run every check over the tree and return the errors found.
/// `rnix_clean` says whether rnix reported no error.
pub fn validate(root: &SyntaxNode, rnix_clean: bool) -> Vec<SyntaxError> {
    let mut v = Validator { errors: Vec::new() };
    for node in root.descendants() {
        let kind = node.kind();
        if rnix_clean {
            v.check_closed(&node);
        }
        if matches!(
            kind,
            NODE_LAMBDA | NODE_ASSERT | NODE_WITH | NODE_LET_IN | NODE_IF_ELSE
        ) {
            v.check_placement(&node);
        }
        match kind {
            NODE_ATTR_SET | NODE_LEGACY_LET => {
                v.bindings(&node, false, true);
            }
            NODE_LET_IN => {
                v.bindings(&node, true, true);
            }
            NODE_PATTERN => v.check_pattern(&node),
            NODE_LITERAL => v.check_number(&node),
            NODE_BIN_OP => v.check_operator(&node),
            _ => {}
        }
    }
    v.errors
}

/// The last token of a node that is not whitespace or a comment.
fn last_significant_token(node: &SyntaxNode) -> Option<rnix::SyntaxToken> {
    let mut t = node.last_token()?;
    loop {
        if !t.kind().is_trivia() {
            return Some(t);
        }
        if t.text_range().start() <= node.text_range().start() {
            return None;
        }
        t = t.prev_token()?;
    }
}

struct Validator {
    errors: Vec<SyntaxError>,
}

/// What a static attribute name is bound to while checking for duplicates.
enum Def {
    /// By `inherit`.
    Inherited,
    /// To an attribute set (a literal, or the implicit set of `a.b = ...`),
    /// with the names it holds.
    Attrs(Names),
    /// To an attribute-set literal whose names are not needed yet.
    Literal(SyntaxNode),
    /// To any other expression.
    Other,
}

type Names = BTreeMap<String, Def>;

fn construct_name(kind: SyntaxKind) -> &'static str {
    match kind {
        NODE_LAMBDA => "a function",
        NODE_ASSERT => "`assert`",
        NODE_WITH => "`with`",
        NODE_LET_IN => "`let ... in`",
        _ => "`if`",
    }
}

impl Validator {
    fn error(&mut self, range: TextRange, message: String) {
        self.errors.push(SyntaxError { range, message });
    }

    fn check_placement(&mut self, node: &SyntaxNode) {
        let Some(parent) = node.parent() else { return };
        let place = match parent.kind() {
            NODE_APPLY => "as a function argument",
            NODE_BIN_OP => "as an operand",
            NODE_UNARY_OP => "as an operand",
            NODE_LIST => "as a list element",
            NODE_SELECT => "after `or`",
            NODE_HAS_ATTR => "before `?`",
            _ => return,
        };
        let what = construct_name(node.kind());
        self.error(
            node.text_range(),
            format!("{what} cannot stand {place} without parentheses"),
        );
    }

    fn check_closed(&mut self, node: &SyntaxNode) {
        let (close, text) = match node.kind() {
            NODE_PAREN | NODE_INHERIT_FROM => (TOKEN_R_PAREN, "`)`"),
            NODE_LIST => (TOKEN_R_BRACK, "`]`"),
            NODE_ATTR_SET | NODE_LEGACY_LET => (TOKEN_R_BRACE, "`}`"),
            NODE_INTERPOL | NODE_DYNAMIC => (TOKEN_INTERPOL_END, "`}`"),
            NODE_STRING => (TOKEN_STRING_END, "the end of the string"),
            _ => return,
        };
        if last_significant_token(node).is_none_or(|t| t.kind() != close) {
            let end = node.text_range().end();
            self.error(TextRange::empty(end), format!("expected {text}"));
        }
    }

    fn check_operator(&mut self, node: &SyntaxNode) {
        for tok in node.children_with_tokens().filter_map(|c| c.into_token()) {
            if matches!(tok.kind(), TOKEN_PIPE_LEFT | TOKEN_PIPE_RIGHT) {
                self.error(
                    tok.text_range(),
                    format!(
                        "the `{}` operator is not part of the Nix language nixfold reads (Nix 2.8)",
                        tok.text()
                    ),
                );
            }
        }
    }

    fn check_number(&mut self, node: &SyntaxNode) {
        let Some(tok) = node.first_token() else {
            return;
        };
        let text = tok.text();
        match tok.kind() {
            TOKEN_INTEGER if text.parse::<i64>().is_err() => self.error(
                tok.text_range(),
                format!("invalid integer `{text}`: larger than 9223372036854775807"),
            ),
            TOKEN_FLOAT if !float_in_range(text) => self.error(
                tok.text_range(),
                format!("invalid float `{text}`: out of the range of a double"),
            ),
            _ => {}
        }
    }

    fn check_pattern(&mut self, node: &SyntaxNode) {
        let Some(pat) = ast::Pattern::cast(node.clone()) else {
            return;
        };
        let bind = pat
            .pat_bind()
            .and_then(|b| b.ident())
            .map(|i| i.syntax().text().to_string());
        let mut seen: Vec<String> = Vec::new();
        for entry in pat.pat_entries() {
            let Some(ident) = entry.ident() else { continue };
            let name = ident.syntax().text().to_string();
            if seen.contains(&name) || bind.as_deref() == Some(name.as_str()) {
                self.error(
                    ident.syntax().text_range(),
                    format!("duplicate formal function argument `{name}`"),
                );
            } else {
                seen.push(name);
            }
        }
    }

    /// Check the bindings of an attribute set, `let ... in` or legacy let,
    /// and return the static names it defines. Errors are only recorded
    /// when `report` is set (each node reports once, when it is visited).
    fn bindings(&mut self, node: &SyntaxNode, is_let_in: bool, report: bool) -> Names {
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            let mut names = Names::new();
            for entry in node.children() {
                match entry.kind() {
                    NODE_INHERIT => {
                        let Some(inherit) = ast::Inherit::cast(entry) else {
                            continue;
                        };
                        for attr in inherit.attrs() {
                            let range = attr.syntax().text_range();
                            match static_name(&attr) {
                                Some(name) => match names.entry(name) {
                                    Entry::Occupied(e) => {
                                        if report {
                                            self.duplicate(range, e.key());
                                        }
                                    }
                                    Entry::Vacant(e) => {
                                        e.insert(Def::Inherited);
                                    }
                                },
                                None => {
                                    if report {
                                        self.error(
                                            range,
                                            "dynamic attributes are not allowed in `inherit`"
                                                .into(),
                                        );
                                    }
                                }
                            }
                        }
                    }
                    NODE_ATTRPATH_VALUE => {
                        let Some(apv) = ast::AttrpathValue::cast(entry) else {
                            continue;
                        };
                        let Some(attrpath) = apv.attrpath() else {
                            continue;
                        };
                        let path: Vec<ast::Attr> = attrpath.attrs().collect();
                        let Some(first) = path.first() else { continue };
                        if is_let_in && report && static_name(first).is_none() {
                            self.error(
                                first.syntax().text_range(),
                                "dynamic attributes are not allowed in `let`".into(),
                            );
                        }
                        self.add_path(
                            &mut names,
                            &path,
                            apv.value(),
                            attrpath.syntax().text_range(),
                            report,
                        );
                    }
                    _ => {}
                }
            }
            names
        })
    }

    fn duplicate(&mut self, range: TextRange, path: &str) {
        self.error(range, format!("attribute `{path}` is already defined"));
    }

    /// Add one `attr.path = value;` binding to `names`, as Nix's parser does.
    fn add_path(
        &mut self,
        names: &mut Names,
        path: &[ast::Attr],
        value: Option<ast::Expr>,
        range: TextRange,
        report: bool,
    ) {
        // Nix names the whole path in its message.
        let shown = || {
            path.iter()
                .map(|a| static_name(a).unwrap_or_else(|| "${...}".into()))
                .collect::<Vec<_>>()
                .join(".")
        };
        let mut cur = names;
        let (last, prefix) = match path.split_last() {
            Some(x) => x,
            None => return,
        };
        for attr in prefix {
            // A dynamic component starts a fresh set nothing can clash with.
            let Some(name) = static_name(attr) else {
                return;
            };
            let def = cur.entry(name).or_insert_with(|| Def::Attrs(Names::new()));
            self.materialize(def);
            match def {
                Def::Attrs(inner) => cur = inner,
                _ => {
                    if report {
                        self.duplicate(range, &shown());
                    }
                    return;
                }
            }
        }
        let Some(name) = static_name(last) else {
            return;
        };
        let literal = value.and_then(attrset_literal);
        match cur.get_mut(&name) {
            None => {
                let def = match literal {
                    // Its names are only worked out if a later binding
                    // reaches into it.
                    Some(set) => Def::Literal(set),
                    None => Def::Other,
                };
                cur.insert(name, def);
            }
            Some(def @ (Def::Attrs(_) | Def::Literal(_))) if literal.is_some() => {
                self.materialize(def);
                let Def::Attrs(existing) = def else {
                    unreachable!("materialized")
                };
                let set = literal.expect("checked");
                for (k, v) in self.bindings(&set, false, false) {
                    match existing.entry(k) {
                        Entry::Occupied(e) => {
                            if report {
                                self.duplicate(range, e.key());
                            }
                        }
                        Entry::Vacant(e) => {
                            e.insert(v);
                        }
                    }
                }
            }
            Some(_) => {
                if report {
                    self.duplicate(range, &shown());
                }
            }
        }
    }

    /// Turn a literal's deferred names into a map.
    fn materialize(&mut self, def: &mut Def) {
        if let Def::Literal(node) = def {
            let node = node.clone();
            *def = Def::Attrs(self.bindings(&node, false, false));
        }
    }
}

/// The attribute-set literal (plain or `rec`) an expression is, looking
/// through parentheses.
fn attrset_literal(e: ast::Expr) -> Option<SyntaxNode> {
    let mut node = e.syntax().clone();
    loop {
        match node.kind() {
            NODE_PAREN => node = node.children().next()?,
            NODE_ATTR_SET => return Some(node),
            _ => return None,
        }
    }
}

/// The name of an attribute when it is known without evaluation: an
/// identifier, a string without interpolation, or `${...}` around such a
/// string (possibly in parentheses).
pub(crate) fn static_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(i) => Some(i.syntax().text().to_string()),
        ast::Attr::Str(s) => static_string(s.syntax()),
        ast::Attr::Dynamic(d) => {
            let mut node = d.expr()?.syntax().clone();
            while node.kind() == NODE_PAREN {
                node = node.children().next()?;
            }
            if node.kind() == NODE_STRING {
                static_string(&node)
            } else {
                None
            }
        }
    }
}

/// The value of a string literal without interpolation.
fn static_string(node: &SyntaxNode) -> Option<String> {
    let mut content = String::new();
    let mut indented = false;
    for child in node.children_with_tokens() {
        match child.kind() {
            TOKEN_STRING_START => indented = child.as_token()?.text() == "''",
            TOKEN_STRING_END => {}
            TOKEN_STRING_CONTENT => content.push_str(child.as_token()?.text()),
            _ => return None,
        }
    }
    Some(if indented {
        strip_indentation(&unescape_indented(&content))
    } else {
        unescape(&content)
    })
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn unescape_indented(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] == '\'' && cs.get(i + 1) == Some(&'\'') {
            match cs.get(i + 2) {
                Some('$') => {
                    out.push('$');
                    i += 3;
                    continue;
                }
                Some('\'') => {
                    out.push_str("''");
                    i += 3;
                    continue;
                }
                Some('\\') => {
                    match cs.get(i + 3) {
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('t') => out.push('\t'),
                        Some(c) => out.push(*c),
                        None => {}
                    }
                    i += 4;
                    continue;
                }
                _ => {}
            }
        }
        out.push(cs[i]);
        i += 1;
    }
    out
}

/// Nix's indentation stripping for an indented string without
/// interpolation: drop a first line made only of spaces, remove the
/// smallest indentation of the lines with content, and drop a last line
/// made only of spaces.
fn strip_indentation(s: &str) -> String {
    let s = match s.find('\n') {
        Some(p) if s[..p].chars().all(|c| c == ' ') => &s[p + 1..],
        _ => s,
    };
    let min = s
        .split('\n')
        .filter(|l| l.chars().any(|c| c != ' '))
        .map(|l| l.chars().take_while(|c| *c == ' ').count())
        .min()
        .unwrap_or(0);
    let mut lines: Vec<String> = s
        .split('\n')
        .map(|l| l.chars().skip(min.min(l.len())).collect())
        .collect();
    if lines.len() > 1 && lines.last().is_some_and(|l| l.chars().all(|c| c == ' ')) {
        lines.pop();
        lines.push(String::new());
    }
    lines.join("\n")
}

/// Whether `strtod` reads a float literal without a range error: the value
/// is finite, not subnormal, and not rounded to zero from a non-zero input.
fn float_in_range(text: &str) -> bool {
    let Ok(v) = text.parse::<f64>() else {
        return true; // Not a number rnix would lex as a float; rnix reports it.
    };
    if !v.is_finite() {
        return false;
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let nonzero = mantissa.chars().any(|c| ('1'..='9').contains(&c));
    if v == 0.0 {
        return !nonzero;
    }
    v.abs() >= f64::MIN_POSITIVE
}

#[cfg(test)]
mod tests {
    use crate::syntax::parse;

    fn errors(src: &str) -> Vec<String> {
        parse(src).errors.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn accepts_valid_programs() {
        for src in [
            "{ a.b = 1; a.c = 2; }",
            "{ a = { b = 1; }; a.c = 2; }",
            "{ a = { b = 1; }; a = { c = 1; }; }",
            "{ a = ({ }); a.b = 1; }",
            "{ a = rec { }; a.b = 1; }",
            "{ ${x} = 1; ${x} = 2; }",
            "{ \"${\"a\"}\" = 1; a = 2; }",
            "let a.${x} = 1; in a",
            "let ${\"a\"} = 1; in a",
            "let { ${x} = 1; body = 1; }",
            "{ inherit (x) \"a\" ${\"b\"}; }",
            "(x: x) 1",
            "[ (x: x) ]",
            "a -> (x: x)",
            "9223372036854775807",
            "2.2250738585072014e-308",
            "0.0e-999",
            "1.7976931348623157e308",
            "{ a, b ? 1, ... }@c: a",
        ] {
            assert_eq!(errors(src), Vec::<String>::new(), "{src}");
        }
    }

    #[test]
    fn rejects_what_nix_rejects() {
        for (src, want) in [
            ("{ a = 1; a = 2; }", "attribute `a` is already defined"),
            ("let a = 1; a = 2; in a", "attribute `a` is already defined"),
            (
                "{ a.b = 1; a.b = 2; }",
                "attribute `a.b` is already defined",
            ),
            ("{ a = 1; \"a\" = 2; }", "attribute `a` is already defined"),
            (
                "{ ${\"a\"} = 1; a = 2; }",
                "attribute `a` is already defined",
            ),
            (
                "{ ${(''a'')} = 1; a = 2; }",
                "attribute `a` is already defined",
            ),
            ("{ inherit a a; }", "attribute `a` is already defined"),
            (
                "{ inherit a; a.b = 1; }",
                "attribute `a.b` is already defined",
            ),
            (
                "{ a.b = 1; inherit a; }",
                "attribute `a` is already defined",
            ),
            (
                "rec { a = 1; inherit a; }",
                "attribute `a` is already defined",
            ),
            (
                "{ a = let in { }; a.b = 1; }",
                "attribute `a.b` is already defined",
            ),
            (
                "{ a = { b = 1; }; a = { b = 2; }; }",
                "attribute `b` is already defined",
            ),
            (
                "{ a.b.c = 1; a = { b.d = 1; }; }",
                "attribute `b` is already defined",
            ),
            ("let { a = 1; a = 2; }", "attribute `a` is already defined"),
            (
                "{ inherit ${a}; }",
                "dynamic attributes are not allowed in `inherit`",
            ),
            (
                "{ inherit \"${a}\"; }",
                "dynamic attributes are not allowed in `inherit`",
            ),
            (
                "let ${x} = 1; in 1",
                "dynamic attributes are not allowed in `let`",
            ),
            ("{ x, x }: x", "duplicate formal function argument `x`"),
            ("x @ { x }: x", "duplicate formal function argument `x`"),
            (
                "f x: x",
                "a function cannot stand as a function argument without parentheses",
            ),
            (
                "[ x: x ]",
                "a function cannot stand as a list element without parentheses",
            ),
            (
                "a -> x: x",
                "a function cannot stand as an operand without parentheses",
            ),
            (
                "a.b or x: x",
                "a function cannot stand after `or` without parentheses",
            ),
            (
                "9223372036854775808",
                "invalid integer `9223372036854775808`: larger than 9223372036854775807",
            ),
            (
                "1.0e309",
                "invalid float `1.0e309`: out of the range of a double",
            ),
            (
                "1.0e-310",
                "invalid float `1.0e-310`: out of the range of a double",
            ),
            (
                "1.0e-999",
                "invalid float `1.0e-999`: out of the range of a double",
            ),
            (
                "a |> b",
                "the `|>` operator is not part of the Nix language nixfold reads (Nix 2.8)",
            ),
            ("( let { } ", "unexpected end of file"),
            ("( 1 ]", "expected `)`"),
        ] {
            let errs = errors(src);
            assert!(errs.iter().any(|e| e == want), "{src}: {errs:?}");
        }
    }

    #[test]
    fn deep_attrsets_do_not_overflow() {
        let src = format!("{}1{}", "{ a = ".repeat(400), "; }".repeat(400));
        let p = parse(&src);
        assert!(p.errors.is_empty(), "{:?}", p.errors.first());
    }
}
