//! Shared test support: the grammar-driven random program generator (reads
//! grammar/*.ebnf), mutations, the real-Nix and nixfold oracles, and small
//! helpers. Included by the differential test files with `#[path = "gen/mod.rs"] mod nixgen;` (`gen` is a reserved word).
#![allow(dead_code, unused_imports)]

pub mod corpus;
pub mod ebnf;
pub mod generate;
pub mod mutate;
pub mod oracle;
pub mod regex;
pub mod rng;

use std::path::{Path, PathBuf};

pub use ebnf::Grammar;
pub use generate::{Generator, Program};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Load and parse `grammar/<name>`.
pub fn grammar(name: &str) -> Grammar {
    let path = root().join("grammar").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Grammar::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A number from the environment, or the default.
pub fn env_num(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")),
        Err(_) => default,
    }
}

/// The seed for random programs: `NIXFOLD_GEN_SEED` (default fixed, so runs
/// are reproducible).
pub fn seed() -> u64 {
    env_num("NIXFOLD_GEN_SEED", 20_240_817)
}

/// Every `.nix` file under `examples/` and `tests/` (and the lib prelude in
/// `src/eval/prelude/`), sorted.
pub fn nix_files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["examples", "tests", "src/eval/prelude"] {
        let d = root().join(dir);
        if !d.is_dir() {
            continue;
        }
        for e in walkdir::WalkDir::new(&d).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "nix") {
                v.push(e.path().to_path_buf());
            }
        }
    }
    v
}

pub fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
