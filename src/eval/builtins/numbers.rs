//! Arithmetic, bit operations and comparison.

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::ir::BinOp;
use crate::eval::value::Value;

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("add", 2, add),
    PrimOpDef::new("sub", 2, sub),
    PrimOpDef::new("mul", 2, mul),
    PrimOpDef::new("div", 2, div),
    PrimOpDef::new("bitAnd", 2, bit_and),
    PrimOpDef::new("bitOr", 2, bit_or),
    PrimOpDef::new("bitXor", 2, bit_xor),
    PrimOpDef::new("lessThan", 2, less_than),
    PrimOpDef::new("ceil", 1, ceil),
    PrimOpDef::new("floor", 1, floor),
];

fn numeric(ev: &mut Evaluator, op: BinOp, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_known(&args[0])?;
    let b = ev.force_known(&args[1])?;
    let is_float = matches!(a, Value::Float(_)) || matches!(b, Value::Float(_));
    if op == BinOp::Div {
        let d = ev.force_float(&b, span)?;
        if d == 0.0 {
            return Err(EvalError::eval("division by zero", span));
        }
    }
    if is_float {
        let x = ev.force_float(&a, span)?;
        let y = ev.force_float(&b, span)?;
        return Ok(Value::Float(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            _ => x / y,
        }));
    }
    let x = ev.force_int(&a, span)?;
    let y = ev.force_int(&b, span)?;
    if op == BinOp::Div && x == i64::MIN && y == -1 {
        return Err(EvalError::eval("overflow in integer division", span));
    }
    Ok(Value::Int(match op {
        BinOp::Add => x.wrapping_add(y),
        BinOp::Sub => x.wrapping_sub(y),
        BinOp::Mul => x.wrapping_mul(y),
        _ => x.wrapping_div(y),
    }))
}

fn add(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    numeric(ev, BinOp::Add, args, span)
}

fn sub(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    numeric(ev, BinOp::Sub, args, span)
}

fn mul(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    numeric(ev, BinOp::Mul, args, span)
}

fn div(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    numeric(ev, BinOp::Div, args, span)
}

fn bits(
    ev: &mut Evaluator,
    args: &[Value],
    span: Span,
    f: fn(i64, i64) -> i64,
) -> EvalResult<Value> {
    let a = ev.force_int(&args[0], span)?;
    let b = ev.force_int(&args[1], span)?;
    Ok(Value::Int(f(a, b)))
}

fn bit_and(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    bits(ev, args, span, |a, b| a & b)
}

fn bit_or(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    bits(ev, args, span, |a, b| a | b)
}

fn bit_xor(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    bits(ev, args, span, |a, b| a ^ b)
}

fn less_than(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force(&args[0])?;
    let b = ev.force(&args[1])?;
    if matches!(a, Value::Unknown(_)) || matches!(b, Value::Unknown(_)) {
        return ev.binop_values(BinOp::Less, a, b, span);
    }
    Ok(Value::Bool(ev.less_than(&a, &b, span)?))
}

fn ceil(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_float(&args[0], span)?;
    Ok(Value::Int(f.ceil() as i64))
}

fn floor(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_float(&args[0], span)?;
    Ok(Value::Int(f.floor() as i64))
}
