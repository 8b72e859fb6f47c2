//! ## bool-simplification (NF0511)
//!
//! Finds negated equality tests: `!(a == b)` and `!(a != b)`.
//!
//! ### Why
//! Nix has `!=` and `==`; negating the other one makes the reader do the
//! work. The two forms mean exactly the same thing.
//!
//! ### Example
//!
//! ```nix
//! if !(cfg.mode == "server") then a else b
//! ```
//!
//! becomes
//!
//! ```nix
//! if cfg.mode != "server" then a else b
//! ```
//!
//! ### Fix
//! Safe: `!(a == b)` and `a != b` are the same expression in Nix. Parentheses
//! are kept around the result where the surrounding operator needs them.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, BinOpKind, UnaryOpKind};
use crate::syntax::{AstNode, SyntaxKind};

pub struct BoolSimplification;
pub static RULE: BoolSimplification = BoolSimplification;

pub use crate::catalog::BOOL_SIMPLIFICATION as META;

impl Rule for BoolSimplification {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `!` and `==`/`!=` in the text
        if !(cx.file.text.contains('!')
            && (crate::syntax::has_text(&cx.file.text, "==")
                || crate::syntax::has_text(&cx.file.text, "!=")))
        {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_UNARY_OP) {
            let Some(un) = ast::UnaryOp::cast(node.clone()) else {
                continue;
            };
            if un.operator() != Some(UnaryOpKind::Invert) {
                continue;
            }
            let Some(operand) = un.expr() else { continue };
            if operand.syntax().kind() != SyntaxKind::NODE_PAREN {
                continue;
            }
            let inner = fixkit::strip_parens(operand.syntax());
            let Some(bin) = ast::BinOp::cast(inner.clone()) else {
                continue;
            };
            let (new_op, old_op) = match bin.operator() {
                Some(BinOpKind::Equal) => ("!=", "=="),
                Some(BinOpKind::NotEqual) => ("==", "!="),
                _ => continue,
            };
            let (Some(lhs), Some(rhs)) = (bin.lhs(), bin.rhs()) else {
                continue;
            };
            // keep whatever separates the operands from the operator
            let op_token = inner
                .children_with_tokens()
                .filter_map(|e| e.into_token())
                .find(|t| {
                    matches!(
                        t.kind(),
                        SyntaxKind::TOKEN_EQUAL | SyntaxKind::TOKEN_NOT_EQUAL
                    )
                });
            let Some(op_token) = op_token else { continue };
            let text = &cx.file.text;
            let start = usize::from(lhs.syntax().text_range().start());
            let end = usize::from(rhs.syntax().text_range().end());
            let op_start = usize::from(op_token.text_range().start());
            let op_end = usize::from(op_token.text_range().end());
            let expr = format!("{}{}{}", &text[start..op_start], new_op, &text[op_end..end]);
            let prec = fixkit::prec_of(&inner);
            let replacement = match fixkit::slot_limit(node) {
                Some(limit) => fixkit::parenthesize_for(&expr, prec, limit),
                None => format!("({expr})"),
            };
            let replacement = fixkit::padded(text, node.text_range(), &replacement);
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                format!("`!(a {old_op} b)` is `a {new_op} b`"),
            );
            if let Some(f) = fixkit::replace_node(
                root,
                node,
                replacement,
                format!("use `{new_op}`"),
                Applicability::Safe,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
