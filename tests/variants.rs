//! Variant analysis on one small tree per real-world pattern
//! (`tests/fixtures/variants/<pattern>/`) and on examples/unified-nixos:
//! the `nixfold variants --format json` document is snapshotted.

mod common;

use std::path::Path;

use common::project::{dir_name, fixture_dirs, load, repo};
use nixfold::analysis::variants::{self, report};

fn analyse(dir: &Path) -> (report::Report, String) {
    let (project, config) = load(dir);
    let an = variants::analyse(&project, &config);
    assert!(an.matrix_errors.is_empty(), "{:?}", an.matrix_errors);
    let rep = report::report(&an, &project);
    let json = serde_json::to_string_pretty(&rep).unwrap();
    (rep, json)
}

#[test]
fn pattern_fixtures() {
    let dirs = fixture_dirs("variants");
    assert!(dirs.len() >= 9);
    for dir in dirs {
        let name = dir_name(&dir);
        let (_, json) = analyse(&dir);
        insta::assert_snapshot!(format!("variants__{name}"), json);
    }
}

#[test]
fn unified_nixos_example() {
    let dir = repo().join("examples/unified-nixos");
    let (rep, json) = analyse(&dir);
    let container = rep
        .env
        .iter()
        .find(|e| e.name == "NIXOS_CONTAINER")
        .unwrap();
    assert_eq!(container.kinds, ["flag"]);
    let packages = rep.env.iter().find(|e| e.name == "NIXOS_PACKAGES").unwrap();
    assert_eq!(packages.kinds, ["list"]);
    assert_eq!(packages.separator.as_deref(), Some(","));
    for v in ["essential", "kubernetes", "development", "extras", "full"] {
        assert!(
            packages.values.iter().any(|x| x == v),
            "{v} in {:?}",
            packages.values
        );
    }
    let out = rep
        .outputs
        .iter()
        .find(|o| o.attr == "packages.x86_64-linux.container")
        .unwrap();
    assert_eq!(out.env, ["NIXOS_CONTAINER", "NIXOS_PACKAGES"]);
    insta::assert_snapshot!("variants__unified_nixos", json);
}
