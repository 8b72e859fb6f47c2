//! ## useless-has-attr (NF0512)
//!
//! Finds `if x ? a then x.a else d`, which is what `x.a or d` means.
//!
//! ### Why
//! `or` states the intent (an attribute with a fallback) in one place,
//! without repeating `x` and the attribute path.
//!
//! ### Example
//!
//! ```nix
//! if cfg ? port then cfg.port else 8080
//! ```
//!
//! becomes
//!
//! ```nix
//! cfg.port or 8080
//! ```
//!
//! ### Fix
//! Safe: both forms give `d` when `x` lacks the path or is not a set, and
//! the attribute otherwise. The fallback is parenthesized when it is more
//! than a simple expression (`x.a or (f y)`).

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit::{self, Prec};
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind};

pub struct UselessHasAttr;
pub static RULE: UselessHasAttr = UselessHasAttr;

pub use crate::catalog::USELESS_HAS_ATTR as META;

impl Rule for UselessHasAttr {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `if` and `?` in the text
        if !(cx.file.text.contains('?') && crate::syntax::has_text(&cx.file.text, "if")) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_IF_ELSE) {
            let Some(ite) = ast::IfElse::cast(node.clone()) else {
                continue;
            };
            let (Some(cond), Some(then), Some(default)) =
                (ite.condition(), ite.body(), ite.else_body())
            else {
                continue;
            };
            let Some(has) = ast::HasAttr::cast(fixkit::strip_parens(cond.syntax())) else {
                continue;
            };
            let Some(sel) = ast::Select::cast(fixkit::strip_parens(then.syntax())) else {
                continue;
            };
            if sel.or_token().is_some() {
                continue;
            }
            let (Some(set), Some(path), Some(sel_set), Some(sel_path)) =
                (has.expr(), has.attrpath(), sel.expr(), sel.attrpath())
            else {
                continue;
            };
            let set_text = fixkit::normalized_text(set.syntax());
            if set_text != fixkit::normalized_text(sel_set.syntax())
                || fixkit::normalized_text(path.syntax())
                    != fixkit::normalized_text(sel_path.syntax())
            {
                continue;
            }
            // the selection as written in the `then` branch, then `or` and the fallback
            let default_node = fixkit::strip_parens(default.syntax());
            let default_text = fixkit::parenthesize_for(
                &default_node.to_string(),
                fixkit::prec_of(&default_node),
                Prec::Select,
            );
            let base = fixkit::strip_parens(then.syntax()).to_string();
            let expr = format!("{base} or {default_text}");
            // shown as the fix writes it: the selection's own text
            let shown = &expr;
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                format!("this `if` is `{shown}`"),
            );
            if let Some(f) = fixkit::replace_node(
                root,
                node,
                fixkit::padded(&cx.file.text, node.text_range(), &expr),
                format!("replace with `{shown}`"),
                Applicability::Safe,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
