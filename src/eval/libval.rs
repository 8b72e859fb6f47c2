//! The `lib` value symbolic evaluation hands out where lib would otherwise
//! be unknown (see [`super::prelude::LibConfig`] for how it is chosen).
//!
//! The lib is built once per evaluator, on first use. Attributes missing
//! from the prelude (a subset of nixpkgs lib) evaluate to unknowns such as
//! `«unknown lib.fileset»`; missing attributes of a real nixpkgs lib are
//! errors, as in Nix.

use std::rc::Rc;
use std::sync::Arc;

use super::prelude::{LIB_FILE_NAME, LIB_SOURCE, PRELUDE_NAMESPACES};
use super::symbolic::{Unknown, UnknownKind};
use super::value::{Attrs, Frame, Slots, Value};
use super::{EvalResult, Evaluator, Span, Symbol};

/// The lib of an evaluator.
pub(crate) enum LibState {
    NotBuilt,
    /// Being built (a use of lib while building it stays unknown).
    Building,
    /// Could not be built (e.g. the step budget ran out): lib stays unknown.
    Failed,
    Built(Box<BuiltLib>),
}

pub(crate) struct BuiltLib {
    /// `lib` (for `pkgs.lib` and `lib` formals).
    lib: Value,
    /// `nixpkgs.lib` of a flake input: `lib` plus the attributes nixpkgs'
    /// flake adds (`nixosSystem`, `nixos`), unknown.
    flake: Value,
    /// Which lib this is, for messages.
    description: String,
}

/// What an unknown with a `lib` attribute stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LibOrigin {
    /// A package set (`pkgs`, `nixpkgs.legacyPackages.<system>`).
    Pkgs,
    /// The nixpkgs flake input.
    Flake,
}

impl Evaluator {
    /// The lib symbolic evaluation uses where lib is not otherwise
    /// available, built on first use; `None` when [`super::EvalOptions::lib`]
    /// is `None` (lib stays unknown).
    pub fn default_lib(&mut self) -> Option<Value> {
        self.ensure_lib();
        match &self.lib_state {
            LibState::Built(b) => Some(b.lib.clone()),
            _ => None,
        }
    }

    /// [`Evaluator::default_lib`] as a value that builds the lib only when
    /// forced; `None` when lib stays unknown.
    pub fn lazy_lib(&self) -> Option<Value> {
        self.opts.lib.as_ref()?;
        if let LibState::Built(b) = &self.lib_state {
            return Some(b.lib.clone());
        }
        Some(super::value::Thunk::new_native(|ev: &mut Evaluator| {
            Ok(ev.default_lib().unwrap_or_else(|| Unknown::value("lib")))
        }))
    }

    /// Which lib [`Evaluator::default_lib`] gave (`None` if it was not
    /// built): the nixpkgs lib directory, or the prelude and why.
    pub fn lib_description(&self) -> Option<&str> {
        match &self.lib_state {
            LibState::Built(b) => Some(&b.description),
            _ => None,
        }
    }

    fn flake_lib(&mut self) -> Option<Value> {
        self.ensure_lib();
        match &self.lib_state {
            LibState::Built(b) => Some(b.flake.clone()),
            _ => None,
        }
    }

    fn ensure_lib(&mut self) {
        if !matches!(self.lib_state, LibState::NotBuilt) {
            return;
        }
        let Some(cfg) = self.opts.lib.clone() else {
            return;
        };
        self.lib_state = LibState::Building;
        let mut note = None;
        if let Some(dir) = &cfg.nixpkgs_lib {
            match self.build_nixpkgs_lib(dir) {
                Ok(lib) => {
                    let flake = self.with_flake_attrs(&lib);
                    self.lib_state = LibState::Built(Box::new(BuiltLib {
                        lib,
                        flake,
                        description: format!("nixpkgs lib at {}", dir.display()),
                    }));
                    return;
                }
                Err(e) => note = Some(format!("{} failed to evaluate: {e}", dir.display())),
            }
        }
        match self.build_prelude() {
            Ok(lib) => {
                let description = match note {
                    Some(n) => format!("nixfold's lib prelude ({n})"),
                    None => "nixfold's lib prelude".to_string(),
                };
                self.lib_state = LibState::Built(Box::new(BuiltLib {
                    flake: lib.clone(),
                    lib,
                    description,
                }));
            }
            // Cannot happen with a working evaluator (tests evaluate the
            // prelude); lib then stays unknown.
            Err(_) => self.lib_state = LibState::Failed,
        }
    }

    fn build_nixpkgs_lib(&mut self, dir: &std::path::Path) -> EvalResult<Value> {
        // The lib reads files of its nixpkgs tree (`../.version`).
        let tree = dir.parent().unwrap_or(dir).to_path_buf();
        let tree = std::fs::canonicalize(&tree).unwrap_or(tree);
        if !self.extra_roots.contains(&tree) {
            self.extra_roots.push(tree);
        }
        let v = self.eval_file(dir)?;
        match &v {
            Value::Attrs(_) => Ok(v),
            other => Err(super::EvalError::eval(
                format!("lib is {}, not a set", other.type_desc()),
                Span::NONE,
            )),
        }
    }

    fn build_prelude(&mut self) -> EvalResult<Value> {
        let id = self.add_file(None, LIB_FILE_NAME.into(), Arc::from(LIB_SOURCE));
        // Parsed once per process (the tree is immutable and shared);
        // compiled per evaluator, against its globals.
        static PARSED: std::sync::OnceLock<crate::syntax::Parsed> = std::sync::OnceLock::new();
        let parsed = PARSED.get_or_init(|| crate::syntax::parse(LIB_SOURCE));
        let base = self.base.clone();
        let home = self.home.clone();
        let e = super::compile::Compiler::new(id, "/", &home, &base)
            .compile_root(&parsed.root())
            .map_err(|e| self.fix_markers(e))?;
        let v = self.eval(&e, &Frame::new(None, Slots::Empty))?;
        let v = self.force(&v)?;
        let Value::Attrs(top) = &v else {
            return Err(super::EvalError::eval(
                "the lib prelude is not a set",
                Span::NONE,
            ));
        };
        self.lib_soft
            .insert(Rc::as_ptr(top) as *const u8 as usize, Rc::from("lib"));
        for ns in PRELUDE_NAMESPACES {
            let Some(x) = top.get_str(ns).cloned() else {
                continue;
            };
            if let Value::Attrs(a) = self.force(&x)? {
                self.lib_soft.insert(
                    Rc::as_ptr(&a) as *const u8 as usize,
                    Rc::from(format!("lib.{ns}")),
                );
                if *ns == "types"
                    && let Some(ints) = a.get_str("ints").cloned()
                    && let Value::Attrs(i) = self.force(&ints)?
                {
                    self.lib_soft.insert(
                        Rc::as_ptr(&i) as *const u8 as usize,
                        Rc::from("lib.types.ints"),
                    );
                }
            }
        }
        Ok(v)
    }

    /// `lib` extended like nixpkgs' flake extends it, with unknowns.
    fn with_flake_attrs(&mut self, lib: &Value) -> Value {
        let Value::Attrs(a) = lib else {
            return lib.clone();
        };
        let extra: Vec<(Symbol, Value)> = ["nixosSystem", "nixos"]
            .iter()
            .filter(|n| a.get_str(n).is_none())
            .map(|n| (Symbol::new(n), unknown_member("lib", n)))
            .collect();
        if extra.is_empty() {
            return lib.clone();
        }
        Value::attrs(a.update(&Attrs::from_unsorted(extra)))
    }

    /// For `a.name` with `a` a set that is missing `name`: the unknown it
    /// stands for when `a` is (a namespace of) the prelude.
    pub(crate) fn soft_missing(&self, a: &Rc<Attrs>, name: Symbol) -> Option<Value> {
        if self.lib_soft.is_empty() {
            return None;
        }
        let prov = self.lib_soft.get(&(Rc::as_ptr(a) as *const u8 as usize))?;
        Some(unknown_member(prov, name.as_str()))
    }

    /// `u.name` for an unknown `u`: lib where `u` is a package set or the
    /// nixpkgs input and `name` is `lib`, otherwise a new unknown.
    pub(crate) fn select_unknown(&mut self, u: &Rc<Unknown>, name: String) -> Value {
        if name == "lib" && self.opts.lib.is_some() {
            let lib = match self.lib_origin(u, 0) {
                Some(LibOrigin::Pkgs) => self.default_lib(),
                Some(LibOrigin::Flake) => self.flake_lib(),
                None => None,
            };
            if let Some(l) = lib {
                return l;
            }
        }
        Value::Unknown(Unknown::new(UnknownKind::Select(u.clone(), name)))
    }

    /// The value of formal `name` of a function called with the unknown
    /// argument `u`: lib for `lib`, otherwise `u.name`.
    pub(crate) fn unknown_formal(&mut self, u: &Rc<Unknown>, name: &str) -> Value {
        if name == "lib"
            && let Some(l) = self.lazy_lib()
        {
            return l;
        }
        Value::Unknown(Unknown::new(UnknownKind::Select(u.clone(), name.into())))
    }

    fn lib_origin(&self, u: &Unknown, depth: u32) -> Option<LibOrigin> {
        if depth > 8 {
            return None;
        }
        let cfg = self.opts.lib.as_ref()?;
        let strip = |n: &str| -> String { n.strip_prefix("arg:").unwrap_or(n).to_string() };
        match &u.kind {
            UnknownKind::Root(n) => {
                let n = strip(n);
                if n == "pkgs" {
                    Some(LibOrigin::Pkgs)
                } else if cfg.is_nixpkgs_input(n.strip_prefix("inputs.").unwrap_or(&n)) {
                    Some(LibOrigin::Flake)
                } else {
                    None
                }
            }
            UnknownKind::Select(inner, name) => match &inner.kind {
                // `inputs.nixpkgs`
                UnknownKind::Root(r) if strip(r) == "inputs" && cfg.is_nixpkgs_input(name) => {
                    Some(LibOrigin::Flake)
                }
                // `nixpkgs.legacyPackages.<system>`
                UnknownKind::Select(g, lp)
                    if lp == "legacyPackages"
                        && self.lib_origin(g, depth + 1) == Some(LibOrigin::Flake) =>
                {
                    Some(LibOrigin::Pkgs)
                }
                _ => None,
            },
            // `import nixpkgs { … }`
            UnknownKind::Apply(f, _) => match &f.kind {
                UnknownKind::Builtin("import", src)
                    if self.lib_origin(src, depth + 1) == Some(LibOrigin::Flake) =>
                {
                    Some(LibOrigin::Pkgs)
                }
                _ => None,
            },
            _ => None,
        }
    }
}

fn unknown_member(prov: &str, name: &str) -> Value {
    Value::Unknown(Unknown::new(UnknownKind::Select(
        Unknown::root(prov),
        name.to_string(),
    )))
}
