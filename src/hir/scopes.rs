//! The per-file scope table: every binding, every variable reference and
//! what it resolves to, computed in one pass over the syntax tree.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::OnceLock;

use rowan::GreenNode;

use super::names::{global_builtin, static_attr_name};
use crate::syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

use SyntaxKind::*;

/// A position-independent pointer to a node of a file's tree (kind + range).
///
/// Turn it back into a node with `ptr.to_node(&root)` / `try_to_node`, where
/// `root` is any root of the same file (e.g. [`Scopes::root`] or
/// `file.parsed.syntax()`).
pub type NodePtr = rowan::ast::SyntaxNodePtr<rnix::NixLanguage>;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);

        impl $name {
            /// Position in the owning table (dense, starting at 0).
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Identifies a [`Binding`] in its file's [`Scopes`].
    BindingId
);
id_type!(
    /// Identifies a [`Scope`] in its file's [`Scopes`].
    ScopeId
);
id_type!(
    /// Identifies a [`WithScope`] in its file's [`Scopes`].
    WithId
);

/// How a name got bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindingKind {
    /// `let name = ...; in` or `let { name = ...; }` (also `name.x = ...`).
    Let,
    /// An attribute of a `rec { }` set (also `name.x = ...`).
    RecAttr,
    /// A formal of a lambda pattern: `{ name, other ? default }: ...`.
    Formal,
    /// A plain lambda argument: `name: ...`.
    LambdaArg,
    /// The `@` name of a pattern lambda: `args@{ ... }:` or `{ ... }@args:`.
    PatBind,
    /// `inherit name;` in a `let` or `rec { }`: the value is the variable
    /// `name` of the enclosing scope (the identifier is also a [`Reference`]).
    Inherit,
    /// `inherit (expr) name;` in a `let` or `rec { }`: the value is `expr.name`.
    InheritFrom,
}

/// What kind of construct opens a [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    /// `let ... in ...`
    LetIn,
    /// `let { ...; body = ...; }`
    LegacyLet,
    /// `rec { ... }`
    RecAttrSet,
    /// A lambda (`x: ...` or `{ ... }@a: ...`).
    Lambda,
}

/// One name introduced by a `let`, `rec`, lambda or `inherit`.
#[derive(Debug, Clone)]
pub struct Binding {
    name: u32,
    /// How the name was bound.
    pub kind: BindingKind,
    /// Range of the binder: the identifier (or static string attribute)
    /// that introduces the name. For `a.b = 1;` it is the `a`.
    pub range: TextRange,
    /// The defining node: `NODE_ATTRPATH_VALUE`, `NODE_INHERIT` (which may
    /// bind several names), `NODE_PAT_ENTRY`, `NODE_PAT_BIND` or
    /// `NODE_IDENT_PARAM`. When one name is defined by several entries
    /// (`a.b = 1; a.c = 2;`) this is the first; see [`Scopes::defs`].
    pub def: NodePtr,
    /// The bound expression, where there is one:
    /// - `Let`/`RecAttr`: the value of `name = value;` (`None` when the name
    ///   is defined through a longer attrpath or by several entries);
    /// - `InheritFrom`: the `expr` of `inherit (expr) name;`;
    /// - `Formal`: the default of `name ? default` (the caller may override it);
    /// - otherwise `None`.
    pub expr: Option<NodePtr>,
    /// The scope the binding belongs to.
    pub scope: ScopeId,
}

/// A `let`, `rec { }` or lambda and the names it binds.
#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: ScopeKind,
    /// The `NODE_LET_IN`, `NODE_LEGACY_LET`, `NODE_ATTR_SET` or `NODE_LAMBDA`.
    pub node: NodePtr,
    /// The lexically enclosing scope.
    pub parent: Option<ScopeId>,
    bindings: Range<u32>,
}

/// A `with expr; body` expression.
#[derive(Debug, Clone)]
pub struct WithScope {
    /// The `NODE_WITH`.
    pub node: NodePtr,
    /// The namespace expression (`expr`), if the tree has one.
    pub namespace: Option<NodePtr>,
    /// The next enclosing `with`, if any.
    pub parent: Option<WithId>,
}

/// What a variable reference denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// A lexical binding of this file. Lexical bindings always win.
    Local(BindingId),
    /// Not bound lexically nor a global builtin, but inside at least one
    /// `with`: the value comes from the innermost `with` that has the
    /// attribute (follow [`Scopes::with_chain`] outwards).
    With(WithId),
    /// A name of Nix's base environment; the string is the `builtins`
    /// attribute it stands for (`map` → `"map"`, `__getEnv` → `"getEnv"`,
    /// `builtins` → `"builtins"`).
    Builtin(&'static str),
    /// Not bound anywhere: evaluating it is an error.
    Undefined,
}

/// One use of a variable: a `NODE_IDENT` in expression position (including
/// the names of `inherit name;`, which refer to the enclosing scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Range of the `NODE_IDENT`.
    pub range: TextRange,
    pub resolution: Resolution,
}

/// Scopes and name resolution of one file, computed once.
///
/// Build with [`Scopes::new`]; in lint rules use `cx.scopes()`, which
/// computes it on first use and shares it between rules.
pub struct Scopes {
    green: GreenNode,
    names: Vec<Box<str>>,
    bindings: Vec<Binding>,
    extra_defs: Vec<(BindingId, NodePtr)>,
    scopes: Vec<Scope>,
    withs: Vec<WithScope>,
    /// Sorted by start offset.
    refs: Vec<Reference>,
    /// `uses[use_offsets[b]..use_offsets[b + 1]]` are the reference indices of binding `b`.
    use_offsets: Vec<u32>,
    uses: Vec<u32>,
    /// (binder start, binding), sorted.
    binders: Vec<(TextSize, BindingId)>,
    pub(super) builtin_uses: OnceLock<Vec<super::builtins::BuiltinUse>>,
}

impl std::fmt::Debug for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scopes")
            .field("bindings", &self.bindings.len())
            .field("references", &self.refs.len())
            .field("withs", &self.withs.len())
            .finish()
    }
}

impl Scopes {
    /// Resolve every name of the tree under `root` (normally the file's
    /// root; for a subtree, names bound outside it count as unbound).
    pub fn new(root: &SyntaxNode) -> Scopes {
        let mut b = Builder::default();
        b.walk(root);
        b.finish(root)
    }

    /// Scopes of a parsed file.
    pub fn from_parsed(parsed: &crate::syntax::Parsed) -> Scopes {
        Scopes::new(&parsed.syntax())
    }

    /// A root node of the tree these scopes describe (for `NodePtr::to_node`).
    pub fn root(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// Every binding of the file, in no particular order.
    pub fn bindings(&self) -> impl ExactSizeIterator<Item = (BindingId, &Binding)> + '_ {
        self.bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (BindingId(i as u32), b))
    }

    pub fn binding(&self, id: BindingId) -> &Binding {
        &self.bindings[id.index()]
    }

    /// The name a binding binds.
    pub fn name(&self, id: BindingId) -> &str {
        &self.names[self.bindings[id.index()].name as usize]
    }

    /// All defining nodes of a binding (more than one for `a.b = 1; a.c = 2;`).
    pub fn defs(&self, id: BindingId) -> impl Iterator<Item = NodePtr> + '_ {
        std::iter::once(self.bindings[id.index()].def).chain(
            self.extra_defs
                .iter()
                .filter(move |(b, _)| *b == id)
                .map(|(_, p)| *p),
        )
    }

    /// Every reference of the file, sorted by position.
    pub fn references(&self) -> &[Reference] {
        &self.refs
    }

    /// The reference whose identifier starts at `offset`, if there is one.
    pub fn reference_at(&self, offset: TextSize) -> Option<&Reference> {
        self.refs
            .binary_search_by_key(&offset, |r| r.range.start())
            .ok()
            .map(|i| &self.refs[i])
    }

    /// What the identifier node denotes, or `None` if the node is not a
    /// variable reference (an attribute name, a binder, not a `NODE_IDENT`).
    pub fn resolve(&self, ident: &SyntaxNode) -> Option<Resolution> {
        if ident.kind() != NODE_IDENT {
            return None;
        }
        self.reference_at(ident.text_range().start())
            .filter(|r| r.range == ident.text_range())
            .map(|r| r.resolution)
    }

    /// The references that resolve to `id`, in source order.
    pub fn uses(&self, id: BindingId) -> impl ExactSizeIterator<Item = &Reference> + '_ {
        let i = id.index();
        let (s, e) = (
            self.use_offsets[i] as usize,
            self.use_offsets[i + 1] as usize,
        );
        self.uses[s..e].iter().map(|&r| &self.refs[r as usize])
    }

    /// Whether any reference resolves to `id`.
    pub fn is_used(&self, id: BindingId) -> bool {
        let i = id.index();
        self.use_offsets[i] != self.use_offsets[i + 1]
    }

    /// Whether `id` is used outside its own definition(s): `let f = x: f x;`
    /// uses `f` only recursively, so this is `false` for it.
    pub fn is_used_outside_def(&self, id: BindingId) -> bool {
        let b = &self.bindings[id.index()];
        if matches!(
            b.kind,
            BindingKind::Formal | BindingKind::LambdaArg | BindingKind::PatBind
        ) {
            return self.is_used(id);
        }
        self.uses(id).any(|r| {
            !self
                .defs(id)
                .any(|d| d.text_range().contains_range(r.range))
        })
    }

    /// The binding introduced by the binder identifier (or string attribute)
    /// starting at `offset`.
    pub fn binding_at(&self, offset: TextSize) -> Option<BindingId> {
        self.binders
            .binary_search_by_key(&offset, |(s, _)| *s)
            .ok()
            .map(|i| self.binders[i].1)
    }

    pub fn scope(&self, id: ScopeId) -> &Scope {
        &self.scopes[id.index()]
    }

    /// Every scope of the file.
    pub fn scopes(&self) -> impl ExactSizeIterator<Item = (ScopeId, &Scope)> + '_ {
        self.scopes
            .iter()
            .enumerate()
            .map(|(i, s)| (ScopeId(i as u32), s))
    }

    /// The bindings of one scope, in source order.
    pub fn scope_bindings(&self, id: ScopeId) -> impl ExactSizeIterator<Item = BindingId> + '_ {
        self.scopes[id.index()].bindings.clone().map(BindingId)
    }

    /// Every `with` of the file.
    pub fn withs(&self) -> impl ExactSizeIterator<Item = (WithId, &WithScope)> + '_ {
        self.withs
            .iter()
            .enumerate()
            .map(|(i, w)| (WithId(i as u32), w))
    }

    pub fn with_scope(&self, id: WithId) -> &WithScope {
        &self.withs[id.index()]
    }

    /// `id` and its enclosing `with`s, innermost first.
    pub fn with_chain(&self, id: WithId) -> impl Iterator<Item = WithId> + '_ {
        std::iter::successors(Some(id), move |w| self.withs[w.index()].parent)
    }
}

/// A fast, non-cryptographic hasher for the name table (FxHash-style).
#[derive(Default)]
struct NameHasher(u64);

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().unwrap());
            h = (h.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

const NONE: u32 = u32::MAX;

#[derive(Default)]
struct Builder {
    interner: HashMap<Box<str>, u32, BuildHasherDefault<NameHasher>>,
    names: Vec<Box<str>>,
    /// Innermost visible binding per name (or `NONE`).
    current: Vec<u32>,
    /// (name, previous binding) to restore when a scope closes.
    undo: Vec<(u32, u32)>,
    cur_scope: Option<ScopeId>,
    cur_with: Option<WithId>,
    bindings: Vec<Binding>,
    extra_defs: Vec<(BindingId, NodePtr)>,
    scopes: Vec<Scope>,
    withs: Vec<WithScope>,
    refs: Vec<Reference>,
}

impl Builder {
    fn finish(self, root: &SyntaxNode) -> Scopes {
        let mut refs = self.refs;
        if !refs.is_sorted_by_key(|r| r.range.start()) {
            refs.sort_by_key(|r| r.range.start());
        }
        let n = self.bindings.len();
        let mut use_offsets = vec![0u32; n + 1];
        for r in &refs {
            if let Resolution::Local(b) = r.resolution {
                use_offsets[b.index() + 1] += 1;
            }
        }
        for i in 0..n {
            use_offsets[i + 1] += use_offsets[i];
        }
        let mut fill = use_offsets.clone();
        let mut uses = vec![0u32; refs.len()];
        let mut used = 0;
        for (ri, r) in refs.iter().enumerate() {
            if let Resolution::Local(b) = r.resolution {
                let slot = &mut fill[b.index()];
                uses[*slot as usize] = ri as u32;
                *slot += 1;
                used += 1;
            }
        }
        uses.truncate(used);
        let mut binders: Vec<(TextSize, BindingId)> = self
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.range.start(), BindingId(i as u32)))
            .collect();
        binders.sort_unstable();
        Scopes {
            green: root
                .ancestors()
                .last()
                .unwrap_or_else(|| root.clone())
                .green()
                .to_owned(),
            names: self.names,
            bindings: self.bindings,
            extra_defs: self.extra_defs,
            scopes: self.scopes,
            withs: self.withs,
            refs,
            use_offsets,
            uses,
            binders,
            builtin_uses: OnceLock::new(),
        }
    }

    fn walk(&mut self, node: &SyntaxNode) {
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.walk_inner(node));
    }

    fn walk_children(&mut self, node: &SyntaxNode) {
        for c in node.children() {
            self.walk(&c);
        }
    }

    fn walk_inner(&mut self, node: &SyntaxNode) {
        match node.kind() {
            NODE_IDENT => self.reference(node),
            // Attribute names are not references; dynamic parts and string
            // interpolations inside them are walked.
            NODE_ATTRPATH => {
                for c in node.children() {
                    if c.kind() != NODE_IDENT {
                        self.walk(&c);
                    }
                }
            }
            NODE_LET_IN => self.recursive(node, ScopeKind::LetIn, BindingKind::Let),
            NODE_LEGACY_LET => self.recursive(node, ScopeKind::LegacyLet, BindingKind::Let),
            NODE_ATTR_SET if has_token(node, TOKEN_REC) => {
                self.recursive(node, ScopeKind::RecAttrSet, BindingKind::RecAttr)
            }
            // In a plain attribute set, `inherit x;` refers to `x` here.
            NODE_INHERIT => {
                for c in node.children() {
                    match c.kind() {
                        NODE_INHERIT_FROM => self.walk_children(&c),
                        NODE_IDENT if !has_child(node, NODE_INHERIT_FROM) => self.reference(&c),
                        NODE_IDENT => {}
                        _ => self.walk(&c),
                    }
                }
            }
            NODE_LAMBDA => self.lambda(node),
            NODE_WITH => self.with(node),
            _ => self.walk_children(node),
        }
    }

    fn reference(&mut self, node: &SyntaxNode) {
        let Some(tok) = node.first_token() else {
            return;
        };
        let text = tok.text();
        let local = self
            .interner
            .get(text)
            .map(|&n| self.current[n as usize])
            .filter(|&b| b != NONE);
        let resolution = if let Some(b) = local {
            Resolution::Local(BindingId(b))
        } else if let Some(g) = global_builtin(text) {
            Resolution::Builtin(g)
        } else if let Some(w) = self.cur_with {
            Resolution::With(w)
        } else {
            Resolution::Undefined
        };
        self.refs.push(Reference {
            range: node.text_range(),
            resolution,
        });
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.interner.get(name) {
            return n;
        }
        let n = self.names.len() as u32;
        self.names.push(name.into());
        self.interner.insert(name.into(), n);
        self.current.push(NONE);
        n
    }

    fn open_scope(&mut self, kind: ScopeKind, node: &SyntaxNode) -> ScopeId {
        let id = ScopeId(self.scopes.len() as u32);
        let start = self.bindings.len() as u32;
        self.scopes.push(Scope {
            kind,
            node: NodePtr::new(node),
            parent: self.cur_scope,
            bindings: start..start,
        });
        id
    }

    /// Bind `name` in scope `scope` (which must be the newest scope).
    fn declare(
        &mut self,
        scope: ScopeId,
        name: &str,
        kind: BindingKind,
        range: TextRange,
        def: &SyntaxNode,
        expr: Option<&SyntaxNode>,
    ) {
        let n = self.intern(name);
        let prev = self.current[n as usize];
        let first_of_scope = self.scopes[scope.index()].bindings.start;
        if prev != NONE && prev >= first_of_scope {
            // Defined again in the same scope: `a.b = 1; a.c = 2;` merges
            // into one attribute set (anything else is an error in Nix).
            let id = BindingId(prev);
            self.extra_defs.push((id, NodePtr::new(def)));
            self.bindings[prev as usize].expr = None;
            return;
        }
        let id = self.bindings.len() as u32;
        self.bindings.push(Binding {
            name: n,
            kind,
            range,
            def: NodePtr::new(def),
            expr: expr.map(NodePtr::new),
            scope,
        });
        self.scopes[scope.index()].bindings.end = id + 1;
        self.undo.push((n, prev));
        self.current[n as usize] = id;
    }

    fn close_scope(&mut self, mark: usize, saved: Option<ScopeId>) {
        while self.undo.len() > mark {
            let (n, prev) = self.undo.pop().unwrap();
            self.current[n as usize] = prev;
        }
        self.cur_scope = saved;
    }

    /// `let`, `let { }` and `rec { }`: every entry sees every binding.
    fn recursive(&mut self, node: &SyntaxNode, skind: ScopeKind, bkind: BindingKind) {
        // `inherit x;` takes `x` from the enclosing scope, so resolve it first.
        for entry in node.children() {
            if entry.kind() == NODE_INHERIT && !has_child(&entry, NODE_INHERIT_FROM) {
                for a in entry.children() {
                    if a.kind() == NODE_IDENT {
                        self.reference(&a);
                    } else {
                        self.walk(&a);
                    }
                }
            }
        }
        let scope = self.open_scope(skind, node);
        let mark = self.undo.len();
        for entry in node.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(path) = entry.children().find(|c| c.kind() == NODE_ATTRPATH) else {
                        continue;
                    };
                    let mut attrs = path.children();
                    let Some(first) = attrs.next() else { continue };
                    if first.kind() == NODE_DYNAMIC {
                        continue;
                    }
                    let Some(name) = static_attr_name(&first) else {
                        continue;
                    };
                    let value = if attrs.next().is_none() {
                        entry.children().find(|c| c.kind() != NODE_ATTRPATH)
                    } else {
                        None
                    };
                    self.declare(
                        scope,
                        &name,
                        bkind,
                        first.text_range(),
                        &entry,
                        value.as_ref(),
                    );
                }
                NODE_INHERIT => {
                    let from = entry
                        .children()
                        .find(|c| c.kind() == NODE_INHERIT_FROM)
                        .and_then(|f| f.children().next());
                    let kind = if has_child(&entry, NODE_INHERIT_FROM) {
                        BindingKind::InheritFrom
                    } else {
                        BindingKind::Inherit
                    };
                    for a in entry.children() {
                        if !matches!(a.kind(), NODE_IDENT | NODE_STRING) {
                            continue;
                        }
                        if let Some(name) = static_attr_name(&a) {
                            self.declare(scope, &name, kind, a.text_range(), &entry, from.as_ref());
                        }
                    }
                }
                _ => {}
            }
        }
        let saved = self.cur_scope.replace(scope);
        for entry in node.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => self.walk_children(&entry),
                NODE_INHERIT => {
                    for c in entry.children() {
                        match c.kind() {
                            NODE_INHERIT_FROM => self.walk_children(&c),
                            NODE_IDENT | NODE_STRING => {}
                            // Plain inherits were resolved above.
                            _ if !has_child(&entry, NODE_INHERIT_FROM) => {}
                            _ => self.walk(&c),
                        }
                    }
                }
                _ => self.walk(&entry),
            }
        }
        self.close_scope(mark, saved);
    }

    fn lambda(&mut self, node: &SyntaxNode) {
        let scope = self.open_scope(ScopeKind::Lambda, node);
        let mark = self.undo.len();
        let mut children = node.children();
        let param = children.next();
        if let Some(param) = &param {
            match param.kind() {
                NODE_IDENT_PARAM => {
                    if let Some(id) = param.children().find(|c| c.kind() == NODE_IDENT)
                        && let Some(name) = static_attr_name(&id)
                    {
                        let r = id.text_range();
                        self.declare(scope, &name, BindingKind::LambdaArg, r, param, None);
                    }
                }
                NODE_PATTERN => {
                    for c in param.children() {
                        let (kind, ident, default) = match c.kind() {
                            NODE_PAT_ENTRY => {
                                let mut it = c.children();
                                (BindingKind::Formal, it.next(), it.next())
                            }
                            NODE_PAT_BIND => (
                                BindingKind::PatBind,
                                c.children().find(|i| i.kind() == NODE_IDENT),
                                None,
                            ),
                            _ => continue,
                        };
                        if let Some(id) = ident.filter(|i| i.kind() == NODE_IDENT)
                            && let Some(name) = static_attr_name(&id)
                        {
                            let r = id.text_range();
                            self.declare(scope, &name, kind, r, &c, default.as_ref());
                        }
                    }
                }
                _ => {}
            }
        }
        let saved = self.cur_scope.replace(scope);
        if let Some(param) = &param {
            match param.kind() {
                NODE_IDENT_PARAM => {}
                NODE_PATTERN => {
                    // Defaults see every formal and the `@` name.
                    for c in param.children() {
                        match c.kind() {
                            NODE_PAT_ENTRY => {
                                for d in c.children().skip(1) {
                                    self.walk(&d);
                                }
                            }
                            NODE_PAT_BIND => {}
                            _ => self.walk(&c),
                        }
                    }
                }
                _ => self.walk(param),
            }
        }
        for c in children {
            self.walk(&c);
        }
        self.close_scope(mark, saved);
    }

    fn with(&mut self, node: &SyntaxNode) {
        let mut children = node.children();
        let namespace = children.next();
        if let Some(ns) = &namespace {
            self.walk(ns);
        }
        let id = WithId(self.withs.len() as u32);
        self.withs.push(WithScope {
            node: NodePtr::new(node),
            namespace: namespace.as_ref().map(NodePtr::new),
            parent: self.cur_with,
        });
        let saved = self.cur_with.replace(id);
        for c in children {
            self.walk(&c);
        }
        self.cur_with = saved;
    }
}

fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.children_with_tokens()
        .any(|c| c.as_token().is_some_and(|t| t.kind() == kind))
}

fn has_child(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.children().any(|c| c.kind() == kind)
}
