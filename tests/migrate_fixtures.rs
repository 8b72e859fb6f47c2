//! `nixfold migrate` on one small tree per real pattern of environment-driven
//! selection (tests/fixtures/migrate/*), each checked with real Nix: every
//! variant of the migrated flake, evaluated purely, equals the original
//! evaluated with `--impure` and the variant's environment, whatever the
//! environment holds.

mod common;

use std::path::Path;
use std::process::Command;

use common::nixflake::{EvalOptions, eval_flake, git_copy};
use common::project::{nixfold, repo};
use serde_json::Value;

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/migrate").join(name)
}

/// The fixture, and the fixture migrated with `--write`, as git repositories.
fn trees(name: &str) -> (tempfile::TempDir, tempfile::TempDir) {
    let original = git_copy(&fixture(name));
    let migrated = git_copy(&fixture(name));
    let (code, _, err) = nixfold(&["migrate", "--write"], migrated.path());
    assert_eq!(code, 0, "{name}: {err}");
    common::nixflake::git_commit_all(migrated.path());
    // Idempotent: nothing left to migrate.
    let (code, diff, err) = nixfold(&["migrate", "--check"], migrated.path());
    assert_eq!((code, diff.as_str()), (0, ""), "{name}: {err}");
    (original, migrated)
}

fn eval(
    dir: &Path,
    attr: &str,
    env: &[(&str, &str)],
    impure: bool,
    apply: &str,
    inputs: &[&str],
) -> Value {
    let mut opts = EvalOptions::new(env, impure).apply(apply);
    for input in inputs {
        // `utils=flake-utils`: input `utils` is the flake-utils stub.
        let (i, stub_name) = input.split_once('=').unwrap_or((input, input));
        let stub = common::nixflake::stub_for_input(stub_name)
            .unwrap_or_else(|| panic!("no stub for input {stub_name}"));
        opts.overrides
            .insert(i.to_string(), format!("path:{}", stub.display()));
        let has_nixpkgs_input =
            std::fs::read_to_string(stub.join("flake.nix")).is_ok_and(|t| t.contains("nixpkgs"));
        if i != "nixpkgs" && has_nixpkgs_input {
            // The stub inputs' own nixpkgs input is the stub too.
            opts.overrides.insert(
                format!("{i}/nixpkgs"),
                format!("path:{}", common::nixflake::stub_dir().display()),
            );
        }
    }
    eval_flake(dir, attr, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// For each (original attr, environment, migrated attr): the migrated output
/// evaluated purely equals the original with the environment, and does not
/// change when the environment holds something else.
/// (original attr, environment, migrated attr)
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

fn check(name: &str, inputs: &[&str], apply: &str, cases: &[Case]) {
    let (original, migrated) = trees(name);
    let mut results = Vec::new();
    for (from, env, to) in cases {
        let want = eval(original.path(), from, env, true, apply, inputs);
        let got = eval(migrated.path(), to, &[], false, apply, inputs);
        assert_eq!(got, want, "{name}: {to} vs {from} with {env:?}");
        let noise: Vec<(&str, &str)> = cases
            .iter()
            .flat_map(|(_, e, _)| e.iter().copied())
            // HOME must stay absolute, or Nix puts its cache under the cwd.
            .map(|(k, _)| {
                (
                    k,
                    if k == "HOME" {
                        "/tmp/nixfold-noise-home"
                    } else {
                        "noise"
                    },
                )
            })
            .collect();
        let noisy = eval(migrated.path(), to, &noise, true, apply, inputs);
        assert_eq!(noisy, got, "{name}: {to} depends on the environment");
        results.push(got);
    }
    results.dedup();
    assert_eq!(
        results.len(),
        cases.len(),
        "{name}: variants collapsed: {results:?}"
    );
}

#[test]
fn flags_choosing_modules() {
    check(
        "true-flags",
        &["nixpkgs"],
        "builtins.attrNames",
        &[
            (
                "nixosConfigurations.box.config.environment.etc",
                &[],
                "nixosConfigurations.box.config.environment.etc",
            ),
            (
                "nixosConfigurations.box.config.environment.etc",
                &[("WITH_DOCKER", "true")],
                "nixosConfigurations.box-docker.config.environment.etc",
            ),
            (
                "nixosConfigurations.box.config.environment.etc",
                &[("WITH_DOCKER", "true"), ("WITH_DESKTOP", "true")],
                "nixosConfigurations.box-desktop.config.environment.etc",
            ),
        ],
    );
}

#[test]
fn imports_chosen_by_the_environment() {
    check(
        "env-imports",
        &["nixpkgs"],
        "builtins.attrNames",
        &[
            (
                "nixosConfigurations.machine.config.environment.etc",
                &[],
                "nixosConfigurations.machine.config.environment.etc",
            ),
            (
                "nixosConfigurations.machine.config.environment.etc",
                &[("ROLE", "server")],
                "nixosConfigurations.server.config.environment.etc",
            ),
        ],
    );
}

#[test]
fn port_number_in_an_imported_module() {
    check(
        "port-number",
        &["nixpkgs"],
        "x: x",
        &[
            (
                "nixosConfigurations.web.config.networking.firewall.allowedTCPPorts",
                &[],
                "nixosConfigurations.web.config.networking.firewall.allowedTCPPorts",
            ),
            (
                "nixosConfigurations.web.config.networking.firewall.allowedTCPPorts",
                &[("APP_PORT", "9000")],
                "nixosConfigurations.web-9000.config.networking.firewall.allowedTCPPorts",
            ),
        ],
    );
}

/// `homeConfigurations.me` of `fixture` unset and as alice (`alice` is the
/// environment that selects her).
fn check_home(fixture: &str, unset: &[(&str, &str)], alice: &[(&str, &str)]) {
    check(
        fixture,
        &["nixpkgs", "home-manager"],
        "c: { u = c.home.username; h = c.home.homeDirectory; g = c.programs.git.userName; }",
        &[
            (
                "homeConfigurations.me.config",
                unset,
                "homeConfigurations.me.config",
            ),
            (
                "homeConfigurations.me.config",
                alice,
                "homeConfigurations.alice.config",
            ),
        ],
    );
}

#[test]
fn home_manager_user_and_home() {
    // The harness passes HOME and USER on to Nix: unset them here.
    check_home(
        "home-user",
        &[("USER", ""), ("HOME", "")],
        &[("USER", "alice"), ("HOME", "/home/alice")],
    );
}

/// A file called with `lib.callPackageWith inputs ./home.nix { }` and
/// then its own arguments: the variant goes into the explicit arguments.
#[test]
fn a_file_called_with_call_package_with() {
    check_home("call-package-with", &[("USER", "")], &[("USER", "alice")]);
}

/// An exported module (called with `self` at the end of its output's
/// value) that the flake's own configuration uses through `self`: each
/// variant of the configuration uses the same variant of the module, and a
/// template flake below a path the flake mentions is left alone.
#[test]
fn an_output_using_another_through_self() {
    check_home("self-module", &[("USER", "")], &[("USER", "alice")]);
    let migrated = git_copy(&fixture("self-module"));
    nixfold(&["migrate", "--write"], migrated.path());
    let flake = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    assert!(!flake.contains("self.homeModules.default"), "{flake}");
    assert!(flake.contains("lib.greeting = \"hello\";"), "{flake}");
    for file in ["template/flake.nix", "shell.nix"] {
        assert_eq!(
            std::fs::read(migrated.path().join(file)).unwrap(),
            std::fs::read(fixture("self-module").join(file)).unwrap(),
            "{file} changed"
        );
    }
}

#[test]
fn image_tag_read_in_flake_nix_and_a_called_package() {
    check(
        "image-tag",
        &["nixpkgs"],
        "i: { tag = i.imageTag; versions = map (p: p.version) i.contents; }",
        &[
            (
                "packages.x86_64-linux.image",
                &[],
                "packages.x86_64-linux.image",
            ),
            (
                "packages.x86_64-linux.image",
                &[("IMAGE_TAG", "v1.2.3"), ("VERSION_SUFFIX", "-rc1")],
                "packages.x86_64-linux.image-release",
            ),
        ],
    );
    // The variants are merged into one `packages.${system}` set.
    let migrated = git_copy(&fixture("image-tag"));
    nixfold(&["migrate", "--write"], migrated.path());
    let flake = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    assert_eq!(flake.matches("packages.${system}").count(), 1, "{flake}");
}

#[test]
fn overlays_picked_by_a_list_under_with_builtins() {
    check(
        "overlay-list",
        &["nixpkgs"],
        "p: p.text",
        &[
            (
                "packages.x86_64-linux.markers",
                &[],
                "packages.x86_64-linux.markers",
            ),
            (
                "packages.x86_64-linux.markers",
                &[("OVERLAYS", "rust,go")],
                "packages.x86_64-linux.markers-rust-go",
            ),
        ],
    );
}

#[test]
fn default_when_empty_without_a_flake() {
    // No flake.nix: the root file takes the variant with the default variant
    // as its default; `--arg variant` selects another.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("default-when-empty/default.nix"),
        dir.path().join("default.nix"),
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 0, "{err}");
    let run = |file: &Path, env: &[(&str, &str)], arg: &str| {
        let out = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E"])
            .arg(format!("import {} {arg}", file.display()))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let orig = fixture("default-when-empty/default.nix");
    let new = dir.path().join("default.nix");
    assert_eq!(run(&new, &[], "{ }"), run(&orig, &[], "{ }"));
    assert_eq!(
        run(
            &new,
            &[("AWS_REGION", "noise")],
            "{ variant = { AWS_REGION = \"us-east-2\"; }; }"
        ),
        run(&orig, &[("AWS_REGION", "us-east-2")], "{ }")
    );
    assert_ne!(
        run(&new, &[], "{ }"),
        run(&orig, &[("AWS_REGION", "us-east-2")], "{ }")
    );
}

#[test]
fn outputs_built_by_flake_utils_for_every_system() {
    type Owned<'a> = (String, &'a [(&'a str, &'a str)], String);
    let cases: Vec<Owned> = ["x86_64-linux", "aarch64-darwin"]
        .iter()
        .flat_map(|s| {
            let empty: &[(&str, &str)] = &[];
            let full: &[(&str, &str)] = &[("FEATURES", "tls,metrics")];
            [
                (
                    format!("packages.{s}.default"),
                    empty,
                    format!("packages.{s}.default"),
                ),
                (
                    format!("packages.{s}.default"),
                    full,
                    format!("packages.{s}.full"),
                ),
            ]
        })
        .collect();
    let cases: Vec<Case> = cases
        .iter()
        .map(|(a, e, b)| (a.as_str(), *e, b.as_str()))
        .collect();
    check(
        "each-system",
        &["nixpkgs", "flake-utils"],
        "p: p.text",
        &cases,
    );
    // The shell keeps its one (default) variant, purely.
    let (original, migrated) = trees("each-system");
    let attr = "devShells.x86_64-linux.default";
    let apply = "s: s.APP_FEATURES";
    let inputs = ["nixpkgs", "flake-utils"];
    assert_eq!(
        eval(migrated.path(), attr, &[], false, apply, &inputs),
        eval(original.path(), attr, &[], true, apply, &inputs)
    );
}

#[test]
fn outputs_built_by_for_all_systems_and_gen_attrs() {
    check(
        "for-all-systems",
        &["nixpkgs"],
        "p: p.text or p.TOOL_LOG_LEVEL",
        &[
            (
                "packages.x86_64-linux.default",
                &[],
                "packages.x86_64-linux.default",
            ),
            (
                "packages.aarch64-linux.default",
                &[("LOG_LEVEL", "debug")],
                "packages.aarch64-linux.debug",
            ),
            (
                "devShells.x86_64-linux.default",
                &[],
                "devShells.x86_64-linux.default",
            ),
            (
                "devShells.aarch64-linux.default",
                &[("LOG_LEVEL", "debug")],
                "devShells.aarch64-linux.debug",
            ),
        ],
    );
    // The variants are added inside the per-system function, next to the
    // default; the static output is untouched.
    let migrated = git_copy(&fixture("for-all-systems"));
    nixfold(&["migrate", "--write"], migrated.path());
    let flake = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    assert!(flake.contains("        debug = mkPackagesDefault variants.debug;\n        docs = pkgs.writeText \"docs\" \"static documentation\";"), "{flake}");
    assert!(
        flake.contains("# The tool, configured at build time."),
        "{flake}"
    );
}

#[test]
fn names_chosen_by_the_environment_inside_each_system() {
    check(
        "each-system-list",
        &["nixpkgs", "utils=flake-utils"],
        "p: p.text",
        &[
            (
                "packages.x86_64-linux.vanilla",
                &[],
                "packages.x86_64-linux.vanilla",
            ),
            (
                "packages.aarch64-linux.mint",
                &[("FLAVOR", "mint")],
                "packages.aarch64-linux.mint",
            ),
            (
                "packages.x86_64-linux.mint",
                &[("FLAVOR", "mint")],
                "packages.x86_64-linux.mint",
            ),
            // Unset, the original calls it `vanilla` like the default: the
            // variant keeps its own name.
            (
                "packages.aarch64-linux.vanilla",
                &[],
                "packages.aarch64-linux.plain",
            ),
        ],
    );
    let (_, migrated) = trees("each-system-list");
    let names = eval(
        migrated.path(),
        "packages.x86_64-linux",
        &[],
        false,
        "builtins.attrNames",
        &["nixpkgs", "utils=flake-utils"],
    );
    assert_eq!(
        names,
        serde_json::json!(["cone", "mint", "plain", "vanilla"])
    );
}

#[test]
fn output_named_by_a_let_bound_host() {
    check(
        "host-name",
        &["nixpkgs"],
        "c: { h = c.networking.hostName; x = c.services.xserver.enable or false; }",
        &[
            (
                "nixosConfigurations.laptop.config",
                &[],
                "nixosConfigurations.laptop.config",
            ),
            (
                "nixosConfigurations.desktop.config",
                &[("HOST", "desktop")],
                "nixosConfigurations.desktop.config",
            ),
        ],
    );
}

#[test]
fn outputs_named_by_the_environment() {
    let u = ("USER", "");
    check(
        "env-names",
        &["nixpkgs", "home-manager"],
        "c: c.networking.hostName or c.home.homeDirectory",
        &[
            // The default keeps what the original is called with nothing set.
            (
                "nixosConfigurations.\"\".config",
                &[u],
                "nixosConfigurations.\"\".config",
            ),
            (
                "nixosConfigurations.web1.config",
                &[u, ("HOSTNAME", "web1")],
                "nixosConfigurations.web1.config",
            ),
            (
                "nixosConfigurations.web2.config",
                &[u, ("HOSTNAME", "web2")],
                "nixosConfigurations.web2.config",
            ),
            // Same name as `web1`: the variant's own name.
            (
                "nixosConfigurations.web1.config",
                &[u, ("HOSTNAME", "web1")],
                "nixosConfigurations.web1-again.config",
            ),
            // An empty name: the variant's own name.
            (
                "nixosConfigurations.\"\".config",
                &[u],
                "nixosConfigurations.unnamed.config",
            ),
            (
                "homeConfigurations.alice.config",
                &[("USER", "alice")],
                "homeConfigurations.alice.config",
            ),
            (
                "homeConfigurations.\"\".config",
                &[u],
                "homeConfigurations.\"\".config",
            ),
        ],
    );
    // All the machines are in one set; the one whose name does not depend on
    // the environment is untouched.
    let (original, migrated) = trees("env-names");
    let old = std::fs::read_to_string(original.path().join("flake.nix")).unwrap();
    let new = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    let builder = &old[old.find("      # A machine whose name").unwrap()
        ..old.find("      homeConfigurations").unwrap()];
    assert!(new.contains(builder), "{new}");
    let names = eval(
        migrated.path(),
        "nixosConfigurations",
        &[],
        false,
        "builtins.attrNames",
        &["nixpkgs", "home-manager"],
    );
    assert_eq!(
        names,
        serde_json::json!(["", "builder", "unnamed", "web1", "web1-again", "web2"])
    );
    // The declared variants are outputs now: nixfold.toml is not reported.
    let (code, out, err) = nixfold(
        &["check", "--select", "unknown-variant-value"],
        migrated.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
}

/// `nixos-rebuild` without flakes: evaluate configuration.nix with the stub
/// nixpkgs' `nixosSystem`, with `env`, and return what `apply` makes of its
/// `config`.
fn eval_module_tree(dir: &Path, env: &[(&str, &str)], apply: &str) -> String {
    let stub = common::nixflake::stub_dir();
    let expr = format!(
        "let baseLib = import {stub}/lib; lib = baseLib // {{ nixosSystem = import {stub}/nixos {{ inherit lib; }}; }}; \
         in ({apply}) (lib.nixosSystem {{ system = \"x86_64-linux\"; modules = [ {dir}/configuration.nix ]; }}).config",
        stub = stub.display(),
        dir = dir.display()
    );
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expr])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_root_module_without_a_flake_binds_the_variant() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["configuration.nix", "hardware.nix", "docker.nix"] {
        std::fs::copy(fixture("no-flake-module").join(f), dir.path().join(f)).unwrap();
    }
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("configuration.nix binds `variant` in its `let`"),
        "{err}"
    );
    let (code, diff, err) = nixfold(&["migrate", "--check"], dir.path());
    assert_eq!((code, diff.as_str()), (0, ""), "{err}");
    let apply = "c: { d = c.virtualisation or null; g = c.boot.loader.grub.device; }";
    let orig = fixture("no-flake-module");
    let new = dir.path();
    // The default variant is the original with nothing set, whatever the
    // environment holds now.
    let default = eval_module_tree(new, &[], apply);
    assert_eq!(default, eval_module_tree(&orig, &[], apply));
    assert_eq!(
        eval_module_tree(
            new,
            &[("WITH_DOCKER", "1"), ("DOCKER_DRIVER", "zfs")],
            apply
        ),
        default
    );
    // Another variant: set its values where the variant is bound.
    let conf = new.join("configuration.nix");
    let text = std::fs::read_to_string(&conf).unwrap();
    let chosen = text
        .replace("WITH_DOCKER = \"\";", "WITH_DOCKER = \"1\";")
        .replace("DOCKER_DRIVER = \"\";", "DOCKER_DRIVER = \"overlay2\";");
    assert_ne!(chosen, text);
    std::fs::write(&conf, chosen).unwrap();
    let docker = eval_module_tree(new, &[], apply);
    assert_eq!(
        docker,
        eval_module_tree(
            &orig,
            &[("WITH_DOCKER", "1"), ("DOCKER_DRIVER", "overlay2")],
            apply
        )
    );
    assert_ne!(docker, default);
}

#[test]
fn without_a_flake_imports_chosen_below_the_root_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("configuration.nix"),
        "{ config, ... }:\n{\n  imports = [ ./role.nix ];\n}\n",
    )
    .unwrap();
    let role = "{ config, ... }:\nlet\n  role = builtins.getEnv \"ROLE\";\nin\n{\n  imports = if role == \"\" then [ ] else [ ./${role}.nix ];\n}\n";
    std::fs::write(dir.path().join("role.nix"), role).unwrap();
    std::fs::write(dir.path().join("web.nix"), "{ ... }: { }\n").unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("role.nix:6:3: the `imports` of role.nix may depend on the environment"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("role.nix")).unwrap(),
        role
    );
}

#[test]
fn per_system_function_passed_by_name_to_flake_utils() {
    let inputs = ["nixpkgs", "flake-utils"];
    check(
        "each-system-named",
        &inputs,
        "p: p.text",
        &[
            (
                "packages.x86_64-linux.default",
                &[],
                "packages.x86_64-linux.default",
            ),
            (
                "packages.x86_64-linux.default",
                &[("GREETING", "hello")],
                "packages.x86_64-linux.hello",
            ),
            (
                "packages.aarch64-darwin.default",
                &[("GREETING", "hello")],
                "packages.aarch64-darwin.hello",
            ),
        ],
    );
    // The variants go into the named function's body; the function keeps
    // its name and its one use.
    let (original, migrated) = trees("each-system-named");
    let new = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    assert!(new.contains("      perSystem = system:\n"), "{new}");
    assert!(
        new.contains("    flake-utils.lib.eachDefaultSystem perSystem;"),
        "{new}"
    );
    let attr = "packages.x86_64-linux.static";
    assert_eq!(
        eval(migrated.path(), attr, &[], false, "p: p.text", &inputs),
        eval(original.path(), attr, &[], true, "p: p.text", &inputs)
    );
}

#[test]
fn per_system_function_passed_by_name_to_for_all_systems() {
    check(
        "for-all-systems-named",
        &["nixpkgs"],
        "p: p.text",
        &[
            (
                "packages.x86_64-linux.deploy",
                &[],
                "packages.x86_64-linux.deploy",
            ),
            (
                "packages.aarch64-linux.deploy",
                &[("REGION", "eu-west-1")],
                "packages.aarch64-linux.deploy-eu",
            ),
        ],
    );
}

/// `nixfold migrate --write` on `flake` must refuse with `message` and
/// leave the tree as it was.
fn refused(flake: &str, toml: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
    std::fs::write(dir.path().join("nixfold.toml"), toml).unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(message), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("flake.nix")).unwrap(),
        flake
    );
}

#[test]
fn a_named_per_system_function_used_twice_is_refused() {
    let flake = r#"{
  inputs.flake-utils.url = "github:numtide/flake-utils";
  outputs = { self, nixpkgs, flake-utils }:
    let
      perSystem = system: {
        packages.default = nixpkgs.legacyPackages.${system}.writeText "g" (builtins.getEnv "G");
      };
    in
    flake-utils.lib.eachDefaultSystem perSystem // { checks.x86_64-linux = (perSystem "x86_64-linux").packages; };
}
"#;
    let toml = "[[variants]]\noutput = \"packages.x86_64-linux.default\"\nname = \"g\"\nenv = { G = \"1\" }\n";
    refused(
        flake,
        toml,
        "flake.nix:9:39: the per-system function `perSystem` depends on the environment and is used more than once",
    );
}

#[test]
fn a_named_per_system_function_without_environment_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let flake = "{\n  outputs = { self, nixpkgs, flake-utils }:\n    let\n      perSystem = system: { packages.default = nixpkgs.legacyPackages.${system}.hello; };\n    in\n    flake-utils.lib.eachDefaultSystem perSystem // { x = perSystem \"x86_64-linux\"; };\n}\n";
    std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
    let (code, diff, err) = nixfold(&["migrate", "--check"], dir.path());
    assert_eq!((code, diff.as_str()), (0, ""), "{err}");
}

#[test]
fn names_read_from_the_environment_inside_each_system() {
    type Owned<'a> = (String, Vec<(&'a str, &'a str)>, String);
    let mut cases: Vec<Owned> = Vec::new();
    for s in ["x86_64-linux", "aarch64-linux"] {
        cases.push((
            format!("packages.{s}.\"\".text"),
            vec![],
            format!("packages.{s}.\"\".text"),
        ));
        for image in ["web", "db"] {
            cases.push((
                format!("packages.{s}.{image}.text"),
                vec![("IMAGE", image)],
                format!("packages.{s}.{image}.text"),
            ));
        }
    }
    let cases: Vec<Case> = cases
        .iter()
        .map(|(a, e, b)| (a.as_str(), e.as_slice(), b.as_str()))
        .collect();
    check(
        "env-name-each-system",
        &["nixpkgs", "flake-utils"],
        "x: x",
        &cases,
    );
    let (_, migrated) = trees("env-name-each-system");
    let names = eval(
        migrated.path(),
        "packages.aarch64-linux",
        &[],
        false,
        "builtins.attrNames",
        &["nixpkgs", "flake-utils"],
    );
    assert_eq!(names, serde_json::json!(["", "base", "db", "web"]));
}

#[test]
fn names_read_from_the_environment_under_computed_and_literal_systems() {
    check(
        "env-name-computed-system",
        &["nixpkgs"],
        "x: x",
        &[
            (
                "packages.x86_64-linux.\"\".text",
                &[],
                "packages.x86_64-linux.\"\".text",
            ),
            (
                "packages.x86_64-linux.web.text",
                &[("IMAGE", "web")],
                "packages.x86_64-linux.web.text",
            ),
            (
                "packages.aarch64-linux.\"\".text",
                &[],
                "packages.aarch64-linux.\"\".text",
            ),
            (
                "packages.aarch64-linux.web.text",
                &[("IMAGE", "web")],
                "packages.aarch64-linux.web.text",
            ),
            (
                "hydraJobs.\"\".x86_64-linux.job.text",
                &[],
                "hydraJobs.\"\".x86_64-linux.job.text",
            ),
            (
                "hydraJobs.web.x86_64-linux.job.text",
                &[("IMAGE", "web")],
                "hydraJobs.web.x86_64-linux.job.text",
            ),
        ],
    );
    // Under the computed system the variants share one set; under the
    // environment's name each variant has its own path.
    let (original, migrated) = trees("env-name-computed-system");
    let new = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    assert_eq!(new.matches("packages.${system}").count(), 1, "{new}");
    assert!(
        new.contains("hydraJobs.web.${system}.job = mkJob variants.web;"),
        "{new}"
    );
    // Comments outside the edited entries are kept.
    let old = std::fs::read_to_string(original.path().join("flake.nix")).unwrap();
    for line in old.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(new.contains(line), "{line} lost:\n{new}");
    }
}

#[test]
fn names_chosen_by_the_environment_around_a_computed_name_are_refused() {
    let flake = r#"{
  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      a = builtins.getEnv "A";
    in
    {
      hydraJobs.${a}.${system}.${builtins.getEnv "B"} = "job";
    };
}
"#;
    let toml =
        "[[variants]]\noutput = \"hydraJobs.${A}\"\nname = \"x\"\nenv = { A = \"x\", B = \"y\" }\n";
    refused(
        flake,
        toml,
        "flake.nix:8:22: this output's name is chosen by the environment both above and below this computed name",
    );
}

#[test]
fn a_computed_name_the_environment_does_not_choose_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let kept = "      packages.${system}.${name} = nixpkgs.legacyPackages.${system}.writeText \"tool\" \"static\";\n";
    let flake = format!(
        "{{\n  outputs = {{ self, nixpkgs }}:\n    let\n      system = \"x86_64-linux\";\n      name = \"tool\";\n      tag = builtins.getEnv \"TAG\";\n    in\n    {{\n{kept}      checks.${{system}}.${{tag}} = nixpkgs.legacyPackages.${{system}}.writeText \"t\" tag;\n    }};\n}}\n"
    );
    std::fs::write(dir.path().join("flake.nix"), &flake).unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 0, "{err}");
    let new = std::fs::read_to_string(dir.path().join("flake.nix")).unwrap();
    assert_ne!(new, flake);
    assert!(new.contains(kept), "{new}");
    assert!(
        new.contains("      checks.${system}.\"\" = mkTag variants.default;\n"),
        "{new}"
    );
    let (code, diff, err) = nixfold(&["migrate", "--check"], dir.path());
    assert_eq!((code, diff.as_str()), (0, ""), "{err}");
}

/// Issue 10, class 6: with HOSTNAME unset the original evaluates
/// `./hosts//configuration.nix`, which does not exist. Migrate says so and
/// migrates the other variants; the default stays broken as it was.
#[test]
fn a_variant_broken_in_the_original_is_said_and_the_others_migrated() {
    let copy = git_copy(&fixture("broken-default"));
    let (code, _, err) = nixfold(&["migrate"], copy.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "note: variant `default`: nixosConfigurations.\"\" fails in the original too (with an empty environment)"
        ) && err.contains("migrated as it is"),
        "{err}"
    );
    let (_, migrated) = trees("broken-default");
    let broken = eval_flake(
        migrated.path(),
        "nixosConfigurations.\"\".config.networking.hostName",
        &EvalOptions::new(&[], false),
    );
    assert!(broken.is_err(), "the default must stay broken: {broken:?}");
    check(
        "broken-default",
        &["nixpkgs"],
        "c: { h = c.networking.hostName; x = c.services.xserver.enable or false; }",
        &[
            (
                "nixosConfigurations.desk.config",
                &[("HOSTNAME", "desk")],
                "nixosConfigurations.desk.config",
            ),
            (
                "nixosConfigurations.lap.config",
                &[("HOSTNAME", "lap")],
                "nixosConfigurations.lap.config",
            ),
        ],
    );
}

/// Issue 10, class 1: files the flake does not evaluate (an old entry point,
/// a spec with a duplicate key, an empty file, a module nothing imports) do
/// not block the run and stay byte-identical; the unreached caller of a file
/// whose signature changes keeps working through the new formal's default.
#[test]
fn files_the_flake_does_not_evaluate_are_left_alone() {
    let untouched = [
        "configuration.nix",
        "home-container.nix",
        "spec/layout.nix",
        "spec/empty.nix",
    ];
    let copy = git_copy(&fixture("unreached-files"));
    let (code, _, err) = nixfold(&["migrate", "--write"], copy.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "note: home-container.nix (which the flake does not evaluate, left as it is) uses home.nix; \
             its new `variant` argument defaults to the default variant so that it keeps working"
        ),
        "{err}"
    );
    for f in untouched {
        assert_eq!(
            std::fs::read(copy.path().join(f)).unwrap(),
            std::fs::read(fixture("unreached-files").join(f)).unwrap(),
            "{f} changed"
        );
    }
    // The unreached caller still evaluates with real Nix.
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "-E"])
        .arg(
            "(import ./home-container.nix { config = { }; pkgs = { }; lib = { }; inputs = { }; })\
             .imports",
        )
        .current_dir(copy.path())
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("homeDirectory = \"/home/\""));
    check(
        "unreached-files",
        &["nixpkgs", "home-manager"],
        "c: [ c.home.username c.home.homeDirectory ]",
        &[
            (
                "homeConfigurations.me.config",
                &[("USER", "")],
                "homeConfigurations.me.config",
            ),
            (
                "homeConfigurations.me.config",
                &[("USER", "alice")],
                "homeConfigurations.alice.config",
            ),
        ],
    );
}

/// Issue 10, class 4: `inherit user;` of a binding read from the
/// environment, a module handed to a helper as a value (`mkHome
/// homeModules`), and a file that is a function of a plain argument
/// (`group: ...`, called `import ./user.nix "staff"`).
#[test]
fn inherit_module_values_and_plain_argument_functions() {
    check(
        "shapes",
        &["nixpkgs", "home-manager"],
        "c: [ c.home.username c.home.homeDirectory c.programs.git.userName ]",
        &[
            (
                "homeConfigurations.me.config",
                &[("USER", ""), ("GIT_NAME", "")],
                "homeConfigurations.me.config",
            ),
            (
                "homeConfigurations.me.config",
                &[("USER", "alice"), ("GIT_NAME", "Alice")],
                "homeConfigurations.alice.config",
            ),
        ],
    );
    let (_, migrated) = trees("shapes");
    let user = std::fs::read_to_string(migrated.path().join("user.nix")).unwrap();
    assert!(user.starts_with("group: variant: { ... }:"), "{user}");
}

/// Issue 10, class 3: outputs that are not an attribute-set literal
/// (`nixosConfigurations = lib.genAttrs hosts mkHost;`) are wrapped: a
/// function of the variant around the expression, declared variants added
/// with `//`.
#[test]
fn outputs_built_by_a_function_are_wrapped() {
    check(
        "generated-outputs",
        &["nixpkgs"],
        "c: [ c.networking.hostName c.environment.etc.motd.text ]",
        &[
            (
                "nixosConfigurations.alpha.config",
                &[],
                "nixosConfigurations.alpha.config",
            ),
            (
                "nixosConfigurations.beta.config",
                &[],
                "nixosConfigurations.beta.config",
            ),
            (
                "nixosConfigurations.alpha.config",
                &[("SITE", "eu")],
                "nixosConfigurations.alpha-eu.config",
            ),
        ],
    );
}

/// What cannot be wrapped is refused with the construct and what to write.
#[test]
fn an_opaque_output_is_refused_with_the_construct() {
    let dir = tempfile::tempdir().unwrap();
    let flake = "{\n  outputs = { self, nixpkgs }:\n    let\n      mk = x: { a = x; };\n    in\n      mk (builtins.getEnv \"A\");\n}\n";
    std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
    let (code, _, err) = nixfold(&["migrate"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("flake.nix:6:7: the outputs here depend on the environment but are built by a call of `mk`")
            && err.contains("Write the outputs as an attribute set"),
        "{err}"
    );
}

/// Issue 10, class 2: the read in a `let` around the whole flake.nix.
/// (Nix 2.8 refuses such a flake.nix, "must be an attribute set", so the
/// proof here is nixfold's own.)
#[test]
fn a_let_around_the_flake() {
    let (_, migrated) = trees("top-let");
    let flake = std::fs::read_to_string(migrated.path().join("flake.nix")).unwrap();
    assert!(flake.starts_with("# The read sits in a `let` around the whole flake.\nlet\n  user = variant: variant.HM_USER;\nin\n"), "{flake}");
    assert!(
        flake.contains("homeConfigurations.alice = mkMe variants.alice;"),
        "{flake}"
    );
}

/// Issue 10, class 2: every place the parameter must reach, whatever the
/// spelling: a helper called twice, a let-bound module list, `++`,
/// `lib.optionals`, `map`, nested `home-manager = { ... }` without
/// extraSpecialArgs, `users.me = import ./home.nix`, and
/// `imports = [ (import ./motd.nix { ... }) ]`, a module list looked up in
/// a let-bound set (`hostModules.${name}`).
#[test]
fn every_spelling_of_the_places_the_parameter_must_reach() {
    check(
        "spellings",
        &["nixpkgs", "home-manager"],
        "c: [ c.environment.etc.motd.text (c.environment.etc.role.text or null) \
         c.environment.etc.extra.text c.home-manager.users.me.home.username \
         (c.environment.etc.desk.text or null) ]",
        &[
            (
                "nixosConfigurations.work.config",
                &[],
                "nixosConfigurations.work.config",
            ),
            (
                "nixosConfigurations.home.config",
                &[],
                "nixosConfigurations.home.config",
            ),
            (
                "nixosConfigurations.work.config",
                &[("SITE", "eu"), ("ROLE", "dev"), ("HM_USER", "alice")],
                "nixosConfigurations.work-eu.config",
            ),
            (
                "nixosConfigurations.home.config",
                &[("DESK", "tall")],
                "nixosConfigurations.home-tall.config",
            ),
        ],
    );
}

/// flake-parts modules are not threaded yet: refused, naming the file and
/// what to write instead (never a migrated tree that misses the variant).
#[test]
fn a_read_in_a_flake_parts_module_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("parts")).unwrap();
    std::fs::write(
        dir.path().join("flake.nix"),
        "{\n  outputs = inputs@{ flake-parts, ... }:\n    flake-parts.lib.mkFlake { inherit inputs; } {\n      systems = [ \"x86_64-linux\" ];\n      imports = [ ./parts/home.nix ];\n    };\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("parts/home.nix"),
        "{ config, ... }:\n{\n  flake.modules.homeManager.me = { home.username = builtins.getEnv \"USER\"; };\n}\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("flake.nix:1:1: parts/home.nix reads the environment and is imported by a flake-parts module")
            && err.contains("Move the read into a NixOS or Home Manager module"),
        "{err}"
    );
}

/// Scripts and docs follow the migration: a build command choosing a
/// declared variant through the environment builds its output instead, and
/// the prefix and `--impure` that only served the environment go.
#[test]
fn build_commands_follow_the_migration() {
    let copy = git_copy(&fixture("true-flags"));
    std::fs::write(
        copy.path().join("build.sh"),
        "#!/bin/sh\nWITH_DOCKER=true nixos-rebuild build --flake .#box --impure\nnix build .#nixosConfigurations.box.config.system.build.toplevel\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], copy.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(copy.path().join("build.sh")).unwrap(),
        "#!/bin/sh\nnixos-rebuild build --flake .#box-docker\nnix build .#nixosConfigurations.box.config.system.build.toplevel\n"
    );
    assert!(
        err.contains("note: build.sh: 1 build command(s) now build the variant's output"),
        "{err}"
    );
}

/// A tree that needs `--impure` for more than the environment
/// (`builtins.currentSystem`, an absolute path of this machine) cannot be
/// made pure by migrating its reads: the refusal names each such construct
/// with its file and line and what to write instead.
#[test]
fn a_tree_impure_for_other_reasons_is_refused_with_the_constructs() {
    refused(
        "{\n  outputs = { self }:\n    let\n      system = builtins.currentSystem;\n    in\n    {\n      greeting = \"${builtins.getEnv \"WHO\"} on ${system}\";\n    };\n}\n",
        "param = \"variant\"\n",
        "flake.nix:4:16: `builtins.currentSystem`",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flake.nix"),
        "{\n  outputs = { self }: { greeting = \"${builtins.getEnv \"WHO\"} on ${builtins.currentSystem}\"; };\n}\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("needs --impure for reasons other than the environment")
            && err.contains("write the system (`system = \"x86_64-linux\";`)"),
        "{err}"
    );
}

/// Runs `script` (a path in `dir`) with `sh` and `args`, with a fake
/// `nixos-rebuild` on the PATH that prints its arguments: what it printed
/// and the exit status.
fn run_with_fake_rebuild(dir: &Path, script: &str, args: &[&str]) -> (i32, String, String) {
    let bin = tempfile::tempdir().unwrap();
    let fake = bin.path().join("nixos-rebuild");
    std::fs::write(&fake, "#!/bin/sh\necho \"$@\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A value the script computes (`APP_PORT="$port"`) picks the variant at
/// run time: every variant is `<output>-<value>`, so the command builds
/// `".#web-${port}"`, purely.
#[test]
fn a_computed_variable_builds_the_variant_named_after_its_value() {
    let copy = git_copy(&fixture("port-number"));
    std::fs::write(
        copy.path().join("build.sh"),
        "#!/bin/sh\nport=\"${1:-9000}\"\nAPP_PORT=\"$port\" nixos-rebuild build --flake .#web --impure\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], copy.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(copy.path().join("build.sh")).unwrap(),
        "#!/bin/sh\nport=\"${1:-9000}\"\nnixos-rebuild build --flake \".#web-${port}\"\n"
    );
    let (code, out, err) = run_with_fake_rebuild(copy.path(), "build.sh", &["9000"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "build --flake .#web-9000\n"),
        "{err}"
    );
}

/// When the variants are not named after the value, a `case` on the shell
/// variable picks the output (the seed's build-container.sh pattern), and a
/// value no variant has stops the script instead of building the default.
#[test]
fn a_computed_variable_picks_the_variant_output_with_a_case() {
    let copy = git_copy(&fixture("true-flags"));
    std::fs::write(
        copy.path().join("build.sh"),
        "#!/bin/sh\nset -eu\ndesk=\"${1:-}\"\nWITH_DOCKER=true WITH_DESKTOP=\"$desk\" nixos-rebuild build --flake .#box --impure\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], copy.path());
    assert_eq!(code, 0, "{err}");
    let script = std::fs::read_to_string(copy.path().join("build.sh")).unwrap();
    assert!(
        !script.contains("WITH_DOCKER") && !script.contains("--impure"),
        "{script}"
    );
    assert!(script.contains("case \"$desk\" in\n"), "{script}");
    for (arg, built) in [("true", ".#box-desktop"), ("", ".#box-docker")] {
        let (code, out, err) = run_with_fake_rebuild(copy.path(), "build.sh", &[arg]);
        assert_eq!(
            (code, out.as_str()),
            (0, format!("build --flake {built}\n").as_str()),
            "{arg:?}: {err}\n{script}"
        );
    }
    let (code, out, err) = run_with_fake_rebuild(copy.path(), "build.sh", &["bogus"]);
    assert_eq!((code, out.as_str()), (2, ""), "{script}");
    assert!(err.contains("WITH_DESKTOP=bogus"), "{err}");
}

/// `export NAME=value` lines that only fed rewritten build commands go;
/// an export something else in the script reads stays.
#[test]
fn exports_that_only_fed_the_build_are_removed() {
    let copy = git_copy(&fixture("true-flags"));
    std::fs::write(
        copy.path().join("build.sh"),
        "#!/bin/sh\nexport WITH_DOCKER=true\nnixos-rebuild build --flake .#box --impure\n",
    )
    .unwrap();
    std::fs::write(
        copy.path().join("keep.sh"),
        "#!/bin/sh\nexport WITH_DOCKER=true\necho \"docker: $WITH_DOCKER\"\nnixos-rebuild build --flake .#box --impure\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["migrate", "--write"], copy.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(copy.path().join("build.sh")).unwrap(),
        "#!/bin/sh\nnixos-rebuild build --flake .#box-docker\n"
    );
    assert_eq!(
        std::fs::read_to_string(copy.path().join("keep.sh")).unwrap(),
        "#!/bin/sh\nexport WITH_DOCKER=true\necho \"docker: $WITH_DOCKER\"\nnixos-rebuild build --flake .#box-docker\n"
    );
    let (code, out, err) = run_with_fake_rebuild(copy.path(), "build.sh", &[]);
    assert_eq!(
        (code, out.as_str()),
        (0, "build --flake .#box-docker\n"),
        "{err}"
    );
}

/// Outputs in a `rec` set refer to each other: refused with what to write.
#[test]
fn outputs_in_a_rec_set_are_refused_with_what_to_write() {
    let flake = r#"{
  outputs = { self, nixpkgs }: rec {
    mkHost = name: nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { networking.hostName = builtins.getEnv "HOST_PREFIX" + name; } ];
    };
    nixosConfigurations.box = mkHost "box";
  };
}
"#;
    refused(
        flake,
        "",
        "flake.nix:2:32: the outputs here depend on the environment and are a `rec { ... }` set",
    );
    // The same outputs without `rec`, sharing through the `let`, migrate.
    let plain = r#"{
  outputs = { self, nixpkgs }:
    let
      mkHost = name: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [ { networking.hostName = builtins.getEnv "HOST_PREFIX" + name; } ];
      };
    in
    {
      nixosConfigurations.box = mkHost "box";
    };
}
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flake.nix"), plain).unwrap();
    let (code, _, err) = nixfold(&["migrate"], dir.path());
    assert_eq!(code, 0, "{err}");
}
