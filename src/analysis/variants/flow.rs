//! Syntactic domain analysis: how the value of each environment read flows
//! through let bindings, `if`, `lib.splitString`/`builtins.split`, function
//! parameters (`map`, `filter`, `any`, user functions, `import ./x.nix
//! { ... }` formals), and what the code finally does with it: compare it
//! with literals, test list membership, use it as an attribute name, a path
//! component, a number or a plain string.
//!
//! This is the fallback for reads the evaluator cannot reach (code under an
//! unknown function such as `nixpkgs.lib.nixosSystem`); it works backwards:
//! every comparison, split, selection and interpolation in the tree asks
//! which environment value its operand carries.

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::syn::{self, Callee, Def};
use crate::hir::Scopes;
use crate::project::Project;
use crate::syntax::ast::{self, BinOpKind, HasEntry, UnaryOpKind};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange};

/// A piece of a string or path built from a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Lit(String),
    /// The variable's value (after default-when-empty substitution).
    Var(String),
    /// Something else not known statically.
    Unknown,
}

/// What an expression holds, relative to one variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shape {
    /// The value itself; `default` replaces "".
    Raw { default: Option<String> },
    /// The list obtained by splitting the value.
    Items(ListShape),
    /// One element of that list.
    Item(ListShape),
    /// A string built by interpolation or `+`.
    Derived(Vec<Part>),
    /// A path built from the value: the file's directory joined with parts.
    PathT { dir: PathBuf, parts: Vec<Part> },
    /// `lib.toInt` of the value.
    Number,
}

/// How a list variable is turned into items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ListShape {
    pub sep: String,
    /// Values the code maps to a fixed list instead of splitting
    /// (`if p == "full" then [ ... ] else lib.splitString "," p`).
    pub aliases: Vec<(String, Vec<String>)>,
    /// Default-when-empty applied before splitting.
    pub default: Option<String>,
}

impl ListShape {
    /// The items of `value` as the code computes them.
    pub fn items(&self, value: &str) -> Vec<String> {
        if let Some((_, l)) = self.aliases.iter().find(|(k, _)| k == value) {
            return l.clone();
        }
        let v = match (&self.default, value) {
            (Some(d), "") => d.as_str(),
            _ => value,
        };
        split_like_nix(&self.sep, v)
    }
}

/// `lib.splitString sep v` for a literal separator; a regex character class
/// such as `[, ]` (as given to `builtins.split`) splits on any of its characters.
pub fn split_like_nix(sep: &str, v: &str) -> Vec<String> {
    if sep.is_empty() {
        return vec![v.to_string()];
    }
    if sep.len() > 2 && sep.starts_with('[') && sep.ends_with(']') && !sep.starts_with("[^") {
        let set: Vec<char> = sep[1..sep.len() - 1].chars().collect();
        return v.split(|c| set.contains(&c)).map(str::to_string).collect();
    }
    let literal: String = sep.replace('\\', "");
    v.split(literal.as_str()).map(str::to_string).collect()
}

/// A variable's value flowing into an expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flow {
    pub var: String,
    pub shape: Shape,
}

/// A test on a variable's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pred {
    /// `v == "lit"` (on the raw value, default applied).
    Eq(String),
    /// `elem v [ ... ]`.
    OneOf(Vec<String>),
    /// `elem "lit" items`, `any (x: x == "lit") items`, `includeGroup "lit"`.
    Member(String),
}

/// A boolean test the code performs on a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Test {
    pub var: String,
    pub shape: Shape,
    pub pred: Pred,
    /// False when the expression is true iff the predicate is false (`!=`, `!`).
    pub positive: bool,
}

impl Test {
    /// The test's outcome when the environment holds `value` for the variable.
    pub fn eval(&self, value: &str) -> bool {
        let r = match (&self.shape, &self.pred) {
            (Shape::Raw { default }, Pred::Eq(l)) => raw(default, value) == l,
            (Shape::Raw { default }, Pred::OneOf(ls)) => {
                ls.iter().any(|l| l == raw(default, value))
            }
            (Shape::Items(ls) | Shape::Item(ls), Pred::Member(l)) => ls.items(value).contains(l),
            (Shape::Items(ls) | Shape::Item(ls), Pred::Eq(l)) => ls.items(value).contains(l),
            _ => false,
        };
        r == self.positive
    }

    /// The literal values the test mentions.
    pub fn literals(&self) -> Vec<String> {
        match &self.pred {
            Pred::Eq(l) | Pred::Member(l) => vec![l.clone()],
            Pred::OneOf(ls) => ls.clone(),
        }
    }

    fn negated(mut self) -> Self {
        self.positive = !self.positive;
        self
    }
}

fn raw<'a>(default: &'a Option<String>, value: &'a str) -> &'a str {
    match default {
        Some(d) if value.is_empty() => d,
        _ => value,
    }
}

/// A site in a Nix file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Site {
    pub file: usize,
    pub range: TextRange,
}

/// Something the code does with a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FactKind {
    Test(Test),
    /// Split into a list on `sep`.
    Split {
        sep: String,
        shape: ListShape,
    },
    /// Used as an attribute name; `keys` are the names available where it
    /// selects from a literal attribute set.
    AttrName {
        keys: Option<Vec<String>>,
    },
    /// Interpolated into a path: the directory and parts.
    Path {
        dir: PathBuf,
        parts: Vec<Part>,
    },
    /// Converted to a number.
    Number,
    /// Used as a plain string value.
    Str,
    /// Seen with this default-when-empty (`if v == "" then "d" else v`).
    Default(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fact {
    pub var: String,
    pub kind: FactKind,
    pub site: Site,
}

/// A branch chosen by a test: which code runs when it holds, and which when not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Branch {
    pub test: Test,
    /// The condition.
    pub site: Site,
    /// Taken when the test holds.
    pub then_range: Option<TextRange>,
    /// Taken when it does not.
    pub else_range: Option<TextRange>,
}

/// One environment read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// `None`: the name is not a literal.
    pub var: Option<String>,
    pub site: Site,
    /// Default given with `lib.maybeEnv`.
    pub default: Option<String>,
}

/// Everything the syntactic analysis found.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub reads: Vec<Read>,
    pub facts: Vec<Fact>,
    pub branches: Vec<Branch>,
}

/// The analysis state over a project.
pub struct Analyzer<'a> {
    pub project: &'a Project,
    roots: HashMap<SyntaxNode, usize>,
    memo: RefCell<HashMap<SyntaxNode, Vec<Flow>>>,
    busy: RefCell<HashSet<SyntaxNode>>,
    /// target file → call sites `import ./file.nix ARG` (file, ARG).
    imports: RefCell<Option<HashMap<usize, Vec<ast::Expr>>>>,
    depth: RefCell<u32>,
    /// Environment reads per file, found by the hir's builtin resolver
    /// (`getEnv` through any alias) plus nixpkgs' `lib.maybeEnv`.
    reads: Vec<Vec<Read>>,
    /// The application node of each read → its index in `reads[file]`.
    read_nodes: HashMap<SyntaxNode, (usize, usize)>,
    /// Normalised path → file index.
    by_path: HashMap<PathBuf, usize>,
    /// Scopes of each file, built on first use; every name the analysis
    /// resolves in a file is resolved through these.
    scopes: Vec<OnceCell<Scopes>>,
}

const MAX_DEPTH: u32 = 200;

impl<'a> Analyzer<'a> {
    pub fn new(project: &'a Project) -> Self {
        let roots = project
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.parsed.syntax(), i))
            .collect();
        let scopes: Vec<OnceCell<Scopes>> = project.files.iter().map(|_| OnceCell::new()).collect();
        // Any spelling of a read names `getEnv` (or `maybeEnv`) in the file
        // itself, so other files need no scopes (yet).
        let per_file: Vec<Vec<(SyntaxNode, Read)>> = project
            .files
            .iter()
            .zip(&scopes)
            .enumerate()
            .map(|(i, (f, s))| {
                if f.text.contains("getEnv") || f.text.contains("maybeEnv") {
                    let s = s.get_or_init(|| Scopes::from_parsed(&f.parsed));
                    file_reads(s, i, &f.parsed.syntax())
                } else {
                    Vec::new()
                }
            })
            .collect();
        let by_path = project
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (normalize(&f.path, "."), i))
            .collect();
        let mut reads = Vec::new();
        let mut read_nodes = HashMap::new();
        for (i, list) in per_file.into_iter().enumerate() {
            let mut v = Vec::new();
            for (node, r) in list {
                read_nodes.insert(node, (i, v.len()));
                v.push(r);
            }
            reads.push(v);
        }
        Analyzer {
            project,
            roots,
            memo: RefCell::default(),
            busy: RefCell::default(),
            imports: RefCell::default(),
            depth: RefCell::new(0),
            reads,
            read_nodes,
            by_path,
            scopes,
        }
    }

    // ----- names -------------------------------------------------------

    /// The scopes of project file `file`, built on first use.
    pub fn file_scopes(&self, file: usize) -> &Scopes {
        self.scopes[file].get_or_init(|| Scopes::from_parsed(&self.project.files[file].parsed))
    }

    /// `f` applied to the scopes of the file holding `node`.
    pub(crate) fn with_scopes<R>(&self, node: &SyntaxNode, f: impl FnOnce(&Scopes) -> R) -> R {
        match self.file_of(node) {
            Some(file) => f(self.file_scopes(file)),
            // The analysis only walks project files' trees; another tree
            // gets scopes of its own.
            None => f(&Scopes::new(
                &node.ancestors().last().unwrap_or_else(|| node.clone()),
            )),
        }
    }

    /// What a name denotes ([`syn::resolve`] in its file).
    pub fn def_of(&self, id: &ast::Ident) -> Def {
        self.with_scopes(id.syntax(), |s| syn::resolve(s, id))
    }

    /// [`syn::callee`] in the expression's file.
    pub fn callee(&self, e: &ast::Expr) -> Option<Callee> {
        self.with_scopes(e.syntax(), |s| syn::callee(s, e))
    }

    /// [`syn::spine`] in the expression's file.
    pub fn spine(&self, e: &ast::Expr) -> (ast::Expr, Vec<ast::Expr>) {
        self.with_scopes(e.syntax(), |s| syn::spine(s, e))
    }

    /// [`syn::prim_call`] in the expression's file.
    pub fn prim_call(&self, e: &ast::Expr) -> Option<(String, Vec<ast::Expr>)> {
        self.with_scopes(e.syntax(), |s| syn::prim_call(s, e))
    }

    /// [`syn::references`] in `scope`'s file.
    pub fn references(&self, scope: &SyntaxNode, name: &str, def: &Def) -> Vec<SyntaxNode> {
        self.with_scopes(scope, |s| syn::references(s, scope, name, def))
    }

    /// The project file that path text `rel` (relative to `dir`) names; a
    /// directory means its default.nix.
    pub fn resolve(&self, dir: &Path, rel: &str) -> Option<usize> {
        let target = normalize(dir, rel);
        self.by_path
            .get(&target)
            .or_else(|| self.by_path.get(&target.join("default.nix")))
            .copied()
    }

    /// The files to collect facts in: those that read the environment and
    /// those they pass arguments to by `import`/`callPackage` (transitively).
    pub fn fact_files(&self) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.project.files.len())
            .filter(|&i| !self.reads[i].is_empty())
            .collect();
        let mut seen: HashSet<usize> = out.iter().copied().collect();
        let mut k = 0;
        while k < out.len() {
            let f = out[k];
            k += 1;
            for (prim, path, _) in self.import_calls(f) {
                if prim == "callPackageWith" {
                    continue;
                }
                if let Some(t) = self.path_target(f, &path)
                    && seen.insert(t)
                {
                    out.push(t);
                }
            }
        }
        out.sort();
        out
    }

    /// The environment reads of a file.
    pub fn reads_in(&self, file: usize) -> Vec<Read> {
        self.reads.get(file).cloned().unwrap_or_default()
    }

    /// If `node` is a read: `Some(variable)` (`Some(None)` for a dynamic name).
    pub fn read_at(&self, node: &SyntaxNode) -> Option<Option<String>> {
        let (f, i) = self.read_nodes.get(node)?;
        Some(self.reads[*f][*i].var.clone())
    }

    fn read_of(&self, node: &SyntaxNode) -> Option<&Read> {
        let (f, i) = self.read_nodes.get(node)?;
        Some(&self.reads[*f][*i])
    }

    /// The file a node belongs to.
    pub fn file_of(&self, node: &SyntaxNode) -> Option<usize> {
        let root = node.ancestors().last()?;
        self.roots.get(&root).copied()
    }

    fn site(&self, node: &SyntaxNode) -> Option<Site> {
        Some(Site {
            file: self.file_of(node)?,
            range: node.text_range(),
        })
    }

    /// The directory of the file holding `node`.
    pub fn dir_of(&self, node: &SyntaxNode) -> PathBuf {
        self.file_of(node)
            .and_then(|i| self.project.files[i].path.parent().map(Path::to_path_buf))
            .unwrap_or_default()
    }

    // ----- flows -------------------------------------------------------

    /// Which variables' values (and in what shape) `e` carries.
    pub fn flows(&self, e: &ast::Expr) -> Vec<Flow> {
        let node = e.syntax().clone();
        if let Some(v) = self.memo.borrow().get(&node) {
            return v.clone();
        }
        if !self.busy.borrow_mut().insert(node.clone()) || *self.depth.borrow() > MAX_DEPTH {
            return Vec::new();
        }
        *self.depth.borrow_mut() += 1;
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.flows_uncached(e));
        *self.depth.borrow_mut() -= 1;
        self.busy.borrow_mut().remove(&node);
        let mut r = r;
        dedup(&mut r);
        self.memo.borrow_mut().insert(node, r.clone());
        r
    }

    fn flows_uncached(&self, e: &ast::Expr) -> Vec<Flow> {
        match e {
            ast::Expr::Paren(p) => p.expr().map(|x| self.flows(&x)).unwrap_or_default(),
            ast::Expr::Apply(_) => self.apply_flows(e),
            ast::Expr::Ident(id) => self.ident_flows(id),
            ast::Expr::Select(sel) => {
                if sel.default_expr().is_some() {
                    // `x.${h} or d`: the selection, not h.
                    return Vec::new();
                }
                match (
                    sel.expr(),
                    sel.attrpath().and_then(|p| syn::attrpath_names(&p)),
                ) {
                    (Some(base), Some(names)) => self
                        .attr_value(&base, &names)
                        .map(|v| self.flows(&v))
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            }
            ast::Expr::IfElse(ie) => self.if_flows(ie),
            ast::Expr::Str(s) => {
                let parts = self.str_parts(s);
                derived(parts)
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Add) => self.add_flows(b),
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                let dir = self.dir_of(e.syntax());
                match self.path_parts(e) {
                    Some((base, parts)) if parts.iter().any(|p| matches!(p, Part::Var(_))) => {
                        path_flows(base.unwrap_or(dir), parts)
                    }
                    _ => Vec::new(),
                }
            }
            ast::Expr::LetIn(l) => l.body().map(|b| self.flows(&b)).unwrap_or_default(),
            ast::Expr::With(w) => w.body().map(|b| self.flows(&b)).unwrap_or_default(),
            ast::Expr::Assert(a) => a.body().map(|b| self.flows(&b)).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn ident_flows(&self, id: &ast::Ident) -> Vec<Flow> {
        match self.def_of(id) {
            Def::Binding { value: Some(v), .. } => self.flows(&v),
            Def::InheritFrom { from, name, .. } => self
                .attr_value(&from, std::slice::from_ref(&name))
                .map(|v| self.flows(&v))
                .unwrap_or_default(),
            Def::Param { lambda } => self.param_flows(&lambda),
            Def::Formal {
                lambda,
                entry: Some(entry),
            } => {
                let Some(name) = entry.ident().and_then(|i| syn::ident_name(&i)) else {
                    return Vec::new();
                };
                let mut out = self.formal_flows(&lambda, &name);
                if let Some(d) = entry.default() {
                    out.extend(self.flows(&d));
                }
                out
            }
            _ => Vec::new(),
        }
    }

    fn apply_flows(&self, e: &ast::Expr) -> Vec<Flow> {
        if let Some(r) = self.read_of(e.syntax()) {
            return match &r.var {
                Some(var) => vec![Flow {
                    var: var.clone(),
                    shape: Shape::Raw {
                        default: r.default.clone(),
                    },
                }],
                None => Vec::new(),
            };
        }
        let (head, args) = self.spine(e);
        match self.callee(&head) {
            Some(Callee::Prim(name)) => self.prim_flows(&name, &args),
            Some(Callee::Lambda(l)) => {
                // The function's result (its parameters resolve to their
                // call sites, this one included).
                let mut body = l.body();
                let mut rest = args.len();
                while rest > 1 {
                    match body.map(syn::unparen) {
                        Some(ast::Expr::Lambda(inner)) => body = inner.body(),
                        _ => return Vec::new(),
                    }
                    rest -= 1;
                }
                body.map(|b| self.flows(&b)).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    fn prim_flows(&self, name: &str, args: &[ast::Expr]) -> Vec<Flow> {
        let last = |n: usize| {
            if args.len() == n {
                args.last().map(|a| self.flows(a)).unwrap_or_default()
            } else {
                Vec::new()
            }
        };
        match name {
            "splitString" | "split" if args.len() == 2 => {
                let Some(sep) = syn::expr_string(&args[0]) else {
                    return Vec::new();
                };
                self.flows(&args[1])
                    .into_iter()
                    .filter_map(|f| match f.shape {
                        Shape::Raw { default } => Some(Flow {
                            var: f.var,
                            shape: Shape::Items(ListShape {
                                sep: sep.clone(),
                                aliases: Vec::new(),
                                default,
                            }),
                        }),
                        _ => None,
                    })
                    .collect()
            }
            "toLower" | "toUpper" | "trim" | "escapeShellArg" | "strings.trim" => last(1)
                .into_iter()
                .filter(|f| matches!(f.shape, Shape::Raw { .. }))
                .collect(),
            "toInt" | "toIntBase10" | "fromJSON" => last(1)
                .into_iter()
                .filter(|f| matches!(f.shape, Shape::Raw { .. }))
                .map(|f| Flow {
                    var: f.var,
                    shape: Shape::Number,
                })
                .collect(),
            "filter" | "unique" | "sort" | "reverseList" | "remove" | "subtractLists"
            | "filterAttrs" => args
                .last()
                .map(|a| self.flows(a))
                .unwrap_or_default()
                .into_iter()
                .filter(|f| matches!(f.shape, Shape::Items(_)))
                .collect(),
            "head" | "last" | "elemAt" => args
                .first()
                .map(|a| self.flows(a))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| match f.shape {
                    Shape::Items(ls) => Some(Flow {
                        var: f.var,
                        shape: Shape::Item(ls),
                    }),
                    _ => None,
                })
                .collect(),
            "mkDefault" | "mkForce" | "mkOverride" | "mkIf" | "optionalString"
            | "mkOptionDefault" | "mkBefore" | "mkAfter" | "id" => {
                args.last().map(|a| self.flows(a)).unwrap_or_default()
            }
            "toString" => last(1),
            _ => Vec::new(),
        }
    }

    /// Flows of a lambda's plain parameter: from the list a `map`/`filter`/...
    /// iterates, or from the arguments at the call sites of the function.
    fn param_flows(&self, lambda: &ast::Lambda) -> Vec<Flow> {
        let mut out = Vec::new();
        // Iterated by a list function: `map (x: ...) items`.
        if let Some((name, args, pos)) = self.lambda_as_argument(lambda) {
            let list = match name.as_str() {
                "map" | "filter" | "any" | "all" | "concatMap" | "partition" | "groupBy"
                | "sort" | "genAttrs" | "flip" | "imap0" | "imap1" | "foldl'" | "foldl"
                | "foldr" | "mapAttrs'" => {
                    if pos == 0 {
                        args.get(1)
                    } else {
                        None
                    }
                }
                "forEach" => (pos == 1).then(|| args.first()).flatten(),
                _ => None,
            };
            if let Some(list) = list {
                for f in self.flows(list) {
                    if let Shape::Items(ls) = f.shape {
                        out.push(Flow {
                            var: f.var,
                            shape: Shape::Item(ls),
                        });
                    }
                }
            }
        }
        // Called by name: `f = x: ...; f E`.
        for call in self.call_sites(lambda) {
            if let Some(arg) = call.first() {
                out.extend(self.flows(arg));
            }
        }
        out
    }

    /// If `lambda` is an argument of a prim application: (prim, args, index).
    fn lambda_as_argument(&self, lambda: &ast::Lambda) -> Option<(String, Vec<ast::Expr>, usize)> {
        // Climb parentheses.
        let mut node = lambda.syntax().clone();
        while let Some(p) = node.parent() {
            if p.kind() == SyntaxKind::NODE_PAREN {
                node = p;
            } else {
                break;
            }
        }
        let app = ast::Apply::cast(node.parent()?)?;
        if app.argument()?.syntax() != &node {
            return None;
        }
        // The outermost application of the spine.
        let mut outer = app.syntax().clone();
        while let Some(p) = outer.parent() {
            match ast::Apply::cast(p.clone()) {
                Some(a) if a.lambda().is_some_and(|l| l.syntax() == &outer) => outer = p,
                _ => break,
            }
        }
        let (name, args) = self.prim_call(&ast::Expr::cast(outer)?)?;
        let pos = args.iter().position(|a| {
            syn::unparen(a.clone()).syntax() == lambda.syntax() || a.syntax() == &node
        })?;
        Some((name, args, pos))
    }

    /// The argument lists of every call of a let-bound lambda (`f = x: ...`).
    pub fn call_sites(&self, lambda: &ast::Lambda) -> Vec<Vec<ast::Expr>> {
        let mut out = Vec::new();
        let Some(av) = lambda.syntax().parent().and_then(ast::AttrpathValue::cast) else {
            return out;
        };
        let Some(path) = av.attrpath() else {
            return out;
        };
        let Some(names) = syn::attrpath_names(&path) else {
            return out;
        };
        let [name] = names.as_slice() else { return out };
        let Some(scope) = av.syntax().parent() else {
            return out;
        };
        let def = match scope.kind() {
            SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_LEGACY_LET => Def::Binding {
                scope: scope.clone(),
                key: path
                    .attrs()
                    .next()
                    .map(|a| a.syntax().clone())
                    .unwrap_or(scope.clone()),
                value: av.value(),
            },
            SyntaxKind::NODE_ATTR_SET
                if ast::AttrSet::cast(scope.clone()).is_some_and(|s| s.rec_token().is_some()) =>
            {
                Def::Binding {
                    scope: scope.clone(),
                    key: path
                        .attrs()
                        .next()
                        .map(|a| a.syntax().clone())
                        .unwrap_or(scope.clone()),
                    value: av.value(),
                }
            }
            _ => return out,
        };
        for r in self.references(&scope, name, &def) {
            // Climb to the outermost application where r is the head.
            let mut head = r.clone();
            let mut args = Vec::new();
            loop {
                let Some(p) = head.parent() else { break };
                if p.kind() == SyntaxKind::NODE_PAREN {
                    head = p;
                    continue;
                }
                match ast::Apply::cast(p.clone()) {
                    Some(a) if a.lambda().is_some_and(|l| l.syntax() == &head) => {
                        if let Some(arg) = a.argument() {
                            args.push(arg);
                        }
                        head = p;
                    }
                    _ => break,
                }
            }
            if !args.is_empty() {
                out.push(args);
            }
        }
        out
    }

    /// Flows of a formal `{ name, ... }:`: from `f { name = E; }` call sites of
    /// a let-bound function, and from `import ./file.nix { name = E; }` /
    /// `callPackage ./file.nix { name = E; }` when the lambda is a file's value.
    fn formal_flows(&self, lambda: &ast::Lambda, name: &str) -> Vec<Flow> {
        let mut out = Vec::new();
        for call in self.call_sites(lambda) {
            if let Some(arg) = call.first()
                && let Some(v) = self.attr_value(arg, &[name.to_string()])
            {
                out.extend(self.flows(&v));
            }
        }
        if self.is_file_value(lambda)
            && let Some(file) = self.file_of(lambda.syntax())
        {
            for arg in self.import_sites(file) {
                if let Some(v) = self.attr_value(&arg, &[name.to_string()]) {
                    out.extend(self.flows(&v));
                }
            }
        }
        out
    }

    fn is_file_value(&self, lambda: &ast::Lambda) -> bool {
        let mut node = lambda.syntax().clone();
        while let Some(p) = node.parent() {
            match p.kind() {
                SyntaxKind::NODE_ROOT => return true,
                SyntaxKind::NODE_PAREN => node = p,
                _ => return false,
            }
        }
        false
    }

    /// Arguments passed to `file` by `import`/`callPackage` elsewhere.
    pub fn import_sites(&self, file: usize) -> Vec<ast::Expr> {
        if let Some(v) = self.imports.borrow().as_ref().and_then(|m| m.get(&file)) {
            return v.clone();
        }
        // A caller names the file (or, for default.nix, its directory).
        let path = &self.project.files[file].path;
        let needle = match path.file_name().and_then(|n| n.to_str()) {
            Some("default.nix") => path
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|n| n.to_str())
                .map(str::to_string),
            Some(n) => Some(n.to_string()),
            None => None,
        };
        let mut found = Vec::new();
        for (i, f) in self.project.files.iter().enumerate() {
            if needle
                .as_ref()
                .is_some_and(|n| !f.text.contains(n.as_str()))
            {
                continue;
            }
            for (_, path, arg) in self.import_calls(i) {
                if self.path_target(i, &path) == Some(file) {
                    found.push(arg);
                }
            }
        }
        self.imports
            .borrow_mut()
            .get_or_insert_with(HashMap::new)
            .insert(file, found.clone());
        found
    }

    /// The `import`, `callPackage` and `callPackageWith` calls in file `f`
    /// that pass an argument: the function's name, the path expression and
    /// the argument.
    fn import_calls(&self, f: usize) -> Vec<(String, ast::Expr, ast::Expr)> {
        let mut out = Vec::new();
        for node in self.project.files[f].parsed.syntax().descendants() {
            if node.kind() != SyntaxKind::NODE_APPLY {
                continue;
            }
            let Some(e) = ast::Expr::cast(node) else {
                continue;
            };
            let Some((prim, args)) = self.prim_call(&e) else {
                continue;
            };
            let (path, arg) = match (prim.as_str(), args.as_slice()) {
                ("import" | "callPackage", [path, arg, ..]) => (path, arg),
                ("callPackageWith", [_, path, arg, ..]) => (path, arg),
                _ => continue,
            };
            out.push((prim.clone(), path.clone(), arg.clone()));
        }
        out
    }

    /// The project file a literal path expression (in file `from`) names.
    pub fn path_target(&self, from: usize, e: &ast::Expr) -> Option<usize> {
        let text = literal_path(e)?;
        let dir = self.project.files[from].path.parent()?;
        self.resolve(dir, &text)
    }

    fn if_flows(&self, ie: &ast::IfElse) -> Vec<Flow> {
        let (Some(cond), Some(then_e), Some(else_e)) = (ie.condition(), ie.body(), ie.else_body())
        else {
            return Vec::new();
        };
        let then_f = self.flows(&then_e);
        let else_f = self.flows(&else_e);
        let mut out = Vec::new();
        let mut consumed = false;
        if let Some(test) = self.test_of(&cond, None)
            && let (Shape::Raw { default: None }, Pred::Eq(lit)) = (&test.shape, &test.pred)
        {
            // The branch taken when var == lit, and the other one's flows.
            let (lit_branch, other) = if test.positive {
                (&then_e, &else_f)
            } else {
                (&else_e, &then_f)
            };
            for f in other {
                if f.var != test.var {
                    continue;
                }
                match &f.shape {
                    Shape::Raw { default: None } if lit.is_empty() => {
                        if let Some(d) = syn::expr_string(lit_branch) {
                            out.push(Flow {
                                var: f.var.clone(),
                                shape: Shape::Raw { default: Some(d) },
                            });
                            consumed = true;
                        }
                    }
                    Shape::Items(ls) => {
                        if let Some(list) = syn::expr_string_list(lit_branch) {
                            let mut ls = ls.clone();
                            if !ls.aliases.iter().any(|(k, _)| k == lit) {
                                ls.aliases.insert(0, (lit.clone(), list));
                            }
                            out.push(Flow {
                                var: f.var.clone(),
                                shape: Shape::Items(ls),
                            });
                            consumed = true;
                        }
                    }
                    _ => {}
                }
            }
            if consumed {
                out.extend(
                    then_f
                        .iter()
                        .chain(else_f.iter())
                        .filter(|f| f.var != test.var)
                        .cloned(),
                );
                return out;
            }
        }
        out.extend(then_f);
        out.extend(else_f);
        out
    }

    fn str_parts(&self, s: &ast::Str) -> Vec<Part> {
        let mut parts = Vec::new();
        for child in s.syntax().children_with_tokens() {
            match child {
                rowan::NodeOrToken::Token(t) if t.kind() == SyntaxKind::TOKEN_STRING_CONTENT => {
                    parts.push(Part::Lit(t.text().to_string()))
                }
                rowan::NodeOrToken::Node(n) => {
                    let flows = ast::Interpol::cast(n)
                        .and_then(|i| i.expr())
                        .map(|x| (syn::expr_string(&x), self.flows(&x)));
                    match flows {
                        Some((Some(lit), _)) => parts.push(Part::Lit(lit)),
                        Some((None, fl)) => parts.push(part_of(&fl)),
                        None => parts.push(Part::Unknown),
                    }
                }
                _ => {}
            }
        }
        parts
    }

    /// `(base directory if absolute, parts)` of a path literal.
    fn path_parts(&self, e: &ast::Expr) -> Option<(Option<PathBuf>, Vec<Part>)> {
        let mut parts = Vec::new();
        let mut base = None;
        for child in e.syntax().children_with_tokens() {
            match child {
                rowan::NodeOrToken::Token(t) => {
                    let text = t.text();
                    if t.kind() == SyntaxKind::TOKEN_PATH_ABS && parts.is_empty() {
                        base = Some(PathBuf::from("/"));
                    }
                    parts.push(Part::Lit(text.to_string()))
                }
                rowan::NodeOrToken::Node(n) => {
                    let x = ast::Interpol::cast(n).and_then(|i| i.expr());
                    match x {
                        Some(x) => match syn::expr_string(&x) {
                            Some(l) => parts.push(Part::Lit(l)),
                            None => parts.push(part_of(&self.flows(&x))),
                        },
                        None => parts.push(Part::Unknown),
                    }
                }
            }
        }
        Some((base, parts))
    }

    fn add_flows(&self, b: &ast::BinOp) -> Vec<Flow> {
        let (Some(l), Some(r)) = (b.lhs(), b.rhs()) else {
            return Vec::new();
        };
        let lp = self.string_parts_of(&l);
        let rp = self.string_parts_of(&r);
        // `./. + "/hosts/${h}"` or `./hosts + "/${h}.nix"`: a path.
        if let Some(lpath) = literal_path(&l)
            && !matches!(syn::unparen(l.clone()), ast::Expr::Str(_))
        {
            let dir = self.dir_of(b.syntax());
            let mut parts = vec![Part::Lit(lpath)];
            parts.extend(rp);
            if parts.iter().any(|p| matches!(p, Part::Var(_))) {
                return path_flows(dir, parts);
            }
            return Vec::new();
        }
        for f in self.flows(&l) {
            if let Shape::PathT { dir, mut parts } = f.shape {
                parts.extend(rp.clone());
                return path_flows(dir, parts);
            }
        }
        let mut parts = lp;
        parts.extend(rp);
        derived(parts)
    }

    /// An expression as string parts.
    fn string_parts_of(&self, e: &ast::Expr) -> Vec<Part> {
        if let Some(s) = syn::expr_string(e) {
            return vec![Part::Lit(s)];
        }
        let flows = self.flows(e);
        for f in &flows {
            if let Shape::Derived(p) = &f.shape {
                return p.clone();
            }
        }
        vec![part_of(&flows)]
    }

    /// The value bound at `names` in the attribute set `base` denotes.
    pub fn attr_value(&self, base: &ast::Expr, names: &[String]) -> Option<ast::Expr> {
        let set = self.as_attrset(base, 0)?;
        attrset_lookup(&set, names).or_else(|| {
            // `a.b = x;` written as nested paths.
            let (first, rest) = names.split_first()?;
            let v = attrset_lookup(&set, std::slice::from_ref(first))?;
            if rest.is_empty() {
                Some(v)
            } else {
                self.attr_value(&v, rest)
            }
        })
    }

    /// Resolve an expression to an attribute set literal it denotes.
    pub fn as_attrset(&self, e: &ast::Expr, depth: u32) -> Option<ast::AttrSet> {
        if depth > 32 {
            return None;
        }
        match syn::unparen(e.clone()) {
            ast::Expr::AttrSet(s) => Some(s),
            ast::Expr::LetIn(l) => self.as_attrset(&l.body()?, depth + 1),
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => self.as_attrset(&v, depth + 1),
                Def::InheritFrom { from, name, .. } => {
                    let v = self.attr_value(&from, &[name])?;
                    self.as_attrset(&v, depth + 1)
                }
                _ => None,
            },
            ast::Expr::Select(sel) => {
                let names = syn::attrpath_names(&sel.attrpath()?)?;
                let v = self.attr_value(&sel.expr()?, &names)?;
                self.as_attrset(&v, depth + 1)
            }
            x @ ast::Expr::Apply(_) => {
                // `import ./x.nix { ... }`, `callPackage ./x.nix { }`: the set
                // the file's function returns.
                let (prim, args) = self.prim_call(&x)?;
                let path = match prim.as_str() {
                    "import" | "callPackage" => args.first()?,
                    _ => return None,
                };
                let from = self.file_of(x.syntax())?;
                let target = self.path_target(from, path)?;
                let body = self.project.files[target].parsed.root().expr()?;
                let mut body = syn::unparen(body);
                for _ in 0..args.len().saturating_sub(1).max(1) {
                    match body {
                        ast::Expr::Lambda(l) => body = syn::unparen(l.body()?),
                        _ => break,
                    }
                }
                self.as_attrset(&body, depth + 1)
            }
            ast::Expr::With(w) => self.as_attrset(&w.body()?, depth + 1),
            _ => None,
        }
    }

    /// The static keys of an attribute set expression.
    pub fn attrset_keys(&self, e: &ast::Expr) -> Option<Vec<String>> {
        let set = self.as_attrset(e, 0)?;
        let mut keys = Vec::new();
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(av) => {
                    let first = av.attrpath()?.attrs().next()?;
                    keys.push(syn::attr_name(&first)?);
                }
                ast::Entry::Inherit(inh) => {
                    for a in inh.attrs() {
                        keys.push(syn::attr_name(&a)?);
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        Some(keys)
    }

    // ----- tests -------------------------------------------------------

    /// Classify a boolean expression as a test on one variable. `subst`
    /// substitutes a literal for a lambda's parameter (`includeGroup "k"`).
    pub fn test_of(&self, e: &ast::Expr, subst: Option<(&ast::Lambda, &str)>) -> Option<Test> {
        *self.depth.borrow_mut() += 1;
        let r = if *self.depth.borrow() > MAX_DEPTH {
            None
        } else {
            stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.test_of_inner(e, subst))
        };
        *self.depth.borrow_mut() -= 1;
        r
    }

    fn literal(&self, e: &ast::Expr, subst: Option<(&ast::Lambda, &str)>) -> Option<String> {
        if let Some(s) = syn::expr_string(e) {
            return Some(s);
        }
        let (lambda, value) = subst?;
        if let ast::Expr::Ident(id) = syn::unparen(e.clone())
            && let Def::Param { lambda: l } = self.def_of(&id)
            && &l == lambda
        {
            return Some(value.to_string());
        }
        None
    }

    fn literal_list(
        &self,
        e: &ast::Expr,
        subst: Option<(&ast::Lambda, &str)>,
    ) -> Option<Vec<String>> {
        match syn::unparen(e.clone()) {
            ast::Expr::List(l) => l.items().map(|i| self.literal(&i, subst)).collect(),
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => syn::expr_string_list(&v),
                _ => None,
            },
            _ => None,
        }
    }

    fn test_of_inner(&self, e: &ast::Expr, subst: Option<(&ast::Lambda, &str)>) -> Option<Test> {
        match syn::unparen(e.clone()) {
            ast::Expr::UnaryOp(u) if u.operator() == Some(UnaryOpKind::Invert) => {
                self.test_of(&u.expr()?, subst).map(Test::negated)
            }
            ast::Expr::BinOp(b)
                if matches!(b.operator(), Some(BinOpKind::Equal | BinOpKind::NotEqual)) =>
            {
                let positive = b.operator() == Some(BinOpKind::Equal);
                let (l, r) = (b.lhs()?, b.rhs()?);
                let (side, lit) = match (self.literal(&l, subst), self.literal(&r, subst)) {
                    (None, Some(lit)) => (l, lit),
                    (Some(lit), None) => (r, lit),
                    _ => return None,
                };
                let flows = self.flows(&side);
                let f = flows
                    .into_iter()
                    .find(|f| matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)))?;
                let pred = match f.shape {
                    Shape::Item(_) => Pred::Member(lit),
                    _ => Pred::Eq(lit),
                };
                Some(Test {
                    var: f.var,
                    shape: f.shape,
                    pred,
                    positive,
                })
            }
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => self.test_of(&v, subst),
                _ => None,
            },
            x @ ast::Expr::Apply(_) => {
                let (head, args) = self.spine(&x);
                match self.callee(&head)? {
                    Callee::Prim(name) => match (name.as_str(), args.as_slice()) {
                        ("elem", [x, list]) => {
                            if let Some(lit) = self.literal(x, subst) {
                                let f = self
                                    .flows(list)
                                    .into_iter()
                                    .find(|f| matches!(f.shape, Shape::Items(_)))?;
                                Some(Test {
                                    var: f.var,
                                    shape: f.shape,
                                    pred: Pred::Member(lit),
                                    positive: true,
                                })
                            } else {
                                let lits = self.literal_list(list, subst)?;
                                let f = self.flows(x).into_iter().find(|f| {
                                    matches!(f.shape, Shape::Raw { .. } | Shape::Item(_))
                                })?;
                                let pred = match (&f.shape, lits.as_slice()) {
                                    (Shape::Item(_), [one]) => Pred::Member(one.clone()),
                                    (Shape::Item(_), _) => return None,
                                    _ => Pred::OneOf(lits),
                                };
                                Some(Test {
                                    var: f.var,
                                    shape: f.shape,
                                    pred,
                                    positive: true,
                                })
                            }
                        }
                        ("any", [pred, list]) => {
                            let f = self
                                .flows(list)
                                .into_iter()
                                .find(|f| matches!(f.shape, Shape::Items(_)))?;
                            let ast::Expr::Lambda(l) = syn::unparen(pred.clone()) else {
                                return None;
                            };
                            // `x: x == "lit"`
                            let lit = self.param_compared_literal(&l, subst)?;
                            Some(Test {
                                var: f.var,
                                shape: f.shape,
                                pred: Pred::Member(lit),
                                positive: true,
                            })
                        }
                        ("hasAttr", _) | ("stringLength", _) => None,
                        _ => None,
                    },
                    Callee::Lambda(l) => {
                        // A predicate function applied to a literal.
                        let [arg] = args.as_slice() else { return None };
                        let lit = self.literal(arg, subst)?;
                        if !matches!(l.param(), Some(ast::Param::IdentParam(_))) {
                            return None;
                        }
                        self.test_of(&l.body()?, Some((&l, &lit)))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// For `x: x == "lit"`, the literal.
    fn param_compared_literal(
        &self,
        l: &ast::Lambda,
        subst: Option<(&ast::Lambda, &str)>,
    ) -> Option<String> {
        let ast::Expr::BinOp(b) = syn::unparen(l.body()?) else {
            return None;
        };
        if b.operator() != Some(BinOpKind::Equal) {
            return None;
        }
        let is_param = |e: &ast::Expr| matches!(syn::unparen(e.clone()), ast::Expr::Ident(id) if matches!(self.def_of(&id), Def::Param { lambda } if &lambda == l));
        let (lhs, rhs) = (b.lhs()?, b.rhs()?);
        if is_param(&lhs) {
            self.literal(&rhs, subst)
        } else if is_param(&rhs) {
            self.literal(&lhs, subst)
        } else {
            None
        }
    }

    // ----- fact collection ---------------------------------------------

    /// Collect reads, facts and branches of the given files.
    pub fn collect(&self, files: &[usize]) -> Facts {
        let mut out = Facts::default();
        for &i in files {
            let root = self.project.files[i].parsed.syntax();
            out.reads.extend(self.reads_in(i));
            for node in root.descendants() {
                stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.visit(&node, &mut out));
            }
        }
        let mut seen = HashSet::new();
        out.facts.retain(|f| seen.insert(f.clone()));
        let mut seen = HashSet::new();
        out.branches.retain(|b| seen.insert(b.clone()));
        out
    }

    fn push(&self, out: &mut Facts, var: &str, kind: FactKind, node: &SyntaxNode) {
        if let Some(site) = self.site(node) {
            out.facts.push(Fact {
                var: var.to_string(),
                kind,
                site,
            });
        }
    }

    fn record_test(&self, out: &mut Facts, test: Test, node: &SyntaxNode) {
        self.push(out, &test.var.clone(), FactKind::Test(test.clone()), node);
        let mut seen = HashSet::new();
        self.branches_of(out, &test, node, &mut seen, 0);
    }

    /// Where a test's value decides which code runs.
    fn branches_of(
        &self,
        out: &mut Facts,
        test: &Test,
        node: &SyntaxNode,
        seen: &mut HashSet<SyntaxNode>,
        depth: u32,
    ) {
        if depth > 16 || !seen.insert(node.clone()) {
            return;
        }
        let mut cur = node.clone();
        let mut test = test.clone();
        while let Some(p) = cur.parent() {
            match p.kind() {
                SyntaxKind::NODE_PAREN => {}
                SyntaxKind::NODE_UNARY_OP
                    if ast::UnaryOp::cast(p.clone()).and_then(|u| u.operator())
                        == Some(UnaryOpKind::Invert) =>
                {
                    test = test.negated();
                }
                SyntaxKind::NODE_IF_ELSE => {
                    let ie = ast::IfElse::cast(p.clone()).expect("if");
                    if ie.condition().is_some_and(|c| c.syntax() == &cur)
                        && let Some(site) = self.site(&cur)
                    {
                        out.branches.push(Branch {
                            test: test.clone(),
                            site,
                            then_range: ie.body().map(|b| b.syntax().text_range()),
                            else_range: ie.else_body().map(|b| b.syntax().text_range()),
                        });
                    }
                    return;
                }
                SyntaxKind::NODE_APPLY => {
                    // `lib.mkIf cond value`, `lib.optional(s) cond value`, ...
                    let Some(app) = ast::Apply::cast(p.clone()) else {
                        return;
                    };
                    if app.argument().is_some_and(|a| a.syntax() == &cur)
                        && let Some(outer) = p.parent().and_then(ast::Apply::cast)
                        && outer.lambda().is_some_and(|l| l.syntax() == &p)
                        && let Some(f) = app.lambda()
                        && let Some(Callee::Prim(name)) = self.callee(&f)
                        && matches!(
                            name.as_str(),
                            "mkIf" | "optional" | "optionals" | "optionalString" | "optionalAttrs"
                        )
                        && let Some(site) = self.site(&cur)
                    {
                        out.branches.push(Branch {
                            test: test.clone(),
                            site,
                            then_range: outer.argument().map(|a| a.syntax().text_range()),
                            else_range: None,
                        });
                    }
                    return;
                }
                SyntaxKind::NODE_ATTRPATH_VALUE => {
                    // A let/rec-bound boolean: follow its references.
                    let av = ast::AttrpathValue::cast(p.clone()).expect("binding");
                    if av.value().is_none_or(|v| v.syntax() != &cur) {
                        return;
                    }
                    let Some(scope) = p.parent() else { return };
                    let Some(path) = av.attrpath() else { return };
                    let Some(names) = syn::attrpath_names(&path) else {
                        return;
                    };
                    let [name] = names.as_slice() else { return };
                    let is_scope = matches!(
                        scope.kind(),
                        SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_LEGACY_LET
                    ) || ast::AttrSet::cast(scope.clone())
                        .is_some_and(|s| s.rec_token().is_some());
                    if !is_scope {
                        return;
                    }
                    let def = Def::Binding {
                        scope: scope.clone(),
                        key: path
                            .attrs()
                            .next()
                            .map(|a| a.syntax().clone())
                            .unwrap_or(scope.clone()),
                        value: av.value(),
                    };
                    for r in self.references(&scope, name, &def) {
                        if r.parent()
                            .is_some_and(|p| p.kind() == SyntaxKind::NODE_INHERIT)
                        {
                            continue;
                        }
                        self.branches_of(out, &test, &r, seen, depth + 1);
                    }
                    return;
                }
                _ => return,
            }
            cur = p;
        }
    }

    fn visit(&self, node: &SyntaxNode, out: &mut Facts) {
        match node.kind() {
            SyntaxKind::NODE_BIN_OP => {
                let Some(b) = ast::BinOp::cast(node.clone()) else {
                    return;
                };
                match b.operator() {
                    Some(BinOpKind::Equal | BinOpKind::NotEqual) => {
                        if let Some(t) = self.test_of(&ast::Expr::BinOp(b), None) {
                            self.record_test(out, t, node);
                        }
                    }
                    Some(BinOpKind::Add) => {
                        // The outermost `+` of a path built from a variable.
                        if node.parent().is_some_and(|p| {
                            ast::BinOp::cast(p)
                                .is_some_and(|pb| pb.operator() == Some(BinOpKind::Add))
                        }) {
                            return;
                        }
                        for f in self.flows(&ast::Expr::BinOp(b)) {
                            if let Shape::PathT { dir, parts } = f.shape {
                                self.push(out, &f.var, FactKind::Path { dir, parts }, node);
                            }
                        }
                    }
                    _ => {}
                }
            }
            SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_ABS | SyntaxKind::NODE_PATH_HOME => {
                // An interpolated path, unless it is the left of a `+` (visited there).
                let Some(e) = ast::Expr::cast(node.clone()) else {
                    return;
                };
                for f in self.flows(&e) {
                    if let Shape::PathT { dir, parts } = f.shape {
                        self.push(out, &f.var, FactKind::Path { dir, parts }, node);
                    }
                }
            }
            SyntaxKind::NODE_APPLY => self.visit_apply(node, out),
            SyntaxKind::NODE_DYNAMIC => {
                let Some(d) = ast::Dynamic::cast(node.clone()) else {
                    return;
                };
                let Some(x) = d.expr() else { return };
                let flows: Vec<Flow> = self
                    .flows(&x)
                    .into_iter()
                    .filter(|f| matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)))
                    .collect();
                if flows.is_empty() {
                    return;
                }
                // `set.${v}`: the keys of set; `name.${v} = ...`: defines it.
                let attrpath = node.parent();
                let keys = attrpath
                    .as_ref()
                    .and_then(|p| p.parent())
                    .and_then(ast::Select::cast)
                    .and_then(|sel| {
                        let base = sel.expr()?;
                        // Only the first dynamic component selects from base.
                        let first = sel.attrpath()?.attrs().next()?;
                        if first.syntax() != node {
                            return None;
                        }
                        self.attrset_keys(&base)
                    });
                for f in flows {
                    self.push(out, &f.var, FactKind::AttrName { keys: keys.clone() }, node);
                }
            }
            SyntaxKind::NODE_STRING => {
                // A plain string use: interpolated into a string (not a path).
                if node.parent().is_some_and(|p| {
                    matches!(
                        p.kind(),
                        SyntaxKind::NODE_DYNAMIC | SyntaxKind::NODE_ATTRPATH
                    )
                }) {
                    return;
                }
                for child in node.children() {
                    let Some(x) = ast::Interpol::cast(child).and_then(|i| i.expr()) else {
                        continue;
                    };
                    self.string_use_flows(&x, node, out);
                }
            }
            SyntaxKind::NODE_INHERIT => {
                // `inherit x;` in a plain attribute set: a string use of x.
                let plain = node
                    .parent()
                    .and_then(ast::AttrSet::cast)
                    .is_some_and(|s| s.rec_token().is_none());
                let from = node
                    .children()
                    .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM);
                if !plain || from {
                    return;
                }
                for child in node.children() {
                    if let Some(id) = ast::Ident::cast(child) {
                        self.string_use(&ast::Expr::Ident(id), out);
                    }
                }
            }
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                // `option = value;` in a plain attribute set: a string use.
                let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
                    return;
                };
                let plain = node
                    .parent()
                    .and_then(ast::AttrSet::cast)
                    .is_some_and(|s| s.rec_token().is_none());
                if !plain {
                    return;
                }
                if let Some(v) = av.value() {
                    self.string_use(&v, out);
                }
            }
            SyntaxKind::NODE_LIST => {
                let Some(l) = ast::List::cast(node.clone()) else {
                    return;
                };
                for item in l.items() {
                    self.string_use(&item, out);
                }
            }
            _ => {}
        }
    }

    fn string_use(&self, v: &ast::Expr, out: &mut Facts) {
        if matches!(syn::unparen(v.clone()), ast::Expr::Str(_)) {
            return;
        }
        self.string_use_flows(v, v.syntax(), out);
    }

    fn string_use_flows(&self, v: &ast::Expr, site: &SyntaxNode, out: &mut Facts) {
        for f in self.flows(v) {
            match &f.shape {
                Shape::Raw { default } => {
                    self.push(out, &f.var, FactKind::Str, site);
                    if let Some(d) = default {
                        self.push(out, &f.var, FactKind::Default(d.clone()), site);
                    }
                }
                Shape::Item(_) => self.push(out, &f.var, FactKind::Str, site),
                Shape::Derived(parts) => {
                    for p in parts {
                        if matches!(p, Part::Var(x) if *x == f.var) {
                            self.push(out, &f.var, FactKind::Str, site);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn visit_apply(&self, node: &SyntaxNode, out: &mut Facts) {
        // Only the outermost application of a spine.
        if node.parent().is_some_and(|p| {
            ast::Apply::cast(p)
                .and_then(|a| a.lambda())
                .is_some_and(|l| l.syntax() == node)
        }) {
            return;
        }
        let Some(e) = ast::Expr::cast(node.clone()) else {
            return;
        };
        let (head, args) = self.spine(&e);
        match self.callee(&head) {
            Some(Callee::Prim(name)) => match (name.as_str(), args.as_slice()) {
                ("elem" | "any", [_, _]) => {
                    if let Some(t) = self.test_of(&e, None) {
                        self.record_test(out, t, node);
                    }
                }
                ("splitString" | "split", [_, _]) => {
                    for f in self.flows(&e) {
                        if let Shape::Items(ls) = f.shape {
                            let sep = ls.sep.clone();
                            self.push(out, &f.var, FactKind::Split { sep, shape: ls }, node);
                        }
                    }
                }
                ("toInt" | "toIntBase10" | "fromJSON", [_]) => {
                    for f in self.flows(&e) {
                        if f.shape == Shape::Number {
                            self.push(out, &f.var, FactKind::Number, node);
                        }
                    }
                }
                ("getAttr" | "hasAttr", [name, set]) => {
                    let keys = self.attrset_keys(set);
                    for f in self.flows(name) {
                        if matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)) {
                            self.push(out, &f.var, FactKind::AttrName { keys: keys.clone() }, node);
                        }
                    }
                }
                ("attrVals" | "getAttrs" | "catAttrs", [names, set]) => {
                    let keys = self.attrset_keys(set);
                    for f in self.flows(names) {
                        if matches!(f.shape, Shape::Items(_)) {
                            self.push(out, &f.var, FactKind::AttrName { keys: keys.clone() }, node);
                        }
                    }
                }
                ("attrByPath" | "hasAttrByPath" | "getAttrFromPath", [path, ..]) => {
                    if let ast::Expr::List(l) = syn::unparen(path.clone()) {
                        let set = args.last();
                        let keys = set.and_then(|s| self.attrset_keys(s));
                        for item in l.items() {
                            for f in self.flows(&item) {
                                if matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)) {
                                    self.push(
                                        out,
                                        &f.var,
                                        FactKind::AttrName { keys: keys.clone() },
                                        node,
                                    );
                                }
                            }
                        }
                    }
                }
                (
                    "hasPrefix" | "hasSuffix" | "hasInfix" | "match" | "replaceStrings"
                    | "removePrefix" | "removeSuffix" | "stringLength" | "substring",
                    _,
                ) => {
                    if let Some(a) = args.last() {
                        for f in self.flows(a) {
                            if matches!(f.shape, Shape::Raw { .. }) {
                                self.push(out, &f.var, FactKind::Str, node);
                            }
                        }
                    }
                }
                (
                    "getEnv" | "maybeEnv" | "import" | "callPackage" | "map" | "filter" | "mkIf"
                    | "optional" | "optionals" | "optionalString" | "optionalAttrs" | "mkDefault"
                    | "mkForce" | "mkOverride",
                    _,
                ) => {}
                _ => {
                    // An argument to another function: a string use.
                    for a in &args {
                        self.string_use(a, out);
                    }
                }
            },
            Some(Callee::Lambda(_)) => {
                // A predicate function applied to a literal.
                if args.len() == 1
                    && let Some(t) = self.test_of(&e, None)
                {
                    self.record_test(out, t, node);
                }
            }
            _ => {
                // An unknown function (`pkgs.dockerTools.buildImage { ... }`).
                for a in &args {
                    self.string_use(a, out);
                }
            }
        }
    }
}

/// The variables an expression depends on within its file: reads in it and
/// in the let/rec bindings it refers to (transitively), each with the range
/// of one read. `scopes` are the file's, `reads` its reads ([`file_reads`]).
pub fn expr_env_deps(
    scopes: &Scopes,
    expr: &SyntaxNode,
    reads: &[(SyntaxNode, Read)],
) -> std::collections::BTreeMap<String, TextRange> {
    let by_node: HashMap<&SyntaxNode, &Read> = reads.iter().map(|(n, r)| (n, r)).collect();
    let mut out = std::collections::BTreeMap::new();
    let mut seen: HashSet<SyntaxNode> = HashSet::new();
    let mut stack = vec![expr.clone()];
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        for node in n.descendants() {
            if let Some(r) = by_node.get(&node)
                && let Some(v) = &r.var
            {
                out.entry(v.clone()).or_insert(r.site.range);
            }
            let Some(id) = ast::Ident::cast(node) else {
                continue;
            };
            if !syn::is_reference(&id) {
                continue;
            }
            match syn::resolve(scopes, &id) {
                Def::Binding { value: Some(v), .. } => stack.push(v.syntax().clone()),
                Def::Binding { key, .. } => {
                    if let Some(av) = key.parent().and_then(|p| p.parent()) {
                        stack.push(av);
                    }
                }
                Def::InheritFrom { from, .. } => stack.push(from.syntax().clone()),
                _ => {}
            }
        }
    }
    out
}

/// The reads of one file (`scopes` are its scopes, `root` its root):
/// `getEnv` calls through any alias (hir), and `lib.maybeEnv NAME default`.
pub fn file_reads(scopes: &Scopes, file: usize, root: &SyntaxNode) -> Vec<(SyntaxNode, Read)> {
    use crate::hir;
    let mut out = Vec::new();
    for u in hir::find_builtin_uses(scopes, "getEnv") {
        if u.kind != hir::UseKind::Call {
            continue;
        }
        let Some(call) = u.call.and_then(|c| c.try_to_node(root)) else {
            continue;
        };
        let var = u
            .args(root)
            .first()
            .and_then(|a| hir::literal_string(&hir::strip_parens(a)));
        out.push((
            call.clone(),
            Read {
                var,
                site: Site {
                    file,
                    range: call.text_range(),
                },
                default: None,
            },
        ));
    }
    // `lib.maybeEnv` (the hir knows only builtins); skip the walk when the
    // name does not occur.
    let maybe = root
        .descendants_with_tokens()
        .filter_map(|t| t.into_token())
        .any(|t| t.kind() == SyntaxKind::TOKEN_IDENT && t.text() == "maybeEnv");
    let extra = if maybe {
        syn::env_reads(scopes, root)
    } else {
        Vec::new()
    };
    for r in extra {
        if r.default.is_some() || out.iter().all(|(n, _)| n != &r.node) {
            // `lib.maybeEnv` (the hir knows only builtins).
            if let Some(e) = ast::Expr::cast(r.node.clone())
                && syn::prim_call(scopes, &e).is_some_and(|(n, _)| n == "maybeEnv")
            {
                out.push((
                    r.node.clone(),
                    Read {
                        var: r.name,
                        site: Site {
                            file,
                            range: r.range,
                        },
                        default: r.default,
                    },
                ));
            }
        }
    }
    out.sort_by_key(|(n, _)| n.text_range().start());
    out
}

fn dedup(v: &mut Vec<Flow>) {
    let mut seen = HashSet::new();
    v.retain(|f| seen.insert(f.clone()));
}

/// The single variable an interpolated expression carries, as a part.
fn part_of(flows: &[Flow]) -> Part {
    let raws: Vec<&Flow> = flows
        .iter()
        .filter(|f| matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)))
        .collect();
    match raws.as_slice() {
        [one] => Part::Var(one.var.clone()),
        _ => Part::Unknown,
    }
}

fn derived(parts: Vec<Part>) -> Vec<Flow> {
    let mut vars: Vec<String> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Var(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    vars.sort();
    vars.dedup();
    vars.into_iter()
        .map(|var| Flow {
            var,
            shape: Shape::Derived(parts.clone()),
        })
        .collect()
}

fn path_flows(dir: PathBuf, parts: Vec<Part>) -> Vec<Flow> {
    derived(parts.clone())
        .into_iter()
        .map(|f| Flow {
            var: f.var,
            shape: Shape::PathT {
                dir: dir.clone(),
                parts: parts.clone(),
            },
        })
        .collect()
}

/// Find `names` in an attribute set literal (nested attribute paths included).
fn attrset_lookup(set: &ast::AttrSet, names: &[String]) -> Option<ast::Expr> {
    for entry in set.entries() {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                let Some(path) = av.attrpath().and_then(|p| syn::attrpath_names(&p)) else {
                    continue;
                };
                if path.as_slice() == names {
                    return av.value();
                }
                if names.starts_with(&path)
                    && let Some(ast::Expr::AttrSet(inner)) = av.value().map(syn::unparen)
                    && let Some(v) = attrset_lookup(&inner, &names[path.len()..])
                {
                    return Some(v);
                }
            }
            ast::Entry::Inherit(inh) => {
                if names.len() != 1 {
                    continue;
                }
                for a in inh.attrs() {
                    if syn::attr_name(&a).as_deref() == Some(names[0].as_str()) {
                        // `inherit x;` → the x in scope; `inherit (e) x;` → e.x
                        return match inh.from().and_then(|f| f.expr()) {
                            Some(_) => None,
                            None => match a {
                                ast::Attr::Ident(id) => Some(ast::Expr::Ident(id)),
                                _ => None,
                            },
                        };
                    }
                }
            }
        }
    }
    None
}

/// The text of a literal path expression (no interpolation).
pub fn literal_path(e: &ast::Expr) -> Option<String> {
    match syn::unparen(e.clone()) {
        ast::Expr::PathRel(p) => {
            let mut s = String::new();
            for c in p.syntax().children_with_tokens() {
                match c {
                    rowan::NodeOrToken::Token(t) => s.push_str(t.text()),
                    rowan::NodeOrToken::Node(_) => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

/// Lexically normalise `dir/rel` (`.` and `..` removed).
pub fn normalize(dir: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in dir.join(rel).components() {
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

/// The project file that path text `rel` (relative to `dir`) names; a
/// directory means its default.nix.
pub fn resolve_file(project: &Project, dir: &Path, rel: &str) -> Option<usize> {
    let target = normalize(dir, rel);
    let with_default = target.join("default.nix");
    project
        .files
        .iter()
        .position(|f| normalize(&f.path, ".") == target)
        .or_else(|| {
            project
                .files
                .iter()
                .position(|f| normalize(&f.path, ".") == with_default)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::SourceFile;

    fn analyse(files: &[(&str, &str)]) -> (Project, Facts) {
        let sources = files
            .iter()
            .map(|(p, t)| SourceFile::from_text(*p, *t))
            .collect();
        let project = Project::from_sources(".", sources);
        let facts = {
            let a = Analyzer::new(&project);
            let idx: Vec<usize> = (0..project.files.len()).collect();
            a.collect(&idx)
        };
        (project, facts)
    }

    fn tests_of(f: &Facts, var: &str) -> Vec<String> {
        let mut v: Vec<String> = f
            .facts
            .iter()
            .filter(|x| x.var == var)
            .filter_map(|x| match &x.kind {
                FactKind::Test(t) => {
                    Some(format!("{:?}{}", t.pred, if t.positive { "" } else { "!" }))
                }
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn seed_package_selection() {
        let src = r#"{ pkgs, lib, ... }:
let
  packageSelection = builtins.getEnv "NIXOS_PACKAGES";
  selectedGroups = if packageSelection == "" then [ "essential" ]
    else if packageSelection == "full" then [ "essential" "kubernetes" "development" "extras" ]
    else lib.splitString "," packageSelection;
  includeGroup = group: builtins.elem group selectedGroups;
  kubernetes = if includeGroup "kubernetes" then [ pkgs.kubectl ] else [];
  development = lib.optionals (includeGroup "development") [ pkgs.nodejs ];
in { allPackages = kubernetes ++ development; }
"#;
        let (_, f) = analyse(&[("overlays/packages.nix", src)]);
        assert_eq!(
            tests_of(&f, "NIXOS_PACKAGES"),
            vec![
                "Eq(\"\")",
                "Eq(\"full\")",
                "Member(\"development\")",
                "Member(\"kubernetes\")"
            ]
        );
        let member = f
            .facts
            .iter()
            .find_map(|x| match &x.kind {
                FactKind::Test(t) if t.pred == Pred::Member("kubernetes".into()) => Some(t.clone()),
                _ => None,
            })
            .unwrap();
        assert!(member.eval("full"));
        assert!(member.eval("essential,kubernetes"));
        assert!(!member.eval(""));
        assert!(!member.eval("essential"));
        // The two alias conditions and the two membership tests.
        assert_eq!(f.branches.len(), 4);
        assert!(
            f.facts
                .iter()
                .any(|x| matches!(&x.kind, FactKind::Split { sep, .. } if sep == ","))
        );
    }

    #[test]
    fn flags_defaults_and_branches() {
        let src = r#"{ lib, ... }:
let
  isContainer = builtins.getEnv "NIXOS_CONTAINER" != "";
  gpu = builtins.getEnv "GPU" == "true";
  tag = let t = builtins.getEnv "TAG"; in if t == "" then "latest" else t;
in {
  boot.isContainer = lib.mkIf isContainer true;
  wsl = lib.mkIf (!isContainer) { enable = true; };
  imports = if gpu then [ ./gpu.nix ] else [ ];
  image.tag = tag;
}
"#;
        let (_, f) = analyse(&[("configuration.nix", src)]);
        assert_eq!(tests_of(&f, "NIXOS_CONTAINER"), vec!["Eq(\"\")!"]);
        assert_eq!(tests_of(&f, "GPU"), vec!["Eq(\"true\")"]);
        assert_eq!(
            f.branches
                .iter()
                .filter(|b| b.test.var == "NIXOS_CONTAINER")
                .count(),
            2
        );
        let tag = f
            .facts
            .iter()
            .find(|x| x.var == "TAG" && x.kind == FactKind::Str)
            .expect("tag is used as a string");
        assert_eq!(tag.site.file, 0);
    }

    #[test]
    fn host_paths_attr_names_and_numbers() {
        let src = r#"{ nixpkgs, lib, ... }:
let
  host = builtins.getEnv "HOST";
  port = lib.toInt (builtins.getEnv "PORT");
  overlayNames = lib.splitString "," (builtins.getEnv "OVERLAYS");
  allOverlays = { rust = 1; go = 2; };
in {
  nixosConfigurations.${host} = nixpkgs.lib.nixosSystem {
    modules = [ ./hosts/${host}/configuration.nix ];
  };
  overlays = map (n: allOverlays.${n}) overlayNames;
  services.port = port;
}
"#;
        let (_, f) = analyse(&[("flake.nix", src)]);
        let kinds = |v: &str| {
            let mut k: Vec<String> = f
                .facts
                .iter()
                .filter(|x| x.var == v)
                .map(|x| match &x.kind {
                    FactKind::AttrName { keys } => format!("attr {keys:?}"),
                    FactKind::Path { parts, .. } => format!("path {parts:?}"),
                    FactKind::Number => "number".into(),
                    FactKind::Split { sep, .. } => format!("split {sep}"),
                    other => format!("{other:?}"),
                })
                .collect();
            k.sort();
            k.dedup();
            k
        };
        assert_eq!(
            kinds("HOST"),
            vec![
                "attr None".to_string(),
                "path [Lit(\"./hosts/\"), Var(\"HOST\"), Lit(\"/configuration.nix\")]".into()
            ]
        );
        assert_eq!(kinds("PORT"), vec!["number"]);
        assert_eq!(
            kinds("OVERLAYS"),
            vec![
                "attr Some([\"go\", \"rust\"])".to_string(),
                "split ,".into()
            ]
        );
    }

    #[test]
    fn flows_across_import_arguments() {
        let (_, f) = analyse(&[
            (
                "default.nix",
                "let h = builtins.getEnv \"HOST\"; in import ./host.nix { hostName = h; }",
            ),
            (
                "host.nix",
                "{ hostName }: if hostName == \"laptop\" then 1 else 2",
            ),
        ]);
        assert_eq!(tests_of(&f, "HOST"), vec!["Eq(\"laptop\")"]);
    }

    #[test]
    fn not_misclassified() {
        // Comparing something else with a literal, or the read with a
        // non-literal, is no test of the variable.
        let (_, f) = analyse(&[(
            "a.nix",
            r#"let v = builtins.getEnv "V"; other = "x"; in [ (other == "y") (v == other) (builtins.getEnv "W" + "-suffix") ]"#,
        )]);
        assert!(tests_of(&f, "V").is_empty());
        assert!(f.facts.iter().all(|x| !matches!(x.kind, FactKind::Test(_))));
    }
}
