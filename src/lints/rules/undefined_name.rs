//! ## undefined-name (NF0301)
//!
//! Finds variables that nothing defines: no `let`, function argument,
//! `rec` attribute or builtin of that name is in scope, and no `with`
//! encloses the use.
//!
//! ### Why
//! Nix fails with "undefined variable" as soon as the expression is
//! evaluated; often a typo or a missing function argument.
//!
//! ### Example
//!
//! ```nix
//! { pkgs, ... }:
//! { environment.systemPackages = [ pkgs.git lib.getBin ]; }   # `lib` is undefined
//! ```
//!
//! A name used inside `with e; ...` is never reported: it may come from `e`,
//! which is only known at evaluation time. Nor is any name in a file Nix
//! cannot parse: around a syntax error the tree is the parser's guess (in
//! `custom$name = ...`, `name` would be a variable), so names are judged
//! once the syntax error is fixed.
//!
//! ### How to fix
//! Define the name (add it to the function's pattern, bind it with `let`),
//! or correct the spelling.

use crate::diagnostics::Diagnostic;
use crate::hir::Resolution;
use crate::lints::{FileCx, Rule, RuleMeta};

pub struct UndefinedName;
pub static RULE: UndefinedName = UndefinedName;

pub use crate::catalog::UNDEFINED_NAME as META;

impl Rule for UndefinedName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        if cx.file.parsed().recovered() {
            return;
        }
        let scopes = cx.scopes();
        let text = &cx.file.text;
        for r in scopes.references() {
            if r.resolution != Resolution::Undefined {
                continue;
            }
            let name = &text[usize::from(r.range.start())..usize::from(r.range.end())];
            out.push(Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                r.range,
                format!("undefined variable `{name}`"),
            ));
        }
    }
}
