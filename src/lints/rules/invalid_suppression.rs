//! ## invalid-suppression (NF0002)
//!
//! A suppression comment that nixfold cannot use: it starts with
//! `# nixfold:` but does not follow the suppression syntax, or it names a
//! rule that does not exist. Such a comment suppresses nothing (a malformed
//! one) or less than intended (an unknown name), so the finding it was meant
//! to silence is still reported and the typo would otherwise go unnoticed.
//!
//! The syntax is `# nixfold: ignore[rule-name, ...]` (at the end of the line
//! of the finding, or alone on the line before it) and
//! `# nixfold: ignore-file[rule-name, ...]` (anywhere in the file). Rule
//! names, not codes, go inside the brackets; the brackets are required.
//! Text after the closing bracket and a space is free (e.g. a reason).
//!
//! ### Example
//!
//! ```nix
//! # nixfold: ignore[impure-getenvv]   # warning: unknown rule; did you mean `impure-getenv`?
//! pkgs = builtins.getEnv "NIXOS_PACKAGES";
//! # nixfold: ignore impure-getenv     # warning: expected `[` after `ignore`
//! ```
//!
//! ### How to fix
//!
//! Correct the rule name (`nixfold rules` lists them) or the syntax, or
//! delete the comment.

use crate::diagnostics::Diagnostic;
use crate::lints::{FileCx, ProjectCx, Rule, RuleMeta};

pub struct InvalidSuppressionRule;
pub static RULE: InvalidSuppressionRule = InvalidSuppressionRule;

pub use crate::catalog::INVALID_SUPPRESSION as META;

fn report(p: &crate::lints::suppress::Problem, mut d: Diagnostic, out: &mut Vec<Diagnostic>) {
    if let Some(help) = &p.help {
        d = d.with_note(help.clone());
    }
    out.push(d);
}

impl Rule for InvalidSuppressionRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let sev = cx.project.config.severity(&META);
        for p in &cx.suppressions().problems {
            let d = Diagnostic::new(&META, sev, cx.file, p.range, p.message.clone());
            report(p, d, out);
        }
    }

    fn check_project(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
        let sev = cx.config.severity(&META);
        for (t, s) in cx.project.texts.iter().zip(&cx.text_suppressions) {
            for p in &s.problems {
                let d = Diagnostic::in_text(
                    &META,
                    sev,
                    t.path.clone(),
                    &t.text,
                    &t.line_index,
                    p.range,
                    p.message.clone(),
                );
                report(p, d, out);
            }
        }
    }
}
