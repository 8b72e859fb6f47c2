//! Errors, strictness and tracing.

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{ErrorKind, EvalError, EvalResult, Span};
use crate::eval::print::print_value;
use crate::eval::value::{Attrs, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::global("abort", 1, abort),
    PrimOpDef::global("throw", 1, throw),
    PrimOpDef::new("seq", 2, seq),
    PrimOpDef::new("deepSeq", 2, deep_seq),
    PrimOpDef::new("trace", 2, trace),
    PrimOpDef::new("tryEval", 1, try_eval),
    PrimOpDef::new("addErrorContext", 2, add_error_context),
];

fn abort(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.coerce_to_string_simple(&args[0], false, span)?;
    Err(EvalError::new(
        ErrorKind::Abort,
        format!(
            "evaluation aborted with the following error message: '{}'",
            s.s
        ),
        span,
    ))
}

fn throw(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.coerce_to_string_simple(&args[0], false, span)?;
    Err(EvalError::new(ErrorKind::Throw, s.s, span))
}

fn seq(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    ev.force(&args[0])?;
    ev.force(&args[1])
}

fn deep_seq(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    ev.force_deep(&args[0])?;
    ev.force(&args[1])
}

fn trace(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    let m = ev.force(&args[0])?;
    let msg = match &m {
        Value::String(s) => s.s.clone(),
        other => print_value(other, false),
    };
    ev.emit_trace(&msg);
    ev.force(&args[1])
}

fn try_eval(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    let depth = ev.depth;
    let (ok, value) = match ev.force(&args[0]) {
        Ok(v) => (true, v),
        Err(e) if e.is_catchable() => {
            ev.depth = depth;
            (false, Value::Bool(false))
        }
        Err(e) => return Err(e),
    };
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        (ev.syms.success, Value::Bool(ok)),
        (ev.syms.value, value),
    ])))
}

fn add_error_context(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    match ev.force(&args[1]) {
        Ok(v) => Ok(v),
        Err(e) => {
            let msg = ev
                .coerce_to_string_simple(&args[0], false, span)
                .map(|s| s.s)
                .unwrap_or_default();
            Err(e.context(span, msg))
        }
    }
}
