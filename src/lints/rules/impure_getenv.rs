//! ## impure-getenv (NF0101)
//!
//! Finds every call of `builtins.getEnv`, however it is spelled:
//! `builtins.getEnv "X"`, `__getEnv "X"`, `with builtins; getEnv "X"`,
//! through aliases (`let env = builtins.getEnv; in env "X"`,
//! `inherit (builtins) getEnv;`, `let b = builtins; in b.getEnv "X"`), and
//! places where the function itself is passed on as a value
//! (`map builtins.getEnv names`). A local function that happens to be called
//! `getEnv` is not reported.
//!
//! ### Why it matters
//!
//! Selecting a configuration through environment variables
//! (`NIXOS_PACKAGES=full nixos-rebuild switch`) works with channels, but
//! flakes evaluate in *pure* mode, where `builtins.getEnv` returns `""` for
//! every variable, without any error. `nix build .#...` therefore silently
//! builds the default selection, whatever the environment says.
//!
//! Severity: `error` when the file is evaluated by a flake (reachable from a
//! `flake.nix` through imports, module lists or `callPackage`), because the
//! selection is then ignored for real; `warning` elsewhere, where the result
//! still depends on the environment of whoever evaluates it.
//!
//! ### Example
//!
//! ```nix
//! { pkgs, ... }:
//! let
//!   selection = builtins.getEnv "NIXOS_PACKAGES";   # "" under flakes
//! in {
//!   environment.systemPackages =
//!     if selection == "full" then [ pkgs.git pkgs.kubectl ] else [ pkgs.git ];
//! }
//! ```
//!
//! ### How to fix
//!
//! Make the choice an explicit input: one flake output per variant
//! (`nixosConfigurations.full`, `nixosConfigurations.minimal`), a module
//! option (`options.my.packages = lib.mkOption { ... }`) set by each output,
//! or a function argument. `nixfold migrate` automates this for the common
//! patterns.

use crate::diagnostics::Diagnostic;
use crate::hir::{UseKind, follow_bindings, literal_string};
use crate::lints::{FileCx, Rule, RuleMeta};

pub struct ImpureGetenv;
pub static RULE: ImpureGetenv = ImpureGetenv;

pub use crate::catalog::IMPURE_GETENV as META;

impl Rule for ImpureGetenv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let scopes = cx.scopes();
        let mut uses = scopes
            .builtin_uses()
            .iter()
            .filter(|u| u.name == "getEnv" && u.kind != UseKind::Alias)
            .peekable();
        if uses.peek().is_none() {
            return;
        }
        let root = cx.file.parsed.syntax();
        let reachable = cx.reachable_from_flake();
        let sev = cx
            .project
            .reach
            .purity_severity(cx.file_index, cx.project.config.severity(&META));
        let chain = cx.project.reach.describe(cx.project.project, cx.file_index);
        for u in uses {
            let Some(expr) = u.expr.try_to_node(&root) else {
                continue;
            };
            let spelled = expr.text().to_string();
            let callee = if u.aliased {
                format!("`{spelled}` (an alias of `builtins.getEnv`)")
            } else {
                format!("`{spelled}`")
            };
            let (range, what) = match u.kind {
                UseKind::Call => {
                    let args = u.args(&root);
                    let var = args
                        .first()
                        .and_then(|a| literal_string(&follow_bindings(scopes, a)));
                    let range = u.call.map_or(expr.text_range(), |c| c.text_range());
                    let what = match var {
                        Some(v) => format!("{callee} reads the environment variable `{v}`"),
                        None => format!("{callee} reads an environment variable"),
                    };
                    (range, what)
                }
                _ => (
                    expr.text_range(),
                    format!(
                        "{callee} is passed on as a value; every call of it reads an environment variable"
                    ),
                ),
            };
            let message = if reachable {
                format!(
                    "{what}: under pure evaluation (flakes) it returns \"\" silently, so the selection is ignored by `nix build .#...`"
                )
            } else {
                format!(
                    "{what}: the result depends on the environment of whoever evaluates it, and under pure evaluation (flakes) it returns \"\" silently"
                )
            };
            let mut d = Diagnostic::new(&META, sev, cx.file, range, message);
            if let Some(c) = &chain {
                d = d.with_note(c.clone());
            }
            out.push(d.with_note(
                "make the choice an explicit input instead: one flake output per variant, a module option, or a function argument",
            ));
        }
    }
}
