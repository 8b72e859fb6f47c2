//! ## legacy-let-syntax (NF0504)
//!
//! Finds the old, undocumented `let { ...; body = ...; }` form.
//!
//! ### Why
//! This form predates `let ... in` and is kept only for compatibility; few
//! readers know that it returns the `body` attribute, and tools handle it
//! poorly. The same thing written with `rec` is plain Nix.
//!
//! ### Example
//!
//! ```nix
//! let {
//!   x = 1;
//!   body = x + 1;
//! }
//! ```
//!
//! becomes
//!
//! ```nix
//! rec {
//!   x = 1;
//!   body = x + 1;
//! }.body
//! ```
//!
//! ### Fix
//! Safe: `let { ... }` is exactly `rec { ... }.body`. No fix is offered when
//! the set has no static `body` attribute (then the expression fails anyway).

use crate::diagnostics::{Applicability, Diagnostic, Edit};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind};

pub struct LegacyLetSyntax;
pub static RULE: LegacyLetSyntax = LegacyLetSyntax;

pub use crate::catalog::LEGACY_LET_SYNTAX as META;

impl Rule for LegacyLetSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `let` in the text
        if !(crate::syntax::has_text(&cx.file.text, "let")) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_LEGACY_LET) {
            let Some(legacy) = ast::LegacyLet::cast(node.clone()) else {
                continue;
            };
            let Some(let_tok) = legacy.let_token() else {
                continue;
            };
            let has_body = legacy.entries().any(|e| match e {
                ast::Entry::AttrpathValue(kv) => kv
                    .attrpath()
                    .and_then(|p| p.attrs().next())
                    .and_then(|a| fixkit::static_attr_name(&a))
                    .is_some_and(|n| n == "body"),
                ast::Entry::Inherit(i) => i
                    .attrs()
                    .any(|a| fixkit::static_attr_name(&a).is_some_and(|n| n == "body")),
            });
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                let_tok.text_range(),
                "undocumented `let { ... }` syntax; use `rec { ... }.body`",
            );
            if !has_body {
                d = d.with_note("the set has no `body` attribute, so this expression fails");
            } else if node.children().all(|c| c.kind() != SyntaxKind::NODE_ERROR)
                && let Some(f) = fixkit::fix(
                    root,
                    "rewrite as `rec { ... }.body`",
                    Applicability::Safe,
                    vec![
                        Edit::replace(let_tok.text_range(), "rec"),
                        Edit::insert(node.text_range().end(), ".body"),
                    ],
                )
            {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
