//! nixpkgs' `lib` for symbolic evaluation: the embedded prelude (lib.nix), or
//! the real lib of a locked nixpkgs found in the local store.
//!
//! `lib.nix` is plain Nix and takes no arguments: evaluating [`LIB_SOURCE`]
//! gives the lib attribute set, with real Nix as with nixfold
//! (tests/lib_prelude.rs compares them).
//!
//! How lib is chosen (see [`LibConfig`], used by the analysis commands and
//! `nixfold eval --lib`): when the flake next to the analysed tree has a
//! flake.lock locking a nixpkgs input whose source is in /nix/store (its
//! store path computed from the locked `narHash`), `<source>/lib` is
//! evaluated by nixfold and used; otherwise, or when that fails to evaluate,
//! the prelude is used. The evaluator builds the chosen lib once, lazily, and
//! hands it out where lib would otherwise be unknown (see
//! [`crate::eval::Evaluator::default_lib`]).

use std::path::{Path, PathBuf};

use crate::syntax::{AstNode, SyntaxKind, ast};

/// The source of the prelude (src/eval/prelude/lib.nix).
pub const LIB_SOURCE: &str = include_str!("lib.nix");

/// A file name to report positions in the prelude with.
pub const LIB_FILE_NAME: &str = "<nixfold-prelude/lib.nix>";

/// The namespaces of the prelude whose missing attributes evaluate to
/// unknowns (the prelude is a subset of nixpkgs lib; a function it lacks is
/// unknown, not an error).
pub(crate) const PRELUDE_NAMESPACES: &[&str] = &[
    "trivial",
    "fixedPoints",
    "asserts",
    "lists",
    "strings",
    "versions",
    "attrsets",
    "modules",
    "options",
    "types",
    "systems",
];

/// Where symbolic evaluation takes nixpkgs' `lib` from when it is not
/// otherwise available: a function formal named `lib` the evaluator fills
/// itself, `pkgs.lib` for an unknown `pkgs` (also
/// `nixpkgs.legacyPackages.<system>.lib` and `(import nixpkgs { … }).lib`),
/// and `<input>.lib` / `inputs.<input>.lib` for an unknown flake input that
/// is nixpkgs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LibConfig {
    /// A nixpkgs `lib` directory to evaluate instead of the prelude; the
    /// prelude is used if it is missing or fails to evaluate.
    pub nixpkgs_lib: Option<PathBuf>,
    /// Flake input names that are nixpkgs, besides `nixpkgs` and names
    /// starting with `nixpkgs-` or `nixpkgs_`.
    pub nixpkgs_inputs: Vec<String>,
}

impl LibConfig {
    /// The prelude, with only the conventional input names.
    pub fn prelude() -> LibConfig {
        LibConfig::default()
    }

    /// The lib for a tree whose flake (if any) is `dir/flake.nix`: inputs
    /// whose URL points at NixOS/nixpkgs count as nixpkgs, and the first
    /// nixpkgs input that `dir/flake.lock` locks to a source present in the
    /// local store gives the real lib.
    pub fn for_project(dir: &Path) -> LibConfig {
        let mut cfg = LibConfig::default();
        if let Ok(text) = std::fs::read_to_string(dir.join("flake.nix")) {
            cfg.nixpkgs_inputs = nixpkgs_inputs_of_flake(&text);
        }
        if let Ok(lock) = std::fs::read_to_string(dir.join("flake.lock"))
            && let Ok(lock) = crate::nixhash::flake_lock::FlakeLock::parse(&lock)
        {
            let mut names: Vec<String> = lock
                .node(lock.root_key())
                .map(|n| n.inputs.keys().cloned().collect())
                .unwrap_or_default();
            names.retain(|n| cfg.is_nixpkgs_input(n));
            // `nixpkgs` first, then the others by name.
            names.sort_by_key(|n| (n != "nixpkgs", n.clone()));
            cfg.nixpkgs_lib = names.iter().find_map(|n| {
                let src = PathBuf::from(lock.input_source_path(n)?.to_absolute());
                let lib = src.join("lib");
                lib.join("default.nix").is_file().then_some(lib)
            });
        }
        cfg
    }

    /// Whether the flake input `name` is nixpkgs (its `lib` is lib).
    pub fn is_nixpkgs_input(&self, name: &str) -> bool {
        name == "nixpkgs"
            || name.starts_with("nixpkgs-")
            || name.starts_with("nixpkgs_")
            || self.nixpkgs_inputs.iter().any(|n| n == name)
    }
}

/// Whether a flake URL refers to nixpkgs (`github:NixOS/nixpkgs/...`,
/// the registry's `nixpkgs/...`, a channel tarball).
pub fn is_nixpkgs_url(url: &str) -> bool {
    let u = url.to_ascii_lowercase();
    u.contains("nixos/nixpkgs")
        || u == "nixpkgs"
        || u.starts_with("nixpkgs/")
        || u.starts_with("flake:nixpkgs")
        || u.contains("nixos.org/channels/")
        || u.contains("channels.nixos.org/")
}

/// Input names of a flake.nix text whose `url` (or shorthand string) is
/// nixpkgs: `inputs.x.url = "…"`, `inputs.x = "…"`, `inputs = { x.url = …; }`,
/// `inputs = { x = { url = …; }; }`.
fn nixpkgs_inputs_of_flake(text: &str) -> Vec<String> {
    let parsed = crate::syntax::parse(text);
    let mut out = Vec::new();
    for av in parsed
        .syntax()
        .descendants()
        .filter_map(ast::AttrpathValue::cast)
    {
        let Some(url) = av.value().and_then(|v| plain_string(&v)) else {
            continue;
        };
        let Some(path) = full_attrpath(&av) else {
            continue;
        };
        let Some(i) = path.iter().position(|p| p == "inputs") else {
            continue;
        };
        let name = match &path[i + 1..] {
            [name] => name,
            [name, last] if last == "url" => name,
            _ => continue,
        };
        if is_nixpkgs_url(&url) && !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

/// The attribute path of a binding including the bindings of the sets it
/// is nested in (`inputs = { x.url = …; }` gives `inputs.x.url`).
fn full_attrpath(av: &ast::AttrpathValue) -> Option<Vec<String>> {
    let mut path = names_of(&av.attrpath()?)?;
    let mut node = av.syntax().parent();
    let mut guard = 0;
    while let Some(n) = node {
        guard += 1;
        if guard > 64 {
            return None;
        }
        if let Some(outer) = ast::AttrpathValue::cast(n.clone()) {
            let mut p = names_of(&outer.attrpath()?)?;
            p.extend(path);
            path = p;
        }
        node = n.parent();
    }
    Some(path)
}

fn names_of(p: &ast::Attrpath) -> Option<Vec<String>> {
    p.attrs()
        .map(|a| match a {
            ast::Attr::Ident(i) => i.ident_token().map(|t| t.text().to_string()),
            ast::Attr::Str(s) => string_text(s.syntax()),
            ast::Attr::Dynamic(_) => None,
        })
        .collect()
}

fn plain_string(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Str(s) => string_text(s.syntax()),
        ast::Expr::Paren(p) => plain_string(&p.expr()?),
        _ => None,
    }
}

/// The text of a string literal without interpolations (escapes are kept
/// as written; URLs and attribute names do not use them).
fn string_text(node: &crate::syntax::SyntaxNode) -> Option<String> {
    let mut out = String::new();
    for child in node.children_with_tokens() {
        match child {
            rowan::NodeOrToken::Node(_) => return None,
            rowan::NodeOrToken::Token(t) => {
                if t.kind() == SyntaxKind::TOKEN_STRING_CONTENT {
                    out.push_str(t.text());
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prelude_parses() {
        let p = crate::syntax::parse(super::LIB_SOURCE);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
    }

    #[test]
    fn finds_nixpkgs_inputs_by_url() {
        let names = nixpkgs_inputs_of_flake(
            r#"{
  inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.hm.url = "github:nix-community/home-manager";
  inputs = {
    unstable = { url = "nixpkgs/nixos-unstable"; };
    chan.url = "https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz";
    utils.url = "github:numtide/flake-utils";
  };
  inputs.short = "github:nixos/nixpkgs";
  outputs = _: { };
}"#,
        );
        assert_eq!(names, ["stable", "unstable", "chan", "short"]);
        let cfg = LibConfig {
            nixpkgs_inputs: names,
            ..LibConfig::default()
        };
        assert!(cfg.is_nixpkgs_input("nixpkgs"));
        assert!(cfg.is_nixpkgs_input("nixpkgs-unstable"));
        assert!(cfg.is_nixpkgs_input("stable"));
        assert!(!cfg.is_nixpkgs_input("hm"));
        assert!(!cfg.is_nixpkgs_input("nixos-hardware"));
    }

    #[test]
    fn no_flake_means_prelude() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(LibConfig::for_project(dir.path()), LibConfig::prelude());
    }
}
