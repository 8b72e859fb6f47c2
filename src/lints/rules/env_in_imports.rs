//! ## env-in-imports (NF0203)
//!
//! Finds `imports` lists whose contents depend on an environment variable,
//! directly (`imports = if builtins.getEnv "ROLE" == "server" then ...`) or
//! through let bindings (`isServer = builtins.getEnv "ROLE" == "server";`
//! then `imports = lib.optional isServer ./server.nix;`).
//!
//! ### Why it matters
//!
//! Under flakes `getEnv` returns `""`, so the environment silently stops
//! choosing the imported modules. The usual repair, turning the variable into
//! a module option or passing it through `_module.args`, does not work here:
//! the module system resolves `imports` before `config` and `_module.args`
//! exist, so reading either to decide what to import is an infinite
//! recursion. Only arguments given to the module system from outside,
//! `specialArgs` of `nixosSystem` (`extraSpecialArgs` for Home Manager), can
//! carry the choice into `imports`.
//!
//! ### Example
//!
//! ```nix
//! { lib, ... }:
//! let
//!   role = builtins.getEnv "ROLE";
//! in {
//!   imports = [ ./common.nix ]
//!     ++ (if role == "server" then [ ./server.nix ] else [ ./desktop.nix ]);
//! }
//! ```
//!
//! ### How to fix
//!
//! Pass the choice as a special argument: `nixosSystem { specialArgs = {
//! variant = { ROLE = "server"; }; }; ... }` and take `variant` in the
//! module's arguments (`{ lib, variant, ... }:`). `nixfold migrate` does this.
//! Alternatively import every module and guard its contents with an option
//! (`config = lib.mkIf config.my.server.enable { ... }`).

use crate::analysis::variants::flow;
use crate::diagnostics::Diagnostic;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{AstNode, SyntaxKind, ast};

pub struct EnvInImports;
pub static RULE: EnvInImports = EnvInImports;

pub use crate::catalog::ENV_IN_IMPORTS as META;

impl Rule for EnvInImports {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        if !flow::may_hold_reads(&cx.file.text) {
            return;
        }
        let root = cx.file.parsed().syntax();
        // Cheap exit: files without reads cannot have environment-driven imports.
        let reads = flow::file_reads(cx.scopes(), cx.file_index, &root);
        if reads.is_empty() {
            return;
        }
        let sev = cx.project.config.severity(&META);
        for node in root.descendants() {
            if node.kind() != SyntaxKind::NODE_ATTRPATH_VALUE {
                continue;
            }
            // `imports = ...;` as an attribute of a set (not a let binding).
            if node.parent().map(|p| p.kind()) != Some(SyntaxKind::NODE_ATTR_SET) {
                continue;
            }
            let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
                continue;
            };
            let Some(names) = av
                .attrpath()
                .and_then(|p| crate::analysis::variants::syn::attrpath_names(&p))
            else {
                continue;
            };
            if names.last().map(String::as_str) != Some("imports") {
                continue;
            }
            let Some(value) = av.value() else { continue };
            let deps = flow::expr_env_deps(cx.scopes(), value.syntax(), &reads);
            if deps.is_empty() {
                continue;
            }
            let vars: Vec<String> = deps.keys().map(|v| format!("`{v}`")).collect();
            let message = format!(
                "`imports` depends on the environment ({}): under flakes getEnv returns \"\" and the choice silently disappears, and the module system resolves `imports` before `config` or `_module.args` exist, so only `specialArgs` can carry it",
                vars.join(", ")
            );
            let mut d = Diagnostic::new(&META, sev, cx.file, value.syntax().text_range(), message);
            for (var, range) in &deps {
                if !value.syntax().text_range().contains_range(*range) {
                    d = d.with_label(*range, format!("`{var}` is read here"));
                }
            }
            d = d.with_note(
                "pass the choice through `specialArgs` of `nixosSystem` (Home Manager: `extraSpecialArgs`) and take it as a module argument; `nixfold migrate` does this",
            );
            out.push(d);
        }
    }
}
