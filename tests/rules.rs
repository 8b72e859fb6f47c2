//! Per-rule fixtures: `tests/fixtures/rules/<rule-name>/` is loaded as a
//! project and checked with only that rule enabled. Every file whose name
//! starts with `fires` must get at least one finding, every file whose name
//! starts with `ok` none; all findings are snapshotted.
//! A fixture's nixfold.toml may `enable` rules to run alongside the rule
//! under test (whose own findings alone count).

mod common;

use std::path::Path;

use common::project::{dir_name, fixture_dirs, load, repo};

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
