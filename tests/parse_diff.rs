//! Differential parse test against real Nix: `nix-instantiate --parse`
//! accepts a program exactly when `nixfold::syntax::parse` reports no error.
//!
//! Programs: every `.nix` file under examples/ and tests/, random programs
//! expanded from grammar/nix.ebnf (and grammar/nix-eval.ebnf), and broken
//! variants of them (token and character edits).
//!
//! `NIXFOLD_GEN_SEED` changes the seed, `NIXFOLD_GEN_CASES` the number of
//! random programs (default 300), `NIXFOLD_GEN_DEPTH` the depth limit.
//! Nix's parser also rejects unbound variables; that is name resolution, not
//! syntax, so programs are given to Nix under `with {};` (see
//! `oracle::syntax_only`).

#[path = "gen/mod.rs"]
mod nixgen;

use nixfold::syntax::{Parsed, SyntaxError};

use nixgen::oracle;
use nixgen::rng::Rng;

/// Places where rnix 0.15 rejects a program that Nix 2.8 accepts and the
/// syntax layer does not repair (src/syntax/repair.rs handles `a + !b`,
/// legacy `let { }` as an operand and `1.5e`). Each entry: a reason and a
/// test on the program and the first error nixfold reports.
struct KnownGap {
    reason: &'static str,
    applies: fn(text: &str, err: &SyntaxError, parsed: &Parsed) -> bool,
}

const KNOWN_GAPS: &[KnownGap] = &[KnownGap {
    reason: "rnix ends an interpolated path at `//` (`./a/${x}//b`); Nix continues the path",
    applies: |text, err, _| {
        let at = usize::from(err.range.start());
        text[at..].starts_with("//") && text[..at].ends_with('}')
    },
}];

struct Case {
    name: String,
    text: String,
    /// Generated from the grammar and not mutated: expected to be accepted
    /// unless it hits one of the checks made after parsing.
    generated: bool,
}

fn nixfold_first_error(text: &str) -> Option<SyntaxError> {
    nixfold::syntax::parse(text).errors.into_iter().next()
}

#[test]
fn parse_agrees_with_nix() {
    oracle::require_nix();
    let cases_n = nixgen::env_num("NIXFOLD_GEN_CASES", 300) as usize;
    let depth = nixgen::env_num("NIXFOLD_GEN_DEPTH", 40) as usize;
    let seed = nixgen::seed();
    let mut cases = Vec::new();

    for f in nixgen::nix_files() {
        let bytes = std::fs::read(&f).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue; // Not a source file nixfold parses (reported by the loader).
        };
        cases.push(Case {
            name: nixgen::rel(&f),
            text,
            generated: false,
        });
    }
    let n_files = cases.len();

    let g = nixgen::grammar("nix.ebnf");
    let mut generator = nixgen::Generator::new(&g, seed, depth);
    let mut mrng = Rng::new(seed.wrapping_add(1));
    let mut programs = Vec::new();
    for i in 0..cases_n {
        let p = generator.program("file");
        cases.push(Case {
            name: format!("generated #{i}"),
            text: p.text.clone(),
            generated: true,
        });
        programs.push(p);
    }
    // Broken variants of a third of them.
    for (i, p) in programs.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        cases.push(Case {
            name: format!("mutant of generated #{i}"),
            text: nixgen::mutate::mutate(p, &mut mrng),
            generated: false,
        });
    }
    // Programs from the evaluable sub-grammar must be Nix too.
    let ge = nixgen::grammar("nix-eval.ebnf");
    let mut gen_e = nixgen::Generator::new(&ge, seed.wrapping_add(2), 11);
    for i in 0..cases_n / 6 {
        cases.push(Case {
            name: format!("eval-grammar #{i}"),
            text: gen_e.program("program").text,
            generated: true,
        });
    }

    let tmp = tempfile::tempdir().unwrap();
    let verdicts = oracle::par_map(
        &cases.iter().enumerate().collect::<Vec<_>>(),
        2,
        |(i, c)| {
            let (nix_ok, nix_err) = oracle::nix_parse(tmp.path(), &format!("p{i}.nix"), &c.text);
            (nix_ok, nix_err, nixfold_first_error(&c.text))
        },
    );

    let mut failures = Vec::new();
    let mut gaps = Vec::new();
    let (mut accepted, mut rejected, mut generated_rejected) = (0, 0, 0);
    for (c, (nix_ok, nix_err, nf_err)) in cases.iter().zip(verdicts) {
        if nix_ok {
            accepted += 1;
        } else {
            rejected += 1;
            if c.generated {
                generated_rejected += 1;
            }
        }
        match (nix_ok, nf_err) {
            (true, None) | (false, Some(_)) => {}
            (true, Some(e)) => {
                let parsed = nixfold::syntax::parse(&c.text);
                if let Some(g) = KNOWN_GAPS
                    .iter()
                    .find(|g| (g.applies)(&c.text, &e, &parsed))
                {
                    gaps.push(format!("{}: {}", c.name, g.reason));
                } else {
                    failures.push(format!(
                        "{}: Nix accepts, nixfold reports `{}` at {:?}\n{}\n",
                        c.name, e.message, e.range, c.text
                    ));
                }
            }
            (false, None) => failures.push(format!(
                "{}: nixfold accepts, Nix rejects: {}\n{}\n",
                c.name,
                nix_err.lines().next().unwrap_or("").trim(),
                c.text
            )),
        }
    }
    eprintln!(
        "parse_diff: {} cases ({n_files} files, {cases_n} generated, seed {seed}): {accepted} accepted, {rejected} rejected ({generated_rejected} of them unmutated generated programs), {} known gaps",
        cases.len(),
        gaps.len()
    );
    for g in &gaps {
        eprintln!("  known gap: {g}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s) with nix-instantiate --parse (seed {seed}):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The generator must mostly produce valid programs, and the mutants must
    // exercise rejection; otherwise the test proves little.
    assert!(accepted * 2 > cases.len(), "too few accepted programs");
    assert!(rejected >= cases_n / 20, "too few rejected programs");
}

/// The lines of the first ```nix block after `heading` in grammar/README.md.
fn readme_block(readme: &str, heading: &str) -> Vec<String> {
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("grammar/README.md has no `{heading}`"));
    let rest = &readme[start..];
    let open = rest.find("```nix\n").expect("a ```nix block") + "```nix\n".len();
    let close = rest[open..].find("```").expect("closing ```") + open;
    rest[open..close]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// grammar/README.md lists programs that must be accepted and programs that
/// must be rejected; both Nix and nixfold must agree with the lists.
#[test]
fn grammar_readme_examples() {
    oracle::require_nix();
    let readme = std::fs::read_to_string(nixgen::root().join("grammar/README.md")).unwrap();
    let accept = readme_block(&readme, "## Examples the implementation must accept");
    let reject = readme_block(
        &readme,
        "## Counter-examples the implementation must reject",
    );
    assert!(accept.len() >= 40 && reject.len() >= 30);
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for (i, (text, want)) in accept
        .iter()
        .map(|t| (t, true))
        .chain(reject.iter().map(|t| (t, false)))
        .enumerate()
    {
        let (nix_ok, nix_err) = oracle::nix_parse(tmp.path(), &format!("r{i}.nix"), text);
        let nf = nixfold_first_error(text);
        if nix_ok != want {
            problems.push(format!(
                "Nix {} `{text}` {}",
                if nix_ok { "accepts" } else { "rejects" },
                nix_err.lines().next().unwrap_or("")
            ));
        }
        if nf.is_none() != want {
            problems.push(format!(
                "nixfold {} `{text}` {}",
                if nf.is_none() { "accepts" } else { "rejects" },
                nf.map(|e| e.message).unwrap_or_default()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
