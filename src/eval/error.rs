//! Evaluation errors.

use std::rc::Rc;

use super::symbolic::Unknown;

/// A source location inside a file known to the evaluator
/// (see [`super::Evaluator::file_info`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// No location.
    pub const NONE: Span = Span {
        file: u32::MAX,
        start: 0,
        end: 0,
    };

    pub fn is_none(&self) -> bool {
        self.file == u32::MAX
    }
}

/// What kind of failure an [`EvalError`] is. `builtins.tryEval` catches only
/// `Throw` and `Assert`, as Nix does.
#[derive(Clone, Debug)]
pub enum ErrorKind {
    /// `throw`.
    Throw,
    /// A failed `assert`.
    Assert,
    /// `abort`.
    Abort,
    /// A thunk needed its own value.
    InfiniteRecursion,
    /// Type errors, missing attributes, bad arguments and everything else.
    Eval,
    /// A parse error in a file or string being evaluated.
    Parse,
    /// The step, memory or depth budget ran out.
    Limit,
    /// Internal: an unknown value reached an operation that needs a known
    /// one. Caught at built-in and operator boundaries, where it turns into
    /// an unknown result; never reported to users.
    UnknownValue(Rc<Unknown>),
}

/// An evaluation error: message, primary location and the chain of
/// locations it came through (outermost last).
#[derive(Clone, Debug)]
pub struct EvalError(pub Box<ErrorInner>);

#[derive(Clone, Debug)]
pub struct ErrorInner {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
    /// Extra context lines ("while evaluating …"), innermost first.
    pub trace: Vec<(Span, String)>,
}

/// Result of evaluation.
pub type EvalResult<T> = Result<T, EvalError>;

impl EvalError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, span: Span) -> EvalError {
        EvalError(Box::new(ErrorInner {
            kind,
            message: message.into(),
            span,
            trace: Vec::new(),
        }))
    }

    /// A plain evaluation error.
    pub fn eval(message: impl Into<String>, span: Span) -> EvalError {
        EvalError::new(ErrorKind::Eval, message, span)
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn span(&self) -> Span {
        self.0.span
    }

    pub fn trace(&self) -> &[(Span, String)] {
        &self.0.trace
    }

    /// Attach a location if the error has none yet.
    pub fn at(mut self, span: Span) -> EvalError {
        if self.0.span.is_none() {
            self.0.span = span;
        }
        self
    }

    /// Add a context line.
    pub fn context(mut self, span: Span, msg: impl Into<String>) -> EvalError {
        if self.0.trace.len() < 64 {
            self.0.trace.push((span, msg.into()));
        }
        self
    }

    /// Whether `builtins.tryEval` catches this error.
    pub fn is_catchable(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Throw | ErrorKind::Assert)
    }

    /// The unknown value this error carries, if it is the internal
    /// unknown-propagation signal.
    pub fn as_unknown(&self) -> Option<&Rc<Unknown>> {
        match &self.0.kind {
            ErrorKind::UnknownValue(u) => Some(u),
            _ => None,
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for EvalError {}
