//! ## empty-pattern (NF0508)
//!
//! Finds functions whose argument pattern names nothing: `{ ... }: body` or
//! `{ }: body`, where the argument is not used at all.
//!
//! ### Why
//! `_: body` says "the argument is ignored" directly.
//!
//! ### Example
//!
//! ```nix
//! mapAttrs (name: { ... }: 1) sets
//! ```
//!
//! becomes
//!
//! ```nix
//! mapAttrs (name: _: 1) sets
//! ```
//!
//! ### When it is not reported
//! Not for NixOS/home-manager modules: the module system (and `nix flake
//! check` for `nixosModules`) requires a module function to take an open
//! attribute set, so `{ ... }:` there is required, not redundant. A lambda
//! counts as a module when it is a whole file, an element of an `imports`
//! or `modules` list, or its body is a set with module keys (`imports`,
//! `options`, `config`, `services`, ...).
//!
//! ### Fix
//! Safe: `_:` accepts every argument `{ ... }:` or `{ }:` accepts (and
//! more), and `builtins.functionArgs` is `{ }` for all of them. No fix when
//! the body itself uses a variable named `_`.
//!
//! This rule is a matter of taste and is off by default.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind};

pub struct EmptyPattern;
pub static RULE: EmptyPattern = EmptyPattern;

pub use crate::catalog::EMPTY_PATTERN as META;

impl Rule for EmptyPattern {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_LAMBDA) {
            let Some(lambda) = ast::Lambda::cast(node.clone()) else {
                continue;
            };
            let Some(ast::Param::Pattern(pat)) = lambda.param() else {
                continue;
            };
            if pat.pat_entries().next().is_some()
                || pat.pat_bind().is_some()
                || pat
                    .syntax()
                    .children()
                    .any(|c| c.kind() == SyntaxKind::NODE_ERROR)
            {
                continue;
            }
            if fixkit::is_module_lambda(&lambda) {
                continue;
            }
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                pat.syntax().text_range(),
                "this pattern binds nothing; use `_:`",
            );
            let body_uses_underscore = lambda
                .body()
                .is_some_and(|b| fixkit::mentions_name(b.syntax(), "_"));
            if !body_uses_underscore
                && let Some(f) = fixkit::replace_node(
                    root,
                    pat.syntax(),
                    "_",
                    "replace with `_`",
                    Applicability::Safe,
                )
            {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
