//! ## unused-with (NF0404)
//!
//! Finds `with e; body` where no name in `body` can come from `e`: every
//! variable of the body is bound by a `let`, an argument, or is a builtin.
//!
//! ### Why
//! Such a `with` does nothing but make the reader wonder which names it
//! provides.
//!
//! ### Example
//!
//! ```nix
//! { pkgs, ... }:
//! with pkgs.lib; {
//!   environment.systemPackages = [ pkgs.git ];
//! }
//! ```
//!
//! becomes
//!
//! ```nix
//! { pkgs, ... }:
//! {
//!   environment.systemPackages = [ pkgs.git ];
//! }
//! ```
//!
//! An outer `with` is considered used when a name could come from it or
//! from an inner one (which `with` provides a name is only known at
//! evaluation time).
//!
//! Not reported: a `with` over an empty list or set
//! (`environment.systemPackages = with pkgs; [ ];`, `maintainers = with
//! maintainers; [ ];`), the template idiom for a list still to be filled.
//!
//! ### Fix
//! Safe: the body replaces the `with` expression. `e` is only evaluated
//! when a name is looked up in it, which never happens here.

use crate::diagnostics::{Applicability, Diagnostic, Edit};
use crate::hir::Resolution;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind, TextRange};

pub struct UnusedWith;
pub static RULE: UnusedWith = UnusedWith;

pub use crate::catalog::UNUSED_WITH as META;

impl Rule for UnusedWith {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `with` in the text
        if !(crate::syntax::has_text(&cx.file.text, "with")) {
            return;
        }
        let scopes = cx.scopes();
        let root = cx.index().root();
        if scopes.withs().len() == 0 {
            return;
        }
        let mut used = std::collections::HashSet::new();
        for r in scopes.references() {
            if let Resolution::With(w) = r.resolution {
                for outer in scopes.with_chain(w) {
                    if !used.insert(outer) {
                        break;
                    }
                }
            }
        }
        let mut found: Vec<_> = scopes
            .withs()
            .filter(|(id, _)| !used.contains(id))
            .filter_map(|(_, w)| w.node.try_to_node(root))
            .collect();
        found.sort_by_key(|n| n.text_range().start());
        for node in found {
            let Some(with) = ast::With::cast(node.clone()) else {
                continue;
            };
            let (Some(kw), Some(semi), Some(body)) =
                (with.with_token(), with.semicolon_token(), with.body())
            else {
                continue;
            };
            // `with pkgs; [ ]` is a template's placeholder, to be filled in.
            let empty = match crate::hir::strip_parens(body.syntax()) {
                n if n.kind() == SyntaxKind::NODE_LIST => n.children().next().is_none(),
                n if n.kind() == SyntaxKind::NODE_ATTR_SET => n.children().next().is_none(),
                _ => false,
            };
            if empty {
                continue;
            }
            let ns = with
                .namespace()
                .map(|n| n.syntax().to_string())
                .unwrap_or_default();
            let head = kw.text_range().cover(semi.text_range());
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                head,
                format!("no name is taken from `with {ns};`"),
            );
            // remove `with e;` and the whitespace up to the body
            let removed = TextRange::new(
                node.text_range().start(),
                body.syntax().text_range().start(),
            );
            if let Some(f) = fixkit::fix(
                root,
                "remove the `with`",
                Applicability::Safe,
                vec![Edit::delete(removed)],
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
