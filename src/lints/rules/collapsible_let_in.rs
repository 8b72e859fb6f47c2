//! ## collapsible-let-in (NF0505)
//!
//! Finds a `let ... in` whose body is directly another `let ... in`.
//!
//! ### Why
//! Two nested `let` blocks read like one with an extra `in let` in the
//! middle; one block is easier to scan.
//!
//! ### Example
//!
//! ```nix
//! let
//!   a = 1;
//! in
//! let
//!   b = a + 1;
//! in
//! b
//! ```
//!
//! becomes
//!
//! ```nix
//! let
//!   a = 1;
//!   b = a + 1;
//! in
//! b
//! ```
//!
//! ### When it is not reported
//! Merging puts both sets of bindings into one recursive scope, so it is
//! only done when that cannot change what a name refers to:
//! - the two blocks bind no common name (merging would make a duplicate, or
//!   silently change which binding wins, e.g. `let pkgs' = pkgs.extend f; in
//!   let pkgs = pkgs'; in ...` would become an infinite recursion);
//! - no binding of the outer block mentions a name the inner block binds
//!   (it refers to something outside today, and would be captured);
//! - every name is static (no `${...}` or interpolated keys).
//!
//! ### Fix
//! Safe under the conditions above. When comments sit between the outer
//! `in` and the inner `let` the finding is reported without a fix.

use std::collections::HashSet;

use crate::diagnostics::{Applicability, Diagnostic, Edit};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, TextRange};

pub struct CollapsibleLetIn;
pub static RULE: CollapsibleLetIn = CollapsibleLetIn;

pub use crate::catalog::COLLAPSIBLE_LET_IN as META;

/// The names a `let` binds (first attribute of each path, inherited names),
/// or `None` if any is not static.
fn bound_names(l: &ast::LetIn) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for e in l.entries() {
        match e {
            ast::Entry::AttrpathValue(kv) => {
                names.push(fixkit::static_attr_name(&kv.attrpath()?.attrs().next()?)?)
            }
            ast::Entry::Inherit(i) => {
                for a in i.attrs() {
                    names.push(fixkit::static_attr_name(&a)?);
                }
            }
        }
    }
    Some(names)
}

/// The inner `let` when `outer`'s body is a `let` that can be merged into
/// it without changing what any name refers to.
fn mergeable(outer: &ast::LetIn) -> Option<ast::LetIn> {
    let body = outer.body()?;
    let inner = ast::LetIn::cast(body.syntax().clone())?;
    if outer.entries().next().is_none() || inner.entries().next().is_none() {
        return None; // empty-let-in's business
    }
    if outer
        .syntax()
        .children()
        .any(|c| c.kind() == SyntaxKind::NODE_ERROR)
        || inner
            .syntax()
            .children()
            .any(|c| c.kind() == SyntaxKind::NODE_ERROR)
    {
        return None;
    }
    let outer_names = bound_names(outer)?;
    let inner_names = bound_names(&inner)?;
    let outer_set: HashSet<&str> = outer_names.iter().map(String::as_str).collect();
    if inner_names.iter().any(|n| outer_set.contains(n.as_str())) {
        return None;
    }
    let captured = outer.entries().any(|e| {
        inner_names
            .iter()
            .any(|n| fixkit::mentions_name(e.syntax(), n))
    });
    (!captured).then_some(inner)
}

impl Rule for CollapsibleLetIn {
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
            let Some(outer) = ast::LetIn::cast(node.clone()) else {
                continue;
            };
            let Some(inner) = mergeable(&outer) else {
                continue;
            };
            let (Some(in_tok), Some(inner_let)) = (outer.in_token(), inner.let_token()) else {
                continue;
            };
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                in_tok.text_range().cover(inner_let.text_range()),
                "this `let` can be merged into the enclosing one",
            );
            // In a chain `let a in let b in let c in`, only the outermost
            // mergeable pair is fixed per pass: the next pass re-checks the
            // merged block against the next one (merging all pairs at once
            // could capture names across more than two blocks).
            let chain_head = node
                .parent()
                .and_then(ast::LetIn::cast)
                .is_none_or(|p| mergeable(&p).is_none());
            let last_entry_end = outer
                .entries()
                .last()
                .map(|e| e.syntax().text_range().end())
                .unwrap_or(in_tok.text_range().start());
            let removed = TextRange::new(last_entry_end, inner_let.text_range().end());
            if chain_head
                && !fixkit::has_comments(root, removed)
                && let Some(f) = fixkit::fix(
                    root,
                    "merge the two `let` blocks",
                    Applicability::Safe,
                    vec![Edit::delete(removed)],
                )
            {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
