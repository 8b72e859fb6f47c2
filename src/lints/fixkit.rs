//! Helpers rules use to build fixes that never break code: comment
//! preservation, operator precedence, token gluing, attribute names, and
//! recognising NixOS modules.
//!
//! The fix engine (`crate::rewrite::fix`) checks comment preservation again
//! before it applies anything, so a rule that forgets cannot lose a comment;
//! rules still use [`fix`] so that a fix that would be refused is never shown.

use crate::diagnostics::{Applicability, Edit, Fix};
use crate::syntax::AstNode;
use crate::syntax::ast;
use crate::syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange};

// ---------------------------------------------------------------------------
// Comments

/// Comment tokens that intersect `range` (touching the boundary does not count).
pub fn comments_touching(root: &SyntaxNode, range: TextRange) -> Vec<SyntaxToken> {
    let full = root.text_range();
    if range.is_empty() || range.start() >= full.end() {
        return Vec::new();
    }
    let range = range.intersect(full).unwrap_or(range);
    // Walk the tokens of the range only (not every descendant of the node
    // covering it, which may be most of a huge file).
    let mut out = Vec::new();
    let mut next = root.token_at_offset(range.start()).right_biased();
    while let Some(t) = next {
        let r = t.text_range();
        if r.start() >= range.end() {
            break;
        }
        if t.kind() == SyntaxKind::TOKEN_COMMENT && range.start() < r.end() {
            out.push(t.clone());
        }
        next = t.next_token();
    }
    out
}

/// Whether applying `edit` keeps every comment of the tree: each comment the
/// edit's range touches must lie wholly inside the range and reappear (in
/// order) in the replacement. An insertion strictly inside a comment changes
/// that comment and is refused.
pub fn edit_keeps_comments(root: &SyntaxNode, edit: &Edit) -> bool {
    let range = edit.range;
    if range.is_empty() {
        return comments_touching(
            root,
            TextRange::new(
                range.start(),
                range.start() + crate::syntax::TextSize::from(1),
            ),
        )
        .iter()
        .all(|c| c.text_range().start() >= range.start());
    }
    let mut rest = edit.replacement.as_str();
    for c in comments_touching(root, range) {
        let r = c.text_range();
        if r.start() < range.start() || r.end() > range.end() {
            return false;
        }
        match rest.find(c.text()) {
            Some(i) => rest = &rest[i + c.text().len()..],
            None => return false,
        }
    }
    true
}

/// Whether every edit keeps the comments it touches (see [`edit_keeps_comments`]).
pub fn keeps_comments(root: &SyntaxNode, edits: &[Edit]) -> bool {
    edits.iter().all(|e| edit_keeps_comments(root, e))
}

/// Whether the text covered by `range` contains a comment.
pub fn has_comments(root: &SyntaxNode, range: TextRange) -> bool {
    !comments_touching(root, range).is_empty()
}

/// A fix, or `None` when it would drop or mangle a comment (such fixes are not offered).
pub fn fix(
    root: &SyntaxNode,
    message: impl Into<String>,
    applicability: Applicability,
    edits: Vec<Edit>,
) -> Option<Fix> {
    if edits.is_empty() || !keeps_comments(root, &edits) {
        return None;
    }
    Some(Fix {
        message: message.into(),
        applicability,
        edits,
    })
}

/// Replace one node's text by `replacement`, if that keeps comments.
pub fn replace_node(
    root: &SyntaxNode,
    node: &SyntaxNode,
    replacement: impl Into<String>,
    message: impl Into<String>,
    applicability: Applicability,
) -> Option<Fix> {
    fix(
        root,
        message,
        applicability,
        vec![Edit::replace(node.text_range(), replacement)],
    )
}

/// The range of `node` extended backwards over the whitespace before it (but
/// not over comments), for deleting a node without leaving a blank gap.
pub fn with_leading_whitespace(node: &SyntaxNode) -> TextRange {
    let mut start = node.text_range().start();
    let mut prev = node.first_token().and_then(|t| t.prev_token());
    while let Some(t) = prev {
        if t.kind() == SyntaxKind::TOKEN_WHITESPACE {
            start = t.text_range().start();
            prev = t.prev_token();
        } else {
            break;
        }
    }
    TextRange::new(start, node.text_range().end())
}

/// The text of a node with whitespace and comments dropped (tokens joined
/// by one space), for comparing two expressions for syntactic equality.
pub fn normalized_text(node: &SyntaxNode) -> String {
    normalized_range(node, node.text_range())
}

/// Like [`normalized_text`], for the tokens of `node` inside `range`.
pub fn normalized_range(node: &SyntaxNode, range: TextRange) -> String {
    let mut s = String::new();
    for el in node.descendants_with_tokens() {
        if let rowan::NodeOrToken::Token(t) = el
            && !t.kind().is_trivia()
            && range.contains_range(t.text_range())
        {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(t.text());
        }
    }
    s
}

/// Whether an identifier with this name occurs anywhere under `node`
/// (a conservative "may refer to" test that needs no scope analysis).
pub fn mentions_name(node: &SyntaxNode, name: &str) -> bool {
    node.descendants_with_tokens().any(|el| {
        matches!(el, rowan::NodeOrToken::Token(t)
            if t.kind() == SyntaxKind::TOKEN_IDENT && t.text() == name)
    })
}

/// Whether some binding among `parent`'s children (of an attribute set or
/// `let`) has a value of syntax kind `kind` (a cheap test before a rule's
/// real one).
pub fn has_binding_value_of(parent: &SyntaxNode, kind: SyntaxKind) -> bool {
    parent.children().any(|c| {
        c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
            && c.last_child().is_some_and(|v| v.kind() == kind)
    })
}

/// Runs of consecutive bindings (children of an attribute set or `let`) that
/// `classify` maps to the same key, for fixes that merge several bindings
/// into one statement. Only whitespace may separate the members of a run. A
/// binding with a comment right before it or after it on the same line (where
/// suppression comments live) always forms a run of its own, so a merged fix
/// never touches a binding whose finding was suppressed.
pub fn binding_runs<T: PartialEq>(
    parent: &SyntaxNode,
    classify: impl Fn(&SyntaxNode) -> Option<T>,
) -> Vec<Vec<(SyntaxNode, T)>> {
    enum El<T> {
        Entry(SyntaxNode, Option<T>),
        Comment,
        Newline,
        Other,
    }
    let mut els: Vec<El<T>> = Vec::new();
    for el in parent.children_with_tokens() {
        match el {
            rowan::NodeOrToken::Node(n)
                if matches!(
                    n.kind(),
                    SyntaxKind::NODE_ATTRPATH_VALUE | SyntaxKind::NODE_INHERIT
                ) =>
            {
                let k = classify(&n);
                els.push(El::Entry(n, k));
            }
            rowan::NodeOrToken::Node(_) => els.push(El::Other),
            rowan::NodeOrToken::Token(t) => match t.kind() {
                SyntaxKind::TOKEN_WHITESPACE => {
                    if t.text().contains('\n') {
                        els.push(El::Newline);
                    }
                }
                SyntaxKind::TOKEN_COMMENT => els.push(El::Comment),
                _ => els.push(El::Other),
            },
        }
    }
    let n = els.len();
    let commented = |i: usize| -> bool {
        // comment directly before (only whitespace between)
        let mut j = i;
        while j > 0 {
            j -= 1;
            match els[j] {
                El::Newline => continue,
                El::Comment => return true,
                _ => break,
            }
        }
        // comment after, on the same line
        matches!(els.get(i + 1), Some(El::Comment))
    };
    let isolated: Vec<bool> = (0..n).map(commented).collect();
    let mut runs: Vec<Vec<(SyntaxNode, T)>> = Vec::new();
    let mut open = false;
    for (i, el) in els.into_iter().enumerate() {
        let isolated = isolated[i];
        match el {
            El::Entry(node, Some(key)) => {
                let joins = open
                    && !isolated
                    && runs
                        .last()
                        .and_then(|r| r.last())
                        .is_some_and(|(_, k)| *k == key);
                if joins {
                    runs.last_mut().expect("open run").push((node, key));
                } else {
                    runs.push(vec![(node, key)]);
                }
                open = !isolated;
            }
            El::Newline => {}
            _ => open = false,
        }
    }
    runs
}

/// The range to delete to remove one entry of a comma-separated pattern
/// (`{ a, b ? 1, ... }`): the entry and the comma after it (with the space
/// that follows), or, for the last entry, the comma before it.
pub fn pattern_entry_removal(entry: &SyntaxNode) -> TextRange {
    let non_trivia_next = |t: Option<SyntaxToken>| {
        let mut t = t;
        while let Some(tok) = &t {
            if tok.kind().is_trivia() {
                t = tok.next_token();
            } else {
                break;
            }
        }
        t
    };
    let after = non_trivia_next(entry.last_token().and_then(|t| t.next_token()));
    if let Some(comma) = after.filter(|t| t.kind() == SyntaxKind::TOKEN_COMMA) {
        // up to the next token after the comma, keeping comments in place
        let mut end = comma.text_range().end();
        let mut t = comma.next_token();
        while let Some(tok) = t {
            if tok.kind() == SyntaxKind::TOKEN_WHITESPACE {
                end = tok.text_range().end();
                t = tok.next_token();
            } else {
                break;
            }
        }
        return TextRange::new(entry.text_range().start(), end);
    }
    // last entry: take the preceding comma and the whitespace before the entry
    let mut start = entry.text_range().start();
    let mut t = entry.first_token().and_then(|t| t.prev_token());
    while let Some(tok) = t {
        match tok.kind() {
            SyntaxKind::TOKEN_WHITESPACE => {
                start = tok.text_range().start();
                t = tok.prev_token();
            }
            SyntaxKind::TOKEN_COMMA => {
                start = tok.text_range().start();
                // and the whitespace before the comma
                let mut p = tok.prev_token();
                while let Some(w) = p {
                    if w.kind() == SyntaxKind::TOKEN_WHITESPACE {
                        start = w.text_range().start();
                        p = w.prev_token();
                    } else {
                        break;
                    }
                }
                break;
            }
            _ => break,
        }
    }
    TextRange::new(start, entry.text_range().end())
}

// ---------------------------------------------------------------------------
// Token gluing

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | ';' | ',' | '"')
}

/// Whether `left` immediately followed by `right` could lex differently from
/// the two apart (e.g. `a` `-b` becoming the identifier `a-b`).
pub fn would_glue(left: &str, right: &str) -> bool {
    match (left.chars().next_back(), right.chars().next()) {
        (Some(a), Some(b)) => !is_delimiter(a) && !is_delimiter(b),
        _ => false,
    }
}

/// The replacement text for `range` in `text`, with a space added on either
/// side where the new text would otherwise glue to its neighbours.
pub fn padded(text: &str, range: TextRange, replacement: &str) -> String {
    let before = &text[..usize::from(range.start())];
    let after = &text[usize::from(range.end())..];
    let mut s = String::with_capacity(replacement.len() + 2);
    if would_glue(before, replacement) {
        s.push(' ');
    }
    s.push_str(replacement);
    if would_glue(replacement, after) {
        s.push(' ');
    }
    s
}

// ---------------------------------------------------------------------------
// Precedence

/// How tightly an expression binds, tightest first. An expression can stand
/// without parentheses in a slot whose limit it does not exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    /// Identifiers, literals, strings, paths, lists, attribute sets, parentheses.
    Atom,
    /// `a.b`, `a.b or c`.
    Select,
    /// `f x`.
    Apply,
    /// `-x`.
    Negate,
    /// `a ? b`.
    HasAttr,
    /// `++`
    Concat,
    /// `*` `/`
    MulDiv,
    /// `+` `-`
    AddSub,
    /// `!x`
    Not,
    /// `//`
    Update,
    /// `<` `<=` `>` `>=`
    Compare,
    /// `==` `!=`
    Equality,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `->`
    Implication,
    /// `|>` `<|`
    Pipe,
    /// `x: ...`, `let`, `if`, `with`, `assert`: extend as far right as possible.
    Open,
}

fn binop_prec(op: ast::BinOpKind) -> (Prec, Assoc) {
    use ast::BinOpKind::*;
    match op {
        Concat => (Prec::Concat, Assoc::Right),
        Mul | Div => (Prec::MulDiv, Assoc::Left),
        Add | Sub => (Prec::AddSub, Assoc::Left),
        Update => (Prec::Update, Assoc::Right),
        Less | LessOrEq | More | MoreOrEq => (Prec::Compare, Assoc::None),
        Equal | NotEqual => (Prec::Equality, Assoc::None),
        And => (Prec::And, Assoc::Left),
        Or => (Prec::Or, Assoc::Left),
        Implication => (Prec::Implication, Assoc::Right),
        PipeRight => (Prec::Pipe, Assoc::Left),
        PipeLeft => (Prec::Pipe, Assoc::Right),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    None,
}

fn tighter(p: Prec) -> Option<Prec> {
    use Prec::*;
    const ORDER: [Prec; 17] = [
        Atom,
        Select,
        Apply,
        Negate,
        HasAttr,
        Concat,
        MulDiv,
        AddSub,
        Not,
        Update,
        Compare,
        Equality,
        And,
        Or,
        Implication,
        Pipe,
        Open,
    ];
    let i = ORDER.iter().position(|q| *q == p)?;
    i.checked_sub(1).map(|j| ORDER[j])
}

/// The binding strength of an expression node.
pub fn prec_of(node: &SyntaxNode) -> Prec {
    use SyntaxKind::*;
    match node.kind() {
        NODE_SELECT => Prec::Select,
        NODE_APPLY => Prec::Apply,
        NODE_HAS_ATTR => Prec::HasAttr,
        NODE_UNARY_OP => match ast::UnaryOp::cast(node.clone()).and_then(|u| u.operator()) {
            Some(ast::UnaryOpKind::Negate) => Prec::Negate,
            _ => Prec::Not,
        },
        NODE_BIN_OP => match ast::BinOp::cast(node.clone()).and_then(|b| b.operator()) {
            Some(op) => binop_prec(op).0,
            None => Prec::Open,
        },
        NODE_LAMBDA | NODE_LET_IN | NODE_IF_ELSE | NODE_WITH | NODE_ASSERT | NODE_ERROR => {
            Prec::Open
        }
        _ => Prec::Atom,
    }
}

/// The loosest expression that may stand in `child`'s position inside its
/// parent without parentheses, or `None` when the slot is not an expression
/// slot nixfold understands (then parentheses are left alone).
pub fn slot_limit(child: &SyntaxNode) -> Option<Prec> {
    use SyntaxKind::*;
    let parent = child.parent()?;
    let first = |p: &SyntaxNode| p.children().next().as_ref() == Some(child);
    Some(match parent.kind() {
        NODE_ROOT | NODE_PAREN | NODE_INTERPOL | NODE_INHERIT_FROM | NODE_LET_IN | NODE_LAMBDA
        | NODE_IF_ELSE | NODE_WITH | NODE_ASSERT | NODE_PAT_ENTRY => Prec::Open,
        NODE_ATTRPATH_VALUE => {
            // the value, not the attrpath
            if child.kind() == NODE_ATTRPATH {
                return None;
            }
            Prec::Open
        }
        NODE_DYNAMIC => Prec::Open,
        NODE_LIST => Prec::Select,
        NODE_APPLY => {
            if first(&parent) {
                Prec::Apply
            } else {
                Prec::Select
            }
        }
        NODE_SELECT => {
            // the base (see `fits` for `(a.b or c).d`), or the `or` default
            Prec::Select
        }
        NODE_HAS_ATTR => Prec::Apply,
        NODE_UNARY_OP => Prec::Apply,
        NODE_BIN_OP => {
            let op = ast::BinOp::cast(parent.clone())?.operator()?;
            let (p, assoc) = binop_prec(op);
            let is_lhs = first(&parent);
            match (assoc, is_lhs) {
                (Assoc::Left, true) | (Assoc::Right, false) => p,
                _ => tighter(p)?,
            }
        }
        _ => return None,
    })
}

/// Whether expression `expr` can stand without parentheses in the place
/// `slot` occupies in its parent.
pub fn fits(expr: &SyntaxNode, slot: &SyntaxNode) -> bool {
    let Some(limit) = slot_limit(slot) else {
        return false;
    };
    if prec_of(expr) > limit {
        return false;
    }
    // `(a.b or c).d` is not `a.b or c.d`
    let is_select_base = slot.parent().is_some_and(|p| {
        p.kind() == SyntaxKind::NODE_SELECT && p.children().next().as_ref() == Some(slot)
    });
    !(is_select_base && ast::Select::cast(expr.clone()).is_some_and(|s| s.or_token().is_some()))
}

/// Wrap `text` in parentheses unless an expression of strength `prec` fits in
/// a slot whose limit is `limit`.
pub fn parenthesize_for(text: &str, prec: Prec, limit: Prec) -> String {
    if prec <= limit {
        text.to_string()
    } else {
        format!("({text})")
    }
}

/// `node` without enclosing parentheses.
pub use crate::hir::strip_parens;

// ---------------------------------------------------------------------------
// Documentation

const DOC_ATTRS: [&str; 4] = ["example", "defaultText", "description", "longDescription"];

/// Functions whose argument is shown to a reader, never evaluated for real.
const DOC_FUNCS: [&str; 3] = ["literalExpression", "literalExample", "literalMD"];

/// Whether `node` sits inside documentation: the value of an `example`
/// (`defaultText`, `description`...) attribute or the argument of
/// `literalExpression` (`literalExample`, `literalMD`).
pub fn in_documentation(node: &SyntaxNode) -> bool {
    in_value_of(node, &DOC_ATTRS, &DOC_FUNCS)
}

/// Whether `node` sits inside the value (not the attribute path) of a
/// binding whose attribute is named one of `attrs`, or inside the argument
/// (not the function) of a call to a function named one of `funcs`.
pub fn in_value_of(node: &SyntaxNode, attrs: &[&str], funcs: &[&str]) -> bool {
    let mut child = node.clone();
    for anc in node.ancestors().skip(1) {
        // only the value side: not the attrpath, not the called function
        let head = anc.first_child();
        let inside = head.as_ref() != Some(&child)
            && match anc.kind() {
                SyntaxKind::NODE_ATTRPATH_VALUE => head
                    .and_then(|ap| ap.last_child())
                    .and_then(ast::Attr::cast)
                    .and_then(|a| static_attr_name(&a))
                    .is_some_and(|n| attrs.contains(&&*n)),
                SyntaxKind::NODE_APPLY if !funcs.is_empty() => head
                    .and_then(|f| crate::hir::callee_name(&f))
                    .is_some_and(|n| funcs.contains(&&*n)),
                _ => false,
            };
        if inside {
            return true;
        }
        child = anc;
    }
    false
}

// ---------------------------------------------------------------------------
// Attribute names

/// The name an attribute denotes when it is known without evaluation:
/// `a`, `"a"`, `${"a"}`. `None` for anything interpolated.
pub fn static_attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(i) => i.ident_token().map(|t| t.text().to_string()).or_else(|| {
            // `or` used as an attribute name is a NODE_IDENT holding TOKEN_OR
            let t = i.syntax().first_token()?;
            (t.kind() == SyntaxKind::TOKEN_OR).then(|| t.text().to_string())
        }),
        ast::Attr::Str(s) => static_string(s.syntax()),
        ast::Attr::Dynamic(d) => match d.expr()? {
            ast::Expr::Str(s) => static_string(s.syntax()),
            _ => None,
        },
    }
}

/// The value of a string literal without interpolation, if it has only plain
/// `"..."` content (escapes are decoded).
pub fn static_string(node: &SyntaxNode) -> Option<String> {
    let mut out = String::new();
    let mut multiline = false;
    for el in node.children_with_tokens() {
        match el {
            rowan::NodeOrToken::Token(t) => match t.kind() {
                SyntaxKind::TOKEN_STRING_START => multiline = t.text() == "''",
                SyntaxKind::TOKEN_STRING_END => {}
                SyntaxKind::TOKEN_STRING_CONTENT => out.push_str(t.text()),
                _ => return None,
            },
            rowan::NodeOrToken::Node(_) => return None,
        }
    }
    if multiline {
        // indentation stripping rules: only plain one-line content is decoded
        if out.contains(['\n', '\'', '$', '\\']) {
            return None;
        }
        return Some(out);
    }
    Some(unescape_plain(&out))
}

/// Decode the escapes of `"..."` string content.
fn unescape_plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
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

/// The identifier text of an `Ident` node.
pub fn ident_text(node: &SyntaxNode) -> Option<String> {
    if node.kind() != SyntaxKind::NODE_IDENT {
        return None;
    }
    node.first_token().map(|t| t.text().to_string())
}

/// `name = value;` with one identifier as the key (not `or`, which `inherit`
/// cannot name): the name and the value.
pub fn simple_binding(entry: &SyntaxNode) -> Option<(String, ast::Expr)> {
    let kv = ast::AttrpathValue::cast(entry.clone())?;
    let mut attrs = kv.attrpath()?.attrs();
    let ast::Attr::Ident(key) = attrs.next()? else {
        return None;
    };
    if attrs.next().is_some() {
        return None;
    }
    let name = ident_text(key.syntax()).filter(|n| n != "or")?;
    Some((name, kv.value()?))
}

/// An `inherit` statement without comments that names something: its
/// `(from)` expression, if any, and the names as written.
pub fn inherit_names(entry: &SyntaxNode) -> Option<(Option<ast::Expr>, Vec<String>)> {
    let inherit = ast::Inherit::cast(entry.clone())?;
    let names: Vec<String> = inherit.attrs().map(|a| a.syntax().to_string()).collect();
    if names.is_empty() || has_comments(entry, entry.text_range()) {
        return None;
    }
    Some((inherit.from().and_then(|f| f.expr()), names))
}

/// The safe fix replacing a whole run of bindings (see [`binding_runs`]) by
/// one `statement`.
pub fn replace_run<T>(root: &SyntaxNode, run: &[(SyntaxNode, T)], statement: &str) -> Option<Fix> {
    let (first, last) = (&run.first()?.0, &run.last()?.0);
    let range = TextRange::new(first.text_range().start(), last.text_range().end());
    fix(
        root,
        format!("replace with `{statement}`"),
        Applicability::Safe,
        vec![Edit::replace(range, statement)],
    )
}

// ---------------------------------------------------------------------------
// NixOS modules

/// Top-level keys that mark an attribute set as a NixOS/home-manager module.
pub const MODULE_KEYS: &[&str] = &[
    "imports",
    "options",
    "config",
    "disabledModules",
    "meta",
    "_file",
    "key",
    "freeformType",
    "_class",
    // common option roots, for modules written without `config = ...`
    "boot",
    "environment",
    "networking",
    "services",
    "systemd",
    "users",
    "programs",
    "nix",
    "nixpkgs",
    "hardware",
    "security",
    "system",
    "fileSystems",
    "swapDevices",
    "virtualisation",
    "time",
    "i18n",
    "console",
    "fonts",
    "xdg",
    "home",
    "wsl",
    "documentation",
    "sound",
    "powerManagement",
    "location",
    "assertions",
    "warnings",
    "specialisation",
    "containers",
];

/// Formal names the module system passes to modules.
pub const MODULE_ARGS: &[&str] = &[
    "config",
    "lib",
    "pkgs",
    "options",
    "modulesPath",
    "specialArgs",
    "utils",
    "inputs",
    "name",
    "nodes",
    "osConfig",
    "nixosConfig",
    "darwinConfig",
    // what evalModules and NixOS/nix-darwin pass every module
    "baseModules",
    "modules",
    "extraModules",
    "noUserModules",
    "extendModules",
    "moduleType",
    // flake-parts' top-level module arguments
    "self",
    "flake-parts-lib",
    "withSystem",
    "moduleWithSystem",
    "getSystem",
    // flake-parts' `perSystem` module arguments
    "self'",
    "inputs'",
    "system",
    "final",
];

fn body_through_wrappers(mut e: SyntaxNode) -> SyntaxNode {
    loop {
        e = strip_parens(&e);
        let next = match e.kind() {
            SyntaxKind::NODE_LET_IN => ast::LetIn::cast(e.clone()).and_then(|l| l.body()),
            SyntaxKind::NODE_WITH => ast::With::cast(e.clone()).and_then(|w| w.body()),
            SyntaxKind::NODE_ASSERT => ast::Assert::cast(e.clone()).and_then(|a| a.body()),
            _ => None,
        };
        match next {
            Some(n) => e = n.syntax().clone(),
            None => return e,
        }
    }
}

/// Whether an attribute set has a top-level key that marks it as a module.
pub fn is_module_attrset(set: &SyntaxNode) -> bool {
    let Some(set) = ast::AttrSet::cast(set.clone()) else {
        return false;
    };
    use crate::syntax::ast::HasEntry;
    set.entries().any(|e| match e {
        ast::Entry::AttrpathValue(kv) => kv
            .attrpath()
            .and_then(|p| p.attrs().next())
            .and_then(|a| static_attr_name(&a))
            .is_some_and(|n| MODULE_KEYS.contains(&n.as_str())),
        ast::Entry::Inherit(_) => false,
    })
}

/// Whether a lambda is (very likely) a NixOS-style module: a function of an
/// attribute-set pattern that is the whole file, an element of an `imports`
/// or `modules` list, names module arguments like `config` or `options`, or
/// whose body is an attribute set with module keys (`imports`, `options`,
/// `config`, `services`, ...).
pub fn is_module_lambda(lambda: &ast::Lambda) -> bool {
    let Some(ast::Param::Pattern(pat)) = lambda.param() else {
        return false;
    };
    let node = lambda.syntax();
    // the whole file (possibly parenthesized)
    let mut up = node.parent();
    while let Some(p) = &up {
        if p.kind() == SyntaxKind::NODE_PAREN {
            up = p.parent();
        } else {
            break;
        }
    }
    if let Some(p) = &up {
        if p.kind() == SyntaxKind::NODE_ROOT {
            return true;
        }
        // flake-parts: `perSystem = { pkgs, ... }: { ... };` is a module.
        if p.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
            && ast::AttrpathValue::cast(p.clone())
                .and_then(|b| b.attrpath())
                .and_then(|a| a.attrs().last())
                .and_then(|a| static_attr_name(&a))
                .is_some_and(|n| n == "perSystem")
        {
            return true;
        }
        if p.kind() == SyntaxKind::NODE_LIST && in_module_list(p) {
            return true;
        }
    }
    if pat.pat_entries().any(|e| {
        e.ident()
            .and_then(|i| ident_text(i.syntax()))
            .is_some_and(|n| matches!(n.as_str(), "config" | "options" | "modulesPath"))
    }) {
        return true;
    }
    let Some(body) = lambda.body() else {
        return false;
    };
    let body = body_through_wrappers(body.syntax().clone());
    is_module_attrset(&body) || is_module_call(&body)
}

/// `lib.mkIf c { ... }`, `mkMerge [ ... ]` and friends as a module body.
fn is_module_call(e: &SyntaxNode) -> bool {
    let mut f = e.clone();
    while f.kind() == SyntaxKind::NODE_APPLY {
        match f.children().next() {
            Some(n) => f = n,
            None => return false,
        }
    }
    let name = match f.kind() {
        SyntaxKind::NODE_IDENT => ident_text(&f),
        SyntaxKind::NODE_SELECT => ast::Select::cast(f.clone())
            .and_then(|s| s.attrpath())
            .and_then(|p| p.attrs().last())
            .and_then(|a| static_attr_name(&a)),
        _ => None,
    };
    matches!(
        name.as_deref(),
        Some("mkIf" | "mkMerge" | "mkDefault" | "mkForce" | "mkOverride")
    ) && e.kind() == SyntaxKind::NODE_APPLY
}

fn in_module_list(list: &SyntaxNode) -> bool {
    // `imports = [ ... ];` / `modules = [ ... ];` (also `a.modules`), possibly `++`-joined
    let mut n = list.clone();
    while let Some(p) = n.parent() {
        match p.kind() {
            SyntaxKind::NODE_BIN_OP | SyntaxKind::NODE_PAREN => n = p,
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                let Some(kv) = ast::AttrpathValue::cast(p) else {
                    return false;
                };
                return kv
                    .attrpath()
                    .and_then(|ap| ap.attrs().last())
                    .and_then(|a| static_attr_name(&a))
                    .is_some_and(|k| matches!(k.as_str(), "imports" | "modules"));
            }
            _ => return false,
        }
    }
    false
}

/// Why the expression at `node` may never run: it sits in a formal's default
/// or in a branch of an `if` (used by the purity rules to cap severity).
pub fn fallback_context(node: &SyntaxNode) -> Option<&'static str> {
    let mut child: Option<SyntaxNode> = None;
    for anc in node.ancestors() {
        let is_nth = |n: usize| child.is_some() && anc.children().nth(n) == child;
        match anc.kind() {
            SyntaxKind::NODE_PAT_ENTRY if is_nth(1) => {
                return Some(
                    "it is the default of a function argument, evaluated only when the caller passes none",
                );
            }
            SyntaxKind::NODE_IF_ELSE if is_nth(1) || is_nth(2) => {
                return Some(
                    "it is a branch of an `if`, evaluated only when the condition selects it",
                );
            }
            SyntaxKind::NODE_ATTRPATH_VALUE if is_nth(1) && is_option_default(&anc) => {
                return Some(
                    "it is the default of an option (`mkOption { default = ...; }`), evaluated only when no module defines the option and something reads it",
                );
            }
            _ => {}
        }
        child = Some(anc);
    }
    None
}

/// Whether `binding` is `default = ...` directly in the attribute set given
/// to `mkOption` (`lib.mkOption`, `mkOption`, also through parentheses).
fn is_option_default(binding: &SyntaxNode) -> bool {
    let named_default = binding
        .first_child()
        .filter(|ap| ap.kind() == SyntaxKind::NODE_ATTRPATH)
        .is_some_and(|ap| {
            let mut attrs = ap.children();
            let first = attrs.next();
            attrs.next().is_none()
                && first
                    .and_then(ast::Attr::cast)
                    .and_then(|a| static_attr_name(&a))
                    .is_some_and(|n| n == "default")
        });
    if !named_default {
        return false;
    }
    let Some(set) = binding
        .parent()
        .filter(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
    else {
        return false;
    };
    let mut arg = set;
    while let Some(p) = arg.parent().filter(|p| p.kind() == SyntaxKind::NODE_PAREN) {
        arg = p;
    }
    let Some(apply) = arg.parent().filter(|p| p.kind() == SyntaxKind::NODE_APPLY) else {
        return false;
    };
    let mut parts = apply.children();
    let (Some(func), Some(last)) = (parts.next(), parts.next()) else {
        return false;
    };
    if last != arg {
        return false;
    }
    crate::hir::callee_name(&func).is_some_and(|n| &*n == "mkOption")
}

/// The formal whose default holds `node`, when that formal belongs to the
/// function the whole file is (`{ system ? builtins.currentSystem }: ...`):
/// what `import ./file.nix { system = ...; }` overrides.
pub fn file_formal_default(node: &SyntaxNode) -> Option<String> {
    let mut child: Option<SyntaxNode> = None;
    for anc in node.ancestors() {
        if anc.kind() == SyntaxKind::NODE_PAT_ENTRY
            && child.is_some()
            && anc.children().nth(1) == child
        {
            let name = anc.first_child()?;
            let lambda = anc.parent()?.parent()?;
            let mut top = lambda;
            while let Some(p) = top.parent() {
                if p.kind() == SyntaxKind::NODE_PAREN {
                    top = p;
                } else {
                    return (p.kind() == SyntaxKind::NODE_ROOT).then(|| name.text().to_string());
                }
            }
            return None;
        }
        child = Some(anc);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(src: &str) -> SyntaxNode {
        crate::syntax::parse(src).syntax()
    }

    fn range(a: u32, b: u32) -> TextRange {
        TextRange::new(a.into(), b.into())
    }

    #[test]
    fn comment_preservation() {
        let src = "let # keep\n a = 1; in a";
        let r = root(src);
        // removing `let # keep\n a = 1; in ` without the comment: refused
        assert!(!edit_keeps_comments(&r, &Edit::replace(range(0, 23), "")));
        // replacement that carries the comment: fine
        assert!(edit_keeps_comments(
            &r,
            &Edit::replace(range(0, 23), "# keep\n")
        ));
        // partial overlap with the comment: refused
        assert!(!edit_keeps_comments(&r, &Edit::replace(range(0, 6), "")));
        // an edit away from the comment: fine
        assert!(edit_keeps_comments(&r, &Edit::replace(range(23, 24), "b")));
        // insertion inside the comment: refused; at its start: fine
        assert!(!edit_keeps_comments(&r, &Edit::insert(6.into(), "x")));
        assert!(edit_keeps_comments(&r, &Edit::insert(4.into(), "x")));
    }

    #[test]
    fn comments_must_keep_their_order() {
        let src = "[ /* a */ 1 # b\n ]";
        let r = root(src);
        let whole = r.text_range();
        assert!(edit_keeps_comments(
            &r,
            &Edit::replace(whole, "[ /* a */ # b\n ]")
        ));
        assert!(!edit_keeps_comments(
            &r,
            &Edit::replace(whole, "[ # b\n /* a */ ]")
        ));
    }

    #[test]
    fn pattern_entry_removal_ranges() {
        let remove = |src: &str, name: &str| {
            let r = root(src);
            let e = r
                .descendants()
                .filter(|n| n.kind() == SyntaxKind::NODE_PAT_ENTRY)
                .find(|n| n.first_token().unwrap().text() == name)
                .unwrap();
            let range = pattern_entry_removal(&e);
            let mut s = src.to_string();
            s.replace_range(usize::from(range.start())..usize::from(range.end()), "");
            s
        };
        assert_eq!(remove("{ a, b, ... }: 1", "a"), "{ b, ... }: 1");
        assert_eq!(remove("{ a, b }: 1", "b"), "{ a }: 1");
        assert_eq!(remove("{ a }: 1", "a"), "{ }: 1");
        assert_eq!(remove("{ a ? 1, b }: 1", "a"), "{ b }: 1");
        assert_eq!(
            remove("{\n  a,\n  b,\n  ...\n}: 1", "a"),
            "{\n  b,\n  ...\n}: 1"
        );
        assert_eq!(remove("{ a\n, b\n, c\n}: 1", "c"), "{ a\n, b\n}: 1");
    }

    #[test]
    fn gluing() {
        assert!(would_glue("a", "b"));
        assert!(would_glue("a-", "b"));
        assert!(!would_glue("a ", "b"));
        assert!(!would_glue("(", "b"));
        assert_eq!(padded("f(x)", range(1, 4), "x"), " x");
        assert_eq!(padded("f (x)", range(2, 5), "x"), "x");
    }

    #[test]
    fn slots() {
        let r = root("f (g x) (a.b) [ (h y) ] (a + b) * c");
        let parens: Vec<SyntaxNode> = r
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_PAREN)
            .collect();
        let limits: Vec<Option<Prec>> = parens.iter().map(slot_limit).collect();
        assert_eq!(
            limits,
            [
                Some(Prec::Select),
                Some(Prec::Select),
                Some(Prec::Select),
                Some(Prec::Select)
            ]
        );
        let r = root("(a + b) * c - (d - e)");
        let parens: Vec<SyntaxNode> = r
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_PAREN)
            .collect();
        assert_eq!(slot_limit(&parens[0]), Some(Prec::MulDiv));
        assert_eq!(slot_limit(&parens[1]), Some(Prec::MulDiv));
    }

    #[test]
    fn attr_names() {
        let r = root(r#"{ a = 1; "b c" = 2; ${"d"} = 3; ${e} = 4; "f${g}" = 5; "\n" = 6; }"#);
        let names: Vec<Option<String>> = r
            .descendants()
            .filter_map(ast::Attrpath::cast)
            .map(|p| static_attr_name(&p.attrs().next().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                Some("a".into()),
                Some("b c".into()),
                Some("d".into()),
                None,
                None,
                Some("\n".into())
            ]
        );
    }

    #[test]
    fn modules() {
        let is_mod = |src: &str| {
            let r = root(src);
            let l = r.descendants().find_map(ast::Lambda::cast).unwrap();
            is_module_lambda(&l)
        };
        assert!(is_mod("{ ... }: { }"));
        assert!(is_mod(
            "{ pkgs, ... }: { environment.systemPackages = [ ]; }"
        ));
        assert!(!is_mod("[ ({ ... }: { x = 1; }) ]"));
        assert!(is_mod("{ imports = [ ({ ... }: { x = 1; }) ]; }"));
        assert!(is_mod("{ f = { ... }: { services.x = 1; }; }"));
        assert!(is_mod("{ f = { config, ... }: 1; }"));
        assert!(!is_mod("{ f = { a, ... }: a; }"));
        assert!(!is_mod("{ f = x: { imports = [ ]; }; }"));
    }
}
