//! The per-file scope table: every binding, every variable reference and
//! what it resolves to, computed in one pass over the syntax tree.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::OnceLock;

use rowan::{GreenNode, GreenNodeData};

use super::builtins::{BuiltinUse, Candidate, classify};
use super::names::{builtin_attr, global_builtin, literal_string};
use crate::syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

use SyntaxKind::*;

use super::green::G;
pub use super::green::NodePtr;

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
/// the names of `inherit name;`, which refer to the enclosing scope; for the
/// rare `inherit "name";` / `inherit ${"name"};` the string node).
///
/// In `let inherit x; in ...` the identifier `x` is both a reference (to the
/// outer `x`, see [`Scopes::reference_at`]) and the binder of the new `x`
/// (see [`Scopes::binding_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Range of the `NODE_IDENT` (or string attribute).
    pub range: TextRange,
    pub resolution: Resolution,
}

/// Scopes and name resolution of one file, computed once.
///
/// Build with [`Scopes::new`]; in lint rules use `cx.scopes()`, which
/// computes it on first use and shares it between rules.
pub struct Scopes {
    pub(super) green: GreenNode,
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
    /// Expressions that might denote a builtin (see `builtins::compute_uses`):
    /// identifiers resolving to a builtin, a `with` or an alias-like binding
    /// (not as the base of a select), selects on such bases or on literal
    /// sets, and `inherit (e) ...;` entries.
    pub(super) candidates: Vec<Candidate>,
    /// Uses of builtins found while building (`builtins.NAME`, `map`,
    /// `__getEnv`, ...), which need no further resolution.
    pub(super) direct_uses: Vec<BuiltinUse>,
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
        let full_root = root.ancestors().last().unwrap_or_else(|| root.clone());
        let green = full_root.green().to_owned();
        let sub = root.green().to_owned();
        let mut b = Builder::new(&full_root);
        b.walk(G {
            node: &sub,
            start: root.text_range().start(),
        });
        b.finish(green)
    }

    /// Scopes of a parsed file.
    pub fn from_parsed(parsed: &crate::syntax::Parsed) -> Scopes {
        Scopes::new(&parsed.syntax())
    }

    /// The green node `ptr` points to (no allocation).
    pub(super) fn green_at(&self, ptr: NodePtr) -> Option<G<'_>> {
        let range = ptr.text_range();
        let mut cur = G {
            node: &self.green,
            start: 0.into(),
        };
        loop {
            if cur.range() == range && cur.kind() == ptr.kind() {
                return Some(cur);
            }
            cur = cur.children().find(|c| c.range().contains_range(range))?;
        }
    }

    /// A root node of the tree these scopes describe (for `NodePtr::to_node`).
    pub fn root(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// Whether these scopes were built for the tree `root` is the root of
    /// (the same green tree, not merely an equal one).
    pub fn describes(&self, root: &SyntaxNode) -> bool {
        std::ptr::eq::<GreenNodeData>(&*self.green, root.green())
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

struct Builder<'g> {
    /// Root of the tree, for the rare names that need a real node (string keys).
    root: SyntaxNode,
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
    candidates: Vec<Candidate>,
    direct_uses: Vec<BuiltinUse>,
    /// Ancestors of the node being walked (and the node itself).
    stack: Vec<G<'g>>,
}

impl<'g> Builder<'g> {
    fn new(root: &SyntaxNode) -> Self {
        Builder {
            root: root.clone(),
            interner: HashMap::default(),
            names: Vec::new(),
            current: Vec::new(),
            undo: Vec::new(),
            cur_scope: None,
            cur_with: None,
            bindings: Vec::new(),
            extra_defs: Vec::new(),
            scopes: Vec::new(),
            withs: Vec::new(),
            refs: Vec::new(),
            candidates: Vec::new(),
            direct_uses: Vec::new(),
            stack: Vec::new(),
        }
    }

    fn finish(self, green: GreenNode) -> Scopes {
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
        let mut uses = vec![0u32; use_offsets[n] as usize];
        for (ri, r) in refs.iter().enumerate() {
            if let Resolution::Local(b) = r.resolution {
                let slot = &mut fill[b.index()];
                uses[*slot as usize] = ri as u32;
                *slot += 1;
            }
        }
        let mut binders: Vec<(TextSize, BindingId)> = self
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.range.start(), BindingId(i as u32)))
            .collect();
        binders.sort_unstable();
        Scopes {
            green,
            names: self.names,
            bindings: self.bindings,
            extra_defs: self.extra_defs,
            scopes: self.scopes,
            withs: self.withs,
            refs,
            use_offsets,
            uses,
            binders,
            candidates: self.candidates,
            direct_uses: self.direct_uses,
            builtin_uses: OnceLock::new(),
        }
    }

    /// The name a binder attribute stands for, if static.
    ///
    /// Like Nix: an identifier, a `"..."` string without interpolation, or
    /// `${"..."}` around such a string (but not an indented `''...''` one).
    fn attr_name(&self, attr: G<'g>) -> Option<std::borrow::Cow<'g, str>> {
        match attr.kind() {
            NODE_IDENT => attr.first_token_text().map(std::borrow::Cow::Borrowed),
            NODE_STRING if attr.first_token_text() == Some("\"") => {
                let node = attr.ptr().try_to_node(&self.root)?;
                literal_string(&node).map(std::borrow::Cow::Owned)
            }
            NODE_DYNAMIC => {
                let inner = attr.first_child().filter(|c| c.kind() == NODE_STRING)?;
                self.attr_name(inner)
            }
            _ => None,
        }
    }

    fn walk(&mut self, g: G<'g>) {
        self.stack.push(g);
        // Checking the stack has a cost; every few levels is enough.
        if self.stack.len().is_multiple_of(8) {
            stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.walk_inner(g));
        } else {
            self.walk_inner(g);
        }
        self.stack.pop();
    }

    /// Ancestors of `g`: the walk stack, without `g` if it is on top.
    fn ancestors(&self, g: G<'g>) -> &[G<'g>] {
        match self.stack.split_last() {
            Some((top, rest)) if top.range() == g.range() && top.kind() == g.kind() => rest,
            _ => &self.stack,
        }
    }

    fn candidate(&mut self, g: G<'g>, base: Option<NodePtr>) {
        let (kind, call) = classify(g, self.ancestors(g));
        self.candidates.push(Candidate {
            ptr: g.ptr(),
            kind,
            call,
            base,
        });
    }

    fn direct_use(&mut self, g: G<'g>, name: &'static str) {
        let (kind, call) = classify(g, self.ancestors(g));
        self.direct_uses.push(BuiltinUse {
            name,
            kind,
            expr: g.ptr(),
            aliased: false,
            call,
        });
    }

    fn walk_children(&mut self, g: G<'g>) {
        for c in g.children() {
            self.walk(c);
        }
    }

    fn walk_inner(&mut self, g: G<'g>) {
        match g.kind() {
            NODE_IDENT => {
                self.reference(g, true);
            }
            NODE_SELECT => {
                let mut children = g.children();
                let Some(base) = children.next() else { return };
                let path = children.next();
                match base.kind() {
                    NODE_IDENT => {
                        let res = self.reference(base, false);
                        let single_ident = path.and_then(|p| {
                            let mut attrs = p.children();
                            match (attrs.next(), attrs.next()) {
                                (Some(a), None) if a.kind() == NODE_IDENT => a.first_token_text(),
                                _ => None,
                            }
                        });
                        if res == Resolution::Builtin("builtins") {
                            match single_ident {
                                // `builtins.NAME`: resolved right here.
                                Some(name) => {
                                    if let Some(b) = builtin_attr(name).filter(|b| *b != "builtins")
                                    {
                                        self.direct_use(g, b);
                                    }
                                }
                                None => self.candidate(g, None),
                            }
                        } else if self.promising(res) {
                            self.candidate(g, Some(base.ptr()));
                        }
                    }
                    NODE_PAREN | NODE_ATTR_SET | NODE_LET_IN => {
                        self.walk(base);
                        self.candidate(g, None);
                    }
                    _ => self.walk(base),
                }
                if let Some(p) = path {
                    self.walk(p);
                }
                for c in children {
                    self.walk(c);
                }
            }
            // Attribute names are not references; dynamic parts and string
            // interpolations inside them are walked.
            NODE_ATTRPATH => {
                for c in g.children() {
                    if c.kind() != NODE_IDENT {
                        self.walk(c);
                    }
                }
            }
            NODE_LET_IN => self.recursive(g, ScopeKind::LetIn, BindingKind::Let),
            NODE_LEGACY_LET => self.recursive(g, ScopeKind::LegacyLet, BindingKind::Let),
            NODE_ATTR_SET if g.has_token(TOKEN_REC) => {
                self.recursive(g, ScopeKind::RecAttrSet, BindingKind::RecAttr)
            }
            // In a plain attribute set, `inherit x;` refers to `x` here.
            NODE_INHERIT => {
                let from = g.has_child(NODE_INHERIT_FROM);
                if from {
                    self.candidate(g, None);
                }
                for c in g.children() {
                    match c.kind() {
                        NODE_INHERIT_FROM => self.walk(c),
                        NODE_IDENT if !from => {
                            self.reference(c, true);
                        }
                        NODE_STRING | NODE_DYNAMIC if !from => self.inherit_string_reference(c),
                        NODE_IDENT => {}
                        _ => self.walk(c),
                    }
                }
            }
            NODE_LAMBDA => self.lambda(g),
            NODE_WITH => self.with(g),
            _ => self.walk_children(g),
        }
    }

    /// Whether a reference resolved like this can lead to a builtin.
    fn promising(&self, res: Resolution) -> bool {
        match res {
            Resolution::Builtin(_) | Resolution::With(_) => true,
            Resolution::Local(b) => matches!(
                self.bindings[b.index()].kind,
                BindingKind::Let
                    | BindingKind::RecAttr
                    | BindingKind::Inherit
                    | BindingKind::InheritFrom
            ),
            Resolution::Undefined => false,
        }
    }

    /// Record a reference; with `candidate`, also note it for the builtin
    /// scan when it might denote a builtin other than the `builtins` set.
    /// `inherit "x";` / `inherit ${"x"};` refer to `x` like `inherit x;`.
    fn inherit_string_reference(&mut self, g: G<'g>) {
        match self.attr_name(g) {
            Some(name) => {
                let name = name.into_owned();
                self.reference_named(g, &name, false);
            }
            None => self.walk(g),
        }
    }

    fn reference(&mut self, g: G<'g>, candidate: bool) -> Resolution {
        let Some(text) = g.first_token_text() else {
            return Resolution::Undefined;
        };
        self.reference_named(g, text, candidate)
    }

    fn reference_named(&mut self, g: G<'g>, text: &str, candidate: bool) -> Resolution {
        let local = self
            .interner
            .get(text)
            .map(|&n| self.current[n as usize])
            .filter(|&b| b != NONE);
        let resolution = if let Some(b) = local {
            Resolution::Local(BindingId(b))
        } else if let Some(b) = global_builtin(text) {
            Resolution::Builtin(b)
        } else if let Some(w) = self.cur_with {
            Resolution::With(w)
        } else {
            Resolution::Undefined
        };
        self.refs.push(Reference {
            range: g.range(),
            resolution,
        });
        if candidate {
            match resolution {
                Resolution::Builtin("builtins") => {}
                Resolution::Builtin(b) => self.direct_use(g, b),
                r if self.promising(r) => self.candidate(g, None),
                _ => {}
            }
        }
        resolution
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

    fn open_scope(&mut self, kind: ScopeKind, g: G<'g>) -> ScopeId {
        let id = ScopeId(self.scopes.len() as u32);
        let start = self.bindings.len() as u32;
        self.scopes.push(Scope {
            kind,
            node: g.ptr(),
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
        def: NodePtr,
        expr: Option<NodePtr>,
    ) {
        let n = self.intern(name);
        let prev = self.current[n as usize];
        let first_of_scope = self.scopes[scope.index()].bindings.start;
        if prev != NONE && prev >= first_of_scope {
            // Defined again in the same scope: `a.b = 1; a.c = 2;` merges
            // into one attribute set (anything else is an error in Nix).
            self.extra_defs.push((BindingId(prev), def));
            self.bindings[prev as usize].expr = None;
            return;
        }
        let id = self.bindings.len() as u32;
        self.bindings.push(Binding {
            name: n,
            kind,
            range,
            def,
            expr,
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
    fn recursive(&mut self, g: G<'g>, skind: ScopeKind, bkind: BindingKind) {
        // `inherit x;` takes `x` from the enclosing scope, so resolve it first.
        for entry in g.children() {
            if entry.kind() == NODE_INHERIT && !entry.has_child(NODE_INHERIT_FROM) {
                self.stack.push(entry);
                for a in entry.children() {
                    match a.kind() {
                        NODE_IDENT => {
                            self.reference(a, true);
                        }
                        NODE_STRING | NODE_DYNAMIC => self.inherit_string_reference(a),
                        _ => self.walk(a),
                    }
                }
                self.stack.pop();
            }
        }
        let scope = self.open_scope(skind, g);
        let mark = self.undo.len();
        for entry in g.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(path) = entry.child_of_kind(NODE_ATTRPATH) else {
                        continue;
                    };
                    let mut attrs = path.children();
                    let Some(first) = attrs.next() else { continue };
                    let Some(name) = self.attr_name(first) else {
                        continue;
                    };
                    let value = if attrs.next().is_none() {
                        entry
                            .children()
                            .find(|c| c.kind() != NODE_ATTRPATH)
                            .map(G::ptr)
                    } else {
                        None
                    };
                    let (range, def) = (first.range(), entry.ptr());
                    self.declare(scope, &name, bkind, range, def, value);
                }
                NODE_INHERIT => {
                    let from = entry
                        .child_of_kind(NODE_INHERIT_FROM)
                        .and_then(|f| f.first_child())
                        .map(G::ptr);
                    let kind = if entry.has_child(NODE_INHERIT_FROM) {
                        BindingKind::InheritFrom
                    } else {
                        BindingKind::Inherit
                    };
                    for a in entry.children() {
                        if !matches!(a.kind(), NODE_IDENT | NODE_STRING | NODE_DYNAMIC) {
                            continue;
                        }
                        if let Some(name) = self.attr_name(a) {
                            self.declare(scope, &name, kind, a.range(), entry.ptr(), from);
                        }
                    }
                }
                _ => {}
            }
        }
        let saved = self.cur_scope.replace(scope);
        for entry in g.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => self.walk(entry),
                NODE_INHERIT => {
                    let from = entry.has_child(NODE_INHERIT_FROM);
                    if from {
                        self.candidate(entry, None);
                    }
                    self.stack.push(entry);
                    for c in entry.children() {
                        match c.kind() {
                            NODE_INHERIT_FROM => self.walk(c),
                            NODE_IDENT | NODE_STRING | NODE_DYNAMIC => {}
                            // Plain inherits were resolved above.
                            _ if !from => {}
                            _ => self.walk(c),
                        }
                    }
                    self.stack.pop();
                }
                _ => self.walk(entry),
            }
        }
        self.close_scope(mark, saved);
    }

    fn lambda(&mut self, g: G<'g>) {
        let scope = self.open_scope(ScopeKind::Lambda, g);
        let mark = self.undo.len();
        let mut children = g.children();
        let param = children.next();
        if let Some(param) = param {
            match param.kind() {
                NODE_IDENT_PARAM => {
                    if let Some(id) = param.child_of_kind(NODE_IDENT)
                        && let Some(name) = id.first_token_text()
                    {
                        let kind = BindingKind::LambdaArg;
                        self.declare(scope, name, kind, id.range(), param.ptr(), None);
                    }
                }
                NODE_PATTERN => {
                    for c in param.children() {
                        let (kind, ident, default) = match c.kind() {
                            NODE_PAT_ENTRY => {
                                let mut it = c.children();
                                (BindingKind::Formal, it.next(), it.next())
                            }
                            NODE_PAT_BIND => {
                                (BindingKind::PatBind, c.child_of_kind(NODE_IDENT), None)
                            }
                            _ => continue,
                        };
                        if let Some(id) = ident.filter(|i| i.kind() == NODE_IDENT)
                            && let Some(name) = id.first_token_text()
                        {
                            let default = default.map(G::ptr);
                            self.declare(scope, name, kind, id.range(), c.ptr(), default);
                        }
                    }
                }
                _ => {}
            }
        }
        let saved = self.cur_scope.replace(scope);
        if let Some(param) = param {
            match param.kind() {
                NODE_IDENT_PARAM => {}
                NODE_PATTERN => {
                    // Defaults see every formal and the `@` name.
                    self.stack.push(param);
                    for c in param.children() {
                        match c.kind() {
                            NODE_PAT_ENTRY => {
                                self.stack.push(c);
                                for d in c.children().skip(1) {
                                    self.walk(d);
                                }
                                self.stack.pop();
                            }
                            NODE_PAT_BIND => {}
                            _ => self.walk(c),
                        }
                    }
                    self.stack.pop();
                }
                _ => self.walk(param),
            }
        }
        for c in children {
            self.walk(c);
        }
        self.close_scope(mark, saved);
    }

    fn with(&mut self, g: G<'g>) {
        let mut children = g.children();
        let namespace = children.next();
        if let Some(ns) = namespace {
            self.walk(ns);
        }
        let id = WithId(self.withs.len() as u32);
        self.withs.push(WithScope {
            node: g.ptr(),
            namespace: namespace.map(G::ptr),
            parent: self.cur_with,
        });
        let saved = self.cur_with.replace(id);
        for c in children {
            self.walk(c);
        }
        self.cur_with = saved;
    }
}
