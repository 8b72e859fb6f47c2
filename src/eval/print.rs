//! Printing values as `nix-instantiate --eval` and `nix eval --json` do.

use std::fmt::Write as _;
use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::Evaluator;
use super::error::{EvalError, EvalResult, Span};
use super::value::{Context, ThunkState, Value};

/// Print a value the way `nix-instantiate --eval` does, without forcing
/// anything: unevaluated parts print as `<CODE>`. For `--strict` output,
/// call [`Evaluator::force_deep`] first (`strict` only documents intent; the
/// output depends on what has been evaluated).
pub fn print_value(v: &Value, strict: bool) -> String {
    let _ = strict;
    let mut out = String::new();
    let mut seen = FxHashSet::default();
    // Explicit stack: deep values must not overflow the Rust stack.
    enum Item<'a> {
        Val(Value),
        Text(&'a str),
        Owned(String),
    }
    let mut stack: Vec<Item> = vec![Item::Val(v.clone())];
    while let Some(item) = stack.pop() {
        match item {
            Item::Text(t) => out.push_str(t),
            Item::Owned(t) => out.push_str(&t),
            Item::Val(v) => {
                // A list reached through a thunk is identified by the thunk
                // (Nix tracks lists by value slot, sets by their bindings).
                let (v, slot) = match &v {
                    Value::Thunk(t) => match &*t.state.borrow() {
                        ThunkState::Done(x) => {
                            (x.clone(), Some(Rc::as_ptr(t) as *const u8 as usize))
                        }
                        _ => {
                            out.push_str("<CODE>");
                            continue;
                        }
                    },
                    _ => (v.clone(), None),
                };
                match &v {
                    Value::Null => out.push_str("null"),
                    Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                    Value::Int(i) => {
                        let _ = write!(out, "{i}");
                    }
                    Value::Float(f) => out.push_str(&format_float(*f)),
                    Value::String(s) => out.push_str(&escape_string(&s.s)),
                    Value::Path(p) => out.push_str(p),
                    Value::Lambda(_) => out.push_str("<LAMBDA>"),
                    Value::PrimOp(_) => out.push_str("<PRIMOP>"),
                    Value::PrimOpApp(_) => out.push_str("<PRIMOP-APP>"),
                    Value::Thunk(_) => out.push_str("<CODE>"),
                    Value::Unknown(u) => {
                        let _ = write!(out, "«unknown {}»", u.provenance());
                    }
                    Value::Attrs(a) => {
                        if a.is_empty() {
                            out.push_str("{ }");
                            continue;
                        }
                        if !seen.insert(Rc::as_ptr(a) as *const u8 as usize) {
                            out.push_str("«repeated»");
                            continue;
                        }
                        out.push_str("{ ");
                        stack.push(Item::Text("}"));
                        for (k, x) in a.sorted_by_name().into_iter().rev() {
                            stack.push(Item::Text("; "));
                            stack.push(Item::Val(x.clone()));
                            stack.push(Item::Owned(format!("{} = ", attr_name(k.as_str()))));
                        }
                    }
                    Value::List(l) => {
                        if l.is_empty() {
                            out.push_str("[ ]");
                            continue;
                        }
                        let id = slot.unwrap_or(Rc::as_ptr(l) as *const u8 as usize);
                        if !seen.insert(id) {
                            out.push_str("«repeated»");
                            continue;
                        }
                        out.push_str("[ ");
                        stack.push(Item::Text("]"));
                        for x in l.iter().rev() {
                            stack.push(Item::Text(" "));
                            stack.push(Item::Val(x.clone()));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Nix 2.8 quotes only this keyword when printing attribute names.
const KEYWORDS: &[&str] = &["if"];

/// Whether `s` can be written as a bare attribute name.
pub fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !KEYWORDS.contains(&s)
}

fn attr_name(s: &str) -> String {
    if is_plain_ident(s) {
        s.to_string()
    } else {
        // Nix 2.8 escapes every `$` in a quoted attribute name (`"a\$b"`),
        // not only `${` as in string values.
        escape_with(s, true)
    }
}

/// A Nix string literal for `s`.
pub fn escape_string(s: &str) -> String {
    escape_with(s, false)
}

/// A Nix string literal for `s`; `every_dollar` escapes each `$`, else only
/// the `$` of `${`.
fn escape_with(s: &str, every_dollar: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if every_dollar || it.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float as C++ `ostream << double` prints it (`%g`, 6 significant digits).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{f:.5e}");
    let (mant, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if !(-4..6).contains(&exp) {
        let mant = trim_zeros(mant);
        format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let decimals = (5 - exp) as usize;
        trim_zeros(&format!("{f:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A float as C++ `std::to_string` prints it (`%f`), used by `toString`.
pub fn format_float_fixed(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    format!("{f:.6}")
}

/// JSON string literal as Nix writes it.
pub fn json_escape(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Convert a value to JSON text as `builtins.toJSON` / `nix eval --json` do
/// (forcing what is needed). String contexts are collected into `ctx`.
pub fn to_json_string(ev: &mut Evaluator, v: &Value, ctx: &mut Context) -> EvalResult<String> {
    let mut out = String::new();
    ev.json_into(v, ctx, &mut out, Span::NONE)?;
    Ok(out)
}

impl Evaluator {
    /// `builtins.toJSON` semantics; see [`to_json_string`].
    pub fn to_json(&mut self, v: &Value) -> EvalResult<String> {
        let mut ctx = Context::default();
        to_json_string(self, v, &mut ctx).map_err(|e| match e.as_unknown() {
            Some(u) => EvalError::eval(
                format!("cannot convert «unknown {}» to JSON", u.provenance()),
                e.span(),
            ),
            None => e,
        })
    }

    pub(crate) fn json_into(
        &mut self,
        v: &Value,
        ctx: &mut Context,
        out: &mut String,
        span: Span,
    ) -> EvalResult<()> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            self.depth -= 1;
            return Err(EvalError::new(
                super::ErrorKind::Limit,
                "stack overflow (possible infinite recursion)",
                span,
            ));
        }
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            self.json_inner(v, ctx, out, span)
        });
        self.depth -= 1;
        r
    }

    fn json_inner(
        &mut self,
        v: &Value,
        ctx: &mut Context,
        out: &mut String,
        span: Span,
    ) -> EvalResult<()> {
        let v = self.force(v)?;
        match &v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&format_float(*f)),
            Value::String(s) => {
                ctx.extend(&s.ctx);
                json_escape(&s.s, out);
            }
            Value::Path(p) => {
                self.check_copyable(p, span)?;
                json_escape(p, out);
            }
            Value::List(l) => {
                out.push('[');
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.json_into(x, ctx, out, span)?;
                }
                out.push(']');
            }
            Value::Attrs(a) => {
                if a.contains(self.syms.to_string) {
                    let s = self.coerce_to_string(&v, ctx, false, false, span)?;
                    json_escape(&s, out);
                    return Ok(());
                }
                if let Some(o) = a.get(self.syms.out_path) {
                    let o = o.clone();
                    return self.json_into(&o, ctx, out, span);
                }
                out.push('{');
                for (i, (k, x)) in a.sorted_by_name().into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_escape(k.as_str(), out);
                    out.push(':');
                    self.json_into(x, ctx, out, span)?;
                }
                out.push('}');
            }
            Value::Unknown(u) => {
                return Err(EvalError::new(
                    super::ErrorKind::UnknownValue(u.clone()),
                    "unknown value",
                    span,
                ));
            }
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => {
                return Err(EvalError::eval("cannot convert a function to JSON", span));
            }
            Value::Thunk(_) => {
                return Err(EvalError::eval("internal error: unforced value", span));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_cpp() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1"),
            (1e20, "1e+20"),
            (1.5e-7, "1.5e-07"),
            (-0.0, "-0"),
            (123456789.0, "1.23457e+08"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.23456789, "1.23457"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (999999.5, "1e+06"),
        ];
        for (f, s) in cases {
            assert_eq!(format_float(f), s, "{f}");
        }
        assert_eq!(format_float_fixed(0.1), "0.100000");
    }

    #[test]
    fn string_escapes() {
        assert_eq!(escape_string("a\"b\\c\n${x}$y"), r#""a\"b\\c\n\${x}$y""#);
    }

    #[test]
    fn idents() {
        assert!(is_plain_ident("a-b'_c"));
        assert!(!is_plain_ident("if"));
        assert!(!is_plain_ident("1a"));
        assert!(!is_plain_ident(""));
    }
}
