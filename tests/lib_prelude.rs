//! The lib prelude (src/eval/prelude/lib.nix) against real Nix.
//!
//! 1. tests/eval_corpus/lib/*.txt: each expression imports the prelude and is
//!    evaluated by `nix-instantiate --eval --strict` and `nixfold eval
//!    --strict`; results must agree, and `=>` lines pin the result nixpkgs
//!    documents.
//! 2. Lib functions applied to many random inputs (seeded; `NIXFOLD_GEN_SEED`
//!    changes them), compared between Nix and nixfold.

#[path = "gen/mod.rs"]
mod nixgen;

use nixgen::corpus::{self, KnownGap};
use nixgen::oracle::{self, Outcome};
use nixgen::rng::Rng;

const KNOWN_GAPS: &[KnownGap] = &[];

fn prelude_path() -> String {
    nixgen::root()
        .join("src/eval/prelude/lib.nix")
        .display()
        .to_string()
}

fn files_dir() -> std::path::PathBuf {
    nixgen::root().join("tests/eval_corpus/files")
}

#[test]
fn prelude_source_is_the_file() {
    let on_disk = std::fs::read_to_string(prelude_path()).unwrap();
    assert_eq!(nixfold::eval::prelude::LIB_SOURCE, on_disk);
}

#[test]
fn prelude_cases_agree_with_nix() {
    oracle::require_nix();
    let cases = corpus::read_dir(
        &nixgen::root().join("tests/eval_corpus/lib"),
        &[("PRELUDE", prelude_path())],
    );
    assert!(cases.len() >= 150, "only {} prelude cases", cases.len());
    let pinned = cases.iter().filter(|c| c.expect.is_some()).count();
    assert!(
        pinned * 10 >= cases.len() * 8,
        "most cases should pin the documented result"
    );
    let report = corpus::run(&cases, &files_dir(), oracle::nixfold_has_eval(), KNOWN_GAPS);
    eprintln!(
        "lib prelude: {} cases ({pinned} with documented results), {} known gaps hit",
        report.total,
        report.gaps_hit.len()
    );
    report.assert_ok("lib prelude");
}

fn nix_string(rng: &mut Rng) -> String {
    const ALPHABET: &[&str] = &[
        "a", "b", "c", ",", ".", " ", "/", "-", "'", "\\n", "\\t", "ab", "é",
    ];
    let n = rng.below(7);
    let body: String = (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect();
    format!("\"{body}\"")
}

/// An integer literal usable as an argument or list element.
fn int(i: i64) -> String {
    if i < 0 {
        format!("({i})")
    } else {
        i.to_string()
    }
}

fn int_list(rng: &mut Rng) -> String {
    let n = rng.below(7);
    let items: Vec<String> = (0..n).map(|_| int(rng.below(9) as i64 - 2)).collect();
    format!("[ {} ]", items.join(" "))
}

fn nested_list(rng: &mut Rng, depth: usize) -> String {
    let n = rng.below(4);
    let items: Vec<String> = (0..n)
        .map(|_| {
            if depth > 0 && rng.chance(0.4) {
                nested_list(rng, depth - 1)
            } else {
                rng.below(5).to_string()
            }
        })
        .collect();
    format!("[ {} ]", items.join(" "))
}

fn attrs(rng: &mut Rng, depth: usize) -> String {
    const KEYS: &[&str] = &["a", "b", "c", "d"];
    let mut keys: Vec<&str> = KEYS.iter().copied().filter(|_| rng.chance(0.5)).collect();
    keys.dedup();
    let body: Vec<String> = keys
        .iter()
        .map(|k| {
            let v = if depth > 0 && rng.chance(0.4) {
                attrs(rng, depth - 1)
            } else {
                rng.below(5).to_string()
            };
            format!("{k} = {v};")
        })
        .collect();
    format!("{{ {} }}", body.join(" "))
}

/// Produces the random argument text of one call.
type InputGen = fn(&mut Rng) -> String;

/// Expressions applying lib functions to random inputs; each is a list of
/// results over several inputs.
fn property_expressions(seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let templates: &[(&str, InputGen)] = &[
        ("lib.unique", |r| int_list(r)),
        ("lib.reverseList", |r| int_list(r)),
        ("lib.flatten", |r| nested_list(r, 3)),
        ("lib.toList", |r| {
            if r.chance(0.5) {
                int_list(r)
            } else {
                "7".into()
            }
        }),
        ("lib.take", |r| format!("{} {}", r.below(5), int_list(r))),
        ("lib.drop", |r| format!("{} {}", r.below(5), int_list(r))),
        ("lib.sublist", |r| {
            format!("{} {} {}", r.below(5), r.below(5), int_list(r))
        }),
        ("lib.range", |r| {
            format!("{} {}", int(r.below(6) as i64 - 2), r.below(6))
        }),
        ("lib.count (x: x > 1)", |r| int_list(r)),
        ("lib.partition (x: x > 1)", |r| int_list(r)),
        ("lib.findFirst (x: x > 2) null", |r| int_list(r)),
        ("lib.intersectLists [ 0 1 2 ]", |r| int_list(r)),
        ("lib.subtractLists [ 0 1 2 ]", |r| int_list(r)),
        ("lib.imap0 (i: x: i * x)", |r| int_list(r)),
        ("lib.imap1 (i: x: i - x)", |r| int_list(r)),
        ("lib.zipLists", |r| {
            format!("{} {}", int_list(r), int_list(r))
        }),
        ("lib.foldr (x: acc: [ x ] ++ acc) [ ]", |r| int_list(r)),
        ("lib.foldl (acc: x: acc - x) 0", |r| int_list(r)),
        ("lib.remove 1", |r| int_list(r)),
        ("lib.intersperse 0", |r| int_list(r)),
        ("(l: if l == [ ] then null else lib.last l)", |r| {
            int_list(r)
        }),
        ("(l: if l == [ ] then null else lib.init l)", |r| {
            int_list(r)
        }),
        ("lib.splitString \",\"", |r| nix_string(r)),
        ("lib.splitString \"a\"", |r| nix_string(r)),
        ("lib.splitString \".\"", |r| nix_string(r)),
        ("lib.splitString \"ab\"", |r| nix_string(r)),
        ("lib.hasPrefix \"a\"", |r| nix_string(r)),
        ("lib.hasSuffix \"b\"", |r| nix_string(r)),
        ("lib.hasInfix \"a,\"", |r| nix_string(r)),
        ("lib.hasInfix \".\"", |r| nix_string(r)),
        ("lib.removePrefix \"a\"", |r| nix_string(r)),
        ("lib.removeSuffix \"b\"", |r| nix_string(r)),
        ("lib.toUpper", |r| nix_string(r)),
        ("lib.toLower", |r| nix_string(r).to_uppercase()),
        ("lib.escapeShellArg", |r| nix_string(r)),
        ("lib.trim", |r| nix_string(r)),
        ("lib.stringToCharacters", |r| nix_string(r)),
        ("lib.concatStringsSep \"-\"", |r| {
            format!("[ {} {} ]", nix_string(r), nix_string(r))
        }),
        ("lib.toInt", |r| {
            format!("\"{}\"", r.below(2000) as i64 - 1000)
        }),
        ("lib.filterAttrs (n: v: v != 1)", |r| attrs(r, 1)),
        ("lib.mapAttrsToList (n: v: n)", |r| attrs(r, 1)),
        ("lib.attrByPath [ \"a\" \"b\" ] \"default\"", |r| {
            attrs(r, 2)
        }),
        ("lib.hasAttrByPath [ \"a\" \"c\" ]", |r| attrs(r, 2)),
        ("lib.recursiveUpdate", |r| {
            format!("{} {}", attrs(r, 2), attrs(r, 2))
        }),
        ("lib.foldAttrs (x: acc: acc + x) 0", |r| {
            format!("[ {} {} ]", attrs(r, 0), attrs(r, 0))
        }),
        ("lib.collect builtins.isInt", |r| attrs(r, 2)),
        ("lib.filterAttrsRecursive (n: v: v != 0)", |r| attrs(r, 2)),
        ("lib.mapAttrsRecursive (p: v: p)", |r| attrs(r, 2)),
        ("(s: lib.versions.majorMinor s)", |r| {
            format!("\"{}.{}.{}\"", r.below(3), r.below(12), r.below(4))
        }),
    ];
    let prelude = prelude_path();
    templates
        .iter()
        .map(|(f, input)| {
            let calls: Vec<String> = (0..8)
                .map(|_| format!("({f} {})", input(&mut rng)))
                .collect();
            format!("let lib = import {prelude}; in [ {} ]", calls.join(" "))
        })
        .collect()
}

#[test]
fn prelude_on_random_inputs_agrees_with_nix() {
    oracle::require_nix();
    if !oracle::nixfold_has_eval() {
        return;
    }
    let seed = nixgen::seed();
    let exprs = property_expressions(seed);
    let cwd = files_dir();
    let results = oracle::par_map(&exprs, 2, |e| {
        (oracle::nix_eval(&cwd, e), oracle::nixfold_eval(&cwd, e))
    });
    let mut problems = Vec::new();
    let mut values = 0;
    for (e, (nix, nf)) in exprs.iter().zip(&results) {
        let same = match (nix, nf) {
            (Outcome::Value(a), Outcome::Value(b)) => {
                values += 1;
                a == b
            }
            (Outcome::Error(_), Outcome::Error(_)) => !corpus::crashed(nf),
            _ => false,
        };
        if !same {
            problems.push(format!(
                "{e}\n    nix:     {}\n    nixfold: {}",
                nix.short(),
                nf.short()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "seed {seed}:\n{}",
        problems.join("\n\n")
    );
    let failing: Vec<String> = exprs
        .iter()
        .zip(&results)
        .filter(|(_, (nix, _))| !nix.is_value())
        .map(|(e, (nix, _))| format!("{e}\n    {}", nix.short()))
        .collect();
    assert!(
        failing.len() * 10 <= exprs.len(),
        "most random lib calls should succeed ({values} did); these fail:\n{}",
        failing.join("\n")
    );
}
