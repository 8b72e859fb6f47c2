//! Differential evaluation tests against real Nix.
//!
//! 1. The corpus (tests/eval_corpus/*.txt, format in its README): every
//!    expression is evaluated with `nix-instantiate --eval --strict` and
//!    `nixfold eval --strict`; both must succeed or both fail, with the same
//!    output on success. Expressions marked `!` must fail in real Nix too.
//! 2. Random programs from grammar/nix-eval.ebnf: same requirements.
//!    `NIXFOLD_GEN_SEED` / `NIXFOLD_EVAL_CASES` (default 150) change them.
//!
//! Differences not fixed yet are listed in `KNOWN_GAPS` with a reason; the
//! aim is an empty list.

#[path = "gen/mod.rs"]
mod nixgen;

use nixgen::corpus::{self, KnownGap};
use nixgen::oracle::{self, Outcome};

const KNOWN_GAPS: &[KnownGap] = &[];

/// Builtins (issue 3) the corpus must exercise.
const BUILTINS: &[&str] = &[
    "abort",
    "add",
    "all",
    "any",
    "attrNames",
    "attrValues",
    "baseNameOf",
    "bitAnd",
    "bitOr",
    "bitXor",
    "catAttrs",
    "compareVersions",
    "concatLists",
    "concatMap",
    "concatStringsSep",
    "deepSeq",
    "div",
    "dirOf",
    "elem",
    "elemAt",
    "filter",
    "foldl'",
    "fromJSON",
    "fromTOML",
    "functionArgs",
    "genList",
    "genericClosure",
    "getAttr",
    "getEnv",
    "groupBy",
    "hasAttr",
    "hashString",
    "head",
    "import",
    "intersectAttrs",
    "isAttrs",
    "isBool",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isNull",
    "isPath",
    "isString",
    "length",
    "lessThan",
    "listToAttrs",
    "map",
    "mapAttrs",
    "match",
    "mul",
    "parseDrvName",
    "partition",
    "pathExists",
    "readDir",
    "readFile",
    "removeAttrs",
    "replaceStrings",
    "seq",
    "sort",
    "split",
    "splitVersion",
    "stringLength",
    "sub",
    "substring",
    "tail",
    "throw",
    "toJSON",
    "toString",
    "trace",
    "tryEval",
    "typeOf",
    "zipAttrsWith",
    "hasContext",
    "getContext",
    "unsafeDiscardStringContext",
    "currentSystem",
    "currentTime",
    "scopedImport",
    "derivation",
];

/// Syntax the corpus must exercise (as text fragments).
const SYNTAX: &[&str] = &[
    "let ",
    "let {",
    "rec {",
    "with ",
    "inherit ",
    "inherit (",
    "assert ",
    "if ",
    " or ",
    " ? ",
    "//",
    "++",
    "->",
    "&&",
    "||",
    "!",
    "''",
    "${",
    "@",
    "...",
    "./",
    "__functor",
    "__toString",
    "x:x",
    "\\n",
    "«",
];

fn corpus_dir() -> std::path::PathBuf {
    nixgen::root().join("tests/eval_corpus")
}

#[test]
fn corpus_agrees_with_nix() {
    oracle::require_nix();
    let cases = corpus::read_dir(&corpus_dir(), &[]);
    assert!(
        cases.len() >= 300,
        "only {} corpus expressions",
        cases.len()
    );
    let all: String = cases
        .iter()
        .map(|c| c.source.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for b in BUILTINS {
        let used = all.match_indices(b).any(|(i, _)| {
            let before = all[..i].chars().next_back();
            let after = all[i + b.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\'')
        });
        assert!(used, "the corpus does not use builtin `{b}`");
    }
    for s in SYNTAX.iter().filter(|s| **s != "«") {
        assert!(all.contains(s), "the corpus does not use `{s}`");
    }

    let with_nixfold = oracle::nixfold_has_eval();
    let report = corpus::run(
        &cases,
        &corpus_dir().join("files"),
        with_nixfold,
        KNOWN_GAPS,
    );
    eprintln!(
        "eval corpus: {} expressions ({} failing in Nix), nixfold compared: {with_nixfold}, {} known gaps hit",
        report.total,
        report.failing,
        report.gaps_hit.len()
    );
    for g in &report.gaps_hit {
        eprintln!("  known gap: {g}");
    }
    assert!(report.failing >= 60, "the corpus needs more failing cases");
    report.assert_ok("evaluation corpus");
}

#[test]
fn random_programs_agree_with_nix() {
    oracle::require_nix();
    if !oracle::nixfold_has_eval() {
        return;
    }
    let n = nixgen::env_num("NIXFOLD_EVAL_CASES", 150) as usize;
    let seed = nixgen::seed();
    let g = nixgen::grammar("nix-eval.ebnf");
    let mut generator = nixgen::Generator::new(&g, seed, 11);
    let programs: Vec<String> = (0..n).map(|_| generator.program("program").text).collect();
    let cwd = corpus_dir().join("files");
    let results = oracle::par_map(&programs, 2, |p| {
        (oracle::nix_eval(&cwd, p), oracle::nixfold_eval(&cwd, p))
    });
    let mut values = 0;
    let mut problems = Vec::new();
    for (i, (p, (nix, nf))) in programs.iter().zip(&results).enumerate() {
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
                "program #{i} (seed {seed}):\n{p}\n    nix:     {}\n    nixfold: {}",
                nix.short(),
                nf.short()
            ));
        }
    }
    eprintln!("random programs: {n}, {values} evaluated to a value in both");
    assert!(
        problems.is_empty(),
        "{} random programs differ:\n{}",
        problems.len(),
        problems.join("\n\n")
    );
    assert!(
        values * 3 >= n,
        "too few random programs evaluate ({values} of {n})"
    );
}
