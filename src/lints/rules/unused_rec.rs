//! ## unused-rec (NF0405)
//!
//! Finds `rec { ... }` sets where no attribute refers to another: the `rec`
//! changes nothing. Sets with an `__overrides` attribute are left alone
//! (Nix applies it to recursive sets only).
//!
//! ### Why
//! `rec` makes every attribute visible to every other, which readers must
//! keep in mind (and which easily causes infinite recursion or shadowing
//! surprises). When nothing uses it, a plain set says more.
//!
//! ### Example
//!
//! ```nix
//! rec { name = "hello"; version = "1.0"; }
//! ```
//!
//! becomes
//!
//! ```nix
//! { name = "hello"; version = "1.0"; }
//! ```
//!
//! ### Fix
//! Safe: no name inside the set refers to one of its attributes, so every
//! name resolves to the same binding with or without `rec`.

use crate::diagnostics::{Applicability, Diagnostic, Edit};
use crate::hir::ScopeKind;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, TextRange};

pub struct UnusedRec;
pub static RULE: UnusedRec = UnusedRec;

pub use crate::catalog::UNUSED_REC as META;

impl Rule for UnusedRec {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `rec` in the text
        if !(crate::syntax::has_text(&cx.file.text, "rec")) {
            return;
        }
        let scopes = cx.scopes();
        let root = cx.index().root();
        for (sid, scope) in scopes.scopes() {
            if scope.kind != ScopeKind::RecAttrSet {
                continue;
            }
            if scopes.scope_bindings(sid).any(|b| scopes.is_used(b)) {
                continue;
            }
            // Nix merges `__overrides` into recursive sets only: there `rec`
            // matters even if nothing refers to anything (found by fuzzing).
            if scopes
                .scope_bindings(sid)
                .any(|b| scopes.name(b) == "__overrides")
            {
                continue;
            }
            let Some(set) = scope.node.try_to_node(root) else {
                continue;
            };
            let Some(rec) = set
                .children_with_tokens()
                .filter_map(|e| e.into_token())
                .find(|t| t.kind() == SyntaxKind::TOKEN_REC)
            else {
                continue;
            };
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                rec.text_range(),
                "`rec` is not needed: no attribute refers to another",
            );
            // `rec` and the whitespace after it
            let mut end = rec.text_range().end();
            let mut t = rec.next_token();
            while let Some(tok) = t {
                if tok.kind() == SyntaxKind::TOKEN_WHITESPACE {
                    end = tok.text_range().end();
                    t = tok.next_token();
                } else {
                    break;
                }
            }
            let range = TextRange::new(rec.text_range().start(), end);
            let replacement = fixkit::padded(&cx.file.text, range, "");
            if let Some(f) = fixkit::fix(
                root,
                "remove `rec`",
                Applicability::Safe,
                vec![Edit::replace(range, replacement)],
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
