//! The builtin resolver: does an expression denote `builtins.NAME`?
//!
//! Follows every static alias nixfold can see: `builtins.x`, `builtins."x"`,
//! `__x`, parentheses, `let f = builtins.x; in f`, `let b = builtins; in
//! b.x`, `inherit (builtins) x;`, `with builtins; x` (only when nothing
//! lexical binds `x` and no inner `with` of a literal set has it), attribute
//! selection from literal sets (`{ f = builtins.x; }.f`), and chains of all
//! of these (cycle-safe: a fixed step budget).
//!
//! [`Scopes::builtin_uses`] lists every place a file uses a builtin, with the
//! call it makes if any; rules filter it by name.

use crate::syntax::{SyntaxKind, SyntaxNode};

use super::names::{builtin_attr, static_attr_name, strip_parens};
use std::collections::HashMap;

use super::green::G;
use super::scopes::{BindingId, BindingKind, NodePtr, Resolution, Scopes, WithId};

use SyntaxKind::*;

/// An expression that denotes a builtin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinRef {
    /// The `builtins` attribute denoted: `"getEnv"` for `builtins.getEnv`,
    /// `__getEnv` or an alias of either; `"builtins"` for the set itself.
    pub name: &'static str,
}

/// How a builtin is used at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UseKind {
    /// The expression is applied to arguments: `builtins.getEnv "X"`,
    /// `(env) "X"`, `f a b` (see [`BuiltinUse::args`]).
    Call,
    /// The expression only defines a `let` alias (`let env = builtins.getEnv;`
    /// or `let inherit (builtins) getEnv;`); the uses of the alias are listed
    /// separately.
    Alias,
    /// Any other use: passed as a value (`map builtins.getEnv names`), stored
    /// in an attribute (`{ env = builtins.getEnv; }`), or a non-function
    /// value read (`builtins.currentSystem`).
    Reference,
}

/// One use of a builtin in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinUse {
    /// The `builtins` attribute used (see [`BuiltinRef::name`]).
    pub name: &'static str,
    pub kind: UseKind,
    /// The expression denoting the builtin: a `NODE_IDENT`, `NODE_SELECT`, or
    /// the attribute name in `inherit (builtins) name;`.
    pub expr: NodePtr,
    /// Whether the value came through a binding or attribute that holds the
    /// builtin (`env` in `let env = builtins.getEnv; in env "X"`), rather than
    /// being named here (`builtins.getEnv`, `__getEnv`, `with builtins; getEnv`,
    /// `b.getEnv` where `b` is `builtins`).
    pub aliased: bool,
    /// For [`UseKind::Call`]: the innermost `NODE_APPLY` (`f a` of `f a b`).
    pub call: Option<NodePtr>,
}

impl BuiltinUse {
    /// The arguments of a call, in order (`[a, b]` for `f a b`); empty for
    /// non-calls. `root` is a root of the file's tree.
    pub fn args(&self, root: &SyntaxNode) -> Vec<SyntaxNode> {
        match self.expr.try_to_node(root) {
            Some(e) if self.kind == UseKind::Call => apply_chain(&e).0,
            _ => Vec::new(),
        }
    }

    /// The outermost application of a call chain (`f a b` for `f`), or the
    /// expression itself for non-calls.
    pub fn outermost(&self, root: &SyntaxNode) -> Option<SyntaxNode> {
        let e = self.expr.try_to_node(root)?;
        if self.kind == UseKind::Call {
            apply_chain(&e).1.or(Some(e))
        } else {
            Some(e)
        }
    }
}

/// The arguments `expr` is applied to and the outermost `NODE_APPLY`.
fn apply_chain(expr: &SyntaxNode) -> (Vec<SyntaxNode>, Option<SyntaxNode>) {
    let mut args = Vec::new();
    let mut outer = None;
    let mut cur = expr.clone();
    loop {
        let Some(mut parent) = cur.parent() else {
            break;
        };
        while parent.kind() == NODE_PAREN {
            cur = parent.clone();
            match parent.parent() {
                Some(p) => parent = p,
                None => return (args, outer),
            }
        }
        if parent.kind() != NODE_APPLY || parent.first_child().as_ref() != Some(&cur) {
            break;
        }
        match parent.children().nth(1) {
            Some(arg) => args.push(arg),
            None => break,
        }
        outer = Some(parent.clone());
        cur = parent;
    }
    (args, outer)
}

/// Whether `expr` denotes a builtin, and which.
///
/// ```
/// use nixfold::hir::{Scopes, builtin_ref};
/// use nixfold::syntax::parse;
/// let p = parse("let env = builtins.getEnv; in env \"X\"");
/// let scopes = Scopes::from_parsed(&p);
/// // the `env` of the body (the first `env` is the binder)
/// let env = p.syntax().descendants().filter(|n| n.text() == "env").last().unwrap();
/// assert_eq!(builtin_ref(&scopes, &env).unwrap().name, "getEnv");
/// ```
pub fn builtin_ref(scopes: &Scopes, expr: &SyntaxNode) -> Option<BuiltinRef> {
    let mut r = Resolver::new(scopes);
    match r.value_of(expr) {
        Val::Builtin(name) => Some(BuiltinRef { name }),
        _ => None,
    }
}

/// Every use of the builtin `name` in the file (see [`Scopes::builtin_uses`]).
pub fn find_builtin_uses<'a>(
    scopes: &'a Scopes,
    name: &'a str,
) -> impl Iterator<Item = &'a BuiltinUse> + 'a {
    scopes.builtin_uses().iter().filter(move |u| u.name == name)
}

impl Scopes {
    /// Every use of every builtin in the file except the `builtins` set
    /// itself, in source order; computed on first call.
    ///
    /// Each maximal expression that denotes a builtin is listed once: for
    /// `builtins.getEnv "X"` the select `builtins.getEnv` (not the `builtins`
    /// inside it). The definition of a `let` alias is listed with
    /// [`UseKind::Alias`] and each use of the alias on its own.
    pub fn builtin_uses(&self) -> &[BuiltinUse] {
        self.builtin_uses.get_or_init(|| compute_uses(self))
    }
}

/// A possible builtin use found while building the scopes, to be resolved
/// on demand (see [`Scopes::builtin_uses`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    /// An identifier, a select or an `inherit (e) ...;` entry.
    pub ptr: NodePtr,
    /// How the expression is used (for identifiers and selects).
    pub kind: UseKind,
    pub call: Option<NodePtr>,
    /// For a select with an identifier base: that identifier.
    pub base: Option<NodePtr>,
}

fn compute_uses(scopes: &Scopes) -> Vec<BuiltinUse> {
    let mut out = scopes.direct_uses.clone();
    if scopes.candidates.is_empty() {
        return out;
    }
    let mut r = Resolver::new(scopes);
    for c in &scopes.candidates {
        r.budget = BUDGET;
        match c.ptr.kind() {
            NODE_IDENT => {
                let Some(res) = scopes
                    .reference_at(c.ptr.text_range().start())
                    .map(|r| r.resolution)
                else {
                    continue;
                };
                let name = match res {
                    Resolution::Local(b) => scopes.name(b),
                    Resolution::With(_) => {
                        match scopes.green_at(c.ptr).and_then(|g| g.first_token_text()) {
                            Some(t) => t,
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                if let Val::Builtin(b) = r.value_of_resolution(res, name)
                    && b != "builtins"
                {
                    let aliased = match res {
                        Resolution::With(w) => r.with_aliased(w, name),
                        _ => true,
                    };
                    out.push(c.to_use(b, aliased));
                }
            }
            NODE_SELECT => {
                // Most selects on a binding end here, on its cached value.
                if let Some(base) = c.base
                    && matches!(r.value_of_ptr(base), Val::Unknown)
                {
                    continue;
                }
                let Some(node) = c.ptr.try_to_node(&r.root) else {
                    continue;
                };
                r.budget = BUDGET;
                if let Val::Builtin(b) = r.value_of(&node)
                    && b != "builtins"
                {
                    let aliased = r.is_aliased(&node);
                    out.push(c.to_use(b, aliased));
                }
            }
            NODE_INHERIT => {
                if let Some(node) = c.ptr.try_to_node(&r.root) {
                    inherit_from_uses(&mut r, &node, &mut out);
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|u| u.expr.text_range().start());
    out
}

impl Candidate {
    fn to_use(self, name: &'static str, aliased: bool) -> BuiltinUse {
        BuiltinUse {
            name,
            kind: self.kind,
            expr: self.ptr,
            aliased,
            call: self.call,
        }
    }
}

/// `inherit (e) a b;` where `e` denotes `builtins` (or a set holding builtins).
fn inherit_from_uses(r: &mut Resolver<'_>, node: &SyntaxNode, out: &mut Vec<BuiltinUse>) {
    let Some(from) = node
        .children()
        .find(|c| c.kind() == NODE_INHERIT_FROM)
        .and_then(|f| f.children().next())
    else {
        return;
    };
    r.budget = BUDGET;
    let base = r.value_of(&from);
    if matches!(base, Val::Unknown) {
        return;
    }
    let in_let = node
        .parent()
        .is_some_and(|p| matches!(p.kind(), NODE_LET_IN | NODE_LEGACY_LET));
    for a in node.children() {
        if !matches!(a.kind(), NODE_IDENT | NODE_STRING) {
            continue;
        }
        let Some(name) = static_attr_name(&a) else {
            continue;
        };
        r.budget = BUDGET;
        if let Some(Val::Builtin(b)) = r.select(base.clone(), &name)
            && b != "builtins"
        {
            out.push(BuiltinUse {
                name: b,
                kind: if in_let {
                    UseKind::Alias
                } else {
                    UseKind::Reference
                },
                expr: NodePtr::new(&a),
                aliased: !matches!(base, Val::Builtin("builtins")),
                call: None,
            });
        }
    }
}

/// How the expression `g` (with ancestors `path`) uses its value.
pub(super) fn classify(g: G<'_>, path: &[G<'_>]) -> (UseKind, Option<NodePtr>) {
    let mut top = g;
    let mut i = path.len();
    while i > 0 && path[i - 1].kind() == NODE_PAREN {
        top = path[i - 1];
        i -= 1;
    }
    if i == 0 {
        return (UseKind::Reference, None);
    }
    let parent = path[i - 1];
    let in_let = i >= 2 && matches!(path[i - 2].kind(), NODE_LET_IN | NODE_LEGACY_LET);
    match parent.kind() {
        NODE_APPLY
            if parent
                .first_child()
                .is_some_and(|c| c.range() == top.range()) =>
        {
            (UseKind::Call, Some(parent.ptr()))
        }
        NODE_ATTRPATH_VALUE => {
            let single = parent
                .first_child()
                .filter(|p| p.kind() == NODE_ATTRPATH)
                .is_some_and(|p| p.children().count() == 1);
            if single && in_let {
                (UseKind::Alias, None)
            } else {
                (UseKind::Reference, None)
            }
        }
        NODE_INHERIT if in_let => (UseKind::Alias, None),
        _ => (UseKind::Reference, None),
    }
}

/// Steps allowed for one resolution (bounds alias chains and cycles).
const BUDGET: u32 = 64;

/// What an expression statically denotes.
#[derive(Debug, Clone)]
enum Val {
    /// `builtins.NAME` (`"builtins"`: the set).
    Builtin(&'static str),
    /// A literal attribute set (`NODE_ATTR_SET`).
    AttrSet(SyntaxNode),
    /// Anything nixfold cannot see through.
    Unknown,
}

struct Resolver<'a> {
    scopes: &'a Scopes,
    root: SyntaxNode,
    budget: u32,
    /// Values of bindings and `with` namespaces already resolved (an entry
    /// is `Unknown` while it is being computed, which also breaks cycles).
    bindings: HashMap<BindingId, Val>,
    namespaces: HashMap<WithId, Val>,
}

impl<'a> Resolver<'a> {
    fn new(scopes: &'a Scopes) -> Self {
        Resolver {
            scopes,
            root: scopes.root(),
            budget: BUDGET,
            bindings: HashMap::new(),
            namespaces: HashMap::new(),
        }
    }

    fn binding_value(&mut self, id: BindingId, name: &str) -> Val {
        if let Some(v) = self.bindings.get(&id) {
            return v.clone();
        }
        self.bindings.insert(id, Val::Unknown);
        let v = self.compute_binding_value(id, name);
        if self.budget == 0 {
            // Ran out of steps: the answer may be incomplete, do not keep it.
            self.bindings.remove(&id);
        } else {
            self.bindings.insert(id, v.clone());
        }
        v
    }

    fn namespace_value(&mut self, id: WithId) -> Option<Val> {
        if let Some(v) = self.namespaces.get(&id) {
            return Some(v.clone());
        }
        let ns = self.scopes.with_scope(id).namespace?;
        self.namespaces.insert(id, Val::Unknown);
        let v = self.value_of_ptr(ns);
        if self.budget == 0 {
            self.namespaces.remove(&id);
        } else {
            self.namespaces.insert(id, v.clone());
        }
        Some(v)
    }

    fn node(&self, p: &NodePtr) -> Option<SyntaxNode> {
        p.try_to_node(&self.root)
    }

    /// [`Self::value_of`] for a pointer, building a node only for the few
    /// kinds that need one (most bound values are applications, lambdas,
    /// literals... which denote no builtin).
    fn value_of_ptr(&mut self, p: NodePtr) -> Val {
        match p.kind() {
            NODE_IDENT => {
                if self.budget == 0 {
                    return Val::Unknown;
                }
                self.budget -= 1;
                let scopes = self.scopes;
                let Some(res) = scopes
                    .reference_at(p.text_range().start())
                    .filter(|r| r.range == p.text_range())
                    .map(|r| r.resolution)
                else {
                    return Val::Unknown;
                };
                let name = match res {
                    Resolution::Local(b) => scopes.name(b),
                    Resolution::With(_) => {
                        match scopes.green_at(p).and_then(|g| g.first_token_text()) {
                            Some(t) => t,
                            None => return Val::Unknown,
                        }
                    }
                    _ => "",
                };
                self.value_of_resolution(res, name)
            }
            NODE_SELECT | NODE_ATTR_SET | NODE_LET_IN | NODE_PAREN => match self.node(&p) {
                Some(n) => self.value_of(&n),
                None => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    fn value_of(&mut self, expr: &SyntaxNode) -> Val {
        if self.budget == 0 {
            return Val::Unknown;
        }
        self.budget -= 1;
        let expr = strip_parens(expr);
        match expr.kind() {
            NODE_IDENT => match (self.scopes.resolve(&expr), expr.first_token()) {
                (Some(res), Some(tok)) => self.value_of_resolution(res, tok.text()),
                _ => Val::Unknown,
            },
            NODE_SELECT => {
                let mut children = expr.children();
                let (Some(base), Some(path)) = (children.next(), children.next()) else {
                    return Val::Unknown;
                };
                if path.kind() != NODE_ATTRPATH {
                    return Val::Unknown;
                }
                let mut cur = self.value_of(&base);
                for attr in path.children() {
                    if matches!(cur, Val::Unknown) {
                        break;
                    }
                    let Some(name) = static_attr_name(&attr) else {
                        return Val::Unknown;
                    };
                    cur = self.select(cur, &name).unwrap_or(Val::Unknown);
                }
                cur
            }
            NODE_ATTR_SET => Val::AttrSet(expr),
            NODE_LET_IN => match expr
                .children()
                .filter(|c| !matches!(c.kind(), NODE_ATTRPATH_VALUE | NODE_INHERIT))
                .last()
            {
                Some(body) => self.value_of(&body),
                None => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    fn value_of_resolution(&mut self, res: Resolution, name: &str) -> Val {
        match res {
            Resolution::Builtin(b) => Val::Builtin(b),
            Resolution::Undefined => Val::Unknown,
            Resolution::Local(id) => self.binding_value(id, name),
            Resolution::With(w) => {
                let chain: Vec<_> = self.scopes.with_chain(w).collect();
                for wid in chain {
                    let Some(v) = self.namespace_value(wid) else {
                        return Val::Unknown;
                    };
                    if let Some(found) = self.select(v, name) {
                        return found;
                    }
                }
                Val::Unknown
            }
        }
    }

    fn compute_binding_value(&mut self, id: BindingId, name: &str) -> Val {
        let b = self.scopes.binding(id);
        match b.kind {
            BindingKind::Let | BindingKind::RecAttr => match b.expr {
                Some(e) => self.value_of_ptr(e),
                None => Val::Unknown,
            },
            BindingKind::InheritFrom => {
                let Some(from) = b.expr else {
                    return Val::Unknown;
                };
                let base = self.value_of_ptr(from);
                let name = self.scopes.name(id).to_string();
                self.select(base, &name).unwrap_or(Val::Unknown)
            }
            BindingKind::Inherit => match self.scopes.reference_at(b.range.start()) {
                Some(r) if r.range == b.range && self.budget > 0 => {
                    self.budget -= 1;
                    let res = r.resolution;
                    self.value_of_resolution(res, name)
                }
                _ => Val::Unknown,
            },
            BindingKind::Formal | BindingKind::LambdaArg | BindingKind::PatBind => Val::Unknown,
        }
    }

    /// `v.name`: `Some(value)`, or `None` when `v` certainly has no such
    /// attribute.
    fn select(&mut self, v: Val, name: &str) -> Option<Val> {
        if self.budget == 0 {
            return Some(Val::Unknown);
        }
        self.budget -= 1;
        match v {
            Val::Builtin("builtins") => builtin_attr(name).map(Val::Builtin),
            Val::Builtin(_) | Val::Unknown => Some(Val::Unknown),
            Val::AttrSet(set) => {
                let mut maybe = false;
                for entry in set.children() {
                    match entry.kind() {
                        NODE_ATTRPATH_VALUE => {
                            let Some(path) =
                                entry.first_child().filter(|p| p.kind() == NODE_ATTRPATH)
                            else {
                                continue;
                            };
                            let mut attrs = path.children();
                            let Some(first) = attrs.next() else { continue };
                            let Some(key) = static_attr_name(&first) else {
                                maybe = true;
                                continue;
                            };
                            if &*key != name {
                                continue;
                            }
                            if attrs.next().is_some() {
                                return Some(Val::Unknown);
                            }
                            let value = entry.children().find(|c| c.kind() != NODE_ATTRPATH)?;
                            return Some(self.value_of(&value));
                        }
                        NODE_INHERIT => {
                            let from = entry
                                .children()
                                .find(|c| c.kind() == NODE_INHERIT_FROM)
                                .and_then(|f| f.children().next());
                            for a in entry.children() {
                                if !matches!(a.kind(), NODE_IDENT | NODE_STRING) {
                                    continue;
                                }
                                if static_attr_name(&a).is_none_or(|k| &*k != name) {
                                    continue;
                                }
                                return Some(match &from {
                                    Some(f) => {
                                        let base = self.value_of(f);
                                        self.select(base, name).unwrap_or(Val::Unknown)
                                    }
                                    None => match self.scopes.resolve(&a) {
                                        Some(res) => self.value_of_resolution(res, name),
                                        None => Val::Unknown,
                                    },
                                });
                            }
                        }
                        _ => {}
                    }
                }
                if maybe { Some(Val::Unknown) } else { None }
            }
        }
    }

    /// Whether `name`, provided by the `with` chain starting at `w`, comes
    /// out of a namespace other than the `builtins` set itself.
    fn with_aliased(&mut self, w: WithId, name: &str) -> bool {
        let chain: Vec<_> = self.scopes.with_chain(w).collect();
        for wid in chain {
            self.budget = BUDGET;
            let Some(v) = self.namespace_value(wid) else {
                return true;
            };
            let is_set = matches!(v, Val::Builtin("builtins"));
            if self.select(v, name).is_some() {
                return !is_set;
            }
        }
        true
    }

    /// Whether the builtin `expr` denotes was copied out of a binding or a
    /// literal set rather than named at `expr` (see [`BuiltinUse::aliased`]).
    fn is_aliased(&mut self, expr: &SyntaxNode) -> bool {
        let expr = strip_parens(expr);
        match expr.kind() {
            NODE_IDENT => match self.scopes.resolve(&expr) {
                Some(Resolution::Local(_)) => true,
                Some(Resolution::With(w)) => match expr.first_token() {
                    Some(tok) => self.with_aliased(w, tok.text()),
                    None => true,
                },
                _ => false,
            },
            NODE_SELECT => {
                let mut children = expr.children();
                let (Some(base), Some(path)) = (children.next(), children.next()) else {
                    return true;
                };
                let attrs: Vec<_> = path.children().collect();
                let Some((_last, init)) = attrs.split_last() else {
                    return true;
                };
                self.budget = BUDGET;
                let mut cur = self.value_of(&base);
                for a in init {
                    let Some(name) = static_attr_name(a) else {
                        return true;
                    };
                    cur = self.select(cur, &name).unwrap_or(Val::Unknown);
                }
                !matches!(cur, Val::Builtin("builtins"))
            }
            _ => true,
        }
    }
}

/// Whether a use of `builtins.NAME` at `expr` only happens when the
/// attribute exists, the idiom that stays correct under pure evaluation
/// (where `currentSystem` and `currentTime` are missing):
///
/// - `builtins.NAME or default` (the use itself has an `or` default);
/// - in the `then` branch of `if builtins ? NAME then ... else ...` (also
///   when the condition is `builtins ? NAME && ...`), or in the `else`
///   branch of `if !(builtins ? NAME) then ... else ...`;
/// - right of `builtins ? NAME && ...`.
///
/// `builtins` may be spelled through any alias the resolver sees.
pub fn is_presence_guarded(scopes: &Scopes, expr: &SyntaxNode, name: &str) -> bool {
    if expr.kind() == NODE_SELECT
        && expr
            .children_with_tokens()
            .any(|c| c.kind() == SyntaxKind::TOKEN_OR)
    {
        return true;
    }
    guarded_by_presence(scopes, expr, name)
}

/// Whether `expr` only runs under impure evaluation: it sits behind a
/// presence test of `builtins.currentSystem` or `builtins.currentTime`
/// (the shapes [`is_presence_guarded`] lists, without the `or` default),
/// which pure evaluation removes. Flake-compat's
/// `if ... && builtins ? currentSystem then builtins.storePath src else ...`
/// is the idiom.
pub fn is_impure_only(scopes: &Scopes, expr: &SyntaxNode) -> bool {
    ["currentSystem", "currentTime"]
        .iter()
        .any(|name| guarded_by_presence(scopes, expr, name))
}

/// The branch and `&&` part of [`is_presence_guarded`].
fn guarded_by_presence(scopes: &Scopes, expr: &SyntaxNode, name: &str) -> bool {
    let mut child = expr.clone();
    while let Some(parent) = child.parent() {
        match parent.kind() {
            NODE_IF_ELSE => {
                let mut parts = parent.children();
                let (cond, then, other) = (parts.next(), parts.next(), parts.next());
                if let Some(cond) = cond {
                    if then.as_ref() == Some(&child) && guard_holds(scopes, &cond, name, true) {
                        return true;
                    }
                    if other.as_ref() == Some(&child) && guard_holds(scopes, &cond, name, false) {
                        return true;
                    }
                }
            }
            NODE_BIN_OP if bin_op(&parent) == Some(SyntaxKind::TOKEN_AND_AND) => {
                let mut parts = parent.children();
                if let (Some(lhs), Some(rhs)) = (parts.next(), parts.next())
                    && rhs == child
                    && guard_holds(scopes, &lhs, name, true)
                {
                    return true;
                }
            }
            // `lib.optionalAttrs (builtins ? currentSystem) { ... }`, also
            // `optional`, `optionals`, `optionalString`, `mkIf`: the value
            // is only evaluated when the condition holds
            NODE_APPLY if applies_when(scopes, &parent, &child, name) => return true,
            _ => {}
        }
        child = parent;
    }
    false
}

/// Whether `apply` is `f cond child` with `f` one of the functions that use
/// their last argument only when `cond` holds (`optionalAttrs`, `optional`,
/// `optionals`, `optionalString`, `mkIf`) and `cond` tests that `name` is
/// present.
fn applies_when(scopes: &Scopes, apply: &SyntaxNode, child: &SyntaxNode, name: &str) -> bool {
    const CONDITIONAL: [&str; 5] = [
        "optionalAttrs",
        "optional",
        "optionals",
        "optionalString",
        "mkIf",
    ];
    let mut parts = apply.children();
    let (Some(func), Some(arg)) = (parts.next(), parts.next()) else {
        return false;
    };
    let func = crate::hir::strip_parens(&func);
    if &arg != child || func.kind() != NODE_APPLY {
        return false;
    }
    let mut inner = func.children();
    let (Some(f), Some(cond)) = (inner.next(), inner.next()) else {
        return false;
    };
    crate::hir::callee_name(&f).is_some_and(|n| CONDITIONAL.contains(&&*n))
        && guard_holds(scopes, &cond, name, true)
}

fn bin_op(node: &SyntaxNode) -> Option<SyntaxKind> {
    node.children_with_tokens()
        .filter_map(|c| c.into_token())
        .map(|t| t.kind())
        .find(|k| !k.is_trivia())
}

/// Whether `cond` being `expected` implies that `builtins ? name` is true.
fn guard_holds(scopes: &Scopes, cond: &SyntaxNode, name: &str, expected: bool) -> bool {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        let cond = strip_parens(cond);
        match cond.kind() {
            NODE_HAS_ATTR if expected => {
                let mut parts = cond.children();
                let (Some(set), Some(path)) = (parts.next(), parts.next()) else {
                    return false;
                };
                let single = path.children().count() == 1;
                single
                    && path
                        .first_child()
                        .is_some_and(|a| super::names::attr_is(&a, name))
                    && builtin_ref(scopes, &set).is_some_and(|b| b.name == "builtins")
            }
            NODE_UNARY_OP => {
                let not = cond
                    .children_with_tokens()
                    .any(|c| c.kind() == SyntaxKind::TOKEN_INVERT);
                not && cond
                    .first_child()
                    .is_some_and(|inner| guard_holds(scopes, &inner, name, !expected))
            }
            NODE_BIN_OP => {
                let op = bin_op(&cond);
                let mut parts = cond.children();
                let (Some(l), Some(r)) = (parts.next(), parts.next()) else {
                    return false;
                };
                match (op, expected) {
                    // a && b true => both true
                    (Some(SyntaxKind::TOKEN_AND_AND), true) => {
                        guard_holds(scopes, &l, name, true) || guard_holds(scopes, &r, name, true)
                    }
                    // a || b false => both false
                    (Some(SyntaxKind::TOKEN_OR_OR), false) => {
                        guard_holds(scopes, &l, name, false) || guard_holds(scopes, &r, name, false)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    })
}

/// Follow variables bound by `let` or `rec` (`name = expr;`) to the
/// expression they stand for, through parentheses and chains of such
/// variables (at most 16 steps); any other expression is returned as is.
///
/// `let src = { url = ...; }; in fetchTarball src` → the attribute set.
pub fn follow_bindings(scopes: &Scopes, expr: &SyntaxNode) -> SyntaxNode {
    let mut cur = strip_parens(expr);
    let Some(root) = cur.ancestors().last() else {
        return cur;
    };
    for _ in 0..16 {
        if cur.kind() != NODE_IDENT {
            break;
        }
        let Some(Resolution::Local(b)) = scopes.resolve(&cur) else {
            break;
        };
        let binding = scopes.binding(b);
        if !matches!(binding.kind, BindingKind::Let | BindingKind::RecAttr) {
            break;
        }
        let Some(next) = binding.expr.and_then(|p| p.try_to_node(&root)) else {
            break;
        };
        cur = strip_parens(&next);
    }
    cur
}
