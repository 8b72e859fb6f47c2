//! String-context built-ins.

use std::collections::BTreeMap;

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::symbol::Symbol;
use crate::eval::value::{Attrs, Context, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("unsafeDiscardStringContext", 1, discard_context),
    PrimOpDef::new("hasContext", 1, has_context),
    PrimOpDef::new("getContext", 1, get_context),
    PrimOpDef::new("appendContext", 2, append_context),
    PrimOpDef::new(
        "unsafeDiscardOutputDependency",
        1,
        discard_output_dependency,
    ),
];

fn discard_context(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.coerce_to_string_simple(&args[0], false, span)?;
    Ok(Value::string(s.s))
}

fn has_context(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string(&args[0], span)?;
    Ok(Value::Bool(!s.ctx.is_empty()))
}

#[derive(Default)]
struct Info {
    path: bool,
    all_outputs: bool,
    outputs: Vec<String>,
}

fn get_context(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string(&args[0], span)?;
    let mut m: BTreeMap<String, Info> = BTreeMap::new();
    for e in s.ctx.iter() {
        if let Some(drv) = e.strip_prefix('=') {
            m.entry(drv.to_string()).or_default().all_outputs = true;
        } else if let Some(rest) = e.strip_prefix('!') {
            if let Some((out, drv)) = rest.split_once('!') {
                m.entry(drv.to_string())
                    .or_default()
                    .outputs
                    .push(out.to_string());
            }
        } else {
            m.entry(e.clone()).or_default().path = true;
        }
    }
    let entries = m
        .into_iter()
        .map(|(p, info)| {
            let mut a = Vec::new();
            if info.path {
                a.push((Symbol::new("path"), Value::Bool(true)));
            }
            if info.all_outputs {
                a.push((Symbol::new("allOutputs"), Value::Bool(true)));
            }
            if !info.outputs.is_empty() {
                a.push((
                    Symbol::new("outputs"),
                    Value::list(info.outputs.into_iter().map(Value::string).collect()),
                ));
            }
            (Symbol::new(&p), Value::attrs(Attrs::from_unsorted(a)))
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn append_context(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    let mut ctx = s.ctx.clone();
    for (k, v) in a.iter() {
        let path = k.as_str();
        if !path.starts_with("/nix/store/") {
            return Err(EvalError::eval(
                format!("context key '{path}' is not a store path"),
                span,
            ));
        }
        let info = ev.force_attrs(v, span)?;
        if let Some(p) = info.get_str("path") {
            let p = p.clone();
            if ev.force_bool(&p, span)? {
                ctx.insert(path.to_string());
            }
        }
        if let Some(p) = info.get_str("allOutputs") {
            let p = p.clone();
            if ev.force_bool(&p, span)? {
                if !path.ends_with(".drv") {
                    return Err(EvalError::eval(
                        format!(
                            "tried to add all-outputs context of {path}, which is not a derivation, to a string"
                        ),
                        span,
                    ));
                }
                ctx.insert(format!("={path}"));
            }
        }
        if let Some(o) = info.get_str("outputs") {
            let o = o.clone();
            let l = ev.force_list(&o, span)?;
            for x in l.iter() {
                let name = ev.force_string_no_ctx(x, span)?;
                ctx.insert(format!("!{name}!{path}"));
            }
        }
    }
    Ok(Value::string_ctx(s.s.clone(), ctx))
}

fn discard_output_dependency(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string(&args[0], span)?;
    let mut ctx = Context::default();
    for e in s.ctx.iter() {
        ctx.insert(e.strip_prefix('=').unwrap_or(e).to_string());
    }
    Ok(Value::string_ctx(s.s.clone(), ctx))
}
