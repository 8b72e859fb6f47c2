//! Fix snapshots: every file of every rule fixture
//! (`tests/fixtures/rules/<rule>/`) is run through the fix loop with only that
//! rule enabled (and those its
//! fixture's nixfold.toml enables) and unsafe fixes allowed. The loop must converge, the fixed
//! text must parse, a second run must change nothing, and the fixed texts are
//! snapshotted (`tests/snapshots/fixes__fix__<rule>.snap`, for rules whose
//! fixtures get fixed at all).

mod common;

use std::path::PathBuf;

use common::project::{dir_name, fixture_dirs, repo};
use nixfold::config::Config;
use nixfold::rewrite::fix::{FixOptions, NoOracle, fix_text};

#[test]
fn fixed_fixtures() {
    let opts = FixOptions {
        unsafe_fixes: true,
        ..FixOptions::default()
    };
    for dir in fixture_dirs("rules") {
        let name = dir_name(&dir);
        // plus the rules a fixture's nixfold.toml enables to run alongside
        let mut select = Config::load(&dir)
            .expect("fixture nixfold.toml")
            .check
            .enable;
        select.push(name.clone());
        let select: Vec<&str> = select.iter().map(String::as_str).collect();
        let config = Config::only(&select);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "nix"))
            .collect();
        files.sort();
        let mut snap = String::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let r = fix_text(path.clone(), &text, &config, &opts, &NoOracle);
            let fname = path.file_name().unwrap().to_str().unwrap();
            assert!(
                r.refusal.is_none(),
                "{name}/{fname}: fixes refused: {:?}",
                r.refusal
            );
            if !nixfold::syntax::parse(&text).errors.is_empty() {
                assert_eq!(
                    r.fixed, text,
                    "{name}/{fname}: a file with syntax errors was fixed"
                );
                continue;
            }
            let parsed = nixfold::syntax::parse(&r.fixed);
            assert!(
                parsed.errors.is_empty(),
                "{name}/{fname}: fixed text does not parse: {:?}\n{}",
                parsed.errors,
                r.fixed
            );
            // converged: nothing left to fix
            let again = fix_text(path.clone(), &r.fixed, &config, &opts, &NoOracle);
            assert_eq!(
                again.fixed, r.fixed,
                "{name}/{fname}: a second fix run still changes the file"
            );
            if fname.starts_with("ok") {
                assert_eq!(r.fixed, text, "{name}/{fname}: ok file changed by fixes");
            }
            if r.fixed != text {
                snap.push_str(&format!(
                    "=== {fname} (passes: {}, fixes: {:?})\n{}",
                    r.passes, r.applied, r.fixed
                ));
                if !r.fixed.ends_with('\n') {
                    snap.push('\n');
                }
            }
        }
        // rules without fixes need no snapshot (so adding such a rule does
        // not touch this test)
        if !snap.is_empty() {
            insta::assert_snapshot!(format!("fix__{name}"), snap);
        }
    }
}

#[test]
fn readme_lists_every_correctness_dead_code_and_style_rule() {
    use nixfold::lints::Category;
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for r in nixfold::lints::rules::all() {
        let m = r.meta();
        if matches!(
            m.category,
            Category::Correctness | Category::DeadCode | Category::Style
        ) {
            let row = format!("| {} | `{}` |", m.code, m.name);
            assert!(readme.contains(&row), "README rule table lacks `{row}`");
            let opt_in = readme
                .lines()
                .find(|l| l.starts_with(&row))
                .is_some_and(|l| l.contains("| opt-in |"));
            assert_eq!(
                opt_in,
                !m.default_enabled,
                "README says {} is{} opt-in",
                m.name,
                if opt_in { "" } else { " not" }
            );
        }
    }
}
