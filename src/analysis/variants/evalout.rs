//! Flake output names as nixfold's evaluator computes them.
//!
//! flake.nix's `outputs` function is called with its inputs unknown (but
//! `nixpkgs.lib` is lib, see [`LibConfig::for_project`]), except
//! flake-utils, which is replaced by a small Nix implementation of its
//! `eachSystem`/`eachDefaultSystem` (names only matter here), and `self`,
//! which is the result itself. Categories and names the evaluation produces
//! as attribute sets are known exactly; a part that stays unknown (built by
//! a function of nixpkgs, `//` with an unknown value) is "open".

use std::collections::BTreeSet;
use std::path::Path;

use crate::eval::value::Attrs;
use crate::eval::{EvalOptions, Evaluator, LibConfig, Symbol, Unknown, Value};
use crate::project::Project;

/// flake-utils' functions, by their documented behaviour: `eachSystem
/// systems f` turns `f system = { k = v; }` into `{ k.${system} = v; }`.
pub(crate) const FLAKE_UTILS: &str = r#"
let
  defaultSystems = [ "aarch64-linux" "aarch64-darwin" "x86_64-darwin" "x86_64-linux" ];
  eachSystem = systems: f:
    builtins.foldl'
      (acc: system:
        let out = f system; in
        builtins.foldl'
          (inner: key: inner // { ${key} = (inner.${key} or { }) // { ${system} = out.${key}; }; })
          acc
          (builtins.attrNames out))
      { }
      systems;
  eachSystemPassThrough = systems: f:
    builtins.foldl' (acc: system: acc // f system) { } systems;
  eachSystemMap = systems: f:
    builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
in {
  lib = {
    inherit defaultSystems eachSystem eachSystemPassThrough;
    eachDefaultSystem = eachSystem defaultSystems;
    eachDefaultSystemPassThrough = eachSystemPassThrough defaultSystems;
    inherit eachSystemMap;
    eachDefaultSystemMap = eachSystemMap defaultSystems;
    allSystems = defaultSystems;
    system = builtins.listToAttrs (map (s: { name = s; value = s; }) defaultSystems);
  };
}
"#;

/// The flake's outputs as far as evaluation can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluatedOutputs {
    /// Every known leaf output path (`["packages", "x86_64-linux", "hello"]`)
    /// and every known attribute set path above them.
    pub paths: BTreeSet<Vec<String>>,
    /// Paths whose contents are unknown.
    pub open: BTreeSet<Vec<String>>,
}

impl EvaluatedOutputs {
    /// The names known directly below `prefix`.
    pub fn children(&self, prefix: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self
            .paths
            .iter()
            .chain(self.open.iter())
            .filter(|p| p.len() == prefix.len() + 1 && p[..prefix.len()] == *prefix)
            .map(|p| p[prefix.len()].clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether `path` names an output (or something inside one): `Some(true)`
    /// if it does, `Some(false)` if evaluation shows it cannot, `None` when
    /// it lies under an unknown part.
    pub fn lookup(&self, path: &[String]) -> Option<bool> {
        for i in (0..=path.len()).rev() {
            let prefix = &path[..i];
            if self.open.iter().any(|o| o.as_slice() == prefix) {
                return if i == path.len() { Some(true) } else { None };
            }
            if self.paths.iter().any(|p| p.as_slice() == prefix) {
                if i == path.len() {
                    return Some(true);
                }
                // Below a known leaf (`nixosConfigurations.h.config...`).
                let has_children = self
                    .paths
                    .iter()
                    .chain(self.open.iter())
                    .any(|p| p.len() > i && &p[..i] == prefix);
                return if has_children {
                    Some(false)
                } else {
                    Some(true)
                };
            }
        }
        // Not even the category is known: only absent if the top is known.
        if self.open.iter().any(|o| o.is_empty()) {
            None
        } else {
            Some(false)
        }
    }
}

/// Evaluate the outputs of the flake.nix at `project.files[flake]`.
/// `None` when the flake cannot be evaluated at all.
pub fn evaluated_outputs(project: &Project, flake: usize) -> Option<EvaluatedOutputs> {
    let file = project.files.get(flake)?;
    if !file.parsed().errors.is_empty() {
        return None;
    }
    let path = std::fs::canonicalize(&file.path).ok()?;
    let root = path.parent()?.to_path_buf();
    let sources = crate::analysis::preparsed(project);
    let result =
        std::panic::catch_unwind(|| evaluate(&root, &path, &file.parsed().syntax(), sources));
    result.ok().flatten()
}

fn evaluate(
    root: &Path,
    path: &Path,
    syntax: &crate::syntax::SyntaxNode,
    sources: crate::eval::Preparsed,
) -> Option<EvaluatedOutputs> {
    let opts = EvalOptions {
        root: Some(root.to_path_buf()),
        confine_to_root: true,
        read_process_env: false,
        nix_path: Some(Vec::new()),
        max_steps: 5_000_000,
        max_memory: 512 << 20,
        max_depth: 20_000,
        lib: Some(LibConfig::for_project(root)),
        preparsed: Some(sources),
        ..EvalOptions::default()
    };
    let mut ev = Evaluator::new(opts);
    let flake = ev.eval_file(path).ok()?;
    let Value::Attrs(top) = &flake else {
        return None;
    };
    let outputs = ev.force(top.get(Symbol::new("outputs"))?).ok()?;
    // The inputs: names from the outputs function's formals; flake-utils by
    // its URL or name.
    let lambda = super::outputs::flake_outputs_fn(&crate::hir::Scopes::new(syntax), syntax)?;
    // Extra inputs may be passed only to `{ ..., ... }:` and `inputs:`.
    let (formals, open): (Vec<String>, bool) = match lambda.param()? {
        crate::syntax::ast::Param::Pattern(p) => (
            p.pat_entries()
                .filter_map(|e| e.ident().and_then(|i| super::syn::ident_name(&i)))
                .collect(),
            p.ellipsis_token().is_some(),
        ),
        crate::syntax::ast::Param::IdentParam(_) => (Vec::new(), true),
    };
    let utils_names = flake_utils_inputs(syntax);
    let shim = ev.eval_expr_str(FLAKE_UTILS, root).ok()?;
    let mut entries = Vec::new();
    for name in &formals {
        let v = if utils_names.contains(name) {
            shim.clone()
        } else {
            Unknown::value(name.clone())
        };
        entries.push((Symbol::new(name), v));
    }
    for name in &utils_names {
        if open && !formals.contains(name) {
            entries.push((Symbol::new(name), shim.clone()));
        }
    }
    let args = Value::attrs(crate::eval::Attrs::from_unsorted(entries));
    let result = ev.call(&outputs, args, crate::eval::Span::NONE).ok()?;
    let result = ev.force(&result).ok()?;
    let mut out = EvaluatedOutputs::default();
    collect(&mut ev, &result, &mut Vec::new(), &mut out);
    Some(out)
}

/// `visit` each attribute of `a` (in the set's own order) with its name
/// pushed on `path`.
pub fn each_attr(
    a: &Attrs,
    path: &mut Vec<String>,
    mut visit: impl FnMut(&Value, &mut Vec<String>),
) {
    for (k, x) in a.iter() {
        path.push(k.as_str().to_string());
        visit(x, path);
        path.pop();
    }
}

/// Walk the output set down to each category's output depth.
fn collect(ev: &mut Evaluator, v: &Value, path: &mut Vec<String>, out: &mut EvaluatedOutputs) {
    let depth = path
        .first()
        .map(|c| super::outputs::category_depth(c))
        .unwrap_or(usize::MAX);
    if path.len() >= depth {
        out.paths.insert(path.clone());
        return;
    }
    match v {
        Value::Attrs(a) => {
            out.paths.insert(path.clone());
            each_attr(a, path, |x, path| match ev.force(x) {
                Ok(f) => collect(ev, &f, path, out),
                Err(_) => {
                    out.open.insert(path.clone());
                }
            });
        }
        Value::Unknown(_) => {
            out.open.insert(path.clone());
        }
        _ => {
            out.paths.insert(path.clone());
        }
    }
}

/// Input names that refer to flake-utils (`flake-utils.url =
/// "github:numtide/flake-utils"`, or simply named `flake-utils`/`utils`).
pub(crate) fn flake_utils_inputs(syntax: &crate::syntax::SyntaxNode) -> Vec<String> {
    use crate::syntax::{AstNode, ast};
    let mut names = vec!["flake-utils".to_string()];
    for av in syntax.descendants().filter_map(ast::AttrpathValue::cast) {
        let Some(path) = av.attrpath().and_then(|p| super::syn::attrpath_names(&p)) else {
            continue;
        };
        let url = av.value().and_then(|v| super::syn::expr_string(&v));
        let is_utils = url.is_some_and(|u| u.contains("numtide/flake-utils"));
        if !is_utils {
            continue;
        }
        // `inputs.utils.url = ...` or `utils.url = ...` inside `inputs = { }`.
        let name = match path.as_slice() {
            [first, name, last] if first == "inputs" && last == "url" => Some(name.clone()),
            [name, last] if last == "url" => Some(name.clone()),
            _ => None,
        };
        if let Some(n) = name
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs_of(flake: &str) -> EvaluatedOutputs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
        let project = Project::load(dir.path(), &[dir.path().to_path_buf()], &|_| false);
        evaluated_outputs(&project, 0).expect("evaluates")
    }

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn names_through_flake_utils_and_let() {
        let o = outputs_of(
            r#"{
  inputs.utils.url = "github:numtide/flake-utils";
  outputs = { self, nixpkgs, utils }:
    let hosts = [ "alpha" "beta" ];
    in {
      nixosConfigurations = builtins.listToAttrs (map (h: { name = h; value = nixpkgs.lib.nixosSystem { }; }) hosts);
    } // utils.lib.eachDefaultSystem (system: {
      packages.hello = nixpkgs.legacyPackages.${system}.hello;
      devShells = nixpkgs.legacyPackages.${system}.mkShells;
    });
}"#,
        );
        assert_eq!(o.lookup(&p("nixosConfigurations.alpha")), Some(true));
        assert_eq!(
            o.lookup(&p("nixosConfigurations.alpha.config.system.build.toplevel")),
            Some(true)
        );
        assert_eq!(o.lookup(&p("nixosConfigurations.gamma")), Some(false));
        assert_eq!(o.lookup(&p("packages.x86_64-linux.hello")), Some(true));
        assert_eq!(o.lookup(&p("packages.x86_64-linux.hallo")), Some(false));
        // Built by an unknown function: cannot tell.
        assert_eq!(o.lookup(&p("devShells.x86_64-linux.default")), None);
        assert_eq!(o.lookup(&p("apps.x86_64-linux.default")), Some(false));
    }
}
