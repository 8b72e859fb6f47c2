//! The lazy Nix evaluator with symbolic (unknown) values.
//!
//! Pipeline: source → [`crate::syntax`] tree → [`compile`] (once per file) →
//! [`ir`] with variables resolved to frame slots → [`machine`] evaluates it
//! lazily over [`value::Value`]s. Built-ins live in [`builtins`], one file per
//! area, registered through tables (see [`builtins::PrimOpDef`]).
//!
//! ```
//! use nixfold::eval::{EvalOptions, Evaluator, print_value};
//! let mut ev = Evaluator::new(EvalOptions::default());
//! let v = ev.eval_expr_str("{ a = 1; b = [ 1 2 ]; }", std::path::Path::new("/")).unwrap();
//! ev.force_deep(&v).unwrap();
//! assert_eq!(print_value(&v, true), "{ a = 1; b = [ 1 2 ]; }");
//! ```
//!
//! Differences from Nix, by design: nothing is ever built, fetched or copied
//! to the store. A path interpolated into a string (`"${./x}"`) evaluates to
//! its absolute path instead of a store path; `derivation` computes its
//! store paths without writing anything; fetchers return placeholder store
//! paths that record their arguments.

pub mod builtins;
pub mod compile;
pub mod error;
pub mod ir;
mod libval;
mod machine;
pub mod prelude;
pub mod print;
mod store;
pub mod symbol;
pub mod symbolic;
pub mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use error::{ErrorKind, EvalError, EvalResult, Span};
pub use prelude::LibConfig;
pub use print::{print_value, to_json_string};
pub use symbol::Symbol;
pub use symbolic::{Observation, Unknown, UnknownKind};
pub use value::{Attrs, Value};

use crate::syntax::{LineCol, LineIndex};

/// Where Nix's own Nix files live (`<nix/fetchurl.nix>` resolves there).
pub const COREPKGS: &str = "/__corepkgs__/";

/// The source of one of Nix's own files (`fetchurl.nix`), embedded.
pub fn corepkg(name: &str) -> Option<&'static str> {
    match name {
        "fetchurl.nix" => Some(include_str!("corepkgs/fetchurl.nix")),
        _ => None,
    }
}

pub use builtins::split_nix_path;
use value::{Frame, Thunk};

/// Evaluation settings.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Nix's pure evaluation mode: `getEnv` gives "", `currentSystem` and
    /// `currentTime` are absent, `<…>` lookups, `storePath` and fetchers
    /// without a hash fail, and so does any file access outside `root`.
    pub pure: bool,
    /// In pure mode, the directory all file access must stay inside.
    /// `None` means the current directory.
    pub root: Option<PathBuf>,
    /// Confine file access to `root` even in impure mode (the analysis
    /// commands do this).
    pub confine_to_root: bool,
    /// Environment overrides for `getEnv` (applied over the process
    /// environment; ignored in pure mode, where `getEnv` always gives "").
    pub env: HashMap<String, String>,
    /// Whether `getEnv` reads the process environment (impure mode only).
    pub read_process_env: bool,
    /// Make `getEnv NAME` return the unknown `env:NAME` instead of a string
    /// (for variant analysis), unless `NAME` is in `env`.
    pub unknown_env: bool,
    /// Entries for `<…>` lookups (`prefix=path` or `path`); `None` reads
    /// `NIX_PATH`.
    pub nix_path: Option<Vec<String>>,
    /// `builtins.currentSystem` in impure mode.
    pub current_system: String,
    /// Maximum number of evaluation steps.
    pub max_steps: u64,
    /// Maximum (estimated) bytes allocated for values.
    pub max_memory: u64,
    /// Maximum nesting of evaluation (Nix: "stack overflow").
    pub max_depth: usize,
    /// Where nixpkgs' `lib` comes from when symbolic evaluation needs it and
    /// it is not otherwise available (a formal `lib` filled by the
    /// evaluator, `pkgs.lib` or `nixpkgs.lib` of unknowns). `None` (the
    /// default, as in `nixfold eval`) leaves lib unknown.
    pub lib: Option<LibConfig>,
    /// Files the caller has already read and parsed (a project's files), by
    /// absolute path; the evaluator compiles these trees instead of reading
    /// and parsing the files again (a tree is parsed when first needed). A
    /// file not in the map, or with syntax errors, is read from disk.
    pub preparsed: Option<Preparsed>,
}

/// Source text and tree of files already parsed, by absolute, lexically
/// normalised path (see [`EvalOptions::preparsed`]).
pub type Preparsed = Arc<FxHashMap<PathBuf, Arc<crate::syntax::Tree>>>;

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            pure: false,
            root: None,
            confine_to_root: false,
            env: HashMap::new(),
            read_process_env: true,
            unknown_env: false,
            nix_path: None,
            current_system: default_system(),
            max_steps: 5_000_000_000,
            max_memory: 16 << 30,
            max_depth: 200_000,
            lib: None,
            preparsed: None,
        }
    }
}

fn default_system() -> String {
    let arch = std::env::consts::ARCH;
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        o => o,
    };
    format!("{arch}-{os}")
}

/// A source file (or string) the evaluator has parsed.
pub struct FileInfo {
    /// The file, or `None` for an expression given as a string.
    pub path: Option<PathBuf>,
    /// How the file is named in messages (`«string»` for strings).
    pub name: String,
    pub text: Arc<str>,
    pub line_index: LineIndex,
}

impl FileInfo {
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index.line_col(&self.text, offset.into())
    }
}

/// Callback receiving `builtins.trace` messages.
pub type TraceSink = Box<dyn FnMut(&str)>;

/// Pre-interned names the evaluator uses often.
pub(crate) struct Syms {
    pub out_path: Symbol,
    pub functor: Symbol,
    pub to_string: Symbol,
    pub type_: Symbol,
    pub name: Symbol,
    pub value: Symbol,
    pub drv_path: Symbol,
    pub file: Symbol,
    pub line: Symbol,
    pub column: Symbol,
    pub right: Symbol,
    pub wrong: Symbol,
    pub success: Symbol,
    pub key: Symbol,
    pub operator: Symbol,
    pub start_set: Symbol,
    pub path: Symbol,
    pub prefix: Symbol,
    pub overrides: Symbol,
    pub version: Symbol,
}

impl Syms {
    fn new() -> Syms {
        Syms {
            out_path: Symbol::new("outPath"),
            functor: Symbol::new("__functor"),
            to_string: Symbol::new("__toString"),
            type_: Symbol::new("type"),
            name: Symbol::new("name"),
            value: Symbol::new("value"),
            drv_path: Symbol::new("drvPath"),
            file: Symbol::new("file"),
            line: Symbol::new("line"),
            column: Symbol::new("column"),
            right: Symbol::new("right"),
            wrong: Symbol::new("wrong"),
            success: Symbol::new("success"),
            key: Symbol::new("key"),
            operator: Symbol::new("operator"),
            start_set: Symbol::new("startSet"),
            path: Symbol::new("path"),
            prefix: Symbol::new("prefix"),
            overrides: Symbol::new("__overrides"),
            version: Symbol::new("version"),
        }
    }
}

/// The evaluator. One per thread; values it returns are only meaningful to it.
pub struct Evaluator {
    pub(crate) opts: EvalOptions,
    files: Vec<FileInfo>,
    import_cache: FxHashMap<PathBuf, Value>,
    pub(crate) base: Rc<FxHashMap<Symbol, Value>>,
    pub(crate) builtins_value: Value,
    pub(crate) steps: u64,
    pub(crate) depth: usize,
    pub(crate) mem: u64,
    observations: Vec<Observation>,
    trace_sink: Option<TraceSink>,
    pub(crate) syms: Syms,
    root_dir: PathBuf,
    home: String,
    /// Derivations computed so far, by `.drv` path.
    pub(crate) drvs: FxHashMap<String, builtins::derivation::DrvInfo>,
    /// The lib handed out for unknown lib (see [`EvalOptions::lib`]).
    lib_state: libval::LibState,
    /// Sets of the lib prelude whose missing attributes are unknowns, by
    /// address, with the name to give them (`lib.types`).
    lib_soft: FxHashMap<usize, Rc<str>>,
    /// Directories file access is allowed in besides the root (the nixpkgs
    /// tree of a real lib).
    extra_roots: Vec<PathBuf>,
    /// Paths "copied" to the store so far: source → store path, and back.
    src_to_store: FxHashMap<String, String>,
    store_to_src: FxHashMap<String, String>,
}

impl Evaluator {
    /// A fresh evaluator with its own built-ins.
    pub fn new(opts: EvalOptions) -> Evaluator {
        let root_dir = opts
            .root
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        let root_dir = std::fs::canonicalize(&root_dir).unwrap_or(root_dir);
        let home = std::env::var("HOME").unwrap_or_else(|_| "/homeless-shelter".into());
        let mut ev = Evaluator {
            opts,
            files: Vec::new(),
            import_cache: FxHashMap::default(),
            base: Rc::new(FxHashMap::default()),
            builtins_value: Value::Null,
            steps: 0,
            depth: 0,
            mem: 0,
            observations: Vec::new(),
            trace_sink: None,
            syms: Syms::new(),
            root_dir,
            home,
            drvs: FxHashMap::default(),
            lib_state: libval::LibState::NotBuilt,
            lib_soft: FxHashMap::default(),
            extra_roots: Vec::new(),
            src_to_store: FxHashMap::default(),
            store_to_src: FxHashMap::default(),
        };
        builtins::install(&mut ev);
        ev
    }

    /// The options this evaluator runs with.
    pub fn options(&self) -> &EvalOptions {
        &self.opts
    }

    /// Receive `builtins.trace` output (by default it is dropped).
    pub fn set_trace_sink(&mut self, sink: TraceSink) {
        self.trace_sink = Some(sink);
    }

    pub(crate) fn emit_trace(&mut self, msg: &str) {
        if let Some(s) = &mut self.trace_sink {
            s(msg);
        }
    }

    /// Bind `name` in the global scope of everything compiled from now on
    /// (shadowing a built-in of that name).
    pub fn set_global(&mut self, name: &str, value: Value) {
        Rc::make_mut(&mut self.base).insert(Symbol::new(name), value);
    }

    /// Bind each name to an unknown of that name. A dotted name
    /// (`inputs.nixpkgs`) binds its first component.
    pub fn bind_unknowns(&mut self, names: &[&str]) {
        for n in names {
            let first = n.split('.').next().unwrap_or(n);
            self.set_global(first, Unknown::value(first));
        }
    }

    /// An attribute set binding each name to an unknown of that name, for
    /// calling functions like `{ pkgs, config, ... }: …` symbolically;
    /// `lib` is bound to [`Evaluator::default_lib`] (built when first
    /// forced) when there is one.
    pub fn unknown_args(&self, names: &[&str]) -> Value {
        let entries = names
            .iter()
            .map(|n| {
                let v = match (*n == "lib").then(|| self.lazy_lib()).flatten() {
                    Some(l) => l,
                    None => Unknown::value(*n),
                };
                (Symbol::new(n), v)
            })
            .collect();
        Value::attrs(Attrs::from_unsorted(entries))
    }

    /// If `v` is a function with formals (`{ pkgs, config, ... }: …`), call
    /// it with every formal bound to an unknown of the same name; other
    /// values are returned forced.
    pub fn call_with_unknown_formals(&mut self, v: &Value) -> EvalResult<Value> {
        let f = self.force(v)?;
        if let Value::Lambda(c) = &f
            && let ir::Param::Formals(fs) = &c.def.param
        {
            let names: Vec<&str> = fs.entries.iter().map(|e| e.name.as_str()).collect();
            let arg = self.unknown_args(&names);
            let r = self.call(&f, arg, Span::NONE)?;
            return self.force(&r);
        }
        Ok(f)
    }

    /// Evaluate a file symbolically: `unknowns` are bound as globals, and a
    /// top-level function with formals is called with unknown arguments.
    pub fn eval_file_symbolic(&mut self, path: &Path, unknowns: &[&str]) -> EvalResult<Value> {
        self.bind_unknowns(unknowns);
        let v = self.eval_file(path)?;
        self.call_with_unknown_formals(&v)
    }

    /// Comparisons between unknowns and known values seen so far.
    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }

    pub(crate) fn observe(&mut self, o: Observation) {
        if self.observations.len() < 100_000 {
            self.observations.push(o);
        }
    }

    /// Number of evaluation steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// A file the evaluator has parsed, by the id in a [`Span`].
    pub fn file_info(&self, id: u32) -> Option<&FileInfo> {
        self.files.get(id as usize)
    }

    /// `file:line:col` of a span, as Nix prints positions.
    pub fn format_pos(&self, span: Span) -> String {
        match self.file_info(span.file) {
            Some(f) => {
                let lc = f.line_col(span.start);
                format!("{}:{}:{}", f.name, lc.line, lc.col)
            }
            None => "«unknown»".into(),
        }
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> String {
        match self.file_info(span.file) {
            Some(f) => f
                .text
                .get(span.start as usize..span.end as usize)
                .unwrap_or("")
                .to_string(),
            None => String::new(),
        }
    }

    fn add_file(&mut self, path: Option<PathBuf>, name: String, text: Arc<str>) -> u32 {
        let line_index = LineIndex::new(&text);
        self.files.push(FileInfo {
            path,
            name,
            text,
            line_index,
        });
        (self.files.len() - 1) as u32
    }

    /// Parse and compile `text` as file `id`.
    fn compile_text(
        &mut self,
        id: u32,
        base_dir: &str,
        base: &FxHashMap<Symbol, Value>,
    ) -> EvalResult<ir::ExprRef> {
        let text = self.files[id as usize].text.clone();
        // The parser's tree building is quadratic in nesting depth; refuse
        // absurd nesting before parsing.
        if let Some(off) = excessive_nesting(&text, MAX_BRACKET_NESTING) {
            return Err(EvalError::new(
                ErrorKind::Parse,
                format!("expression nested more than {MAX_BRACKET_NESTING} levels deep"),
                Span {
                    file: id,
                    start: off as u32,
                    end: off as u32,
                },
            ));
        }
        // Nix ends a `#` comment at a lone CR too (old Mac line ends); the
        // parser only at LF. A lone CR means a line end everywhere in Nix
        // (strings translate it to LF), so make it one: same offsets.
        let parsed = if has_lone_cr(&text) {
            crate::syntax::parse(&lone_cr_to_lf(&text))
        } else {
            crate::syntax::parse(&text)
        };
        let res = self.compile_parsed(id, base_dir, base, &parsed);
        drop_tree(parsed, text.len());
        res
    }

    /// Compile the tree of file `id` (its first syntax error is the error).
    fn compile_parsed(
        &mut self,
        id: u32,
        base_dir: &str,
        base: &FxHashMap<Symbol, Value>,
        parsed: &crate::syntax::Parsed,
    ) -> EvalResult<ir::ExprRef> {
        if let Some(e) = parsed.errors.first() {
            let span = Span {
                file: id,
                start: e.range.start().into(),
                end: e.range.end().into(),
            };
            let e = SyntaxMessage(e.message.clone());
            return Err(EvalError::new(
                ErrorKind::Parse,
                format!("syntax error, {e}"),
                span,
            ));
        }
        let home = self.home.clone();
        let mut c = compile::Compiler::new(id, base_dir, &home, base);
        c.compile_root(&parsed.root())
            .map_err(|e| self.fix_markers(e))
    }

    fn fix_markers(&self, mut e: EvalError) -> EvalError {
        let msg = compile::resolve_pos_markers(&e.0.message, |f, o| {
            self.format_pos(Span {
                file: f,
                start: o,
                end: o,
            })
            .replace("«string»", "(string)")
        });
        e.0.message = msg;
        e
    }

    /// Evaluate an expression given as text; relative paths resolve against
    /// `base_dir`. Returns the value in weak head normal form.
    pub fn eval_expr_str(&mut self, src: &str, base_dir: &Path) -> EvalResult<Value> {
        let id = self.add_file(None, "«string»".into(), Arc::from(src));
        let base_dir = abs_dir(base_dir);
        let base = self.base.clone();
        let e = self.compile_text(id, &base_dir, &base)?;
        let env = Frame::new(None, value::Slots::Empty);
        self.eval(&e, &env)
    }

    /// Parse and compile `src` (syntax errors, undefined variables,
    /// duplicate attributes) without evaluating it, like
    /// `nix-instantiate --parse`.
    pub fn check_expr_str(&mut self, src: &str, base_dir: &Path) -> EvalResult<()> {
        let id = self.add_file(None, "«stdin»".into(), Arc::from(src));
        let base_dir = abs_dir(base_dir);
        let base = self.base.clone();
        self.compile_text(id, &base_dir, &base).map(|_| ())
    }

    /// Evaluate a file (a directory means its `default.nix`), with the import
    /// cache. Returns the value in weak head normal form.
    pub fn eval_file(&mut self, path: &Path) -> EvalResult<Value> {
        let v = self.import_value(path, Span::NONE)?;
        self.force(&v)
    }

    /// The (lazy) value of a file, cached per canonical path.
    pub(crate) fn import_value(&mut self, path: &Path, span: Span) -> EvalResult<Value> {
        let mut p = self.resolve_file(path, span)?;
        if p.is_dir() {
            p = p.join("default.nix");
        }
        if let Some(v) = self.import_cache.get(&p) {
            return Ok(v.clone());
        }
        let base = self.base.clone();
        let e = self.load_and_compile(&p, &base, span)?;
        let v = Thunk::new_expr(e, Frame::new(None, value::Slots::Empty));
        self.import_cache.insert(p, v.clone());
        Ok(v)
    }

    pub(crate) fn load_and_compile(
        &mut self,
        p: &Path,
        base: &FxHashMap<Symbol, Value>,
        span: Span,
    ) -> EvalResult<ir::ExprRef> {
        if let Some(text) = p
            .to_str()
            .and_then(|s| s.strip_prefix(COREPKGS))
            .and_then(corepkg)
        {
            let id = self.add_file(Some(p.to_path_buf()), p.display().to_string(), text.into());
            return self.compile_text(id, COREPKGS.trim_end_matches('/'), base);
        }
        self.check_access(p, span)?;
        let dir = p
            .parent()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        if let Some(tree) = self.opts.preparsed.as_ref().and_then(|m| m.get(p))
            && !tree.has_errors()
        {
            let (text, parsed) = (tree.text().clone(), tree.get());
            if excessive_nesting(&text, MAX_BRACKET_NESTING).is_none() && !has_lone_cr(&text) {
                let id = self.add_file(Some(p.to_path_buf()), p.display().to_string(), text);
                return self.compile_parsed(id, &dir, base, &parsed);
            }
        }
        let bytes = std::fs::read(p).map_err(|e| {
            EvalError::eval(
                format!("getting status of '{}': {}", p.display(), io_msg(&e)),
                span,
            )
        })?;
        let text = crate::syntax::decode_source(bytes)
            .map_err(|e| EvalError::eval(format!("{}: {e}", p.display()), span))?;
        let id = self.add_file(
            Some(p.to_path_buf()),
            p.display().to_string(),
            Arc::from(text),
        );
        self.compile_text(id, &dir, base)
    }

    /// Make a path absolute and canonical (following symlinks when the file
    /// exists), checking access rules.
    pub(crate) fn resolve_file(&self, path: &Path, span: Span) -> EvalResult<PathBuf> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .unwrap_or_else(|_| PathBuf::from("/"))
                .join(path)
        };
        if abs
            .to_str()
            .and_then(|s| s.strip_prefix(COREPKGS))
            .and_then(corepkg)
            .is_some()
        {
            return Ok(abs);
        }
        self.check_access(&abs, span)?;
        let canon = std::fs::canonicalize(&abs).map_err(|e| {
            EvalError::eval(
                format!("getting status of '{}': {}", abs.display(), io_msg(&e)),
                span,
            )
        })?;
        self.check_access(&canon, span)?;
        Ok(canon)
    }

    /// Whether file access to `p` is allowed (pure mode / confinement).
    pub(crate) fn check_access(&self, p: &Path, span: Span) -> EvalResult<()> {
        if !(self.opts.pure || self.opts.confine_to_root) {
            return Ok(());
        }
        let canon = PathBuf::from(compile::canon_path(&p.to_string_lossy()));
        if canon.starts_with(&self.root_dir)
            || self.extra_roots.iter().any(|r| canon.starts_with(r))
        {
            return Ok(());
        }
        // Inside the root once symlinks in the root itself are resolved.
        if let Ok(c) = std::fs::canonicalize(&canon)
            && c.starts_with(&self.root_dir)
        {
            return Ok(());
        }
        Err(EvalError::eval(
            format!(
                "access to absolute path '{}' is forbidden in pure eval mode (use '--impure' to override)",
                canon.display()
            ),
            span,
        ))
    }

    /// Apply `v` to automatic arguments the way `nix-instantiate` does: a
    /// function with formals is called with the arguments it names (all of
    /// them if it has `...`); other values are returned unchanged.
    pub fn auto_call(&mut self, v: &Value, args: &Attrs) -> EvalResult<Value> {
        let f = self.force(v)?;
        match &f {
            Value::Lambda(c) => {
                if let ir::Param::Formals(fs) = &c.def.param {
                    let chosen: Vec<(Symbol, Value)> = if fs.ellipsis {
                        args.iter().cloned().collect()
                    } else {
                        let mut out = Vec::new();
                        for formal in &fs.entries {
                            match args.get(formal.name) {
                                Some(a) => out.push((formal.name, a.clone())),
                                None if formal.default.is_none() => {
                                    return Err(EvalError::eval(
                                        format!(
                                            "cannot evaluate a function that has an argument without a value ('{}')",
                                            formal.name
                                        ),
                                        c.def.span,
                                    ));
                                }
                                None => {}
                            }
                        }
                        out
                    };
                    let arg = Value::attrs(Attrs::from_unsorted(chosen));
                    let r = self.call(&f, arg, Span::NONE)?;
                    self.force(&r)
                } else {
                    Ok(f)
                }
            }
            Value::Attrs(a) if a.contains(self.syms.functor) => {
                // Like Nix: apply the functor to the set, then auto-call that.
                let functor = a.get(self.syms.functor).cloned().unwrap_or(Value::Null);
                let g = self.call(&functor, f.clone(), Span::NONE)?;
                self.depth += 1;
                if self.depth > self.opts.max_depth {
                    self.depth -= 1;
                    return Err(EvalError::new(
                        ErrorKind::Limit,
                        "stack overflow (possible infinite recursion)",
                        Span::NONE,
                    ));
                }
                let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.auto_call(&g, args));
                self.depth -= 1;
                r
            }
            _ => Ok(f),
        }
    }

    /// Follow an attribute path like `nix-instantiate -A` does (`a.b.0`:
    /// numbers index lists): functions met along the way are auto-called
    /// with `args`, and so is the result when `args` is not empty.
    pub fn select_attr_path(&mut self, v: &Value, path: &str, args: &Attrs) -> EvalResult<Value> {
        let mut cur = self.force(v)?;
        let comps = if path.is_empty() {
            Vec::new()
        } else {
            split_attr_path(path)
        };
        for comp in comps {
            cur = self.auto_call(&cur, args)?;
            match &cur {
                Value::List(l) => {
                    let idx: usize = comp.parse().map_err(|_| {
                        EvalError::eval(
                            format!("the expression selected by the selection path '{path}' should be a set but is a list"),
                            Span::NONE,
                        )
                    })?;
                    let item = l.get(idx).cloned().ok_or_else(|| {
                        EvalError::eval(
                            format!("list index {idx} in selection path '{path}' is out of range"),
                            Span::NONE,
                        )
                    })?;
                    cur = self.force(&item)?;
                }
                Value::Attrs(a) => {
                    let item = a.get(Symbol::new(&comp)).cloned().ok_or_else(|| {
                        EvalError::eval(
                            format!("attribute '{comp}' in selection path '{path}' not found"),
                            Span::NONE,
                        )
                    })?;
                    cur = self.force(&item)?;
                }
                Value::Unknown(u) => {
                    cur = Value::Unknown(Unknown::new(UnknownKind::Select(u.clone(), comp)));
                }
                other => {
                    return Err(EvalError::eval(
                        format!(
                            "the expression selected by the selection path '{path}' should be a set but is {}",
                            other.type_desc()
                        ),
                        Span::NONE,
                    ));
                }
            }
        }
        if args.is_empty() {
            Ok(cur)
        } else {
            self.auto_call(&cur, args)
        }
    }
}

struct SyntaxMessage(String);

impl std::fmt::Display for SyntaxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Dropping a rowan tree recurses once per nesting level; drop big trees
/// on a stack sized for the worst case (lazily committed).
fn drop_tree(parsed: crate::syntax::Parsed, text_len: usize) {
    if text_len > 2000 {
        stacker::grow(text_len * 512 + (1 << 20), move || drop(parsed));
    }
}

/// Deepest bracket nesting the evaluator accepts.
const MAX_BRACKET_NESTING: usize = 2000;

/// Offset where bracket nesting (`(`, `[`, `{`, `${`) first exceeds
/// `limit`, skipping comments and string bodies roughly.
fn excessive_nesting(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
                        // Interpolations nest too; count them as one level.
                        break;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Split `a.b."c.d".0` into components.
fn split_attr_path(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in p.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn abs_dir(p: &Path) -> String {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(p)
    };
    compile::canon_path(&abs.to_string_lossy())
}

pub(crate) fn io_msg(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

/// Whether `text` has a CR not followed by LF.
fn has_lone_cr(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'\r' && b.get(i + 1) != Some(&b'\n'))
}

/// `text` with every CR not followed by LF replaced by LF.
fn lone_cr_to_lf(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\r' && it.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
