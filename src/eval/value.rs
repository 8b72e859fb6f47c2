//! The value model.
//!
//! A [`Value`] is 16 bytes: scalars inline, everything else behind an `Rc`.
//! Values are immutable except [`Thunk`]s, which are replaced by their result
//! the first time they are forced (and black-holed while being forced).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use super::Evaluator;
use super::builtins::PrimOpDef;
use super::error::EvalResult;
use super::ir::{AttrsDef, ExprRef, LambdaDef};
use super::symbol::Symbol;
use super::symbolic::Unknown;

/// A Nix value, possibly not yet evaluated ([`Value::Thunk`]).
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Rc<NixString>),
    /// An absolute, canonical path (no `.`/`..` components, no trailing slash).
    Path(Rc<String>),
    Attrs(Rc<Attrs>),
    List(Rc<List>),
    Lambda(Rc<Closure>),
    PrimOp(&'static PrimOpDef),
    PrimOpApp(Rc<PrimOpApp>),
    Thunk(Rc<Thunk>),
    /// A symbolic value standing for something the evaluator does not know.
    Unknown(Rc<Unknown>),
}

/// The Nix type of a forced value, as `builtins.typeOf` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Null,
    Bool,
    Int,
    Float,
    String,
    Path,
    Attrs,
    List,
    Lambda,
    Thunk,
    Unknown,
}

impl Value {
    /// A string value without context.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(Rc::new(NixString::new(s.into())))
    }

    /// A string value with context.
    pub fn string_ctx(s: impl Into<String>, ctx: Context) -> Value {
        Value::String(Rc::new(NixString { s: s.into(), ctx }))
    }

    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(List(v)))
    }

    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }

    pub fn path(p: impl Into<String>) -> Value {
        Value::Path(Rc::new(p.into()))
    }

    /// The type of this value (`Thunk` if unevaluated).
    pub fn ty(&self) -> Type {
        match self {
            Value::Null => Type::Null,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::String(_) => Type::String,
            Value::Path(_) => Type::Path,
            Value::Attrs(_) => Type::Attrs,
            Value::List(_) => Type::List,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => Type::Lambda,
            Value::Thunk(_) => Type::Thunk,
            Value::Unknown(_) => Type::Unknown,
        }
    }

    /// Nix's name for the type of a forced value, as in error messages
    /// ("a string", "an integer", ...).
    pub fn type_desc(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::PrimOp(_) => "a built-in function",
            Value::PrimOpApp(_) => "a partially applied built-in function",
            Value::Thunk(_) => "a thunk",
            Value::Unknown(_) => "an unknown value",
        }
    }

    /// `builtins.typeOf` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
            Value::Unknown(_) => "unknown",
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }

    /// The attribute set, if this (forced) value is one.
    pub fn as_attrs(&self) -> Option<&Rc<Attrs>> {
        match self {
            Value::Attrs(a) => Some(a),
            _ => None,
        }
    }

    /// The list, if this (forced) value is one.
    pub fn as_list(&self) -> Option<&Rc<List>> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The string contents, if this (forced) value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(&s.s),
            _ => None,
        }
    }

    /// If this is an evaluated thunk, its value; otherwise a clone of self.
    pub fn shallow_resolved(&self) -> Value {
        match self {
            Value::Thunk(t) => match &*t.state.borrow() {
                ThunkState::Done(v) => v.clone(),
                _ => self.clone(),
            },
            _ => self.clone(),
        }
    }

    /// Whether two values are the same heap object (used where Nix compares
    /// value pointers).
    pub fn ptr_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Thunk(a), Value::Thunk(b)) => Rc::ptr_eq(a, b),
            (Value::Attrs(a), Value::Attrs(b)) => Rc::ptr_eq(a, b),
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b),
            (Value::Lambda(a), Value::Lambda(b)) => Rc::ptr_eq(a, b),
            (Value::PrimOpApp(a), Value::PrimOpApp(b)) => Rc::ptr_eq(a, b),
            (Value::PrimOp(a), Value::PrimOp(b)) => std::ptr::eq(*a, *b),
            (Value::String(a), Value::String(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::print::print_value(self, false))
    }
}

thread_local! {
    static DROP_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Drop `x`, moving to a fresh stack segment when the current one is nearly
/// full, so that dropping deep values cannot overflow the stack. The stack
/// is only checked every 32 nested drops (each needs far less than
/// 256 KiB / 32).
#[inline]
fn drop_deep<T>(x: T) {
    let d = DROP_DEPTH.with(|c| {
        let d = c.get().wrapping_add(1);
        c.set(d);
        d
    });
    if d.is_multiple_of(32) {
        stacker::maybe_grow(256 * 1024, 2 * 1024 * 1024, move || drop(x));
    } else {
        drop(x);
    }
    DROP_DEPTH.with(|c| c.set(c.get().wrapping_sub(1)));
}

/// The elements of a list value.
#[derive(Default)]
pub struct List(pub Vec<Value>);

impl std::ops::Deref for List {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl Drop for List {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            drop_deep(std::mem::take(&mut self.0));
        }
    }
}

impl Drop for Attrs {
    fn drop(&mut self) {
        if !self.entries.is_empty() {
            drop_deep(std::mem::take(&mut self.entries));
        }
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let parent = self.parent.take();
        let slots = std::mem::take(self.slots.get_mut());
        if parent.is_some() || !slots.is_empty() {
            drop_deep((parent, slots));
        }
    }
}

impl Drop for Thunk {
    #[inline]
    fn drop(&mut self) {
        // Scalars and pending expressions need no guard (frames and
        // expressions guard themselves).
        let deep = match self.state.get_mut() {
            ThunkState::Done(v) => !matches!(
                v,
                Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::String(_)
            ),
            ThunkState::Expr(..) | ThunkState::Blackhole => false,
            ThunkState::Apply(..) | ThunkState::Native(_) => true,
        };
        if deep {
            drop_deep(std::mem::replace(
                self.state.get_mut(),
                ThunkState::Blackhole,
            ));
        }
    }
}

impl Drop for PrimOpApp {
    fn drop(&mut self) {
        drop_deep(std::mem::take(&mut self.args));
    }
}

/// String context: the store paths a string refers to, in Nix's encoding
/// (`/nix/store/…` for a plain path, `=/nix/store/….drv` for a derivation
/// with all its outputs, `!out!/nix/store/….drv` for one output).
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Context(pub Option<Rc<BTreeSet<String>>>);

impl Context {
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|s| s.is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.0.iter().flat_map(|s| s.iter())
    }

    pub fn single(elem: String) -> Context {
        let mut s = BTreeSet::new();
        s.insert(elem);
        Context(Some(Rc::new(s)))
    }

    /// Add all elements of `other`.
    pub fn extend(&mut self, other: &Context) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        let set = Rc::make_mut(self.0.as_mut().expect("non-empty"));
        for e in other.iter() {
            set.insert(e.clone());
        }
    }

    pub fn insert(&mut self, elem: String) {
        match &mut self.0 {
            Some(s) => {
                Rc::make_mut(s).insert(elem);
            }
            None => *self = Context::single(elem),
        }
    }
}

/// A string with its context.
#[derive(Clone, Debug, PartialEq)]
pub struct NixString {
    pub s: String,
    pub ctx: Context,
}

impl NixString {
    pub fn new(s: String) -> NixString {
        NixString {
            s,
            ctx: Context::default(),
        }
    }
}

/// An attribute set: entries sorted by [`Symbol`] id (not by name; use
/// [`Attrs::sorted_by_name`] for Nix's display order).
#[derive(Clone, Default)]
pub struct Attrs {
    entries: Vec<(Symbol, Value)>,
    /// The literal this set was built from, for attribute positions
    /// (`unsafeGetAttrPos`); sets computed otherwise have none.
    origin: Option<Origin>,
}

/// Where the attributes of a set were written.
#[derive(Clone)]
pub enum Origin {
    /// An attribute set literal.
    Literal(Rc<AttrsDef>),
    /// The formals of a function (`builtins.functionArgs`).
    Formals(Rc<LambdaDef>),
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs::default()
    }

    pub fn with_capacity(n: usize) -> Attrs {
        Attrs {
            entries: Vec::with_capacity(n),
            origin: None,
        }
    }

    /// Build from entries in any order; for duplicate names the first wins.
    pub fn from_unsorted(mut entries: Vec<(Symbol, Value)>) -> Attrs {
        entries.sort_by_key(|(k, _)| k.id());
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        Attrs {
            entries,
            origin: None,
        }
    }

    /// Build from entries already sorted by symbol id and without duplicates.
    pub fn from_sorted(entries: Vec<(Symbol, Value)>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].0.id() < w[1].0.id()));
        Attrs {
            entries,
            origin: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Record the literal this set was built from.
    pub fn with_origin(mut self, def: Rc<AttrsDef>) -> Attrs {
        self.origin = Some(Origin::Literal(def));
        self
    }

    /// Record the function whose formals these attributes are.
    pub fn with_formals_origin(mut self, def: Rc<LambdaDef>) -> Attrs {
        self.origin = Some(Origin::Formals(def));
        self
    }

    /// Where attribute `k` was defined, if this set came from a literal or
    /// from a function's formals.
    pub fn position_of(&self, k: Symbol) -> Option<crate::eval::Span> {
        match self.origin.as_ref()? {
            Origin::Literal(def) => def.statics.iter().find(|s| s.name == k).map(|s| s.span),
            Origin::Formals(def) => match &def.param {
                super::ir::Param::Formals(fs) => {
                    fs.entries.iter().find(|f| f.name == k).map(|f| f.span)
                }
                super::ir::Param::Ident => None,
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, k: Symbol) -> Option<&Value> {
        self.entries
            .binary_search_by_key(&k.id(), |(s, _)| s.id())
            .ok()
            .map(|i| &self.entries[i].1)
    }

    pub fn get_str(&self, k: &str) -> Option<&Value> {
        self.get(Symbol::new(k))
    }

    pub fn contains(&self, k: Symbol) -> bool {
        self.get(k).is_some()
    }

    /// Insert or replace.
    pub fn insert(&mut self, k: Symbol, v: Value) {
        match self.entries.binary_search_by_key(&k.id(), |(s, _)| s.id()) {
            Ok(i) => self.entries[i].1 = v,
            Err(i) => self.entries.insert(i, (k, v)),
        }
    }

    /// Entries in symbol-id order (fast, arbitrary but stable).
    pub fn iter(&self) -> std::slice::Iter<'_, (Symbol, Value)> {
        self.entries.iter()
    }

    pub fn entries(&self) -> &[(Symbol, Value)] {
        &self.entries
    }

    /// Entries in Nix's order: by name, bytewise.
    pub fn sorted_by_name(&self) -> Vec<&(Symbol, Value)> {
        let names = Symbol::names_of(self.entries.iter().map(|e| e.0));
        let mut v: Vec<(&'static str, &(Symbol, Value))> =
            names.into_iter().zip(self.entries.iter()).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        v.into_iter().map(|(_, e)| e).collect()
    }

    /// `self // other`: attributes of `other` win.
    pub fn update(&self, other: &Attrs) -> Attrs {
        let (a, b) = (&self.entries, &other.entries);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (ka, kb) = (a[i].0.id(), b[j].0.id());
            if ka < kb {
                out.push(a[i].clone());
                i += 1;
            } else if kb < ka {
                out.push(b[j].clone());
                j += 1;
            } else {
                out.push(b[j].clone());
                i += 1;
                j += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs {
            entries: out,
            origin: None,
        }
    }
}

/// The values of a frame; one-slot frames (lambda arguments, `with`) need
/// no second allocation.
#[derive(Default)]
pub enum Slots {
    #[default]
    Empty,
    One(Value),
    Many(Vec<Value>),
}

impl Slots {
    pub fn with_capacity(n: usize) -> Slots {
        if n <= 1 {
            Slots::Empty
        } else {
            Slots::Many(Vec::with_capacity(n))
        }
    }

    pub fn push(&mut self, v: Value) {
        match self {
            Slots::Empty => *self = Slots::One(v),
            Slots::One(_) => {
                let Slots::One(first) = std::mem::take(self) else {
                    unreachable!()
                };
                *self = Slots::Many(vec![first, v]);
            }
            Slots::Many(vs) => vs.push(v),
        }
    }

    /// Replace slot `i` (if it exists).
    pub fn set(&mut self, i: usize, v: Value) {
        match self {
            Slots::One(x) if i == 0 => *x = v,
            Slots::Many(vs) if i < vs.len() => vs[i] = v,
            _ => {}
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&Value> {
        match self {
            Slots::One(v) if i == 0 => Some(v),
            Slots::Many(vs) => vs.get(i),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Slots::Empty => 0,
            Slots::One(_) => 1,
            Slots::Many(vs) => vs.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A runtime environment frame: the values of one scope, plus the frame
/// around it.
pub struct Frame {
    pub parent: Option<Env>,
    pub slots: RefCell<Slots>,
}

/// A shared environment frame.
pub type Env = Rc<Frame>;

impl Frame {
    pub fn new(parent: Option<Env>, slots: Slots) -> Env {
        Rc::new(Frame {
            parent,
            slots: RefCell::new(slots),
        })
    }

    /// The value in slot `idx` of the frame `depth` levels up.
    #[inline]
    pub fn lookup(self: &Env, depth: u32, idx: u32) -> Option<Value> {
        let mut f = self;
        for _ in 0..depth {
            f = f.parent.as_ref()?;
        }
        f.slots.borrow().get(idx as usize).cloned()
    }
}

/// A lambda together with the environment it closes over.
pub struct Closure {
    pub def: Rc<LambdaDef>,
    pub env: Env,
}

/// A built-in applied to fewer arguments than it takes.
pub struct PrimOpApp {
    pub op: &'static PrimOpDef,
    pub args: Vec<Value>,
}

/// Native code to run when a thunk is forced.
pub type NativeThunk = Rc<dyn Fn(&mut Evaluator) -> EvalResult<Value>>;

/// A delayed computation.
pub struct Thunk {
    pub state: RefCell<ThunkState>,
}

pub enum ThunkState {
    /// Evaluate an expression in an environment.
    Expr(ExprRef, Env),
    /// Apply a function to an argument.
    Apply(Value, Value),
    /// Run native code.
    Native(NativeThunk),
    /// Being forced right now: forcing it again is infinite recursion.
    Blackhole,
    Done(Value),
}

impl Thunk {
    pub fn new_expr(e: ExprRef, env: Env) -> Value {
        Value::Thunk(Rc::new(Thunk {
            state: RefCell::new(ThunkState::Expr(e, env)),
        }))
    }

    pub fn new_apply(f: Value, arg: Value) -> Value {
        Value::Thunk(Rc::new(Thunk {
            state: RefCell::new(ThunkState::Apply(f, arg)),
        }))
    }

    pub fn new_native(f: impl Fn(&mut Evaluator) -> EvalResult<Value> + 'static) -> Value {
        Value::Thunk(Rc::new(Thunk {
            state: RefCell::new(ThunkState::Native(Rc::new(f))),
        }))
    }

    pub fn is_evaluated(&self) -> bool {
        matches!(&*self.state.borrow(), ThunkState::Done(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn attrs_update_and_lookup() {
        let a = Symbol::new("a");
        let b = Symbol::new("b");
        let c = Symbol::new("c");
        let x = Attrs::from_unsorted(vec![(b, Value::Int(2)), (a, Value::Int(1))]);
        let y = Attrs::from_unsorted(vec![(c, Value::Int(3)), (a, Value::Int(9))]);
        let z = x.update(&y);
        assert_eq!(z.len(), 3);
        assert!(matches!(z.get(a), Some(Value::Int(9))));
        assert!(matches!(z.get(b), Some(Value::Int(2))));
        let names: Vec<&str> = z.sorted_by_name().iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn first_duplicate_wins() {
        let a = Symbol::new("a");
        let x = Attrs::from_unsorted(vec![(a, Value::Int(1)), (a, Value::Int(2))]);
        assert!(matches!(x.get(a), Some(Value::Int(1))));
    }
}
