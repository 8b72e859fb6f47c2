//! String built-ins: lengths, substrings, regexes, versions, hashes.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::PrimOpDef;
use crate::eval::error::{EvalError, EvalResult, Span};
use crate::eval::value::{Attrs, Context, Value};
use crate::eval::{Evaluator, Observation};

pub(super) static PRIMOPS: &[PrimOpDef] = &[
    PrimOpDef::new("stringLength", 1, string_length),
    PrimOpDef::new("substring", 3, substring),
    PrimOpDef::new("concatStringsSep", 2, concat_strings_sep),
    PrimOpDef::new("replaceStrings", 3, replace_strings),
    PrimOpDef::new("split", 2, split),
    PrimOpDef::new("match", 2, match_),
    PrimOpDef::global("toString", 1, to_string),
    PrimOpDef::global("baseNameOf", 1, base_name_of),
    PrimOpDef::global("dirOf", 1, dir_of),
    PrimOpDef::new("compareVersions", 2, compare_versions),
    PrimOpDef::new("splitVersion", 1, split_version),
    PrimOpDef::new("parseDrvName", 1, parse_drv_name),
    PrimOpDef::new("hashString", 2, hash_string),
];

/// Bytes back to a string; a cut through a UTF-8 sequence is replaced.
fn from_bytes(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn string_length(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut ctx = Context::default();
    let s = ev.coerce_to_string(&args[0], &mut ctx, false, true, span)?;
    Ok(Value::Int(s.len() as i64))
}

fn substring(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let start = ev.force_int(&args[0], span)?;
    let len = ev.force_int(&args[1], span)?;
    let mut ctx = Context::default();
    let s = ev.coerce_to_string(&args[2], &mut ctx, false, true, span)?;
    if start < 0 {
        return Err(EvalError::eval(
            "negative start position in 'substring'",
            span,
        ));
    }
    let b = s.as_bytes();
    let start = start as usize;
    if start >= b.len() {
        return Ok(Value::string_ctx(String::new(), ctx));
    }
    let end = if len < 0 {
        b.len()
    } else {
        start.saturating_add(len as usize).min(b.len())
    };
    Ok(Value::string_ctx(from_bytes(&b[start..end]), ctx))
}

fn concat_strings_sep(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let sep = ev.force_string(&args[0], span)?;
    let l = ev.force_list(&args[1], span)?;
    let mut ctx = sep.ctx.clone();
    let mut out = String::new();
    for (i, x) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep.s);
        }
        out.push_str(&ev.coerce_to_string(x, &mut ctx, false, true, span)?);
    }
    ev.charge(out.len() as u64 + 32)?;
    Ok(Value::string_ctx(out, ctx))
}

fn replace_strings(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let from = ev.force_list(&args[0], span)?;
    let to = ev.force_list(&args[1], span)?;
    if from.len() != to.len() {
        return Err(EvalError::eval(
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
            span,
        ));
    }
    // Like Nix 2.8: every pattern, then every replacement, then the string
    // (a replacement is forced even when it is never used).
    let mut pats: Vec<String> = Vec::with_capacity(from.len());
    for f in from.iter() {
        pats.push(ev.force_string(f, span)?.s.clone());
    }
    let mut forced_to = Vec::with_capacity(to.len());
    for t in to.iter() {
        forced_to.push(ev.force_string(t, span)?);
    }
    let s = ev.force_string(&args[2], span)?;
    let mut ctx = s.ctx.clone();
    let mut reps: Vec<Option<String>> = vec![None; to.len()];
    let b = s.s.as_bytes();
    let mut res: Vec<u8> = Vec::with_capacity(b.len());
    let mut p = 0;
    while p <= b.len() {
        let mut found = false;
        for (i, pat) in pats.iter().enumerate() {
            let pb = pat.as_bytes();
            if b.len() - p >= pb.len() && &b[p..p + pb.len()] == pb {
                found = true;
                if reps[i].is_none() {
                    let r = &forced_to[i];
                    ctx.extend(&r.ctx);
                    reps[i] = Some(r.s.clone());
                }
                res.extend_from_slice(reps[i].as_deref().unwrap_or("").as_bytes());
                if pb.is_empty() {
                    if p < b.len() {
                        res.push(b[p]);
                    }
                    p += 1;
                } else {
                    p += pb.len();
                }
                break;
            }
        }
        if !found {
            if p < b.len() {
                res.push(b[p]);
            }
            p += 1;
        }
    }
    ev.charge(res.len() as u64 + 32)?;
    Ok(Value::string_ctx(from_bytes(&res), ctx))
}

thread_local! {
    static REGEX_CACHE: RefCell<FxHashMap<String, Rc<regex::Regex>>> = RefCell::new(FxHashMap::default());
}

/// Translate a POSIX extended regular expression to the `regex` crate's
/// syntax and compile it (cached).
fn compile_regex(re: &str, anchored: bool, span: Span) -> EvalResult<Rc<regex::Regex>> {
    let key = format!("{}{re}", if anchored { "A" } else { "U" });
    if let Some(r) = REGEX_CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(r);
    }
    let translated = translate_ere(re);
    let full = if anchored {
        format!("^(?:{translated})$")
    } else {
        translated
    };
    let r = regex::RegexBuilder::new(&full)
        .dot_matches_new_line(true)
        .build()
        .map_err(|_| EvalError::eval(format!("invalid regular expression '{re}'"), span))?;
    let r = Rc::new(r);
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 1000 {
            c.clear();
        }
        c.insert(key, r.clone());
    });
    Ok(r)
}

/// POSIX ERE → Rust regex: inside brackets, `\` is literal and a leading
/// `]` is a member; outside, escape characters Rust treats specially.
fn translate_ere(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 8);
    let chars: Vec<char> = re.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '[' => {
                // Copy a bracket expression.
                out.push('[');
                i += 1;
                if i < chars.len() && chars[i] == '^' {
                    out.push('^');
                    i += 1;
                }
                if i < chars.len() && chars[i] == ']' {
                    out.push_str("\\]");
                    i += 1;
                }
                while i < chars.len() && chars[i] != ']' {
                    if chars[i] == '['
                        && i + 1 < chars.len()
                        && matches!(chars[i + 1], ':' | '.' | '=')
                    {
                        // [:class:] — copy through the closing `:]`.
                        let close = chars[i + 1];
                        let start = i;
                        i += 2;
                        while i + 1 < chars.len() && !(chars[i] == close && chars[i + 1] == ']') {
                            i += 1;
                        }
                        i += 2;
                        let s: String = chars[start..i.min(chars.len())].iter().collect();
                        out.push_str(&s);
                        continue;
                    }
                    match chars[i] {
                        '\\' => out.push_str("\\\\"),
                        '[' => out.push_str("\\["),
                        '&' | '~' | '-' if i + 1 < chars.len() && chars[i + 1] == chars[i] => {
                            out.push('\\');
                            out.push(chars[i]);
                        }
                        ch => out.push(ch),
                    }
                    i += 1;
                }
                out.push(']');
                i += 1;
            }
            '\\' => {
                if i + 1 < chars.len() {
                    let n = chars[i + 1];
                    if n.is_ascii_alphanumeric()
                        && !matches!(n, 'w' | 'W' | 's' | 'S' | 'd' | 'D' | 'b' | 'B')
                    {
                        // Unknown escapes of letters mean the letter itself.
                        out.push(n);
                    } else {
                        out.push('\\');
                        out.push(n);
                    }
                    i += 2;
                } else {
                    out.push_str("\\\\");
                    i += 1;
                }
            }
            '{' => {
                // A `{` not starting a valid bound is literal.
                let rest: String = chars[i..].iter().collect();
                let valid = rest
                    .find('}')
                    .map(|e| {
                        let inner = &rest[1..e];
                        !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit() || c == ',')
                    })
                    .unwrap_or(false);
                if valid && !out.is_empty() {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
                i += 1;
            }
            '}' => {
                out.push('}');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn captures_list(caps: &regex::Captures, n: usize) -> Vec<Value> {
    (1..n)
        .map(|g| match caps.get(g) {
            Some(m) => Value::string(m.as_str()),
            None => Value::Null,
        })
        .collect()
}

fn split(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let re = ev.force_string_no_ctx(&args[0], span)?;
    let sv = ev.force(&args[1])?;
    if let Value::Unknown(u) = &sv {
        // Splitting an unknown: remember by what (variant analysis reads
        // the separator of lists built from the environment).
        ev.observe(Observation {
            subject: u.clone(),
            op: "split",
            literal: Value::string(re.to_string()),
            span,
        });
    }
    let s = ev.force_string(&sv, span)?;
    let r = compile_regex(&re, false, span)?;
    let n = r.captures_len();
    let mut out = Vec::new();
    let text = s.s.as_str();
    let mut last = 0;
    let mut pos = 0;
    // Like libstdc++'s regex_iterator: an empty match may directly follow
    // a non-empty one; after an empty match the search moves on one
    // character.
    while pos <= text.len() {
        let Some(caps) = r.captures_at(text, pos) else {
            break;
        };
        let m = caps.get(0).expect("whole match");
        out.push(Value::string(&text[last..m.start()]));
        out.push(Value::list(captures_list(&caps, n)));
        last = m.end();
        if m.is_empty() {
            pos = m.end() + text[m.end()..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
    }
    out.push(Value::string(&text[last..]));
    Ok(Value::list(out))
}

fn match_(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let re = ev.force_string_no_ctx(&args[0], span)?;
    let s = ev.force_string(&args[1], span)?;
    let r = compile_regex(&re, true, span)?;
    match r.captures(&s.s) {
        Some(caps) => Ok(Value::list(captures_list(&caps, r.captures_len()))),
        None => Ok(Value::Null),
    }
}

fn to_string(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut ctx = Context::default();
    let s = ev.coerce_to_string(&args[0], &mut ctx, true, false, span)?;
    Ok(Value::string_ctx(s, ctx))
}

/// Nix's `baseNameOf` on text.
pub(crate) fn base_name(s: &str) -> &str {
    if s.is_empty() {
        return "";
    }
    let b = s.as_bytes();
    let mut last = b.len() - 1;
    if b[last] == b'/' && last > 0 {
        last -= 1;
    }
    let pos = s[..=last].rfind('/').map(|p| p + 1).unwrap_or(0);
    &s[pos..=last]
}

/// Nix's `dirOf` on text.
pub(crate) fn dir_name(s: &str) -> &str {
    match s.rfind('/') {
        None => ".",
        Some(0) => "/",
        Some(p) => &s[..p],
    }
}

fn base_name_of(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let mut ctx = Context::default();
    let s = ev.coerce_to_string(&args[0], &mut ctx, false, false, span)?;
    Ok(Value::string_ctx(base_name(&s), ctx))
}

fn dir_of(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let v = ev.force_known(&args[0])?;
    let mut ctx = Context::default();
    let s = ev.coerce_to_string(&v, &mut ctx, false, false, span)?;
    let d = dir_name(&s).to_string();
    if matches!(v, Value::Path(_)) {
        Ok(Value::path(d))
    } else {
        Ok(Value::string_ctx(d, ctx))
    }
}

/// The next version component (digits, or a run of non-digit
/// non-separators), skipping separators.
fn next_component<'a>(s: &'a [u8], p: &mut usize) -> &'a [u8] {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    &s[start..*p]
}

fn as_int(c: &[u8]) -> Option<i32> {
    if c.is_empty() {
        return None;
    }
    std::str::from_utf8(c).ok()?.parse().ok()
}

fn components_lt(c1: &[u8], c2: &[u8]) -> bool {
    let (n1, n2) = (as_int(c1), as_int(c2));
    if let (Some(a), Some(b)) = (n1, n2) {
        return a < b;
    }
    if c1.is_empty() && n2.is_some() {
        return true;
    }
    if c1 == b"pre" && c2 != b"pre" {
        return true;
    }
    if c2 == b"pre" {
        return false;
    }
    if n2.is_some() {
        return true;
    }
    if n1.is_some() {
        return false;
    }
    c1 < c2
}

/// Nix's version comparison: -1, 0 or 1.
pub fn compare_version_strings(v1: &str, v2: &str) -> i64 {
    let (a, b) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < a.len() || p2 < b.len() {
        let c1 = next_component(a, &mut p1);
        let c2 = next_component(b, &mut p2);
        if components_lt(c1, c2) {
            return -1;
        }
        if components_lt(c2, c1) {
            return 1;
        }
    }
    0
}

fn compare_versions(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let a = ev.force_string_no_ctx(&args[0], span)?;
    let b = ev.force_string_no_ctx(&args[1], span)?;
    Ok(Value::Int(compare_version_strings(&a, &b)))
}

fn split_version(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string_no_ctx(&args[0], span)?;
    let b = s.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < b.len() {
        let c = next_component(b, &mut p);
        if c.is_empty() {
            break;
        }
        out.push(Value::string(from_bytes(c)));
    }
    Ok(Value::list(out))
}

fn parse_drv_name(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let s = ev.force_string_no_ctx(&args[0], span)?;
    let b = s.as_bytes();
    let mut name = s.as_str();
    let mut version = "";
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            name = &s[..i];
            version = &s[i + 1..];
            break;
        }
    }
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        (ev.syms.name, Value::string(name)),
        (ev.syms.version, Value::string(version)),
    ])))
}

/// Hex digest of `data` with Nix's hash names.
pub(crate) fn hash_hex(algo: &str, data: &[u8]) -> Option<String> {
    use sha2::Digest;
    Some(match algo {
        "md5" => data_encoding::HEXLOWER.encode(&md5::Md5::digest(data)),
        "sha1" => data_encoding::HEXLOWER.encode(&sha1::Sha1::digest(data)),
        "sha256" => data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(data)),
        "sha512" => data_encoding::HEXLOWER.encode(&sha2::Sha512::digest(data)),
        _ => return None,
    })
}

fn hash_string(ev: &mut Evaluator, args: &[Value], span: Span) -> EvalResult<Value> {
    let algo = ev.force_string_no_ctx(&args[0], span)?;
    let s = ev.force_string(&args[1], span)?;
    match hash_hex(&algo, s.s.as_bytes()) {
        Some(h) => Ok(Value::string(h)),
        None => Err(EvalError::eval(
            format!("unknown hash algorithm '{algo}'"),
            span,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(compare_version_strings("1.0", "2.3"), -1);
        assert_eq!(compare_version_strings("2.1", "2.3"), -1);
        assert_eq!(compare_version_strings("2.3", "2.3"), 0);
        assert_eq!(compare_version_strings("2.5", "2.3"), 1);
        assert_eq!(compare_version_strings("3.1", "2.3"), 1);
        assert_eq!(compare_version_strings("2.3.1", "2.3"), 1);
        assert_eq!(compare_version_strings("2.3.1", "2.3a"), 1);
        assert_eq!(compare_version_strings("2.3pre1", "2.3"), -1);
        assert_eq!(compare_version_strings("2.3pre3", "2.3pre12"), -1);
        assert_eq!(compare_version_strings("2.3a", "2.3c"), -1);
        assert_eq!(compare_version_strings("2.3pre1", "2.3c"), -1);
        assert_eq!(compare_version_strings("2.3pre1", "2.3q"), -1);
    }

    #[test]
    fn names() {
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(base_name("/"), "");
        assert_eq!(dir_name("/a/b"), "/a");
        assert_eq!(dir_name("a"), ".");
        assert_eq!(dir_name("/a"), "/");
    }

    #[test]
    fn ere_translation() {
        assert_eq!(translate_ere("[]a]"), "[\\]a]");
        assert_eq!(translate_ere("[\\]"), "[\\\\]");
        assert_eq!(translate_ere("a{"), "a\\{");
        assert_eq!(translate_ere("a{2}"), "a{2}");
    }
}
