//! ## empty-inherit (NF0407)
//!
//! Finds `inherit;` and `inherit (x);` statements that name no attribute.
//!
//! ### Why
//! They bring nothing into scope and are usually left over from an edit.
//!
//! ### Example
//!
//! ```nix
//! { inherit; a = 1; }
//! ```
//!
//! becomes
//!
//! ```nix
//! { a = 1; }
//! ```
//!
//! ### Fix
//! Safe: the statement is removed. `inherit (x);` does not evaluate `x`, so
//! nothing else changes.

use crate::diagnostics::{Applicability, Diagnostic, Edit};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind};

pub struct EmptyInherit;
pub static RULE: EmptyInherit = EmptyInherit;

pub use crate::catalog::EMPTY_INHERIT as META;

impl Rule for EmptyInherit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `inherit` in the text
        if !(crate::syntax::has_text(&cx.file.text, "inherit")) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_INHERIT) {
            let Some(inherit) = ast::Inherit::cast(node.clone()) else {
                continue;
            };
            if inherit.attrs().next().is_some()
                || node.children().any(|c| c.kind() == SyntaxKind::NODE_ERROR)
                || node
                    .last_token()
                    .is_none_or(|t| t.kind() != SyntaxKind::TOKEN_SEMICOLON)
            {
                continue;
            }
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                "this `inherit` names no attribute",
            );
            let range = fixkit::with_leading_whitespace(node);
            if let Some(f) = fixkit::fix(
                root,
                "remove the empty `inherit`",
                Applicability::Safe,
                vec![Edit::delete(range)],
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
