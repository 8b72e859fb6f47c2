//! Syntax helpers for the variant analysis: lexical name lookup (let, rec,
//! lambda parameters and formals, `inherit`, `with`), recognising builtins and
//! nixpkgs `lib` functions through aliases, application spines and literal
//! values.
//!
//! Lookup follows Nix's rule that a lexical binding always wins over `with`.

use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange};

/// Where a name is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Def {
    /// `name = value;` (or `name.x = ...;`) in a `let` or `rec { }`. `value`
    /// is set when the attribute path is just `name`. `scope` is the let/rec node.
    Binding {
        scope: SyntaxNode,
        key: SyntaxNode,
        value: Option<ast::Expr>,
    },
    /// `inherit (from) name;` in a `let` or `rec { }`.
    InheritFrom {
        scope: SyntaxNode,
        from: ast::Expr,
        name: String,
    },
    /// `x: body`.
    Param { lambda: ast::Lambda },
    /// `{ x ? default, ... }: body` (the entry) or the `@` name (`entry` None).
    Formal {
        lambda: ast::Lambda,
        entry: Option<ast::PatEntry>,
    },
    /// Not bound lexically; the innermost enclosing `with` may provide it.
    With { with: ast::With },
    /// Not bound at all: a global (builtin) or an undefined name.
    Global(String),
}

impl Def {
    /// A node identifying the definition (for equality and memo keys).
    pub fn key(&self) -> Option<SyntaxNode> {
        match self {
            Def::Binding { key, .. } => Some(key.clone()),
            Def::InheritFrom { scope, .. } => Some(scope.clone()),
            Def::Param { lambda } => Some(lambda.syntax().clone()),
            Def::Formal { lambda, entry } => Some(
                entry
                    .as_ref()
                    .map(|e| e.syntax().clone())
                    .unwrap_or_else(|| lambda.syntax().clone()),
            ),
            Def::With { with } => Some(with.syntax().clone()),
            Def::Global(_) => None,
        }
    }
}

/// The text of an identifier.
pub fn ident_name(id: &ast::Ident) -> Option<String> {
    id.ident_token().map(|t| t.text().to_string())
}

/// The static name of an attribute (`x`, `"x"`, `${"x"}`).
pub fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(id) => ident_name(id),
        ast::Attr::Str(s) => string_literal(s),
        ast::Attr::Dynamic(d) => match d.expr()? {
            ast::Expr::Str(s) => string_literal(&s),
            _ => None,
        },
    }
}

/// The static names of an attribute path; `None` if any part is dynamic.
pub fn attrpath_names(path: &ast::Attrpath) -> Option<Vec<String>> {
    path.attrs().map(|a| attr_name(&a)).collect()
}

/// The value of a string literal without interpolation.
pub fn string_literal(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    let mut multiline = false;
    for child in s.syntax().children_with_tokens() {
        match child {
            rowan::NodeOrToken::Node(_) => return None,
            rowan::NodeOrToken::Token(t) => match t.kind() {
                SyntaxKind::TOKEN_STRING_START => multiline = t.text() == "''",
                SyntaxKind::TOKEN_STRING_END => {}
                SyntaxKind::TOKEN_STRING_CONTENT => {
                    if multiline {
                        if t.text().contains('\n') || t.text().contains("''") {
                            return None;
                        }
                        out.push_str(t.text());
                    } else {
                        unescape_into(t.text(), &mut out);
                    }
                }
                _ => return None,
            },
        }
    }
    Some(out)
}

fn unescape_into(text: &str, out: &mut String) {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(c) => out.push(c),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
}

/// Strip parentheses.
pub fn unparen(mut e: ast::Expr) -> ast::Expr {
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// A string literal expression (through parentheses).
pub fn expr_string(e: &ast::Expr) -> Option<String> {
    match unparen(e.clone()) {
        ast::Expr::Str(s) => string_literal(&s),
        _ => None,
    }
}

/// A list of string literals.
pub fn expr_string_list(e: &ast::Expr) -> Option<Vec<String>> {
    match unparen(e.clone()) {
        ast::Expr::List(l) => l.items().map(|i| expr_string(&i)).collect(),
        _ => None,
    }
}

/// Whether an `Ident` node is a reference (not a key, formal or parameter name).
pub fn is_reference(id: &ast::Ident) -> bool {
    !matches!(
        id.syntax().parent().map(|p| p.kind()),
        Some(
            SyntaxKind::NODE_ATTRPATH
                | SyntaxKind::NODE_PAT_ENTRY
                | SyntaxKind::NODE_PAT_BIND
                | SyntaxKind::NODE_IDENT_PARAM
                | SyntaxKind::NODE_INHERIT
        )
    )
}

/// Look `name` up in the bindings of a let/rec node.
fn lookup_entries(
    scope: &SyntaxNode,
    entries: impl Iterator<Item = ast::Entry>,
    name: &str,
) -> Option<Def> {
    for entry in entries {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                let Some(path) = av.attrpath() else { continue };
                let mut attrs = path.attrs();
                let Some(first) = attrs.next() else { continue };
                if attr_name(&first).as_deref() == Some(name) {
                    let single = attrs.next().is_none();
                    return Some(Def::Binding {
                        scope: scope.clone(),
                        key: first.syntax().clone(),
                        value: if single { av.value() } else { None },
                    });
                }
            }
            ast::Entry::Inherit(inh) => {
                for a in inh.attrs() {
                    if attr_name(&a).as_deref() == Some(name) {
                        return match inh.from().and_then(|f| f.expr()) {
                            Some(from) => Some(Def::InheritFrom {
                                scope: a.syntax().clone(),
                                from,
                                name: name.to_string(),
                            }),
                            // `inherit name;` in a let/rec refers to the outer
                            // scope: resolve from the scope's parent.
                            None => Some(lookup_from(scope.parent()?, scope, name)),
                        };
                    }
                }
            }
        }
    }
    None
}

/// Whether `child` is inside one of the entries or the body of a let/rec,
/// where its bindings are visible. Keys of non-dynamic attributes are not.
fn in_scope_of_bindings(child: &SyntaxNode) -> bool {
    // Inside a `let`, everything (entries and body) sees the bindings, except
    // names in `inherit x;` which refer outward (handled by the caller).
    child.kind() != SyntaxKind::NODE_INHERIT
        || child
            .children()
            .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM)
}

/// Resolve the identifier `name` used at `node`.
pub fn resolve_name(node: &SyntaxNode, name: &str) -> Def {
    match node.parent() {
        Some(parent) => lookup_from(parent, node, name),
        None => Def::Global(name.to_string()),
    }
}

/// Resolve a reference.
pub fn resolve(id: &ast::Ident) -> Def {
    match ident_name(id) {
        Some(name) => resolve_name(id.syntax(), &name),
        None => Def::Global(String::new()),
    }
}

/// Walk outward from `node` (a child of `parent`).
fn lookup_from(mut parent: SyntaxNode, child: &SyntaxNode, name: &str) -> Def {
    let mut child = child.clone();
    let mut with: Option<ast::With> = None;
    loop {
        match parent.kind() {
            SyntaxKind::NODE_LET_IN => {
                let let_in = ast::LetIn::cast(parent.clone()).expect("let");
                if in_scope_of_bindings(&child)
                    && let Some(d) = lookup_entries(&parent, let_in.entries(), name)
                {
                    return d;
                }
            }
            SyntaxKind::NODE_LEGACY_LET => {
                let l = ast::LegacyLet::cast(parent.clone()).expect("legacy let");
                if in_scope_of_bindings(&child)
                    && let Some(d) = lookup_entries(&parent, l.entries(), name)
                {
                    return d;
                }
            }
            SyntaxKind::NODE_ATTR_SET => {
                let set = ast::AttrSet::cast(parent.clone()).expect("attrset");
                if set.rec_token().is_some()
                    && in_scope_of_bindings(&child)
                    && let Some(d) = lookup_entries(&parent, set.entries(), name)
                {
                    return d;
                }
            }
            SyntaxKind::NODE_LAMBDA => {
                let lambda = ast::Lambda::cast(parent.clone()).expect("lambda");
                match lambda.param() {
                    Some(ast::Param::IdentParam(p))
                        if p.ident().and_then(|i| ident_name(&i)).as_deref() == Some(name)
                            && child.kind() != SyntaxKind::NODE_IDENT_PARAM =>
                    {
                        return Def::Param { lambda };
                    }
                    Some(ast::Param::IdentParam(_)) => {}
                    Some(ast::Param::Pattern(pat)) => {
                        for e in pat.pat_entries() {
                            if e.ident().and_then(|i| ident_name(&i)).as_deref() == Some(name) {
                                return Def::Formal {
                                    lambda,
                                    entry: Some(e),
                                };
                            }
                        }
                        if pat
                            .pat_bind()
                            .and_then(|b| b.ident())
                            .and_then(|i| ident_name(&i))
                            .as_deref()
                            == Some(name)
                        {
                            return Def::Formal {
                                lambda,
                                entry: None,
                            };
                        }
                    }
                    None => {}
                }
            }
            SyntaxKind::NODE_WITH => {
                let w = ast::With::cast(parent.clone()).expect("with");
                // Only the body sees the namespace.
                if with.is_none() && w.body().is_some_and(|b| b.syntax() == &child) {
                    with = Some(w);
                }
            }
            _ => {}
        }
        match parent.parent() {
            Some(p) => {
                child = std::mem::replace(&mut parent, p);
            }
            None => break,
        }
    }
    match with {
        Some(with) => Def::With { with },
        None => Def::Global(name.to_string()),
    }
}

/// Every reference in `scope`'s subtree that resolves to `def` (named `name`),
/// including `inherit name;` entries.
pub fn references(scope: &SyntaxNode, name: &str, def: &Def) -> Vec<SyntaxNode> {
    let key = def.key();
    let mut out = Vec::new();
    for node in scope.descendants() {
        match node.kind() {
            SyntaxKind::NODE_IDENT => {
                let Some(id) = ast::Ident::cast(node.clone()) else {
                    continue;
                };
                if ident_name(&id).as_deref() != Some(name) {
                    continue;
                }
                if is_reference(&id) {
                    if resolve(&id).key() == key {
                        out.push(node);
                    }
                } else if node
                    .parent()
                    .is_some_and(|p| p.kind() == SyntaxKind::NODE_INHERIT)
                    && node.parent().is_some_and(|p| {
                        !p.children()
                            .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM)
                    })
                {
                    // `inherit name;`: looked up from outside the set/let.
                    let inherit = node.parent().expect("parent");
                    let Some(container) = inherit.parent() else {
                        continue;
                    };
                    let d = match container.parent() {
                        Some(p) => lookup_from(p, &container, name),
                        None => Def::Global(name.to_string()),
                    };
                    if d.key() == key {
                        out.push(node);
                    }
                }
            }
            _ => continue,
        }
    }
    out
}

/// The scope node whose subtree holds every reference to a definition.
pub fn def_scope(def: &Def) -> Option<SyntaxNode> {
    match def {
        Def::Binding { scope, .. } => Some(scope.clone()),
        Def::InheritFrom { scope, .. } => scope.ancestors().nth(2),
        Def::Param { lambda } | Def::Formal { lambda, .. } => Some(lambda.syntax().clone()),
        Def::With { with } => Some(with.syntax().clone()),
        Def::Global(_) => None,
    }
}

/// Names Nix provides without `builtins.` (besides `builtins` itself).
pub const GLOBAL_BUILTINS: &[&str] = &[
    "abort",
    "baseNameOf",
    "break",
    "derivation",
    "derivationStrict",
    "dirOf",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "null",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
    "true",
];

/// What an expression denotes, as far as the variant analysis cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// The `builtins` set.
    BuiltinsSet,
    /// A nixpkgs `lib` set (or a sub-namespace such as `lib.strings`).
    LibSet,
    /// A function of `builtins` or of nixpkgs `lib`, by name.
    Prim(String),
    /// A lambda written in the tree.
    Lambda(ast::Lambda),
}

const LIB_NAMESPACES: &[&str] = &[
    "strings",
    "lists",
    "attrsets",
    "trivial",
    "options",
    "modules",
    "types",
    "fixedPoints",
    "debug",
    "meta",
    "versions",
    "asserts",
    "filesystem",
    "path",
    "systems",
];

/// Classify an expression as builtins, lib, a builtin/lib function or a
/// lambda, following let bindings, `inherit (builtins) x`, and `with`.
pub fn callee(e: &ast::Expr) -> Option<Callee> {
    callee_depth(e, 0)
}

fn callee_depth(e: &ast::Expr, depth: u32) -> Option<Callee> {
    if depth > 64 {
        return None;
    }
    match unparen(e.clone()) {
        ast::Expr::Lambda(l) => Some(Callee::Lambda(l)),
        ast::Expr::Ident(id) => {
            let name = ident_name(&id)?;
            match resolve(&id) {
                Def::Binding { value: Some(v), .. } => callee_depth(&v, depth + 1),
                Def::Binding { value: None, .. } => None,
                Def::InheritFrom { from, name, .. } => {
                    member_of(callee_depth(&from, depth + 1)?, &name)
                }
                Def::Formal { .. } | Def::Param { .. } => {
                    // A module argument named `lib` is nixpkgs lib.
                    (name == "lib").then_some(Callee::LibSet)
                }
                Def::With { with } => {
                    // The innermost `with` whose namespace we recognise.
                    let mut w = Some(with);
                    while let Some(cur) = w {
                        if let Some(ns) = cur.namespace().and_then(|n| callee_depth(&n, depth + 1))
                            && let Some(c) = member_of(ns, &name)
                        {
                            return Some(c);
                        }
                        w = cur
                            .syntax()
                            .ancestors()
                            .skip(1)
                            .find_map(ast::With::cast)
                            .filter(|outer| {
                                outer.body().is_some_and(|b| {
                                    b.syntax()
                                        .text_range()
                                        .contains_range(cur.syntax().text_range())
                                })
                            });
                    }
                    global(&name)
                }
                Def::Global(name) => global(&name),
            }
        }
        ast::Expr::Select(sel) => {
            if sel.default_expr().is_some() {
                return None;
            }
            let base = sel.expr()?;
            let names = attrpath_names(&sel.attrpath()?)?;
            let mut cur = match callee_depth(&base, depth + 1) {
                Some(c) => c,
                None => {
                    // `pkgs.lib`, `nixpkgs.lib`, `inputs.nixpkgs.lib`.
                    let i = names.iter().position(|n| n == "lib")?;
                    let mut cur = Callee::LibSet;
                    for n in &names[i + 1..] {
                        cur = member_of(cur, n)?;
                    }
                    return Some(cur);
                }
            };
            for n in &names {
                cur = member_of(cur, n)?;
            }
            Some(cur)
        }
        _ => None,
    }
}

fn global(name: &str) -> Option<Callee> {
    if name == "builtins" {
        Some(Callee::BuiltinsSet)
    } else if name == "lib" {
        Some(Callee::LibSet)
    } else if GLOBAL_BUILTINS.contains(&name) {
        Some(Callee::Prim(name.to_string()))
    } else {
        None
    }
}

fn member_of(set: Callee, name: &str) -> Option<Callee> {
    match set {
        Callee::BuiltinsSet => Some(Callee::Prim(name.to_string())),
        Callee::LibSet => {
            if LIB_NAMESPACES.contains(&name) {
                Some(Callee::LibSet)
            } else {
                Some(Callee::Prim(name.to_string()))
            }
        }
        _ => None,
    }
}

/// The head and arguments of a (curried) application, following let
/// bindings of partial applications (`f = lib.splitString ","; f x`).
pub fn spine(e: &ast::Expr) -> (ast::Expr, Vec<ast::Expr>) {
    let mut args = Vec::new();
    let mut cur = unparen(e.clone());
    let mut depth = 0;
    loop {
        match cur {
            ast::Expr::Apply(app) => {
                let (Some(f), Some(a)) = (app.lambda(), app.argument()) else {
                    return (ast::Expr::Apply(app), args);
                };
                args.push(a);
                cur = unparen(f);
            }
            ast::Expr::Ident(ref id) if depth < 32 => {
                depth += 1;
                match resolve(id) {
                    Def::Binding {
                        value: Some(v @ ast::Expr::Apply(_)),
                        ..
                    } => cur = unparen(v),
                    Def::Binding {
                        value: Some(v @ ast::Expr::Paren(_)),
                        ..
                    } if matches!(unparen(v.clone()), ast::Expr::Apply(_)) => cur = unparen(v),
                    _ => break,
                }
            }
            _ => break,
        }
    }
    args.reverse();
    (cur, args)
}

/// The primitive called by an application, with its arguments.
pub fn prim_call(e: &ast::Expr) -> Option<(String, Vec<ast::Expr>)> {
    if !matches!(unparen(e.clone()), ast::Expr::Apply(_)) {
        return None;
    }
    let (head, args) = spine(e);
    match callee(&head)? {
        Callee::Prim(name) => Some((name, args)),
        _ => None,
    }
}

/// `builtins.getEnv NAME` and `lib.maybeEnv NAME default` calls: the name
/// literal (`None` when the name is not a literal) and the default.
#[derive(Debug, Clone)]
pub struct EnvRead {
    pub node: SyntaxNode,
    pub name: Option<String>,
    /// `lib.maybeEnv`'s default, if literal.
    pub default: Option<String>,
    pub range: TextRange,
}

/// Recognise an environment read at `e` (the outermost application).
pub fn env_read(e: &ast::Expr) -> Option<EnvRead> {
    let ast::Expr::Apply(app) = e else {
        return None;
    };
    let (name, args) = prim_call(e)?;
    let (var, default) = match (name.as_str(), args.as_slice()) {
        ("getEnv", [n]) => (expr_string(n), None),
        ("maybeEnv", [n, d]) => (expr_string(n), expr_string(d)),
        _ => return None,
    };
    Some(EnvRead {
        node: app.syntax().clone(),
        name: var,
        default,
        range: app.syntax().text_range(),
    })
}

/// A bare alias of getEnv applied fewer times than needed is not a read; the
/// reads are the applications. Every read in a tree.
pub fn env_reads(root: &SyntaxNode) -> Vec<EnvRead> {
    let mut out = Vec::new();
    for node in root.descendants() {
        if node.kind() != SyntaxKind::NODE_APPLY {
            continue;
        }
        // Only the outermost application of a spine.
        if node.parent().is_some_and(|p| {
            p.kind() == SyntaxKind::NODE_APPLY
                && ast::Apply::cast(p.clone())
                    .and_then(|a| a.lambda())
                    .is_some_and(|l| l.syntax() == &node)
        }) {
            // `maybeEnv "X"` is the head of `maybeEnv "X" d`: skip it, unless
            // the head is a complete getEnv call applied to something more.
            let Some(e) = ast::Expr::cast(node.clone()) else {
                continue;
            };
            if let Some((name, args)) = prim_call(&e)
                && name == "getEnv"
                && args.len() == 1
                && let Some(r) = env_read(&e)
            {
                out.push(r);
            }
            continue;
        }
        if let Some(e) = ast::Expr::cast(node.clone())
            && let Some(r) = env_read(&e)
        {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn reads(src: &str) -> Vec<Option<String>> {
        let p = parse(src);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        env_reads(&p.syntax()).into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn reads_through_aliases() {
        assert_eq!(reads("builtins.getEnv \"A\""), vec![Some("A".into())]);
        assert_eq!(
            reads("let env = builtins.getEnv; in env \"B\""),
            vec![Some("B".into())]
        );
        assert_eq!(
            reads("let inherit (builtins) getEnv; in getEnv \"C\""),
            vec![Some("C".into())]
        );
        assert_eq!(reads("with builtins; getEnv \"D\""), vec![Some("D".into())]);
        assert_eq!(
            reads("let b = builtins; in b.getEnv \"E\""),
            vec![Some("E".into())]
        );
        assert_eq!(
            reads("{ lib }: lib.maybeEnv \"F\" \"x\""),
            vec![Some("F".into())]
        );
        // A lexical binding wins over `with`.
        assert_eq!(
            reads("let getEnv = x: x; in with builtins; getEnv \"G\""),
            Vec::<Option<String>>::new()
        );
        assert_eq!(reads("builtins.getEnv name"), vec![None]);
        assert_eq!(reads("x: getEnv \"H\""), Vec::<Option<String>>::new());
    }

    #[test]
    fn references_follow_scopes() {
        let src = "let a = 1; b = a + 1; in { c = a; inherit a; d = let a = 2; in a; }";
        let p = parse(src);
        let root = p.syntax();
        let let_in = root.descendants().find_map(ast::LetIn::cast).unwrap();
        let def = lookup_entries(let_in.syntax(), let_in.entries(), "a").unwrap();
        let refs = references(let_in.syntax(), "a", &def);
        assert_eq!(refs.len(), 3, "{refs:?}");
    }
}
