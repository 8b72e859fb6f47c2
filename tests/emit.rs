//! `nixfold emit` on the bundled example (migrated first) and on two fixtures
//! of other shapes (tests/fixtures/emit: a flake-utils per-system flake with
//! its own checks, a flake with a NixOS configuration per host): golden files
//! for every generated artifact, the workflow and devcontainers parsed,
//! idempotence, refusal on an unmigrated tree, the build script run against
//! fake `nix` and `docker`, and real Nix evaluating the generated outputs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::nixflake::{
    EvalOptions, copy_tree, eval_flake, git_copy, locked_inputs, stub_for_input,
};
use common::project::repo;
use serde_json::Value;

fn nixfold(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .args(args)
        .arg(dir)
        .output()
        .expect("nixfold runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file below `dir` (relative path → bytes), without `.git`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn go(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                go(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    go(dir, dir, &mut out);
    out
}

/// The trees emit is tested on: name and source directory.
fn fixtures() -> Vec<(&'static str, PathBuf)> {
    vec![
        ("unified-nixos", repo().join("examples/unified-nixos")),
        (
            "each-system",
            repo().join("tests/fixtures/emit/each-system"),
        ),
        ("hosts", repo().join("tests/fixtures/emit/hosts")),
    ]
}

/// A copy of `src`, migrated (a no-op on a pure tree); and the same after
/// `nixfold emit --write`, with the files emit wrote.
struct Emitted {
    dir: tempfile::TempDir,
    artifacts: BTreeMap<String, String>,
}

fn emitted(src: &Path) -> Emitted {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(src, dir.path());
    let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
    assert_eq!(code, 0, "migrate failed: {err}");
    let before = tree(dir.path());
    let (code, _, err) = nixfold(&["emit", "--write"], dir.path());
    assert_eq!(code, 0, "emit failed: {err}");
    let after = tree(dir.path());
    let artifacts = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), String::from_utf8(v.clone()).unwrap()))
        .collect();
    assert!(
        before.keys().all(|k| after.contains_key(k)),
        "emit removed files"
    );
    Emitted { dir, artifacts }
}

/// `nixfold variants --format json`'s build matrix.
fn builds(dir: &Path) -> Vec<Value> {
    let (code, out, err) = nixfold(&["variants", "--format", "json"], dir);
    assert_eq!(code, 0, "variants failed: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["builds"].as_array().unwrap().clone()
}

#[test]
fn golden_files_for_every_artifact() {
    for (name, src) in fixtures() {
        let e = emitted(&src);
        let files: Vec<&String> = e.artifacts.keys().collect();
        insta::assert_debug_snapshot!(format!("{name}__files"), files);
        for (rel, text) in &e.artifacts {
            let snap = format!("{name}__{}", rel.replace(['/', '.'], "_"));
            insta::assert_snapshot!(snap, text);
        }
    }
}

#[test]
fn the_example_gives_every_system_of_the_seed() {
    let e = emitted(&repo().join("examples/unified-nixos"));
    let b = builds(e.dir.path());
    let kinds: BTreeSet<(String, String)> = b
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (n, k) in [
        ("nixos-wsl", "nixos"),
        ("container-essential", "image"),
        ("container-kubernetes", "image"),
        ("container-development", "image"),
        ("container-full", "image"),
        ("vpittamp", "home"),
    ] {
        assert!(kinds.contains(&(n.into(), k.into())), "{n} {k}: {kinds:?}");
    }
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    for v in [
        "container-essential",
        "container-kubernetes",
        "container-development",
        "container-full",
    ] {
        assert!(
            e.artifacts
                .contains_key(&format!(".devcontainer/{v}/devcontainer.json")),
            "{v}: {:?}",
            e.artifacts.keys()
        );
    }
    let script = &e.artifacts["build-variants.sh"];
    assert!(!script.contains("NIXOS_"), "the script sets no variable");
    assert!(script.contains("docker load < \"result-$variant\""));
}

#[test]
fn workflow_reads_its_matrix_from_the_flake() {
    for (name, src) in fixtures() {
        let e = emitted(&src);
        let text = &e.artifacts[".github/workflows/nixfold-variants.yml"];
        assert!(text.starts_with("# Generated by `nixfold emit`"), "{name}");
        let y: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let jobs = &y["jobs"];
        let steps = jobs["matrix"]["steps"].as_sequence().unwrap();
        let run = steps
            .iter()
            .find_map(|s| s["run"].as_str().filter(|r| r.contains("nix eval")))
            .expect("a step evaluates the matrix");
        assert!(
            run.contains("nix eval --json .#githubActions.matrix")
                && run.contains("$GITHUB_OUTPUT"),
            "{run}"
        );
        assert_eq!(
            jobs["matrix"]["outputs"]["matrix"].as_str(),
            Some("${{ steps.matrix.outputs.matrix }}")
        );
        let build = &jobs["build"];
        assert_eq!(build["needs"].as_str(), Some("matrix"));
        assert_eq!(build["runs-on"].as_str(), Some("${{ matrix.os }}"));
        assert_eq!(
            build["strategy"]["matrix"].as_str(),
            Some("${{ fromJSON(needs.matrix.outputs.matrix) }}")
        );
        let builds_attr = build["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .any(|r| r.contains("nix build") && r.contains("${{ matrix.attr }}"));
        assert!(builds_attr, "{name}: the build job builds matrix.attr");
        assert!(y.get("on").is_some(), "{name}: triggers");
    }
}

#[test]
fn devcontainers_follow_the_seed_and_name_an_image_variant() {
    for (name, src) in fixtures() {
        let e = emitted(&src);
        let b = builds(e.dir.path());
        let images: BTreeMap<String, String> = b
            .iter()
            .filter(|x| x["kind"].as_str().unwrap().starts_with("image"))
            .map(|x| {
                (
                    x["output"].as_str().unwrap().to_string(),
                    x["image"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let dcs: Vec<(&String, &String)> = e
            .artifacts
            .iter()
            .filter(|(k, _)| k.ends_with("devcontainer.json"))
            .collect();
        assert!(!dcs.is_empty(), "{name}: no devcontainer");
        for (rel, text) in dcs {
            let j: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!(j["workspaceFolder"], "/workspace", "{rel}");
            assert!(
                j["mounts"][0]
                    .as_str()
                    .unwrap()
                    .contains("target=/workspace"),
                "{rel}"
            );
            let ext = j["customizations"]["vscode"]["extensions"]
                .as_array()
                .unwrap();
            assert_eq!(ext[0], "jnoortheen.nix-ide", "{rel}");
            let output = j["customizations"]["nixfold"]["output"].as_str().unwrap();
            assert_eq!(
                images.get(output).map(String::as_str),
                j["image"].as_str(),
                "{rel}: {output} is an image variant with that image"
            );
            assert!(j["remoteUser"].is_string(), "{rel}");
        }
    }
    // The hosts fixture configures extensions and the user.
    let e = emitted(&repo().join("tests/fixtures/emit/hosts"));
    let j: Value = serde_json::from_str(&e.artifacts[".devcontainer/devcontainer.json"]).unwrap();
    assert_eq!(
        j["customizations"]["vscode"]["extensions"],
        serde_json::json!(["jnoortheen.nix-ide", "ms-python.python"])
    );
    assert_eq!(j["remoteUser"], "dev");
    assert_eq!(j["image"], "registry.example.com/team/tools:v1");
}

#[test]
fn emit_is_idempotent_and_keeps_existing_devcontainers() {
    for (name, src) in fixtures() {
        let e = emitted(&src);
        let dir = e.dir.path();
        let before = tree(dir);
        let (code, out, err) = nixfold(&["emit", "--check"], dir);
        assert_eq!(code, 0, "{name}: {out}{err}");
        let (code, out, _) = nixfold(&["emit"], dir);
        assert_eq!((code, out.as_str()), (0, ""), "{name}: nothing to print");
        let (code, _, err) = nixfold(&["emit", "--write"], dir);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(tree(dir), before, "{name}: a second emit changes nothing");
        let flake = String::from_utf8(before["flake.nix"].clone()).unwrap();
        assert_eq!(flake.matches("import ./nixfold-outputs.nix").count(), 1);
        // The matrix is the same before and after the wiring.
        assert!(!builds(dir).is_empty(), "{name}");
    }
    // An edited devcontainer.json stays unless --force.
    let e = emitted(&repo().join("tests/fixtures/emit/hosts"));
    let dc = e.dir.path().join(".devcontainer/devcontainer.json");
    std::fs::write(&dc, "{ \"image\": \"mine\" }\n").unwrap();
    let (code, out, err) = nixfold(&["emit", "--write"], e.dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("keeping .devcontainer/devcontainer.json"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&dc).unwrap(),
        "{ \"image\": \"mine\" }\n"
    );
    let (code, _, err) = nixfold(&["emit", "--write", "--force"], e.dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&dc).unwrap(),
        e.artifacts[".devcontainer/devcontainer.json"]
    );
}

#[test]
fn an_unmigrated_tree_is_refused() {
    for src in [
        repo().join("examples/unified-nixos"),
        repo().join("tests/fixtures/emit/each-system"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&src, dir.path());
        let before = tree(dir.path());
        for args in [
            &["emit", "--write"][..],
            &["emit"][..],
            &["emit", "--check"][..],
        ] {
            let (code, out, err) = nixfold(args, dir.path());
            assert_eq!(code, 1, "{args:?}: {out}{err}");
            assert!(err.contains("run `nixfold migrate --write` first"), "{err}");
            assert!(out.is_empty(), "{out}");
        }
        let (_, _, err) = nixfold(&["emit"], dir.path());
        assert!(
            err.contains("flake.nix:") || err.contains("configuration.nix:"),
            "{err}"
        );
        assert_eq!(tree(dir.path()), before, "nothing written");
    }
    // The example names each read with its line.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("examples/unified-nixos"), dir.path());
    let (_, _, err) = nixfold(&["emit"], dir.path());
    assert!(
        err.contains("configuration.nix:9:") && err.contains("NIXOS_CONTAINER"),
        "{err}"
    );
}

#[test]
fn bad_input_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flake.nix"), "{ outputs = { self }: { ;\n").unwrap();
    let (code, _, err) = nixfold(&["emit", "--write"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("flake.nix:1:"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("default.nix"), "{ }\n").unwrap();
    let (code, _, err) = nixfold(&["emit"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no flake.nix"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("tests/fixtures/emit/hosts"), dir.path());
    std::fs::write(
        dir.path().join("nixfold.toml"),
        "[emit]\nworkflows = true\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["emit"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("nixfold.toml:2:1") && err.contains("workflows"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("nixfold.toml"),
        "[emit]\noutputs = [\"packages.x86_64-linux.tols\"]\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["emit"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("packages.x86_64-linux.tols"), "{err}");
    assert!(!dir.path().join("nixfold-outputs.nix").exists());
}

#[test]
fn emit_options_turn_artifacts_off() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("tests/fixtures/emit/hosts"), dir.path());
    std::fs::write(
        dir.path().join("nixfold.toml"),
        "[emit]\nworkflow = false\ndevcontainers = false\nbuild-script = false\nhydra-jobs = false\nhome = false\nexclude = [\"rpi\"]\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["emit", "--write"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(!dir.path().join(".github").exists());
    assert!(!dir.path().join(".devcontainer").exists());
    assert!(!dir.path().join("build-variants.sh").exists());
    let nix = std::fs::read_to_string(dir.path().join("nixfold-outputs.nix")).unwrap();
    assert!(nix.contains("checks = merge"), "{nix}");
    assert!(
        !nix.contains("hydraJobs") && !nix.contains("githubActions"),
        "{nix}"
    );
    assert!(!nix.contains("rpi") && !nix.contains("bob"), "{nix}");
    assert!(nix.contains("laptop"), "{nix}");
}

#[test]
fn the_build_script_builds_and_loads_with_fake_tools() {
    let e = emitted(&repo().join("examples/unified-nixos"));
    let dir = e.dir.path();
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("log");
    let fake = |name: &str, body: &str| {
        let p = bin.path().join(name);
        std::fs::write(
            &p,
            format!(
                "#!/usr/bin/env bash\necho \"{name} $*\" >> {}\n{body}\n",
                log.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    fake("nix", "touch \"${@: -1}\"");
    fake(
        "docker",
        "if [ \"$1\" = load ]; then cat > /dev/null; echo 'Loaded image: nixos-system:latest'; fi",
    );
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        Command::new("bash")
            .arg(dir.join("build-variants.sh"))
            .args(args)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let out = run(&["container-full"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged,
        "nix build .#packages.x86_64-linux.container-full --out-link result-container-full\n\
         docker load\n\
         docker tag nixos-system:latest nixos-system:container-full\n"
    );
    std::fs::remove_file(&log).unwrap();
    let out = run(&["--no-load"]);
    assert!(out.status.success());
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(logged.lines().count(), 4, "{logged}");
    assert!(
        logged
            .lines()
            .all(|l| l.starts_with("nix build .#packages.x86_64-linux.container-"))
    );
    let out = run(&["container-tiny"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown variant container-tiny"));
}

// ------------------------------------------------------------ real Nix

fn nix_available() -> bool {
    Command::new("nix")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Stub overrides for the inputs of a flake without flake.lock.
fn options(dir: &Path) -> EvalOptions {
    let mut o = EvalOptions::default();
    if locked_inputs(dir).is_empty() {
        let text = std::fs::read_to_string(dir.join("flake.nix")).unwrap();
        for input in ["nixpkgs", "home-manager", "flake-utils"] {
            if text.contains(&format!("{input}.url")) || text.contains(&format!("{input} = {{")) {
                o = o.stub_input(input);
            }
        }
    }
    o
}

fn eval(dir: &Path, attr: &str, apply: Option<&str>) -> Value {
    let mut o = options(dir);
    if let Some(f) = apply {
        o = o.apply(f);
    }
    eval_flake(dir, attr, &o).unwrap_or_else(|e| panic!("{e}"))
}

/// `nix flake show --json` with the stub inputs.
fn flake_show(dir: &Path) -> Value {
    let mut cmd = Command::new("nix");
    cmd.args(["flake", "show", "--json", "--option", "eval-cache", "false"])
        .arg(dir);
    for input in locked_inputs(dir) {
        let stub = stub_for_input(&input).expect("a stub");
        cmd.args([
            "--override-input",
            &input,
            &format!("path:{}", stub.display()),
        ]);
    }
    for (name, flakeref) in &options(dir).overrides {
        cmd.args(["--override-input", name, flakeref]);
    }
    cmd.env(
        "NIX_CONFIG",
        "experimental-features = nix-command flakes\nwarn-dirty = false",
    );
    let out = cmd.output().expect("nix runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn real_nix_evaluates_every_generated_output() {
    if !nix_available() {
        eprintln!("skipped: nix is not installed");
        return;
    }
    for (name, src) in fixtures() {
        let e = emitted(&src);
        let b = builds(e.dir.path());
        let repo_copy = git_copy(e.dir.path());
        let dir = repo_copy.path();

        // The matrix: one entry per variant and system, the checks of the model.
        let matrix = eval(dir, "githubActions.matrix", None);
        let include = matrix["include"].as_array().unwrap();
        let attrs: BTreeSet<String> = include
            .iter()
            .map(|m| m["attr"].as_str().unwrap().to_string())
            .collect();
        let expected: BTreeSet<String> = b
            .iter()
            .map(|x| x["check"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(include.len(), b.len(), "{name}: {matrix}");
        assert_eq!(attrs, expected, "{name}");
        assert!(include.iter().all(|m| m["os"].is_string()), "{name}");

        // Every check's drvPath evaluates.
        let drvs = eval(
            dir,
            "checks",
            Some("cs: builtins.mapAttrs (s: builtins.mapAttrs (n: d: d.drvPath)) cs"),
        );
        for x in &b {
            let (s, n) = (x["system"].as_str().unwrap(), x["name"].as_str().unwrap());
            let p = drvs[s][n]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no checks.{s}.{n}"));
            assert!(p.starts_with("/nix/store/") && p.ends_with(".drv"), "{p}");
        }
        // hydraJobs.<variant>.<system>
        let jobs = eval(
            dir,
            "hydraJobs",
            Some("js: builtins.mapAttrs (n: v: builtins.mapAttrs (s: d: d.drvPath) v) js"),
        );
        for x in &b {
            let (s, n) = (x["system"].as_str().unwrap(), x["name"].as_str().unwrap());
            assert_eq!(jobs[n][s], drvs[s][n], "{name}: hydraJobs.{n}.{s}");
        }
        // Every devcontainer names an image output that exists.
        for (rel, text) in e
            .artifacts
            .iter()
            .filter(|(k, _)| k.ends_with("devcontainer.json"))
        {
            let j: Value = serde_json::from_str(text).unwrap();
            let output = j["customizations"]["nixfold"]["output"].as_str().unwrap();
            let img = eval(
                dir,
                output,
                Some("i: { name = i.imageName; tag = i.imageTag; type = i.type; }"),
            );
            assert_eq!(img["type"], "derivation", "{rel}");
            let image = j["image"].as_str().unwrap();
            let own = format!(
                "{}:{}",
                img["name"].as_str().unwrap(),
                img["tag"].as_str().unwrap()
            );
            assert!(
                image == own || image.starts_with(&format!("{}:", img["name"].as_str().unwrap())),
                "{rel}: {image} vs {own}"
            );
        }
        // The flake's own outputs are still there (checks merged, not replaced).
        let show = flake_show(dir);
        for x in &b {
            let out = x["output"].as_str().unwrap();
            let (parent, last) = out.rsplit_once('.').unwrap();
            let category = out.split('.').next().unwrap();
            assert!(
                !show[category].is_null(),
                "{name}: flake show lacks {category}"
            );
            let names = eval(dir, parent, Some("builtins.attrNames"));
            assert!(
                names.as_array().unwrap().iter().any(|n| n == last),
                "{name}: {parent} lacks {last}: {names}"
            );
        }
        for key in ["checks", "hydraJobs", "githubActions"] {
            assert!(!show[key].is_null(), "{name}: {key}");
        }
    }
    // each-system keeps its own per-system check next to the variants.
    let e = emitted(&repo().join("tests/fixtures/emit/each-system"));
    let repo_copy = git_copy(e.dir.path());
    let names = eval(
        repo_copy.path(),
        "checks.x86_64-linux",
        Some("builtins.attrNames"),
    );
    assert_eq!(names, serde_json::json!(["format", "full", "image-full"]));
}

#[test]
fn files_nixfold_did_not_write_are_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("tests/fixtures/emit/hosts"), dir.path());
    std::fs::write(
        dir.path().join("build-variants.sh"),
        "#!/bin/sh\necho mine\n",
    )
    .unwrap();
    let before = tree(dir.path());
    let (code, _, err) = nixfold(&["emit", "--write"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("build-variants.sh: exists and was not generated by nixfold"),
        "{err}"
    );
    assert_eq!(tree(dir.path()), before);
    let (code, _, err) = nixfold(&["emit", "--write", "--force"], dir.path());
    assert_eq!(code, 0, "{err}");
    let script = std::fs::read_to_string(dir.path().join("build-variants.sh")).unwrap();
    assert!(script.contains("Generated by `nixfold emit`"));
}

#[test]
fn the_generated_nix_is_lint_clean() {
    // emit adds no finding to what `check` reports (lines aside).
    let findings = |dir: &Path| -> Vec<(String, String, String)> {
        let (_, out, err) = nixfold(&["check", "--format", "json"], dir);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        let mut f: Vec<(String, String, String)> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let file = d["file"].as_str().unwrap();
                let rel = Path::new(file)
                    .strip_prefix(dir)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| file.to_string());
                (
                    rel,
                    d["name"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        f.sort();
        f
    };
    for (name, src) in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&src, dir.path());
        let (code, _, err) = nixfold(&["migrate", "--write"], dir.path());
        assert_eq!(code, 0, "{err}");
        let before = findings(dir.path());
        let (code, _, err) = nixfold(&["emit", "--write"], dir.path());
        assert_eq!(code, 0, "{err}");
        let after = findings(dir.path());
        assert!(
            after.iter().all(|f| before.contains(f)),
            "{name}: new findings: {after:?} (before: {before:?})"
        );
    }
}

#[test]
fn a_declared_variant_without_its_output_needs_migrate() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("tests/fixtures/emit/hosts"), dir.path());
    std::fs::write(
        dir.path().join("nixfold.toml"),
        "[[variants]]\noutput = \"packages.x86_64-linux.tools\"\nname = \"tools-big\"\nenv = { BIG = \"1\" }\n",
    )
    .unwrap();
    let (code, _, err) = nixfold(&["emit", "--write"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("variant `tools-big`")
            && err.contains("packages.x86_64-linux.tools-big")
            && err.contains("nixfold migrate"),
        "{err}"
    );
    assert!(!dir.path().join("nixfold-outputs.nix").exists());
}

#[test]
fn every_fixture_tree_gets_an_answer_not_a_crash() {
    let mut dirs = Vec::new();
    for group in ["variants", "migrate", "reach", "emit"] {
        dirs.extend(common::project::fixture_dirs(group));
    }
    for rule in common::project::fixture_dirs("rules") {
        for entry in std::fs::read_dir(&rule).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
    assert!(dirs.len() > 20);
    for dir in dirs {
        let (code, _, err) = nixfold(&["emit"], &dir);
        assert!(
            (0..=2).contains(&code) && !err.contains("internal error"),
            "{}: {code} {err}",
            dir.display()
        );
        if code != 0 {
            assert!(
                err.contains("nothing was emitted"),
                "{}: {err}",
                dir.display()
            );
        }
    }
}
