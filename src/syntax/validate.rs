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
//!   when rnix reported no error, to avoid a second report for one mistake,
//!   and only on trees rnix built (the fast parser's trees always close).
//!
//! The opposite case, where rnix rejects what Nix accepts, cannot be fixed
//! after parsing; tests/parse_diff.rs lists those cases as known gaps.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rnix::SyntaxKind::{self, *};

use super::green::G;
use super::{SyntaxError, SyntaxNode, TextRange};

/// The wording of a duplicate formal argument error.
pub(super) const DUPLICATE_FORMAL: &str = "duplicate formal function argument";
/// The errors for an interpolated name in `inherit` and atop a `let` binding.
const DYNAMIC_IN_INHERIT: &str = "dynamic attributes are not allowed in `inherit`";
const DYNAMIC_IN_LET: &str = "dynamic attributes are not allowed in `let`";
/// The end of a duplicate attribute error.
pub(super) const ALREADY_DEFINED: &str = "is already defined";

/// Run every check over the tree and return the errors found.
/// `unclosed` says whether to look for unclosed nodes (see the module
/// docs: only when rnix reported no error, and not in trees the fast parser
/// built, which cannot have them).
///
/// The walk is over the green tree (no per-node allocation): this runs on
/// every file nixfold reads.
pub fn validate(root: &SyntaxNode, unclosed: bool) -> Vec<SyntaxError> {
    let top = G::of(root);
    let mut v = Validator { errors: Vec::new() };
    // Preorder with an explicit stack: (node, its parent's kind).
    let mut stack: Vec<(G<'_>, Option<SyntaxKind>)> = vec![(top, None)];
    while let Some((node, parent)) = stack.pop() {
        let kind = node.kind();
        if unclosed {
            v.check_closed(node);
        }
        if matches!(
            kind,
            NODE_LAMBDA | NODE_ASSERT | NODE_WITH | NODE_LET_IN | NODE_IF_ELSE
        ) {
            v.check_placement(node, parent);
        }
        match kind {
            NODE_ATTR_SET | NODE_LEGACY_LET => v.check_bindings(node, false),
            NODE_LET_IN => v.check_bindings(node, true),
            NODE_PATTERN => v.check_pattern(node),
            NODE_LITERAL => v.check_number(node),
            NODE_BIN_OP => v.check_operator(node),
            _ => {}
        }
        let len = stack.len();
        stack.extend(node.children().map(|c| (c, Some(kind))));
        stack[len..].reverse();
    }
    v.errors
}

struct Validator {
    errors: Vec<SyntaxError>,
}

/// What a static attribute name is bound to while checking for duplicates.
enum Def<'a> {
    /// By `inherit`.
    Inherited,
    /// To an attribute set (a literal, or the implicit set of `a.b = ...`),
    /// with the names it holds.
    Attrs(Names<'a>),
    /// To an attribute-set literal whose names are not needed yet.
    Literal(G<'a>),
    /// To any other expression.
    Other,
}

/// The static names bound in one set, in name order (the order merged sets
/// are walked in, so the order of duplicate reports). Most sets are small:
/// a sorted vector until it grows past [`SMALL_SET`], then a tree.
enum Names<'a> {
    Small(Vec<(Cow<'a, str>, Def<'a>)>),
    Large(BTreeMap<Cow<'a, str>, Def<'a>>),
}

const SMALL_SET: usize = 32;

impl<'a> Names<'a> {
    fn new() -> Self {
        Names::Small(Vec::new())
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut Def<'a>> {
        match self {
            Names::Small(v) => v
                .binary_search_by(|(k, _)| (**k).cmp(name))
                .ok()
                .map(|i| &mut v[i].1),
            Names::Large(m) => m.get_mut(name),
        }
    }

    /// The definition of `name`, bound to `make()` first if it is not bound.
    fn get_or_insert_with(
        &mut self,
        name: Cow<'a, str>,
        make: impl FnOnce() -> Def<'a>,
    ) -> &mut Def<'a> {
        if let Names::Small(v) = self
            && v.len() >= SMALL_SET
        {
            *self = Names::Large(std::mem::take(v).into_iter().collect());
        }
        match self {
            Names::Small(v) => {
                let at = match v.binary_search_by(|(k, _)| (**k).cmp(&*name)) {
                    Ok(at) => at,
                    Err(at) => {
                        v.insert(at, (name, make()));
                        at
                    }
                };
                &mut v[at].1
            }
            Names::Large(m) => m.entry(name).or_insert_with(make),
        }
    }

    /// Bind `name`, which is not bound yet, to `def`.
    fn insert_new(&mut self, name: Cow<'a, str>, def: Def<'a>) {
        self.get_or_insert_with(name, || def);
    }

    /// The names and their definitions, in name order.
    fn into_sorted(self) -> Box<dyn Iterator<Item = (Cow<'a, str>, Def<'a>)> + 'a> {
        match self {
            Names::Small(v) => Box::new(v.into_iter()),
            Names::Large(m) => Box::new(m.into_iter()),
        }
    }
}

fn construct_name(kind: SyntaxKind) -> &'static str {
    match kind {
        NODE_LAMBDA => "a function",
        NODE_ASSERT => "`assert`",
        NODE_WITH => "`with`",
        NODE_LET_IN => "`let ... in`",
        _ => "`if`",
    }
}

/// Whether a node of `kind` is an expression (rnix's `ast::Expr`).
fn is_expr(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        NODE_APPLY
            | NODE_ASSERT
            | NODE_ERROR
            | NODE_IF_ELSE
            | NODE_SELECT
            | NODE_STRING
            | NODE_PATH_ABS
            | NODE_PATH_REL
            | NODE_PATH_HOME
            | NODE_PATH_SEARCH
            | NODE_LITERAL
            | NODE_LAMBDA
            | NODE_LEGACY_LET
            | NODE_LET_IN
            | NODE_LIST
            | NODE_BIN_OP
            | NODE_PAREN
            | NODE_ROOT
            | NODE_ATTR_SET
            | NODE_UNARY_OP
            | NODE_IDENT
            | NODE_WITH
            | NODE_HAS_ATTR
            | NODE_CUR_POS
    )
}

/// Whether a node of `kind` is an attribute name (rnix's `ast::Attr`).
fn is_attr(kind: SyntaxKind) -> bool {
    matches!(kind, NODE_IDENT | NODE_DYNAMIC | NODE_STRING)
}

impl Validator {
    fn error(&mut self, range: TextRange, message: String) {
        self.errors.push(SyntaxError { range, message });
    }

    fn check_placement(&mut self, node: G<'_>, parent: Option<SyntaxKind>) {
        let Some(parent) = parent else { return };
        let place = match parent {
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
            node.range(),
            format!("{what} cannot stand {place} without parentheses"),
        );
    }

    fn check_closed(&mut self, node: G<'_>) {
        let (close, text) = match node.kind() {
            NODE_PAREN | NODE_INHERIT_FROM => (TOKEN_R_PAREN, "`)`"),
            NODE_LIST => (TOKEN_R_BRACK, "`]`"),
            NODE_ATTR_SET | NODE_LEGACY_LET => (TOKEN_R_BRACE, "`}`"),
            NODE_INTERPOL | NODE_DYNAMIC => (TOKEN_INTERPOL_END, "`}`"),
            NODE_STRING => (TOKEN_STRING_END, "the end of the string"),
            _ => return,
        };
        if node.last_significant_kind() != Some(close) {
            let end = node.range().end();
            self.error(TextRange::empty(end), format!("expected {text}"));
        }
    }

    fn check_operator(&mut self, node: G<'_>) {
        for tok in node.tokens() {
            if matches!(tok.kind(), TOKEN_PIPE_LEFT | TOKEN_PIPE_RIGHT) {
                self.error(
                    tok.range(),
                    format!(
                        "the `{}` operator is not part of the Nix language nixfold reads (Nix 2.8)",
                        tok.text()
                    ),
                );
            }
        }
    }

    fn check_number(&mut self, node: G<'_>) {
        let Some(tok) = first_token(node) else {
            return;
        };
        let text = tok.text();
        match tok.kind() {
            TOKEN_INTEGER if text.parse::<i64>().is_err() => self.error(
                tok.range(),
                format!("invalid integer `{text}`: larger than 9223372036854775807"),
            ),
            TOKEN_FLOAT if !float_in_range(text) => self.error(
                tok.range(),
                format!("invalid float `{text}`: out of the range of a double"),
            ),
            _ => {}
        }
    }

    fn check_pattern(&mut self, node: G<'_>) {
        fn ident_of(g: G<'_>) -> Option<G<'_>> {
            g.child_of_kind(NODE_IDENT)
        }
        let bind = node
            .child_of_kind(NODE_PAT_BIND)
            .and_then(ident_of)
            .and_then(|i| i.first_token_text());
        let mut seen: Vec<&str> = Vec::new();
        for entry in node.children().filter(|c| c.kind() == NODE_PAT_ENTRY) {
            let Some(ident) = ident_of(entry) else {
                continue;
            };
            let name = ident.first_token_text().unwrap_or("");
            if seen.contains(&name) || bind == Some(name) {
                self.error(ident.range(), format!("{DUPLICATE_FORMAL} `{name}`"));
            } else {
                seen.push(name);
            }
        }
    }

    /// Check the bindings of an attribute set, `let ... in` or legacy let
    /// once, where the walk visits it.
    ///
    /// Most sets bind each name once: when no two bindings start with the
    /// same static name, nothing in the set can clash (a dynamic first
    /// component clashes with nothing, and the sets bound to its names are
    /// checked where the walk visits them), so only the checks of single
    /// bindings are left, and no name map is built.
    fn check_bindings(&mut self, node: G<'_>, is_let_in: bool) {
        if !first_names_distinct(node) {
            self.bindings(node, is_let_in, true);
            return;
        }
        for entry in node.children() {
            match entry.kind() {
                NODE_INHERIT => {
                    for attr in entry.children().filter(|c| is_attr(c.kind())) {
                        if static_name(attr).is_none() {
                            self.error(attr.range(), DYNAMIC_IN_INHERIT.into());
                        }
                    }
                }
                NODE_ATTRPATH_VALUE if is_let_in => {
                    if let Some(first) = first_attr(entry)
                        && static_name(first).is_none()
                    {
                        self.error(first.range(), DYNAMIC_IN_LET.into());
                    }
                }
                _ => {}
            }
        }
    }

    /// Check the bindings of an attribute set, `let ... in` or legacy let,
    /// and return the static names it defines. Errors are only recorded
    /// when `report` is set (each node reports once, when it is visited).
    fn bindings<'a>(&mut self, node: G<'a>, is_let_in: bool, report: bool) -> Names<'a> {
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            let mut names = Names::new();
            for entry in node.children() {
                match entry.kind() {
                    NODE_INHERIT => {
                        for attr in entry.children().filter(|c| is_attr(c.kind())) {
                            let range = attr.range();
                            match static_name(attr) {
                                Some(name) => {
                                    if names.get_mut(&name).is_none() {
                                        names.insert_new(name, Def::Inherited);
                                    } else if report {
                                        self.duplicate(range, &name);
                                    }
                                }
                                None => {
                                    if report {
                                        self.error(range, DYNAMIC_IN_INHERIT.into());
                                    }
                                }
                            }
                        }
                    }
                    NODE_ATTRPATH_VALUE => {
                        let Some(attrpath) = entry.child_of_kind(NODE_ATTRPATH) else {
                            continue;
                        };
                        let value = entry.children().find(|c| is_expr(c.kind()));
                        let mut path = attrpath.children().filter(|c| is_attr(c.kind()));
                        let Some(first) = path.next() else { continue };
                        if is_let_in && report && static_name(first).is_none() {
                            self.error(first.range(), DYNAMIC_IN_LET.into());
                        }
                        let path: Vec<G<'a>> = std::iter::once(first).chain(path).collect();
                        self.add_path(&mut names, &path, value, attrpath.range(), report);
                    }
                    _ => {}
                }
            }
            names
        })
    }

    fn duplicate(&mut self, range: TextRange, path: &str) {
        self.error(range, format!("attribute `{path}` {ALREADY_DEFINED}"));
    }

    /// Add one `attr.path = value;` binding to `names`, as Nix's parser does.
    fn add_path<'a>(
        &mut self,
        names: &mut Names<'a>,
        path: &[G<'a>],
        value: Option<G<'a>>,
        range: TextRange,
        report: bool,
    ) {
        // Nix names the whole path in its message.
        let shown = || {
            path.iter()
                .map(|a| static_name(*a).unwrap_or(Cow::Borrowed("${...}")))
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
            let Some(name) = static_name(*attr) else {
                return;
            };
            let def = cur.get_or_insert_with(name, || Def::Attrs(Names::new()));
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
        let Some(name) = static_name(*last) else {
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
                cur.insert_new(name, def);
            }
            Some(def @ (Def::Attrs(_) | Def::Literal(_))) if literal.is_some() => {
                self.materialize(def);
                let Def::Attrs(existing) = def else {
                    unreachable!("materialized")
                };
                let set = literal.expect("checked");
                for (k, v) in self.bindings(set, false, false).into_sorted() {
                    if existing.get_mut(&k).is_some() {
                        if report {
                            self.duplicate(range, &k);
                        }
                    } else {
                        existing.insert_new(k, v);
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
    fn materialize<'a>(&mut self, def: &mut Def<'a>) {
        if let Def::Literal(node) = def {
            let node = *node;
            *def = Def::Attrs(self.bindings(node, false, false));
        }
    }
}

/// The first attribute of a binding's attribute path.
fn first_attr(entry: G<'_>) -> Option<G<'_>> {
    entry
        .child_of_kind(NODE_ATTRPATH)?
        .children()
        .find(|c| is_attr(c.kind()))
}

/// Whether no two bindings of a set start with the same static name
/// (inherited names count; a dynamic first component is no name).
fn first_names_distinct(node: G<'_>) -> bool {
    let mut names: Vec<Cow<'_, str>> = Vec::new();
    for entry in node.children() {
        match entry.kind() {
            NODE_INHERIT => names.extend(
                entry
                    .children()
                    .filter(|c| is_attr(c.kind()))
                    .filter_map(static_name),
            ),
            NODE_ATTRPATH_VALUE => names.extend(first_attr(entry).and_then(static_name)),
            _ => {}
        }
    }
    names.sort_unstable();
    names.windows(2).all(|w| w[0] != w[1])
}

/// The first token under `node`, descending into first children.
fn first_token(node: G<'_>) -> Option<super::green::T<'_>> {
    let mut cur = node;
    loop {
        match cur.node.children().next()? {
            rowan::NodeOrToken::Token(_) => return cur.tokens().next(),
            rowan::NodeOrToken::Node(_) => cur = cur.first_child()?,
        }
    }
}

/// The attribute-set literal (plain or `rec`) an expression is, looking
/// through parentheses.
fn attrset_literal(e: G<'_>) -> Option<G<'_>> {
    let mut node = e;
    loop {
        match node.kind() {
            NODE_PAREN => node = node.first_child()?,
            NODE_ATTR_SET => return Some(node),
            _ => return None,
        }
    }
}

/// The name of an attribute when it is known without evaluation: an
/// identifier (borrowed from the tree), a string without interpolation, or
/// `${...}` around such a string (possibly in parentheses).
fn static_name(attr: G<'_>) -> Option<Cow<'_, str>> {
    match attr.kind() {
        NODE_IDENT => attr.first_token_text().map(Cow::Borrowed),
        NODE_STRING => static_string(attr).map(Cow::Owned),
        NODE_DYNAMIC => {
            let mut node = attr.children().find(|c| is_expr(c.kind()))?;
            while node.kind() == NODE_PAREN {
                node = node.first_child()?;
            }
            if node.kind() == NODE_STRING {
                static_string(node).map(Cow::Owned)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The value of a string literal without interpolation.
fn static_string(node: G<'_>) -> Option<String> {
    if node.first_child().is_some() {
        return None; // An interpolation.
    }
    let mut content = String::new();
    let mut indented = false;
    for tok in node.tokens() {
        match tok.kind() {
            TOKEN_STRING_START => indented = tok.text() == "''",
            TOKEN_STRING_END => {}
            TOKEN_STRING_CONTENT => content.push_str(tok.text()),
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

    /// Sets of every size (a set grows from a sorted vector into a tree):
    /// each duplicate is found once, in source order, and merged sets
    /// report their clashes in name order.
    #[test]
    fn duplicates_in_sets_of_any_size() {
        for n in [1usize, 5, 31, 32, 33, 100] {
            // Names in reverse order, then every third again.
            let mut src = String::from("{ ");
            for i in (0..n).rev() {
                src.push_str(&format!("a{i} = {i}; "));
            }
            for i in (0..n).step_by(3) {
                src.push_str(&format!("a{i} = 0; inherit a{i}; "));
            }
            src.push('}');
            let want: Vec<String> = (0..n)
                .step_by(3)
                .flat_map(|i| vec![format!("attribute `a{i}` is already defined"); 2])
                .collect();
            assert_eq!(errors(&src), want, "{n} names");
            // Two literals merged: the clashes, by name.
            let names: Vec<String> = (0..n).map(|i| format!("b{i} = 1;")).collect();
            let src = format!(
                "{{ x = {{ {} }}; x = {{ {} }}; }}",
                names.join(" "),
                names.iter().rev().cloned().collect::<Vec<_>>().join(" ")
            );
            let mut sorted: Vec<String> = (0..n).map(|i| format!("b{i}")).collect();
            sorted.sort();
            let want: Vec<String> = sorted
                .iter()
                .map(|b| format!("attribute `{b}` is already defined"))
                .collect();
            assert_eq!(errors(&src), want, "{n} merged names");
        }
    }

    /// A set whose bindings start with distinct names is checked without a
    /// name map; one with a repeated name is checked in full. Either way
    /// each binding's own errors are reported once, in source order.
    #[test]
    fn single_binding_errors_with_and_without_repeated_names() {
        let dynamic_let = "dynamic attributes are not allowed in `let`";
        let dynamic_inherit = "dynamic attributes are not allowed in `inherit`";
        let twice = "attribute `a` is already defined";
        for (src, want) in [
            ("let ${x} = 1; a = 1; in a", vec![dynamic_let]),
            ("let ${x} = 1; a = 1; a = 2; in a", vec![dynamic_let, twice]),
            ("{ inherit ${x} a; b = 1; }", vec![dynamic_inherit]),
            ("{ inherit ${x} a; a = 1; }", vec![dynamic_inherit, twice]),
            (
                "let inherit ${x}; ${y}.z = 1; in 1",
                vec![dynamic_inherit, dynamic_let],
            ),
            ("{ a.b = 1; a.c = 2; ${x} = 3; }", vec![]),
        ] {
            assert_eq!(errors(src), want, "{src}");
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
