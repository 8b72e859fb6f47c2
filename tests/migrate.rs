//! `nixfold migrate` on the bundled example: the committed result, real Nix
//! agreement for every variant, idempotence and all-or-nothing writes.

mod common;

use std::path::Path;

use common::nixflake::{eval_flake_attr_apply, git_copy};
use common::project::{nixfold, repo, tree};

fn copy(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fn go(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let dest = to.join(path.file_name().unwrap());
            if path.is_dir() {
                go(&path, &dest);
            } else {
                std::fs::copy(&path, &dest).unwrap();
            }
        }
    }
    go(src, tmp.path());
    tmp
}

/// examples/unified-nixos migrated in a temporary copy.
fn migrated_example() -> tempfile::TempDir {
    let tmp = copy(&repo().join("examples/unified-nixos"));
    let (code, _, err) = nixfold(&["migrate", "--write"], tmp.path());
    assert_eq!(code, 0, "{err}");
    tmp
}

#[test]
fn migrating_the_example_reproduces_the_committed_pure_tree() {
    let tmp = migrated_example();
    let got = tree(tmp.path());
    let want = tree(&repo().join("examples/unified-nixos-pure"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &want {
        assert!(
            &got[name] == bytes,
            "{name} differs from examples/unified-nixos-pure:\n{}",
            String::from_utf8_lossy(&got[name])
        );
    }
    // Files without reads are untouched (README.md's build commands follow
    // the migration: checked above), and modes are kept.
    let orig = repo().join("examples/unified-nixos");
    for same in ["container-profile.nix", "packages/sesh.nix", "flake.lock"] {
        assert_eq!(
            std::fs::read(orig.join(same)).unwrap(),
            got[same],
            "{same} changed"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(
            mode(&tmp.path().join("build-container.sh")),
            mode(&orig.join("build-container.sh"))
        );
    }
}

#[test]
fn diff_check_and_idempotence() {
    let tmp = copy(&repo().join("examples/unified-nixos"));
    let before = tree(tmp.path());
    let (code, diff, err) = nixfold(&["migrate"], tmp.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        diff.contains("--- a/flake.nix\n+++ b/flake.nix\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+      mkNixosWsl = variant: lib.nixosSystem {"),
        "{diff}"
    );
    assert!(
        diff.contains("-  packageSelection = builtins.getEnv \"NIXOS_PACKAGES\";\n+  packageSelection = variant.NIXOS_PACKAGES;"),
        "{diff}"
    );
    assert_eq!(tree(tmp.path()), before, "printing the diff wrote files");

    let (code, out, _) = nixfold(&["migrate", "--check"], tmp.path());
    assert_eq!(code, 1);
    assert!(out.contains("would migrate flake.nix"), "{out}");

    let (code, _, err) = nixfold(&["migrate", "--write"], tmp.path());
    assert_eq!(code, 0, "{err}");
    let after = tree(tmp.path());
    let (code, _, err) = nixfold(&["migrate", "--check"], tmp.path());
    assert_eq!(code, 0, "the migrated tree must be pure: {err}");
    let (code, diff, _) = nixfold(&["migrate", "--write"], tmp.path());
    assert_eq!(code, 0);
    assert_eq!(diff, "");
    assert_eq!(tree(tmp.path()), after, "a second run changed files");
}

#[test]
fn without_declared_variants_only_the_default_is_generated() {
    let tmp = copy(&repo().join("examples/unified-nixos"));
    std::fs::remove_file(tmp.path().join("nixfold.toml")).unwrap();
    let (code, diff, err) = nixfold(&["migrate"], tmp.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nixfold init"), "{err}");
    assert!(
        diff.contains("+        container = containerImage variants.default;"),
        "{diff}"
    );
    assert!(!diff.contains("container-full"), "{diff}");
}

#[test]
fn a_file_that_does_not_parse_leaves_the_tree_untouched() {
    // A file the flake evaluates (flake.nix imports overlays/packages.nix).
    let tmp = copy(&repo().join("examples/unified-nixos"));
    std::fs::write(tmp.path().join("overlays/packages.nix"), "{ a = ; }\n").unwrap();
    let before = tree(tmp.path());
    let (code, _, err) = nixfold(&["migrate", "--write"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("overlays/packages.nix:1:"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(tree(tmp.path()), before);
}

#[test]
fn param_clash_is_reported() {
    let tmp = copy(&repo().join("examples/unified-nixos"));
    let toml = std::fs::read_to_string(tmp.path().join("nixfold.toml"))
        .unwrap()
        .replace("param = \"variant\"", "param = \"pkgs\"");
    std::fs::write(tmp.path().join("nixfold.toml"), toml).unwrap();
    let (code, _, err) = nixfold(&["migrate"], tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("clashes"), "{err}");

    // Without `param`, a clash picks another name and says so.
    let toml = std::fs::read_to_string(tmp.path().join("nixfold.toml"))
        .unwrap()
        .replace("param = \"pkgs\"\n", "");
    std::fs::write(tmp.path().join("nixfold.toml"), toml).unwrap();
    std::fs::write(
        tmp.path().join("uses-variant.nix"),
        "{ variant ? 1 }: variant\n",
    )
    .unwrap();
    let (code, diff, err) = nixfold(&["migrate"], tmp.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nixfoldVariant"), "{err}");
    assert!(diff.contains("nixfoldVariant.NIXOS_PACKAGES"), "{diff}");
}

// ---- real Nix ----

const IMAGE: &str =
    "i: { names = map (p: p.pname) i.contents; env = i.config.Env; tag = i.imageTag; }";
const SYSTEM: &str = "s: { container = s.config.boot.isContainer; host = s.config.networking.hostName; \
                      docs = s.config.documentation.enable; \
                      groups = s.config.environment.variables.NIXOS_PACKAGE_GROUPS; \
                      packages = map (p: p.pname or p.name) s.config.environment.systemPackages; \
                      hm = map (p: p.pname) s.config.home-manager.users.vpittamp.home.packages; \
                      services = builtins.attrNames s.config.systemd.user.services; }";

fn env_of(vars: &[(&str, &str)]) -> Vec<(&'static str, &'static str)> {
    vars.iter()
        .map(|(k, v)| {
            (
                &*Box::leak(k.to_string().into_boxed_str()),
                &*Box::leak(v.to_string().into_boxed_str()),
            )
        })
        .collect()
}

#[test]
fn every_variant_evaluates_like_the_original_with_its_environment() {
    let original = git_copy(&repo().join("examples/unified-nixos"));
    let pure = git_copy(&repo().join("examples/unified-nixos-pure"));
    let variants: &[(&str, &[(&str, &str)])] = &[
        ("container", &[]),
        (
            "container-essential",
            &[("NIXOS_CONTAINER", "1"), ("NIXOS_PACKAGES", "essential")],
        ),
        (
            "container-kubernetes",
            &[
                ("NIXOS_CONTAINER", "1"),
                ("NIXOS_PACKAGES", "essential,kubernetes"),
            ],
        ),
        (
            "container-development",
            &[
                ("NIXOS_CONTAINER", "1"),
                ("NIXOS_PACKAGES", "essential,development"),
            ],
        ),
        (
            "container-full",
            &[("NIXOS_CONTAINER", "1"), ("NIXOS_PACKAGES", "full")],
        ),
    ];
    let noise = [
        ("NIXOS_CONTAINER", "1"),
        ("NIXOS_PACKAGES", "essential,extras"),
    ];
    let mut seen = Vec::new();
    for (name, env) in variants {
        let env = env_of(env);
        let want = eval_flake_attr_apply(
            original.path(),
            "packages.x86_64-linux.container",
            &env,
            true,
            IMAGE,
        );
        let attr = format!("packages.x86_64-linux.{name}");
        let got = eval_flake_attr_apply(pure.path(), &attr, &[], false, IMAGE);
        assert_eq!(got, want, "{attr} differs from the original under {env:?}");
        // Whatever the environment holds, the pure flake does not change.
        let noisy = eval_flake_attr_apply(pure.path(), &attr, &noise, true, IMAGE);
        assert_eq!(noisy, got, "{attr} depends on the environment");
        seen.push(got);
    }
    // The profiles really differ (the migration did not collapse them); the
    // default and essential images only differ inside the system.
    seen.dedup();
    assert_eq!(seen.len(), variants.len() - 1);

    // The WSL system (default variant).
    let attr = "nixosConfigurations.nixos-wsl";
    let want = eval_flake_attr_apply(original.path(), attr, &[], true, SYSTEM);
    let got = eval_flake_attr_apply(pure.path(), attr, &[], false, SYSTEM);
    assert_eq!(got, want);
    assert_eq!(got["host"], "nixos-wsl");
    assert_eq!(got["container"], false);
    let noisy = eval_flake_attr_apply(pure.path(), attr, &noise, true, SYSTEM);
    assert_eq!(noisy, got);

    // Outputs without variants are unchanged.
    for attr in [
        "packages.x86_64-linux.default",
        "packages.x86_64-linux.claude-manager",
    ] {
        let f = "p: { n = p.pname or p.name; s = p.stubBuilder; }";
        assert_eq!(
            eval_flake_attr_apply(pure.path(), attr, &[], false, f),
            eval_flake_attr_apply(original.path(), attr, &[], true, f),
            "{attr}"
        );
    }
}

// ---- the proof ----

fn plan(dir: &Path, verify: bool) -> nixfold::rewrite::migrate::Migration {
    let (project, config) = common::project::load(dir);
    nixfold::rewrite::migrate::migrate(
        &project,
        &config,
        &nixfold::rewrite::migrate::MigrateOptions { verify, nix: None },
    )
    .unwrap()
}

/// Tamper with one migrated file and run the proof on the result.
fn prove_tampered(file: &str, from: &str, to: &str) -> Result<Vec<String>, String> {
    let dir = repo().join("examples/unified-nixos");
    let (project, config) = common::project::load(&dir);
    let mut m = plan(&dir, false);
    let c = m.changes.iter_mut().find(|c| c.rel == file).unwrap();
    assert!(c.new.contains(from), "{from} not in {file}");
    c.new = c.new.replacen(from, to, 1);
    let analysis = nixfold::analysis::variants::analyse(&project, &config);
    nixfold::rewrite::migrate::verify::prove(&project, &m, &config, &analysis)
        .map_err(|e| e.message)
}

#[test]
fn the_proof_covers_every_variant_and_output() {
    let m = plan(&repo().join("examples/unified-nixos"), true);
    let proof = m.proof.join("\n");
    for line in [
        "nixosConfigurations.nixos-wsl = nixosConfigurations.nixos-wsl with an empty environment",
        "packages.x86_64-linux.container-full = packages.x86_64-linux.container with NIXOS_CONTAINER=1 NIXOS_PACKAGES=full",
        "packages.x86_64-linux.container-kubernetes = packages.x86_64-linux.container with NIXOS_CONTAINER=1 NIXOS_PACKAGES=essential,kubernetes",
    ] {
        assert!(proof.contains(line), "{proof}");
    }
}

#[test]
fn the_proof_refuses_a_wrong_variant_wiring() {
    let err = prove_tampered(
        "flake.nix",
        "container-full = containerImage variants.container-full;",
        "container-full = containerImage variants.container-essential;",
    )
    .unwrap_err();
    assert!(err.contains("variant `container-full`"), "{err}");
    assert!(
        err.contains("packages.x86_64-linux.container-full"),
        "{err}"
    );
}

#[test]
fn the_proof_looks_inside_modules() {
    // A flipped test inside a NixOS module changes only the system's config.
    let err = prove_tampered(
        "configuration-base.nix",
        "documentation.enable = !isContainer;",
        "documentation.enable = isContainer;",
    )
    .unwrap_err();
    assert!(err.contains("configuration-base.nix"), "{err}");
    assert!(err.contains("documentation"), "{err}");
    // And inside a plain file called with `inherit variant;`.
    let err = prove_tampered(
        "overlays/packages.nix",
        "packageSelection = variant.NIXOS_PACKAGES;",
        "packageSelection = \"full\";",
    )
    .unwrap_err();
    assert!(err.contains("refusing to migrate"), "{err}");
}
