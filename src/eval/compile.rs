//! rnix syntax tree → [`ir`](super::ir).
//!
//! Runs once per file. Attribute sets are first collected into a
//! syntax-level tree (merging `a.b = …; a.c = …;` and `a = { … }; a.d = …;`
//! the way Nix's parser does, including its duplicate-attribute errors), then
//! compiled with a scope stack that resolves every variable to a frame slot,
//! a `with` lookup or a built-in constant.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::error::{ErrorKind, EvalError, EvalResult, Span};
use super::ir::*;
use super::symbol::Symbol;
use super::value::Value;
use crate::syntax::ast::{self, AstToken, HasEntry, InterpolPart};
use crate::syntax::{AstNode, SyntaxKind, TextRange};

/// Names visible in every file: built-ins, plus whatever the caller adds
/// (scope of `scopedImport`, names bound to unknowns).
pub type BaseScope = Rc<FxHashMap<Symbol, Value>>;

/// Compile-time context for one file.
pub struct Compiler<'a> {
    file: u32,
    /// Directory relative paths are resolved against (absolute, canonical).
    base_dir: &'a str,
    /// `$HOME` for `~/…` paths.
    home: &'a str,
    base: &'a FxHashMap<Symbol, Value>,
    scopes: Vec<Scope>,
    depth: usize,
    /// Deepest expression nesting seen (for dropping the syntax tree safely).
    pub max_depth: usize,
}

enum Scope {
    Frame(FxHashMap<Symbol, u32>),
    With,
}

fn err(msg: impl Into<String>, span: Span) -> EvalError {
    EvalError::new(ErrorKind::Parse, msg, span)
}

impl<'a> Compiler<'a> {
    pub fn new(
        file: u32,
        base_dir: &'a str,
        home: &'a str,
        base: &'a FxHashMap<Symbol, Value>,
    ) -> Self {
        Compiler {
            file,
            base_dir,
            home,
            base,
            scopes: Vec::new(),
            depth: 0,
            max_depth: 0,
        }
    }

    fn span(&self, r: TextRange) -> Span {
        Span {
            file: self.file,
            start: r.start().into(),
            end: r.end().into(),
        }
    }

    fn span_of(&self, n: &impl AstNode) -> Span {
        self.span(n.syntax().text_range())
    }

    /// Compile a whole file's root expression.
    pub fn compile_root(&mut self, root: &ast::Root) -> EvalResult<ExprRef> {
        match root.expr() {
            Some(e) => self.expr(&e),
            None => Err(err("syntax error: empty expression", self.span_of(root))),
        }
    }

    fn expr(&mut self, e: &ast::Expr) -> EvalResult<ExprRef> {
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.expr_inner(e));
        self.depth -= 1;
        r
    }

    fn opt_expr(&mut self, e: Option<ast::Expr>, parent: &impl AstNode) -> EvalResult<ExprRef> {
        match e {
            Some(e) => self.expr(&e),
            None => Err(err(
                "syntax error: missing expression",
                self.span_of(parent),
            )),
        }
    }

    fn expr_inner(&mut self, e: &ast::Expr) -> EvalResult<ExprRef> {
        let span = self.span_of(e);
        Ok(ExprRef::new(match e {
            ast::Expr::Paren(p) => return self.opt_expr(p.expr(), p),
            ast::Expr::Root(r) => return self.opt_expr(r.expr(), r),
            ast::Expr::Error(_) => return Err(err("syntax error", span)),
            ast::Expr::Literal(l) => Expr::Const(self.literal(l, span)?),
            ast::Expr::Ident(i) => {
                let name = ident_text(i);
                return self.resolve(Symbol::new(&name), span);
            }
            ast::Expr::Str(s) => return self.string(s, span),
            ast::Expr::PathAbs(p) => return self.path(&p.parts(), PathKind::Abs, span),
            ast::Expr::PathRel(p) => return self.path(&p.parts(), PathKind::Rel, span),
            ast::Expr::PathHome(p) => return self.path(&p.parts(), PathKind::Home, span),
            ast::Expr::PathSearch(p) => {
                let text = p
                    .content()
                    .map(|c| c.text().to_string())
                    .unwrap_or_default();
                let inner = text
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string();
                let find = self.resolve(Symbol::new("__findFile"), span)?;
                let np = self.resolve(Symbol::new("__nixPath"), span)?;
                let a1 = ExprRef::new(Expr::Apply {
                    f: find,
                    arg: np,
                    span,
                });
                Expr::Apply {
                    f: a1,
                    arg: ExprRef::new(Expr::Const(Value::string(inner))),
                    span,
                }
            }
            ast::Expr::CurPos(_) => Expr::CurPos(span),
            ast::Expr::List(l) => {
                let mut items = Vec::new();
                for it in l.items() {
                    items.push(self.expr(&it)?);
                }
                Expr::List(items.into_boxed_slice())
            }
            ast::Expr::Apply(a) => {
                let f = self.opt_expr(a.lambda(), a)?;
                let arg = self.opt_expr(a.argument(), a)?;
                Expr::Apply { f, arg, span }
            }
            ast::Expr::Lambda(l) => Expr::Lambda(Rc::new(self.lambda(l, None)?)),
            ast::Expr::IfElse(i) => Expr::If {
                cond: self.opt_expr(i.condition(), i)?,
                then: self.opt_expr(i.body(), i)?,
                else_: self.opt_expr(i.else_body(), i)?,
                span: i.condition().map(|c| self.span_of(&c)).unwrap_or(span),
            },
            ast::Expr::Assert(a) => Expr::Assert {
                cond: self.opt_expr(a.condition(), a)?,
                body: self.opt_expr(a.body(), a)?,
                span,
            },
            ast::Expr::With(w) => {
                let scope = self.opt_expr(w.namespace(), w)?;
                self.scopes.push(Scope::With);
                let body = self.opt_expr(w.body(), w);
                self.scopes.pop();
                Expr::With { scope, body: body? }
            }
            ast::Expr::Select(s) => {
                let e = self.opt_expr(s.expr(), s)?;
                let path = self.attrpath(s.attrpath(), s)?;
                let default = match s.default_expr() {
                    Some(d) => Some(self.expr(&d)?),
                    None => None,
                };
                Expr::Select {
                    e,
                    path,
                    default,
                    span,
                }
            }
            ast::Expr::HasAttr(h) => {
                let e = self.opt_expr(h.expr(), h)?;
                let path = self.attrpath(h.attrpath(), h)?;
                Expr::HasAttr { e, path, span }
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.opt_expr(u.expr(), u)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Expr::Not(inner, span),
                    Some(ast::UnaryOpKind::Negate) => Expr::Bin {
                        op: BinOp::Sub,
                        l: ExprRef::new(Expr::Const(Value::Int(0))),
                        r: inner,
                        span,
                    },
                    None => return Err(err("syntax error: unknown operator", span)),
                }
            }
            ast::Expr::BinOp(b) => {
                let l = self.opt_expr(b.lhs(), b)?;
                let r = self.opt_expr(b.rhs(), b)?;
                use ast::BinOpKind as K;
                let op = match b.operator() {
                    Some(K::Concat) => BinOp::ConcatLists,
                    Some(K::Update) => BinOp::Update,
                    Some(K::Add) => BinOp::Add,
                    Some(K::Sub) => BinOp::Sub,
                    Some(K::Mul) => BinOp::Mul,
                    Some(K::Div) => BinOp::Div,
                    Some(K::And) => BinOp::And,
                    Some(K::Or) => BinOp::Or,
                    Some(K::Implication) => BinOp::Impl,
                    Some(K::Equal) => BinOp::Eq,
                    Some(K::NotEqual) => BinOp::NotEq,
                    Some(K::Less) => BinOp::Less,
                    Some(K::LessOrEq) => BinOp::LessEq,
                    Some(K::More) => BinOp::Greater,
                    Some(K::MoreOrEq) => BinOp::GreaterEq,
                    Some(K::PipeLeft) | Some(K::PipeRight) | None => {
                        return Err(err(
                            "syntax error: pipe operators are not supported by Nix 2.8",
                            span,
                        ));
                    }
                };
                Expr::Bin { op, l, r, span }
            }
            ast::Expr::AttrSet(a) => {
                let rec = a.rec_token().is_some();
                let mut p = PendingAttrs::new(rec);
                self.collect_entries(&mut p, a.entries())?;
                Expr::Attrs(Rc::new(self.compile_attrs(p)?))
            }
            ast::Expr::LetIn(l) => {
                let mut p = PendingAttrs::new(true);
                self.collect_entries(&mut p, l.entries())?;
                if let Some(d) = p.dynamics.first() {
                    return Err(err("dynamic attributes not allowed in let", d.span));
                }
                return self.compile_let(p, |c| c.opt_expr(l.body(), l));
            }
            ast::Expr::LegacyLet(l) => {
                // `let { …; body = e; }` is `(rec { …; body = e; }).body`.
                let mut p = PendingAttrs::new(true);
                self.collect_entries(&mut p, l.entries())?;
                let attrs = ExprRef::new(Expr::Attrs(Rc::new(self.compile_attrs(p)?)));
                Expr::Select {
                    e: attrs,
                    path: vec![AttrName::Static(Symbol::new("body"))].into_boxed_slice(),
                    default: None,
                    span,
                }
            }
        }))
    }

    fn literal(&self, l: &ast::Literal, span: Span) -> EvalResult<Value> {
        Ok(match l.kind() {
            ast::LiteralKind::Integer(i) => match i.value() {
                Ok(v) => Value::Int(v),
                Err(_) => {
                    return Err(err(
                        format!("invalid integer '{}'", i.syntax().text()),
                        span,
                    ));
                }
            },
            ast::LiteralKind::Float(f) => match f.value() {
                Ok(v) => Value::Float(v),
                Err(_) => {
                    return Err(err(format!("invalid float '{}'", f.syntax().text()), span));
                }
            },
            ast::LiteralKind::Uri(u) => Value::string(u.syntax().text()),
        })
    }

    /// Resolve a variable: lexical scopes (innermost first), then built-ins,
    /// then the enclosing `with`s.
    fn resolve(&self, name: Symbol, span: Span) -> EvalResult<ExprRef> {
        let mut withs = Vec::new();
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            match scope {
                Scope::Frame(m) => {
                    if let Some(&idx) = m.get(&name) {
                        return Ok(ExprRef::new(Expr::Var {
                            depth: depth as u32,
                            idx,
                        }));
                    }
                }
                Scope::With => withs.push(depth as u32),
            }
        }
        if let Some(v) = self.base.get(&name) {
            return Ok(ExprRef::new(Expr::Const(v.clone())));
        }
        if withs.is_empty() {
            return Err(EvalError::new(
                ErrorKind::Eval,
                format!("undefined variable '{name}'"),
                span,
            ));
        }
        Ok(ExprRef::new(Expr::WithVar {
            name,
            withs: withs.into_boxed_slice(),
            span,
        }))
    }

    fn lambda(&mut self, l: &ast::Lambda, name: Option<Symbol>) -> EvalResult<LambdaDef> {
        let span = self.span_of(l);
        let param = l
            .param()
            .ok_or_else(|| err("syntax error: missing parameter", span))?;
        match param {
            ast::Param::IdentParam(ip) => {
                let n = ip
                    .ident()
                    .map(|i| ident_text(&i))
                    .ok_or_else(|| err("syntax error: missing parameter", span))?;
                let mut m = FxHashMap::default();
                m.insert(Symbol::new(&n), 0);
                self.scopes.push(Scope::Frame(m));
                let body = self.opt_expr(l.body(), l);
                self.scopes.pop();
                Ok(LambdaDef {
                    name,
                    param: Param::Ident,
                    body: body?,
                    span,
                })
            }
            ast::Param::Pattern(p) => {
                let mut names = Vec::new();
                let mut m = FxHashMap::default();
                for e in p.pat_entries() {
                    let Some(id) = e.ident() else { continue };
                    let sym = Symbol::new(&ident_text(&id));
                    if m.insert(sym, names.len() as u32).is_some() {
                        return Err(err(
                            format!("duplicate formal function argument '{sym}'"),
                            self.span_of(&e),
                        ));
                    }
                    names.push((sym, e.default(), self.span_of(&id)));
                }
                let at = p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .map(|i| Symbol::new(&ident_text(&i)));
                if let Some(a) = at {
                    if m.contains_key(&a) {
                        return Err(err(
                            format!("duplicate formal function argument '{a}'"),
                            span,
                        ));
                    }
                    m.insert(a, names.len() as u32);
                }
                self.scopes.push(Scope::Frame(m));
                let res = (|| {
                    let mut entries = Vec::new();
                    for (sym, d, span) in &names {
                        let default = match d {
                            Some(d) => Some(self.expr(d)?),
                            None => None,
                        };
                        entries.push(Formal {
                            name: *sym,
                            default,
                            span: *span,
                        });
                    }
                    let body = self.opt_expr(l.body(), l)?;
                    Ok((entries, body))
                })();
                self.scopes.pop();
                let (entries, body) = res?;
                let mut sorted_ids: Vec<u32> = entries.iter().map(|f| f.name.id()).collect();
                sorted_ids.sort_unstable();
                Ok(LambdaDef {
                    name,
                    param: Param::Formals(Formals {
                        entries,
                        sorted_ids,
                        ellipsis: p.ellipsis_token().is_some(),
                        at,
                    }),
                    body,
                    span,
                })
            }
        }
    }

    fn attrpath(
        &mut self,
        p: Option<ast::Attrpath>,
        parent: &impl AstNode,
    ) -> EvalResult<Box<[AttrName]>> {
        let p =
            p.ok_or_else(|| err("syntax error: missing attribute path", self.span_of(parent)))?;
        let mut out = Vec::new();
        for a in p.attrs() {
            out.push(match self.attr_key(&a)? {
                Key::Static(s, _) => AttrName::Static(s),
                Key::Dynamic(e, _) => AttrName::Dynamic(self.expr(&e)?),
            });
        }
        Ok(out.into_boxed_slice())
    }

    /// Classify one attribute name: static when its text is known.
    fn attr_key(&self, a: &ast::Attr) -> EvalResult<Key> {
        let span = self.span_of(a);
        Ok(match a {
            ast::Attr::Ident(i) => Key::Static(Symbol::new(&ident_text(i)), span),
            ast::Attr::Str(s) => match static_string(s) {
                Some(t) => Key::Static(Symbol::new(&t), span),
                None => Key::Dynamic(ast::Expr::Str(s.clone()), span),
            },
            ast::Attr::Dynamic(d) => {
                let inner = d
                    .expr()
                    .ok_or_else(|| err("syntax error: empty `${}`", span))?;
                let mut e = inner;
                while let ast::Expr::Paren(p) = &e {
                    match p.expr() {
                        Some(x) => e = x,
                        None => break,
                    }
                }
                match &e {
                    ast::Expr::Str(s) => match static_string(s) {
                        Some(t) => Key::Static(Symbol::new(&t), span),
                        None => Key::Dynamic(e.clone(), span),
                    },
                    _ => Key::Dynamic(e, span),
                }
            }
        })
    }

    // ---- attribute sets -------------------------------------------------

    fn collect_entries(
        &self,
        p: &mut PendingAttrs,
        entries: impl Iterator<Item = ast::Entry>,
    ) -> EvalResult<()> {
        for entry in entries {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    // Nix places inherited attributes right after `inherit`
                    // or `(…)`.
                    let list_start = inh
                        .from()
                        .map(|f| f.syntax().text_range().end())
                        .or_else(|| inh.inherit_token().map(|t| t.text_range().end()));
                    for a in inh.attrs() {
                        let (sym, span) = match self.attr_key(&a)? {
                            Key::Static(s, sp) => match list_start {
                                Some(st) => (s, self.span(TextRange::empty(st))),
                                None => (s, sp),
                            },
                            Key::Dynamic(_, sp) => {
                                return Err(err("dynamic attributes not allowed in inherit", sp));
                            }
                        };
                        if let Some(prev) = p.find(sym) {
                            return Err(self.dup_attr(&sym.to_string(), span, p.statics[prev].2));
                        }
                        let v = match &from {
                            Some(f) => PendingValue::InheritFrom(f.clone(), sym),
                            None => PendingValue::Inherit(sym),
                        };
                        p.push_static(sym, v, span);
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let span = self.span_of(&av);
                    let path = av
                        .attrpath()
                        .ok_or_else(|| err("syntax error: missing attribute path", span))?;
                    let keys: Vec<Key> = path
                        .attrs()
                        .map(|a| self.attr_key(&a))
                        .collect::<EvalResult<_>>()?;
                    let value = av
                        .value()
                        .ok_or_else(|| err("syntax error: missing value", span))?;
                    self.add_attr(p, &keys, value, span)?;
                }
            }
        }
        Ok(())
    }

    fn dup_attr(&self, path: &str, span: Span, prev: Span) -> EvalError {
        err(
            format!(
                "attribute '{path}' already defined at {}",
                PosRef(prev).render()
            ),
            span,
        )
        .with_prev(prev)
    }

    fn add_attr(
        &self,
        root: &mut PendingAttrs,
        keys: &[Key],
        value: ast::Expr,
        span: Span,
    ) -> EvalResult<()> {
        let path_str = || {
            keys.iter()
                .map(|k| match k {
                    Key::Static(s, _) => s.to_string(),
                    Key::Dynamic(..) => "\"${...}\"".to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        let mut cur = root;
        let Some((last, init)) = keys.split_last() else {
            return Err(err("syntax error: empty attribute path", span));
        };
        for k in init {
            match k {
                Key::Static(sym, _) => {
                    let idx = match cur.find(*sym) {
                        Some(i) => {
                            let prev_span = cur.statics[i].2;
                            if let PendingValue::Expr(e) = &cur.statics[i].1
                                && let Some(lit) = attrset_literal(e)
                            {
                                let mut nested = PendingAttrs::new(lit.rec_token().is_some());
                                self.collect_entries(&mut nested, lit.entries())?;
                                cur.statics[i].1 = PendingValue::Nested(Box::new(nested));
                            }
                            if !matches!(cur.statics[i].1, PendingValue::Nested(_)) {
                                return Err(self.dup_attr(&path_str(), span, prev_span));
                            }
                            i
                        }
                        None => {
                            cur.push_static(
                                *sym,
                                PendingValue::Nested(Box::new(PendingAttrs::new(false))),
                                span,
                            );
                            cur.statics.len() - 1
                        }
                    };
                    cur = match &mut cur.statics[idx].1 {
                        PendingValue::Nested(n) => n,
                        _ => unreachable!(),
                    };
                }
                Key::Dynamic(e, kspan) => {
                    cur.dynamics.push(PendingDynamic {
                        key: e.clone(),
                        value: PendingValue::Nested(Box::new(PendingAttrs::new(false))),
                        span: *kspan,
                    });
                    let n = cur.dynamics.len() - 1;
                    cur = match &mut cur.dynamics[n].value {
                        PendingValue::Nested(n) => n,
                        _ => unreachable!(),
                    };
                }
            }
        }
        match last {
            Key::Static(sym, _) => {
                if let Some(i) = cur.find(*sym) {
                    let prev_span = cur.statics[i].2;
                    let new_lit = attrset_literal(&value);
                    // Both sides attribute sets: merge the new one's static
                    // attributes into the existing one (as Nix does; the new
                    // set's dynamic attributes and `rec` are dropped).
                    if let Some(lit) = new_lit {
                        if let PendingValue::Expr(e) = &cur.statics[i].1
                            && let Some(old) = attrset_literal(e)
                        {
                            let mut nested = PendingAttrs::new(old.rec_token().is_some());
                            self.collect_entries(&mut nested, old.entries())?;
                            cur.statics[i].1 = PendingValue::Nested(Box::new(nested));
                        }
                        if let PendingValue::Nested(existing) = &mut cur.statics[i].1 {
                            let mut add = PendingAttrs::new(false);
                            self.collect_entries(&mut add, lit.entries())?;
                            for (s, v, sp) in add.statics {
                                if let Some(j) = existing.find(s) {
                                    return Err(self.dup_attr(
                                        &s.to_string(),
                                        sp,
                                        existing.statics[j].2,
                                    ));
                                }
                                existing.push_static(s, v, sp);
                            }
                            return Ok(());
                        }
                    }
                    return Err(self.dup_attr(&path_str(), span, prev_span));
                }
                let v = match attrset_literal(&value) {
                    Some(lit) => {
                        let mut nested = PendingAttrs::new(lit.rec_token().is_some());
                        self.collect_entries(&mut nested, lit.entries())?;
                        PendingValue::Nested(Box::new(nested))
                    }
                    None => PendingValue::Expr(value),
                };
                cur.push_static(*sym, v, span);
            }
            Key::Dynamic(e, kspan) => {
                cur.dynamics.push(PendingDynamic {
                    key: e.clone(),
                    value: PendingValue::Expr(value),
                    span: *kspan,
                });
            }
        }
        Ok(())
    }

    fn pending_value(&mut self, v: PendingValue, name: Option<Symbol>) -> EvalResult<ExprRef> {
        match v {
            PendingValue::Expr(e) => {
                // Give lambdas their binding's name for messages.
                let mut inner = e.clone();
                while let ast::Expr::Paren(p) = &inner {
                    match p.expr() {
                        Some(x) => inner = x,
                        None => break,
                    }
                }
                if let ast::Expr::Lambda(l) = &inner {
                    return Ok(ExprRef::new(Expr::Lambda(Rc::new(self.lambda(l, name)?))));
                }
                self.expr(&e)
            }
            PendingValue::Nested(n) => {
                Ok(ExprRef::new(Expr::Attrs(Rc::new(self.compile_attrs(*n)?))))
            }
            PendingValue::Inherit(sym) => self.resolve(sym, Span::NONE),
            PendingValue::InheritFrom(from, sym) => {
                let span = self.span_of(&from);
                let e = self.expr(&from)?;
                Ok(ExprRef::new(Expr::Select {
                    e,
                    path: vec![AttrName::Static(sym)].into_boxed_slice(),
                    default: None,
                    span,
                }))
            }
        }
    }

    fn compile_attrs(&mut self, p: PendingAttrs) -> EvalResult<AttrsDef> {
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.compile_attrs_inner(p))
    }

    fn compile_attrs_inner(&mut self, p: PendingAttrs) -> EvalResult<AttrsDef> {
        let mut statics = p.statics;
        statics.sort_by_key(|(s, _, _)| s.id());
        if p.rec {
            let m: FxHashMap<Symbol, u32> = statics
                .iter()
                .enumerate()
                .map(|(i, (s, _, _))| (*s, i as u32))
                .collect();
            let mut out = Vec::with_capacity(statics.len());
            // Inherited values are compiled in the enclosing scope.
            let mut inherited = Vec::new();
            for (s, v, _) in &statics {
                inherited.push(matches!(v, PendingValue::Inherit(_)));
                let _ = s;
            }
            let mut compiled_inherit: Vec<Option<ExprRef>> = vec![None; statics.len()];
            for (i, (s, v, _)) in statics.iter().enumerate() {
                if let PendingValue::Inherit(sym) = v {
                    let _ = s;
                    compiled_inherit[i] = Some(self.resolve(*sym, statics[i].2)?);
                }
            }
            self.scopes.push(Scope::Frame(m));
            let res = (|| {
                for (i, (s, v, sp)) in statics.into_iter().enumerate() {
                    let value = match compiled_inherit[i].take() {
                        Some(e) => e,
                        None => self.pending_value(v, Some(s))?,
                    };
                    out.push(StaticAttr {
                        name: s,
                        value,
                        inherited: inherited[i],
                        span: sp,
                    });
                }
                let mut dynamics = Vec::new();
                for d in p.dynamics {
                    let key = self.expr(&d.key)?;
                    let value = self.pending_value(d.value, None)?;
                    dynamics.push(DynamicAttr {
                        key,
                        value,
                        span: d.span,
                    });
                }
                Ok(dynamics)
            })();
            self.scopes.pop();
            let dynamics = res?;
            Ok(AttrsDef {
                rec: true,
                statics: out,
                dynamics,
            })
        } else {
            let mut out = Vec::with_capacity(statics.len());
            for (s, v, sp) in statics {
                let inherited = matches!(v, PendingValue::Inherit(_));
                let value = if let PendingValue::Inherit(sym) = &v {
                    self.resolve(*sym, sp)?
                } else {
                    self.pending_value(v, Some(s))?
                };
                out.push(StaticAttr {
                    name: s,
                    value,
                    inherited,
                    span: sp,
                });
            }
            let mut dynamics = Vec::new();
            for d in p.dynamics {
                let key = self.expr(&d.key)?;
                let value = self.pending_value(d.value, None)?;
                dynamics.push(DynamicAttr {
                    key,
                    value,
                    span: d.span,
                });
            }
            Ok(AttrsDef {
                rec: false,
                statics: out,
                dynamics,
            })
        }
    }

    fn compile_let(
        &mut self,
        p: PendingAttrs,
        body: impl FnOnce(&mut Self) -> EvalResult<ExprRef>,
    ) -> EvalResult<ExprRef> {
        let statics = p.statics;
        let m: FxHashMap<Symbol, u32> = statics
            .iter()
            .enumerate()
            .map(|(i, (s, _, _))| (*s, i as u32))
            .collect();
        let mut pre: Vec<Option<ExprRef>> = Vec::with_capacity(statics.len());
        for (_, v, sp) in &statics {
            pre.push(match v {
                PendingValue::Inherit(sym) => Some(self.resolve(*sym, *sp)?),
                _ => None,
            });
        }
        self.scopes.push(Scope::Frame(m));
        let res = (|| {
            let mut bindings = Vec::with_capacity(statics.len());
            for (i, (s, v, _)) in statics.into_iter().enumerate() {
                match pre[i].take() {
                    Some(e) => bindings.push((e, true)),
                    None => bindings.push((self.pending_value(v, Some(s))?, false)),
                }
            }
            let body = body(self)?;
            Ok(ExprRef::new(Expr::Let(Rc::new(LetDef { bindings, body }))))
        })();
        self.scopes.pop();
        res
    }

    // ---- strings and paths ----------------------------------------------

    fn string(&mut self, s: &ast::Str, span: Span) -> EvalResult<ExprRef> {
        let indented = s.syntax().first_token().is_some_and(|t| t.text() == "''");
        let parts = if indented {
            self.indented_parts(s)?
        } else {
            let mut out = Vec::new();
            for p in s.parts() {
                match p {
                    InterpolPart::Literal(l) => {
                        let t = unescape_str(l.syntax().text());
                        if !t.is_empty() {
                            out.push(StrPart::Lit(t));
                        }
                    }
                    InterpolPart::Interpolation(i) => {
                        let e = i
                            .expr()
                            .ok_or_else(|| err("syntax error: empty `${}`", self.span_of(&i)))?;
                        out.push(StrPart::Expr(e, self.span_of(&i)));
                    }
                }
            }
            out
        };
        // A plain literal is a constant.
        match parts.as_slice() {
            [] => return Ok(ExprRef::new(Expr::Const(Value::string("")))),
            [StrPart::Lit(t)] => return Ok(ExprRef::new(Expr::Const(Value::string(t.clone())))),
            _ => {}
        }
        let mut out = Vec::new();
        for p in parts {
            match p {
                StrPart::Lit(t) => out.push((ExprRef::new(Expr::Const(Value::string(t))), span)),
                StrPart::Expr(e, sp) => out.push((self.expr(&e)?, sp)),
            }
        }
        Ok(ExprRef::new(Expr::Concat {
            parts: out.into_boxed_slice(),
            force_string: true,
            span,
        }))
    }

    /// Nix's indented-string processing: split the raw text into the
    /// lexer's tokens (escapes do not count as indentation), find the
    /// minimum indentation, strip it, drop a whitespace-only last line.
    fn indented_parts(&mut self, s: &ast::Str) -> EvalResult<Vec<StrPart>> {
        enum Tok {
            Text(String, bool),
            Expr(ast::Expr, Span),
        }
        let mut toks: Vec<Tok> = Vec::new();
        let mut first = true;
        for p in s.parts() {
            match p {
                InterpolPart::Literal(l) => {
                    let mut raw = l.syntax().text();
                    if first {
                        // `''` swallows spaces and one newline right after it.
                        let sp = raw.len() - raw.trim_start_matches(' ').len();
                        if raw[sp..].starts_with('\n') {
                            raw = &raw[sp + 1..];
                        }
                    }
                    for (t, ind) in lex_indented(raw) {
                        toks.push(Tok::Text(t, ind));
                    }
                }
                InterpolPart::Interpolation(i) => {
                    let e = i
                        .expr()
                        .ok_or_else(|| err("syntax error: empty `${}`", self.span_of(&i)))?;
                    toks.push(Tok::Expr(e, self.span_of(&i)));
                }
            }
            first = false;
        }
        // Minimum indentation.
        let mut at_start = true;
        let mut min_indent = usize::MAX;
        let mut cur = 0usize;
        for t in &toks {
            match t {
                Tok::Text(s, true) => {
                    for c in s.chars() {
                        if at_start {
                            if c == ' ' {
                                cur += 1;
                            } else if c == '\n' {
                                cur = 0;
                            } else {
                                at_start = false;
                                min_indent = min_indent.min(cur);
                            }
                        } else if c == '\n' {
                            at_start = true;
                            cur = 0;
                        }
                    }
                }
                _ => {
                    if at_start {
                        at_start = false;
                        min_indent = min_indent.min(cur);
                    }
                }
            }
        }
        if min_indent == usize::MAX {
            min_indent = 1_000_000;
        }
        // Strip.
        let mut out = Vec::new();
        at_start = true;
        let mut dropped = 0usize;
        let n = toks.len();
        for (i, t) in toks.into_iter().enumerate() {
            match t {
                Tok::Expr(e, sp) => {
                    at_start = false;
                    dropped = 0;
                    out.push(StrPart::Expr(e, sp));
                }
                Tok::Text(s, _) => {
                    let mut s2 = String::with_capacity(s.len());
                    for c in s.chars() {
                        if at_start {
                            if c == ' ' {
                                if dropped >= min_indent {
                                    s2.push(c);
                                }
                                dropped += 1;
                            } else if c == '\n' {
                                dropped = 0;
                                s2.push(c);
                            } else {
                                at_start = false;
                                dropped = 0;
                                s2.push(c);
                            }
                        } else {
                            s2.push(c);
                            if c == '\n' {
                                at_start = true;
                            }
                        }
                    }
                    if i + 1 == n
                        && let Some(p) = s2.rfind('\n')
                        && s2[p + 1..].bytes().all(|b| b == b' ')
                    {
                        s2.truncate(p + 1);
                    }
                    out.push(StrPart::Lit(s2));
                }
            }
        }
        // Merge adjacent literals, drop empty ones.
        let mut merged: Vec<StrPart> = Vec::new();
        for p in out {
            match p {
                StrPart::Lit(t) => {
                    if t.is_empty() {
                        continue;
                    }
                    if let Some(StrPart::Lit(prev)) = merged.last_mut() {
                        prev.push_str(&t);
                    } else {
                        merged.push(StrPart::Lit(t));
                    }
                }
                e => merged.push(e),
            }
        }
        Ok(merged)
    }

    fn path(
        &mut self,
        parts: &[InterpolPart<ast::PathContent>],
        kind: PathKind,
        span: Span,
    ) -> EvalResult<ExprRef> {
        let mut out: Vec<(ExprRef, Span)> = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            match p {
                InterpolPart::Literal(l) => {
                    let text = l.text();
                    if i == 0 {
                        let abs = match kind {
                            PathKind::Abs => text.to_string(),
                            PathKind::Rel => format!("{}/{}", self.base_dir, text),
                            PathKind::Home => format!("{}{}", self.home, &text[1..]),
                        };
                        let mut canon = canon_path(&abs);
                        if parts.len() > 1 && text.ends_with('/') && text.len() > 1 {
                            canon.push('/');
                        }
                        out.push((ExprRef::new(Expr::Const(Value::path(canon))), span));
                    } else {
                        out.push((ExprRef::new(Expr::Const(Value::string(text))), span));
                    }
                }
                InterpolPart::Interpolation(ip) => {
                    let e = ip
                        .expr()
                        .ok_or_else(|| err("syntax error: empty `${}`", self.span_of(ip)))?;
                    let sp = self.span_of(ip);
                    out.push((self.expr(&e)?, sp));
                }
            }
        }
        if out.len() == 1 {
            return Ok(out.pop().expect("one part").0);
        }
        Ok(ExprRef::new(Expr::Concat {
            parts: out.into_boxed_slice(),
            force_string: false,
            span,
        }))
    }
}

enum PathKind {
    Abs,
    Rel,
    Home,
}

enum StrPart {
    Lit(String),
    Expr(ast::Expr, Span),
}

enum Key {
    Static(Symbol, Span),
    Dynamic(ast::Expr, Span),
}

enum PendingValue {
    Expr(ast::Expr),
    Nested(Box<PendingAttrs>),
    Inherit(Symbol),
    InheritFrom(ast::Expr, Symbol),
}

struct PendingDynamic {
    key: ast::Expr,
    value: PendingValue,
    span: Span,
}

struct PendingAttrs {
    rec: bool,
    statics: Vec<(Symbol, PendingValue, Span)>,
    index: FxHashMap<Symbol, usize>,
    dynamics: Vec<PendingDynamic>,
}

impl PendingAttrs {
    fn new(rec: bool) -> Self {
        PendingAttrs {
            rec,
            statics: Vec::new(),
            index: FxHashMap::default(),
            dynamics: Vec::new(),
        }
    }

    fn find(&self, s: Symbol) -> Option<usize> {
        self.index.get(&s).copied()
    }

    fn push_static(&mut self, s: Symbol, v: PendingValue, span: Span) {
        self.index.insert(s, self.statics.len());
        self.statics.push((s, v, span));
    }
}

/// The attribute-set literal `e` is (looking through parentheses).
fn attrset_literal(e: &ast::Expr) -> Option<ast::AttrSet> {
    match e {
        ast::Expr::AttrSet(a) => Some(a.clone()),
        ast::Expr::Paren(p) => p.expr().and_then(|x| attrset_literal(&x)),
        _ => None,
    }
}

fn ident_text(i: &ast::Ident) -> String {
    i.syntax()
        .first_token()
        .map(|t| t.text().to_string())
        .unwrap_or_default()
}

/// The value of a string literal without interpolation.
fn static_string(s: &ast::Str) -> Option<String> {
    let indented = s.syntax().first_token().is_some_and(|t| t.text() == "''");
    if indented {
        // Rare as an attribute name; treat via the general path.
        let mut text = String::new();
        for p in s.parts() {
            match p {
                InterpolPart::Literal(l) => text.push_str(l.syntax().text()),
                InterpolPart::Interpolation(_) => return None,
            }
        }
        let mut raw = text.as_str();
        let sp = raw.len() - raw.trim_start_matches(' ').len();
        if raw[sp..].starts_with('\n') {
            raw = &raw[sp + 1..];
        }
        if raw.contains('\n') || raw.starts_with(' ') {
            return None;
        }
        return Some(lex_indented(raw).into_iter().map(|(t, _)| t).collect());
    }
    let mut out = String::new();
    for p in s.parts() {
        match p {
            InterpolPart::Literal(l) => out.push_str(&unescape_str(l.syntax().text())),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// Unescape the body of a `"…"` string the way Nix's lexer does.
pub fn unescape_str(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(c) => out.push(c),
                None => out.push('\\'),
            },
            '\r' => {
                out.push('\n');
                if it.peek() == Some(&'\n') {
                    it.next();
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Split the raw text of an indented string (between interpolations) into
/// the tokens Nix's lexer produces: `(text, counts_as_indentation)`.
fn lex_indented(raw: &str) -> Vec<(String, bool)> {
    let b = raw.as_bytes();
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let flush = |text: &mut String, out: &mut Vec<(String, bool)>| {
        if !text.is_empty() {
            out.push((std::mem::take(text), true));
        }
    };
    while i < b.len() {
        if b[i] == b'\'' && b.get(i + 1) == Some(&b'\'') {
            match b.get(i + 2) {
                Some(b'$') => {
                    flush(&mut text, &mut out);
                    out.push(("$".into(), false));
                    i += 3;
                }
                Some(b'\'') => {
                    flush(&mut text, &mut out);
                    out.push(("''".into(), false));
                    i += 3;
                }
                Some(b'\\') => {
                    flush(&mut text, &mut out);
                    let rest = &raw[i + 3..];
                    let c = rest.chars().next();
                    match c {
                        Some(c) => {
                            let mut esc = String::from("\\");
                            esc.push(c);
                            // `''\` followed by CR LF escapes both.
                            let mut len = c.len_utf8();
                            if c == '\r' && rest[1..].starts_with('\n') {
                                esc.push('\n');
                                len += 1;
                            }
                            out.push((unescape_str(&esc), false));
                            i += 3 + len;
                        }
                        None => i += 3,
                    }
                }
                _ => {
                    // Should not happen inside a string body; keep text.
                    text.push_str("''");
                    i += 2;
                }
            }
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'$') {
            flush(&mut text, &mut out);
            out.push(("'".into(), false));
            i += 1;
        } else if b[i] == b'$' && matches!(b.get(i + 1), Some(b'\'') | None) {
            // A lone `$` before `'` (or at the end) is its own token.
            flush(&mut text, &mut out);
            out.push(("$".into(), false));
            i += 1;
        } else {
            let c = raw[i..].chars().next().expect("char boundary");
            text.push(c);
            i += c.len_utf8();
        }
    }
    flush(&mut text, &mut out);
    out
}

/// Canonicalise an absolute path without touching the file system:
/// collapse `//`, drop `.`, resolve `..` lexically, drop a trailing `/`.
pub fn canon_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = String::with_capacity(p.len());
    for s in parts {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Render a span as `file:line:col` (filled in by the evaluator when it
/// reports errors; at compile time only the raw span is known).
struct PosRef(Span);

impl PosRef {
    fn render(&self) -> String {
        format!("\u{1}{}:{}\u{1}", self.0.file, self.0.start)
    }
}

trait WithPrev {
    fn with_prev(self, prev: Span) -> Self;
}

impl WithPrev for EvalError {
    fn with_prev(self, prev: Span) -> Self {
        self.context(prev, "first definition")
    }
}

/// Replace position markers produced by [`PosRef`] with `file:line:col`.
pub fn resolve_pos_markers(msg: &str, locate: impl Fn(u32, u32) -> String) -> String {
    if !msg.contains('\u{1}') {
        return msg.to_string();
    }
    let mut out = String::new();
    let mut rest = msg;
    while let Some(a) = rest.find('\u{1}') {
        out.push_str(&rest[..a]);
        let after = &rest[a + 1..];
        let Some(b) = after.find('\u{1}') else {
            out.push_str(after);
            return out;
        };
        let inner = &after[..b];
        if let Some((f, o)) = inner.split_once(':')
            && let (Ok(f), Ok(o)) = (f.parse(), o.parse())
        {
            out.push_str(&locate(f, o));
        }
        rest = &after[b + 1..];
    }
    out.push_str(rest);
    out
}

#[allow(dead_code)]
fn _kind_check(k: SyntaxKind) -> bool {
    k == SyntaxKind::NODE_STRING
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canon() {
        assert_eq!(canon_path("/a/./b//c/../d/"), "/a/b/d");
        assert_eq!(canon_path("/.."), "/");
        assert_eq!(canon_path("/"), "/");
    }

    #[test]
    fn indented_lexing() {
        let t = lex_indented("a''$b'''c''\\nd");
        let texts: Vec<&str> = t.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(texts, ["a", "$", "b", "''", "c", "\n", "d"]);
    }
}
