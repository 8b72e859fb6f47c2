//! ## impure-current-system (NF0102)
//!
//! Finds reads of `builtins.currentSystem` (also `__currentSystem`,
//! `with builtins; currentSystem`, `inherit (builtins) currentSystem;` and
//! `b.currentSystem` where `b` is `builtins`). A `let` alias is reported
//! where it reads the builtin, not at each use of the alias.
//!
//! ### Why it matters
//!
//! `currentSystem` is the platform of the machine that *evaluates* the
//! expression, not of the one it is built for. Under pure evaluation (flakes)
//! it does not exist at all: `nix build .#...` fails with
//! `attribute 'currentSystem' missing`.
//!
//! Severity: `error` when the file is evaluated by a flake, `warning`
//! elsewhere, and at most `warning` in a function argument's default
//! (`{ system ? builtins.currentSystem }:`, evaluated only when the caller
//! passes none) or a branch of an `if`; there, in a file no flake output
//! evaluates (a legacy `default.nix` entry point), it is `info`. It is
//! `info` too when the default belongs to the file's own function and every
//! import of the file that a flake evaluates passes that argument
//! (`import ./test.nix { system = "x86_64-linux"; }`): the flake never takes
//! the default. A file no flake evaluates that is itself a non-flake
//! entry point into a flake (`(import flake-compat { src = ./.; }).defaultNix`
//! in a legacy `default.nix`, a `nix repl` helper calling
//! `builtins.getFlake`) reads `currentSystem` to pick the flake's outputs for
//! this machine, by design: `info`.
//!
//! Not reported: the pure-safe idioms `builtins.currentSystem or "x86_64-linux"`
//! and `if builtins ? currentSystem then builtins.currentSystem else ...`
//! (also `builtins ? currentSystem && ...` and `lib.optionalAttrs (builtins ?
//! currentSystem) { ... }`, likewise `optional`, `optionals`,
//! `optionalString`, `mkIf`), which fall back when the attribute is missing.
//!
//! ### Example
//!
//! ```nix
//! let pkgs = import nixpkgs { system = builtins.currentSystem; };
//! in pkgs.hello
//! ```
//!
//! ### How to fix
//!
//! Take the system as a parameter: in a flake, produce one output per system
//! (`packages.x86_64-linux.hello`, e.g. with a `forAllSystems` helper) and
//! pass `system` down; in a module use `pkgs.stdenv.hostPlatform.system`.

use crate::diagnostics::{Diagnostic, Severity};
use crate::hir::is_presence_guarded;
use crate::lints::{FileCx, Rule, RuleMeta};

pub struct ImpureCurrentSystem;
pub static RULE: ImpureCurrentSystem = ImpureCurrentSystem;

pub use crate::catalog::IMPURE_CURRENT_SYSTEM as META;

impl Rule for ImpureCurrentSystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        check_constant(
            cx,
            &META,
            "currentSystem",
            "the platform of the machine that evaluates this",
            "take the system as a parameter (one flake output per system) instead",
            out,
        );
    }
}

/// Shared by `impure-current-system` and `impure-current-time`: report
/// every direct read of `builtins.NAME` that no presence guard protects.
pub(super) fn check_constant(
    cx: &FileCx<'_>,
    meta: &'static RuleMeta,
    name: &str,
    what: &str,
    help: &str,
    out: &mut Vec<Diagnostic>,
) {
    let scopes = cx.scopes();
    let mut uses = scopes
        .builtin_uses()
        .iter()
        .filter(|u| u.name == name && !u.aliased)
        .peekable();
    if uses.peek().is_none() {
        return;
    }
    let root = cx.file.parsed().syntax();
    let purity = cx.purity(meta);
    let (reachable, sev) = (purity.reachable, purity.severity);
    // A non-flake entry point into a flake (flake-compat's
    // `(import flake-compat { src = ./.; }).defaultNix`, a `nix repl` helper
    // calling `builtins.getFlake`) evaluates impurely by design and picks
    // the system the flake's outputs are keyed by.
    let flake_bridge = !reachable
        && name == "currentSystem"
        && (scopes.builtin_uses().iter().any(|u| u.name == "getFlake")
            || ["defaultNix", "shellNix"]
                .iter()
                .any(|n| cx.file.text.contains(&format!(").{n}"))));
    for u in uses {
        let Some(expr) = u.expr.try_to_node(&root) else {
            continue;
        };
        if is_presence_guarded(scopes, &expr, name) {
            continue;
        }
        let spelled = if expr.kind() == crate::syntax::SyntaxKind::NODE_IDENT
            && expr
                .parent()
                .is_some_and(|p| p.kind() == crate::syntax::SyntaxKind::NODE_INHERIT)
        {
            format!("builtins.{name}")
        } else {
            expr.text().to_string()
        };
        let message = if reachable {
            format!(
                "`{spelled}` ({what}) does not exist under pure evaluation (flakes): evaluating it fails with \"attribute '{name}' missing\""
            )
        } else {
            format!(
                "`{spelled}` is {what}, which makes the result impure; under pure evaluation (flakes) it does not exist"
            )
        };
        let fallback = crate::lints::fixkit::fallback_context(&expr);
        // `{ system ? builtins.currentSystem }:` imported by the flake as
        // `import ./x.nix { system = ...; }` everywhere: never read there
        let passed = if reachable && fallback.is_some() {
            crate::lints::fixkit::file_formal_default(&expr)
                .filter(|f| cx.reach().every_call_passes(cx.file_index, f))
        } else {
            None
        };
        let (sev, message) = match fallback {
            None if flake_bridge => (
                sev.min(Severity::Info),
                format!(
                    "`{spelled}` is {what}; this file is a non-flake entry point into a flake (flake-compat, `builtins.getFlake`), which evaluates impurely by design"
                ),
            ),
            Some(_) if passed.is_some() => {
                let f = passed.unwrap_or_default();
                (
                    sev.min(Severity::Info),
                    format!(
                        "`{spelled}` is {what}, which pure evaluation (flakes) does not have; it is the default of `{f}`, and every import of this file that a flake evaluates passes `{f}`"
                    ),
                )
            }
            Some(why) => (
                sev.min(if reachable {
                    Severity::Warning
                } else {
                    Severity::Info
                }),
                format!(
                    "`{spelled}` is {what}, which pure evaluation (flakes) does not have; {why}"
                ),
            ),
            None => (sev, message),
        };
        let d = purity.note(Diagnostic::new(
            meta,
            sev,
            cx.file,
            expr.text_range(),
            message,
        ));
        out.push(d.with_note(help.to_string()));
    }
}
