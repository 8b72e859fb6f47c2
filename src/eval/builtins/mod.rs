//! Built-in functions and constants.
//!
//! Each area has its own file exporting a `PRIMOPS` table of [`PrimOpDef`]s;
//! [`TABLES`] lists the tables. To add a built-in: write a function with the
//! [`PrimOpFn`] signature in the right file (or a new one), add a
//! `PrimOpDef::new("name", arity, func)` line to that file's table, and, for
//! a new file, one line to [`TABLES`]. Arguments arrive unevaluated; force
//! them with the `force_*` helpers below, which also turn unknown (symbolic)
//! arguments into unknown results automatically.

mod attrs;
mod context;
mod control;
pub(crate) mod derivation;
mod fetch;
mod json;
mod json_parse;
mod lists;
mod numbers;
mod paths;
pub use paths::split_nix_path;
mod strings;
mod types;

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::Evaluator;
use super::error::{EvalError, EvalResult, Span};
use super::symbol::Symbol;
use super::value::{Attrs, NixString, Thunk, Value};

/// A built-in implementation: the evaluator, exactly `arity` (lazy)
/// arguments, and the call site.
pub type PrimOpFn = fn(&mut Evaluator, &[Value], Span) -> EvalResult<Value>;

/// One built-in function.
pub struct PrimOpDef {
    /// The name under `builtins.` (and, with `__` prefixed, in the global scope).
    pub name: &'static str,
    pub arity: usize,
    pub func: PrimOpFn,
    /// Also bound without prefix in the global scope (`map`, `import`, …).
    pub global: bool,
}

impl PrimOpDef {
    pub const fn new(name: &'static str, arity: usize, func: PrimOpFn) -> PrimOpDef {
        PrimOpDef {
            name,
            arity,
            func,
            global: false,
        }
    }

    /// A built-in that is also a global name.
    pub const fn global(name: &'static str, arity: usize, func: PrimOpFn) -> PrimOpDef {
        PrimOpDef {
            name,
            arity,
            func,
            global: true,
        }
    }
}

/// All built-in tables.
pub static TABLES: &[&[PrimOpDef]] = &[
    numbers::PRIMOPS,
    types::PRIMOPS,
    control::PRIMOPS,
    attrs::PRIMOPS,
    lists::PRIMOPS,
    strings::PRIMOPS,
    context::PRIMOPS,
    json::PRIMOPS,
    paths::PRIMOPS,
    derivation::PRIMOPS,
    fetch::PRIMOPS,
];

/// Names that are global but not built-in functions.
const GLOBAL_CONSTANTS: &[&str] = &["true", "false", "null", "builtins", "derivation"];

/// Build the global scope and the `builtins` set for `ev`.
pub(crate) fn install(ev: &mut Evaluator) {
    let mut base: FxHashMap<Symbol, Value> = FxHashMap::default();
    let mut set: Vec<(Symbol, Value)> = Vec::new();
    for table in TABLES {
        for op in table.iter() {
            let v = Value::PrimOp(op);
            base.insert(Symbol::new(&format!("__{}", op.name)), v.clone());
            if op.global {
                base.insert(Symbol::new(op.name), v.clone());
            }
            set.push((Symbol::new(op.name), v));
        }
    }
    let pure = ev.opts.pure;
    let mut constants: Vec<(&str, Value)> = vec![
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
        ("null", Value::Null),
        ("nixVersion", Value::string("2.8.0")),
        ("langVersion", Value::Int(6)),
        ("storeDir", Value::string("/nix/store")),
        ("nixPath", paths::nix_path_value(ev)),
    ];
    if !pure {
        constants.push((
            "currentSystem",
            Value::string(ev.opts.current_system.clone()),
        ));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        constants.push(("currentTime", Value::Int(now)));
    }
    for (name, v) in constants {
        let sym = Symbol::new(name);
        if GLOBAL_CONSTANTS.contains(&name) {
            base.insert(sym, v.clone());
        }
        base.insert(Symbol::new(&format!("__{name}")), v.clone());
        set.push((sym, v));
    }
    // `builtins.builtins` is `builtins` itself.
    let builtins_sym = Symbol::new("builtins");
    set.push((
        builtins_sym,
        Thunk::new_native(|ev: &mut Evaluator| Ok(ev.builtins_value.clone())),
    ));
    let builtins_value = Value::attrs(Attrs::from_unsorted(set));
    base.insert(builtins_sym, builtins_value.clone());
    ev.builtins_value = builtins_value;
    ev.base = Rc::new(base);
    // `derivation` is written in Nix on top of `derivationStrict`.
    let drv = derivation::derivation_lambda(ev);
    ev.set_global("derivation", drv.clone());
    if let Value::Attrs(a) = &ev.builtins_value {
        let mut a2 = (**a).clone();
        a2.insert(Symbol::new("derivation"), drv);
        ev.builtins_value = Value::attrs(a2);
    }
    let b = ev.builtins_value.clone();
    ev.set_global("builtins", b);
}

// ---- argument helpers -------------------------------------------------------

fn type_error(v: &Value, expected: &str, span: Span) -> EvalError {
    EvalError::eval(
        format!("value is {} while {expected} was expected", v.type_desc()),
        span,
    )
}

impl Evaluator {
    pub fn force_int(&mut self, v: &Value, span: Span) -> EvalResult<i64> {
        match self.force_known(v)? {
            Value::Int(i) => Ok(i),
            o => Err(type_error(&o, "an integer", span)),
        }
    }

    /// A number as a float (integers convert).
    pub fn force_float(&mut self, v: &Value, span: Span) -> EvalResult<f64> {
        match self.force_known(v)? {
            Value::Int(i) => Ok(i as f64),
            Value::Float(f) => Ok(f),
            o => Err(type_error(&o, "a float", span)),
        }
    }

    pub fn force_bool(&mut self, v: &Value, span: Span) -> EvalResult<bool> {
        match self.force_known(v)? {
            Value::Bool(b) => Ok(b),
            o => Err(type_error(&o, "a Boolean", span)),
        }
    }

    /// A string (no coercion), with its context.
    pub fn force_string(&mut self, v: &Value, span: Span) -> EvalResult<Rc<NixString>> {
        match self.force_known(v)? {
            Value::String(s) => Ok(s),
            o => Err(type_error(&o, "a string", span)),
        }
    }

    /// A string that must not refer to store paths.
    pub fn force_string_no_ctx(&mut self, v: &Value, span: Span) -> EvalResult<String> {
        let s = self.force_string(v, span)?;
        if !s.ctx.is_empty() {
            let first = s.ctx.iter().next().cloned().unwrap_or_default();
            return Err(EvalError::eval(
                format!(
                    "the string '{}' is not allowed to refer to a store path (such as '{}')",
                    s.s,
                    first.trim_start_matches('=')
                ),
                span,
            ));
        }
        Ok(s.s.clone())
    }

    pub fn force_list(&mut self, v: &Value, span: Span) -> EvalResult<Rc<super::value::List>> {
        match self.force_known(v)? {
            Value::List(l) => Ok(l),
            o => Err(type_error(&o, "a list", span)),
        }
    }

    pub fn force_attrs(&mut self, v: &Value, span: Span) -> EvalResult<Rc<Attrs>> {
        match self.force_known(v)? {
            Value::Attrs(a) => Ok(a),
            o => Err(type_error(&o, "a set", span)),
        }
    }

    /// A function (lambda, built-in or functor set), returned forced.
    pub fn force_function(&mut self, v: &Value, span: Span) -> EvalResult<Value> {
        let f = self.force_known(v)?;
        match &f {
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(f),
            Value::Attrs(a) if a.contains(self.syms.functor) => Ok(f),
            o => Err(type_error(o, "a function", span)),
        }
    }

    /// Call `f` with two arguments.
    pub fn call2(&mut self, f: &Value, a: Value, b: Value, span: Span) -> EvalResult<Value> {
        let g = self.call(f, a, span)?;
        self.call(&g, b, span)
    }

    /// `toString`-style coercion of a forced or lazy value.
    pub fn coerce_to_string_simple(
        &mut self,
        v: &Value,
        coerce_more: bool,
        span: Span,
    ) -> EvalResult<NixString> {
        let mut ctx = super::value::Context::default();
        let s = self.coerce_to_string(v, &mut ctx, coerce_more, false, span)?;
        Ok(NixString { s, ctx })
    }

    /// Coerce to a path string (a path value, or a string holding an
    /// absolute path).
    pub fn coerce_to_path(&mut self, v: &Value, span: Span) -> EvalResult<String> {
        let v = self.force_known(v)?;
        if let Value::Path(p) = &v {
            return Ok(p.to_string());
        }
        let s = self.coerce_to_string_simple(&v, false, span)?;
        if !s.s.starts_with('/') {
            return Err(EvalError::eval(
                format!("string '{}' doesn't represent an absolute path", s.s),
                span,
            ));
        }
        // A store path nixfold computed (nothing is in the store): its
        // source.
        Ok(self.unstore_path(&s.s))
    }
}
