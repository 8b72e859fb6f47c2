//! ## syntax-error (NF0001)
//!
//! The file is not valid Nix: the parser could not read it. Nix rejects such a
//! file as soon as anything imports it, so nothing else in the file is checked
//! reliably until this is fixed.
//!
//! The message names what the parser expected; the span points at the place it
//! gave up. Files that cannot be read as text (not UTF-8, binary content) are
//! reported under this rule too.
//!
//! ### Example
//!
//! ```nix
//! { a = ; }   # error: unexpected `;`
//! ```

use crate::diagnostics::Diagnostic;
use crate::lints::{Category, FileCx, Rule, RuleMeta, Severity};

pub struct SyntaxErrorRule;
pub static RULE: SyntaxErrorRule = SyntaxErrorRule;

pub static META: RuleMeta = RuleMeta {
    name: "syntax-error",
    code: "NF0001",
    module: "syntax_error",
    category: Category::Syntax,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "the file does not parse as Nix",
};

impl Rule for SyntaxErrorRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let sev = cx.project.config.severity(&META);
        for e in &cx.file.parsed.errors {
            out.push(Diagnostic::new(
                &META,
                sev,
                cx.file,
                e.range,
                e.message.clone(),
            ));
        }
    }
}
