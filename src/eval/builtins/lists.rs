//! List built-ins.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::symbol::Symbol;
use crate::eval::symbolic::{Observation, Unknown, UnknownKind};
use crate::eval::value::{Attrs, Thunk, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::global("map", 2, map),
    PrimOpDef::new("filter", 2, filter),
    PrimOpDef::new("foldl'", 3, foldl),
    PrimOpDef::new("length", 1, length),
    PrimOpDef::new("head", 1, head),
    PrimOpDef::new("tail", 1, tail),
    PrimOpDef::new("elemAt", 2, elem_at),
    PrimOpDef::new("elem", 2, elem),
    PrimOpDef::new("concatLists", 1, concat_lists),
    PrimOpDef::new("concatMap", 2, concat_map),
    PrimOpDef::new("genList", 2, gen_list),
    PrimOpDef::new("sort", 2, sort),
    PrimOpDef::new("partition", 2, partition),
    PrimOpDef::new("groupBy", 2, group_by),
    PrimOpDef::new("all", 2, all),
    PrimOpDef::new("any", 2, any),
    PrimOpDef::new("genericClosure", 1, generic_closure),
];

fn map(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[1], span)?;
    ev.charge(80 * l.len() as u64)?;
    let f = args[0].clone();
    Ok(Value::list(
        l.iter()
            .map(|x| Thunk::new_apply(f.clone(), x.clone()))
            .collect(),
    ))
}

fn filter(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let r = ev.call(&f, x.clone(), span)?;
        if ev.force_bool(&r, span)? {
            out.push(x.clone());
        }
    }
    if out.len() == l.len() {
        return Ok(Value::List(l));
    }
    Ok(Value::list(out))
}

fn foldl(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[2], span)?;
    let mut acc = args[1].clone();
    for x in l.iter() {
        acc = ev.call2(&f, acc, x.clone(), span)?;
    }
    ev.force(&acc)
}

fn length(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    Ok(Value::Int(l.len() as i64))
}

fn head(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    match l.first() {
        Some(v) => {
            let v = v.clone();
            ev.force(&v)
        }
        None => Err(EvalError::eval("list index 0 is out of bounds", span)),
    }
}

fn tail(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    if l.is_empty() {
        return Err(EvalError::eval("'tail' called on an empty list", span));
    }
    ev.charge(16 * l.len() as u64)?;
    Ok(Value::list(l[1..].to_vec()))
}

fn elem_at(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    let i = ev.force_int(&args[1], span)?;
    if i < 0 || i as usize >= l.len() {
        return Err(EvalError::eval(
            format!("list index {i} is out of bounds"),
            span,
        ));
    }
    let v = l[i as usize].clone();
    ev.force(&v)
}

fn elem(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    // Like Nix: the list first, and the element only when there is
    // something to compare it with (`elem (throw "x") [ ]` is false).
    let lv = ev.force(&args[1])?;
    if let Value::Unknown(lu) = &lv {
        // `elem "k8s" <unknown list>`: record what is looked for.
        if let Ok(x @ Value::String(_)) = ev.force(&args[0]) {
            ev.observe(Observation {
                subject: lu.clone(),
                op: "contains",
                literal: x,
                span,
            });
        }
    }
    let l = ev.force_list(&lv, span)?;
    if l.is_empty() {
        return Ok(Value::Bool(false));
    }
    let x = ev.force(&args[0])?;
    if let Value::Unknown(u) = &x {
        ev.observe(Observation {
            subject: u.clone(),
            op: "elem",
            literal: Value::List(l.clone()),
            span,
        });
        return Ok(Value::Unknown(Unknown::new(UnknownKind::Builtin(
            "elem",
            u.clone(),
        ))));
    }
    for y in l.iter() {
        if ev.values_equal(&x, y, false)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn concat_lists(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let inner = ev.force_list(x, span)?;
        out.extend(inner.iter().cloned());
    }
    ev.charge(16 * out.len() as u64)?;
    Ok(Value::list(out))
}

fn concat_map(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut out = Vec::new();
    for x in l.iter() {
        let r = ev.call(&f, x.clone(), span)?;
        let inner = ev.force_list(&r, span)?;
        out.extend(inner.iter().cloned());
    }
    ev.charge(16 * out.len() as u64)?;
    Ok(Value::list(out))
}

fn gen_list(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let n = ev.force_int(&args[1], span)?;
    if n < 0 {
        return Err(EvalError::eval(
            format!("cannot create list of size {n}"),
            span,
        ));
    }
    ev.charge(80 * n as u64)?;
    let f = args[0].clone();
    Ok(Value::list(
        (0..n)
            .map(|i| Thunk::new_apply(f.clone(), Value::Int(i)))
            .collect(),
    ))
}

fn sort(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    // Nix forces every element before sorting, even a single one.
    for x in l.iter() {
        ev.force(x)?;
    }
    let mut items: Vec<Value> = l.iter().cloned().collect();
    let mut less = |a: &Value, b: &Value| -> EvalResult<bool> {
        let r = ev.call2(&f, a.clone(), b.clone(), span)?;
        ev.force_bool(&r, span)
    };
    stable_sort(&mut items, &mut less)?;
    Ok(Value::list(items))
}

/// `std::stable_sort` as libstdc++ (which Nix uses) implements it: halves
/// sorted by insertion sort in chunks of 7 and merges through a buffer,
/// then one merge of the halves. With a comparator that is not a strict
/// weak order the result depends on the exact sequence of comparisons, so
/// it is reproduced here (an out-of-range walk, undefined in C++, stops at
/// the start instead).
fn stable_sort<T: Clone>(
    v: &mut [T],
    less: &mut dyn FnMut(&T, &T) -> EvalResult<bool>,
) -> EvalResult<()> {
    const CHUNK: usize = 7;
    fn insertion_sort<T: Clone>(
        v: &mut [T],
        less: &mut dyn FnMut(&T, &T) -> EvalResult<bool>,
    ) -> EvalResult<()> {
        for i in 1..v.len() {
            if less(&v[i], &v[0])? {
                v[..=i].rotate_right(1);
            } else {
                let val = v[i].clone();
                let mut j = i;
                while j > 0 && less(&val, &v[j - 1])? {
                    v[j] = v[j - 1].clone();
                    j -= 1;
                }
                v[j] = val;
            }
        }
        Ok(())
    }
    /// Merge `a` and `b` into `out` (taking from `b` only when `b < a`).
    fn merge<T: Clone>(
        a: &[T],
        b: &[T],
        out: &mut Vec<T>,
        less: &mut dyn FnMut(&T, &T) -> EvalResult<bool>,
    ) -> EvalResult<()> {
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if less(&b[j], &a[i])? {
                out.push(b[j].clone());
                j += 1;
            } else {
                out.push(a[i].clone());
                i += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Ok(())
    }
    fn merge_sort_loop<T: Clone>(
        src: &[T],
        step: usize,
        less: &mut dyn FnMut(&T, &T) -> EvalResult<bool>,
    ) -> EvalResult<Vec<T>> {
        let mut out = Vec::with_capacity(src.len());
        let mut first = 0;
        while src.len() - first >= 2 * step {
            merge(
                &src[first..first + step],
                &src[first + step..first + 2 * step],
                &mut out,
                less,
            )?;
            first += 2 * step;
        }
        let mid = first + step.min(src.len() - first);
        merge(&src[first..mid], &src[mid..], &mut out, less)?;
        Ok(out)
    }
    fn merge_sort_with_buffer<T: Clone>(
        v: &mut [T],
        less: &mut dyn FnMut(&T, &T) -> EvalResult<bool>,
    ) -> EvalResult<()> {
        let len = v.len();
        for chunk in v.chunks_mut(CHUNK) {
            insertion_sort(chunk, less)?;
        }
        let mut step = CHUNK;
        while step < len {
            let buf = merge_sort_loop(v, step, less)?;
            step *= 2;
            let back = merge_sort_loop(&buf, step, less)?;
            v.clone_from_slice(&back);
            step *= 2;
        }
        Ok(())
    }
    let n = v.len();
    if n < 2 {
        return Ok(());
    }
    let mid = n.div_ceil(2);
    merge_sort_with_buffer(&mut v[..mid], less)?;
    merge_sort_with_buffer(&mut v[mid..], less)?;
    if mid <= n - mid {
        // Forward merge of a buffered first half.
        let (a, b) = v.split_at(mid);
        let mut out = Vec::with_capacity(n);
        merge(a, b, &mut out, less)?;
        v.clone_from_slice(&out);
    } else {
        // Backward merge of a buffered second half: from the ends, taking
        // from the first half when `second < first`.
        let first: Vec<T> = v[..mid].to_vec();
        let second: Vec<T> = v[mid..].to_vec();
        let (mut i, mut j, mut k) = (first.len(), second.len(), n);
        while i > 0 && j > 0 {
            if less(&second[j - 1], &first[i - 1])? {
                k -= 1;
                v[k] = first[i - 1].clone();
                i -= 1;
            } else {
                k -= 1;
                v[k] = second[j - 1].clone();
                j -= 1;
            }
        }
        while j > 0 {
            k -= 1;
            v[k] = second[j - 1].clone();
            j -= 1;
        }
        while i > 0 {
            k -= 1;
            v[k] = first[i - 1].clone();
            i -= 1;
        }
    }
    Ok(())
}

fn partition(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for x in l.iter() {
        // Nix forces each element before calling the predicate.
        ev.force(x)?;
        let r = ev.call(&f, x.clone(), span)?;
        if ev.force_bool(&r, span)? {
            right.push(x.clone());
        } else {
            wrong.push(x.clone());
        }
    }
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        (ev.syms.right, Value::list(right)),
        (ev.syms.wrong, Value::list(wrong)),
    ])))
}

fn group_by(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut order = Vec::new();
    let mut groups: FxHashMap<Symbol, Vec<Value>> = FxHashMap::default();
    for x in l.iter() {
        let r = ev.call(&f, x.clone(), span)?;
        let k = ev.force_string_no_ctx(&r, span)?;
        let sym = Symbol::new(&k);
        groups
            .entry(sym)
            .or_insert_with(|| {
                order.push(sym);
                Vec::new()
            })
            .push(x.clone());
    }
    let entries = order
        .into_iter()
        .map(|k| (k, Value::list(groups.remove(&k).unwrap_or_default())))
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn all(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    for x in l.iter() {
        let r = ev.call(&f, x.clone(), span)?;
        if !ev.force_bool(&r, span)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let f = ev.force_function(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    for x in l.iter() {
        let r = ev.call(&f, x.clone(), span)?;
        if ev.force_bool(&r, span)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// A comparable key for `genericClosure` (Nix orders keys with `<`).
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Int(i64),
    Float(u64),
    Str(String),
    Path(String),
    List(Vec<Key>),
}

/// When comparing two keys (as Nix's `<` does) fails on a type mismatch,
/// the two type descriptions.
fn incomparable(a: &Key, b: &Key) -> Option<(&'static str, &'static str)> {
    let desc = |k: &Key| match k {
        Key::Int(_) => "an integer",
        Key::Float(_) => "a float",
        Key::Str(_) => "a string",
        Key::Path(_) => "a path",
        Key::List(_) => "a list",
    };
    match (a, b) {
        (Key::Int(_) | Key::Float(_), Key::Int(_) | Key::Float(_))
        | (Key::Str(_), Key::Str(_))
        | (Key::Path(_), Key::Path(_)) => None,
        (Key::List(x), Key::List(y)) => x.iter().zip(y).find_map(|(a, b)| incomparable(a, b)),
        _ => Some((desc(a), desc(b))),
    }
}

fn closure_key(ev: &mut Evaluator, v: &Value, span: Span) -> EvalResult<Key> {
    let v = ev.force_known(v)?;
    Ok(match &v {
        Value::Int(i) => Key::Int(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Key::Int(*f as i64)
            } else {
                Key::Float(f.to_bits())
            }
        }
        Value::String(s) => Key::Str(s.s.clone()),
        Value::Path(p) => Key::Path(p.to_string()),
        Value::List(l) => {
            let l = Rc::clone(l);
            let mut out = Vec::with_capacity(l.len());
            for x in l.iter() {
                out.push(closure_key(ev, x, span)?);
            }
            Key::List(out)
        }
        o => {
            return Err(EvalError::eval(
                format!("cannot compare {} with {}", o.type_desc(), o.type_desc()),
                span,
            ));
        }
    })
}

fn generic_closure(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let start = a
        .get(ev.syms.start_set)
        .cloned()
        .ok_or_else(|| EvalError::eval("attribute 'startSet' missing", span))?;
    let op = a
        .get(ev.syms.operator)
        .cloned()
        .ok_or_else(|| EvalError::eval("attribute 'operator' missing", span))?;
    let start = ev.force_list(&start, span)?;
    let mut work: std::collections::VecDeque<Value> = start.iter().cloned().collect();
    let mut seen: rustc_hash::FxHashSet<Key> = Default::default();
    let mut first: Option<Key> = None;
    let mut out = Vec::new();
    let key_sym = ev.syms.key;
    while let Some(e) = work.pop_front() {
        let ea = ev.force_attrs(&e, span)?;
        let k = ea
            .get(key_sym)
            .cloned()
            .ok_or_else(|| EvalError::eval("attribute 'key' missing", span))?;
        let key = closure_key(ev, &k, span)?;
        // Nix keeps the keys in an ordered set, so every new key is compared
        // with the others: keys of different types are an error.
        match &first {
            Some(f) => {
                if let Some((a, b)) = incomparable(&key, f) {
                    return Err(EvalError::eval(
                        format!("cannot compare {a} with {b}"),
                        span,
                    ));
                }
            }
            None => first = Some(key.clone()),
        }
        if !seen.insert(key) {
            continue;
        }
        out.push(e.clone());
        let next = ev.call(&op, e.clone(), span)?;
        let next = ev.force_list(&next, span)?;
        work.extend(next.iter().cloned());
        ev.charge(64)?;
    }
    Ok(Value::list(out))
}
