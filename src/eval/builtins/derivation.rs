//! `derivation`, `derivationStrict`, `placeholder`, `toFile`, and store-path
//! arithmetic.
//!
//! Nothing is written to the store. Store paths are computed the way Nix
//! computes them (the derivation's ATerm, `hashDerivationModulo`, the
//! output and `.drv` paths), so printed values match `nix-instantiate`.
//! Input derivations must have been produced by this evaluator; for other
//! `.drv` paths in string context the closure cannot be read, and the
//! derivation's paths are marked with the `nixfold-unknown` placeholder.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::PrimOpDef;
use crate::eval::Evaluator;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::symbol::Symbol;
use crate::eval::value::{Attrs, Context, Value};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::global("derivationStrict", 1, derivation_strict),
    PrimOpDef::global("placeholder", 1, placeholder),
    PrimOpDef::new("toFile", 2, to_file),
];

/// The Nix-language wrapper turning `derivationStrict`'s paths into the
/// familiar derivation attribute set (one set per output, sharing `all`,
/// `drvAttrs`, …).
const DERIVATION_NIX: &str = r#"
attrs@{ outputs ? [ "out" ], ... }:
let
  built = derivationStrict attrs;
  mkOutput = name: {
    inherit name;
    value = shared // {
      outPath = builtins.getAttr name built;
      drvPath = built.drvPath;
      type = "derivation";
      outputName = name;
    };
  };
  perOutput = map mkOutput outputs;
  shared = attrs // builtins.listToAttrs perOutput // {
    all = map (o: o.value) perOutput;
    drvAttrs = attrs;
  };
in (builtins.head perOutput).value
"#;

/// Compile the `derivation` function.
pub(super) fn derivation_lambda(ev: &mut Evaluator) -> Value {
    ev.eval_expr_str(DERIVATION_NIX, std::path::Path::new("/"))
        .expect("the derivation prelude evaluates")
}

/// What the evaluator remembers about a derivation it computed.
#[derive(Clone, Debug)]
pub struct DrvInfo {
    /// `hashDerivationModulo` (hex), used when this derivation is an input.
    pub hash_modulo: String,
    pub outputs: Vec<String>,
    pub input_drvs: BTreeMap<String, BTreeSet<String>>,
    pub input_srcs: BTreeSet<String>,
}

struct Output {
    path: String,
    hash_algo: String,
    hash: String,
}

struct Drv {
    outputs: BTreeMap<String, Output>,
    input_drvs: BTreeMap<String, BTreeSet<String>>,
    input_srcs: BTreeSet<String>,
    platform: String,
    builder: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

fn aterm_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn aterm_list<'a>(items: impl Iterator<Item = &'a str>, out: &mut String) {
    out.push('[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        aterm_string(s, out);
    }
    out.push(']');
}

impl Drv {
    fn unparse(&self, mask_outputs: bool, inputs: &BTreeMap<String, BTreeSet<String>>) -> String {
        let mut s = String::from("Derive([");
        for (i, (name, o)) in self.outputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            aterm_string(name, &mut s);
            s.push(',');
            aterm_string(if mask_outputs { "" } else { &o.path }, &mut s);
            s.push(',');
            aterm_string(&o.hash_algo, &mut s);
            s.push(',');
            aterm_string(&o.hash, &mut s);
            s.push(')');
        }
        s.push_str("],[");
        for (i, (p, outs)) in inputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            aterm_string(p, &mut s);
            s.push(',');
            aterm_list(outs.iter().map(|x| x.as_str()), &mut s);
            s.push(')');
        }
        s.push_str("],");
        aterm_list(self.input_srcs.iter().map(|x| x.as_str()), &mut s);
        s.push(',');
        aterm_string(&self.platform, &mut s);
        s.push(',');
        aterm_string(&self.builder, &mut s);
        s.push(',');
        aterm_list(self.args.iter().map(|x| x.as_str()), &mut s);
        s.push_str(",[");
        for (i, (k, v)) in self.env.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            aterm_string(k, &mut s);
            s.push(',');
            let masked = mask_outputs && self.outputs.contains_key(k);
            aterm_string(if masked { "" } else { v }, &mut s);
            s.push(')');
        }
        s.push_str("])");
        s
    }
}

const BASE32: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Nix's base-32 encoding.
pub fn nix_base32(hash: &[u8]) -> String {
    let len = (hash.len() * 8 - 1) / 5 + 1;
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let mut c = (hash[i] as u16) >> j;
        if i + 1 < hash.len() {
            c |= (hash[i + 1] as u16) << (8 - j);
        }
        out.push(BASE32[(c & 0x1f) as usize] as char);
    }
    out
}

/// Decode Nix's base-32 encoding into `size` bytes.
pub fn nix_base32_decode(s: &str, size: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; size];
    let bytes = s.as_bytes();
    for (n, &ch) in bytes.iter().rev().enumerate() {
        let digit = BASE32.iter().position(|&c| c == ch)? as u16;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        if i >= size {
            if digit != 0 {
                return None;
            }
            continue;
        }
        out[i] |= (digit << j) as u8;
        let carry = digit >> (8 - j);
        if i + 1 < size {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return None;
        }
    }
    Some(out)
}

fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

fn compress_hash(h: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    for (i, b) in h.iter().enumerate() {
        out[i % size] ^= b;
    }
    out
}

/// `makeStorePath(type, sha256 digest, name)`.
pub fn make_store_path(ty: &str, digest: &[u8], name: &str) -> String {
    let fp = format!(
        "{ty}:sha256:{}:/nix/store:{name}",
        data_encoding::HEXLOWER.encode(digest)
    );
    let h = compress_hash(&sha256(fp.as_bytes()), 20);
    format!("/nix/store/{}-{name}", nix_base32(&h))
}

/// Store path of a text file with references (`toFile`, `.drv` files).
pub fn make_text_path(name: &str, contents: &str, refs: &BTreeSet<String>) -> String {
    let mut ty = String::from("text");
    for r in refs {
        ty.push(':');
        ty.push_str(r);
    }
    make_store_path(&ty, &sha256(contents.as_bytes()), name)
}

/// A parsed content hash.
pub struct ParsedHash {
    pub algo: String,
    pub digest: Vec<u8>,
}

fn hash_size(algo: &str) -> Option<usize> {
    Some(match algo {
        "md5" => 16,
        "sha1" => 20,
        "sha256" => 32,
        "sha512" => 64,
        _ => return None,
    })
}

/// Parse a hash in any of Nix's notations (`sha256:…`, SRI `sha256-…`, or
/// bare base16/base32/base64 with `algo` given).
pub fn parse_hash(s: &str, algo: Option<&str>) -> Result<ParsedHash, String> {
    let (algo, body, sri) = if let Some((a, b)) = s.split_once(':') {
        (a.to_string(), b, false)
    } else if let Some((a, b)) = s.split_once('-')
        && hash_size(a).is_some()
    {
        (a.to_string(), b, true)
    } else {
        match algo {
            Some(a) if !a.is_empty() => (a.to_string(), s, false),
            _ => return Err(format!("hash '{s}' does not include a type")),
        }
    };
    let size = hash_size(&algo).ok_or_else(|| format!("unknown hash algorithm '{algo}'"))?;
    let digest = if sri {
        data_encoding::BASE64.decode(body.as_bytes()).ok()
    } else if body.len() == size * 2 {
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(body.as_bytes())
            .ok()
    } else if body.len() == (size * 8 - 1) / 5 + 1 {
        nix_base32_decode(body, size)
    } else {
        data_encoding::BASE64.decode(body.as_bytes()).ok()
    };
    match digest {
        Some(d) if d.len() == size => Ok(ParsedHash { algo, digest: d }),
        _ => Err(format!(
            "hash '{s}' has wrong length for hash type '{algo}'"
        )),
    }
}

/// Store path of a fixed-output (`recursive` = NAR) content hash.
pub fn make_fixed_output_path(recursive: bool, h: &ParsedHash, name: &str) -> String {
    if recursive && h.algo == "sha256" {
        make_store_path("source", &h.digest, name)
    } else {
        let inner = format!(
            "fixed:out:{}{}:{}:",
            if recursive { "r:" } else { "" },
            h.algo,
            data_encoding::HEXLOWER.encode(&h.digest)
        );
        make_store_path("output:out", &sha256(inner.as_bytes()), name)
    }
}

fn valid_store_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 211
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._?=".contains(&b))
}

fn derivation_strict(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let attrs = ev.force_attrs(&args[0], span)?;
    let name_v = attrs
        .get(ev.syms.name)
        .cloned()
        .ok_or_else(|| EvalError::eval("required attribute 'name' missing", span))?;
    let drv_name = ev.force_string_no_ctx(&name_v, span)?;
    if !valid_store_name(&drv_name) {
        return Err(EvalError::eval(
            format!(
                "invalid derivation name '{drv_name}': store path names may only contain letters, digits and +-._?="
            ),
            span,
        ));
    }
    if drv_name.ends_with(".drv") {
        return Err(EvalError::eval(
            "derivation names are not allowed to end in '.drv'",
            span,
        ));
    }
    let get_bool = |ev: &mut Evaluator, key: &str| -> EvalResult<bool> {
        match attrs.get(Symbol::new(key)) {
            Some(v) => {
                let v = v.clone();
                ev.force_bool(&v, span)
            }
            None => Ok(false),
        }
    };
    let structured = get_bool(ev, "__structuredAttrs")?;
    let ignore_nulls = get_bool(ev, "__ignoreNulls")?;

    let mut ctx = Context::default();
    let mut drv = Drv {
        outputs: BTreeMap::new(),
        input_drvs: BTreeMap::new(),
        input_srcs: BTreeSet::new(),
        platform: String::new(),
        builder: String::new(),
        args: Vec::new(),
        env: BTreeMap::new(),
    };
    let mut outputs: Vec<String> = vec!["out".into()];
    let mut output_hash: Option<String> = None;
    let mut output_hash_algo = String::new();
    let mut recursive = false;
    let mut json_obj: Vec<(String, String)> = Vec::new();

    let set_outputs = |outs: Vec<String>| -> EvalResult<Vec<String>> {
        let mut seen = BTreeSet::new();
        for o in &outs {
            if o == "drv" {
                return Err(EvalError::eval(
                    "invalid derivation output name 'drv'",
                    span,
                ));
            }
            if !seen.insert(o.clone()) {
                return Err(EvalError::eval(
                    format!("duplicate derivation output '{o}'"),
                    span,
                ));
            }
        }
        if outs.is_empty() {
            return Err(EvalError::eval(
                "derivation cannot have an empty set of outputs",
                span,
            ));
        }
        Ok(outs)
    };

    for (k, v) in attrs.sorted_by_name() {
        let key = k.as_str();
        if key == "__ignoreNulls" {
            continue;
        }
        let fv = ev.force(v)?;
        if ignore_nulls && matches!(fv, Value::Null) {
            continue;
        }
        if structured {
            if key == "__structuredAttrs" {
                continue;
            }
            let mut out = String::new();
            ev.json_into(&fv, &mut ctx, &mut out, span)?;
            json_obj.push((key.to_string(), out));
            match key {
                "builder" | "system" | "outputHash" | "outputHashAlgo" | "outputHashMode" => {
                    let s = ev.coerce_to_string(&fv, &mut ctx, true, true, span)?;
                    match key {
                        "builder" => drv.builder = s,
                        "system" => drv.platform = s,
                        "outputHash" => output_hash = Some(s),
                        "outputHashAlgo" => output_hash_algo = s,
                        _ => recursive = s == "recursive",
                    }
                }
                "outputs" => {
                    let l = ev.force_list(&fv, span)?;
                    let mut outs = Vec::new();
                    for x in l.iter() {
                        outs.push(ev.force_string_no_ctx(x, span)?);
                    }
                    outputs = set_outputs(outs)?;
                }
                _ => {}
            }
            continue;
        }
        if key == "args" {
            let l = ev.force_list(&fv, span)?;
            for x in l.iter() {
                let s = ev.coerce_to_string(x, &mut ctx, true, true, span)?;
                drv.args.push(s);
            }
            continue;
        }
        let s = ev.coerce_to_string(&fv, &mut ctx, true, true, span)?;
        match key {
            "builder" => drv.builder = s.clone(),
            "system" => drv.platform = s.clone(),
            "outputHash" => output_hash = Some(s.clone()),
            "outputHashAlgo" => output_hash_algo = s.clone(),
            "outputHashMode" => match s.as_str() {
                "recursive" => recursive = true,
                "flat" => recursive = false,
                other => {
                    return Err(EvalError::eval(
                        format!("invalid value '{other}' for 'outputHashMode' attribute"),
                        span,
                    ));
                }
            },
            "outputs" => {
                outputs = set_outputs(s.split_whitespace().map(String::from).collect())?;
            }
            _ => {}
        }
        drv.env.insert(key.to_string(), s);
    }
    if structured {
        let mut j = String::from("{");
        for (i, (k, v)) in json_obj.iter().enumerate() {
            if i > 0 {
                j.push(',');
            }
            crate::eval::print::json_escape(k, &mut j);
            j.push(':');
            j.push_str(v);
        }
        j.push('}');
        drv.env.insert("__json".into(), j);
    }

    // Inputs from the string context.
    let mut unknown_input = false;
    for c in ctx.iter() {
        if let Some(p) = c.strip_prefix('=') {
            let mut stack = vec![p.to_string()];
            let mut seen = BTreeSet::new();
            while let Some(d) = stack.pop() {
                if !seen.insert(d.clone()) {
                    continue;
                }
                drv.input_srcs.insert(d.clone());
                match ev.drvs.get(&d) {
                    Some(info) => {
                        drv.input_drvs
                            .insert(d.clone(), info.outputs.iter().cloned().collect());
                        for dd in info.input_drvs.keys() {
                            stack.push(dd.clone());
                        }
                        for s in &info.input_srcs {
                            drv.input_srcs.insert(s.clone());
                        }
                    }
                    None => unknown_input = true,
                }
            }
        } else if let Some(rest) = c.strip_prefix('!') {
            if let Some((out, d)) = rest.split_once('!') {
                drv.input_drvs
                    .entry(d.to_string())
                    .or_default()
                    .insert(out.to_string());
            }
        } else {
            drv.input_srcs.insert(c.clone());
        }
    }
    if drv.builder.is_empty() {
        return Err(EvalError::eval(
            "required attribute 'builder' missing",
            span,
        ));
    }
    if drv.platform.is_empty() {
        return Err(EvalError::eval("required attribute 'system' missing", span));
    }

    // Input derivations, replaced by their hashes for hashing.
    let mut inputs_by_hash: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (d, outs) in &drv.input_drvs {
        match ev.drvs.get(d) {
            Some(info) => {
                inputs_by_hash
                    .entry(info.hash_modulo.clone())
                    .or_default()
                    .extend(outs.iter().cloned());
            }
            None => unknown_input = true,
        }
    }

    let hash_modulo;
    if let Some(oh) = &output_hash {
        if outputs != ["out"] {
            return Err(EvalError::eval(
                "multiple outputs are not supported in fixed-output derivations",
                span,
            ));
        }
        let h = parse_hash(oh, Some(&output_hash_algo)).map_err(|m| EvalError::eval(m, span))?;
        let out_path = make_fixed_output_path(recursive, &h, &drv_name);
        let algo = format!("{}{}", if recursive { "r:" } else { "" }, h.algo);
        let hex = data_encoding::HEXLOWER.encode(&h.digest);
        hash_modulo = data_encoding::HEXLOWER.encode(&sha256(
            format!("fixed:out:{algo}:{hex}:{out_path}").as_bytes(),
        ));
        drv.env.insert("out".into(), out_path.clone());
        drv.outputs.insert(
            "out".into(),
            Output {
                path: out_path,
                hash_algo: algo,
                hash: hex,
            },
        );
    } else {
        for o in &outputs {
            drv.env.insert(o.clone(), String::new());
            drv.outputs.insert(
                o.clone(),
                Output {
                    path: String::new(),
                    hash_algo: String::new(),
                    hash: String::new(),
                },
            );
        }
        let masked = sha256(drv.unparse(true, &inputs_by_hash).as_bytes());
        for o in &outputs {
            let path_name = if o == "out" {
                drv_name.clone()
            } else {
                format!("{drv_name}-{o}")
            };
            let p = if unknown_input {
                format!("/nix/store/nixfold-unknown-input-{path_name}")
            } else {
                make_store_path(&format!("output:{o}"), &masked, &path_name)
            };
            drv.env.insert(o.clone(), p.clone());
            if let Some(out) = drv.outputs.get_mut(o) {
                out.path = p;
            }
        }
        hash_modulo =
            data_encoding::HEXLOWER.encode(&sha256(drv.unparse(false, &inputs_by_hash).as_bytes()));
    }

    let text = drv.unparse(false, &drv.input_drvs);
    let mut refs: BTreeSet<String> = drv.input_srcs.clone();
    refs.extend(drv.input_drvs.keys().cloned());
    let drv_path = if unknown_input {
        format!("/nix/store/nixfold-unknown-input-{drv_name}.drv")
    } else {
        make_text_path(&format!("{drv_name}.drv"), &text, &refs)
    };
    ev.charge(text.len() as u64 * 2)?;
    ev.drvs.insert(
        drv_path.clone(),
        DrvInfo {
            hash_modulo,
            outputs: outputs.clone(),
            input_drvs: drv.input_drvs.clone(),
            input_srcs: drv.input_srcs.clone(),
        },
    );

    let mut entries = vec![(
        ev.syms.drv_path,
        Value::string_ctx(drv_path.clone(), Context::single(format!("={drv_path}"))),
    )];
    for o in &outputs {
        let p = drv.outputs[o].path.clone();
        entries.push((
            Symbol::new(o),
            Value::string_ctx(p, Context::single(format!("!{o}!{drv_path}"))),
        ));
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn placeholder(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let h = sha256(format!("nix-output:{name}").as_bytes());
    Ok(Value::string(format!("/{}", nix_base32(&h))))
}

fn to_file(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let name = ev.force_string_no_ctx(&args[0], span)?;
    let contents = ev.force_string(&args[1], span)?;
    let mut refs = BTreeSet::new();
    for c in contents.ctx.iter() {
        if c.starts_with('=') || c.starts_with('!') {
            return Err(EvalError::eval(
                format!("in 'toFile': the file '{name}' cannot refer to derivation outputs"),
                span,
            ));
        }
        refs.insert(c.clone());
    }
    if !valid_store_name(&name) {
        return Err(EvalError::eval(
            format!("invalid store path name '{name}'"),
            span,
        ));
    }
    let p = make_text_path(&name, &contents.s, &refs);
    Ok(Value::string_ctx(p.clone(), Context::single(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trip() {
        let h = sha256(b"abc");
        let s = nix_base32(&h);
        assert_eq!(s.len(), 52);
        assert_eq!(nix_base32_decode(&s, 32).unwrap(), h);
    }

    #[test]
    fn placeholder_matches_nix() {
        // nix-instantiate --eval -E 'builtins.placeholder "out"'
        let h = sha256(b"nix-output:out");
        assert_eq!(
            format!("/{}", nix_base32(&h)),
            "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
        );
    }
}
