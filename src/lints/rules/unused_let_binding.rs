//! ## unused-let-binding (NF0401)
//!
//! Finds `let` bindings (including `inherit x;` and `inherit (e) x;` in a
//! `let`) that nothing uses.
//!
//! ### Why
//! An unused binding is dead code: it is never evaluated, but readers still
//! have to work out that it does not matter, and it often means something
//! that should be used is not.
//!
//! ### Example
//!
//! ```nix
//! let
//!   pkgs = import <nixpkgs> { };
//!   lib = pkgs.lib;   # unused
//! in
//! pkgs.hello
//! ```
//!
//! A binding used only by itself (`let f = x: f x; in 1`) is unused too.
//! Names starting with `_` are never reported: prefix a binding with `_` to
//! keep it on purpose. The `body` of the old `let { }` syntax is its value
//! and is not reported.
//!
//! ### Fix
//! Safe: the binding is removed (from an `inherit`, only the unused name).
//! Nix evaluates lazily, so an unused binding never runs. Bindings that
//! only other unused bindings use become unused in turn and are removed in
//! the next pass; a `let` left empty is then removed by `empty-let-in`.
//! Bindings containing comments are reported without a fix.

use crate::diagnostics::{Applicability, Diagnostic, Edit};
use crate::hir::{BindingKind, ScopeKind};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, SyntaxNode};

pub struct UnusedLetBinding;
pub static RULE: UnusedLetBinding = UnusedLetBinding;

pub use crate::catalog::UNUSED_LET_BINDING as META;

/// The edits removing binding `name` (binder at `binder`) from its defining
/// node `def`.
fn removal(def: &SyntaxNode, binder: crate::syntax::TextRange) -> Option<Edit> {
    match def.kind() {
        SyntaxKind::NODE_ATTRPATH_VALUE => Some(Edit::delete(fixkit::with_leading_whitespace(def))),
        SyntaxKind::NODE_INHERIT => {
            let names: Vec<SyntaxNode> = def
                .children()
                .filter(|c| matches!(c.kind(), SyntaxKind::NODE_IDENT | SyntaxKind::NODE_STRING))
                .collect();
            if names.len() <= 1 {
                Some(Edit::delete(fixkit::with_leading_whitespace(def)))
            } else {
                let name = names.iter().find(|n| n.text_range() == binder)?;
                Some(Edit::delete(fixkit::with_leading_whitespace(name)))
            }
        }
        _ => None,
    }
}

impl Rule for UnusedLetBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let scopes = cx.scopes();
        let root = cx.index().root();
        for (sid, scope) in scopes.scopes() {
            let legacy = match scope.kind {
                ScopeKind::LetIn => false,
                ScopeKind::LegacyLet => true,
                _ => continue,
            };
            for id in scopes.scope_bindings(sid) {
                let b = scopes.binding(id);
                if !matches!(
                    b.kind,
                    BindingKind::Let | BindingKind::Inherit | BindingKind::InheritFrom
                ) {
                    continue;
                }
                let name = scopes.name(id);
                if name.starts_with('_') || (legacy && name == "body") {
                    continue;
                }
                if scopes.is_used_outside_def(id) {
                    continue;
                }
                let what = if scopes.is_used(id) {
                    format!("`{name}` is only used by its own definition")
                } else {
                    format!("`{name}` is never used")
                };
                let mut d = Diagnostic::new(
                    &META,
                    cx.project.config.severity(&META),
                    cx.file,
                    b.range,
                    what,
                );
                let edits: Option<Vec<Edit>> = scopes
                    .defs(id)
                    .map(|p| p.try_to_node(root).and_then(|def| removal(&def, b.range)))
                    .collect();
                if let Some(edits) = edits
                    && let Some(f) =
                        fixkit::fix(root, format!("remove `{name}`"), Applicability::Safe, edits)
                {
                    d = d.with_fix(f);
                }
                out.push(d);
            }
        }
    }
}
