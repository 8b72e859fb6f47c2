//! Syntax helpers for the variant analysis: what a name denotes (a [`Def`],
//! read off the file's [`hir::Scopes`]), recognising builtins and nixpkgs
//! `lib` functions through aliases, application spines and literal values.
//!
//! Name resolution is the hir's: a lexical binding always wins over `with`,
//! and so do Nix's global builtins. Every function that resolves names takes
//! the [`Scopes`] of the file its nodes belong to (built from the file's
//! root); the caller owns them, so one file's scopes are built once and
//! shared by every query.

use crate::hir::{self, BindingId, BindingKind, Resolution, Scopes};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange};

/// The definition a binding `av` (with attribute path `path`) makes in its
/// parent `scope`, when that scope binds names (`let`, `rec { }`).
pub fn def_of_binding(
    scope: &SyntaxNode,
    path: &ast::Attrpath,
    av: &ast::AttrpathValue,
) -> Option<Def> {
    let binds = matches!(
        scope.kind(),
        SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_LEGACY_LET
    ) || crate::syntax::is_rec_set(scope);
    binds.then(|| Def::Binding {
        scope: scope.clone(),
        key: path
            .attrs()
            .next()
            .map(|a| a.syntax().clone())
            .unwrap_or(scope.clone()),
        value: av.value(),
    })
}

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
    hir::static_attr_name(attr.syntax()).map(|n| n.to_string())
}

/// The static names of an attribute path; `None` if any part is dynamic.
pub fn attrpath_names(path: &ast::Attrpath) -> Option<Vec<String>> {
    path.attrs().map(|a| attr_name(&a)).collect()
}

/// The value of a string literal without interpolation.
pub fn string_literal(s: &ast::Str) -> Option<String> {
    hir::literal_string(s.syntax())
}

/// Strip parentheses.
pub fn unparen(e: ast::Expr) -> ast::Expr {
    match ast::Expr::cast(hir::strip_parens(e.syntax())) {
        Some(inner) => inner,
        None => e,
    }
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

/// The root of `node`'s tree, checked (in debug builds) to be the tree
/// `scopes` were built from.
fn root_of(scopes: &Scopes, node: &SyntaxNode) -> SyntaxNode {
    let root = node.ancestors().last().unwrap_or_else(|| node.clone());
    debug_assert!(
        scopes.describes(&root),
        "scopes of another file used to resolve a name"
    );
    root
}

/// The [`Def`] of a resolution. `inherit name;` in a let/rec is transparent:
/// its binding resolves to what `name` denotes outside.
fn def_of(scopes: &Scopes, root: &SyntaxNode, mut res: Resolution, name: &str) -> Def {
    loop {
        let id = match res {
            Resolution::Local(id) => id,
            Resolution::With(w) => {
                return match ast::With::cast(scopes.with_scope(w).node.to_node(root)) {
                    Some(with) => Def::With { with },
                    None => Def::Global(name.to_string()),
                };
            }
            Resolution::Builtin(_) | Resolution::Undefined => {
                return Def::Global(name.to_string());
            }
        };
        let b = scopes.binding(id);
        if b.kind == BindingKind::Inherit {
            match scopes.reference_at(b.range.start()) {
                Some(r) => {
                    res = r.resolution;
                    continue;
                }
                None => return Def::Global(name.to_string()),
            }
        }
        return binding_def(scopes, root, id, name)
            .unwrap_or_else(|| Def::Global(name.to_string()));
    }
}

fn binding_def(scopes: &Scopes, root: &SyntaxNode, id: BindingId, name: &str) -> Option<Def> {
    let b = scopes.binding(id);
    let scope = scopes.scope(b.scope).node.to_node(root);
    let def = b.def.to_node(root);
    Some(match b.kind {
        BindingKind::Let | BindingKind::RecAttr => {
            let av = ast::AttrpathValue::cast(def)?;
            let mut attrs = av.attrpath()?.attrs();
            let key = attrs.next()?.syntax().clone();
            let value = if attrs.next().is_none() {
                av.value()
            } else {
                None
            };
            Def::Binding { scope, key, value }
        }
        BindingKind::InheritFrom => Def::InheritFrom {
            scope: def.children().find(|a| a.text_range() == b.range)?,
            from: ast::Expr::cast(b.expr?.to_node(root))?,
            name: name.to_string(),
        },
        BindingKind::LambdaArg => Def::Param {
            lambda: ast::Lambda::cast(scope)?,
        },
        BindingKind::Formal => Def::Formal {
            lambda: ast::Lambda::cast(scope)?,
            entry: Some(ast::PatEntry::cast(def)?),
        },
        BindingKind::PatBind => Def::Formal {
            lambda: ast::Lambda::cast(scope)?,
            entry: None,
        },
        BindingKind::Inherit => return None,
    })
}

/// Resolve a reference (or a binder: a formal, a parameter, the name of an
/// `inherit (e) name;`, which denotes its own definition).
pub fn resolve(scopes: &Scopes, id: &ast::Ident) -> Def {
    let Some(name) = ident_name(id) else {
        return Def::Global(String::new());
    };
    let root = root_of(scopes, id.syntax());
    let res = match scopes.resolve(id.syntax()) {
        Some(res) => res,
        None => match scopes.binding_at(id.syntax().text_range().start()) {
            Some(b) => Resolution::Local(b),
            None => return Def::Global(name),
        },
    };
    def_of(scopes, &root, res, &name)
}

/// Every reference in `scope`'s subtree that resolves to `def` (named `name`),
/// including `inherit name;` entries.
pub fn references(scopes: &Scopes, scope: &SyntaxNode, name: &str, def: &Def) -> Vec<SyntaxNode> {
    let key = def.key();
    let root = root_of(scopes, scope);
    scope
        .descendants()
        .filter(|n| {
            n.kind() == SyntaxKind::NODE_IDENT && n.first_token().is_some_and(|t| t.text() == name)
        })
        .filter(|n| {
            scopes
                .resolve(n)
                .is_some_and(|res| def_of(scopes, &root, res, name).key() == key)
        })
        .collect()
}

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
pub fn callee(scopes: &Scopes, e: &ast::Expr) -> Option<Callee> {
    callee_depth(scopes, e, 0)
}

fn callee_depth(scopes: &Scopes, e: &ast::Expr, depth: u32) -> Option<Callee> {
    if depth > 64 {
        return None;
    }
    match unparen(e.clone()) {
        ast::Expr::Lambda(l) => Some(Callee::Lambda(l)),
        ast::Expr::Ident(id) => {
            let name = ident_name(&id)?;
            match resolve(scopes, &id) {
                Def::Binding { value: Some(v), .. } => callee_depth(scopes, &v, depth + 1),
                Def::Binding { value: None, .. } => None,
                Def::InheritFrom { from, name, .. } => {
                    member_of(callee_depth(scopes, &from, depth + 1)?, &name)
                }
                Def::Formal { .. } | Def::Param { .. } => {
                    // A module argument named `lib` is nixpkgs lib.
                    (name == "lib").then_some(Callee::LibSet)
                }
                Def::With { with } => {
                    // The innermost `with` whose namespace we recognise.
                    let mut w = Some(with);
                    while let Some(cur) = w {
                        if let Some(ns) = cur
                            .namespace()
                            .and_then(|n| callee_depth(scopes, &n, depth + 1))
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
            let mut cur = match callee_depth(scopes, &base, depth + 1) {
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

/// An unbound name: Nix's global builtins (`map`, `__getEnv`, the
/// `builtins` set) and, by convention, `lib`.
fn global(name: &str) -> Option<Callee> {
    if name == "lib" {
        return Some(Callee::LibSet);
    }
    match hir::global_builtin(name)? {
        "builtins" => Some(Callee::BuiltinsSet),
        prim => Some(Callee::Prim(prim.to_string())),
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
pub fn spine(scopes: &Scopes, e: &ast::Expr) -> (ast::Expr, Vec<ast::Expr>) {
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
                match resolve(scopes, id) {
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
pub fn prim_call(scopes: &Scopes, e: &ast::Expr) -> Option<(String, Vec<ast::Expr>)> {
    if !matches!(unparen(e.clone()), ast::Expr::Apply(_)) {
        return None;
    }
    let (head, args) = spine(scopes, e);
    match callee(scopes, &head)? {
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
pub fn env_read(scopes: &Scopes, e: &ast::Expr) -> Option<EnvRead> {
    let ast::Expr::Apply(app) = e else {
        return None;
    };
    let (name, args) = prim_call(scopes, e)?;
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
pub fn env_reads(scopes: &Scopes, root: &SyntaxNode) -> Vec<EnvRead> {
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
            if let Some((name, args)) = prim_call(scopes, &e)
                && name == "getEnv"
                && args.len() == 1
                && let Some(r) = env_read(scopes, &e)
            {
                out.push(r);
            }
            continue;
        }
        if let Some(e) = ast::Expr::cast(node.clone())
            && let Some(r) = env_read(scopes, &e)
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
        let root = p.syntax();
        let scopes = Scopes::new(&root);
        env_reads(&scopes, &root)
            .into_iter()
            .map(|r| r.name)
            .collect()
    }

    #[test]
    fn reads_through_aliases() {
        let none: &[Option<&str>] = &[];
        let cases: &[(&str, &[Option<&str>])] = &[
            ("builtins.getEnv \"A\"", &[Some("A")]),
            ("let env = builtins.getEnv; in env \"B\"", &[Some("B")]),
            (
                "let inherit (builtins) getEnv; in getEnv \"C\"",
                &[Some("C")],
            ),
            ("with builtins; getEnv \"D\"", &[Some("D")]),
            ("let b = builtins; in b.getEnv \"E\"", &[Some("E")]),
            ("{ lib }: lib.maybeEnv \"F\" \"x\"", &[Some("F")]),
            // A lexical binding wins over `with`.
            ("let getEnv = x: x; in with builtins; getEnv \"G\"", none),
            ("builtins.getEnv name", &[None]),
            ("x: getEnv \"H\"", none),
            // `__getEnv` is the global spelling of `builtins.getEnv`, and
            // globals win over `with` as lexical bindings do.
            ("__getEnv \"I\"", &[Some("I")]),
            ("with { __getEnv = x: x; }; __getEnv \"J\"", &[Some("J")]),
            // `inherit x;` in a let is the outer `x`.
            (
                "let e = builtins.getEnv; in let inherit e; in e ''K''",
                &[Some("K")],
            ),
        ];
        for (src, want) in cases {
            let want: Vec<Option<String>> = want.iter().map(|w| w.map(String::from)).collect();
            assert_eq!(reads(src), want, "{src}");
        }
    }

    #[test]
    fn references_follow_scopes() {
        let src = "let a = 1; b = a + 1; in { c = a; inherit a; d = let a = 2; in a; }";
        let p = parse(src);
        let root = p.syntax();
        let let_in = root.descendants().find_map(ast::LetIn::cast).unwrap();
        // the `a` of `b = a + 1`
        let first_use = let_in
            .syntax()
            .descendants()
            .filter_map(ast::Ident::cast)
            .find(|i| is_reference(i) && ident_name(i).as_deref() == Some("a"))
            .unwrap();
        let scopes = Scopes::new(&root);
        let def = resolve(&scopes, &first_use);
        assert!(matches!(def, Def::Binding { .. }), "{def:?}");
        let refs = references(&scopes, let_in.syntax(), "a", &def);
        assert_eq!(refs.len(), 3, "{refs:?}");
    }
}
