//! `nixfold migrate --verify nix`: real Nix evaluates the original flake
//! (`--impure`, under each variant's environment) and the migrated one
//! (purely), offline against the stub inputs in tests/stub-nixpkgs, and the
//! `drvPath`s must agree before anything is written.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::nixflake::{stub_dir, stub_for_input};
use common::project::{nixfold, nixfold_env, repo, tree};

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/migrate").join(name)
}

/// A plain copy of a fixture (Nix sees it only through nixfold's own
/// temporary copies, so it need not be a git repository).
fn copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    common::nixflake::copy_tree(&fixture(name), tmp.path());
    tmp
}

/// `--override-input` for each input, and for the inputs' own nixpkgs.
fn overrides(inputs: &[&str]) -> Vec<String> {
    let mut args = Vec::new();
    for input in inputs {
        let stub = stub_for_input(input).unwrap_or_else(|| panic!("no stub for {input}"));
        args.extend(["--override-input".into(), input.to_string()]);
        args.push(format!("path:{}", stub.display()));
        if *input != "nixpkgs" {
            args.extend(["--override-input".into(), format!("{input}/nixpkgs")]);
            args.push(format!("path:{}", stub_dir().display()));
        }
    }
    args
}

fn migrate(dir: &Path, extra: &[&str], inputs: &[&str]) -> (i32, String, String) {
    let mut args: Vec<String> = ["migrate", "--verify", "nix"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    args.extend(overrides(inputs));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    nixfold(&args, dir)
}

/// The lines of the Nix proof, and the drvPaths they name.
fn nix_lines(stderr: &str) -> (Vec<&str>, BTreeSet<&str>) {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("verified: nix: "))
        .collect();
    let paths = lines
        .iter()
        .filter_map(|l| l.split("drvPath ").nth(1))
        .map(|p| p.trim_end_matches(')'))
        .collect();
    (lines, paths)
}

#[test]
fn every_variant_of_a_nixos_configuration_has_the_original_drv_path() {
    let dir = copy("true-flags");
    let before = tree(dir.path());
    let (code, _, err) = migrate(dir.path(), &[], &["nixpkgs"]);
    assert_eq!(code, 0, "{err}");
    let (lines, paths) = nix_lines(&err);
    assert_eq!(lines.len(), 3, "{err}");
    for (line, output) in lines.iter().zip(["box ", "box-docker ", "box-desktop "]) {
        assert!(
            line.starts_with(&format!("verified: nix: nixosConfigurations.{output}")),
            "{line}"
        );
        assert!(line.contains("-nixos-system-"), "{line}");
    }
    // The variants are different systems: the proof compared something.
    assert_eq!(paths.len(), 3, "{err}");
    // Without --write nothing changed, Nix's lock file included.
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn home_manager_configurations_compare_their_activation_package() {
    let dir = copy("home-user");
    let (code, _, err) = migrate(dir.path(), &["--write"], &["nixpkgs", "home-manager"]);
    assert_eq!(code, 0, "{err}");
    let (lines, paths) = nix_lines(&err);
    assert!(lines.len() >= 2, "{err}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("-home-manager-generation.drv")),
        "{err}"
    );
    assert_eq!(paths.len(), lines.len(), "{err}");
    let flake = std::fs::read_to_string(dir.path().join("flake.nix")).unwrap();
    assert!(!flake.contains("getEnv"), "{flake}");
    assert!(!dir.path().join("flake.lock").exists());
}

#[test]
fn a_variant_that_fails_in_the_original_too_is_said_and_the_others_proved() {
    let dir = copy("broken-default");
    let (code, _, err) = migrate(dir.path(), &[], &["nixpkgs"]);
    assert_eq!(code, 0, "{err}");
    let (lines, _) = nix_lines(&err);
    assert!(!lines.is_empty(), "{err}");
    assert!(err.contains("Nix fails on"), "{err}");
    assert!(err.contains("in the original too"), "{err}");
}

/// A fake `nix` whose evaluations of the two trees disagree: the proof must
/// refuse, and `--write` must leave every file as it was.
#[test]
fn a_difference_nix_sees_refuses_the_migration_and_writes_nothing() {
    let dir = copy("true-flags");
    let before = tree(dir.path());
    let bin = tempfile::tempdir().unwrap();
    let fake = bin.path().join("nix");
    std::fs::write(
        &fake,
        "#!/bin/sh\ncase \"$*\" in *--version*) echo 'nix (Nix) 2.8.0'; exit 0;; esac\n\
         case \"$*\" in *--impure*) echo '{\"toplevel\":\"/nix/store/a-original.drv\"}';; \
         *) echo '{\"toplevel\":\"/nix/store/b-migrated.drv\"}';; esac\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let fake = fake.to_str().unwrap();
    let (code, _, err) = nixfold_env(
        &["migrate", "--write", "--verify", "nix"],
        dir.path(),
        &[("NIXFOLD_NIX", fake)],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("to something else than"), "{err}");
    assert!(
        err.contains("a-original.drv") && err.contains("b-migrated.drv"),
        "{err}"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn without_nix_the_nix_proof_says_what_is_missing() {
    let dir = copy("true-flags");
    let before = tree(dir.path());
    let (code, _, err) = nixfold_env(
        &["migrate", "--write", "--verify", "nix"],
        dir.path(),
        &[("NIXFOLD_NIX", "/nonexistent/nix")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--verify nix needs Nix"), "{err}");
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn inputs_nix_cannot_reach_are_reported_not_taken_for_a_proof() {
    // An input Nix cannot fetch: Nix evaluates nothing of either tree.
    let dir = copy("true-flags");
    let (code, _, err) = nixfold(
        &[
            "migrate",
            "--verify",
            "nix",
            "--override-input",
            "nixpkgs",
            "path:/nonexistent/nixpkgs",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("could evaluate no output"), "{err}");
    assert!(err.contains("--override-input"), "{err}");
}

#[test]
fn override_input_needs_the_nix_proof() {
    let dir = copy("true-flags");
    let (code, _, err) = nixfold(
        &["migrate", "--override-input", "nixpkgs", "path:/x"],
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
}

/// `init --from-env` declares what the shell's environment selects; the
/// migrated output of that name is, by Nix's own account, the derivation
/// `--impure` built in that shell.
#[test]
fn init_from_env_declares_the_variant_this_shell_builds() {
    let dir = copy("home-user");
    std::fs::remove_file(dir.path().join("nixfold.toml")).unwrap();
    let env = [("USER", "carol"), ("HOME", "/home/carol")];
    let (code, toml, err) = nixfold_env(&["init", "--from-env", "--stdout"], dir.path(), &env);
    assert_eq!(code, 0, "{err}");
    assert!(
        toml.contains(
            "[[variants]]\noutput = \"homeConfigurations.me\"\nname = \"me-carol\"\nenv = { HOME = \"/home/carol\", USER = \"carol\" }\n"
        ),
        "{toml}"
    );
    // Without --from-env the shell's environment proposes nothing.
    let (code, plain, err) = nixfold_env(&["init", "--stdout"], dir.path(), &env);
    assert_eq!(code, 0, "{err}");
    assert!(!plain.contains("carol"), "{plain}");

    let (code, _, err) = nixfold_env(&["init", "--from-env"], dir.path(), &env);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = migrate(dir.path(), &["--write"], &["nixpkgs", "home-manager"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "verified: nix: homeConfigurations.me-carol = homeConfigurations.me with HOME=/home/carol USER=carol"
        ),
        "{err}"
    );
}
