//! The compiled form of Nix expressions.
//!
//! The compiler ([`super::compile`]) turns the rnix syntax tree into this IR
//! once per file. Variables are resolved at compile time: lexical variables
//! become `(depth, index)` slots in environment frames ([`super::value::Frame`]),
//! names not bound lexically but under a `with` become dynamic lookups through
//! the enclosing `with` frames only, and built-ins become constants.

use std::mem::ManuallyDrop;
use std::rc::Rc;

use super::error::Span;
use super::symbol::Symbol;
use super::value::Value;

/// A shared reference to a compiled expression. Dropping a deep tree does
/// not recurse on the native stack without bound (see the `Drop` impl).
pub struct ExprRef(ManuallyDrop<Rc<Expr>>);

impl ExprRef {
    pub fn new(e: Expr) -> ExprRef {
        ExprRef(ManuallyDrop::new(Rc::new(e)))
    }
}

impl Clone for ExprRef {
    #[inline]
    fn clone(&self) -> Self {
        ExprRef(ManuallyDrop::new(Rc::clone(&self.0)))
    }
}

impl std::ops::Deref for ExprRef {
    type Target = Expr;
    #[inline]
    fn deref(&self) -> &Expr {
        &self.0
    }
}

impl Drop for ExprRef {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the field is never used again after this.
        let rc = unsafe { ManuallyDrop::take(&mut self.0) };
        if Rc::strong_count(&rc) == 1 {
            drop_last(rc);
        }
    }
}

#[cold]
fn drop_last(rc: Rc<Expr>) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, move || drop(rc));
}

/// A compiled expression.
pub enum Expr {
    /// A literal or a built-in constant. If the value is a thunk (scope values
    /// of `scopedImport`, unknown bindings), evaluating the expression forces it.
    Const(Value),
    /// A lexical variable: slot `idx` of the frame `depth` levels up.
    Var {
        depth: u32,
        idx: u32,
    },
    /// A variable bound only by enclosing `with`s. `withs` are the depths of
    /// the `with` frames, innermost first.
    WithVar {
        name: Symbol,
        withs: Box<[u32]>,
        span: Span,
    },
    Lambda(Rc<LambdaDef>),
    Apply {
        f: ExprRef,
        arg: ExprRef,
        span: Span,
    },
    /// `e.a.b` / `e.a.b or default`.
    Select {
        e: ExprRef,
        path: Box<[AttrName]>,
        default: Option<ExprRef>,
        span: Span,
    },
    /// `e ? a.b`.
    HasAttr {
        e: ExprRef,
        path: Box<[AttrName]>,
        span: Span,
    },
    Attrs(Rc<AttrsDef>),
    Let(Rc<LetDef>),
    /// `with scope; body`: the body runs in a one-slot frame holding the scope.
    With {
        scope: ExprRef,
        body: ExprRef,
    },
    If {
        cond: ExprRef,
        then: ExprRef,
        else_: ExprRef,
        span: Span,
    },
    Assert {
        cond: ExprRef,
        body: ExprRef,
        span: Span,
    },
    List(Box<[ExprRef]>),
    Bin {
        op: BinOp,
        l: ExprRef,
        r: ExprRef,
        span: Span,
    },
    Not(ExprRef, Span),
    /// String interpolation (`force_string`) or path interpolation; the
    /// first part decides the result type as in Nix's string concatenation.
    Concat {
        parts: Box<[(ExprRef, Span)]>,
        force_string: bool,
        span: Span,
    },
    /// `__curPos`.
    CurPos(Span),
}

/// Binary operators. `+` covers numbers, strings and paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    And,
    Or,
    Impl,
    Update,
    ConcatLists,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Less => "<",
            BinOp::LessEq => "<=",
            BinOp::Greater => ">",
            BinOp::GreaterEq => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Impl => "->",
            BinOp::Update => "//",
            BinOp::ConcatLists => "++",
        }
    }
}

/// One component of an attribute path.
pub enum AttrName {
    Static(Symbol),
    /// `${e}` or `"…${e}…"`.
    Dynamic(ExprRef),
}

/// A function literal.
pub struct LambdaDef {
    /// The name it was bound to, for messages.
    pub name: Option<Symbol>,
    pub param: Param,
    pub body: ExprRef,
    pub span: Span,
}

pub enum Param {
    /// `x: …` — one slot.
    Ident,
    /// `{ a, b ? d, ... } @ x: …` — slots: the formals in order, then `x`.
    Formals(Formals),
}

pub struct Formals {
    /// In source order; slot `i` holds formal `i`.
    pub entries: Vec<Formal>,
    /// Symbol ids of the formals, sorted, for membership tests.
    pub sorted_ids: Vec<u32>,
    pub ellipsis: bool,
    pub at: Option<Symbol>,
}

pub struct Formal {
    pub name: Symbol,
    pub default: Option<ExprRef>,
    /// The name's position (`unsafeGetAttrPos` on `functionArgs`).
    pub span: Span,
}

/// An attribute set literal (after merging nested attribute paths).
pub struct AttrsDef {
    pub rec: bool,
    /// Static attributes sorted by symbol id. For `rec` sets slot `i` of the
    /// set's frame holds `statics[i]`.
    pub statics: Vec<StaticAttr>,
    pub dynamics: Vec<DynamicAttr>,
}

pub struct StaticAttr {
    pub name: Symbol,
    pub value: ExprRef,
    /// `inherit x;` in a `rec` set: evaluated in the enclosing environment.
    pub inherited: bool,
    pub span: Span,
}

pub struct DynamicAttr {
    pub key: ExprRef,
    pub value: ExprRef,
    pub span: Span,
}

/// `let … in body`: one frame whose slots are the bindings.
pub struct LetDef {
    /// Binding values; `true` marks `inherit x;` (evaluated in the enclosing
    /// environment).
    pub bindings: Vec<(ExprRef, bool)>,
    pub body: ExprRef,
}
