//! Reachability over fixture trees under tests/fixtures/reach/, loaded from
//! disk the way `nixfold check` loads them.

mod common;

use std::path::{Path, PathBuf};

use common::project::{load_project, repo};
use nixfold::analysis::reach::Reachability;

fn reached(dir: &Path) -> Vec<String> {
    let project = load_project(dir);
    assert!(project.load_errors.is_empty());
    let reach = Reachability::compute(&project);
    let mut out: Vec<String> = project
        .files
        .iter()
        .enumerate()
        .filter(|(i, _)| reach.is_reachable(*i))
        .map(|(_, f)| {
            f.path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

const NIXOS: &[&str] = &[
    "common.nix",
    "flake.nix",
    "hosts/laptop/default.nix",
    "hosts/laptop/hardware.nix",
    "modules/desktop.nix",
    "modules/gaming.nix",
    "overlays/default.nix",
    "pkgs/tool.nix",
    "users.nix",
];

#[test]
fn nixos_tree_absolute() {
    let dir = repo().join("tests/fixtures/reach/nixos");
    assert_eq!(reached(&dir), NIXOS);
}

#[test]
fn nixos_tree_relative() {
    // `cargo test` runs in the crate root; load through a relative path with `..`.
    let dir = PathBuf::from("tests/fixtures/reach/../reach/nixos");
    assert_eq!(reached(&dir), NIXOS);
}
