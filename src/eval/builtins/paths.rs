//! Files, imports, search paths and the environment.

use std::path::{Path, PathBuf};

use super::PrimOpDef;
use crate::eval::error::{ErrorKind, EvalError, EvalResult, Span};
use crate::eval::symbol::Symbol;
use crate::eval::symbolic::Unknown;
use crate::eval::value::{Attrs, Context, Frame, Value};
use crate::eval::{Evaluator, io_msg};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::global("import", 1, import),
    PrimOpDef::global("scopedImport", 2, scoped_import),
    PrimOpDef::new("readFile", 1, read_file),
    PrimOpDef::new("readDir", 1, read_dir),
    PrimOpDef::new("pathExists", 1, path_exists),
    PrimOpDef::new("getEnv", 1, get_env),
    PrimOpDef::new("findFile", 2, find_file),
    PrimOpDef::new("toPath", 1, to_path),
    PrimOpDef::new("storePath", 1, store_path),
    PrimOpDef::new("hashFile", 2, hash_file),
    PrimOpDef::new("filterSource", 2, filter_source),
    PrimOpDef::new("path", 1, path),
];

/// `builtins.nixPath`: `NIX_PATH` (or the configured entries) as
/// `{ path, prefix }` sets; empty in pure mode.
pub(crate) fn nix_path_value(ev: &Evaluator) -> Value {
    let entries = nix_path_entries(ev);
    Value::list(
        entries
            .into_iter()
            .map(|(prefix, path)| {
                Value::attrs(Attrs::from_unsorted(vec![
                    (Symbol::new("path"), Value::string(path)),
                    (Symbol::new("prefix"), Value::string(prefix)),
                ]))
            })
            .collect(),
    )
}

fn nix_path_entries(ev: &Evaluator) -> Vec<(String, String)> {
    if ev.opts.pure {
        return Vec::new();
    }
    let raw: Vec<String> = match &ev.opts.nix_path {
        Some(v) => v.clone(),
        None => std::env::var("NIX_PATH")
            .map(|s| split_nix_path(&s))
            .unwrap_or_default(),
    };
    raw.into_iter()
        .map(|e| match e.split_once('=') {
            Some((p, path)) => (p.to_string(), path.to_string()),
            None => (String::new(), e),
        })
        .collect()
}

/// Split `NIX_PATH` at `:`, keeping URLs (`https://…`) whole.
pub fn split_nix_path(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split(':') {
        if part.starts_with("//")
            && let Some(last) = out.last_mut()
            && (last.ends_with("http")
                || last.ends_with("https")
                || last.ends_with("file")
                || last.ends_with("channel"))
        {
            last.push(':');
            last.push_str(part);
            continue;
        }
        if part.is_empty() {
            continue;
        }
        out.push(part.to_string());
    }
    out
}

fn import(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let p = ev.coerce_to_path(&args[0], span)?;
    let v = ev.import_value(Path::new(&p), span)?;
    ev.force(&v)
}

fn scoped_import(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let scope = ev.force_attrs(&args[0], span)?;
    let p = ev.coerce_to_path(&args[1], span)?;
    let mut path = ev.resolve_file(Path::new(&p), span)?;
    if path.is_dir() {
        path = path.join("default.nix");
    }
    let mut base = (*ev.base).clone();
    for (k, v) in scope.iter() {
        base.insert(*k, v.clone());
    }
    let e = ev.load_and_compile(&path, &base, span)?;
    let env = Frame::new(None, crate::eval::value::Slots::Empty);
    ev.eval(&e, &env)
}

fn readable_path(ev: &mut Evaluator, v: &Value, span: Span) -> EvalResult<PathBuf> {
    let p = ev.coerce_to_path(v, span)?;
    let p = PathBuf::from(p);
    ev.check_access(&p, span)?;
    Ok(p)
}

fn read_file(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let p = readable_path(ev, &args[0], span)?;
    let bytes = std::fs::read(&p).map_err(|e| {
        EvalError::eval(
            format!("opening file '{}': {}", p.display(), io_msg(&e)),
            span,
        )
    })?;
    if bytes.contains(&0) {
        return Err(EvalError::eval(
            format!(
                "the contents of the file '{}' cannot be represented as a Nix string",
                p.display()
            ),
            span,
        ));
    }
    ev.charge(bytes.len() as u64)?;
    Ok(Value::string(String::from_utf8_lossy(&bytes).into_owned()))
}

fn read_dir(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let p = readable_path(ev, &args[0], span)?;
    let rd = std::fs::read_dir(&p).map_err(|e| {
        EvalError::eval(
            format!("opening directory '{}': {}", p.display(), io_msg(&e)),
            span,
        )
    })?;
    let mut entries = Vec::new();
    for e in rd.flatten() {
        let ty = match e.file_type() {
            Ok(t) if t.is_symlink() => "symlink",
            Ok(t) if t.is_dir() => "directory",
            Ok(t) if t.is_file() => "regular",
            _ => "unknown",
        };
        entries.push((
            Symbol::new(&e.file_name().to_string_lossy()),
            Value::string(ty),
        ));
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn path_exists(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let p = ev.coerce_to_path(&args[0], span)?;
    // As in Nix, a path outside the allowed root does not "exist".
    if ev.check_access(Path::new(&p), span).is_err() {
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(std::fs::symlink_metadata(&p).is_ok()))
}

fn get_env(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    if ev.opts.pure {
        // Pure mode: no environment at all, as in Nix (and flakes).
        return Ok(Value::string(""));
    }
    if let Some(v) = ev.opts.env.get(&name) {
        return Ok(Value::string(v.clone()));
    }
    if ev.opts.unknown_env {
        return Ok(Unknown::value(format!("env:{name}")));
    }
    if !ev.opts.read_process_env {
        return Ok(Value::string(""));
    }
    Ok(Value::string(std::env::var(&name).unwrap_or_default()))
}

fn find_file(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let l = ev.force_list(&args[0], span)?;
    let name = ev.force_string_no_ctx(&args[1], span)?;
    if ev.opts.pure {
        return Err(EvalError::eval(
            format!(
                "cannot look up '<{name}>' in pure evaluation mode (use '--impure' to override)"
            ),
            span,
        ));
    }
    for item in l.iter() {
        let a = ev.force_attrs(item, span)?;
        let prefix = match a.get(ev.syms.prefix) {
            Some(p) => {
                let p = p.clone();
                ev.force_string_no_ctx(&p, span)?
            }
            None => String::new(),
        };
        let path = a
            .get(ev.syms.path)
            .cloned()
            .ok_or_else(|| EvalError::eval("attribute 'path' missing", span))?;
        let path = ev.coerce_to_string_simple(&path, false, span)?.s;
        let rest = if prefix.is_empty() {
            Some(name.as_str())
        } else if name == prefix {
            Some("")
        } else {
            name.strip_prefix(&prefix).and_then(|r| r.strip_prefix('/'))
        };
        let Some(rest) = rest else { continue };
        if path.contains("://") {
            // Remote entries would need a download.
            continue;
        }
        let candidate = if rest.is_empty() {
            path.clone()
        } else {
            format!("{path}/{rest}")
        };
        let abs = if candidate.starts_with('/') {
            candidate
        } else {
            std::env::current_dir()
                .unwrap_or_else(|_| PathBuf::from("/"))
                .join(candidate)
                .to_string_lossy()
                .into_owned()
        };
        if std::fs::symlink_metadata(&abs).is_ok() {
            return Ok(Value::path(crate::eval::compile::canon_path(&abs)));
        }
    }
    // Nix's own files (`<nix/fetchurl.nix>`) when the search path has none.
    if let Some(rest) = name.strip_prefix("nix/") {
        return Ok(Value::path(format!("{}{rest}", crate::eval::COREPKGS)));
    }
    // A thrown error, as in Nix 2.8: `builtins.tryEval <missing>` catches it.
    Err(EvalError::new(
        ErrorKind::Throw,
        format!(
            "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
        ),
        span,
    ))
}

fn to_path(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut ctx = Context::default();
    let v = ev.force_known(&args[0])?;
    let s = ev.coerce_to_string(&v, &mut ctx, false, false, span)?;
    if !s.starts_with('/') {
        return Err(EvalError::eval(
            format!("string '{s}' doesn't represent an absolute path"),
            span,
        ));
    }
    Ok(Value::string_ctx(crate::eval::compile::canon_path(&s), ctx))
}

fn store_path(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    if ev.opts.pure {
        return Err(EvalError::eval(
            "'builtins.storePath' is not allowed in pure evaluation mode",
            span,
        ));
    }
    let p = ev.coerce_to_path(&args[0], span)?;
    let canon = crate::eval::compile::canon_path(&p);
    let rest = canon
        .strip_prefix("/nix/store/")
        .ok_or_else(|| EvalError::eval(format!("path '{canon}' is not in the Nix store"), span))?;
    let top = format!("/nix/store/{}", rest.split('/').next().unwrap_or(""));
    Ok(Value::string_ctx(canon, Context::single(top)))
}

fn hash_file(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let algo = ev.force_string_no_ctx(&args[0], span)?;
    let p = readable_path(ev, &args[1], span)?;
    let bytes = std::fs::read(&p).map_err(|e| {
        EvalError::eval(
            format!("opening file '{}': {}", p.display(), io_msg(&e)),
            span,
        )
    })?;
    match super::strings::hash_hex(&algo, &bytes) {
        Some(h) => Ok(Value::string(h)),
        None => Err(EvalError::eval(
            format!("unknown hash algorithm '{algo}'"),
            span,
        )),
    }
}

/// Nix copies the filtered tree to the store; nixfold never copies and
/// returns the source path itself (after checking access).
fn filter_source(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    ev.force_function(&args[0], span)?;
    let p = readable_path(ev, &args[1], span)?;
    let src = p.to_string_lossy().into_owned();
    copied(ev, &src, None, Some(&args[0]), true, span)
}

/// `builtins.path { path, name?, filter?, sha256?, recursive? }`: the store
/// path of the (filtered) copy, computed only (see `eval/store.rs`).
fn path(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_attrs(&args[0], span)?;
    let p = a.get(ev.syms.path).cloned().ok_or_else(|| {
        EvalError::eval(
            "missing required 'path' attribute in the first argument to builtins.path",
            span,
        )
    })?;
    let p = readable_path(ev, &p, span)?;
    let src = p.to_string_lossy().into_owned();
    let name = match a.get_str("name") {
        Some(n) => {
            let n = n.clone();
            Some(ev.force_string_no_ctx(&n, span)?)
        }
        None => None,
    };
    let filter = a.get_str("filter").cloned();
    if let Some(f) = &filter {
        ev.force_function(f, span)?;
    }
    let recursive = match a.get_str("recursive") {
        Some(r) => {
            let r = r.clone();
            match ev.force(&r)? {
                Value::Bool(b) => b,
                other => {
                    return Err(EvalError::eval(
                        format!(
                            "value is {} while a Boolean was expected",
                            other.type_desc()
                        ),
                        span,
                    ));
                }
            }
        }
        None => true,
    };
    copied(ev, &src, name.as_deref(), filter.as_ref(), recursive, span)
}

/// The store path string (with its context) of `src` copied to the store,
/// leaving out what `filter` (called with each path below `src` and its
/// type) rejects.
fn copied(
    ev: &mut Evaluator,
    src: &str,
    name: Option<&str>,
    filter: Option<&Value>,
    recursive: bool,
    span: Span,
) -> EvalResult<Value> {
    let sp = if !recursive {
        let src = ev.unstore_path(src);
        ev.check_copyable(&src, span)?;
        let bytes = std::fs::read(&src)
            .map_err(|e| EvalError::eval(format!("opening file '{src}': {}", io_msg(&e)), span))?;
        let h = crate::nixhash::HashAlgo::Sha256.digest(&bytes);
        let base = Path::new(&src)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        crate::nixhash::make_fixed_output_path(
            crate::nixhash::Ingestion::Flat,
            &h,
            name.unwrap_or(&base),
        )
        .map_err(|e| EvalError::eval(e.to_string(), span))?
        .to_absolute()
    } else if name.is_none() && filter.is_none() {
        ev.copy_path_to_store(src, span)?
    } else {
        let mut excluded = rustc_hash::FxHashSet::default();
        if let Some(f) = filter {
            let real = ev.unstore_path(src);
            filter_tree(ev, f, Path::new(&real), Path::new(src), &mut excluded, span)?;
        }
        ev.copy_to_store(
            crate::eval::store::Copy {
                source: src,
                name,
                excluded: Some(&excluded),
            },
            span,
        )?
    };
    Ok(Value::string_ctx(sp.clone(), Context::single(sp)))
}

/// Call `filter` on every entry below `dir` (named as below `shown`, the
/// path the user gave); record the rejected ones (their contents are not
/// visited).
fn filter_tree(
    ev: &mut Evaluator,
    filter: &Value,
    dir: &Path,
    shown: &Path,
    excluded: &mut rustc_hash::FxHashSet<PathBuf>,
    span: Span,
) -> EvalResult<()> {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Ok(());
    }
    let mut names: Vec<std::ffi::OsString> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.file_name()).collect(),
        Err(e) => {
            return Err(EvalError::eval(
                format!("opening directory '{}': {}", dir.display(), io_msg(&e)),
                span,
            ));
        }
    };
    names.sort();
    for n in names {
        let (real, user) = (dir.join(&n), shown.join(&n));
        let ty = match std::fs::symlink_metadata(&real) {
            Ok(m) if m.file_type().is_symlink() => "symlink",
            Ok(m) if m.is_dir() => "directory",
            Ok(m) if m.is_file() => "regular",
            _ => "unknown",
        };
        let f1 = ev.call(
            filter,
            Value::string(user.to_string_lossy().into_owned()),
            span,
        )?;
        let keep = ev.call(&f1, Value::string(ty), span)?;
        match ev.force(&keep)? {
            Value::Bool(true) => {
                if ty == "directory" {
                    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
                        filter_tree(ev, filter, &real, &user, excluded, span)
                    })?;
                }
            }
            Value::Bool(false) => {
                excluded.insert(real);
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
        }
    }
    Ok(())
}
