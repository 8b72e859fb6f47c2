//! Fix a small tree: the input is split at NUL bytes into up to three files
//! (default.nix, a.nix, b.nix) fixed together as `check --fix` fixes a
//! project (safe and unsafe fixes). Every fixed file must parse where the
//! original did, and where default.nix evaluated (pure, under limits) the
//! fixed one evaluates to the same value with the safe fixes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixfold::config::Config;
use nixfold::project::Project;
use nixfold::rewrite::fix::{FixOptions, NoOracle, fix_project};
use nixfold::syntax::SourceFile;

#[path = "common.rs"]
mod common;

const NAMES: [&str; 3] = ["default.nix", "a.nix", "b.nix"];

fn fixed(texts: &[&str], config: &Config, unsafe_fixes: bool) -> Vec<String> {
    let files: Vec<SourceFile> = texts
        .iter()
        .zip(NAMES)
        .map(|(t, n)| SourceFile::from_text(format!("{}/{n}", common::ROOT), *t))
        .collect();
    let project = Project::from_sources(common::ROOT, files);
    let diags = nixfold::lints::check(&project, config);
    let opts = FixOptions {
        unsafe_fixes,
        ..FixOptions::default()
    };
    let report = fix_project(&project, config, &diags, &opts, &NoOracle);
    let mut out: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
    for (path, text) in report.changes() {
        if let Some(i) = NAMES.iter().position(|n| path.ends_with(n)) {
            out[i] = text;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.len() > 2048 {
        return;
    }
    let texts: Vec<&str> = text.splitn(3, '\0').collect();
    let all: Vec<&str> = nixfold::lints::rules::all()
        .iter()
        .map(|r| r.meta().name)
        .collect();
    let config = Config::only(&all);
    for unsafe_fixes in [false, true] {
        let out = fixed(&texts, &config, unsafe_fixes);
        for (before, after) in texts.iter().zip(&out) {
            if nixfold::syntax::parse(before).errors.is_empty() {
                let errs = nixfold::syntax::parse(after).errors;
                assert!(
                    errs.is_empty(),
                    "fixes broke the syntax (unsafe: {unsafe_fixes}):\n{before}\n---\n{after}\n{errs:?}"
                );
            }
        }
        // Positions change with the text; values that show them cannot be
        // compared.
        if unsafe_fixes || out[0] == texts[0] || text.contains("Pos") {
            continue;
        }
        if let Ok(v) = common::eval(texts[0]) {
            match common::eval(&out[0]) {
                // Sharing prints as «repeated», and fixes may change what is
                // shared (`xs ++ [ ]` → `xs`).
                Ok(w) if v.contains("«repeated»") || w.contains("«repeated»") => {}
                Ok(w) => assert_eq!(
                    v, w,
                    "fixes changed the value:\n{}\n---\n{}",
                    texts[0], out[0]
                ),
                Err(true) => {}
                Err(false) => panic!(
                    "the fixed file fails to evaluate:\n{}\n---\n{}",
                    texts[0], out[0]
                ),
            }
        }
    }
});
