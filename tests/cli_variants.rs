//! `nixfold variants` and `nixfold init` from the command line.

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use common::nixflake::copy_tree;
use common::project::repo;

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/variants").join(name)
}

#[test]
fn json_document_shape() {
    let out = Command::cargo_bin("nixfold")
        .unwrap()
        .args(["variants", "--format", "json"])
        .arg(fixture("host-name"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["builds", "env", "outputs", "variants"]);
    let host = &v["env"][0];
    assert_eq!(host["name"], "HOST");
    // `file` is relative to PATH.
    assert_eq!(host["reads"][0]["file"], "flake.nix");
    assert_eq!(host["reads"][0]["line"], 8);
    assert_eq!(v["outputs"][0]["attr"], "nixosConfigurations.laptop");
    assert_eq!(v["variants"][1]["name"], "desktop");
    assert_eq!(v["variants"][1]["env"]["HOST"], "desktop");
    // The build matrix `nixfold emit` generates from: the declared variant
    // (made by `nixfold migrate`) and the system configuration.
    let builds: Vec<(&str, &str, bool)> = v["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["check"].as_str().unwrap(),
                b["derivation"].as_str().unwrap(),
                b["exists"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        builds,
        [
            (
                "checks.x86_64-linux.desktop",
                "nixosConfigurations.desktop.config.system.build.toplevel",
                false
            ),
            (
                "checks.x86_64-linux.laptop",
                "nixosConfigurations.laptop.config.system.build.toplevel",
                true
            ),
        ]
    );
}

#[test]
fn table_and_errors() {
    let out = Command::cargo_bin("nixfold")
        .unwrap()
        .arg("variants")
        .arg(fixture("overlay-list"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("OVERLAYS"), "{text}");
    assert!(text.contains("values: go, python, rust"), "{text}");
    let out = Command::cargo_bin("nixfold")
        .unwrap()
        .args(["variants", "/nonexistent/nixfold-test-dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"));
}

#[test]
fn declared_variant_with_unknown_output_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("image-tag"), dir.path());
    std::fs::write(
        dir.path().join("nixfold.toml"),
        "[[variants]]\noutput = \"packages.x86_64-linux.imgae\"\nname = \"release\"\nenv = { IMAGE_TAG = \"v1\" }\n",
    )
    .unwrap();
    let out = Command::cargo_bin("nixfold")
        .unwrap()
        .arg("variants")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did you mean `packages.x86_64-linux.image`"),
        "{err}"
    );
}

#[test]
fn init_writes_never_overwrites_and_keeps_settings() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("examples/unified-nixos"), dir.path());
    let _ = std::fs::remove_file(dir.path().join("nixfold.toml"));
    let run = |args: &[&str]| {
        Command::cargo_bin("nixfold")
            .unwrap()
            .arg("init")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(dir.path().join("nixfold.toml")).unwrap();
    let config: nixfold::config::Config = toml::from_str(&written).unwrap();
    assert_eq!(config.param.as_deref(), Some("variant"));
    let envs: Vec<_> = config
        .variants
        .iter()
        .filter(|v| v.output == "packages.x86_64-linux.container")
        .map(|v| v.env.get("NIXOS_PACKAGES").cloned().unwrap_or_default())
        .collect();
    // From the README's build commands, and the groups no command selects.
    for want in [
        "essential",
        "essential,kubernetes",
        "full",
        "essential,development",
    ] {
        assert!(
            envs.iter().any(|e| e == want),
            "{want} in {envs:?}\n{written}"
        );
    }
    // The proposal is a valid matrix.
    let out = Command::cargo_bin("nixfold")
        .unwrap()
        .arg("variants")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // No overwrite without --force.
    std::fs::write(
        dir.path().join("nixfold.toml"),
        "[check]\ndisable = [\"impure-getenv\"]\n",
    )
    .unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("nixfold.toml")).unwrap(),
        "[check]\ndisable = [\"impure-getenv\"]\n"
    );
    // --stdout prints without touching the file.
    let out = run(&["--stdout"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[[variants]]"));
    // --force replaces it, keeping the [check] settings.
    let out = run(&["--force"]);
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("nixfold.toml")).unwrap();
    let config: nixfold::config::Config = toml::from_str(&written).unwrap();
    assert_eq!(config.check.disable, ["impure-getenv"]);
    assert!(!config.variants.is_empty());
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
