//! Flake outputs and what they depend on.
//!
//! Outputs are read from flake.nix's `outputs` function: attribute sets,
//! `//`, `let`, `lib.recursiveUpdate`, flake-utils' `eachDefaultSystem` /
//! `eachSystem`, `genAttrs`-style `forAllSystems`, and names computed by
//! `genAttrs`, `mapAttrs` (over literal sets or `builtins.readDir`) and
//! `listToAttrs`. `${system}` resolves to the systems the flake declares.
//!
//! An output depends on a variable when its defining expression reaches a
//! read of it: through let bindings, `self.<output>`, and every file it names
//! by path (module lists, `imports`, `callPackage ./x.nix`, `import ./x.nix
//! { ... }`), transitively. Trees without flake.nix are analysed from
//! configuration.nix, home.nix or default.nix.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;

use super::flow::{Analyzer, Shape, literal_path, normalize, resolve_file};
use super::syn::{self, Callee, Def};
use crate::hir::Scopes;
use crate::syntax::ast::{self, BinOpKind, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

/// flake-utils' `defaultSystems`.
pub const DEFAULT_SYSTEMS: &[&str] = &[
    "aarch64-darwin",
    "aarch64-linux",
    "x86_64-darwin",
    "x86_64-linux",
];

/// One output (a leaf such as `packages.x86_64-linux.container`).
#[derive(Debug, Clone)]
pub struct Output {
    pub attr: Vec<String>,
    /// Where it is defined (file, range), where known.
    pub site: Option<super::Site>,
    /// When the output's expression is just a variable: a key naming that
    /// binding (outputs with equal keys are the same value).
    pub alias: Option<String>,
    /// Variables it depends on.
    pub env: BTreeSet<String>,
    /// Files its evaluation may read (indices into `project.files`).
    pub files: BTreeSet<usize>,
}

impl Output {
    fn new(attr: Vec<String>) -> Self {
        Output {
            attr,
            site: None,
            alias: None,
            env: BTreeSet::new(),
            files: BTreeSet::new(),
        }
    }

    /// `packages.x86_64-linux.container` (names quoted where needed).
    pub fn dotted(&self) -> String {
        dotted(&self.attr)
    }
}

/// Join names as a Nix attribute path, quoting where needed.
pub fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|n| {
            let plain = n
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''));
            // Root-file outputs of trees without flake.nix are file names.
            if plain || n.starts_with("${") || (path.len() == 1 && n.ends_with(".nix")) {
                n.clone()
            } else {
                format!("{n:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// How many names an output of a category has (`packages.SYSTEM.NAME` = 3).
pub fn category_depth(category: &str) -> usize {
    match category {
        "packages" | "legacyPackages" | "devShells" | "apps" | "checks" | "bundlers" => 3,
        "overlay" | "nixosModule" | "defaultTemplate" | "darwinModule" => 1,
        _ => 2,
    }
}

/// Whether a category's second name is a system.
pub fn per_system(category: &str) -> bool {
    matches!(
        category,
        "packages"
            | "legacyPackages"
            | "devShells"
            | "apps"
            | "checks"
            | "bundlers"
            | "formatter"
            | "defaultPackage"
            | "devShell"
            | "defaultApp"
    )
}

/// A segment of an output path while walking.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Name(String),
    /// One of these systems.
    Systems(Vec<String>),
}

/// Outputs of the project, with the systems the flake declares.
#[derive(Debug, Clone, Default)]
pub struct OutputMap {
    /// The file the outputs come from (flake.nix or a root file).
    pub entry: Option<usize>,
    pub is_flake: bool,
    pub outputs: Vec<Output>,
    pub systems: Vec<String>,
}

struct Walker<'a, 'b> {
    a: &'b Analyzer<'a>,
    systems: BTreeSet<String>,
    raw: Vec<(Vec<Seg>, Option<SyntaxNode>)>,
    /// The `self` formal (or `@` name) of the outputs function.
    self_names: Vec<String>,
}

/// Find the outputs of the project rooted at `root` (a directory).
pub fn find(a: &Analyzer<'_>, root: &Path) -> OutputMap {
    let project = a.project;
    let flake = resolve_file(project, root, "flake.nix");
    let mut map = OutputMap::default();
    // The defining expression of each output (parallel to `map.outputs`).
    let mut exprs: Vec<Option<SyntaxNode>> = Vec::new();
    if let Some(fi) = flake {
        map.entry = Some(fi);
        map.is_flake = true;
        let root_node = project.files[fi].parsed().syntax();
        let mut w = Walker {
            a,
            systems: BTreeSet::new(),
            raw: Vec::new(),
            self_names: Vec::new(),
        };
        if let Some(outputs_fn) = flake_outputs_fn(a.file_scopes(fi), &root_node) {
            if let Some(ast::Param::Pattern(p)) = outputs_fn.param() {
                if let Some(b) = p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .and_then(|i| syn::ident_name(&i))
                {
                    w.self_names.push(format!("{b}.self"));
                }
                if p.pat_entries()
                    .any(|e| e.ident().and_then(|i| syn::ident_name(&i)).as_deref() == Some("self"))
                {
                    w.self_names.push("self".into());
                }
            } else if let Some(ast::Param::IdentParam(p)) = outputs_fn.param()
                && let Some(n) = p.ident().and_then(|i| syn::ident_name(&i))
            {
                w.self_names.push(format!("{n}.self"));
            }
            if let Some(body) = outputs_fn.body() {
                w.walk(&body, Vec::new(), None, 0);
            }
        }
        // Systems named anywhere in flake.nix (`system = "x86_64-linux";`).
        for node in root_node.descendants() {
            if let Some(av) = ast::AttrpathValue::cast(node)
                && av
                    .attrpath()
                    .and_then(|p| syn::attrpath_names(&p))
                    .is_some_and(|n| n.last().is_some_and(|l| l == "system"))
                && let Some(s) = av.value().and_then(|v| syn::expr_string(&v))
                && looks_like_system(&s)
            {
                w.systems.insert(s);
            }
        }
        let declared: Vec<String> = w.systems.iter().cloned().collect();
        let mut seen = HashSet::new();
        for (segs, expr) in std::mem::take(&mut w.raw) {
            for attr in expand(&segs, &declared) {
                if seen.insert(attr.clone()) {
                    map.outputs.push(Output::new(attr));
                    exprs.push(expr.clone());
                }
            }
        }
        map.systems = declared;
        let self_names = w.self_names.clone();
        deps(a, &mut map, &exprs, fi, &self_names);
    } else {
        for name in ["configuration.nix", "home.nix", "default.nix"] {
            let Some(fi) = resolve_file(project, root, name) else {
                continue;
            };
            map.entry = Some(fi);
            let root_node = project.files[fi].parsed().syntax();
            // default.nix evaluating to a set: each attribute is an output (`nix-build -A`).
            let mut listed = false;
            if name == "default.nix"
                && let Some(set) = root_node
                    .children()
                    .find_map(ast::Expr::cast)
                    .and_then(|e| file_body_attrset(a, &e))
            {
                for entry in set.entries() {
                    match entry {
                        ast::Entry::AttrpathValue(av) => {
                            let Some(first) = av.attrpath().and_then(|p| p.attrs().next()) else {
                                continue;
                            };
                            let Some(n) = syn::attr_name(&first) else {
                                continue;
                            };
                            let single = av.attrpath().is_some_and(|p| p.attrs().count() == 1);
                            if map.outputs.iter().any(|o| o.attr == [n.clone()]) {
                                continue;
                            }
                            map.outputs.push(Output::new(vec![n]));
                            exprs.push(if single {
                                av.value().map(|v| v.syntax().clone())
                            } else {
                                Some(av.syntax().clone())
                            });
                            listed = true;
                        }
                        ast::Entry::Inherit(inh) => {
                            for at in inh.attrs() {
                                if let Some(n) = syn::attr_name(&at) {
                                    map.outputs.push(Output::new(vec![n]));
                                    exprs.push(Some(inh.syntax().clone()));
                                    listed = true;
                                }
                            }
                        }
                    }
                }
            }
            if !listed {
                map.outputs.push(Output::new(vec![name.to_string()]));
                exprs.push(Some(root_node.clone()));
            }
            deps(a, &mut map, &exprs, fi, &[]);
            break;
        }
    }
    for (o, e) in map.outputs.iter_mut().zip(&exprs) {
        let Some(e) = e else { continue };
        o.site = a.file_of(e).map(|file| super::Site {
            file,
            range: e.text_range(),
        });
        if let Some(id) = ast::Ident::cast(e.clone())
            && let Some(def) = a.def_of(&id).key()
        {
            o.alias = Some(format!("{:?}:{:?}", a.file_of(&def), def.text_range()));
        }
    }
    map
}

fn looks_like_system(s: &str) -> bool {
    let mut parts = s.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(arch), Some(os), None) if !arch.is_empty() && matches!(os, "linux" | "darwin" | "freebsd" | "netbsd" | "openbsd" | "windows" | "none" | "genode" | "redox" | "cygwin" | "wasi")
    )
}

/// The attribute set a file evaluates to (through `{ ... }:` and `let`).
fn file_body_attrset(a: &Analyzer<'_>, e: &ast::Expr) -> Option<ast::AttrSet> {
    match syn::unparen(e.clone()) {
        ast::Expr::Lambda(l) => file_body_attrset(a, &l.body()?),
        ast::Expr::With(w) => file_body_attrset(a, &w.body()?),
        other => a.as_attrset(&other, 0),
    }
}

/// The `outputs` function of a flake.nix tree.
pub(crate) fn flake_outputs_fn(scopes: &Scopes, root: &SyntaxNode) -> Option<ast::Lambda> {
    let e = root.children().find_map(ast::Expr::cast)?;
    // `let user = ...; in { outputs = ...; }` too.
    let e = match syn::unparen(e) {
        ast::Expr::LetIn(l) => l.body()?,
        e => e,
    };
    let ast::Expr::AttrSet(set) = syn::unparen(e) else {
        return None;
    };
    for av in set.attrpath_values() {
        if av
            .attrpath()
            .and_then(|p| syn::attrpath_names(&p))
            .is_some_and(|n| n == ["outputs"])
        {
            // `outputs = inputs: let ... in f inputs;` is left as is.
            return function_value(scopes, &av.value()?);
        }
    }
    None
}

/// A function argument written inline (`system: ...`) or passed by the name
/// of a binding whose value is one (`eachDefaultSystem perSystem`).
pub(crate) fn function_value(scopes: &Scopes, e: &ast::Expr) -> Option<ast::Lambda> {
    let mut v = syn::unparen(e.clone());
    // A few renamings (`f = perSystem;`), never a cycle.
    for _ in 0..8 {
        match v {
            ast::Expr::Lambda(l) => return Some(l),
            ast::Expr::Ident(ref id) => match syn::resolve(scopes, id) {
                Def::Binding { value: Some(x), .. } => v = syn::unparen(x),
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// The product of the segments' alternatives.
fn expand(segs: &[Seg], declared: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for s in segs {
        let options: Vec<String> = match s {
            Seg::Name(n) => vec![n.clone()],
            Seg::Systems(l) if !l.is_empty() => l.clone(),
            Seg::Systems(_) if !declared.is_empty() => declared.to_vec(),
            Seg::Systems(_) => vec!["${system}".to_string()],
        };
        out = out
            .into_iter()
            .flat_map(|p| {
                options.iter().map(move |o| {
                    let mut q = p.clone();
                    q.push(o.clone());
                    q
                })
            })
            .collect();
    }
    out
}

impl Walker<'_, '_> {
    /// `inject`: systems to insert after the category (inside `eachSystem`).
    fn walk(&mut self, e: &ast::Expr, prefix: Vec<Seg>, inject: Option<&Vec<String>>, depth: u32) {
        if depth > 48 {
            return;
        }
        match syn::unparen(e.clone()) {
            ast::Expr::LetIn(l) => {
                if let Some(b) = l.body() {
                    self.walk(&b, prefix, inject, depth + 1)
                }
            }
            ast::Expr::With(w) => {
                if let Some(b) = w.body() {
                    self.walk(&b, prefix, inject, depth + 1)
                }
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
                if let Some(l) = b.lhs() {
                    self.walk(&l, prefix.clone(), inject, depth + 1);
                }
                if let Some(r) = b.rhs() {
                    self.walk(&r, prefix, inject, depth + 1);
                }
            }
            ast::Expr::AttrSet(set) => self.walk_set(&set, prefix, inject, depth),
            ast::Expr::Ident(id) => {
                if let Def::Binding { value: Some(v), .. } = self.a.def_of(&id) {
                    self.walk(&v, prefix, inject, depth + 1);
                } else {
                    self.leaf(prefix, Some(e.syntax().clone()), inject);
                }
            }
            x @ ast::Expr::Apply(_) => self.walk_apply(&x, prefix, inject, depth),
            other => self.leaf(prefix, Some(other.syntax().clone()), inject),
        }
    }

    fn walk_apply(
        &mut self,
        e: &ast::Expr,
        prefix: Vec<Seg>,
        inject: Option<&Vec<String>>,
        depth: u32,
    ) {
        let (head, args) = self.a.spine(e);
        let head_name = last_select_name(self.a, &head);
        // `import ./nixfold-outputs.nix inputs (…)`, which `nixfold emit`
        // wraps the outputs in: the outputs are the wrapped ones (what the
        // generated file adds is not analysed).
        if head_name.as_deref() == Some("import")
            && args.len() == 3
            && literal_path(&args[0])
                .is_some_and(|p| p.rsplit('/').next() == Some(super::builds::EMIT_FILE))
        {
            self.walk(&args[2], prefix, inject, depth + 1);
            return;
        }
        // flake-utils: eachDefaultSystem f / eachSystem systems f.
        let each = match head_name.as_deref() {
            Some("eachDefaultSystem") if args.len() == 1 => Some((
                DEFAULT_SYSTEMS
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
                &args[0],
            )),
            Some("eachSystem") if args.len() == 2 => {
                let systems = self.systems_list(&args[0]).unwrap_or_default();
                Some((systems, &args[1]))
            }
            Some("eachDefaultSystemPassThrough" | "eachSystemPassThrough") => {
                if let Some(f) = args.last()
                    && let ast::Expr::Lambda(l) = syn::unparen(f.clone())
                    && let Some(b) = l.body()
                {
                    self.walk(&b, prefix, inject, depth + 1);
                }
                return;
            }
            _ => None,
        };
        if let Some((systems, f)) = each {
            for s in &systems {
                self.systems.insert(s.clone());
            }
            if let Some(l) = self.a.function_value(f)
                && let Some(b) = l.body()
            {
                self.walk(&b, prefix, Some(&systems), depth + 1);
            }
            return;
        }
        match self.a.callee(&head) {
            Some(Callee::Prim(p)) if matches!(p.as_str(), "recursiveUpdate" | "mergeAttrs") => {
                for a in &args {
                    self.walk(a, prefix.clone(), inject, depth + 1);
                }
                return;
            }
            Some(Callee::Prim(p)) if p == "foldl'" && args.len() == 3 => {
                if let ast::Expr::List(l) = syn::unparen(args[2].clone()) {
                    for item in l.items() {
                        self.walk(&item, prefix.clone(), inject, depth + 1);
                    }
                }
                return;
            }
            _ => {}
        }
        // `forAllSystems (system: ...)` / `genAttrs systems (system: ...)`.
        if let Some(systems) = self.systems_function(&head, &args)
            && let Some(l) = args.last().and_then(|f| self.a.function_value(f))
            && let Some(b) = l.body()
        {
            for s in &systems {
                self.systems.insert(s.clone());
            }
            let mut p = prefix;
            p.push(Seg::Systems(systems));
            self.walk(&b, p, inject, depth + 1);
            return;
        }
        // Names computed from a list or a set, below a category.
        if !prefix.is_empty()
            && let Some((names, body)) = self.computed_names(&head, &args)
        {
            for n in names {
                let mut p = prefix.clone();
                p.push(Seg::Name(n));
                self.leaf(p, body.clone(), inject);
            }
            return;
        }
        self.leaf(prefix, Some(e.syntax().clone()), inject);
    }

    fn walk_set(
        &mut self,
        set: &ast::AttrSet,
        prefix: Vec<Seg>,
        inject: Option<&Vec<String>>,
        depth: u32,
    ) {
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(av) => {
                    let Some(path) = av.attrpath() else { continue };
                    let mut p = prefix.clone();
                    let mut ok = true;
                    for attr in path.attrs() {
                        match self.segment(&attr) {
                            Some(s) => p.push(s),
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if !ok {
                        continue;
                    }
                    let Some(v) = av.value() else { continue };
                    if self.complete(&p, inject) {
                        self.leaf(p, Some(v.syntax().clone()), inject);
                    } else {
                        self.walk(&v, p, inject, depth + 1);
                    }
                }
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    for attr in inh.attrs() {
                        let Some(n) = syn::attr_name(&attr) else {
                            continue;
                        };
                        let mut p = prefix.clone();
                        p.push(Seg::Name(n.clone()));
                        let value = match &from {
                            Some(f) => self
                                .a
                                .attr_value(f, &[n])
                                .map(|v| v.syntax().clone())
                                .or(Some(f.syntax().clone())),
                            None => Some(attr.syntax().clone()),
                        };
                        if self.complete(&p, inject) {
                            self.leaf(p, value, inject);
                        } else if let Some(v) = value.and_then(ast::Expr::cast) {
                            self.walk(&v, p, inject, depth + 1);
                        }
                    }
                }
            }
        }
    }

    /// Whether a path is a whole output (counting an injected system).
    fn complete(&self, p: &[Seg], inject: Option<&Vec<String>>) -> bool {
        let Some(Seg::Name(cat)) = p.first() else {
            return false;
        };
        let extra = usize::from(inject.is_some() && per_system(cat));
        p.len() + extra >= category_depth(cat)
    }

    fn leaf(&mut self, mut p: Vec<Seg>, expr: Option<SyntaxNode>, inject: Option<&Vec<String>>) {
        let Some(Seg::Name(cat)) = p.first().cloned() else {
            return;
        };
        if let Some(systems) = inject
            && per_system(&cat)
        {
            p.insert(1, Seg::Systems(systems.clone()));
        }
        let depth = category_depth(&cat);
        if p.len() > depth {
            p.truncate(depth);
        }
        if per_system(&cat) && p.len() >= 2 {
            // `packages.${system}` whose system is not known.
        }
        self.raw.push((p, expr));
    }

    /// A path component: a static name, a system, or a name chosen by the
    /// environment (`${h}`: its default-variant name or `${VAR}`).
    fn segment(&self, attr: &ast::Attr) -> Option<Seg> {
        if let Some(n) = syn::attr_name(attr) {
            return Some(Seg::Name(n));
        }
        let x = match attr {
            ast::Attr::Dynamic(d) => d.expr()?,
            // `"${user}"` is `${user}`; other strings stand for themselves.
            ast::Attr::Str(s) => match crate::syntax::str_parts(s)?.as_slice() {
                [ast::InterpolPart::Interpolation(i)] => i.expr()?,
                _ => ast::Expr::Str(s.clone()),
            },
            ast::Attr::Ident(_) => return None,
        };
        if let Some(s) = self.a.literal_string_of(&x) {
            return Some(Seg::Name(s));
        }
        if let Some(systems) = self.system_param(&x) {
            return Some(Seg::Systems(systems));
        }
        for f in self.a.flows(&x) {
            if let Shape::Raw { default } = f.shape {
                return Some(Seg::Name(
                    default.unwrap_or_else(|| format!("${{{}}}", f.var)),
                ));
            }
        }
        // `${pkgs.system}`, `${system}` from elsewhere: any declared system.
        let text = x.syntax().text().to_string();
        if text.ends_with("system") || text.ends_with("System") {
            return Some(Seg::Systems(Vec::new()));
        }
        Some(Seg::Name(format!("${{{text}}}")))
    }

    /// The systems a lambda parameter iterates over (`eachSystem`, `genAttrs`).
    fn system_param(&self, x: &ast::Expr) -> Option<Vec<String>> {
        let ast::Expr::Ident(id) = syn::unparen(x.clone()) else {
            return None;
        };
        let Def::Param { lambda } = self.a.def_of(&id) else {
            return None;
        };
        // The lambda is an argument of eachSystem/genAttrs/forAllSystems.
        let mut node = lambda.syntax().clone();
        while let Some(p) = node.parent() {
            if p.kind() == SyntaxKind::NODE_PAREN {
                node = p;
            } else {
                break;
            }
        }
        let app = node.parent().and_then(ast::Apply::cast)?;
        let mut outer = app.syntax().clone();
        while let Some(p) = outer.parent() {
            match ast::Apply::cast(p.clone()) {
                Some(a) if a.lambda().is_some_and(|l| l.syntax() == &outer) => outer = p,
                _ => break,
            }
        }
        let e = ast::Expr::cast(outer)?;
        let (head, args) = self.a.spine(&e);
        match last_select_name(self.a, &head).as_deref() {
            Some("eachDefaultSystem") => {
                return Some(DEFAULT_SYSTEMS.iter().map(|s| s.to_string()).collect());
            }
            Some("eachSystem") if args.len() == 2 => return self.systems_list(&args[0]),
            _ => {}
        }
        self.systems_function(&head, &args)
    }

    /// A literal list of systems (through bindings, `flake-utils.lib.defaultSystems`,
    /// `lib.systems.flakeExposed`).
    fn systems_list(&self, e: &ast::Expr) -> Option<Vec<String>> {
        let e = syn::unparen(e.clone());
        if let Some(l) = syn::expr_string_list(&e) {
            return Some(l);
        }
        match last_select_name(self.a, &e).as_deref() {
            Some("defaultSystems") => {
                return Some(DEFAULT_SYSTEMS.iter().map(|s| s.to_string()).collect());
            }
            Some("flakeExposed" | "allSystems") => return Some(Vec::new()),
            _ => {}
        }
        if let ast::Expr::Ident(id) = &e
            && let Def::Binding { value: Some(v), .. } = self.a.def_of(id)
        {
            return self.systems_list(&v);
        }
        if let ast::Expr::List(l) = &e {
            // `[ flake-utils.lib.system.x86_64-linux ]`
            let names: Option<Vec<String>> = l
                .items()
                .map(|i| last_select_name(self.a, &i).filter(|n| looks_like_system(n)))
                .collect();
            return names;
        }
        None
    }

    /// For `f (system: ...)` where `f` is `genAttrs L` or `xs: genAttrs L (...)`:
    /// the systems L.
    fn systems_function(&self, head: &ast::Expr, args: &[ast::Expr]) -> Option<Vec<String>> {
        if let Some(Callee::Prim(p)) = self.a.callee(head)
            && p == "genAttrs"
            && args.len() == 2
        {
            return self
                .systems_list(&args[0])
                .filter(|l| l.iter().all(|s| looks_like_system(s)));
        }
        let ast::Expr::Ident(id) = syn::unparen(head.clone()) else {
            return None;
        };
        let Def::Binding { value: Some(v), .. } = self.a.def_of(&id) else {
            return None;
        };
        match syn::unparen(v) {
            ast::Expr::Lambda(l) => {
                let body = l.body()?;
                let (h, a) = self.a.spine(&body);
                if let Some(Callee::Prim(p)) = self.a.callee(&h)
                    && p == "genAttrs"
                    && a.len() == 2
                {
                    return self.systems_list(&a[0]);
                }
                None
            }
            x @ ast::Expr::Apply(_) => {
                let (h, a) = self.a.spine(&x);
                if let Some(Callee::Prim(p)) = self.a.callee(&h)
                    && p == "genAttrs"
                    && a.len() == 1
                {
                    return self.systems_list(&a[0]);
                }
                None
            }
            _ => None,
        }
    }

    /// Names produced by `genAttrs L f`, `mapAttrs f set`, `mapAttrs f
    /// (readDir ./d)`, `listToAttrs (map (x: { name = x; ... }) L)`, and the
    /// expression computing each value.
    fn computed_names(
        &self,
        head: &ast::Expr,
        args: &[ast::Expr],
    ) -> Option<(Vec<String>, Option<SyntaxNode>)> {
        let Some(Callee::Prim(p)) = self.a.callee(head) else {
            return None;
        };
        match (p.as_str(), args) {
            ("genAttrs", [list, f]) => {
                let names = self.string_list(list)?;
                Some((names, Some(f.syntax().clone())))
            }
            ("mapAttrs", [f, set]) => {
                let names = self.set_names(set)?;
                Some((names, Some(f.syntax().clone())))
            }
            ("listToAttrs", [list]) => {
                let (h, a) = self.a.spine(&syn::unparen(list.clone()));
                if let Some(Callee::Prim(m)) = self.a.callee(&h)
                    && m == "map"
                    && a.len() == 2
                {
                    let names = self.string_list(&a[1])?;
                    return Some((names, Some(a[0].syntax().clone())));
                }
                None
            }
            _ => None,
        }
    }

    fn string_list(&self, e: &ast::Expr) -> Option<Vec<String>> {
        match syn::unparen(e.clone()) {
            ast::Expr::Ident(id) => match self.a.def_of(&id) {
                Def::Binding { value: Some(v), .. } => self.string_list(&v),
                _ => None,
            },
            x @ ast::Expr::Apply(_) => {
                // `attrNames set` / `attrNames (readDir ./hosts)`
                let (h, a) = self.a.spine(&x);
                match (self.a.callee(&h), a.as_slice()) {
                    (Some(Callee::Prim(p)), [s]) if p == "attrNames" => self.set_names(s),
                    _ => None,
                }
            }
            other => syn::expr_string_list(&other),
        }
    }

    fn set_names(&self, e: &ast::Expr) -> Option<Vec<String>> {
        if let Some(k) = self.a.attrset_keys(e) {
            return Some(k);
        }
        let (h, a) = self.a.spine(&syn::unparen(e.clone()));
        match (self.a.callee(&h), a.as_slice()) {
            (Some(Callee::Prim(p)), [dir]) if p == "readDir" => {
                let rel = literal_path(dir)?;
                let base = self.a.dir_of(dir.syntax());
                let d = normalize(&base, &rel);
                let mut names: Vec<String> = std::fs::read_dir(&d)
                    .ok()?
                    .filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .collect();
                names.sort();
                Some(names)
            }
            (Some(Callee::Prim(p)), [_, set]) if p == "filterAttrs" || p == "mapAttrs" => {
                self.set_names(set)
            }
            _ => None,
        }
    }
}

/// The last name of a select chain or identifier (`flake-utils.lib.eachDefaultSystem`).
fn last_select_name(a: &Analyzer<'_>, e: &ast::Expr) -> Option<String> {
    match syn::unparen(e.clone()) {
        ast::Expr::Select(s) => s
            .attrpath()?
            .attrs()
            .last()
            .and_then(|a| syn::attr_name(&a)),
        ast::Expr::Ident(id) => match a.def_of(&id) {
            Def::Binding { value: Some(v), .. } => last_select_name(a, &v),
            Def::InheritFrom { name, .. } => Some(name),
            _ => syn::ident_name(&id),
        },
        _ => None,
    }
}

impl Analyzer<'_> {
    /// [`function_value`] in the expression's file.
    fn function_value(&self, e: &ast::Expr) -> Option<ast::Lambda> {
        self.with_scopes(e.syntax(), |s| function_value(s, e))
    }

    /// A string literal, or a name bound to one.
    pub fn literal_string_of(&self, e: &ast::Expr) -> Option<String> {
        match syn::unparen(e.clone()) {
            ast::Expr::Str(s) => syn::string_literal(&s),
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => self.literal_string_of(&v),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Compute each output's variables and files.
fn deps(
    a: &Analyzer<'_>,
    map: &mut OutputMap,
    exprs: &[Option<SyntaxNode>],
    entry: usize,
    self_names: &[String],
) {
    let reads = file_reads(a);
    // Files each file names by path, computed for the files reached only.
    let mut file_closure: HashMap<usize, Vec<usize>> = HashMap::new();
    let outputs_attrs: Vec<Vec<String>> = map.outputs.iter().map(|o| o.attr.clone()).collect();
    // Expression closure inside the entry file.
    let mut results: Vec<(BTreeSet<String>, BTreeSet<usize>)> = Vec::new();
    for expr in exprs {
        let mut env = BTreeSet::new();
        let mut files = BTreeSet::new();
        files.insert(entry);
        let mut visited_outputs = HashSet::new();
        if let Some(expr) = expr {
            expr_closure(
                a,
                expr,
                entry,
                self_names,
                exprs,
                &outputs_attrs,
                &mut visited_outputs,
                &mut env,
                &mut files,
            );
        }
        // Files reached by path, transitively.
        let mut queue: VecDeque<usize> = files.iter().copied().filter(|f| *f != entry).collect();
        let mut all: BTreeSet<usize> = files.clone();
        while let Some(f) = queue.pop_front() {
            let targets = file_closure
                .entry(f)
                .or_insert_with(|| file_targets(a, f))
                .clone();
            for g in targets {
                if all.insert(g) {
                    queue.push_back(g);
                }
            }
        }
        for f in &all {
            if *f != entry {
                env.extend(reads.get(f).cloned().unwrap_or_default());
            }
        }
        results.push((env, all));
    }
    for (o, (env, files)) in map.outputs.iter_mut().zip(results) {
        o.env = env;
        o.files = files;
    }
}

/// Variables read in each file.
fn file_reads(a: &Analyzer<'_>) -> HashMap<usize, BTreeSet<String>> {
    let mut out: HashMap<usize, BTreeSet<String>> = HashMap::new();
    for (i, _) in a.project.files.iter().enumerate() {
        for r in a.reads_in(i) {
            if let Some(v) = r.var {
                out.entry(i).or_default().insert(v);
            }
        }
    }
    out
}

/// Files a file names by a literal (or interpolated) path.
fn file_targets(a: &Analyzer<'_>, file: usize) -> Vec<usize> {
    // Only relative path literals name targets here.
    if a.rel_paths.is_some_and(|r| !r[file]) {
        return Vec::new();
    }
    let root = a.project.files[file].parsed().syntax();
    let mut targets = Vec::new();
    for node in root.descendants() {
        targets.extend(path_targets(a, file, &node, &Vec::new()));
    }
    targets.sort();
    targets.dedup();
    targets
}

/// Parameters known to hold one string in the code being followed
/// (`mkHost "host00"` binds `name` of `mkHost = name: ...` to "host00").
type Subst = Vec<(SyntaxNode, String)>;

/// The strings an expression can evaluate to, if they are known: literals,
/// let bindings, interpolations of those, and parameters (from `subst`, or
/// else from every call site of the function).
fn possible_strings(
    a: &Analyzer<'_>,
    e: &ast::Expr,
    subst: &Subst,
    depth: u32,
) -> Option<Vec<String>> {
    if depth > 16 {
        return None;
    }
    match syn::unparen(e.clone()) {
        ast::Expr::Str(st) => {
            let mut acc = vec![String::new()];
            for child in st.syntax().children_with_tokens() {
                let options = match child {
                    rowan::NodeOrToken::Token(t)
                        if t.kind() == SyntaxKind::TOKEN_STRING_CONTENT =>
                    {
                        vec![t.text().to_string()]
                    }
                    rowan::NodeOrToken::Token(_) => continue,
                    rowan::NodeOrToken::Node(n) => {
                        let x = ast::Interpol::cast(n).and_then(|i| i.expr())?;
                        possible_strings(a, &x, subst, depth + 1)?
                    }
                };
                acc = acc
                    .iter()
                    .flat_map(|p| options.iter().map(move |o| format!("{p}{o}")))
                    .collect();
                if acc.len() > 256 {
                    return None;
                }
            }
            Some(acc)
        }
        ast::Expr::Ident(id) => match a.def_of(&id) {
            Def::Binding { value: Some(v), .. } => possible_strings(a, &v, subst, depth + 1),
            Def::Param { lambda } => {
                if let Some((_, v)) = subst.iter().find(|(l, _)| l == lambda.syntax()) {
                    return Some(vec![v.clone()]);
                }
                let calls = a.call_sites(&lambda);
                if calls.is_empty() {
                    return None;
                }
                let mut out = Vec::new();
                for c in calls {
                    out.extend(possible_strings(a, c.first()?, subst, depth + 1)?);
                }
                out.sort();
                out.dedup();
                Some(out)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The project files a path node names: a literal path; an interpolated one
/// whose parts are known strings; one built from an environment variable (every
/// existing match); otherwise every existing file matching it with one unknown
/// component.
fn path_targets(a: &Analyzer<'_>, file: usize, node: &SyntaxNode, subst: &Subst) -> Vec<usize> {
    if node.kind() != SyntaxKind::NODE_PATH_REL {
        return Vec::new();
    }
    let Some(e) = ast::Expr::cast(node.clone()) else {
        return Vec::new();
    };
    if let Some(t) = a.path_target(file, &e) {
        return vec![t];
    }
    let Some(dir) = a.project.files[file].path.parent().map(Path::to_path_buf) else {
        return Vec::new();
    };
    // Known strings in every interpolation.
    let mut acc = vec![String::new()];
    let mut parts: Vec<super::flow::Part> = Vec::new();
    let mut known = true;
    for child in node.children_with_tokens() {
        match child {
            rowan::NodeOrToken::Token(t) => {
                acc.iter_mut().for_each(|p| p.push_str(t.text()));
                parts.push(super::flow::Part::Lit(t.text().to_string()));
            }
            rowan::NodeOrToken::Node(n) => {
                let opts = ast::Interpol::cast(n)
                    .and_then(|i| i.expr())
                    .and_then(|x| possible_strings(a, &x, subst, 0));
                match opts {
                    Some(o) if known => {
                        acc = acc
                            .iter()
                            .flat_map(|p| o.iter().map(move |x| format!("{p}{x}")))
                            .collect();
                        if acc.len() > 256 {
                            known = false;
                        }
                    }
                    _ => known = false,
                }
                parts.push(super::flow::Part::Var("\u{0}".into()));
            }
        }
    }
    if known {
        return acc.iter().filter_map(|p| a.resolve(&dir, p)).collect();
    }
    // `./hosts/${h}/configuration.nix` with h from the environment: all matches.
    let mut out = Vec::new();
    for f in a.flows(&e) {
        if let Shape::PathT { dir, parts } = f.shape {
            for m in super::domain::path_matches(&dir, &parts, &f.var) {
                if let Some(t) = a.resolve(&dir, &m.1) {
                    out.push(t);
                }
            }
        }
    }
    if out.is_empty() {
        // One unknown component: every existing match.
        for m in super::domain::path_matches(&dir, &parts, "\u{0}") {
            if let Some(t) = a.resolve(&dir, &m.1) {
                out.push(t);
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn expr_closure(
    a: &Analyzer<'_>,
    expr: &SyntaxNode,
    entry: usize,
    self_names: &[String],
    outputs: &[Option<SyntaxNode>],
    attrs: &[Vec<String>],
    visited_outputs: &mut HashSet<usize>,
    env: &mut BTreeSet<String>,
    files: &mut BTreeSet<usize>,
) {
    let mut seen: HashSet<(SyntaxNode, Subst)> = HashSet::new();
    let mut stack: Vec<(SyntaxNode, Subst)> = vec![(expr.clone(), Vec::new())];
    while let Some((n, subst)) = stack.pop() {
        if !seen.insert((n.clone(), subst.clone())) {
            continue;
        }
        // Heads of calls followed with their argument bound.
        let mut skip: HashSet<SyntaxNode> = HashSet::new();
        for node in n.descendants() {
            if let Some(r) = a.read_at(&node)
                && let Some(v) = r
            {
                env.insert(v);
            }
            for t in path_targets(a, a.file_of(&node).unwrap_or(entry), &node, &subst) {
                files.insert(t);
            }
            match node.kind() {
                SyntaxKind::NODE_APPLY => {
                    // `mkHost "host00"`: follow mkHost's body with name = "host00".
                    let Some(app) = ast::Apply::cast(node.clone()) else {
                        continue;
                    };
                    let (Some(ast::Expr::Ident(head)), Some(arg)) =
                        (app.lambda().map(syn::unparen), app.argument())
                    else {
                        continue;
                    };
                    let Def::Binding { value: Some(v), .. } = a.def_of(&head) else {
                        continue;
                    };
                    let ast::Expr::Lambda(l) = syn::unparen(v) else {
                        continue;
                    };
                    if !matches!(l.param(), Some(ast::Param::IdentParam(_))) {
                        continue;
                    }
                    if let Some(one) = possible_strings(a, &arg, &subst, 0)
                        && let [value] = one.as_slice()
                    {
                        let mut sub = subst.clone();
                        sub.push((l.syntax().clone(), value.clone()));
                        stack.push((l.syntax().clone(), sub));
                        skip.insert(head.syntax().clone());
                    }
                }
                SyntaxKind::NODE_IDENT => {
                    if skip.contains(&node) {
                        continue;
                    }
                    let Some(id) = ast::Ident::cast(node.clone()) else {
                        continue;
                    };
                    if !syn::is_reference(&id) {
                        continue;
                    }
                    match a.def_of(&id) {
                        Def::Binding { value: Some(v), .. } => {
                            stack.push((v.syntax().clone(), subst.clone()))
                        }
                        Def::Binding { key, .. } => {
                            // `a.b = ...; a.c = ...;`: every entry of the name.
                            if let Some(av) = key.parent().and_then(|p| p.parent()) {
                                stack.push((av, subst.clone()));
                            }
                        }
                        Def::InheritFrom { from, .. } => {
                            stack.push((from.syntax().clone(), subst.clone()))
                        }
                        Def::Formal { entry: Some(e), .. } => {
                            if let Some(d) = e.default() {
                                stack.push((d.syntax().clone(), subst.clone()));
                            }
                        }
                        _ => {}
                    }
                }
                SyntaxKind::NODE_SELECT => {
                    // `self.packages.x86_64-linux.foo`, `inputs.self.nixosConfigurations.h`
                    let Some(sel) = ast::Select::cast(node.clone()) else {
                        continue;
                    };
                    let Some(base) = sel.expr() else { continue };
                    let base_text = base.syntax().text().to_string();
                    if !self_names.contains(&base_text) {
                        continue;
                    }
                    let Some(names) = sel.attrpath().and_then(|p| syn::attrpath_names(&p)) else {
                        continue;
                    };
                    for (i, at) in attrs.iter().enumerate() {
                        let k = at.len().min(names.len());
                        if at[..k] == names[..k]
                            && visited_outputs.insert(i)
                            && let Some(e) = &outputs[i]
                        {
                            stack.push((e.clone(), Vec::new()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
