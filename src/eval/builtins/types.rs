//! Type predicates and `typeOf`.

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{EvalResult, Span};
use crate::eval::value::Value;

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("isAttrs", 1, is_attrs),
    PrimOpDef::new("isBool", 1, is_bool),
    PrimOpDef::new("isFloat", 1, is_float),
    PrimOpDef::new("isFunction", 1, is_function),
    PrimOpDef::new("isInt", 1, is_int),
    PrimOpDef::new("isList", 1, is_list),
    PrimOpDef::global("isNull", 1, is_null),
    PrimOpDef::new("isPath", 1, is_path),
    PrimOpDef::new("isString", 1, is_string),
    PrimOpDef::new("typeOf", 1, type_of),
];

fn pred(ev: &mut Evaluator, args: &[Value], f: fn(&Value) -> bool) -> EvalResult<Value> {
    let v = ev.force_known(&args[0])?;
    Ok(Value::Bool(f(&v)))
}

fn is_attrs(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::Attrs(_)))
}

fn is_bool(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::Bool(_)))
}

fn is_float(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::Float(_)))
}

fn is_function(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, Value::is_function)
}

fn is_int(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::Int(_)))
}

fn is_list(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::List(_)))
}

fn is_null(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::Null))
}

fn is_path(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::Path(_)))
}

fn is_string(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    pred(ev, args, |v| matches!(v, Value::String(_)))
}

fn type_of(ev: &mut Evaluator, args: &[Value], _: Span) -> EvalResult<Value> {
    let v = ev.force_known(&args[0])?;
    Ok(Value::string(v.type_name()))
}
