//! Real-Nix harness: evaluate a flake attribute with `nix eval`, offline,
//! with every input replaced by the stub flakes in tests/stub-nixpkgs.
//!
//! Flakes must live in a git repository, so [`git_copy`] copies a tree into a
//! fresh temporary repository first. The evaluation environment is cleared
//! except for what Nix itself needs, so variables of the test process (for
//! example NIXOS_PACKAGES) never leak into an evaluation.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// tests/stub-nixpkgs in this repository.
pub fn stub_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stub-nixpkgs")
}

/// The stub flake for a flake input name: nixpkgs (and nixpkgs-*) is the stub
/// nixpkgs itself, other inputs live in tests/stub-nixpkgs/inputs/<name>.
pub fn stub_for_input(name: &str) -> Option<PathBuf> {
    if name == "nixpkgs" || name.starts_with("nixpkgs-") {
        return Some(stub_dir());
    }
    let dir = stub_dir().join("inputs").join(name);
    dir.join("flake.nix").is_file().then_some(dir)
}

/// The direct inputs of a flake, read from its flake.lock.
pub fn locked_inputs(flake_dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(flake_dir.join("flake.lock")) else {
        return Vec::new();
    };
    let lock: Value = serde_json::from_str(&text).expect("flake.lock is JSON");
    let root = lock["root"].as_str().unwrap_or("root");
    lock["nodes"][root]["inputs"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Copies `src` (without `.git` and `result*` links) into a new temporary git
/// repository with everything committed.
pub fn git_copy(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("nixfold-flake-")
        .tempdir()
        .expect("temp dir");
    copy_tree(src, tmp.path());
    git_commit_all(tmp.path());
    tmp
}

/// Copies the listed paths (files or directories, relative to `src`) into a
/// new temporary git repository.
pub fn git_copy_paths(src: &Path, paths: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("nixfold-flake-")
        .tempdir()
        .expect("temp dir");
    for p in paths {
        let from = src.join(p);
        let to = tmp.path().join(p);
        if from.is_dir() {
            copy_tree(&from, &to);
        } else {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        }
    }
    git_commit_all(tmp.path());
    tmp
}

/// Commits everything in `dir`, creating the repository first if needed.
pub fn git_commit_all(dir: &Path) {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=nixfold tests",
                "-c",
                "user.email=tests@nixfold.invalid",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if !dir.join(".git").exists() {
        git(&["init", "-q"]);
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "fixture"]);
}

/// Copies the tree `from` into `to` (without `.git` and `result*` links).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name_s = name.to_string_lossy();
        if name_s == ".git" || name_s.starts_with("result") {
            continue;
        }
        let ty = entry.file_type().unwrap();
        let dest = to.join(&name);
        if ty.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// How to evaluate: environment, purity, an optional `--apply` function and
/// input overrides (by default every input in flake.lock gets its stub).
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    pub env: Vec<(String, String)>,
    pub impure: bool,
    pub apply: Option<String>,
    /// Extra or replacement `--override-input NAME FLAKEREF` pairs.
    pub overrides: BTreeMap<String, String>,
}

impl EvalOptions {
    pub fn new(env: &[(&str, &str)], impure: bool) -> Self {
        EvalOptions {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            impure,
            ..Default::default()
        }
    }

    /// Replace input `name` (e.g. of a flake without flake.lock) by its stub.
    pub fn stub_input(mut self, name: &str) -> Self {
        let stub = stub_for_input(name).unwrap_or_else(|| panic!("no stub for input {name}"));
        self.overrides
            .insert(name.to_string(), format!("path:{}", stub.display()));
        self
    }

    pub fn apply(mut self, f: &str) -> Self {
        self.apply = Some(f.to_string());
        self
    }
}

/// `nix eval --json <dir>#<attr>` with the stub inputs; panics with Nix's
/// message when the evaluation fails.
pub fn eval_flake_attr(dir: &Path, attr: &str, env: &[(&str, &str)], impure: bool) -> Value {
    eval_flake(dir, attr, &EvalOptions::new(env, impure)).unwrap_or_else(|e| panic!("{e}"))
}

/// Like [`eval_flake_attr`] with an `--apply` function.
pub fn eval_flake_attr_apply(
    dir: &Path,
    attr: &str,
    env: &[(&str, &str)],
    impure: bool,
    apply: &str,
) -> Value {
    eval_flake(dir, attr, &EvalOptions::new(env, impure).apply(apply))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The general form: Ok(the JSON value) or Err(Nix's stderr).
pub fn eval_flake(dir: &Path, attr: &str, opts: &EvalOptions) -> Result<Value, String> {
    let mut overrides: BTreeMap<String, String> = BTreeMap::new();
    for input in locked_inputs(dir) {
        match stub_for_input(&input) {
            Some(stub) => {
                overrides.insert(input, format!("path:{}", stub.display()));
            }
            None if opts.overrides.contains_key(&input) => {}
            None => {
                return Err(format!(
                    "flake input `{input}` of {} has no stub in {} (evaluation would need the network)",
                    dir.display(),
                    stub_dir().display()
                ));
            }
        }
    }
    overrides.extend(opts.overrides.clone());

    let mut cmd = Command::new("nix");
    cmd.arg("eval")
        .arg("--json")
        .args(["--option", "eval-cache", "false"])
        .arg(format!("{}#{attr}", dir.display()));
    if opts.impure {
        cmd.arg("--impure");
    }
    if let Some(f) = &opts.apply {
        cmd.args(["--apply", f]);
    }
    for (name, flakeref) in &overrides {
        cmd.args(["--override-input", name, flakeref]);
    }
    cmd.env_clear();
    for key in [
        "PATH",
        "HOME",
        "USER",
        "TMPDIR",
        "NIX_REMOTE",
        "NIX_STORE_DIR",
        "NIX_STATE_DIR",
    ] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    cmd.env(
        "NIX_CONFIG",
        "experimental-features = nix-command flakes\nwarn-dirty = false",
    );
    for (k, v) in &opts.env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|e| format!("cannot run nix: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nix eval {}#{attr} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "nix eval printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A JSON array of strings as a Vec.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("expected strings, got {s}"))
                .to_string()
        })
        .collect()
}
