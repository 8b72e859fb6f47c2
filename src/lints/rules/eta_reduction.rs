//! ## eta-reduction (NF0506)
//!
//! Finds functions that only pass their argument on: `x: f x`.
//!
//! ### Why
//! `x: f x` behaves like `f` when called; writing `f` is shorter, as in
//! `map (x: toString x) xs` → `map toString xs`.
//!
//! ### Example
//!
//! ```nix
//! map (p: lib.getBin p) packages
//! ```
//!
//! becomes
//!
//! ```nix
//! map lib.getBin packages
//! ```
//!
//! ### When it is not reported
//! Only when the called function is a name or an attribute selection
//! (`f`, `lib.getBin`) that does not mention the argument; `x: f x x`,
//! `x: x.f x` and `x: (g y) x` are left alone, and so is `x: f x` where
//! `f` has a default (`a.f or g`).
//!
//! ### Fix
//! Unsafe: the two are not always interchangeable. `x: f x` is a function
//! even when `f` fails to evaluate, so code that only passes it around
//! keeps working; and `builtins.functionArgs` (used by `callPackage` and the
//! module system) sees the formals of `f` after the change instead of none.
//! Review and apply with `--unsafe-fixes`.
//!
//! This rule is a matter of taste and is off by default.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

pub struct EtaReduction;
pub static RULE: EtaReduction = EtaReduction;

pub use crate::catalog::ETA_REDUCTION as META;

/// A plain name or a chain of static selections without default.
fn simple_function(n: &SyntaxNode) -> bool {
    match n.kind() {
        SyntaxKind::NODE_IDENT => true,
        SyntaxKind::NODE_SELECT => {
            let Some(s) = ast::Select::cast(n.clone()) else {
                return false;
            };
            s.or_token().is_none()
                && s.attrpath()
                    .is_some_and(|p| p.attrs().all(|a| matches!(a, ast::Attr::Ident(_))))
                && s.expr().is_some_and(|e| simple_function(e.syntax()))
        }
        _ => false,
    }
}

impl Rule for EtaReduction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_LAMBDA) {
            let Some(lambda) = ast::Lambda::cast(node.clone()) else {
                continue;
            };
            let Some(ast::Param::IdentParam(param)) = lambda.param() else {
                continue;
            };
            let Some(arg) = param.ident().and_then(|i| fixkit::ident_text(i.syntax())) else {
                continue;
            };
            let Some(body) = lambda.body() else { continue };
            let Some(apply) = ast::Apply::cast(body.syntax().clone()) else {
                continue;
            };
            let (Some(func), Some(passed)) = (apply.lambda(), apply.argument()) else {
                continue;
            };
            if passed.syntax().kind() != SyntaxKind::NODE_IDENT
                || fixkit::ident_text(passed.syntax()).as_deref() != Some(arg.as_str())
            {
                continue;
            }
            let func = func.syntax();
            if !simple_function(func) || fixkit::mentions_name(func, &arg) {
                continue;
            }
            let f = func.to_string();
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                format!("`{arg}: {f} {arg}` can be written `{f}`"),
            );
            if let Some(fix) = fixkit::replace_node(
                root,
                node,
                fixkit::padded(&cx.file.text, node.text_range(), &f),
                format!("replace with `{f}`"),
                Applicability::Unsafe,
            ) {
                d = d.with_fix(fix);
            }
            out.push(d);
        }
    }
}
