//! ## unused-formal (NF0402)
//!
//! Finds names in a function's argument pattern that the body never uses:
//! `{ pkgs, lib, ... }: pkgs.hello` does not use `lib`.
//!
//! ### Why
//! Unused formals make a function look like it depends on more than it
//! does, and keep callers passing values for nothing.
//!
//! ### NixOS modules
//! In a NixOS/home-manager module (a function of an open pattern that is a
//! whole file, an element of `imports`/`modules`, or whose body has module
//! keys) the usual module arguments `config`, `lib`, `pkgs`, `options`,
//! `modulesPath`, `specialArgs`, `baseModules`, `modules`, `extendModules`,
//! flake-parts' `self`, `withSystem`, ... are reported with severity `info`, not
//! `warning`: listing them is common and harmless. A use inside an
//! attribute name, such as `${config.x} = ...`, counts as a use. Their fix
//! is only applied by `--unsafe-fixes`: whether to list them is a
//! convention, not a defect.
//!
//! The same holds for `self` in the `outputs` function of a `flake.nix`,
//! and for every input named there: Nix passes all inputs to `outputs`, and a
//! formal also declares an input. In a pattern without `...` no fix is
//! offered (Nix's call would fail with "unexpected argument"). flake-parts'
//! `perSystem = { self', inputs', system, pkgs, ... }: ...` is a module too.
//!
//! A function with a closed pattern that is handed to someone else (an
//! element of a list or the argument of a call: stylix's
//! `mkTarget { config = [ ({ opacity, colors }: ...) ]; }`, `callPackage
//! ({ a, b }: ...) { }`) is `info` too: its caller may read the formals with
//! `builtins.functionArgs`, so a formal can declare a dependency (stylix
//! calls such a function only when every argument it names is set).
//!
//! An optional formal of a closed pattern (`{ elemType, placeholder ? "name" }:`,
//! as in a polyfill that must accept what the library function accepts) is
//! `info` as well: a default that is never read means the formal exists so
//! that calls passing the argument are accepted.
//!
//! Names starting with `_` are never reported.
//!
//! Nor are the formals of a pattern whose `@` name is used
//! (`{ default ? null, type ? null }@attrs: attrs`): the body reads the
//! arguments through the `@` name, so the formals are the function's
//! interface (what a closed pattern accepts, what `callPackage` passes, the
//! defaults it documents) even when their names appear nowhere else.
//!
//! ### Fix
//! Removing a formal is safe when the pattern is open (`...`): callers may
//! still pass the argument, and the function never looked at it.
//!
//! In a closed pattern `{ a, b }:` the fix is unsafe, because removing the
//! formal changes which arguments the function accepts: a caller that passes
//! `b` (for example `callPackage ./x.nix { b = ...; }`) fails after the
//! removal.
//!
//! Set `changes-arguments = "ignore"` under `[check.unused-formal]` in
//! `nixfold.toml` to not report these at all (the default,
//! `"unsafe-fix"`, reports them with a fix applied only by
//! `--unsafe-fixes`).

use crate::config::ChangesArguments;
use crate::diagnostics::{Applicability, Diagnostic, Edit, Severity};
use crate::hir::BindingKind;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind};

pub struct UnusedFormal;
pub static RULE: UnusedFormal = UnusedFormal;

pub use crate::catalog::UNUSED_FORMAL as META;

/// Whether the lambda is the `outputs` function of a `flake.nix`.
fn is_flake_outputs(cx: &FileCx<'_>, lambda: &ast::Lambda) -> bool {
    if cx.file.path.file_name().is_none_or(|n| n != "flake.nix") {
        return false;
    }
    let Some(kv) = lambda.syntax().parent().and_then(ast::AttrpathValue::cast) else {
        return false;
    };
    let top_level = kv
        .syntax()
        .parent()
        .and_then(|set| set.parent())
        .is_some_and(|p| p.kind() == SyntaxKind::NODE_ROOT);
    top_level
        && kv
            .attrpath()
            .map(|p| {
                p.attrs()
                    .filter_map(|a| fixkit::static_attr_name(&a))
                    .collect::<Vec<_>>()
            })
            .is_some_and(|p| p == ["outputs"])
}

/// Whether the lambda is handed to someone else as a value: an element of a
/// list or the argument of a call (`mkTarget { config = [ ({ colors }: ...) ]; }`,
/// `callPackage ({ a, b }: ...) { }`). Its caller may read its formals with
/// `builtins.functionArgs` and decide from them what to pass or whether to
/// call it at all.
fn is_handed_on(lambda: &ast::Lambda) -> bool {
    let mut cur = lambda.syntax().clone();
    while let Some(p) = cur.parent() {
        match p.kind() {
            SyntaxKind::NODE_PAREN => cur = p,
            SyntaxKind::NODE_LIST => return true,
            SyntaxKind::NODE_APPLY => return p.first_child().as_ref() != Some(&cur),
            _ => return false,
        }
    }
    false
}

impl Rule for UnusedFormal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let scopes = cx.scopes();
        let root = cx.index().root();
        let mode = cx.project.config.check.unused_formal.changes_arguments;
        for (id, b) in scopes.bindings() {
            if b.kind != BindingKind::Formal {
                continue;
            }
            let name = scopes.name(id);
            if name.starts_with('_') || scopes.is_used(id) {
                continue;
            }
            let Some(entry) = b.def.try_to_node(root) else {
                continue;
            };
            let Some(pattern) = entry.parent().and_then(ast::Pattern::cast) else {
                continue;
            };
            let Some(lambda) = pattern.syntax().parent().and_then(ast::Lambda::cast) else {
                continue;
            };
            let open = pattern.ellipsis_token().is_some();
            let bind_used = scopes.scope_bindings(b.scope).any(|other| {
                scopes.binding(other).kind == BindingKind::PatBind && scopes.is_used(other)
            });
            if bind_used {
                // read through the `@` name: the formals are the interface
                continue;
            }
            let changes_arguments = !open;
            if changes_arguments && mode == ChangesArguments::Ignore {
                continue;
            }
            let flake_outputs = is_flake_outputs(cx, &lambda);
            let module_arg =
                (fixkit::MODULE_ARGS.contains(&name) && open && fixkit::is_module_lambda(&lambda))
                    || flake_outputs;
            // a closed pattern read by `functionArgs`: the formal may be a
            // declared dependency (stylix calls a target's function only when
            // every argument it names is set)
            let introspected = changes_arguments && is_handed_on(&lambda);
            // `{ elemType, placeholder ? "name" }:` (a polyfill of a library
            // function): an optional formal of a closed pattern that is never
            // read exists only so that calls passing it are accepted
            let accepts_only = changes_arguments
                && entry
                    .children_with_tokens()
                    .any(|t| t.kind() == SyntaxKind::TOKEN_QUESTION);
            let severity = if module_arg || introspected || accepts_only {
                Severity::Info
            } else {
                cx.project.config.severity(&META)
            };
            let mut d = Diagnostic::new(
                &META,
                severity,
                cx.file,
                b.range,
                format!("formal `{name}` is never used"),
            );
            if flake_outputs {
                d = d.with_note(if open {
                    "an input of the flake: Nix passes every input to `outputs`, and a formal also declares an input of that name; only `--unsafe-fixes` removes it"
                } else {
                    "an input of the flake: Nix passes every input to `outputs`, so a pattern without `...` must name each one"
                });
            } else if introspected {
                d = d.with_note(
                    "the function is handed on, and its caller may read its formals with `builtins.functionArgs` to decide what to pass or whether to call it",
                );
            } else if accepts_only {
                d = d.with_note(
                    "an optional argument of a pattern without `...`: it lets callers pass it, and removing it makes those calls fail",
                );
            } else if module_arg {
                d = d.with_note(
                    "a conventional argument (module argument): only `--unsafe-fixes` removes it",
                );
            }
            if flake_outputs && changes_arguments {
                // Removing it makes Nix's call of `outputs` fail.
                out.push(d);
                continue;
            }
            if changes_arguments && !accepts_only {
                d = d.with_note(
                    "the pattern has no `...`: callers that pass this argument would fail after removing it",
                );
            }
            if pattern
                .syntax()
                .children()
                .all(|c| c.kind() != SyntaxKind::NODE_ERROR)
                && let Some(f) = fixkit::fix(
                    root,
                    format!("remove `{name}`"),
                    if changes_arguments || module_arg {
                        Applicability::Unsafe
                    } else {
                        Applicability::Safe
                    },
                    vec![Edit::delete(fixkit::pattern_entry_removal(&entry))],
                )
            {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
