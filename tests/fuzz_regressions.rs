//! Inputs the fuzz targets (fuzz/, `fuzz/run.sh`) found crashes with, kept
//! as regression tests: `tests/fixtures/fuzz/<target>-<what>.in` runs what
//! fuzz target `<target>` runs on it (without the sanitizers).

use std::path::{Path, PathBuf};

use nixfold::config::Config;
use nixfold::eval::{EvalOptions, Evaluator, print_value};
use nixfold::project::Project;
use nixfold::rewrite::fix::{FixOptions, NoOracle, fix_project};
use nixfold::syntax::SourceFile;

const ROOT: &str = "/nonexistent-nixfold-fuzz";

fn all_rules() -> Config {
    let all: Vec<&str> = nixfold::lints::rules::all()
        .iter()
        .map(|r| r.meta().name)
        .collect();
    Config::only(&all)
}

fn parse_check(text: &str) {
    let parsed = nixfold::syntax::parse(text);
    assert_eq!(parsed.syntax().text().to_string(), text);
    let file = SourceFile::from_text(format!("{ROOT}/default.nix"), text);
    let project = Project::from_sources(ROOT, vec![file]);
    let _ = nixfold::lints::check(&project, &all_rules());
}

fn eval(text: &str) -> Option<String> {
    let mut ev = Evaluator::new(EvalOptions {
        pure: true,
        root: Some(ROOT.into()),
        max_steps: 200_000,
        max_memory: 64 << 20,
        max_depth: 10_000,
        ..EvalOptions::default()
    });
    ev.set_trace_sink(Box::new(|_| {}));
    let v = ev.eval_expr_str(text, Path::new(ROOT)).ok()?;
    ev.force_deep(&v).ok()?;
    Some(print_value(&v, true))
}

fn fix(text: &str) {
    let names = ["default.nix", "a.nix", "b.nix"];
    let texts: Vec<&str> = text.splitn(3, '\0').collect();
    let files: Vec<SourceFile> = texts
        .iter()
        .zip(names)
        .map(|(t, n)| SourceFile::from_text(format!("{ROOT}/{n}"), *t))
        .collect();
    let project = Project::from_sources(ROOT, files);
    let config = all_rules();
    let diags = nixfold::lints::check(&project, &config);
    for unsafe_fixes in [false, true] {
        let opts = FixOptions {
            unsafe_fixes,
            ..FixOptions::default()
        };
        let report = fix_project(&project, &config, &diags, &opts, &NoOracle);
        for (path, after) in report.changes() {
            let i = names.iter().position(|n| path.ends_with(n)).unwrap();
            if nixfold::syntax::parse(texts[i]).errors.is_empty() {
                assert!(
                    nixfold::syntax::parse(&after).errors.is_empty(),
                    "fixes broke the syntax:\n{after}"
                );
            }
            if i == 0
                && !unsafe_fixes
                && !text.contains("Pos")
                && let Some(v) = eval(texts[0])
            {
                let w = eval(&after);
                // Sharing prints as «repeated»; fixes may change what is shared.
                if !v.contains("«repeated»")
                    && !w.as_deref().is_some_and(|w| w.contains("«repeated»"))
                {
                    assert_eq!(w, Some(v), "fixes changed the value:\n{after}");
                }
            }
        }
    }
}

fn cases() -> Vec<(String, PathBuf)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "in"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let target = stem.split('-').next().unwrap().to_string();
            (target, p)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fuzz_crashers_stay_fixed() {
    let cases = cases();
    assert!(!cases.is_empty());
    for (target, path) in cases {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        match target.as_str() {
            "parse_check" => parse_check(&text),
            "eval" => {
                let _ = eval(&text);
            }
            "fix" => fix(&text),
            other => panic!("{}: unknown fuzz target `{other}`", path.display()),
        }
    }
}
