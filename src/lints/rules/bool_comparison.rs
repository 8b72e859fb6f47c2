//! ## bool-comparison (NF0501)
//!
//! Finds comparisons with a boolean literal: `x == true`, `x != false`,
//! `x == false`, `true == x`, ...
//!
//! ### Why
//! Comparing with `true` or `false` says the same thing as the condition
//! itself, only longer: `if enable == true then` reads better as `if enable then`.
//!
//! ### Example
//!
//! ```nix
//! if cfg.enable == true then a else b
//! if cfg.enable == false then a else b
//! ```
//!
//! becomes
//!
//! ```nix
//! if cfg.enable then a else b
//! if !cfg.enable then a else b
//! ```
//!
//! ### Fix
//! The fix is safe when the other side is certainly a boolean (a comparison,
//! `!x`, `a && b`, `a ? b`, ...). Otherwise it is unsafe: `x == true` is
//! `false` for a non-boolean `x` (say `null`), while `x` alone would be an
//! error in a condition. Not reported where `true` or `false` is rebound by a
//! `let`, a function argument or a `rec` set.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit::{self, Prec};
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, BinOpKind};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

pub struct BoolComparison;
pub static RULE: BoolComparison = BoolComparison;

pub use crate::catalog::BOOL_COMPARISON as META;

fn bool_literal(node: &SyntaxNode) -> Option<bool> {
    let n = fixkit::strip_parens(node);
    match fixkit::ident_text(&n)?.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Whether the expression always evaluates to a boolean (or fails).
fn surely_bool(node: &SyntaxNode) -> bool {
    let n = fixkit::strip_parens(node);
    match n.kind() {
        SyntaxKind::NODE_HAS_ATTR => true,
        SyntaxKind::NODE_UNARY_OP => ast::UnaryOp::cast(n)
            .and_then(|u| u.operator())
            .is_some_and(|o| o == ast::UnaryOpKind::Invert),
        SyntaxKind::NODE_BIN_OP => {
            ast::BinOp::cast(n)
                .and_then(|b| b.operator())
                .is_some_and(|o| {
                    use BinOpKind::*;
                    matches!(
                        o,
                        Equal
                            | NotEqual
                            | Less
                            | LessOrEq
                            | More
                            | MoreOrEq
                            | And
                            | Or
                            | Implication
                    )
                })
        }
        _ => false,
    }
}

/// Whether `name` is rebound lexically somewhere above `node`.
pub(crate) fn rebound(node: &SyntaxNode, name: &str) -> bool {
    use crate::syntax::ast::HasEntry;
    fn binds_name(entries: impl Iterator<Item = ast::Entry>, name: &str) -> bool {
        let mut entries = entries;
        entries.any(|e| match e {
            ast::Entry::AttrpathValue(kv) => kv
                .attrpath()
                .and_then(|p| p.attrs().next())
                .and_then(|a| fixkit::static_attr_name(&a))
                .is_some_and(|n| n == name),
            ast::Entry::Inherit(i) => i
                .attrs()
                .any(|a| fixkit::static_attr_name(&a).is_some_and(|n| n == name)),
        })
    }

    node.ancestors().any(|a| match a.kind() {
        SyntaxKind::NODE_LET_IN => {
            ast::LetIn::cast(a).is_some_and(|l| binds_name(l.entries(), name))
        }
        SyntaxKind::NODE_LEGACY_LET => {
            ast::LegacyLet::cast(a).is_some_and(|l| binds_name(l.entries(), name))
        }
        SyntaxKind::NODE_ATTR_SET => ast::AttrSet::cast(a)
            .is_some_and(|s| s.rec_token().is_some() && binds_name(s.entries(), name)),
        SyntaxKind::NODE_LAMBDA => match ast::Lambda::cast(a).and_then(|l| l.param()) {
            Some(ast::Param::IdentParam(p)) => p
                .ident()
                .and_then(|i| fixkit::ident_text(i.syntax()))
                .is_some_and(|n| n == name),
            Some(ast::Param::Pattern(p)) => {
                p.pat_entries().any(|e| {
                    e.ident()
                        .and_then(|i| fixkit::ident_text(i.syntax()))
                        .is_some_and(|n| n == name)
                }) || p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .and_then(|i| fixkit::ident_text(i.syntax()))
                    .is_some_and(|n| n == name)
            }
            None => false,
        },
        _ => false,
    })
}

impl Rule for BoolComparison {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `==`/`!=` and `true`/`false` in the text
        if !((cx.file.text.contains("==") || cx.file.text.contains("!="))
            && (cx.file.text.contains("true") || cx.file.text.contains("false")))
        {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_BIN_OP) {
            let Some(bin) = ast::BinOp::cast(node.clone()) else {
                continue;
            };
            let Some(op @ (BinOpKind::Equal | BinOpKind::NotEqual)) = bin.operator() else {
                continue;
            };
            let (Some(lhs), Some(rhs)) = (bin.lhs(), bin.rhs()) else {
                continue;
            };
            let (lhs, rhs) = (lhs.syntax().clone(), rhs.syntax().clone());
            let (value, other) = match (bool_literal(&lhs), bool_literal(&rhs)) {
                (Some(_), Some(_)) => continue,
                (Some(b), None) => (b, rhs),
                (None, Some(b)) => (b, lhs),
                (None, None) => continue,
            };
            let literal = if value { "true" } else { "false" };
            if rebound(node, literal) {
                continue;
            }
            let positive = value == (op == BinOpKind::Equal);
            let other_text = other.to_string();
            let replacement = if positive {
                other_text.clone()
            } else {
                let inner = fixkit::strip_parens(&other);
                let operand = fixkit::parenthesize_for(
                    &inner.to_string(),
                    fixkit::prec_of(&inner),
                    Prec::HasAttr,
                );
                format!("!{operand}")
            };
            let applicability = if surely_bool(&other) {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            };
            let text = &cx.file.text;
            let replacement = fixkit::padded(text, node.text_range(), &replacement);
            let shown = if positive {
                format!("`{}`", other_text.trim())
            } else {
                format!("`{}`", replacement.trim())
            };
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                format!("comparison with `{literal}`; use {shown} instead"),
            );
            if let Some(f) = fixkit::replace_node(
                root,
                node,
                replacement,
                format!("replace with {shown}"),
                applicability,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
