//! Lossless parsing: every `.nix` file under examples/ and tests/, every
//! program generated from grammar/nix.ebnf and grammar/nix-eval.ebnf, and
//! broken variants of them round-trip byte-identically through the tree.
//!
//! `NIXFOLD_GEN_SEED` and `NIXFOLD_GEN_CASES` (default 300) change the
//! generated programs.

#[path = "gen/mod.rs"]
mod nixgen;

use nixgen::rng::Rng;

fn check(name: &str, text: &str) {
    let parsed = nixfold::syntax::parse(text);
    let back = parsed.syntax().to_string();
    assert!(
        back == text,
        "{name} does not round-trip:\n--- input\n{text}\n--- tree\n{back}"
    );
}

#[test]
fn files_round_trip() {
    let files = nixgen::nix_files();
    assert!(!files.is_empty());
    for f in files {
        // Non-UTF-8 fixtures are rejected before parsing; the loader tests
        // cover them.
        if let Ok(text) = std::fs::read_to_string(&f) {
            check(&nixgen::rel(&f), &text);
        }
    }
}

#[test]
fn generated_programs_round_trip() {
    let n = nixgen::env_num("NIXFOLD_GEN_CASES", 300) as usize;
    let seed = nixgen::seed();
    let mut mrng = Rng::new(seed ^ 0x5eed);
    for (grammar, start, depth) in [("nix.ebnf", "file", 40), ("nix-eval.ebnf", "program", 11)] {
        let g = nixgen::grammar(grammar);
        let mut generator = nixgen::Generator::new(&g, seed, depth);
        for i in 0..n {
            let p = generator.program(start);
            check(&format!("{grammar} #{i} (seed {seed})"), &p.text);
            let m = nixgen::mutate::mutate(&p, &mut mrng);
            check(&format!("mutant of {grammar} #{i} (seed {seed})"), &m);
        }
    }
}

#[test]
fn odd_inputs_round_trip() {
    for text in [
        "",
        " ",
        "\n\n",
        "# only a comment",
        "/* unterminated",
        "\"unterminated",
        "''unterminated",
        "{ a = 1;",
        ")))",
        "\r\n{ a = 1; }\r\n",
        "\u{feff}1",
        "x: \u{1F600}",
        "\t\t[\t]\t",
    ] {
        check(&format!("{text:?}"), text);
    }
    let deep = format!("{}x{}", "[ ".repeat(20_000), " ]".repeat(20_000));
    check("20,000 nested lists", &deep);
}
