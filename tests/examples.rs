//! The bundled example and the project's own flake, checked with real Nix.
//!
//! examples/unified-nixos is evaluated offline against the stub flakes in
//! tests/stub-nixpkgs: the package groups selected by NIXOS_PACKAGES, the
//! WSL/container switch on NIXOS_CONTAINER, and the bug nixfold exists to
//! catch: without `--impure` the environment is silently ignored.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::nixflake::{
    EvalOptions, eval_flake, eval_flake_attr_apply, git_copy, git_copy_paths, strings,
};
use common::project::repo;
use serde_json::Value;

const CONTAINER: &str = "packages.x86_64-linux.container";
const NAMES: &str = "map (p: p.pname)";

fn example() -> tempfile::TempDir {
    git_copy(&repo().join("examples/unified-nixos"))
}

fn container_packages(dir: &Path, env: &[(&str, &str)], impure: bool) -> Vec<String> {
    strings(&eval_flake_attr_apply(
        dir,
        &format!("{CONTAINER}.contents"),
        env,
        impure,
        NAMES,
    ))
}

fn set(v: &[String]) -> BTreeSet<&str> {
    v.iter().map(String::as_str).collect()
}

fn profile(dir: &Path, packages: &str) -> Vec<String> {
    container_packages(
        dir,
        &[("NIXOS_CONTAINER", "1"), ("NIXOS_PACKAGES", packages)],
        true,
    )
}

#[test]
fn container_package_groups_follow_nixos_packages() {
    let tree = example();
    let dir = tree.path();

    let essential = profile(dir, "essential");
    let kubernetes = profile(dir, "essential,kubernetes");
    let development = profile(dir, "essential,development");
    let full = profile(dir, "full");
    let kubernetes_only = profile(dir, "kubernetes");
    let unset = container_packages(dir, &[("NIXOS_CONTAINER", "1")], true);

    let (e, k, d, f) = (
        set(&essential),
        set(&kubernetes),
        set(&development),
        set(&full),
    );

    for core in [
        "git",
        "tmux",
        "neovim",
        "fzf",
        "ripgrep",
        "claude-manager",
        "sesh",
    ] {
        assert!(e.contains(core), "essential lacks {core}: {essential:?}");
    }
    for tool in ["kubectl", "kubernetes-helm", "k9s", "argocd", "idpbuilder"] {
        assert!(!e.contains(tool), "essential has {tool}");
        assert!(k.contains(tool), "essential,kubernetes lacks {tool}");
        assert!(!d.contains(tool), "essential,development has {tool}");
        assert!(f.contains(tool), "full lacks {tool}");
    }
    for tool in ["nodejs_20", "deno", "docker-compose"] {
        assert!(
            !e.contains(tool) && !k.contains(tool),
            "{tool} outside development"
        );
        assert!(
            d.contains(tool) && f.contains(tool),
            "{tool} missing from development/full"
        );
    }
    for tool in ["btop", "_1password-cli"] {
        assert!(f.contains(tool), "full lacks extras' {tool}");
        assert!(
            !k.contains(tool) && !d.contains(tool),
            "{tool} outside extras"
        );
    }
    // The container profile and the image's own additions are always there.
    for extra in ["coreutils", "sudo", "bin-sh", "ca-certificates"] {
        assert!(e.contains(extra), "image lacks {extra}");
    }

    assert!(e.is_subset(&k) && e.len() < k.len());
    assert!(e.is_subset(&d) && e.len() < d.len());
    assert!(k.is_subset(&f) && d.is_subset(&f));
    // The essential group is always included, selected or not.
    assert_eq!(kubernetes_only, kubernetes);
    // Unset means the essential profile.
    assert_eq!(unset, essential);
}

#[test]
fn pure_evaluation_silently_ignores_the_environment() {
    let tree = example();
    let dir = tree.path();
    let env = [("NIXOS_CONTAINER", "1"), ("NIXOS_PACKAGES", "full")];

    let impure_full = container_packages(dir, &env, true);
    let pure_full = container_packages(dir, &env, false);
    let impure_default = container_packages(dir, &[], true);
    let pure_default = container_packages(dir, &[], false);

    // What `NIXOS_PACKAGES=full nix build .#container` builds without --impure:
    assert_eq!(
        pure_full, pure_default,
        "pure evaluation must not see the environment"
    );
    assert_eq!(
        pure_full, impure_default,
        "pure evaluation gives the default profile"
    );
    assert_ne!(
        pure_full, impure_full,
        "the full profile differs from the default"
    );
    assert!(set(&impure_full).contains("kubectl"));
    assert!(!set(&pure_full).contains("kubectl"));

    let groups = "c: c.NIXOS_PACKAGE_GROUPS";
    let vars = "nixosConfigurations.nixos-wsl.config.environment.variables";
    assert_eq!(
        eval_flake_attr_apply(dir, vars, &env, false, groups),
        Value::from("essential")
    );
    assert_eq!(
        eval_flake_attr_apply(dir, vars, &env, true, groups),
        Value::from("essential,kubernetes,development,extras")
    );
}

#[test]
fn nixos_container_switches_between_wsl_and_container_mode() {
    let tree = example();
    let dir = tree.path();
    let summary = "c: { container = c.boot.isContainer; wsl = c.wsl.enable; host = c.networking.hostName; \
                   docs = c.documentation.enable; top = c.system.build.toplevel.name; \
                   activation = builtins.attrNames c.system.activationScripts; \
                   services = builtins.attrNames c.systemd.user.services; \
                   wslUser = c.environment.etc.\"wsl.conf\".text or null; }";
    let attr = "nixosConfigurations.nixos-wsl.config";

    let wsl = eval_flake_attr_apply(dir, attr, &[], false, summary);
    assert_eq!(wsl["container"], false);
    assert_eq!(wsl["wsl"], true);
    assert_eq!(wsl["host"], "nixos-wsl");
    assert_eq!(wsl["docs"], true);
    assert_eq!(wsl["top"], "nixos-system-nixos-wsl-24.11");
    assert_eq!(wsl["activation"], serde_json::json!(["dockerDesktopLink"]));
    assert_eq!(wsl["services"], serde_json::json!(["vscode-server-fix"]));
    assert!(
        wsl["wslUser"]
            .as_str()
            .unwrap()
            .contains("default=vpittamp")
    );

    let container = eval_flake_attr_apply(dir, attr, &[("NIXOS_CONTAINER", "1")], true, summary);
    assert_eq!(container["container"], true);
    assert_eq!(container["wsl"], false);
    assert_eq!(container["host"], "nixos-container");
    assert_eq!(container["docs"], false);
    assert_eq!(container["activation"], serde_json::json!([]));
    assert_eq!(container["services"], serde_json::json!([]));
    assert_eq!(container["wslUser"], Value::Null);

    // Pure evaluation never reaches container mode.
    let pure = eval_flake_attr_apply(dir, attr, &[("NIXOS_CONTAINER", "1")], false, summary);
    assert_eq!(pure, wsl);
}

#[test]
fn home_manager_gets_the_same_package_groups() {
    let tree = example();
    let dir = tree.path();
    let attr = "nixosConfigurations.nixos-wsl.config.home-manager.users.vpittamp";
    let summary = "u: { packages = map (p: p.pname) u.home.packages; home = u.home.homeDirectory; \
                   files = builtins.attrNames u.xdg.configFile; git = u.programs.git.enable; \
                   gh = u.programs.bash.shellAliases.gh; }";

    let k8s = eval_flake_attr_apply(
        dir,
        attr,
        &[("NIXOS_PACKAGES", "essential,kubernetes")],
        true,
        summary,
    );
    let packages = strings(&k8s["packages"]);
    assert!(packages.iter().any(|p| p == "kubectl"), "{packages:?}");
    assert!(
        packages.iter().any(|p| p == "_1password-cli"),
        "1Password plugin module"
    );
    assert_eq!(k8s["home"], "/home/vpittamp");
    assert_eq!(k8s["git"], true);
    assert_eq!(k8s["gh"], "op plugin run -- gh");
    assert_eq!(
        k8s["files"],
        serde_json::json!(["k9s/config.yaml", "sesh/sesh.toml"])
    );

    let pure = eval_flake_attr_apply(
        dir,
        attr,
        &[("NIXOS_PACKAGES", "essential,kubernetes")],
        false,
        summary,
    );
    assert!(!strings(&pure["packages"]).iter().any(|p| p == "kubectl"));

    // With useUserPackages the Home Manager packages reach users.users.
    let user_packages = eval_flake_attr_apply(
        dir,
        "nixosConfigurations.nixos-wsl.config.users.users.vpittamp.packages",
        &[],
        false,
        NAMES,
    );
    assert_eq!(user_packages, pure["packages"]);
}

#[test]
fn example_outputs_and_custom_packages() {
    let tree = example();
    let dir = tree.path();

    let shells = eval_flake_attr_apply(
        dir,
        "devShells",
        &[],
        false,
        "builtins.mapAttrs (_: builtins.attrNames)",
    );
    for system in [
        "x86_64-linux",
        "aarch64-linux",
        "x86_64-darwin",
        "aarch64-darwin",
    ] {
        assert_eq!(shells[system], serde_json::json!(["default", "kubernetes"]));
    }
    let k8s_shell = strings(&eval_flake_attr_apply(
        dir,
        "devShells.x86_64-linux.kubernetes.packages",
        &[],
        false,
        NAMES,
    ));
    assert!(k8s_shell.contains(&"kubectl".to_string()));

    let manager = eval_flake_attr_apply(
        dir,
        "packages.x86_64-linux.claude-manager",
        &[],
        false,
        "p: { inherit (p) pname version; url = p.src.url; sha256 = p.src.sha256; builder = p.stubBuilder; }",
    );
    assert_eq!(manager["pname"], "claude-manager");
    assert_eq!(manager["builder"], "stdenv.mkDerivation");
    assert!(
        manager["url"]
            .as_str()
            .unwrap()
            .contains(&format!("v{}/", manager["version"].as_str().unwrap()))
    );
    assert_eq!(manager["sha256"].as_str().unwrap().len(), 52);

    let image = eval_flake_attr_apply(
        dir,
        CONTAINER,
        &[],
        false,
        "i: { inherit (i) imageName imageTag stubBuilder; env = i.config.Env; }",
    );
    assert_eq!(image["imageName"], "nixos-system");
    assert_eq!(image["imageTag"], "latest");
    assert_eq!(image["stubBuilder"], "dockerTools.buildLayeredImage");
    assert!(strings(&image["env"]).contains(&"NIXOS_CONTAINER=1".to_string()));
}

#[test]
fn stub_library_self_tests_pass() {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo().join("tests/stub-nixpkgs/tests/lib.nix"))
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(failed, serde_json::json!([]), "failed stub library cases");
}

fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

#[test]
fn flakes_examples_and_stubs_parse_with_nix() {
    let mut files = vec![repo().join("flake.nix")];
    nix_files(&repo().join("examples"), &mut files);
    nix_files(&repo().join("tests/stub-nixpkgs"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    for file in files {
        let out = Command::new("nix-instantiate")
            .arg("--parse")
            .arg(&file)
            .output()
            .expect("nix-instantiate runs");
        assert!(
            out.status.success(),
            "{} does not parse: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn example_flake_lock_is_well_formed() {
    let text = std::fs::read_to_string(repo().join("examples/unified-nixos/flake.lock")).unwrap();
    let lock: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(lock["version"], 7);
    let nodes = lock["nodes"].as_object().unwrap();
    let root_inputs: BTreeSet<&str> = lock["nodes"]["root"]["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        root_inputs,
        BTreeSet::from([
            "flake-utils",
            "home-manager",
            "nixos-wsl",
            "nixpkgs",
            "onepassword-shell-plugins"
        ])
    );
    for (name, node) in nodes {
        let Some(locked) = node.get("locked") else {
            continue;
        };
        let nar = locked["narHash"].as_str().unwrap();
        let b64 = nar
            .strip_prefix("sha256-")
            .unwrap_or_else(|| panic!("{name}: {nar}"));
        let bytes = data_encoding::BASE64.decode(b64.as_bytes()).unwrap();
        assert_eq!(bytes.len(), 32, "{name}: narHash is not a SHA-256");
        let rev = locked["rev"].as_str().unwrap();
        assert!(
            rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}: rev {rev}"
        );
        // Every input the lock mentions is resolvable offline by the harness.
        if root_inputs.contains(name.as_str()) {
            assert!(
                common::nixflake::stub_for_input(name).is_some(),
                "no stub for {name}"
            );
        }
    }
}

#[test]
fn project_flake_builds_nixfold_from_cargo_lock() {
    // A copy of what the flake needs, plus files its source filter must drop.
    let tree = git_copy_paths(
        repo(),
        &[
            "flake.nix",
            "Cargo.toml",
            "Cargo.lock",
            "build.rs",
            "src",
            "README.md",
        ],
    );
    let dir = tree.path();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("tests/decoy.rs"), "// not part of the package\n").unwrap();
    common::nixflake::git_commit_all(dir);

    let cargo: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.toml")).unwrap()).unwrap();
    let version = cargo["package"]["version"].as_str().unwrap();

    // The project flake has no flake.lock: name its one input explicitly.
    let eval = |attr: &str, apply: &str| {
        eval_flake(
            dir,
            attr,
            &EvalOptions::new(&[], false)
                .stub_input("nixpkgs")
                .apply(apply),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let package = eval(
        "packages.x86_64-linux.default",
        "p: { inherit (p) pname version stubBuilder; lock = baseNameOf p.cargoLock.lockFile; src = p.src; }",
    );
    assert_eq!(package["pname"], "nixfold");
    assert_eq!(package["version"], version);
    assert_eq!(package["stubBuilder"], "rustPlatform.buildRustPackage");
    assert_eq!(package["lock"], "Cargo.lock");

    let src = PathBuf::from(package["src"].as_str().unwrap());
    let mut top: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["Cargo.lock", "Cargo.toml", "build.rs", "src"]);

    let program = eval("apps.x86_64-linux.default.program", "x: x");
    let program = program.as_str().unwrap();
    assert!(
        program.ends_with(&format!("-nixfold-{version}/bin/nixfold")),
        "{program}"
    );

    for system in [
        "x86_64-linux",
        "aarch64-linux",
        "x86_64-darwin",
        "aarch64-darwin",
    ] {
        let shell = strings(&eval(
            &format!("devShells.{system}.default.packages"),
            NAMES,
        ));
        for tool in ["cargo", "rustc", "clippy", "rustfmt", "nix"] {
            assert!(
                shell.contains(&tool.to_string()),
                "{system} dev shell lacks {tool}"
            );
        }
    }
}

#[test]
fn check_reports_the_examples_environment_reads() {
    let root = repo().join("examples/unified-nixos");
    let (project, config) = common::project::load(&root);
    let diags = nixfold::lints::check(&project, &config);
    let rel = |d: &nixfold::diagnostics::Diagnostic| {
        d.path
            .strip_prefix(&root)
            .unwrap_or(&d.path)
            .to_string_lossy()
            .replace('\\', "/")
    };

    let getenv: BTreeSet<(String, u32, &str)> = diags
        .iter()
        .filter(|d| d.name == "impure-getenv")
        .map(|d| (rel(d), d.start.line, d.severity.as_str()))
        .collect();
    let expected: BTreeSet<(String, u32, &str)> = [
        ("configuration-base.nix", 9),
        ("configuration.nix", 9),
        ("overlays/packages.nix", 14),
    ]
    .into_iter()
    .map(|(f, l)| (f.to_string(), l, "error"))
    .collect();
    assert_eq!(getenv, expected);

    // The example is otherwise clean: its hashes are valid, its paths and
    // flake references resolve.
    let other_errors: Vec<String> = diags
        .iter()
        .filter(|d| d.name != "impure-getenv" && d.severity.as_str() == "error")
        .map(|d| format!("{}:{} [{}] {}", rel(d), d.start.line, d.name, d.message))
        .collect();
    assert!(other_errors.is_empty(), "{other_errors:#?}");

    assert_cmd::Command::cargo_bin("nixfold")
        .unwrap()
        .args(["check", "examples/unified-nixos"])
        .current_dir(repo())
        .assert()
        .code(1);
}
