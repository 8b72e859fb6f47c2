//! The output names of a flake, found syntactically from its flake.nix.
//!
//! A small abstract interpreter over the syntax tree: it evaluates the
//! `outputs` function's body far enough to know which attribute names exist,
//! following `let`, `rec`, `inherit`, nested attrpaths, `//`, `if`, lambda
//! application, `import ./file.nix`, and the usual per-system wrappers
//! (`flake-utils.lib.eachDefaultSystem`/`eachSystem`, `genAttrs`,
//! `eachDefaultSystemMap`, user-defined `forAllSystems` helpers through
//! ordinary application). Whatever it cannot follow becomes [`V::Unknown`],
//! and an attribute set that may have keys it cannot name is *open*: lookups
//! below unknown or open parts are never reported.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::hir::static_attr_name;
use crate::project::Project;
use crate::syntax::ast::{self, BinOpKind, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

/// An abstract value.
#[derive(Clone)]
pub enum V {
    Attrs(Rc<Attrs>),
    Str(String),
    Path(PathBuf),
    List(Rc<Vec<V>>),
    Lambda(ast::Lambda, Rc<Env>),
    /// A per-system (or per-name) variable: as an attribute name it stands
    /// for any key.
    Sys,
    /// A known value that is not an attribute set (number, bool, null).
    Leaf,
    /// A library function whose effect on names is known (`genAttrs`,
    /// `eachDefaultSystem`, ...), with the arguments it has been given so far.
    Known(&'static str, Rc<Vec<Arg>>),
    /// Anything the walk could not determine.
    Unknown,
}

/// An attribute set whose keys are (partly) known.
#[derive(Clone, Default)]
pub struct Attrs {
    pub entries: BTreeMap<String, V>,
    /// The value under keys named by a per-system variable (`${system}`).
    pub any: Option<V>,
    /// Whether other, unknown keys may exist.
    pub open: bool,
}

impl V {
    fn attrs(a: Attrs) -> V {
        V::Attrs(Rc::new(a))
    }
}

/// An argument of a function application.
#[derive(Clone)]
pub enum Arg {
    Expr(SyntaxNode, Rc<Env>),
    Val(V),
}

/// Functions of nixpkgs lib, flake-utils and builtins that the walk
/// understands, recognised by the last name of the expression that names them
/// (`nixpkgs.lib.genAttrs`, `flake-utils.lib.eachDefaultSystem`, `with lib;
/// genAttrs`) when that name is not bound in the file.
const KNOWN_FUNCTIONS: [&str; 12] = [
    "eachDefaultSystem",
    "eachSystem",
    "eachDefaultSystemMap",
    "eachSystemMap",
    "genAttrs",
    "mapAttrs",
    "recursiveUpdate",
    "mergeAttrs",
    "foldl'",
    "foldl",
    "foldr",
    "import",
];

fn known_arity(name: &str) -> usize {
    match name {
        "eachDefaultSystem" | "eachDefaultSystemMap" | "import" => 1,
        "foldl'" | "foldl" | "foldr" => 3,
        _ => 2,
    }
}

fn known_function(name: &str) -> Option<V> {
    KNOWN_FUNCTIONS
        .iter()
        .find(|k| **k == name)
        .map(|k| V::Known(k, Rc::new(Vec::new())))
}

/// What a name in scope stands for.
enum Thunk {
    /// An expression evaluated in the environment that holds the binding
    /// (`let` and `rec` bindings).
    Rec(SyntaxNode),
    /// An expression with its own environment (lambda arguments).
    Expr(SyntaxNode, Rc<Env>),
    /// `inherit x;` in a `let`/`rec`: `x` of the enclosing scope.
    Outer(String),
    /// `inherit (e) x;`: `e` evaluated in the binding environment, then `.x`.
    From(SyntaxNode, String),
    /// `a.b = ...;` in a `let`/`rec`: attribute `a` of the set built from the
    /// bindings of this node.
    Part(SyntaxNode, String),
    Val(V),
}

/// A lexical environment.
pub struct Env {
    vars: HashMap<String, Thunk>,
    parent: Option<Rc<Env>>,
    /// Directory relative paths are resolved against.
    dir: Rc<PathBuf>,
}

impl Env {
    fn root(dir: PathBuf) -> Rc<Env> {
        Rc::new(Env {
            vars: HashMap::new(),
            parent: None,
            dir: Rc::new(dir),
        })
    }

    fn child(parent: &Rc<Env>, vars: HashMap<String, Thunk>) -> Rc<Env> {
        Rc::new(Env {
            vars,
            parent: Some(parent.clone()),
            dir: parent.dir.clone(),
        })
    }
}

/// How much work the walk may do before giving up (the result then has
/// unknown parts, which only makes the rule report less).
const STEP_BUDGET: usize = 200_000;
const MAX_DEPTH: usize = 400;

/// Attribute-name position in an attrpath.
enum Key {
    Name(String),
    Any,
    Dynamic,
}

struct Interp<'a> {
    project: &'a Project,
    steps: usize,
    depth: usize,
    imports: Vec<PathBuf>,
    /// Normalised path → file index, built on the first import.
    by_path: Option<std::collections::HashMap<PathBuf, usize>>,
}

/// The outputs of the flake whose flake.nix is `project.files[index]`.
pub fn flake_outputs(project: &Project, index: usize) -> V {
    let file = &project.files[index];
    if !file.parsed().errors.is_empty() {
        return V::Unknown;
    }
    let dir = normalize(file.path.parent().unwrap_or(Path::new("")));
    let mut it = Interp {
        project,
        steps: 0,
        depth: 0,
        imports: vec![normalize(&file.path)],
        by_path: None,
    };
    let Some(root) = file.parsed().root().expr() else {
        return V::Unknown;
    };
    let env = Env::root(dir);
    let top = it.eval(root.syntax(), &env);
    let outputs = match &top {
        V::Attrs(a) => a.entries.get("outputs").cloned().unwrap_or(V::Unknown),
        _ => V::Unknown,
    };
    match outputs {
        V::Lambda(lam, lenv) => it.call_lambda(&lam, &lenv, Thunk::Val(V::Unknown)),
        _ => V::Unknown,
    }
}

/// Lexically normalise a path (`a/./b/../c` → `a/c`).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Interp<'_> {
    fn eval(&mut self, node: &SyntaxNode, env: &Rc<Env>) -> V {
        self.steps += 1;
        if self.steps > STEP_BUDGET || self.depth > MAX_DEPTH {
            return V::Unknown;
        }
        self.depth += 1;
        let v = stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || self.eval_inner(node, env));
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, node: &SyntaxNode, env: &Rc<Env>) -> V {
        let Some(expr) = ast::Expr::cast(node.clone()) else {
            return V::Unknown;
        };
        match expr {
            ast::Expr::Paren(p) => match p.expr() {
                Some(e) => self.eval(e.syntax(), env),
                None => V::Unknown,
            },
            ast::Expr::Root(r) => match r.expr() {
                Some(e) => self.eval(e.syntax(), env),
                None => V::Unknown,
            },
            ast::Expr::AttrSet(set) => {
                if crate::syntax::is_rec_set(set.syntax()) {
                    let renv = Env::child(env, scope_vars(set.syntax()));
                    self.build_set(set.syntax(), &renv, &renv)
                } else {
                    self.build_set(set.syntax(), env, env)
                }
            }
            ast::Expr::LetIn(l) => {
                let lenv = Env::child(env, scope_vars(l.syntax()));
                match l.body() {
                    Some(b) => self.eval(b.syntax(), &lenv),
                    None => V::Unknown,
                }
            }
            ast::Expr::Ident(i) => {
                let name = i.syntax().text().to_string();
                self.lookup(&name, env)
                    .unwrap_or_else(|| match name.as_str() {
                        "true" | "false" | "null" => V::Leaf,
                        _ => known_function(&name).unwrap_or(V::Unknown),
                    })
            }
            ast::Expr::Select(s) => {
                let Some(base) = s.expr() else {
                    return V::Unknown;
                };
                let base = self.eval(base.syntax(), env);
                let Some(path) = s.attrpath() else {
                    return V::Unknown;
                };
                let mut cur = base;
                for attr in path.attrs() {
                    let key = self.key(attr.syntax(), env);
                    if let (V::Unknown, Key::Name(k), None) = (&cur, &key, s.default_expr())
                        && let Some(f) = known_function(k)
                    {
                        // `nixpkgs.lib.genAttrs`, `flake-utils.lib.eachDefaultSystem`
                        cur = f;
                        continue;
                    }
                    match select(&cur, &key) {
                        Some(v) => cur = v,
                        None => {
                            return match s.default_expr() {
                                Some(d) => self.eval(d.syntax(), env),
                                None => V::Unknown,
                            };
                        }
                    }
                }
                cur
            }
            ast::Expr::Str(_) => self.eval_string(node, env),
            ast::Expr::Literal(l) => match l.syntax().first_token() {
                Some(t) if t.kind() == SyntaxKind::TOKEN_URI => V::Str(t.text().to_string()),
                _ => V::Leaf,
            },
            ast::Expr::PathRel(p) => {
                if p.syntax().children().next().is_some() {
                    return V::Unknown;
                }
                V::Path(normalize(&env.dir.join(p.syntax().text().to_string())))
            }
            ast::Expr::PathAbs(_) | ast::Expr::PathHome(_) | ast::Expr::PathSearch(_) => V::Unknown,
            ast::Expr::List(l) => {
                let items: Vec<V> = l.items().map(|i| self.eval(i.syntax(), env)).collect();
                V::List(Rc::new(items))
            }
            ast::Expr::Lambda(l) => V::Lambda(l, env.clone()),
            ast::Expr::Apply(_) => self.eval_apply(node, env),
            ast::Expr::BinOp(b) => {
                let (Some(l), Some(r)) = (b.lhs(), b.rhs()) else {
                    return V::Unknown;
                };
                match b.operator() {
                    Some(BinOpKind::Update) => {
                        let l = self.eval(l.syntax(), env);
                        let r = self.eval(r.syntax(), env);
                        update(&l, &r)
                    }
                    Some(BinOpKind::Concat) => {
                        let l = self.eval(l.syntax(), env);
                        let r = self.eval(r.syntax(), env);
                        match (l, r) {
                            (V::List(a), V::List(b)) => {
                                V::List(Rc::new(a.iter().chain(b.iter()).cloned().collect()))
                            }
                            _ => V::Unknown,
                        }
                    }
                    Some(
                        BinOpKind::And
                        | BinOpKind::Or
                        | BinOpKind::Implication
                        | BinOpKind::Equal
                        | BinOpKind::NotEqual
                        | BinOpKind::Less
                        | BinOpKind::LessOrEq
                        | BinOpKind::More
                        | BinOpKind::MoreOrEq,
                    ) => V::Leaf,
                    _ => V::Unknown,
                }
            }
            ast::Expr::IfElse(i) => {
                let (Some(t), Some(e)) = (i.body(), i.else_body()) else {
                    return V::Unknown;
                };
                let t = self.eval(t.syntax(), env);
                let e = self.eval(e.syntax(), env);
                union(&t, &e)
            }
            ast::Expr::With(w) => match w.body() {
                // Names the `with` set supplies are unknown; lexical ones still resolve.
                Some(b) => self.eval(b.syntax(), env),
                None => V::Unknown,
            },
            ast::Expr::Assert(a) => match a.body() {
                Some(b) => self.eval(b.syntax(), env),
                None => V::Unknown,
            },
            ast::Expr::UnaryOp(_) | ast::Expr::HasAttr(_) | ast::Expr::CurPos(_) => V::Leaf,
            _ => V::Unknown,
        }
    }

    fn eval_string(&mut self, node: &SyntaxNode, env: &Rc<Env>) -> V {
        let Some(s) = ast::Str::cast(node.clone()) else {
            return V::Unknown;
        };
        let Some(parts) = crate::syntax::str_parts(&s) else {
            return V::Unknown;
        };
        let mut out = String::new();
        let n = parts.len();
        for part in parts {
            match part {
                ast::InterpolPart::Literal(t) => out.push_str(&t),
                ast::InterpolPart::Interpolation(i) => {
                    let v = match i.expr() {
                        Some(e) => self.eval(e.syntax(), env),
                        None => V::Unknown,
                    };
                    match v {
                        V::Str(s) => out.push_str(&s),
                        V::Sys if n == 1 => return V::Sys,
                        _ => return V::Unknown,
                    }
                }
            }
        }
        V::Str(out)
    }

    fn lookup(&mut self, name: &str, env: &Rc<Env>) -> Option<V> {
        let mut cur = env.clone();
        loop {
            if let Some(t) = cur.vars.get(name) {
                return Some(self.force(t, &cur));
            }
            cur = cur.parent.clone()?;
        }
    }

    fn force(&mut self, t: &Thunk, home: &Rc<Env>) -> V {
        match t {
            Thunk::Rec(e) => self.eval(e, home),
            Thunk::Expr(e, env) => self.eval(e, env),
            Thunk::Outer(name) => match &home.parent {
                Some(p) => {
                    let p = p.clone();
                    self.lookup(name, &p).unwrap_or(V::Unknown)
                }
                None => V::Unknown,
            },
            Thunk::From(e, name) => {
                let v = self.eval(e, home);
                select(&v, &Key::Name(name.clone())).unwrap_or(V::Unknown)
            }
            Thunk::Part(set, name) => {
                let v = self.build_set(set, home, home);
                select(&v, &Key::Name(name.clone())).unwrap_or(V::Unknown)
            }
            Thunk::Val(v) => v.clone(),
        }
    }

    /// The key an attribute node names.
    fn key(&mut self, attr: &SyntaxNode, env: &Rc<Env>) -> Key {
        if let Some(n) = static_attr_name(attr) {
            return Key::Name(n.to_string());
        }
        let inner = match attr.kind() {
            SyntaxKind::NODE_DYNAMIC => attr.children().next(),
            SyntaxKind::NODE_STRING => Some(attr.clone()),
            _ => None,
        };
        let Some(inner) = inner else {
            return Key::Dynamic;
        };
        match self.eval(&inner, env) {
            V::Str(s) => Key::Name(s),
            V::Sys => Key::Any,
            _ => Key::Dynamic,
        }
    }

    /// Build the attribute set of a set or `let` node's bindings. Values are
    /// evaluated in `venv`, dynamic keys in `kenv`.
    fn build_set(&mut self, node: &SyntaxNode, venv: &Rc<Env>, kenv: &Rc<Env>) -> V {
        let mut attrs = Attrs::default();
        for child in node.children() {
            match child.kind() {
                SyntaxKind::NODE_ATTRPATH_VALUE => {
                    let Some(apv) = ast::AttrpathValue::cast(child.clone()) else {
                        continue;
                    };
                    let (Some(path), Some(value)) = (apv.attrpath(), apv.value()) else {
                        continue;
                    };
                    let keys: Vec<Key> = path.attrs().map(|a| self.key(a.syntax(), kenv)).collect();
                    if keys.is_empty() {
                        continue;
                    }
                    if keys.iter().any(|k| matches!(k, Key::Dynamic)) {
                        insert(&mut attrs, &keys, V::Unknown);
                        continue;
                    }
                    let v = self.eval(value.syntax(), venv);
                    insert(&mut attrs, &keys, v);
                }
                SyntaxKind::NODE_INHERIT => {
                    let Some(inh) = ast::Inherit::cast(child.clone()) else {
                        continue;
                    };
                    let from = inh
                        .from()
                        .and_then(|f| f.expr())
                        .map(|e| self.eval(e.syntax(), venv));
                    for a in inh.attrs() {
                        let Some(name) = static_attr_name(a.syntax()).map(|n| n.to_string()) else {
                            attrs.open = true;
                            continue;
                        };
                        let v = match &from {
                            Some(src) => {
                                select(src, &Key::Name(name.clone())).unwrap_or(V::Unknown)
                            }
                            None => {
                                // `inherit x;` in a rec set refers to the outer scope.
                                let env = if Rc::ptr_eq(venv, kenv) && is_rec(node) {
                                    venv.parent.clone().unwrap_or_else(|| venv.clone())
                                } else {
                                    venv.clone()
                                };
                                self.lookup(&name, &env).unwrap_or(V::Unknown)
                            }
                        };
                        attrs.entries.insert(name, v);
                    }
                }
                _ => {}
            }
        }
        V::attrs(attrs)
    }

    fn call_lambda(&mut self, lam: &ast::Lambda, lenv: &Rc<Env>, arg: Thunk) -> V {
        let mut vars = HashMap::new();
        match lam.param() {
            Some(ast::Param::IdentParam(p)) => {
                if let Some(i) = p.ident() {
                    vars.insert(i.syntax().text().to_string(), arg);
                }
            }
            Some(ast::Param::Pattern(pat)) => {
                let argv = match &arg {
                    Thunk::Val(v) => v.clone(),
                    Thunk::Expr(e, env) => {
                        let (e, env) = (e.clone(), env.clone());
                        self.eval(&e, &env)
                    }
                    _ => V::Unknown,
                };
                for entry in pat.pat_entries() {
                    let Some(i) = entry.ident() else { continue };
                    let name = i.syntax().text().to_string();
                    let v = select(&argv, &Key::Name(name.clone())).unwrap_or(V::Unknown);
                    vars.insert(name, Thunk::Val(v));
                }
                if let Some(b) = pat.pat_bind().and_then(|b| b.ident()) {
                    vars.insert(b.syntax().text().to_string(), Thunk::Val(argv));
                }
            }
            None => {}
        }
        let env = Env::child(lenv, vars);
        match lam.body() {
            Some(b) => self.eval(b.syntax(), &env),
            None => V::Unknown,
        }
    }

    /// Apply a function value to arguments, one by one.
    fn apply_value(&mut self, f: V, args: Vec<Arg>) -> V {
        let mut cur = f;
        for a in args {
            cur = match cur {
                V::Lambda(lam, lenv) => {
                    let t = match a {
                        Arg::Expr(e, env) => Thunk::Expr(e, env),
                        Arg::Val(v) => Thunk::Val(v),
                    };
                    self.call_lambda(&lam, &lenv, t)
                }
                V::Known(name, prev) => {
                    let mut args = (*prev).clone();
                    args.push(a);
                    if args.len() < known_arity(name) {
                        V::Known(name, Rc::new(args))
                    } else {
                        self.run_known(name, &args)
                    }
                }
                _ => return V::Unknown,
            };
        }
        cur
    }

    fn arg_value(&mut self, a: &Arg) -> V {
        match a {
            Arg::Expr(e, env) => self.eval(e, env),
            Arg::Val(v) => v.clone(),
        }
    }

    /// Apply a function argument to one value.
    fn call_with(&mut self, f: &Arg, arg: V) -> V {
        let fv = self.arg_value(f);
        self.apply_value(fv, vec![Arg::Val(arg)])
    }

    fn eval_apply(&mut self, node: &SyntaxNode, env: &Rc<Env>) -> V {
        // Flatten `f a b c`.
        let mut args = Vec::new();
        let mut head = node.clone();
        while let Some(app) = ast::Apply::cast(head.clone()) {
            let (Some(f), Some(a)) = (app.lambda(), app.argument()) else {
                return V::Unknown;
            };
            args.push(Arg::Expr(a.syntax().clone(), env.clone()));
            head = f.syntax().clone();
        }
        args.reverse();
        let f = self.eval(&head, env);
        self.apply_value(f, args)
    }

    /// Run a library function whose effect on attribute names is known, with
    /// exactly [`known_arity`] arguments.
    fn run_known(&mut self, name: &'static str, args: &[Arg]) -> V {
        match name {
            "eachDefaultSystem" | "eachSystem" => {
                // { k = v; } for one system becomes { k.<system> = v; }.
                let f = args.last().expect("arity");
                match self.call_with(f, V::Sys) {
                    V::Attrs(body) => {
                        let mut out = Attrs {
                            open: body.open || body.any.is_some(),
                            ..Attrs::default()
                        };
                        for (k, v) in &body.entries {
                            out.entries.insert(
                                k.clone(),
                                V::attrs(Attrs {
                                    any: Some(v.clone()),
                                    ..Attrs::default()
                                }),
                            );
                        }
                        V::attrs(out)
                    }
                    _ => V::Unknown,
                }
            }
            "genAttrs" | "eachSystemMap" | "eachDefaultSystemMap" => {
                let f = args.last().expect("arity");
                let names = if args.len() == 2 {
                    match self.arg_value(&args[0]) {
                        V::List(items) => items
                            .iter()
                            .map(|i| match i {
                                V::Str(s) => Some(s.clone()),
                                _ => None,
                            })
                            .collect::<Option<Vec<String>>>(),
                        _ => None,
                    }
                } else {
                    None
                };
                match names {
                    Some(names) => {
                        let mut out = Attrs::default();
                        for n in names {
                            let v = self.call_with(f, V::Str(n.clone()));
                            out.entries.insert(n, v);
                        }
                        V::attrs(out)
                    }
                    None => {
                        let v = self.call_with(f, V::Sys);
                        V::attrs(Attrs {
                            any: Some(v),
                            ..Attrs::default()
                        })
                    }
                }
            }
            "mapAttrs" => match self.arg_value(&args[1]) {
                V::Attrs(a) => V::attrs(Attrs {
                    entries: a.entries.keys().map(|k| (k.clone(), V::Unknown)).collect(),
                    any: a.any.as_ref().map(|_| V::Unknown),
                    open: a.open,
                }),
                _ => V::Unknown,
            },
            "recursiveUpdate" | "mergeAttrs" => {
                let a = self.arg_value(&args[0]);
                let b = self.arg_value(&args[1]);
                if name == "mergeAttrs" {
                    update(&a, &b)
                } else {
                    union(&a, &b)
                }
            }
            "foldl'" | "foldl" | "foldr" => {
                let f = self.arg_value(&args[0]);
                let init = self.arg_value(&args[1]);
                let V::List(items) = self.arg_value(&args[2]) else {
                    return V::Unknown;
                };
                let mut acc = init;
                let order: Vec<&V> = if name == "foldr" {
                    items.iter().rev().collect()
                } else {
                    items.iter().collect()
                };
                for item in order {
                    let (x, y) = if name == "foldr" {
                        (item.clone(), acc)
                    } else {
                        (acc, item.clone())
                    };
                    acc = self.apply_value(f.clone(), vec![Arg::Val(x), Arg::Val(y)]);
                }
                acc
            }
            "import" => {
                let target = self.arg_value(&args[0]);
                self.import(&target)
            }
            _ => V::Unknown,
        }
    }

    fn import(&mut self, target: &V) -> V {
        let V::Path(p) = target else {
            return V::Unknown;
        };
        let project = self.project;
        let by_path = self.by_path.get_or_insert_with(|| {
            let mut m = std::collections::HashMap::new();
            for (i, f) in project.files.iter().enumerate() {
                m.entry(normalize(&f.path)).or_insert(i);
            }
            m
        });
        let candidates = [p.clone(), p.join("default.nix")];
        let Some(file) = candidates
            .iter()
            .find_map(|c| by_path.get(c).map(|&i| &project.files[i]))
        else {
            return V::Unknown;
        };
        let path = normalize(&file.path);
        if self.imports.contains(&path) || !file.parsed().errors.is_empty() {
            return V::Unknown;
        }
        let Some(root) = file.parsed().root().expr() else {
            return V::Unknown;
        };
        self.imports.push(path.clone());
        let env = Env::root(path.parent().map(Path::to_path_buf).unwrap_or_default());
        let v = self.eval(root.syntax(), &env);
        self.imports.pop();
        v
    }
}

fn is_rec(node: &SyntaxNode) -> bool {
    crate::syntax::is_rec_set(node)
}

/// The variables a `let` or `rec` set binds, as thunks in its own environment.
fn scope_vars(node: &SyntaxNode) -> HashMap<String, Thunk> {
    let mut vars = HashMap::new();
    let entries: Vec<ast::Entry> = if let Some(l) = ast::LetIn::cast(node.clone()) {
        l.entries().collect()
    } else if let Some(s) = ast::AttrSet::cast(node.clone()) {
        s.entries().collect()
    } else {
        Vec::new()
    };
    for entry in entries {
        match entry {
            ast::Entry::AttrpathValue(apv) => {
                let Some(path) = apv.attrpath() else { continue };
                let attrs: Vec<ast::Attr> = path.attrs().collect();
                let Some(first) = attrs
                    .first()
                    .and_then(|a| static_attr_name(a.syntax()))
                    .map(|n| n.to_string())
                else {
                    continue;
                };
                if attrs.len() == 1 {
                    if let Some(v) = apv.value() {
                        vars.insert(first, Thunk::Rec(v.syntax().clone()));
                    }
                } else {
                    vars.insert(first.clone(), Thunk::Part(node.clone(), first));
                }
            }
            ast::Entry::Inherit(inh) => {
                let from = inh.from().and_then(|f| f.expr());
                for a in inh.attrs() {
                    let Some(name) = static_attr_name(a.syntax()).map(|n| n.to_string()) else {
                        continue;
                    };
                    let t = match &from {
                        Some(e) => Thunk::From(e.syntax().clone(), name.clone()),
                        None => Thunk::Outer(name.clone()),
                    };
                    vars.insert(name, t);
                }
            }
        }
    }
    vars
}

/// `v.key`, `None` when `v` certainly has no such attribute; unknown parts
/// give `Some(Unknown)`.
fn select(v: &V, key: &Key) -> Option<V> {
    match v {
        V::Attrs(a) => match key {
            Key::Name(k) => match a.entries.get(k) {
                Some(x) => Some(x.clone()),
                None => match &a.any {
                    Some(x) => Some(x.clone()),
                    None if a.open => Some(V::Unknown),
                    None => None,
                },
            },
            Key::Any | Key::Dynamic => Some(V::Unknown),
        },
        V::Unknown | V::Sys => Some(V::Unknown),
        _ => None,
    }
}

/// Insert `v` at a nested key path, creating sets on the way.
fn insert(attrs: &mut Attrs, keys: &[Key], v: V) {
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    let slot: &mut V = match first {
        Key::Dynamic => {
            attrs.open = true;
            return;
        }
        Key::Any => attrs.any.get_or_insert(V::attrs(Attrs::default())),
        Key::Name(k) => attrs
            .entries
            .entry(k.clone())
            .or_insert_with(|| V::attrs(Attrs::default())),
    };
    if rest.is_empty() {
        *slot = match (&*slot, &v) {
            // `a.b = 1; a = { c = 2; };` merges in Nix.
            (V::Attrs(old), V::Attrs(new)) if !old.entries.is_empty() || old.any.is_some() => {
                union(&V::Attrs(old.clone()), &V::Attrs(new.clone()))
            }
            _ => v,
        };
        return;
    }
    match slot {
        V::Attrs(inner) => insert(Rc::make_mut(inner), rest, v),
        _ => *slot = V::Unknown,
    }
}

/// `l // r`: shallow, the right side wins.
fn update(l: &V, r: &V) -> V {
    match (l, r) {
        (V::Attrs(a), V::Attrs(b)) => {
            let mut out = (**a).clone();
            if b.open || b.any.is_some() {
                // Any of the left keys may be replaced by something unknown.
                for v in out.entries.values_mut() {
                    *v = match &b.any {
                        Some(any) if !b.open => union(v, any),
                        _ => V::Unknown,
                    };
                }
                out.open |= b.open;
            }
            for (k, v) in &b.entries {
                out.entries.insert(k.clone(), v.clone());
            }
            if let Some(any) = &b.any {
                out.any = Some(match &out.any {
                    Some(old) => union(old, any),
                    None => any.clone(),
                });
            }
            V::attrs(out)
        }
        (V::Unknown, V::Attrs(b)) => V::attrs(Attrs {
            entries: b.entries.clone(),
            any: b.any.clone(),
            open: true,
        }),
        _ => V::Unknown,
    }
}

/// A value that may be either `a` or `b` (or a deep merge of both): every key
/// of either exists.
fn union(a: &V, b: &V) -> V {
    match (a, b) {
        (V::Attrs(x), V::Attrs(y)) => {
            let mut out = (**x).clone();
            for (k, v) in &y.entries {
                let merged = match out.entries.get(k) {
                    Some(old) => union(old, v),
                    None => v.clone(),
                };
                out.entries.insert(k.clone(), merged);
            }
            out.any = match (&x.any, &y.any) {
                (Some(p), Some(q)) => Some(union(p, q)),
                (p, q) => p.clone().or_else(|| q.clone()),
            };
            out.open |= y.open;
            V::attrs(out)
        }
        (V::Str(x), V::Str(y)) if x == y => a.clone(),
        (V::Leaf, V::Leaf) => V::Leaf,
        _ => V::Unknown,
    }
}
