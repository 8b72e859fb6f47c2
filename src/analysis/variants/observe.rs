//! Domains learnt from evaluation: every file that reads the environment is
//! evaluated by nixfold's evaluator with `getEnv NAME` returning the unknown
//! `env:NAME`, applied to unknown arguments (`{ config, pkgs, ... }`; `lib`
//! is nixpkgs lib, see [`LibConfig::for_project`]),
//! and forced as far as it goes (errors in one attribute do not stop the
//! others; both branches of an `if` on an unknown are followed). The
//! comparisons the evaluator records between `env:NAME` and known values
//! become test facts.
//!
//! File access is confined to the analysed tree, `getEnv` never reads the
//! process environment, and each file has a step and memory budget.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::flow::{Analyzer, Fact, FactKind, ListShape, Pred, Shape, Site, Test};
use crate::eval::{EvalOptions, Evaluator, LibConfig, Span, Unknown, UnknownKind, Value};
use crate::syntax::{TextRange, TextSize, ast};

/// Evaluation steps allowed per file.
const STEPS_PER_FILE: u64 = 3_000_000;
/// Values visited while forcing one file's result.
const MAX_VISITS: usize = 200_000;

/// Evaluate `files` (indices into `a.project.files`) and return the tests the
/// evaluator observed.
pub fn observe(a: &Analyzer<'_>, root: &Path, files: &[usize]) -> Vec<Fact> {
    let project = a.project;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut canonicalizer = crate::project::Canonicalizer::default();
    let canon_of: Vec<Option<PathBuf>> = project
        .files
        .iter()
        .map(|f| canonicalizer.get(&f.path))
        .collect();
    let canon: rustc_hash::FxHashMap<PathBuf, usize> = canon_of
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.clone().map(|p| (p, i)))
        .collect();
    let jobs: Vec<(usize, PathBuf, Option<ArgShape>)> = files
        .iter()
        .filter_map(|&i| {
            let f = &project.files[i];
            if !f.parsed().errors.is_empty() {
                return None;
            }
            let path = canon_of[i].clone()?;
            let shape = if f.path.file_name().is_some_and(|n| n == "flake.nix") {
                super::outputs::flake_outputs_fn(a.file_scopes(i), &f.parsed().syntax())
                    .and_then(|l| lambda_shape(&l))
                    .map(|s| ArgShape::FlakeOutputs(Box::new(s)))
            } else {
                arg_shape(&f.parsed().root())
            };
            Some((i, path, shape))
        })
        .collect();
    let lib = LibConfig::for_project(&root);
    let sources: crate::eval::Preparsed = std::sync::Arc::new(
        canon
            .iter()
            .map(|(p, &i)| (p.clone(), project.files[i].tree.clone()))
            .collect(),
    );
    let mut out: Vec<Fact> = jobs
        .par_iter()
        .flat_map_iter(|(_, path, shape)| {
            // A panic inside the evaluator must not take the analysis down.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                evaluate(&root, path, shape.as_ref(), &canon, &lib, &sources)
            }))
            .unwrap_or_default()
        })
        .collect();
    out.sort_by_key(|f| (f.site.file, f.site.range.start(), f.var.clone()));
    out.dedup();
    out
}

/// How to call a file's function: with a set of these formals, or with one
/// argument.
#[derive(Debug, Clone)]
enum ArgShape {
    Formals(Vec<String>),
    Single(String),
    /// flake.nix: call its `outputs` attribute like this.
    FlakeOutputs(Box<ArgShape>),
}

fn arg_shape(root: &ast::Root) -> Option<ArgShape> {
    let mut e = root.expr()?;
    while let ast::Expr::Paren(p) = &e {
        e = p.expr()?;
    }
    let ast::Expr::Lambda(l) = e else { return None };
    lambda_shape(&l)
}

fn lambda_shape(l: &ast::Lambda) -> Option<ArgShape> {
    match l.param()? {
        ast::Param::Pattern(p) => Some(ArgShape::Formals(
            p.pat_entries()
                .filter_map(|e| e.ident().and_then(|i| super::syn::ident_name(&i)))
                .collect(),
        )),
        ast::Param::IdentParam(p) => Some(ArgShape::Single(
            p.ident()
                .and_then(|i| super::syn::ident_name(&i))
                .unwrap_or_else(|| "arg".into()),
        )),
    }
}

fn evaluate(
    root: &Path,
    path: &Path,
    shape: Option<&ArgShape>,
    canon: &rustc_hash::FxHashMap<PathBuf, usize>,
    lib: &LibConfig,
    sources: &crate::eval::Preparsed,
) -> Vec<Fact> {
    let opts = EvalOptions {
        root: Some(root.to_path_buf()),
        confine_to_root: true,
        read_process_env: false,
        unknown_env: true,
        nix_path: Some(Vec::new()),
        max_steps: STEPS_PER_FILE,
        max_memory: 512 << 20,
        max_depth: 20_000,
        lib: Some(lib.clone()),
        preparsed: Some(sources.clone()),
        ..EvalOptions::default()
    };
    let mut ev = Evaluator::new(opts);
    let Ok(v) = ev.eval_file(path) else {
        return Vec::new();
    };
    let (shape, v) = match (shape, &v) {
        (Some(ArgShape::FlakeOutputs(inner)), Value::Attrs(a)) => {
            match a.get(crate::eval::Symbol::new("outputs")) {
                Some(o) => match ev.force(o) {
                    Ok(o) => (Some(inner.as_ref()), o),
                    Err(_) => return convert(&mut ev, canon),
                },
                None => (None, v.clone()),
            }
        }
        _ => (shape, v.clone()),
    };
    let v = match (shape, &v) {
        (Some(ArgShape::Formals(names)), Value::Lambda(_)) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let args = ev.unknown_args(&names);
            let Value::Attrs(a) = args else {
                return Vec::new();
            };
            ev.auto_call(&v, &a).unwrap_or(Value::Null)
        }
        (Some(ArgShape::Single(name)), Value::Lambda(_)) => ev
            .call(&v, Unknown::value(name.clone()), Span::NONE)
            .unwrap_or(Value::Null),
        _ => v,
    };
    force_tolerant(&mut ev, &v);
    convert(&mut ev, canon)
}

/// Force everything reachable from `v`, skipping parts that fail, and both
/// branches of conditionals on unknowns.
fn force_tolerant(ev: &mut Evaluator, v: &Value) {
    let mut stack = vec![v.clone()];
    let mut seen: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut visits = 0;
    while let Some(v) = stack.pop() {
        visits += 1;
        if visits > MAX_VISITS || ev.steps() >= STEPS_PER_FILE {
            break;
        }
        let Ok(f) = ev.force(&v) else { continue };
        match &f {
            Value::Attrs(a) if seen.insert(std::rc::Rc::as_ptr(a) as *const u8 as usize) => {
                for (_, x) in a.iter().rev() {
                    stack.push(x.clone());
                }
            }
            Value::List(l) if seen.insert(std::rc::Rc::as_ptr(l) as *const u8 as usize) => {
                for x in l.iter().rev() {
                    stack.push(x.clone());
                }
            }
            Value::Unknown(u) => push_unknown_parts(u, &mut stack, &mut seen),
            _ => {}
        }
    }
}

fn push_unknown_parts(
    u: &std::rc::Rc<Unknown>,
    stack: &mut Vec<Value>,
    seen: &mut std::collections::HashSet<usize>,
) {
    if !seen.insert(std::rc::Rc::as_ptr(u) as *const u8 as usize) {
        return;
    }
    match &u.kind {
        UnknownKind::Cond { cond, then, else_ } => {
            stack.push(then.clone());
            stack.push(else_.clone());
            push_unknown_parts(cond, stack, seen);
        }
        UnknownKind::Apply(f, arg) => {
            // Arguments of unknown functions (`lib.mkIf c { ... }`,
            // `nixosSystem { modules = ...; }`) are evaluated too.
            stack.push(arg.clone());
            push_unknown_parts(f, stack, seen);
        }
        UnknownKind::Op(_, a, b) => {
            stack.push(a.clone());
            stack.push(b.clone());
        }
        UnknownKind::Select(x, _)
        | UnknownKind::Not(x)
        | UnknownKind::Builtin(_, x)
        | UnknownKind::Interpolation(x) => push_unknown_parts(x, stack, seen),
        UnknownKind::Root(_) => {}
    }
}

fn convert(ev: &mut Evaluator, canon: &rustc_hash::FxHashMap<PathBuf, usize>) -> Vec<Fact> {
    let observations = ev.observations().to_vec();
    let mut out = Vec::new();
    for o in &observations {
        if o.op == "contains" {
            out.extend(member_fact(ev, o, &observations, canon));
            continue;
        }
        let UnknownKind::Root(name) = &o.subject.kind else {
            continue;
        };
        let Some(var) = name.strip_prefix("env:") else {
            continue;
        };
        let pred_positive = match (o.op, &o.literal) {
            ("==" | "!=", Value::String(s)) => Some((Pred::Eq(s.s.clone()), o.op == "==")),
            ("elem", Value::List(l)) => {
                let mut lits = Vec::new();
                for item in l.iter() {
                    match ev.force(item) {
                        Ok(Value::String(s)) => lits.push(s.s.clone()),
                        _ => {
                            lits.clear();
                            break;
                        }
                    }
                }
                (!lits.is_empty()).then_some((Pred::OneOf(lits), true))
            }
            _ => None,
        };
        let Some((pred, positive)) = pred_positive else {
            continue;
        };
        let Some(file) = ev
            .file_info(o.span.file)
            .and_then(|f| f.path.clone())
            .and_then(|p| canon.get(&p).copied())
        else {
            continue;
        };
        out.push(Fact {
            var: var.to_string(),
            kind: FactKind::Test(Test {
                var: var.to_string(),
                shape: Shape::Raw { default: None },
                pred,
                positive,
            }),
            site: Site {
                file,
                range: TextRange::new(TextSize::from(o.span.start), TextSize::from(o.span.end)),
            },
        });
    }
    out
}

/// `elem "lit" items` where `items` is an environment variable split by a
/// literal separator (`lib.splitString "," (getEnv "X")`, `filter isString
/// (builtins.split "," …)`, possibly mapped or filtered): a membership test.
fn member_fact(
    ev: &Evaluator,
    o: &crate::eval::Observation,
    all: &[crate::eval::Observation],
    canon: &rustc_hash::FxHashMap<PathBuf, usize>,
) -> Option<Fact> {
    let Value::String(lit) = &o.literal else {
        return None;
    };
    // Walk down to `env:NAME`, remembering what was split.
    let mut cur = &o.subject;
    let mut split_of: Option<&std::rc::Rc<Unknown>> = None;
    let var = loop {
        match &cur.kind {
            UnknownKind::Builtin(name, inner) => {
                match *name {
                    "split" => split_of = Some(inner),
                    "map" | "filter" | "toString" | "unsafeDiscardStringContext" => {}
                    _ => return None,
                }
                cur = inner;
            }
            UnknownKind::Root(n) => break n.strip_prefix("env:")?.to_string(),
            _ => return None,
        }
    };
    let split_of = split_of?;
    let regex = all.iter().find_map(|x| match &x.literal {
        Value::String(re) if x.op == "split" && std::rc::Rc::ptr_eq(&x.subject, split_of) => {
            Some(re.s.clone())
        }
        _ => None,
    })?;
    let sep = regex_literal(&regex)?;
    let file = ev
        .file_info(o.span.file)
        .and_then(|f| f.path.clone())
        .and_then(|p| canon.get(&p).copied())?;
    Some(Fact {
        var: var.clone(),
        kind: FactKind::Test(Test {
            var,
            shape: Shape::Items(ListShape {
                sep,
                ..ListShape::default()
            }),
            pred: Pred::Member(lit.s.clone()),
            positive: true,
        }),
        site: Site {
            file,
            range: TextRange::new(TextSize::from(o.span.start), TextSize::from(o.span.end)),
        },
    })
}

/// The text a regular expression matches when it matches one fixed string
/// (`,`, `\.`, `[.]`-free escapes only), else `None`.
fn regex_literal(re: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '.' | '[' | ']' | '(' | ')' | '{' | '}' | '*' | '+' | '?' | '^' | '$' | '|' => {
                return None;
            }
            c => out.push(c),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Merge evaluation facts into the syntactic ones: a syntactic test at the
/// same place with the same literals is confirmed (its richer shape is kept);
/// tests only the evaluator saw are added. Returns how many facts the
/// evaluator confirmed or added, per variable.
pub fn merge(facts: &mut Vec<Fact>, observed: Vec<Fact>) -> HashMap<String, usize> {
    let mut count: HashMap<String, usize> = HashMap::new();
    for o in observed {
        let FactKind::Test(ot) = &o.kind else {
            continue;
        };
        let same = facts.iter().any(|f| {
            f.var == o.var
                && f.site.file == o.site.file
                && (f.site.range.contains_range(o.site.range) || o.site.range.contains_range(f.site.range))
                && matches!(&f.kind, FactKind::Test(t) if t.literals() == ot.literals() && t.positive == ot.positive)
        });
        *count.entry(o.var.clone()).or_default() += 1;
        if !same {
            facts.push(o);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Project;

    #[test]
    fn observes_comparisons_of_env_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.nix"),
            r#"{ lib, pkgs, ... }:
let
  mode = builtins.getEnv "MODE";
  pick = m: if m == "server" then 1 else 2;
in {
  x = pick mode;
  y = builtins.elem (builtins.getEnv "TIER") [ "gold" "silver" ];
  z = lib.mkIf (builtins.getEnv "FLAG" != "") { enable = true; };
}
"#,
        )
        .unwrap();
        let project = Project::load(dir.path(), &[dir.path().to_path_buf()], &|_| false);
        let facts = observe(&Analyzer::new(&project), dir.path(), &[0]);
        let mut seen: Vec<String> = facts
            .iter()
            .map(|f| match &f.kind {
                FactKind::Test(t) => format!("{} {:?} {}", f.var, t.pred, t.positive),
                _ => String::new(),
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![
                "FLAG Eq(\"\") false",
                "MODE Eq(\"server\") true",
                "TIER OneOf([\"gold\", \"silver\"]) true",
            ]
        );
    }
}
