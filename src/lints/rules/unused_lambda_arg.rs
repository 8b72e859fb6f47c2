//! ## unused-lambda-arg (NF0403)
//!
//! Finds function arguments that the body never uses: `x: 1`, and `@`
//! names of patterns (`args @ { a, ... }: a`) that nothing uses.
//!
//! ### Why
//! An unused argument is usually a mistake (a typo, or a value that should
//! be passed on), and otherwise it is clearer to say so: by convention a
//! name starting with `_` (`_: 1`, `_name: value: ...`) marks an argument
//! that is ignored on purpose, and such names are never reported.
//!
//! ### Example
//!
//! ```nix
//! lib.mapAttrs (name: value: value.enable) cfg
//! ```
//!
//! becomes
//!
//! ```nix
//! lib.mapAttrs (_name: value: value.enable) cfg
//! ```
//!
//! ### Severity
//! The configured severity (`warning`) for functions bound by a `let` of
//! the file and called there, whose calls are in view. A function handed to
//! someone else (`lib.mapAttrs (name: value: ...)`, `final: prev: ...`
//! overlays, `merge = loc: defs: ...`, an option's function default, or a
//! `let`-bound function the file never calls but only passes on, as in
//! `let overlay = final: prev: { ... }; in { overlays = [ overlay ]; }`)
//! takes the arguments its caller passes, so an unused one there is `info`.
//!
//! ### Fix
//! Safe. A plain argument is renamed with a `_` prefix (its position in the
//! call stays); an unused `@` name is removed (`args @ { a, ... }:` →
//! `{ a, ... }:`), which changes nothing for callers. No fix when the new
//! name is already used in the body.

use crate::diagnostics::{Applicability, Diagnostic, Edit, Severity};
use crate::hir::{BindingKind, Scopes};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, SyntaxNode, TextRange};

pub struct UnusedLambdaArg;
pub static RULE: UnusedLambdaArg = UnusedLambdaArg;

pub use crate::catalog::UNUSED_LAMBDA_ARG as META;

/// Remove `name @` or `@ name` from a pattern, with the whitespace around the `@`.
fn pat_bind_removal(bind: &SyntaxNode) -> TextRange {
    // NODE_PAT_BIND holds `@` and the name; its position says which side
    let pattern_start = bind
        .parent()
        .map(|p| p.text_range().start())
        .unwrap_or_default();
    let r = bind.text_range();
    if r.start() == pattern_start {
        // `args @ {`: also the whitespace after
        let mut end = r.end();
        let mut t = bind.last_token().and_then(|t| t.next_token());
        while let Some(tok) = t {
            if tok.kind() == SyntaxKind::TOKEN_WHITESPACE {
                end = tok.text_range().end();
                t = tok.next_token();
            } else {
                break;
            }
        }
        TextRange::new(r.start(), end)
    } else {
        fixkit::with_leading_whitespace(bind)
    }
}

/// Whether the curried function `lambda` belongs to is a `let` binding of
/// this file (`let f = x: y: ...; in`) that the file calls, so that the
/// reader sees its calls; otherwise the function is handed to someone else
/// (`mapAttrs (n: v: ...)`, `final: prev: ...` overlays, `merge = loc: defs:
/// ...`, or a `let`-bound overlay only ever passed on as
/// `overlays = [ overlay ]`), who decides which arguments it gets.
fn is_local_function(scopes: &Scopes, root: &SyntaxNode, lambda: &SyntaxNode) -> bool {
    let mut outer = lambda.clone();
    while let Some(p) = outer.parent() {
        if matches!(p.kind(), SyntaxKind::NODE_LAMBDA | SyntaxKind::NODE_PAREN) {
            outer = p;
        } else {
            break;
        }
    }
    let Some(binding) = outer.parent().filter(|binding| {
        binding.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
            && binding
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::NODE_LET_IN)
    }) else {
        return false;
    };
    let Some(id) = binding
        .first_child()
        .and_then(|ap| ap.first_child())
        .and_then(|name| scopes.binding_at(name.text_range().start()))
    else {
        return true;
    };
    // never used at all: unused-let-binding's concern, the warning stays
    scopes.uses(id).len() == 0 || scopes.uses(id).any(|r| is_called(root, r.range))
}

/// Whether the variable reference at `range` is the function of a call
/// (`f x`, `(f) x`).
fn is_called(root: &SyntaxNode, range: TextRange) -> bool {
    let Some(ident) = root
        .covering_element(range)
        .into_token()
        .and_then(|t| t.parent())
    else {
        return false;
    };
    let mut cur = ident;
    while let Some(p) = cur.parent() {
        match p.kind() {
            SyntaxKind::NODE_PAREN => cur = p,
            SyntaxKind::NODE_APPLY => return p.first_child().as_ref() == Some(&cur),
            _ => return false,
        }
    }
    false
}

impl Rule for UnusedLambdaArg {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let scopes = cx.scopes();
        let root = cx.index().root();
        for (id, b) in scopes.bindings() {
            if !matches!(b.kind, BindingKind::LambdaArg | BindingKind::PatBind) {
                continue;
            }
            let name = scopes.name(id);
            if name.starts_with('_') || scopes.is_used(id) {
                continue;
            }
            let Some(def) = b.def.try_to_node(root) else {
                continue;
            };
            let lambda = def
                .ancestors()
                .find(|a| a.kind() == SyntaxKind::NODE_LAMBDA);
            let callback = b.kind == BindingKind::LambdaArg
                && lambda
                    .as_ref()
                    .is_some_and(|l| !is_local_function(scopes, root, l));
            let severity = if callback {
                cx.project.config.severity(&META).min(Severity::Info)
            } else {
                cx.project.config.severity(&META)
            };
            let mut d = Diagnostic::new(
                &META,
                severity,
                cx.file,
                b.range,
                format!("argument `{name}` is never used"),
            );
            if callback {
                d = d.with_note(
                    "the function is passed on (a callback, an overlay, an option's function), so whoever calls it fixes its arguments; `_` marks the argument as ignored on purpose",
                );
            }
            let fix = match b.kind {
                BindingKind::LambdaArg => {
                    let new = format!("_{name}");
                    let body_mentions = lambda
                        .as_ref()
                        .and_then(|l| l.children().nth(1))
                        .is_some_and(|body| fixkit::mentions_name(&body, &new));
                    (!body_mentions)
                        .then(|| {
                            fixkit::fix(
                                root,
                                format!("rename to `{new}`"),
                                Applicability::Safe,
                                vec![Edit::replace(b.range, new.clone())],
                            )
                        })
                        .flatten()
                }
                _ => {
                    // a pattern with a used `@` name is an unused-formal concern; here the
                    // `@` name itself is unused
                    fixkit::fix(
                        root,
                        format!("remove `{name} @`"),
                        Applicability::Safe,
                        vec![Edit::delete(pat_bind_removal(&def))],
                    )
                }
            };
            if let Some(f) = fix {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
