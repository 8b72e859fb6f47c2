//! ## dynamic-let (NF0304)
//!
//! Finds `let` bindings whose name is computed: `let ${name} = 1; in ...`
//! or `let "${name}" = 1; in ...`.
//!
//! ### Why
//! Nix rejects them ("dynamic attributes not allowed in let"): variable
//! names must be known before evaluation. (`${"a"}` and `"a"` with a plain
//! string are fine and not reported; a computed name deeper in the path,
//! `let a.${n} = 1;`, is allowed too.)
//!
//! ### Example
//!
//! ```nix
//! let ${name} = 1; in 2
//! ```
//!
//! Nix's parser rejects this too; when this rule is enabled it reports the
//! problem instead of `syntax-error` (one finding, not two).
//!
//! ### How to fix
//! Build a set instead: `let vars = { ${name} = 1; }; in vars.${name}`.

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind};

pub struct DynamicLet;
pub static RULE: DynamicLet = DynamicLet;

pub use crate::catalog::DYNAMIC_LET as META;

impl Rule for DynamicLet {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // the syntax layer rejects these as Nix does; without such an error there is nothing to find
        if !(cx.file.parsed().errors.iter().any(|e| {
            e.message
                .contains("dynamic attributes are not allowed in `let`")
        })) {
            return;
        }
        for node in cx.nodes(SyntaxKind::NODE_LET_IN) {
            let Some(l) = ast::LetIn::cast(node.clone()) else {
                continue;
            };
            for kv in l.attrpath_values() {
                let Some(first) = kv.attrpath().and_then(|p| p.attrs().next()) else {
                    continue;
                };
                if matches!(first, ast::Attr::Ident(_))
                    || fixkit::static_attr_name(&first).is_some()
                {
                    continue;
                }
                out.push(Diagnostic::new(
                    &META,
                    cx.project.config.severity(&META),
                    cx.file,
                    first.syntax().text_range(),
                    "a `let` variable name cannot be computed (Nix: dynamic attributes not allowed in let)",
                ));
            }
        }
    }
}
