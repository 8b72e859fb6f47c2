//! Attribute-set built-ins.

use rustc_hash::FxHashMap;

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::ir::Param;
use crate::eval::symbol::Symbol;
use crate::eval::value::{Attrs, Thunk, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("attrNames", 1, attr_names),
    PrimOpDef::new("attrValues", 1, attr_values),
    PrimOpDef::new("getAttr", 2, get_attr),
    PrimOpDef::new("hasAttr", 2, has_attr),
    PrimOpDef::global("removeAttrs", 2, remove_attrs),
    PrimOpDef::new("intersectAttrs", 2, intersect_attrs),
    PrimOpDef::new("listToAttrs", 1, list_to_attrs),
    PrimOpDef::new("mapAttrs", 2, map_attrs),
    PrimOpDef::new("catAttrs", 2, cat_attrs),
    PrimOpDef::new("functionArgs", 1, function_args),
    PrimOpDef::new("zipAttrsWith", 2, zip_attrs_with),
    PrimOpDef::new("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
];

fn attr_names(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    ev.charge(48 * a.len() as u64)?;
    let names = a
        .sorted_by_name()
        .into_iter()
        .map(|(k, _)| Value::string(k.as_str()))
        .collect();
    Ok(Value::list(names))
}

fn attr_values(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    ev.charge(16 * a.len() as u64)?;
    let vals = a
        .sorted_by_name()
        .into_iter()
        .map(|(_, v)| v.clone())
        .collect();
    Ok(Value::list(vals))
}

fn get_attr(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    match a.get(Symbol::new(&name)) {
        Some(v) => {
            let v = v.clone();
            ev.force(&v)
        }
        None => Err(EvalError::eval(format!("attribute '{name}' missing"), span)),
    }
}

fn has_attr(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    Ok(Value::Bool(a.contains(Symbol::new(&name))))
}

fn remove_attrs(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut remove = Vec::with_capacity(l.len());
    for x in l.iter() {
        let s = ev.force_string_no_ctx(x, span)?;
        remove.push(Symbol::new(&s).id());
    }
    remove.sort_unstable();
    let entries: Vec<_> = a
        .iter()
        .filter(|(k, _)| remove.binary_search(&k.id()).is_err())
        .cloned()
        .collect();
    ev.charge(24 * entries.len() as u64)?;
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn intersect_attrs(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let b = ev.force_attrs(&args[1], span)?;
    let entries: Vec<_> = b.iter().filter(|(k, _)| a.contains(*k)).cloned().collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn list_to_attrs(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    ev.charge(24 * l.len() as u64 + 32)?;
    let mut seen: rustc_hash::FxHashSet<Symbol> =
        rustc_hash::FxHashSet::with_capacity_and_hasher(l.len(), Default::default());
    let mut entries = Vec::with_capacity(l.len());
    let (sname, svalue) = (ev.syms.name, ev.syms.value);
    for item in l.iter() {
        let a = ev.force_attrs(item, span)?;
        let n = a
            .get(sname)
            .cloned()
            .ok_or_else(|| EvalError::eval("attribute 'name' missing", span))?;
        let name = ev.force_string_no_ctx(&n, span)?;
        let sym = Symbol::new(&name);
        if seen.insert(sym) {
            let v = a
                .get(svalue)
                .cloned()
                .ok_or_else(|| EvalError::eval("attribute 'value' missing", span))?;
            entries.push((sym, v));
        }
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn map_attrs(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = args[0].clone();
    let a = ev.force_attrs(&args[1], span)?;
    ev.charge(150 * a.len() as u64)?;
    let entries = a
        .iter()
        .map(|(k, v)| {
            let partial = Thunk::new_apply(f.clone(), Value::string(k.as_str()));
            (*k, Thunk::new_apply(partial, v.clone()))
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn cat_attrs(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let sym = Symbol::new(&name);
    let l = ev.force_list(&args[1], span)?;
    let mut out = Vec::new();
    for item in l.iter() {
        let a = ev.force_attrs(item, span)?;
        if let Some(v) = a.get(sym) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn function_args(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_known(&args[0])?;
    match &f {
        Value::Lambda(c) => match &c.def.param {
            Param::Ident => Ok(Value::attrs(Attrs::new())),
            Param::Formals(fs) => Ok(Value::attrs(
                Attrs::from_unsorted(
                    fs.entries
                        .iter()
                        .map(|e| (e.name, Value::Bool(e.default.is_some())))
                        .collect(),
                )
                .with_formals_origin(c.def.clone()),
            )),
        },
        Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::attrs(Attrs::new())),
        o => Err(EvalError::eval(
            format!("'functionArgs' requires a function, got {}", o.type_desc()),
            span,
        )),
    }
}

fn zip_attrs_with(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = args[0].clone();
    let l = ev.force_list(&args[1], span)?;
    let mut order: Vec<Symbol> = Vec::new();
    let mut groups: FxHashMap<Symbol, Vec<Value>> = FxHashMap::default();
    for item in l.iter() {
        let a = ev.force_attrs(item, span)?;
        for (k, v) in a.iter() {
            groups
                .entry(*k)
                .or_insert_with(|| {
                    order.push(*k);
                    Vec::new()
                })
                .push(v.clone());
        }
    }
    let entries = order
        .into_iter()
        .map(|k| {
            let vals = groups.remove(&k).unwrap_or_default();
            let partial = Thunk::new_apply(f.clone(), Value::string(k.as_str()));
            (k, Thunk::new_apply(partial, Value::list(vals)))
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

/// Positions are known for attributes of set literals (not for sets
/// computed by `//`, `listToAttrs`, …, where this gives `null`).
fn unsafe_get_attr_pos(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let a = ev.force_attrs(&args[1], span)?;
    match a.position_of(Symbol::new(&name)) {
        Some(pos) => Ok(ev.pos_value(pos)),
        None => Ok(Value::Null),
    }
}
