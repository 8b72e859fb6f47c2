//! JSON, TOML and XML conversion.

use std::rc::Rc;

use super::PrimOpDef;
use super::json_parse::Json;
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::ir::Param;
use crate::eval::print::format_float;
use crate::eval::symbol::Symbol;
use crate::eval::value::{Attrs, Context, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("toJSON", 1, to_json),
    PrimOpDef::new("fromJSON", 1, from_json),
    PrimOpDef::global("fromTOML", 1, from_toml),
    PrimOpDef::new("toXML", 1, to_xml),
];

fn to_json(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut ctx = Context::default();
    let mut out = String::new();
    ev.json_into(&args[0], &mut ctx, &mut out, span)?;
    Ok(Value::string_ctx(out, ctx))
}

/// The value of parsed JSON, built without recursion (the input may nest
/// deeply). As in Nix, strings end at a NUL and a repeated key's last value
/// wins.
fn json_to_value(ev: &mut Evaluator, j: Json) -> EvalResult<Value> {
    enum Work {
        Visit(Json),
        List(usize),
        Attrs(Vec<String>),
    }
    let mut work = vec![Work::Visit(j)];
    let mut done: Vec<Value> = Vec::new();
    while let Some(w) = work.pop() {
        match w {
            Work::Visit(mut j) => match &mut j {
                Json::Null => done.push(Value::Null),
                Json::Bool(b) => done.push(Value::Bool(*b)),
                Json::Int(i) => done.push(Value::Int(*i)),
                Json::Float(f) => done.push(Value::Float(*f)),
                Json::Str(s) => {
                    let s = std::mem::take(s);
                    done.push(Value::string(match s.find('\0') {
                        Some(i) => s[..i].to_string(),
                        None => s,
                    }));
                }
                Json::Array(items) => {
                    ev.charge(16 * items.len() as u64)?;
                    work.push(Work::List(items.len()));
                    work.extend(items.drain(..).rev().map(Work::Visit));
                }
                Json::Object(entries) => {
                    ev.charge(24 * entries.len() as u64)?;
                    let (keys, values): (Vec<String>, Vec<Json>) =
                        std::mem::take(entries).into_iter().unzip();
                    work.push(Work::Attrs(keys));
                    work.extend(values.into_iter().rev().map(Work::Visit));
                }
            },
            Work::List(n) => {
                let items = done.split_off(done.len() - n);
                done.push(Value::list(items));
            }
            Work::Attrs(keys) => {
                let values = done.split_off(done.len() - keys.len());
                // Reversed, so that the last of repeated keys comes first
                // and is kept.
                let entries: Vec<(Symbol, Value)> = keys
                    .iter()
                    .map(|k| Symbol::new(k))
                    .zip(values)
                    .rev()
                    .collect();
                done.push(Value::attrs(Attrs::from_unsorted(entries)));
            }
        }
    }
    Ok(done.pop().unwrap_or(Value::Null))
}

fn from_json(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string(&args[0], span)?;
    let j = super::json_parse::parse(&s.s).map_err(|e| EvalError::eval(e, span))?;
    json_to_value(ev, j)
}

fn toml_to_value(t: toml::Value, span: Span) -> EvalResult<Value> {
    Ok(match t {
        toml::Value::String(s) => Value::string(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(_) => {
            return Err(EvalError::eval(
                "while parsing a TOML string: Dates and times are not supported",
                span,
            ));
        }
        toml::Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for x in a {
                out.push(toml_to_value(x, span)?);
            }
            Value::list(out)
        }
        toml::Value::Table(t) => {
            let mut out = Vec::with_capacity(t.len());
            for (k, x) in t {
                out.push((Symbol::new(&k), toml_to_value(x, span)?));
            }
            Value::attrs(Attrs::from_unsorted(out))
        }
    })
}

fn from_toml(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string(&args[0], span)?;
    let t: toml::Table = s.s.parse().map_err(|e: toml::de::Error| {
        EvalError::eval(
            format!("while parsing a TOML string: {}", e.message()),
            span,
        )
    })?;
    toml_to_value(toml::Value::Table(t), span)
}

fn xml_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

struct Xml {
    out: String,
    drvs_seen: rustc_hash::FxHashSet<String>,
    ctx: Context,
}

impl Xml {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn empty(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)]) {
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            xml_escape(v, &mut self.out);
            self.out.push('"');
        }
        self.out.push_str(" />\n");
    }

    fn open(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)]) {
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            xml_escape(v, &mut self.out);
            self.out.push('"');
        }
        self.out.push_str(">\n");
    }

    fn close(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
}

fn xml_attrs(
    ev: &mut Evaluator,
    x: &mut Xml,
    a: &Attrs,
    depth: usize,
    span: Span,
) -> EvalResult<()> {
    for (k, v) in a.sorted_by_name() {
        x.open(depth, "attr", &[("name", k.as_str())]);
        xml_value(ev, x, v, depth + 1, span)?;
        x.close(depth, "attr");
    }
    Ok(())
}

fn xml_value(
    ev: &mut Evaluator,
    x: &mut Xml,
    v: &Value,
    depth: usize,
    span: Span,
) -> EvalResult<()> {
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
        xml_value_inner(ev, x, v, depth, span)
    })
}

fn xml_value_inner(
    ev: &mut Evaluator,
    x: &mut Xml,
    v: &Value,
    depth: usize,
    span: Span,
) -> EvalResult<()> {
    if depth > 100_000 {
        return Err(EvalError::eval(
            "stack overflow (possible infinite recursion)",
            span,
        ));
    }
    let v = ev.force_known(v)?;
    match &v {
        Value::Int(i) => x.empty(depth, "int", &[("value", &i.to_string())]),
        Value::Float(f) => x.empty(depth, "float", &[("value", &format_float(*f))]),
        Value::Bool(b) => x.empty(
            depth,
            "bool",
            &[("value", if *b { "true" } else { "false" })],
        ),
        Value::Null => x.empty(depth, "null", &[]),
        Value::String(s) => {
            x.ctx.extend(&s.ctx);
            x.empty(depth, "string", &[("value", &s.s)]);
        }
        Value::Path(p) => x.empty(depth, "path", &[("value", p)]),
        Value::List(l) => {
            let l = Rc::clone(l);
            x.open(depth, "list", &[]);
            for item in l.iter() {
                xml_value(ev, x, item, depth + 1, span)?;
            }
            x.close(depth, "list");
        }
        Value::Attrs(a) => {
            if ev.is_derivation(a)? {
                let mut drv_path = String::new();
                let mut out_path = String::new();
                if let Some(d) = a.get(ev.syms.drv_path) {
                    let d = d.clone();
                    if let Value::String(s) = ev.force(&d)? {
                        drv_path = s.s.clone();
                    }
                }
                if let Some(o) = a.get(ev.syms.out_path) {
                    let o = o.clone();
                    if let Value::String(s) = ev.force(&o)? {
                        out_path = s.s.clone();
                    }
                }
                let mut attrs: Vec<(&str, &str)> = Vec::new();
                if a.contains(ev.syms.drv_path) && !drv_path.is_empty() {
                    attrs.push(("drvPath", &drv_path));
                }
                if a.contains(ev.syms.out_path) && !out_path.is_empty() {
                    attrs.push(("outPath", &out_path));
                }
                x.open(depth, "derivation", &attrs);
                if !drv_path.is_empty() && x.drvs_seen.insert(drv_path.clone()) {
                    xml_attrs(ev, x, a, depth + 1, span)?;
                } else {
                    x.empty(depth + 1, "repeated", &[]);
                }
                x.close(depth, "derivation");
            } else {
                x.open(depth, "attrs", &[]);
                xml_attrs(ev, x, a, depth + 1, span)?;
                x.close(depth, "attrs");
            }
        }
        Value::Lambda(c) => {
            x.open(depth, "function", &[]);
            match &c.def.param {
                Param::Ident => {
                    // The parameter name is not kept in the IR; recover it
                    // from the source.
                    let name = ev.lambda_param_name(c.def.span);
                    x.empty(depth + 1, "varpat", &[("name", &name)]);
                }
                Param::Formals(fs) => {
                    let at = fs.at.map(|s| s.as_str().to_string());
                    let mut attrs: Vec<(&str, &str)> = Vec::new();
                    if fs.ellipsis {
                        attrs.push(("ellipsis", "1"));
                    }
                    if let Some(a) = &at {
                        attrs.push(("name", a));
                    }
                    x.open(depth + 1, "attrspat", &attrs);
                    let mut names: Vec<&str> = fs.entries.iter().map(|f| f.name.as_str()).collect();
                    names.sort_unstable();
                    for n in names {
                        x.empty(depth + 2, "attr", &[("name", n)]);
                    }
                    x.close(depth + 1, "attrspat");
                }
            }
            x.close(depth, "function");
        }
        _ => x.empty(depth, "unevaluated", &[]),
    }
    Ok(())
}

fn to_xml(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut x = Xml {
        out: String::from("<?xml version='1.0' encoding='utf-8'?>\n<expr>\n"),
        drvs_seen: Default::default(),
        ctx: Context::default(),
    };
    xml_value(ev, &mut x, &args[0], 1, span)?;
    x.out.push_str("</expr>\n");
    Ok(Value::string_ctx(x.out, x.ctx))
}

impl Evaluator {
    /// The value as `builtins.toXML` writes it (what `nix-instantiate --eval
    /// --xml --no-location` prints).
    pub fn to_xml(&mut self, v: &Value) -> EvalResult<String> {
        let s = to_xml(self, std::slice::from_ref(v), Span::NONE)?;
        match s {
            Value::String(s) => Ok(s.s.to_string()),
            _ => Ok(String::new()),
        }
    }

    /// The parameter name of a simple lambda, from its source text.
    pub(crate) fn lambda_param_name(&self, span: Span) -> String {
        let s = self.snippet(span);
        s.split(':')
            .next()
            .map(|p| p.trim().to_string())
            .unwrap_or_default()
    }
}
