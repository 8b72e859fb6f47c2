//! ## redundant-pattern-bind (NF0509)
//!
//! Finds `args @ { ... }:` patterns that name no attribute: the `{ ... }`
//! part checks nothing and binds nothing.
//!
//! ### Why
//! `args:` says the same thing without the ceremony.
//!
//! ### Example
//!
//! ```nix
//! lib.mapAttrs (name: args @ { ... }: args.value) sets
//! ```
//!
//! becomes
//!
//! ```nix
//! lib.mapAttrs (name: args: args.value) sets
//! ```
//!
//! ### When it is not reported
//! Not for NixOS/home-manager modules (see `empty-pattern`): the module
//! system and `nix flake check` require a module to be a function of an
//! open attribute set, so `args @ { ... }:` is needed there. Not for closed
//! patterns `args @ { }:`, which only accept an empty set.
//!
//! ### Fix
//! Safe: `args:` accepts every argument `args @ { ... }:` accepts, and
//! `builtins.functionArgs` is `{ }` for both.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind};

pub struct RedundantPatternBind;
pub static RULE: RedundantPatternBind = RedundantPatternBind;

pub use crate::catalog::REDUNDANT_PATTERN_BIND as META;

impl Rule for RedundantPatternBind {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `@` in the text
        if !(cx.file.text.contains('@')) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_LAMBDA) {
            let Some(lambda) = ast::Lambda::cast(node.clone()) else {
                continue;
            };
            let Some(ast::Param::Pattern(pat)) = lambda.param() else {
                continue;
            };
            let Some(name) = pat
                .pat_bind()
                .and_then(|b| b.ident())
                .and_then(|i| fixkit::ident_text(i.syntax()))
            else {
                continue;
            };
            if pat.pat_entries().next().is_some()
                || pat.ellipsis_token().is_none()
                || pat
                    .syntax()
                    .children()
                    .any(|c| c.kind() == SyntaxKind::NODE_ERROR)
                || fixkit::is_module_lambda(&lambda)
            {
                continue;
            }
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                pat.syntax().text_range(),
                format!("the pattern binds nothing but `{name}`; use `{name}:`"),
            );
            if let Some(f) = fixkit::replace_node(
                root,
                pat.syntax(),
                name.clone(),
                format!("replace with `{name}`"),
                Applicability::Safe,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
