//! `nixfold migrate`: turn environment-driven selection into a pure flake
//! with one output per variant.
//!
//! 1. Every `getEnv "V"` (through any alias, under `with builtins;`)
//!    becomes `<param>.V`; aliases left unused are removed ([`thread`]).
//! 2. The parameter is threaded to every read: formals of the files that
//!    use it, `inherit <param>;` at their call sites, `specialArgs` of
//!    `nixosSystem`, `extraSpecialArgs` of Home Manager ([`thread`]).
//! 3. flake.nix builds each affected output from a function of the variant
//!    and gets one output per declared variant ([`flake`]).
//! 4. Before anything is written, the original under each variant's
//!    environment and the migrated tree under that variant are evaluated
//!    and compared ([`verify`]); with `--verify nix`, real Nix evaluates
//!    both flakes too and their `drvPath`s are compared ([`nixproof`]).
//!
//! All edits are text edits on ranges of the original files, so everything
//! outside them stays byte-identical. Nothing here writes files: the CLI
//! writes [`Migration::changes`] with
//! [`crate::rewrite::write_all_or_nothing`].

mod flake;
pub mod nixproof;
mod scripts;
pub mod text;
mod thread;
pub mod verify;

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::analysis::variants;
use crate::config::{Config, VariantDecl};
use crate::project::Project;
use crate::syntax::{AstNode, SyntaxNode, TextSize};

use text::FileEdits;

/// What `migrate` should do besides planning.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// Prove every variant equal to the original before returning.
    pub verify: bool,
    /// Also prove it with real Nix ([`nixproof`]), run as described.
    pub nix: Option<nixproof::NixProof>,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            verify: true,
            nix: None,
        }
    }
}

/// One file the migration changes.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    /// The path relative to the migrated directory.
    pub rel: String,
    pub old: String,
    pub new: String,
}

/// The planned migration.
#[derive(Debug, Clone, Default)]
pub struct Migration {
    /// Whether the tree reads the environment at all.
    pub needed: bool,
    pub changes: Vec<FileChange>,
    /// The parameter name used.
    pub param: String,
    /// Every variant (the default first) with its full environment.
    pub variants: Vec<(String, BTreeMap<String, String>)>,
    /// Whether variants were declared in nixfold.toml.
    pub declared: bool,
    /// Whether the tree has a flake.nix (else only the default variant exists).
    pub flake: bool,
    /// Things the user should know (renamed parameter, dropped variables).
    pub notes: Vec<String>,
    /// What the proof compared, one line per variant and output.
    pub proof: Vec<String>,
    /// Outputs to compare besides the analysis' own: (variant, output in
    /// the original, output in the migrated flake).
    pub pairs: Vec<(String, Vec<String>, Vec<String>)>,
    /// Outputs (as the analysis names them) whose names depend on the
    /// environment; `pairs` says where each variant of them is.
    pub renamed: BTreeSet<String>,
}

/// Why nothing can be migrated.
#[derive(Debug, Clone)]
pub struct MigrateError {
    pub message: String,
}

impl MigrateError {
    pub fn new(message: impl Into<String>) -> Self {
        MigrateError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MigrateError {}

/// The planner's state, shared by the steps.
pub(crate) struct Planner<'a> {
    project: &'a Project,
    root_dir: PathBuf,
    roots: Vec<SyntaxNode>,
    /// The scopes of each file's tree, built on first use.
    scopes: Vec<OnceCell<Rc<crate::hir::Scopes>>>,
    edits: Vec<FileEdits>,
    param: String,
    set_name: String,
    vars: BTreeSet<String>,
    dynamic: bool,
    refs: HashMap<usize, Vec<(usize, SyntaxNode)>>,
    /// Sinks already handled: (file, offset, what).
    done: HashSet<(usize, TextSize, String)>,
    needed: HashSet<usize>,
    queue: VecDeque<usize>,
    notes: Vec<String>,
    declared: Vec<VariantDecl>,
    analysis_outputs: Vec<(usize, crate::syntax::TextRange, String, Vec<String>)>,
    flake_names: BTreeSet<String>,
    pairs: Vec<(String, Vec<String>, Vec<String>)>,
    renamed: BTreeSet<String>,
    has_flake: bool,
    /// Root modules (no flake.nix) whose imported modules need the parameter.
    module_args_roots: BTreeSet<usize>,
    /// The files the flake may evaluate (`None`: no flake, all of them).
    scope: Option<Vec<bool>>,
    /// Files whose new formal gets a default (callers outside the flake).
    defaulted: HashSet<usize>,
    /// Files of the form `a: ...` that became `a: <param>: ...`.
    positional: HashSet<usize>,
}

impl<'a> Planner<'a> {
    fn text(&self, f: usize) -> &str {
        &self.project.files[f].text
    }

    /// The scopes of file `f` (shared: every step of the plan reads the
    /// same trees).
    fn scopes(&self, f: usize) -> Rc<crate::hir::Scopes> {
        self.scopes[f]
            .get_or_init(|| Rc::new(crate::hir::Scopes::new(&self.roots[f])))
            .clone()
    }

    fn rel(&self, f: usize) -> String {
        rel_path(&self.root_dir, &self.project.files[f].path)
    }

    fn err_at(&self, f: usize, at: TextSize, msg: &str) -> MigrateError {
        let lc = self.project.files[f].line_col(at);
        MigrateError::new(format!("{}:{}:{}: {msg}", self.rel(f), lc.line, lc.col))
    }

    /// Whether the flake does not evaluate file `f` (left as it is).
    fn outside(&self, f: usize) -> bool {
        crate::analysis::scope::outside(&self.scope, f)
    }

    fn need(&mut self, f: usize) {
        if self.needed.insert(f) {
            self.queue.push_back(f);
        }
    }

    /// The variables every variant defines.
    fn all_vars(&self) -> BTreeSet<String> {
        let mut vars = self.vars.clone();
        if self.dynamic {
            for d in &self.declared {
                vars.extend(d.env.keys().cloned());
            }
        }
        vars
    }

    /// The default variant and the declared ones, each with every variable.
    fn variant_records(&self) -> Vec<(String, BTreeMap<String, String>)> {
        let vars = self.all_vars();
        let mut out: Vec<(String, BTreeMap<String, String>)> = vec![(
            "default".into(),
            vars.iter().map(|v| (v.clone(), String::new())).collect(),
        )];
        for d in &self.declared {
            if out.iter().any(|(n, _)| n == &d.name) {
                continue;
            }
            let env = vars
                .iter()
                .map(|v| (v.clone(), d.env.get(v).cloned().unwrap_or_default()))
                .collect();
            out.push((d.name.clone(), env));
        }
        out
    }
}

/// Whether a file reads the environment (`getEnv` through any alias, `lib.maybeEnv`).
pub fn reads_environment(parsed: &crate::syntax::Parsed) -> bool {
    let scopes = crate::hir::Scopes::from_parsed(parsed);
    crate::hir::find_builtin_uses(&scopes, "getEnv")
        .next()
        .is_some()
        || variants::syn::env_reads(&scopes, &parsed.syntax())
            .iter()
            .any(|r| {
                crate::syntax::ast::Expr::cast(r.node.clone())
                    .and_then(|e| variants::syn::prim_call(&scopes, &e))
                    .is_some_and(|(n, _)| n == "maybeEnv")
            })
}

/// `path` relative to `root`, with `/` separators.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let p = path.strip_prefix(root).unwrap_or(path);
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Plan (and, unless `opts.verify` is off, prove) the migration of a
/// loaded project. Nothing is written.
///
/// A refusal of a tree that is impure for other reasons too
/// (`builtins.currentSystem`, absolute paths of this machine, `<nixpkgs>`,
/// unpinned fetches in what the flake evaluates) lists those constructs,
/// with where they are and what to write instead: no variant of such a tree
/// can evaluate purely, so they must go first.
pub fn migrate(
    project: &Project,
    config: &Config,
    opts: &MigrateOptions,
) -> Result<Migration, MigrateError> {
    plan(project, config, opts).map_err(|e| with_other_impurities(project, config, e))
}

/// The rules whose findings a pure flake cannot evaluate, and what to write
/// instead of each.
const OTHER_IMPURITIES: &[(&str, &str)] = &[
    (
        "impure-current-system",
        "write the system (`system = \"x86_64-linux\";`) or build one output per system \
         (`nixpkgs.lib.genAttrs [ \"x86_64-linux\" ] (system: ...)`)",
    ),
    (
        "impure-current-time",
        "use a fixed value or `self.lastModified`",
    ),
    (
        "search-path-lookup",
        "take it from a flake input (`inputs.nixpkgs`)",
    ),
    (
        "absolute-path",
        "refer to a file of the repository (`./path`) or make it a flake input \
         (`inputs.NAME = { url = \"path:/...\"; flake = false; };`)",
    ),
    ("impure-store-path", "make it a flake input"),
    (
        "unpinned-fetch",
        "pin it with a hash or make it a flake input",
    ),
];

/// `err`, followed by the constructs besides the environment reads that keep
/// the flake from evaluating purely, if there are any in what it evaluates.
fn with_other_impurities(project: &Project, config: &Config, err: MigrateError) -> MigrateError {
    let mut cfg = config.clone();
    cfg.check.select = Some(
        OTHER_IMPURITIES
            .iter()
            .map(|(r, _)| (*r).to_string())
            .collect(),
    );
    cfg.check.disable.clear();
    let scope = crate::analysis::scope::flake_scope(project, &variants::entry_dir(project));
    let index: HashMap<&Path, usize> = project
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_path(), i))
        .collect();
    let mut found: Vec<String> = Vec::new();
    for d in crate::lints::check(project, &cfg) {
        let Some(&i) = index.get(d.path.as_path()) else {
            continue;
        };
        if crate::analysis::scope::outside(&scope, i)
            || d.severity < crate::diagnostics::Severity::Warning
        {
            continue;
        }
        let instead = OTHER_IMPURITIES
            .iter()
            .find(|(r, _)| *r == d.name)
            .map(|(_, w)| *w)
            .unwrap_or("remove it");
        found.push(format!(
            "{}:{}:{}: {} [{}]; {instead}",
            rel_path(&project.root, &d.path),
            d.start.line,
            d.start.col,
            d.message,
            d.name
        ));
    }
    if found.is_empty() {
        return err;
    }
    let total = found.len();
    found.truncate(5);
    let more = if total > 5 {
        format!(
            "\n  ... and {} more (`nixfold check` lists them)",
            total - 5
        )
    } else {
        String::new()
    };
    MigrateError::new(format!(
        "{}\nThe flake also needs --impure for reasons other than the environment: no variant of \
         it can evaluate purely until these go (migrate them first, then run again):\n  {}{more}",
        err.message,
        found.join("\n  ")
    ))
}

fn plan(
    project: &Project,
    config: &Config,
    opts: &MigrateOptions,
) -> Result<Migration, MigrateError> {
    let root_dir = project.root.clone();
    // What the flake evaluates; the rest stays as it is (issue 10, class 1).
    let scope = crate::analysis::scope::flake_scope(project, &variants::entry_dir(project));
    let outside = |i: usize| crate::analysis::scope::outside(&scope, i);
    // All or nothing: every file migrate must read must load and parse.
    let mut problems = Vec::new();
    if scope.is_none() {
        for e in &project.load_errors {
            problems.push(format!("{}: {}", rel_path(&root_dir, &e.path), e.error));
        }
    }
    for (i, f) in project.files.iter().enumerate() {
        if outside(i) {
            continue;
        }
        if let Some(err) = f.parsed().errors.first() {
            let lc = f.line_col(err.range.start());
            problems.push(format!(
                "{}:{}:{}: {}",
                rel_path(&root_dir, &f.path),
                lc.line,
                lc.col,
                err.message
            ));
        }
    }
    if !problems.is_empty() {
        return Err(MigrateError::new(format!(
            "cannot migrate: fix these files first (nothing was changed):\n  {}",
            problems.join("\n  ")
        )));
    }

    // A pure tree (already migrated) needs nothing.
    let reads_env = project
        .files
        .iter()
        .enumerate()
        .any(|(i, f)| !outside(i) && reads_environment(&f.parsed()));
    if !reads_env {
        return Ok(Migration {
            needed: false,
            param: config.param.clone().unwrap_or_else(|| "variant".into()),
            ..Default::default()
        });
    }
    let analysis = variants::analyse(project, config);
    if let Some(e) = analysis.matrix_errors.first() {
        return Err(MigrateError::new(format!("nixfold.toml: {e}")));
    }
    let entry = variants::entry_dir(project);
    let flake = project.files.iter().position(|f| {
        f.path.parent() == Some(entry.as_path())
            && f.path.file_name().is_some_and(|n| n == "flake.nix")
    });

    let roots: Vec<SyntaxNode> = project.files.iter().map(|f| f.parsed().syntax()).collect();
    let mut p = Planner {
        project,
        root_dir: root_dir.clone(),
        edits: vec![FileEdits::default(); roots.len()],
        scopes: roots.iter().map(|_| OnceCell::new()).collect(),
        roots,
        param: String::new(),
        set_name: String::new(),
        vars: BTreeSet::new(),
        dynamic: false,
        refs: HashMap::new(),
        done: HashSet::new(),
        needed: HashSet::new(),
        queue: VecDeque::new(),
        notes: Vec::new(),
        declared: config.variants.clone(),
        analysis_outputs: analysis
            .outputs
            .outputs
            .iter()
            .filter_map(|o| {
                o.site
                    .as_ref()
                    .map(|s| (s.file, s.range, o.dotted(), o.attr.clone()))
            })
            .collect(),
        flake_names: BTreeSet::new(),
        pairs: Vec::new(),
        renamed: BTreeSet::new(),
        has_flake: flake.is_some(),
        module_args_roots: BTreeSet::new(),
        scope: scope.clone(),
        defaulted: HashSet::new(),
        positional: HashSet::new(),
    };

    // The parameter's name must not clash with a name of the tree.
    let mut names: BTreeSet<String> = BTreeSet::new();
    for f in 0..project.files.len() {
        names.extend(p.names_in(f));
    }
    p.param = match &config.param {
        Some(name) => {
            if !text::is_ident(name) {
                return Err(MigrateError::new(format!(
                    "nixfold.toml: param = {name:?} is not a Nix identifier"
                )));
            }
            if names.contains(name) {
                return Err(MigrateError::new(format!(
                    "nixfold.toml: param = {name:?} clashes with a name the configuration already \
                     uses; choose another name"
                )));
            }
            name.clone()
        }
        None => {
            let pick = ["variant", "nixfoldVariant", "buildVariant"]
                .into_iter()
                .find(|n| !names.contains(*n))
                .unwrap_or("nixfoldVariantParam");
            if pick != "variant" {
                p.notes.push(format!(
                    "the configuration already uses the name `variant`; the parameter is called \
                     `{pick}` (set `param` in nixfold.toml to choose)"
                ));
            }
            pick.to_string()
        }
    };
    p.set_name = ["variants", "nixfoldVariants", "buildVariants"]
        .into_iter()
        .find(|n| !names.contains(*n) && *n != p.param)
        .unwrap_or("nixfoldVariantSet")
        .to_string();
    if let Some(fl) = flake {
        p.flake_names = p.names_in(fl);
    }
    for d in &config.variants {
        if d.name == "default" {
            return Err(MigrateError::new(
                "nixfold.toml: a variant may not be called `default` (the default variant keeps \
                 the original output's name)",
            ));
        }
        let cat: Vec<&str> = d.output.rsplitn(2, '.').collect();
        let generated = match cat.as_slice() {
            [_, prefix] => format!("{prefix}.{}", d.name),
            _ => d.name.clone(),
        };
        if analysis.output(&generated).is_some() {
            return Err(MigrateError::new(format!(
                "nixfold.toml: variant `{}` would create `{generated}`, which already exists",
                d.name
            )));
        }
    }

    // 1. Reads.
    let mut any = false;
    for f in 0..project.files.len() {
        if outside(f) {
            continue;
        }
        if p.rewrite_reads(f)? {
            any = true;
            p.need(f);
        }
    }
    if !any {
        return Ok(Migration {
            needed: false,
            param: p.param,
            ..Default::default()
        });
    }
    if flake.is_none() && !config.variants.is_empty() {
        return Err(MigrateError::new(
            "nixfold.toml declares variants but the tree has no flake.nix to hold their outputs",
        ));
    }

    // 2. Threading.
    p.index_references();
    let mut flake_needed = false;
    while let Some(f) = p.queue.pop_front() {
        if Some(f) == flake {
            flake_needed = true;
            continue;
        }
        p.thread_file(f)?;
    }
    p.hand_on_module_args()?;
    // 3. flake.nix.
    if let (Some(fl), true) = (flake, flake_needed) {
        p.transform_flake(fl)?;
    }
    if flake.is_none()
        && !p
            .notes
            .iter()
            .any(|n| n.starts_with("the tree has no flake.nix"))
    {
        p.notes.push(format!(
            "the tree has no flake.nix: the root files take `{0}` as an argument whose default \
             is the default variant; pass another with `--arg {0} '{{ VAR = \"value\"; }}'`",
            p.param
        ));
    }

    // The new texts: every one must parse and read no environment.
    let mut changes = Vec::new();
    for (f, file) in project.files.iter().enumerate() {
        if p.edits[f].is_empty() {
            continue;
        }
        let new = text::apply(&file.text, &p.edits[f].eds)
            .map_err(|r| p.err_at(f, r.start(), "internal error: overlapping edits"))?;
        if new == *file.text {
            continue;
        }
        let parsed = crate::syntax::parse(&new);
        if let Some(e) = parsed.errors.first() {
            return Err(MigrateError::new(format!(
                "internal error: the migrated {} does not parse ({}); nothing was changed",
                p.rel(f),
                e.message
            )));
        }
        if reads_environment(&parsed) {
            return Err(MigrateError::new(format!(
                "internal error: the migrated {} still reads the environment; nothing was changed",
                p.rel(f)
            )));
        }
        changes.push(FileChange {
            path: file.path.clone(),
            rel: p.rel(f),
            old: file.text.to_string(),
            new,
        });
    }
    // Scripts and docs that chose a variant through the environment.
    if flake.is_some() {
        changes.extend(p.follow_scripts(&analysis));
    }
    let dropped: Vec<String> = config
        .variants
        .iter()
        .flat_map(|d| d.env.keys())
        .filter(|k| !p.all_vars().contains(*k))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !dropped.is_empty() {
        p.notes.push(format!(
            "nixfold.toml sets variables the configuration never reads: {}",
            dropped.join(", ")
        ));
    }
    let mut m = Migration {
        needed: true,
        changes,
        param: p.param.clone(),
        variants: p.variant_records(),
        declared: !config.variants.is_empty(),
        flake: flake.is_some(),
        notes: p.notes.clone(),
        proof: Vec::new(),
        pairs: p.pairs.clone(),
        renamed: p.renamed.clone(),
    };
    if opts.verify && flake.is_some() {
        m.proof = verify::prove(project, &m, config, &analysis)?;
        // A variant broken in the original too is migrated as it is: say so.
        for line in &m.proof {
            if let Some(n) = line.strip_prefix(verify::FAILS_TOO) {
                m.notes.push(n.to_string());
            }
        }
        m.proof.retain(|l| !l.starts_with(verify::FAILS_TOO));
    }
    if let (Some(how), Some(_)) = (&opts.nix, &flake) {
        for line in nixproof::prove(project, &m, config, &analysis, how)? {
            match line.strip_prefix(verify::FAILS_TOO) {
                Some(n) => m.notes.push(n.to_string()),
                None => m.proof.push(line),
            }
        }
    }
    Ok(m)
}
