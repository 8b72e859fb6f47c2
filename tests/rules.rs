//! Per-rule fixtures: `tests/fixtures/rules/<rule-name>/` is loaded as a
//! project and checked with only that rule enabled. Every file whose name
//! starts with `fires` must get at least one finding, every file whose name
//! starts with `ok` none; all findings are snapshotted.
//! A fixture's nixfold.toml may `enable` rules to run alongside the rule
//! under test (whose own findings alone count).

mod common;

use std::path::Path;

use common::project::{dir_name, fixture_dirs, load, repo, write};

fn render(root: &Path, diags: &[nixfold::diagnostics::Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        let rel = d.path.strip_prefix(root).unwrap_or(&d.path);
        s.push_str(&format!(
            "{}:{}:{}-{}:{} {} [{}] {}\n",
            rel.display(),
            d.start.line,
            d.start.col,
            d.end.line,
            d.end.col,
            d.severity.as_str(),
            d.name,
            d.message
        ));
        for n in &d.notes {
            s.push_str(&format!("    note: {n}\n"));
        }
        if let Some(fix) = &d.fix {
            s.push_str(&format!(
                "    fix ({:?}): {}\n",
                fix.applicability, fix.message
            ));
            for e in &fix.edits {
                s.push_str(&format!(
                    "      {}..{} => {:?}\n",
                    u32::from(e.range.start()),
                    u32::from(e.range.end()),
                    e.replacement
                ));
            }
        }
    }
    s
}

#[test]
fn rule_fixtures() {
    let dirs = fixture_dirs("rules");
    assert!(!dirs.is_empty());
    for dir in dirs {
        let name = dir_name(&dir);
        assert!(
            nixfold::lints::rule_by_name(&name).is_some(),
            "fixture dir for unknown rule {name}"
        );
        // A fixture's own nixfold.toml (declared variants; in `enable`, the
        // rules to run alongside, for rules about other rules' findings) is
        // honoured. Only the rule's own findings count.
        let (project, mut config) = load(&dir);
        let mut select = config.check.enable.clone();
        select.push(name.clone());
        config.check.select = Some(select);
        let mut diags = nixfold::lints::check(&project, &config);
        diags.retain(|d| d.name == name);
        let mut saw_fires = false;
        // Nix files and the scripts/docs some rules read follow the same naming.
        let paths = project
            .files
            .iter()
            .map(|f| &f.path)
            .chain(project.texts.iter().map(|t| &t.path));
        for path in paths {
            let fname = path.file_name().unwrap().to_str().unwrap();
            let count = diags.iter().filter(|d| &d.path == path).count();
            if fname.starts_with("fires") {
                // Rules about scripts, docs or nixfold.toml may fire only there.
                saw_fires = true;
                assert!(count > 0, "{name}: {} must fire", path.display());
            } else if fname.starts_with("ok") {
                assert_eq!(
                    count,
                    0,
                    "{name}: {} must not fire:\n{}",
                    path.display(),
                    render(&dir, &diags)
                );
            }
        }
        assert!(saw_fires, "{name}: fixture has no fires* file");
        insta::assert_snapshot!(format!("rule__{name}"), render(&dir, &diags));
    }
}

#[test]
fn every_rule_has_docs_and_fixture() {
    let base = repo().join("tests/fixtures/rules");
    for r in nixfold::lints::rules::all() {
        let m = r.meta();
        assert!(
            m.doc().contains(m.name),
            "rule {} must document itself (## {} heading)",
            m.name,
            m.name
        );
        assert!(
            base.join(m.name).is_dir(),
            "rule {} has no fixture dir",
            m.name
        );
    }
}

/// Check `files` (path, text) as a project with only `rule` enabled.
fn check_files(rule: &str, files: &[(&str, &str)]) -> Vec<nixfold::diagnostics::Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    let (project, mut config) = load(dir.path());
    config.check.select = Some(vec![rule.to_string()]);
    let mut diags = nixfold::lints::check(&project, &config);
    diags.retain(|d| d.name == rule);
    diags
}

/// Without declared variants the variant analysis runs only when a script
/// sets a variable the configuration may read; whatever it skips must be
/// what it would not have reported.
#[test]
fn unknown_variant_value_without_declared_variants() {
    let flake = |body: &str| {
        format!(
            "{{ outputs = {{ self }}: {{ packages.x86_64-linux.default = import ./pkgs.nix; }}; }}\n{body}"
        )
    };
    let literal = "let mode = builtins.getEnv \"MODE\"; in if mode == \"server\" then 1 else 2\n";
    // A literal read: a misspelt value of it is found, other variables are not.
    let d = check_files(
        "unknown-variant-value",
        &[
            ("flake.nix", &flake("")),
            ("pkgs.nix", literal),
            (
                "build.sh",
                "MODE=sever nix build .#default --impure\nOTHER=x nix build --impure\n",
            ),
        ],
    );
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].message.contains("MODE=sever"), "{}", d[0].message);
    // Only unread variables set: nothing.
    let d = check_files(
        "unknown-variant-value",
        &[
            ("flake.nix", &flake("")),
            ("pkgs.nix", literal),
            ("build.sh", "OTHER=x nix build --impure\ni=0\n"),
        ],
    );
    assert!(d.is_empty(), "{d:?}");
    // A plain shell variable is not the environment; exported later, it is.
    let d = check_files(
        "unknown-variant-value",
        &[
            ("flake.nix", &flake("")),
            ("pkgs.nix", literal),
            ("plain.sh", "MODE=sever\nnix build .#default --impure\n"),
            (
                "later.sh",
                "MODE=sever\nexport MODE\nnix build .#default --impure\n",
            ),
        ],
    );
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].path.ends_with("later.sh"), "{d:?}");
    // A name computed on the way to the read (a helper's argument,
    // `getEnv` passed to `map`): the guard cannot list the names, so it
    // accepts every name written as a string of its own.
    use nixfold::analysis::variants::flow::{literal_read_names, may_read_any, quotes_any};
    let project = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.nix", text);
        write(
            dir.path(),
            "b.nix",
            "{ x = \"HOST\"; y = ''USER''; z = \"a TERM b\"; }",
        );
        let p = load(dir.path()).0;
        (dir, p)
    };
    let (_d, p) = project(literal);
    assert_eq!(literal_read_names(&p), Some(["MODE".to_string()].into()));
    // Every read literal: only its names, however others are written.
    assert!(may_read_any(&p, &["MODE"]) && !may_read_any(&p, &["HOST", "USER"]));
    let (_d, p) = project("let get = name: builtins.getEnv name; in get \"MODE\"");
    assert_eq!(literal_read_names(&p), None);
    for name in ["MODE", "HOST", "USER"] {
        assert!(
            quotes_any(&p, &[name]) && may_read_any(&p, &["X", name]),
            "{name}"
        );
    }
    // Part of a longer string, or a name only in code: no.
    for name in ["TERM", "MOD", "get", "name", "a"] {
        assert!(
            !quotes_any(&p, &[name]) && !may_read_any(&p, &[name]),
            "{name}"
        );
    }
    assert!(!quotes_any(&p, &[]));
    let (_d, p) = project("map builtins.getEnv [ \"A\" ]");
    assert_eq!(literal_read_names(&p), None);
    let (_d, p) = project("lib.maybeEnv \"B\" \"x\"");
    assert_eq!(literal_read_names(&p), Some(["B".to_string()].into()));
    let (_d, p) = project("{ x = 1; }");
    assert_eq!(literal_read_names(&p), Some(Default::default()));
}
