//! Issue 10, class 5: `init` and `migrate` agree. Over every migrate
//! fixture (and the bundled example): whatever `nixfold init` writes,
//! `nixfold migrate` accepts. A tree migrate takes with no nixfold.toml it
//! also takes with init's proposal, and migrate never rejects init's
//! nixfold.toml itself.

mod common;

use std::path::Path;
use std::process::Command;

use common::nixflake::git_copy;
use common::project::repo;

fn nixfold(args: &[&str], dir: &Path) -> (i32, String) {
    nixfold_env(args, dir, &[])
}

fn nixfold_env(args: &[&str], dir: &Path, env: &[(String, String)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .args(args)
        .arg(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("nixfold runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn trees() -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(repo().join("tests/fixtures/migrate"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out.push(repo().join("examples/unified-nixos"));
    out
}

#[test]
fn whatever_init_writes_migrate_accepts() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for src in trees() {
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        let bare = git_copy(&src);
        let _ = std::fs::remove_file(bare.path().join("nixfold.toml"));
        let (base, _) = nixfold(&["migrate"], bare.path());

        let (code, err) = nixfold(&["init"], bare.path());
        if code != 0 {
            failures.push(format!("{name}: init failed: {err}"));
            continue;
        }
        let (code, err) = nixfold(&["migrate"], bare.path());
        if err.contains("nixfold: nixfold.toml:") {
            failures.push(format!(
                "{name}: migrate rejects init's nixfold.toml: {err}"
            ));
        } else if base == 0 && code != 0 {
            failures.push(format!(
                "{name}: migrate takes the tree alone but not with init's proposal: {err}"
            ));
        }
        // `init --from-env` in a shell that sets every variable the tree
        // reads: migrate accepts that proposal too.
        let env = read_variables(&src);
        let (code, err) = nixfold_env(&["init", "--from-env", "--force"], bare.path(), &env);
        if code != 0 {
            failures.push(format!("{name}: init --from-env failed: {err}"));
            continue;
        }
        let (code, err) = nixfold(&["migrate"], bare.path());
        if err.contains("nixfold: nixfold.toml:") || (base == 0 && code != 0) {
            failures.push(format!(
                "{name}: migrate rejects init --from-env's proposal ({env:?}): {err}"
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 20, "only {checked} trees checked");
}

/// Every `getEnv "NAME"` of the tree's .nix files, with a value: paths for
/// HOME and PWD, `1` for the rest.
fn read_variables(dir: &Path) -> Vec<(String, String)> {
    let mut names = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "nix") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for part in text.split("getEnv \"").skip(1) {
                if let Some(name) = part.split('"').next() {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
        .into_iter()
        .map(|n| {
            let v = match n.as_str() {
                "HOME" => "/home/alice".to_string(),
                "PWD" => dir.display().to_string(),
                _ => "1".to_string(),
            };
            (n, v)
        })
        .collect()
}

/// An output named by the environment with no default
/// (`nixosConfigurations.${hostname}`): proposed variants are named by the
/// value alone, and migrate takes them.
#[test]
fn variants_of_an_output_named_by_the_environment_are_named_by_the_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  outputs = { self, nixpkgs }:
    let hostname = builtins.getEnv "HOSTNAME"; in
    {
      nixosConfigurations.${hostname} = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [ ./hosts/${hostname}/configuration.nix ];
      };
    };
}
"#,
    )
    .unwrap();
    for host in ["desk", "lap"] {
        let d = dir.path().join("hosts").join(host);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("configuration.nix"),
            format!("{{ ... }}: {{ networking.hostName = \"{host}\"; }}\n"),
        )
        .unwrap();
    }
    let env = [("HOSTNAME".to_string(), "desk".to_string())];
    let (code, err) = nixfold_env(&["init", "--from-env"], dir.path(), &env);
    assert_eq!(code, 0, "{err}");
    let toml = std::fs::read_to_string(dir.path().join("nixfold.toml")).unwrap();
    let names: Vec<&str> = toml.lines().filter(|l| l.starts_with("name = ")).collect();
    assert_eq!(names, ["name = \"desk\"", "name = \"lap\""], "{toml}");
    let (code, err) = nixfold(&["migrate"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nixosConfigurations.desk"), "{err}");
}
