//! Fetchers, evaluated symbolically: nothing is downloaded.
//!
//! With a content hash the store path is computed exactly; if that path is
//! already in the local store it is returned as a path string (so `import`
//! works), otherwise the result is an unknown recording the arguments. In
//! pure mode a fetch without a hash is an error, as in Nix.

use super::PrimOpDef;
use super::derivation::{make_fixed_output_path, parse_hash};
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::symbol::Symbol;
use crate::eval::symbolic::{Unknown, UnknownKind};
use crate::eval::value::{Attrs, Context, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("fetchurl", 1, fetchurl),
    PrimOpDef::global("fetchTarball", 1, fetch_tarball),
    PrimOpDef::global("fetchGit", 1, fetch_git),
    PrimOpDef::global("fetchTree", 1, fetch_tree),
    PrimOpDef::global("fetchMercurial", 1, fetch_mercurial),
];

struct Args {
    url: String,
    name: String,
    hash: Option<String>,
    rev: Option<String>,
}

fn read_args(
    ev: &mut Evaluator,
    v: &Value,
    default_name: &str,
    hash_key: &str,
    span: Span,
) -> EvalResult<Args> {
    let v = ev.force_known(v)?;
    match &v {
        Value::Attrs(a) => {
            let mut get = |k: &str| -> EvalResult<Option<String>> {
                match a.get(Symbol::new(k)) {
                    Some(x) => {
                        let x = x.clone();
                        Ok(Some(ev.coerce_to_string_simple(&x, false, span)?.s))
                    }
                    None => Ok(None),
                }
            };
            let url =
                get("url")?.ok_or_else(|| EvalError::eval("'url' argument required", span))?;
            let name = get("name")?.unwrap_or_else(|| default_name.to_string());
            let hash = match get(hash_key)? {
                Some(h) => Some(h),
                None => get("hash")?,
            };
            let rev = get("rev")?;
            Ok(Args {
                url,
                name,
                hash,
                rev,
            })
        }
        _ => {
            let url = ev.coerce_to_string_simple(&v, false, span)?.s;
            Ok(Args {
                url,
                name: default_name.to_string(),
                hash: None,
                rev: None,
            })
        }
    }
}

fn fetched(
    ev: &mut Evaluator,
    what: &'static str,
    a: &Args,
    recursive: bool,
    span: Span,
) -> EvalResult<Value> {
    if let Some(h) = &a.hash
        && !h.is_empty()
    {
        let parsed = parse_hash(h, Some("sha256")).map_err(|m| EvalError::eval(m, span))?;
        let p = make_fixed_output_path(recursive, &parsed, &a.name);
        if std::path::Path::new(&p).exists() {
            return Ok(Value::string_ctx(p.clone(), Context::single(p)));
        }
    } else if ev.opts.pure && a.rev.is_none() {
        return Err(EvalError::eval(
            format!("in pure evaluation mode, '{what}' requires a 'sha256' argument"),
            span,
        ));
    }
    let root = Unknown::root(format!("builtins.{what}"));
    Ok(Value::Unknown(Unknown::new(UnknownKind::Apply(
        root,
        Value::string(a.url.clone()),
    ))))
}

fn fetchurl(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut a = read_args(ev, &args[0], "", "sha256", span)?;
    if a.name.is_empty() {
        a.name = super::strings::base_name(&a.url).to_string();
    }
    fetched(ev, "fetchurl", &a, false, span)
}

fn fetch_tarball(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = read_args(ev, &args[0], "source", "sha256", span)?;
    fetched(ev, "fetchTarball", &a, true, span)
}

fn fetch_git(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = read_args(ev, &args[0], "source", "narHash", span)?;
    fetched(ev, "fetchGit", &a, true, span)
}

fn fetch_mercurial(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = read_args(ev, &args[0], "source", "narHash", span)?;
    fetched(ev, "fetchMercurial", &a, true, span)
}

fn fetch_tree(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let v = ev.force_known(&args[0])?;
    if let Value::Attrs(a) = &v
        && !a.contains(Symbol::new("url"))
    {
        // `{ type = "github"; owner; repo; rev; narHash; }` and friends.
        let mut desc = String::new();
        for (k, x) in a.sorted_by_name() {
            let x = x.clone();
            if let Ok(s) = ev.coerce_to_string_simple(&x, true, span) {
                desc.push_str(&format!("{k}={} ", s.s));
            }
        }
        let hash = match a.get(Symbol::new("narHash")) {
            Some(h) => {
                let h = h.clone();
                Some(ev.force_string_no_ctx(&h, span)?)
            }
            None => None,
        };
        let args = Args {
            url: desc.trim_end().to_string(),
            name: "source".into(),
            hash,
            rev: None,
        };
        return fetched(ev, "fetchTree", &args, true, span);
    }
    let a = read_args(ev, &v, "source", "narHash", span)?;
    let _ = Attrs::new();
    fetched(ev, "fetchTree", &a, true, span)
}
