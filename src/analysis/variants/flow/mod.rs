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

mod collect;
mod flows;
mod model;
mod paths;
mod predicates;
mod reads;
#[cfg(test)]
mod tests;

pub use model::*;
pub use paths::{literal_path, normalize, resolve_file};
pub use reads::{
    expr_env_deps, file_reads, literal_read_names, may_hold_reads, may_read_any, quotes_any,
};

/// The analysis state over a project.
pub struct Analyzer<'a> {
    pub project: &'a Project,
    /// Root node → project file (`None`: a tree of no project file), filled
    /// on first use: most files' trees are never read.
    roots: RefCell<HashMap<SyntaxNode, Option<usize>>>,
    memo: RefCell<HashMap<SyntaxNode, Vec<Flow>>>,
    busy: RefCell<HashSet<SyntaxNode>>,
    /// target file → call sites `import ./file.nix ARG` (file, ARG).
    imports: RefCell<Option<HashMap<usize, Vec<ast::Expr>>>>,
    /// Per file, the paths it mentions, when the caller computed them
    /// ([`crate::analysis::scope::mentions`]): the files that can call a
    /// given file by path are then found without parsing any other file.
    mentions: Option<&'a [Vec<String>]>,
    /// Per file, whether it holds a relative path literal, when known.
    pub rel_paths: Option<&'a [bool]>,
    /// [`Analyzer::import_sites`] per target, when `mentions` is known.
    imports_of: RefCell<HashMap<usize, Vec<ast::Expr>>>,
    depth: RefCell<u32>,
    /// Environment reads per file, found by the hir's builtin resolver
    /// (`getEnv` through any alias) plus nixpkgs' `lib.maybeEnv`.
    reads: Vec<Vec<Read>>,
    /// The application node of each read → its index in `reads[file]`.
    read_nodes: HashMap<SyntaxNode, (usize, usize)>,
    /// Normalised path → file index.
    by_path: rustc_hash::FxHashMap<PathBuf, usize>,
    /// Scopes of each file, built on first use; every name the analysis
    /// resolves in a file is resolved through these.
    scopes: Vec<OnceCell<Scopes>>,
}

pub(super) const MAX_DEPTH: u32 = 200;

impl<'a> Analyzer<'a> {
    pub fn new(project: &'a Project) -> Self {
        let scopes: Vec<OnceCell<Scopes>> = project.files.iter().map(|_| OnceCell::new()).collect();
        // Other files need no scopes (yet).
        let per_file: Vec<Vec<(SyntaxNode, Read)>> = project
            .files
            .iter()
            .zip(&scopes)
            .enumerate()
            .map(|(i, (f, s))| {
                if may_hold_reads(&f.text) {
                    let s = s.get_or_init(|| Scopes::from_parsed(&f.parsed()));
                    file_reads(s, i, &f.parsed().syntax())
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
            roots: RefCell::default(),
            memo: RefCell::default(),
            busy: RefCell::default(),
            imports: RefCell::default(),
            mentions: None,
            rel_paths: None,
            imports_of: RefCell::default(),
            depth: RefCell::new(0),
            reads,
            read_nodes,
            by_path,
            scopes,
        }
    }

    /// [`Analyzer::new`] with what is known of every file without its tree
    /// ([`crate::analysis::scope::FileSummaries`]).
    pub fn with_summaries(
        project: &'a Project,
        summaries: &'a crate::analysis::scope::FileSummaries,
    ) -> Self {
        let mut a = Analyzer::new(project);
        let n = project.files.len();
        if summaries.mentions.len() == n {
            a.mentions = Some(&summaries.mentions);
        }
        if summaries.rel_paths.len() == n {
            a.rel_paths = Some(&summaries.rel_paths);
        }
        a
    }

    // ----- names -------------------------------------------------------

    /// The scopes of project file `file`, built on first use.
    pub fn file_scopes(&self, file: usize) -> &Scopes {
        self.scopes[file].get_or_init(|| Scopes::from_parsed(&self.project.files[file].parsed()))
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

    pub(super) fn read_of(&self, node: &SyntaxNode) -> Option<&Read> {
        let (f, i) = self.read_nodes.get(node)?;
        Some(&self.reads[*f][*i])
    }

    /// The file a node belongs to.
    pub fn file_of(&self, node: &SyntaxNode) -> Option<usize> {
        let root = node.ancestors().last()?;
        if let Some(&i) = self.roots.borrow().get(&root) {
            return i;
        }
        let green = root.green();
        let i = (self.project.files.iter()).position(|f| f.tree.holds(green));
        self.roots.borrow_mut().insert(root, i);
        i
    }

    pub(super) fn site(&self, node: &SyntaxNode) -> Option<Site> {
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
}
