//! ## empty-let-in (NF0406)
//!
//! Finds `let ... in` expressions that bind nothing: `let in body`.
//!
//! ### Why
//! An empty `let` does nothing; it is usually what is left after removing
//! the last binding.
//!
//! ### Example
//!
//! ```nix
//! let in { a = 1; }
//! ```
//!
//! becomes
//!
//! ```nix
//! { a = 1; }
//! ```
//!
//! ### Fix
//! Safe: the body replaces the whole `let ... in`. When comments sit between
//! `let` and `in` (often commented-out bindings) the finding is still
//! reported, but no fix is offered, so the comments are not lost.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind};

pub struct EmptyLetIn;
pub static RULE: EmptyLetIn = EmptyLetIn;

pub use crate::catalog::EMPTY_LET_IN as META;

impl Rule for EmptyLetIn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `let` in the text
        if !(crate::syntax::has_text(&cx.file.text, "let")) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_LET_IN) {
            let Some(let_in) = ast::LetIn::cast(node.clone()) else {
                continue;
            };
            if let_in.entries().next().is_some() {
                continue;
            }
            // a let with an error node inside is not empty, just broken
            if node.children().any(|c| c.kind() == SyntaxKind::NODE_ERROR) {
                continue;
            }
            let (Some(let_tok), Some(in_tok)) = (let_in.let_token(), let_in.in_token()) else {
                continue;
            };
            let Some(body) = let_in.body() else { continue };
            let head = let_tok.text_range().cover(in_tok.text_range());
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                head,
                "this `let` binds nothing",
            );
            if fixkit::has_comments(root, head) {
                d = d.with_note("comments between `let` and `in` are kept: no automatic fix");
            } else if let Some(f) = fixkit::replace_node(
                root,
                node,
                fixkit::padded(&cx.file.text, node.text_range(), &body.syntax().to_string()),
                "remove the empty `let ... in`",
                Applicability::Safe,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
