//! ## deprecated-to-path (NF0305)
//!
//! Finds uses of `builtins.toPath` (also as `toPath` under
//! `with builtins;`).
//!
//! ### Why
//! `toPath` is deprecated. Despite its name it returns a *string*, not a
//! path, and it only accepts absolute paths, so it rarely does what the
//! caller expects.
//!
//! ### Example
//!
//! ```nix
//! builtins.toPath "/etc/nixos/hardware.nix"
//! ```
//!
//! ### How to fix
//! For a path value, append the string to a path: `/. + "/etc/nixos/x.nix"`
//! (absolute) or `./. + "/x.nix"` (relative to this file). Where a string
//! was wanted, use the string itself. There is no automatic fix, because
//! which of these was meant depends on the caller.

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

pub struct DeprecatedToPath;
pub static RULE: DeprecatedToPath = DeprecatedToPath;

pub use crate::catalog::DEPRECATED_TO_PATH as META;

fn under_with_builtins(node: &SyntaxNode) -> bool {
    node.ancestors().any(|a| {
        ast::With::cast(a)
            .and_then(|w| w.namespace())
            .is_some_and(|ns| {
                fixkit::ident_text(&fixkit::strip_parens(ns.syntax())).as_deref()
                    == Some("builtins")
            })
    })
}

impl Rule for DeprecatedToPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // Every finding names `toPath` in the text.
        if !crate::syntax::has_text(&cx.file.text, "toPath") {
            return;
        }
        let mut report = |n: &SyntaxNode| {
            out.push(Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                n.text_range(),
                "`builtins.toPath` is deprecated (it returns a string); use `/. + \"/abs/path\"` or `./. + \"/rel\"`",
            ));
        };
        for node in cx.nodes(SyntaxKind::NODE_SELECT) {
            let Some(sel) = ast::Select::cast(node.clone()) else {
                continue;
            };
            let base_is_builtins = sel
                .expr()
                .is_some_and(|e| fixkit::ident_text(e.syntax()).as_deref() == Some("builtins"));
            let mut attrs = sel.attrpath().into_iter().flat_map(|p| p.attrs());
            let first = attrs.next().and_then(|a| fixkit::static_attr_name(&a));
            if base_is_builtins
                && first.as_deref() == Some("toPath")
                && !crate::lints::rules::bool_comparison::rebound(node, "builtins")
            {
                report(node);
            }
        }
        for node in cx.nodes(SyntaxKind::NODE_IDENT) {
            if fixkit::ident_text(node).as_deref() != Some("toPath") {
                continue;
            }
            // a variable reference, not an attribute name or a binding
            let Some(parent) = node.parent() else {
                continue;
            };
            if matches!(
                parent.kind(),
                SyntaxKind::NODE_ATTRPATH
                    | SyntaxKind::NODE_INHERIT
                    | SyntaxKind::NODE_IDENT_PARAM
                    | SyntaxKind::NODE_PAT_ENTRY
                    | SyntaxKind::NODE_PAT_BIND
            ) {
                continue;
            }
            if under_with_builtins(node)
                && !crate::lints::rules::bool_comparison::rebound(node, "toPath")
            {
                report(node);
            }
        }
    }
}
