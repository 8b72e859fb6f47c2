//! ## empty-list-concat (NF0408)
//!
//! Finds concatenation with an empty list: `[] ++ xs` and `xs ++ []`.
//!
//! ### Why
//! Concatenating `[]` does nothing; it is usually left over from removing
//! the last element of a list.
//!
//! ### Example
//!
//! ```nix
//! environment.systemPackages = [ ] ++ extraPackages;
//! ```
//!
//! becomes
//!
//! ```nix
//! environment.systemPackages = extraPackages;
//! ```
//!
//! Not reported: `[ ]` heading a chain of two or more concatenations laid
//! out one operand per line (`[ ]`, then `++ lib.optional a x`, `++
//! lib.optional b y` on lines of their own), where it keeps the lines alike.
//!
//! ### Fix
//! Safe: the other operand replaces the concatenation. (For a non-list
//! operand `[] ++ x` fails while `x` does not; working code is unaffected.)

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, BinOpKind};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

pub struct EmptyListConcat;
pub static RULE: EmptyListConcat = EmptyListConcat;

pub use crate::catalog::EMPTY_LIST_CONCAT as META;

fn is_empty_list(n: &SyntaxNode) -> bool {
    let n = fixkit::strip_parens(n);
    ast::List::cast(n).is_some_and(|l| l.items().next().is_none())
}

impl Rule for EmptyListConcat {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `++` in the text
        if !(crate::syntax::has_text(&cx.file.text, "++")) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_BIN_OP) {
            let Some(bin) = ast::BinOp::cast(node.clone()) else {
                continue;
            };
            if bin.operator() != Some(BinOpKind::Concat) {
                continue;
            }
            let (Some(lhs), Some(rhs)) = (bin.lhs(), bin.rhs()) else {
                continue;
            };
            // `[ ]` heading a chain laid out one operand per line
            // (`paths = [ ]\n  ++ optional a x\n  ++ optional b y;`) is a
            // layout idiom: every operand line looks alike.
            if is_empty_list(lhs.syntax())
                && matches!(&rhs, ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Concat))
                && cx.file.text[usize::from(lhs.syntax().text_range().end())
                    ..usize::from(rhs.syntax().text_range().start())]
                    .contains('\n')
            {
                continue;
            }
            let keep = if is_empty_list(lhs.syntax()) {
                rhs.syntax().clone()
            } else if is_empty_list(rhs.syntax()) {
                lhs.syntax().clone()
            } else {
                continue;
            };
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                "concatenating `[]` does nothing",
            );
            let replacement = fixkit::padded(&cx.file.text, node.text_range(), &keep.to_string());
            if let Some(f) = fixkit::replace_node(
                root,
                node,
                replacement,
                "remove `[] ++`",
                Applicability::Safe,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
