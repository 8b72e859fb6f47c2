//! The evaluation loop: forcing thunks, applying functions, operators.

use std::rc::Rc;

use super::Evaluator;
use super::error::{ErrorKind, EvalError, EvalResult, Span};
use super::ir::{AttrName, AttrsDef, BinOp, Expr, ExprRef, Param};
use super::symbol::Symbol;
use super::symbolic::{Observation, Unknown, UnknownKind};
use super::value::{
    Attrs, Closure, Context, Env, Frame, PrimOpApp, Slots, Thunk, ThunkState, Value,
};

/// Estimated sizes for the memory budget.
const THUNK_BYTES: u64 = 64;
const FRAME_BYTES: u64 = 48;

impl Evaluator {
    fn limit_error(&self, what: &str) -> EvalError {
        EvalError::new(ErrorKind::Limit, what.to_string(), Span::NONE)
    }

    /// Count `bytes` against the memory budget.
    #[inline]
    pub(crate) fn charge(&mut self, bytes: u64) -> EvalResult<()> {
        self.mem += bytes;
        if self.mem > self.opts.max_memory {
            return Err(self.limit_error(&format!(
                "evaluation exceeded its memory budget of {} bytes (see --max-memory)",
                self.opts.max_memory
            )));
        }
        Ok(())
    }

    /// A lazy value for `e` in `env`: constants and variables directly (as
    /// Nix does), anything else as a thunk.
    #[inline]
    pub(crate) fn thunk(&mut self, e: &ExprRef, env: &Env) -> Value {
        match &**e {
            Expr::Const(v) => v.clone(),
            Expr::Var { depth, idx } => match env.lookup(*depth, *idx) {
                Some(v) => v,
                None => {
                    self.mem += THUNK_BYTES;
                    Thunk::new_expr(e.clone(), env.clone())
                }
            },
            _ => {
                self.mem += THUNK_BYTES;
                Thunk::new_expr(e.clone(), env.clone())
            }
        }
    }

    /// Evaluate to weak head normal form.
    #[inline]
    pub fn force(&mut self, v: &Value) -> EvalResult<Value> {
        match v {
            Value::Thunk(t) => self.force_thunk(t),
            _ => Ok(v.clone()),
        }
    }

    fn force_thunk(&mut self, t: &Rc<Thunk>) -> EvalResult<Value> {
        {
            let st = t.state.borrow();
            if let ThunkState::Done(v) = &*st {
                return Ok(v.clone());
            }
        }
        let st = std::mem::replace(&mut *t.state.borrow_mut(), ThunkState::Blackhole);
        let res = match &st {
            ThunkState::Expr(e, env) => self.eval(e, env),
            ThunkState::Apply(f, a) => {
                let (f, a) = (f.clone(), a.clone());
                self.call(&f, a, Span::NONE)
            }
            ThunkState::Native(f) => {
                let f = f.clone();
                f(self).and_then(|v| self.force(&v))
            }
            ThunkState::Blackhole => {
                return Err(EvalError::eval(
                    "infinite recursion encountered",
                    Span::NONE,
                ));
            }
            ThunkState::Done(_) => unreachable!(),
        };
        match res {
            Ok(v) => {
                *t.state.borrow_mut() = ThunkState::Done(v.clone());
                Ok(v)
            }
            Err(e) => {
                *t.state.borrow_mut() = st;
                Err(e)
            }
        }
    }

    /// [`Self::eval`] with constants and variables handled inline.
    #[inline]
    fn eval_fast(&mut self, e: &ExprRef, env: &Env) -> EvalResult<Value> {
        match &**e {
            Expr::Const(v) if !matches!(v, Value::Thunk(_)) => Ok(v.clone()),
            Expr::Var { depth, idx } => match env.lookup(*depth, *idx) {
                Some(Value::Thunk(t)) => self.force_thunk(&t),
                Some(v) => Ok(v),
                None => Err(EvalError::eval("internal error: unbound slot", Span::NONE)),
            },
            _ => self.eval(e, env),
        }
    }

    /// Evaluate `e` in `env` to weak head normal form.
    pub fn eval(&mut self, e: &ExprRef, env: &Env) -> EvalResult<Value> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            self.depth -= 1;
            return Err(self.limit_error("stack overflow (possible infinite recursion)"));
        }
        let r = if self.depth & 15 == 0 {
            stacker::maybe_grow(256 * 1024, 16 * 1024 * 1024, || self.eval_loop(e, env))
        } else {
            self.eval_loop(e, env)
        };
        self.depth -= 1;
        r
    }

    fn eval_loop(&mut self, e_in: &ExprRef, env_in: &Env) -> EvalResult<Value> {
        // Tail positions continue the loop with an owned expression and
        // environment; until then the caller's are borrowed.
        let mut own_e: Option<ExprRef> = None;
        let mut own_env: Option<Env> = None;
        loop {
            let e: &ExprRef = own_e.as_ref().unwrap_or(e_in);
            let env: &Env = own_env.as_ref().unwrap_or(env_in);
            self.steps += 1;
            if self.steps > self.opts.max_steps {
                return Err(self.limit_error(&format!(
                    "evaluation exceeded its step budget of {} steps (see --max-steps)",
                    self.opts.max_steps
                )));
            }
            if self.mem > self.opts.max_memory {
                self.charge(0)?;
            }
            match &**e {
                Expr::Const(v) => {
                    return match v {
                        Value::Thunk(_) => self.force(v),
                        v => Ok(v.clone()),
                    };
                }
                Expr::Var { depth, idx } => {
                    let v = env.lookup(*depth, *idx).ok_or_else(|| {
                        EvalError::eval("internal error: unbound slot", Span::NONE)
                    })?;
                    return self.force(&v);
                }
                Expr::WithVar { name, withs, span } => {
                    return self.lookup_with(*name, withs, env, *span);
                }
                Expr::Lambda(def) => {
                    return Ok(Value::Lambda(Rc::new(Closure {
                        def: def.clone(),
                        env: env.clone(),
                    })));
                }
                Expr::Apply { f, arg, span } => {
                    let fv = self.eval_fast(f, env)?;
                    let a = self.thunk(arg, env);
                    if let Value::Lambda(c) = &fv {
                        // Tail call: continue with the body.
                        let new_env = self.bind_args(c, a, *span)?;
                        let body = c.def.body.clone();
                        own_env = Some(new_env);
                        own_e = Some(body);
                        continue;
                    }
                    return self.call(&fv, a, *span);
                }
                Expr::Select {
                    e: inner,
                    path,
                    default,
                    span,
                } => {
                    let v = self.eval_fast(inner, env)?;
                    match self.select(v, path, env, default.is_some(), *span)? {
                        Some(v) => return Ok(v),
                        None => {
                            let d = default.clone().expect("default present");
                            own_e = Some(d);
                            continue;
                        }
                    }
                }
                Expr::HasAttr { e: inner, path, .. } => {
                    let v = self.eval_fast(inner, env)?;
                    return self.has_attr(v, path, env);
                }
                Expr::Attrs(def) => return self.eval_attrs(def, env),
                Expr::Let(def) => {
                    let frame =
                        Frame::new(Some(env.clone()), Slots::with_capacity(def.bindings.len()));
                    self.charge(FRAME_BYTES + 16 * def.bindings.len() as u64)?;
                    for (b, inherited) in &def.bindings {
                        let v = if *inherited {
                            self.thunk(b, env)
                        } else {
                            self.thunk(b, &frame)
                        };
                        frame.slots.borrow_mut().push(v);
                    }
                    let body = def.body.clone();
                    own_env = Some(frame);
                    own_e = Some(body);
                    continue;
                }
                Expr::With { scope, body } => {
                    let s = self.thunk(scope, env);
                    let frame = Frame::new(Some(env.clone()), Slots::One(s));
                    let body = body.clone();
                    own_env = Some(frame);
                    own_e = Some(body);
                    continue;
                }
                Expr::If {
                    cond,
                    then,
                    else_,
                    span,
                } => {
                    let c = self.eval_fast(cond, env)?;
                    match c {
                        Value::Bool(true) => {
                            let next = then.clone();
                            own_e = Some(next);
                        }
                        Value::Bool(false) => {
                            let next = else_.clone();
                            own_e = Some(next);
                        }
                        Value::Unknown(u) => {
                            let t = self.thunk(then, env);
                            let f = self.thunk(else_, env);
                            return Ok(Value::Unknown(Unknown::new(UnknownKind::Cond {
                                cond: u,
                                then: t,
                                else_: f,
                            })));
                        }
                        other => {
                            return Err(EvalError::eval(
                                format!(
                                    "value is {} while a Boolean was expected",
                                    other.type_desc()
                                ),
                                *span,
                            ));
                        }
                    }
                    continue;
                }
                Expr::Assert { cond, body, span } => {
                    let c = self.eval_fast(cond, env)?;
                    match c {
                        Value::Bool(true) | Value::Unknown(_) => {}
                        Value::Bool(false) => {
                            let text = self.snippet_of_assert(*span);
                            return Err(EvalError::new(
                                ErrorKind::Assert,
                                format!("assertion '{text}' failed"),
                                *span,
                            ));
                        }
                        other => {
                            return Err(EvalError::eval(
                                format!(
                                    "value is {} while a Boolean was expected",
                                    other.type_desc()
                                ),
                                *span,
                            ));
                        }
                    }
                    let next = body.clone();
                    own_e = Some(next);
                    continue;
                }
                Expr::List(items) => {
                    self.charge(16 * items.len() as u64 + 32)?;
                    let mut out = Vec::with_capacity(items.len());
                    for it in items.iter() {
                        out.push(self.thunk(it, env));
                    }
                    return Ok(Value::list(out));
                }
                Expr::Bin { op, l, r, span } => return self.binop(*op, l, r, env, *span),
                Expr::Not(inner, span) => {
                    let v = self.eval_fast(inner, env)?;
                    return match v {
                        Value::Bool(b) => Ok(Value::Bool(!b)),
                        Value::Unknown(u) => Ok(Value::Unknown(Unknown::new(UnknownKind::Not(u)))),
                        other => Err(EvalError::eval(
                            format!(
                                "value is {} while a Boolean was expected",
                                other.type_desc()
                            ),
                            *span,
                        )),
                    };
                }
                Expr::Concat {
                    parts,
                    force_string,
                    span,
                } => return self.concat(parts, *force_string, env, *span),
                Expr::CurPos(span) => return Ok(self.cur_pos(*span)),
            }
        }
    }

    fn snippet_of_assert(&self, span: Span) -> String {
        let s = self.snippet(span);
        let s = s.trim_start_matches("assert").trim_start();
        match s.find(';') {
            Some(i) => s[..i].trim_end().to_string(),
            None => s.to_string(),
        }
    }

    /// `{ file, line, column }` for a span (as `__curPos` gives).
    pub(crate) fn pos_value(&self, span: Span) -> Value {
        self.cur_pos(span)
    }

    fn cur_pos(&self, span: Span) -> Value {
        match self.file_info(span.file) {
            Some(f) => {
                let lc = f.line_col(span.start);
                // Nix names a string's position by the string itself.
                let file = match &f.path {
                    Some(_) => f.name.clone(),
                    None => f.text.to_string(),
                };
                Value::attrs(Attrs::from_unsorted(vec![
                    (self.syms.file, Value::string(file)),
                    (self.syms.line, Value::Int(lc.line as i64)),
                    (self.syms.column, Value::Int(lc.col as i64)),
                ]))
            }
            None => Value::Null,
        }
    }

    fn lookup_with(
        &mut self,
        name: Symbol,
        withs: &[u32],
        env: &Env,
        span: Span,
    ) -> EvalResult<Value> {
        for &d in withs {
            let scope = env
                .lookup(d, 0)
                .ok_or_else(|| EvalError::eval("internal error: bad with frame", span))?;
            let s = self.force(&scope)?;
            match &s {
                Value::Attrs(a) => {
                    if let Some(v) = a.get(name) {
                        let v = v.clone();
                        return self.force(&v);
                    }
                }
                Value::Unknown(u) => {
                    return Ok(self.select_unknown(u, name.as_str().to_string()));
                }
                other => {
                    return Err(EvalError::eval(
                        format!("value is {} while a set was expected", other.type_desc()),
                        span,
                    ));
                }
            }
        }
        // `with lib;` over the lib prelude: a name it lacks is unknown.
        for &d in withs {
            if let Some(Value::Attrs(a)) = env.lookup(d, 0).map(|s| s.shallow_resolved())
                && let Some(u) = self.soft_missing(&a, name)
            {
                return Ok(u);
            }
        }
        Err(EvalError::eval(
            format!("undefined variable '{name}'"),
            span,
        ))
    }

    /// Create the frame for calling closure `c` with `arg`.
    pub(crate) fn bind_args(&mut self, c: &Rc<Closure>, arg: Value, span: Span) -> EvalResult<Env> {
        self.mem += FRAME_BYTES;
        match &c.def.param {
            Param::Ident => Ok(Frame::new(Some(c.env.clone()), Slots::One(arg))),
            Param::Formals(fs) => {
                let argv = self.force(&arg)?;
                let n = fs.entries.len() + usize::from(fs.at.is_some());
                let frame = Frame::new(Some(c.env.clone()), Slots::with_capacity(n));
                let attrs = match &argv {
                    Value::Attrs(a) => a.clone(),
                    Value::Unknown(u) => {
                        for f in &fs.entries {
                            let v = self.unknown_formal(u, f.name.as_str());
                            frame.slots.borrow_mut().push(v);
                        }
                        if fs.at.is_some() {
                            frame.slots.borrow_mut().push(argv.clone());
                        }
                        return Ok(frame);
                    }
                    other => {
                        return Err(EvalError::eval(
                            format!("value is {} while a set was expected", other.type_desc()),
                            span,
                        ));
                    }
                };
                let mut used = 0;
                for f in &fs.entries {
                    let v = match attrs.get(f.name) {
                        Some(v) => {
                            used += 1;
                            v.clone()
                        }
                        None => match &f.default {
                            Some(d) => self.thunk(d, &frame),
                            None => {
                                return Err(EvalError::eval(
                                    format!(
                                        "{} called without required argument '{}'",
                                        self.lambda_desc(c),
                                        f.name
                                    ),
                                    span,
                                ));
                            }
                        },
                    };
                    frame.slots.borrow_mut().push(v);
                }
                if fs.at.is_some() {
                    frame.slots.borrow_mut().push(argv.clone());
                }
                if !fs.ellipsis && used < attrs.len() {
                    for (k, _) in attrs.sorted_by_name() {
                        if fs.sorted_ids.binary_search(&k.id()).is_err() {
                            return Err(EvalError::eval(
                                format!(
                                    "{} called with unexpected argument '{}'",
                                    self.lambda_desc(c),
                                    k
                                ),
                                span,
                            ));
                        }
                    }
                }
                Ok(frame)
            }
        }
    }

    fn lambda_desc(&self, c: &Closure) -> String {
        match c.def.name {
            Some(n) => format!("function '{n}'"),
            None => "anonymous function".into(),
        }
    }

    /// Apply a function value to an argument (lazy value).
    pub fn call(&mut self, f: &Value, arg: Value, span: Span) -> EvalResult<Value> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            self.depth -= 1;
            return Err(self.limit_error("stack overflow (possible infinite recursion)"));
        }
        let r = if self.depth & 15 == 0 {
            stacker::maybe_grow(256 * 1024, 16 * 1024 * 1024, || {
                self.call_inner(f, arg, span)
            })
        } else {
            self.call_inner(f, arg, span)
        };
        self.depth -= 1;
        r
    }

    fn call_inner(&mut self, f: &Value, arg: Value, span: Span) -> EvalResult<Value> {
        let f = self.force(f)?;
        match &f {
            Value::Lambda(c) => {
                let env = self.bind_args(c, arg, span)?;
                self.eval(&c.def.body, &env)
            }
            Value::PrimOp(op) => {
                if op.arity == 1 {
                    self.call_primop(op, &[arg], span)
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op,
                        args: vec![arg],
                    })))
                }
            }
            Value::PrimOpApp(app) => {
                let mut args = Vec::with_capacity(app.args.len() + 1);
                args.extend(app.args.iter().cloned());
                args.push(arg);
                if args.len() == app.op.arity {
                    self.call_primop(app.op, &args, span)
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp { op: app.op, args })))
                }
            }
            Value::Attrs(a) => match a.get(self.syms.functor) {
                Some(fun) => {
                    let fun = fun.clone();
                    let g = self.call(&fun, f.clone(), span)?;
                    self.call(&g, arg, span)
                }
                None => Err(EvalError::eval(
                    "attempt to call something which is not a function but a set",
                    span,
                )),
            },
            Value::Unknown(u) => Ok(Value::Unknown(Unknown::new(UnknownKind::Apply(
                u.clone(),
                arg,
            )))),
            other => Err(EvalError::eval(
                format!(
                    "attempt to call something which is not a function but {}",
                    other.type_desc()
                ),
                span,
            )),
        }
    }

    fn call_primop(
        &mut self,
        op: &'static super::builtins::PrimOpDef,
        args: &[Value],
        span: Span,
    ) -> EvalResult<Value> {
        match (op.func)(self, args, span) {
            // Results are in weak head normal form.
            Ok(Value::Thunk(t)) => self.force_thunk(&t),
            Ok(v) => Ok(v),
            Err(e) => match e.as_unknown() {
                Some(u) => Ok(Value::Unknown(Unknown::new(UnknownKind::Builtin(
                    op.name,
                    u.clone(),
                )))),
                None => Err(e.at(span)),
            },
        }
    }

    /// Force to a known value: an unknown becomes the internal propagation
    /// error (turned back into an unknown at the next built-in or operator).
    #[inline]
    pub fn force_known(&mut self, v: &Value) -> EvalResult<Value> {
        let v = self.force(v)?;
        if let Value::Unknown(u) = &v {
            return Err(EvalError::new(
                ErrorKind::UnknownValue(u.clone()),
                "unknown value",
                Span::NONE,
            ));
        }
        Ok(v)
    }

    fn attr_key(&mut self, n: &AttrName, env: &Env) -> EvalResult<Result<Symbol, Rc<Unknown>>> {
        match n {
            AttrName::Static(s) => Ok(Ok(*s)),
            AttrName::Dynamic(e) => {
                let v = self.eval_fast(e, env)?;
                match &v {
                    Value::String(s) => Ok(Ok(Symbol::new(&s.s))),
                    Value::Unknown(u) => Ok(Err(u.clone())),
                    other => Err(EvalError::eval(
                        format!("value is {} while a string was expected", other.type_desc()),
                        Span::NONE,
                    )),
                }
            }
        }
    }

    /// `v.path`; `Ok(None)` means "use the default".
    fn select(
        &mut self,
        mut v: Value,
        path: &[AttrName],
        env: &Env,
        has_default: bool,
        span: Span,
    ) -> EvalResult<Option<Value>> {
        for name in path {
            let key = self.attr_key(name, env).map_err(|e| e.at(span))?;
            match &v {
                Value::Attrs(a) => {
                    let key = match key {
                        Ok(k) => k,
                        Err(u) => {
                            return Ok(Some(Value::Unknown(Unknown::new(UnknownKind::Builtin(
                                "getAttr", u,
                            )))));
                        }
                    };
                    match a.get(key) {
                        Some(x) => {
                            let x = x.clone();
                            v = self.force(&x)?;
                        }
                        None => {
                            if has_default {
                                return Ok(None);
                            }
                            if let Some(u) = self.soft_missing(a, key) {
                                v = u;
                                continue;
                            }
                            return Err(EvalError::eval(
                                format!("attribute '{key}' missing"),
                                span,
                            ));
                        }
                    }
                }
                Value::Unknown(u) => {
                    let name = match key {
                        Ok(k) => k.as_str().to_string(),
                        Err(k) => format!("${{{}}}", k.provenance()),
                    };
                    v = self.select_unknown(u, name);
                }
                other => {
                    if has_default {
                        return Ok(None);
                    }
                    return Err(EvalError::eval(
                        format!("value is {} while a set was expected", other.type_desc()),
                        span,
                    ));
                }
            }
        }
        Ok(Some(v))
    }

    /// `v ? path`. Like Nix, only the values the path goes through are
    /// forced, never the last one: `x ? a` inside `x.a` (a fixpoint such as
    /// `lib.fix (x: { a = if x ? a then … })`) must not recurse.
    fn has_attr(&mut self, mut v: Value, path: &[AttrName], env: &Env) -> EvalResult<Value> {
        for (i, name) in path.iter().enumerate() {
            if i > 0 {
                v = self.force(&v)?;
            }
            let key = self.attr_key(name, env)?;
            match &v {
                Value::Attrs(a) => {
                    let key = match key {
                        Ok(k) => k,
                        Err(u) => {
                            return Ok(Value::Unknown(Unknown::new(UnknownKind::Builtin(
                                "hasAttr", u,
                            ))));
                        }
                    };
                    match a.get(key) {
                        Some(x) => v = x.clone(),
                        None => return Ok(Value::Bool(false)),
                    }
                }
                Value::Unknown(u) => {
                    return Ok(Value::Unknown(Unknown::new(UnknownKind::Builtin(
                        "hasAttr",
                        u.clone(),
                    ))));
                }
                _ => return Ok(Value::Bool(false)),
            }
        }
        Ok(Value::Bool(true))
    }

    fn eval_attrs(&mut self, def: &Rc<AttrsDef>, env: &Env) -> EvalResult<Value> {
        self.charge(32 + 24 * (def.statics.len() + def.dynamics.len()) as u64)?;
        let (mut entries, inner_env) = if def.rec {
            let frame = Frame::new(Some(env.clone()), Slots::with_capacity(def.statics.len()));
            let mut entries = Vec::with_capacity(def.statics.len() + def.dynamics.len());
            let overrides = def
                .statics
                .binary_search_by_key(&self.syms.overrides.id(), |s| s.name.id())
                .is_ok();
            for s in &def.statics {
                let v = if s.inherited {
                    self.thunk(&s.value, env)
                } else if overrides {
                    // `x = a;` must see an overridden `a`: no aliasing.
                    self.mem += THUNK_BYTES;
                    Thunk::new_expr(s.value.clone(), frame.clone())
                } else {
                    self.thunk(&s.value, &frame)
                };
                frame.slots.borrow_mut().push(v.clone());
                entries.push((s.name, v));
            }
            if let Some(i) = entries.iter().position(|(k, _)| *k == self.syms.overrides) {
                let extra = self.apply_overrides(&mut entries, &frame, i, def)?;
                if !extra.is_empty() {
                    // Attributes only the overrides have: the set gets them,
                    // the scope of the set's own values does not.
                    let mut attrs = Attrs::from_sorted(entries).with_origin(def.clone());
                    for (k, v) in extra {
                        attrs.insert(k, v);
                    }
                    return self.add_dynamic_attrs(attrs, def, &frame);
                }
            }
            (entries, frame)
        } else {
            let mut entries = Vec::with_capacity(def.statics.len() + def.dynamics.len());
            for s in &def.statics {
                entries.push((s.name, self.thunk(&s.value, env)));
            }
            (entries, env.clone())
        };
        if def.dynamics.is_empty() {
            return Ok(Value::attrs(
                Attrs::from_sorted(entries).with_origin(def.clone()),
            ));
        }
        let attrs = Attrs::from_sorted(std::mem::take(&mut entries)).with_origin(def.clone());
        self.add_dynamic_attrs(attrs, def, &inner_env)
    }

    /// `__overrides` in a `rec` set (entry `i`): its attributes replace the
    /// set's own, in the set and in the scope its values see. Returns the
    /// attributes the set does not have. Forced when the set is, as in Nix.
    fn apply_overrides(
        &mut self,
        entries: &mut [(Symbol, Value)],
        frame: &Env,
        i: usize,
        def: &Rc<AttrsDef>,
    ) -> EvalResult<Vec<(Symbol, Value)>> {
        let v = entries[i].1.clone();
        let span = def.statics[i].span;
        let over = match self.force(&v)? {
            Value::Attrs(a) => a,
            other => {
                return Err(EvalError::eval(
                    format!("value is {} while a set was expected", other.type_desc()),
                    span,
                ));
            }
        };
        let mut extra = Vec::new();
        for (k, v) in over.iter() {
            match entries.binary_search_by_key(&k.id(), |(s, _)| s.id()) {
                Ok(j) => {
                    entries[j].1 = v.clone();
                    frame.slots.borrow_mut().set(j, v.clone());
                }
                Err(_) => extra.push((*k, v.clone())),
            }
        }
        Ok(extra)
    }

    /// Add the dynamic attributes (`"${k}" = v;`) of `def` to `attrs`.
    fn add_dynamic_attrs(
        &mut self,
        mut attrs: Attrs,
        def: &Rc<AttrsDef>,
        inner_env: &Env,
    ) -> EvalResult<Value> {
        for d in &def.dynamics {
            let k = self.eval(&d.key, inner_env)?;
            let sym = match &k {
                Value::Null => continue,
                Value::String(s) => Symbol::new(&s.s),
                Value::Unknown(_) => continue,
                other => {
                    return Err(EvalError::eval(
                        format!("value is {} while a string was expected", other.type_desc()),
                        d.span,
                    ));
                }
            };
            if attrs.contains(sym) {
                let prev = def
                    .statics
                    .iter()
                    .find(|s| s.name == sym)
                    .map(|s| s.span)
                    .unwrap_or(d.span);
                return Err(EvalError::eval(
                    format!(
                        "dynamic attribute '{sym}' already defined at {}",
                        self.format_pos(prev).replace("«string»", "(string)")
                    ),
                    d.span,
                ));
            }
            let v = self.thunk(&d.value, inner_env);
            attrs.insert(sym, v);
        }
        Ok(Value::attrs(attrs))
    }

    // ---- operators --------------------------------------------------------

    fn binop(
        &mut self,
        op: BinOp,
        l: &ExprRef,
        r: &ExprRef,
        env: &Env,
        span: Span,
    ) -> EvalResult<Value> {
        match op {
            BinOp::And | BinOp::Or | BinOp::Impl => {
                let a = self.eval_fast(l, env)?;
                let a = match a {
                    Value::Bool(b) => b,
                    Value::Unknown(u) => {
                        let b = self.thunk(r, env);
                        return Ok(Value::Unknown(Unknown::new(UnknownKind::Op(
                            op.symbol(),
                            Value::Unknown(u),
                            b,
                        ))));
                    }
                    other => {
                        return Err(EvalError::eval(
                            format!(
                                "value is {} while a Boolean was expected",
                                other.type_desc()
                            ),
                            span,
                        ));
                    }
                };
                let short = match op {
                    BinOp::And => (!a).then_some(false),
                    BinOp::Or => a.then_some(true),
                    _ => (!a).then_some(true),
                };
                if let Some(res) = short {
                    return Ok(Value::Bool(res));
                }
                let b = self.eval_fast(r, env)?;
                match b {
                    Value::Bool(b) => Ok(Value::Bool(b)),
                    Value::Unknown(u) => Ok(Value::Unknown(u)),
                    other => Err(EvalError::eval(
                        format!(
                            "value is {} while a Boolean was expected",
                            other.type_desc()
                        ),
                        span,
                    )),
                }
            }
            _ => {
                let (a, b) = if matches!(op, BinOp::Greater | BinOp::LessEq) {
                    let b = self.eval_fast(r, env)?;
                    let a = self.eval_fast(l, env)?;
                    (a, b)
                } else {
                    let a = self.eval_fast(l, env)?;
                    let b = self.eval_fast(r, env)?;
                    (a, b)
                };
                self.binop_values(op, a, b, span)
            }
        }
    }

    /// Apply a strict binary operator to two forced values.
    pub(crate) fn binop_values(
        &mut self,
        op: BinOp,
        a: Value,
        b: Value,
        span: Span,
    ) -> EvalResult<Value> {
        // Fast paths.
        if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
            let (x, y) = (*x, *y);
            match op {
                BinOp::Add => return Ok(Value::Int(x.wrapping_add(y))),
                BinOp::Sub => return Ok(Value::Int(x.wrapping_sub(y))),
                BinOp::Mul => return Ok(Value::Int(x.wrapping_mul(y))),
                BinOp::Less => return Ok(Value::Bool(x < y)),
                BinOp::Greater => return Ok(Value::Bool(x > y)),
                BinOp::LessEq => return Ok(Value::Bool(x <= y)),
                BinOp::GreaterEq => return Ok(Value::Bool(x >= y)),
                BinOp::Eq => return Ok(Value::Bool(x == y)),
                BinOp::NotEq => return Ok(Value::Bool(x != y)),
                _ => {}
            }
        }
        if matches!(a, Value::Unknown(_)) || matches!(b, Value::Unknown(_)) {
            return Ok(self.unknown_binop(op, a, b, span));
        }
        let (a0, b0) = (a.clone(), b.clone());
        let r = (|| match op {
            BinOp::Add => self.add(a, b, span),
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, &a, &b, span),
            BinOp::Eq => Ok(Value::Bool(self.values_equal(&a, &b, true)?)),
            BinOp::NotEq => Ok(Value::Bool(!self.values_equal(&a, &b, true)?)),
            BinOp::Less => Ok(Value::Bool(self.less_than(&a, &b, span)?)),
            BinOp::Greater => Ok(Value::Bool(self.less_than(&b, &a, span)?)),
            BinOp::LessEq => Ok(Value::Bool(!self.less_than(&b, &a, span)?)),
            BinOp::GreaterEq => Ok(Value::Bool(!self.less_than(&a, &b, span)?)),
            BinOp::Update => match (&a, &b) {
                (Value::Attrs(x), Value::Attrs(y)) => {
                    if x.is_empty() {
                        return Ok(b.clone());
                    }
                    if y.is_empty() {
                        return Ok(a.clone());
                    }
                    self.charge(24 * (x.len() + y.len()) as u64)?;
                    Ok(Value::attrs(x.update(y)))
                }
                (Value::Attrs(_), o) | (o, _) => Err(EvalError::eval(
                    format!("value is {} while a set was expected", o.type_desc()),
                    span,
                )),
            },
            BinOp::ConcatLists => match (&a, &b) {
                (Value::List(x), Value::List(y)) => {
                    self.charge(16 * (x.len() + y.len()) as u64)?;
                    let mut v = Vec::with_capacity(x.len() + y.len());
                    v.extend(x.iter().cloned());
                    v.extend(y.iter().cloned());
                    Ok(Value::list(v))
                }
                (Value::List(_), o) | (o, _) => Err(EvalError::eval(
                    format!("value is {} while a list was expected", o.type_desc()),
                    span,
                )),
            },
            BinOp::And | BinOp::Or | BinOp::Impl => unreachable!("short-circuit operators"),
        })();
        match r {
            Err(e) => match e.as_unknown() {
                // An unknown inside a list or set operand.
                Some(_) => Ok(Value::Unknown(Unknown::new(UnknownKind::Op(
                    op.symbol(),
                    a0,
                    b0,
                )))),
                None => Err(e.at(span)),
            },
            ok => ok,
        }
    }

    fn unknown_binop(&mut self, op: BinOp, a: Value, b: Value, span: Span) -> Value {
        if matches!(
            op,
            BinOp::Eq
                | BinOp::NotEq
                | BinOp::Less
                | BinOp::LessEq
                | BinOp::Greater
                | BinOp::GreaterEq
        ) {
            match (&a, &b) {
                (Value::Unknown(u), Value::Unknown(_)) => {
                    let _ = u;
                }
                (Value::Unknown(u), lit) => self.observe(Observation {
                    subject: u.clone(),
                    op: op.symbol(),
                    literal: lit.clone(),
                    span,
                }),
                (lit, Value::Unknown(u)) => {
                    let flipped = match op {
                        BinOp::Less => ">",
                        BinOp::LessEq => ">=",
                        BinOp::Greater => "<",
                        BinOp::GreaterEq => "<=",
                        o => o.symbol(),
                    };
                    self.observe(Observation {
                        subject: u.clone(),
                        op: flipped,
                        literal: lit.clone(),
                        span,
                    })
                }
                _ => {}
            }
        }
        Value::Unknown(Unknown::new(UnknownKind::Op(op.symbol(), a, b)))
    }

    fn arith(&mut self, op: BinOp, a: &Value, b: &Value, span: Span) -> EvalResult<Value> {
        let num = |v: &Value| -> EvalResult<f64> {
            match v {
                Value::Int(i) => Ok(*i as f64),
                Value::Float(f) => Ok(*f),
                o => Err(EvalError::eval(
                    format!("value is {} while a float was expected", o.type_desc()),
                    span,
                )),
            }
        };
        if op == BinOp::Div {
            let d = num(b)?;
            if d == 0.0 {
                return Err(EvalError::eval("division by zero", span));
            }
        }
        if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
            let (x, y) = (num(a)?, num(b)?);
            return Ok(Value::Float(match op {
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                _ => x / y,
            }));
        }
        let int = |v: &Value| -> EvalResult<i64> {
            match v {
                Value::Int(i) => Ok(*i),
                o => Err(EvalError::eval(
                    format!("value is {} while an integer was expected", o.type_desc()),
                    span,
                )),
            }
        };
        let (x, y) = (int(a)?, int(b)?);
        if op == BinOp::Div && x == i64::MIN && y == -1 {
            return Err(EvalError::eval("overflow in integer division", span));
        }
        Ok(Value::Int(match op {
            BinOp::Sub => x.wrapping_sub(y),
            BinOp::Mul => x.wrapping_mul(y),
            _ => x.wrapping_div(y),
        }))
    }

    /// `a + b` with Nix's rules for numbers, strings and paths.
    fn add(&mut self, a: Value, b: Value, span: Span) -> EvalResult<Value> {
        match (&a, &b) {
            (Value::Int(x), Value::Float(y)) => Ok(Value::Float(*x as f64 + y)),
            (Value::Float(x), Value::Int(y)) => Ok(Value::Float(x + *y as f64)),
            (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x + y)),
            (Value::Int(_), o) => Err(EvalError::eval(
                format!("cannot add {} to an integer", o.type_desc()),
                span,
            )),
            (Value::Float(_), o) => Err(EvalError::eval(
                format!("cannot add {} to a float", o.type_desc()),
                span,
            )),
            (Value::Path(p), _) => {
                let mut ctx = Context::default();
                let s = self.coerce_to_string(&b, &mut ctx, false, false, span)?;
                if !ctx.is_empty() {
                    return Err(EvalError::eval(
                        "a string that refers to a store path cannot be appended to a path",
                        span,
                    ));
                }
                let joined = format!("{p}{s}");
                Ok(Value::path(super::compile::canon_path(&joined)))
            }
            _ => {
                let mut ctx = Context::default();
                let mut s = self.coerce_to_string(&a, &mut ctx, false, true, span)?;
                s.push_str(&self.coerce_to_string(&b, &mut ctx, false, true, span)?);
                self.charge(s.len() as u64 + 32)?;
                Ok(Value::string_ctx(s, ctx))
            }
        }
    }

    fn concat(
        &mut self,
        parts: &[(ExprRef, Span)],
        force_string: bool,
        env: &Env,
        span: Span,
    ) -> EvalResult<Value> {
        let mut ctx = Context::default();
        let mut out = String::new();
        let mut first_path: Option<()> = None;
        for (i, (p, psp)) in parts.iter().enumerate() {
            let v = self.eval_fast(p, env)?;
            if let Value::Unknown(u) = &v {
                return Ok(Value::Unknown(Unknown::new(UnknownKind::Interpolation(
                    u.clone(),
                ))));
            }
            if i == 0 && !force_string && matches!(v, Value::Path(_)) {
                first_path = Some(());
                if let Value::Path(p) = &v {
                    out.push_str(p);
                }
                continue;
            }
            let r = self.coerce_to_string(&v, &mut ctx, false, first_path.is_none(), *psp);
            match r {
                Ok(s) => out.push_str(&s),
                Err(e) => {
                    if let Some(u) = e.as_unknown() {
                        return Ok(Value::Unknown(Unknown::new(UnknownKind::Interpolation(
                            u.clone(),
                        ))));
                    }
                    return Err(e);
                }
            }
        }
        self.charge(out.len() as u64 + 32)?;
        if first_path.is_some() {
            if !ctx.is_empty() {
                return Err(EvalError::eval(
                    "a string that refers to a store path cannot be appended to a path",
                    span,
                ));
            }
            return Ok(Value::path(super::compile::canon_path(&out)));
        }
        Ok(Value::string_ctx(out, ctx))
    }

    /// Nix's `coerceToString`. `coerce_more` also converts null, booleans,
    /// numbers and lists (as `toString` does). `copy_to_store` marks places
    /// where Nix would copy a path to the store; nixfold never copies and
    /// uses the path itself (after the pure-mode access check).
    pub fn coerce_to_string(
        &mut self,
        v: &Value,
        ctx: &mut Context,
        coerce_more: bool,
        copy_to_store: bool,
        span: Span,
    ) -> EvalResult<String> {
        let v = self.force(v)?;
        match &v {
            Value::String(s) => {
                ctx.extend(&s.ctx);
                Ok(s.s.clone())
            }
            Value::Path(p) => {
                if copy_to_store {
                    // Nix copies the path to the store and refers to the
                    // copy; nixfold computes the copy's path only.
                    let sp = self.copy_path_to_store(p, span)?;
                    ctx.insert(sp.clone());
                    return Ok(sp);
                }
                Ok(p.to_string())
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(self.syms.to_string) {
                    let f = f.clone();
                    let r = self.call(&f, v.clone(), span)?;
                    return self.coerce_to_string(&r, ctx, coerce_more, copy_to_store, span);
                }
                if let Some(o) = a.get(self.syms.out_path) {
                    let o = o.clone();
                    return self.coerce_to_string(&o, ctx, coerce_more, copy_to_store, span);
                }
                Err(EvalError::eval("cannot coerce a set to a string", span))
            }
            Value::Unknown(u) => Err(EvalError::new(
                ErrorKind::UnknownValue(u.clone()),
                "unknown value",
                span,
            )),
            _ if coerce_more => match &v {
                Value::Bool(true) => Ok("1".into()),
                Value::Bool(false) | Value::Null => Ok(String::new()),
                Value::Int(i) => Ok(i.to_string()),
                Value::Float(f) => Ok(super::print::format_float_fixed(*f)),
                Value::List(l) => {
                    let mut out = String::new();
                    let n = l.len();
                    for (i, item) in l.iter().enumerate() {
                        let item = self.force(item)?;
                        out.push_str(&self.coerce_to_string(
                            &item,
                            ctx,
                            coerce_more,
                            copy_to_store,
                            span,
                        )?);
                        if i + 1 < n && !matches!(&item, Value::List(x) if x.is_empty()) {
                            out.push(' ');
                        }
                    }
                    Ok(out)
                }
                other => Err(EvalError::eval(
                    format!("cannot coerce {} to a string", other.type_desc()),
                    span,
                )),
            },
            other => Err(EvalError::eval(
                format!("cannot coerce {} to a string", other.type_desc()),
                span,
            )),
        }
    }

    /// Where Nix would copy a path to the store, nixfold checks that it
    /// could: access is allowed and the path exists.
    pub(crate) fn check_copyable(&self, p: &str, span: Span) -> EvalResult<()> {
        self.check_access(std::path::Path::new(p), span)?;
        if std::fs::symlink_metadata(p).is_err() {
            return Err(EvalError::eval(
                format!("getting status of '{p}': No such file or directory"),
                span,
            ));
        }
        Ok(())
    }

    /// Nix's `==` (`top` is false inside lists and sets, where identical
    /// values are equal even if they are functions, as in Nix).
    pub fn values_equal(&mut self, a: &Value, b: &Value, top: bool) -> EvalResult<bool> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            self.depth -= 1;
            return Err(self.limit_error("stack overflow (possible infinite recursion)"));
        }
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            self.values_equal_inner(a, b, top)
        });
        self.depth -= 1;
        r
    }

    fn values_equal_inner(&mut self, a: &Value, b: &Value, top: bool) -> EvalResult<bool> {
        if !top && a.ptr_eq(b) {
            return Ok(true);
        }
        let a = self.force(a)?;
        let b = self.force(b)?;
        if !top && a.ptr_eq(&b) {
            return Ok(true);
        }
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::String(x), Value::String(y)) => x.s == y.s,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.values_equal(p, q, false)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if self.is_derivation(x)?
                    && self.is_derivation(y)?
                    && let (Some(p), Some(q)) =
                        (x.get(self.syms.out_path), y.get(self.syms.out_path))
                {
                    let (p, q) = (p.clone(), q.clone());
                    return self.values_equal(&p, &q, false);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for ((k1, v1), (k2, v2)) in x.iter().zip(y.iter()) {
                    if k1 != k2 || !self.values_equal(v1, v2, false)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Unknown(u), other) | (other, Value::Unknown(u)) => {
                return Err(EvalError::new(
                    ErrorKind::UnknownValue(u.clone()),
                    format!("unknown value compared with {}", other.type_desc()),
                    Span::NONE,
                ));
            }
            _ => false,
        })
    }

    /// `type == "derivation"`.
    pub(crate) fn is_derivation(&mut self, a: &Attrs) -> EvalResult<bool> {
        match a.get(self.syms.type_) {
            Some(t) => {
                let t = t.clone();
                let t = self.force(&t)?;
                Ok(matches!(&t, Value::String(s) if s.s == "derivation"))
            }
            None => Ok(false),
        }
    }

    /// Nix's `<` (`builtins.lessThan`).
    pub fn less_than(&mut self, a: &Value, b: &Value, span: Span) -> EvalResult<bool> {
        let a = self.force(a)?;
        let b = self.force(b)?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x < y,
            (Value::Float(x), Value::Float(y)) => x < y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) < *y,
            (Value::Float(x), Value::Int(y)) => *x < (*y as f64),
            (Value::String(x), Value::String(y)) => x.s.as_bytes() < y.s.as_bytes(),
            (Value::Path(x), Value::Path(y)) => x.as_bytes() < y.as_bytes(),
            (Value::List(x), Value::List(y)) => {
                let mut i = 0;
                loop {
                    if i == y.len() {
                        return Ok(false);
                    }
                    if i == x.len() {
                        return Ok(true);
                    }
                    if !self.values_equal(&x[i], &y[i], false)? {
                        let (p, q) = (x[i].clone(), y[i].clone());
                        return stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
                            self.less_than(&p, &q, span)
                        });
                    }
                    i += 1;
                }
            }
            (Value::Unknown(u), _) | (_, Value::Unknown(u)) => {
                return Err(EvalError::new(
                    ErrorKind::UnknownValue(u.clone()),
                    "unknown value",
                    span,
                ));
            }
            _ => {
                return Err(EvalError::eval(
                    format!("cannot compare {} with {}", a.type_desc(), b.type_desc()),
                    span,
                ));
            }
        })
    }

    /// Force a value and everything inside it (`deepSeq`, `--strict`).
    pub fn force_deep(&mut self, v: &Value) -> EvalResult<()> {
        // Explicit work stack: no recursion on deep values.
        let mut stack = vec![v.clone()];
        let mut seen: rustc_hash::FxHashSet<usize> = rustc_hash::FxHashSet::default();
        while let Some(v) = stack.pop() {
            let f = self.force(&v)?;
            match &f {
                Value::Attrs(a) => {
                    if !seen.insert(Rc::as_ptr(a) as *const u8 as usize) {
                        continue;
                    }
                    for (_, x) in a.iter().rev() {
                        stack.push(x.clone());
                    }
                }
                Value::List(l) => {
                    if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                        continue;
                    }
                    for x in l.iter().rev() {
                        stack.push(x.clone());
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
