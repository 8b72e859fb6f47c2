//! The proof by real Nix (`nixfold migrate --verify nix`): for every variant
//! and every output the migration touches, the original flake is evaluated
//! with `nix eval --impure` under the variant's environment and the migrated
//! flake purely, and what they produce is compared.
//!
//! What is compared is a fingerprint of the output, computed by Nix itself
//! (see [`FINGERPRINT`]): a derivation is its `drvPath`, a NixOS or
//! nix-darwin configuration the `drvPath` of `config.system.build.toplevel`,
//! a Home Manager configuration that of `activationPackage`; attribute sets
//! and lists are compared element by element (to a bounded depth), functions
//! are opaque and path values are compared by name only (the two trees live
//! in different directories). Equal `drvPath`s are the strongest proof
//! there is: the same derivation, down to every dependency.
//!
//! Both trees are copies in a temporary directory, evaluated as `path:`
//! flakes, so Nix never writes to the user's tree (not even flake.lock).
//! Running Nix is this module's only side effect; it prints nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use super::verify::{FAILS_TOO, TempDir, Trees, copy_tree, output_pairs};
use super::{MigrateError, Migration};
use crate::analysis::variants::VariantAnalysis;
use crate::config::Config;
use crate::project::Project;

/// How to run Nix for the proof.
#[derive(Debug, Clone)]
pub struct NixProof {
    /// The `nix` executable.
    pub nix: OsString,
    /// `--override-input NAME FLAKEREF` pairs, passed to every evaluation.
    pub overrides: Vec<(String, String)>,
}

impl Default for NixProof {
    fn default() -> Self {
        NixProof {
            nix: OsString::from("nix"),
            overrides: Vec::new(),
        }
    }
}

/// The `--apply` function: what of an output is compared.
pub const FINGERPRINT: &str = r#"let
  depth = 8;
  fp = d: v:
    let t = builtins.typeOf v; in
    if t == "set" then
      if (v.type or null) == "derivation" then { drvPath = v.drvPath; }
      else if v ? config.system.build.toplevel then
        { toplevel = v.config.system.build.toplevel.drvPath; }
      else if v ? activationPackage then
        { activationPackage = v.activationPackage.drvPath; }
      else if d >= depth then "<attribute set, not compared>"
      else builtins.mapAttrs (_: fp (d + 1)) v
    else if t == "list" then
      (if d >= depth then "<list, not compared>" else map (fp (d + 1)) v)
    else if t == "lambda" then "<function>"
    else if t == "path" then "<path ${baseNameOf v}>"
    else v;
in fp 0"#;

/// One `nix eval`: the JSON fingerprint, or Nix's message.
type Outcome = Result<String, String>;

/// Compare every variant with Nix; returns one line per comparison made.
pub fn prove(
    project: &Project,
    m: &Migration,
    config: &Config,
    analysis: &VariantAnalysis,
    how: &NixProof,
) -> Result<Vec<String>, MigrateError> {
    match Command::new(&how.nix).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Err(MigrateError::new(format!(
                "--verify nix: `{} --version` failed: {}",
                how.nix.to_string_lossy(),
                last_lines(&String::from_utf8_lossy(&o.stderr))
            )));
        }
        Err(e) => {
            return Err(MigrateError::new(format!(
                "--verify nix needs Nix: cannot run `{}`: {e} (install Nix, or verify with \
                 nixfold's own evaluator: drop `--verify nix`)",
                how.nix.to_string_lossy()
            )));
        }
    }
    let trees = Trees::new(project, m)?;
    // Nix evaluates copies: a copy of the original (hard links, except for
    // the lock file, which Nix might rewrite) and the migrated tree.
    let orig = TempDir::new()
        .map_err(|e| MigrateError::new(format!("cannot create a temporary directory: {e}")))?;
    copy_tree(&trees.orig_root, &orig.0, 0)
        .map_err(|e| MigrateError::new(format!("cannot copy the tree for the proof: {e}")))?;
    let dir_o = orig.0.join(&trees.entry_rel);
    let dir_m = trees.new_root.join(&trees.entry_rel);
    for dir in [&dir_o, &dir_m] {
        unshare(&dir.join("flake.lock"))?;
    }
    // Every variable some variant sets: set or unset per variant, the rest
    // of the environment as the user has it.
    let vars: BTreeSet<&String> = m.variants.iter().flat_map(|(_, env)| env.keys()).collect();

    let mut lines = Vec::new();
    let mut evaluated = 0usize;
    let mut failures: Vec<String> = Vec::new();
    for (name, env) in &m.variants {
        for (ao, am) in output_pairs(m, config, analysis, name) {
            let shown_o = crate::analysis::variants::outputs::dotted(&ao);
            let shown_m = crate::analysis::variants::outputs::dotted(&am);
            let env_text = env_text(env);
            let got_o = eval(how, &dir_o, &ao, Some((env, &vars)))?;
            let got_m = eval(how, &dir_m, &am, None)?;
            match (got_o, got_m) {
                (Ok(o), Ok(n)) if o == n => {
                    evaluated += 1;
                    lines.push(format!(
                        "nix: {shown_m} = {shown_o} with {env_text} ({})",
                        summary(&o)
                    ));
                }
                (Ok(o), Ok(n)) => {
                    return Err(MigrateError::new(format!(
                        "refusing to migrate: variant `{name}`: Nix evaluates {shown_m} \
                         (migrated) to something else than {shown_o} (original, with \
                         {env_text}):\n  original: {}\n  migrated: {}\n(outputs that copy the \
                         flake's own source, `self` or `./.`, differ by construction; \
                         `--verify nixfold` compares without Nix)",
                        clip(&o),
                        clip(&n)
                    )));
                }
                (Ok(_), Err(e)) => {
                    return Err(MigrateError::new(format!(
                        "refusing to migrate: variant `{name}`: Nix evaluates {shown_o} \
                         (original, with {env_text}) but not {shown_m} (migrated):\n{}",
                        indent(&e)
                    )));
                }
                (Err(e), Ok(_)) => {
                    return Err(MigrateError::new(format!(
                        "refusing to migrate: variant `{name}`: {shown_o} fails in the original \
                         (with {env_text}) but {shown_m} (migrated) evaluates; the migration \
                         must not invent behaviour:\n{}",
                        indent(&e)
                    )));
                }
                (Err(eo), Err(_)) => {
                    failures.push(eo.clone());
                    lines.push(format!(
                        "{FAILS_TOO}variant `{name}`: Nix fails on {shown_o} in the original too \
                         (with {env_text}): {}",
                        first_error(&eo)
                    ));
                }
            }
        }
    }
    if let (0, Some(e)) = (evaluated, failures.first()) {
        return Err(MigrateError::new(format!(
            "--verify nix: Nix could evaluate no output of the original flake (are its \
             inputs reachable? `--override-input NAME FLAKEREF` replaces one):\n{}",
            indent(e)
        )));
    }
    Ok(lines)
}

/// Replace a hard link by a copy of its own, so that writing it cannot
/// reach the original.
fn unshare(path: &Path) -> Result<(), MigrateError> {
    if !path.is_file() {
        return Ok(());
    }
    let text = std::fs::read(path).map_err(|e| MigrateError::new(e.to_string()))?;
    std::fs::remove_file(path).map_err(|e| MigrateError::new(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| MigrateError::new(e.to_string()))
}

/// Evaluate the fingerprint of `attr` of the flake in `dir`: impurely under
/// `env` (with every variable of `vars` it does not set removed), or purely.
/// The outer error is a fragment Nix cannot take.
fn eval(
    how: &NixProof,
    dir: &Path,
    attr: &[String],
    env: Option<(&BTreeMap<String, String>, &BTreeSet<&String>)>,
) -> Result<Outcome, MigrateError> {
    let fragment = fragment(attr)?;
    let mut cmd = Command::new(&how.nix);
    cmd.args(["--extra-experimental-features", "nix-command flakes"])
        .arg("eval")
        .arg("--json")
        .args(["--option", "eval-cache", "false"])
        .arg("--no-write-lock-file")
        .arg(format!("path:{}#{fragment}", dir.display()))
        .args(["--apply", FINGERPRINT]);
    for (name, flakeref) in &how.overrides {
        cmd.args(["--override-input", name, flakeref]);
    }
    if let Some((env, vars)) = env {
        cmd.arg("--impure");
        for v in vars {
            match env.get(*v) {
                Some(value) if !value.is_empty() => cmd.env(v, value),
                _ => cmd.env_remove(v),
            };
        }
    }
    let out = cmd.output().map_err(|e| {
        MigrateError::new(format!(
            "--verify nix: cannot run `{}`: {e}",
            how.nix.to_string_lossy()
        ))
    })?;
    if out.status.success() {
        Ok(Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}

/// `attr` as a flake fragment: names that are not plain identifiers quoted,
/// everything outside `[A-Za-z0-9._-]` percent-encoded.
fn fragment(attr: &[String]) -> Result<String, MigrateError> {
    let mut out = Vec::new();
    for name in attr {
        if name.contains('"') {
            return Err(MigrateError::new(format!(
                "--verify nix: the output name `{name}` cannot be named in a flake reference"
            )));
        }
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'\'');
        let mut s = String::new();
        if !plain {
            s.push_str("%22");
        }
        for b in name.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
                s.push(b as char);
            } else {
                s.push_str(&format!("%{b:02X}"));
            }
        }
        if !plain {
            s.push_str("%22");
        }
        out.push(s);
    }
    Ok(out.join("."))
}

fn env_text(env: &BTreeMap<String, String>) -> String {
    let set: Vec<String> = env
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if set.is_empty() {
        "an empty environment".to_string()
    } else {
        set.join(" ")
    }
}

/// What an equal fingerprint was: the `drvPath`s in it, or its size.
fn summary(json: &str) -> String {
    let paths: Vec<&str> = json
        .split('"')
        .filter(|s| s.starts_with('/') && s.ends_with(".drv"))
        .collect();
    match paths.as_slice() {
        [] => format!("equal values, {} bytes of JSON", json.len()),
        [one] => format!("drvPath {one}"),
        many => format!("{} equal drvPaths", many.len()),
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 600;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The line of Nix's message that says what went wrong.
fn first_error(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_string())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| last_lines(stderr))
}

fn last_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines.len().saturating_sub(6);
    lines[start..].join("\n")
}

fn indent(s: &str) -> String {
    last_lines(s)
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_quote_what_is_not_an_identifier() {
        let f = |v: &[&str]| fragment(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            f(&["packages", "x86_64-linux", "container-full"]).unwrap(),
            "packages.x86_64-linux.container-full"
        );
        assert_eq!(f(&["a", "b.c"]).unwrap(), "a.%22b.c%22");
        assert_eq!(f(&["a", "d e"]).unwrap(), "a.%22d%20e%22");
        assert!(f(&["a\"b"]).is_err());
    }

    #[test]
    fn summaries_name_the_derivations() {
        assert_eq!(
            summary(r#"{"toplevel":"/nix/store/abc-nixos-system.drv"}"#),
            "drvPath /nix/store/abc-nixos-system.drv"
        );
        assert_eq!(summary("42"), "equal values, 2 bytes of JSON");
    }
}
