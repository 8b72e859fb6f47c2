//! ## syntax-error (NF0001)
//!
//! The file is not valid Nix: the parser could not read it. Nix rejects such a
//! file as soon as anything imports it, so nothing else in the file is checked
//! reliably until this is fixed.
//!
//! Like Nix itself, nixfold reports only the first syntax error of a file:
//! later errors usually follow from the first one. A note says how many more
//! the parser found. The message names what the parser expected; the span
//! points at the place it gave up.
//!
//! Files that cannot be read as Nix source are reported under this rule too,
//! and the other files are still checked: files that are not valid UTF-8 (at
//! the first invalid byte), binary files (containing a NUL byte), unreadable
//! files, broken symbolic links and symbolic link loops. Input nested deeper
//! than 512 levels, or with absurdly long operator chains, is a syntax error
//! as well, rather than a crash.
//!
//! The pipe operators `|>` and `<|` are not Nix 2.8, which nixfold reads;
//! Nix 2.24 and later and Lix accept them under the experimental feature
//! `pipe-operators`. A file whose only syntax errors are pipe operators is
//! therefore reported as a warning, not an error: it may be valid where the
//! feature is enabled (nixvim's CI scripts).
//!
//! ### Example
//!
//! ```nix
//! { a = ; }   # error: unexpected `;`
//! ```
//!
//! ### How to fix
//!
//! Fix the syntax at the reported position (`nix-instantiate --parse FILE`
//! shows Nix's own message), or exclude generated or foreign files in
//! `nixfold.toml` (`[check] exclude`).

use crate::diagnostics::{Diagnostic, Severity};
use crate::lints::{FileCx, ProjectCx, Rule, RuleMeta};
use crate::syntax::{LineCol, SourceError, TextRange, TextSize};

pub struct SyntaxErrorRule;
pub static RULE: SyntaxErrorRule = SyntaxErrorRule;

pub use crate::catalog::SYNTAX_ERROR as META;

/// Keep only the first `syntax-error` finding among one file's findings; a
/// note on it counts the others (they usually follow from the first).
pub fn keep_first(file_diags: &mut Vec<Diagnostic>) {
    let errors = || file_diags.iter().filter(|d| d.name == META.name);
    let more = errors().count().saturating_sub(1);
    if more == 0 {
        return;
    }
    let first = errors()
        .min_by_key(|d| d.range.start())
        .cloned()
        .expect("at least two errors");
    file_diags.retain(|d| d.name != META.name);
    let note = if more == 1 {
        "the parser found 1 more error after this one; fix this one first".to_string()
    } else {
        format!("the parser found {more} more errors after this one; fix this one first")
    };
    file_diags.push(first.with_note(note));
}

impl Rule for SyntaxErrorRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // Every error is reported here; `keep_first` then keeps the first
        // one that no more specific rule reports (see lints/supersede.rs).
        let sev = cx.project.config.severity(&META);
        let errors = &cx.file.parsed().errors;
        // A file whose only errors are pipe operators is valid Nix for Nix
        // 2.24+ and Lix with the experimental feature `pipe-operators`,
        // which nixfold cannot know to be off.
        let only_pipes = !errors.is_empty()
            && errors.iter().all(|e| {
                cx.file
                    .text
                    .get(usize::from(e.range.start())..usize::from(e.range.end()))
                    .is_some_and(|t| t == "|>" || t == "<|")
            });
        for e in errors {
            let mut d = Diagnostic::new(
                &META,
                if only_pipes {
                    sev.min(Severity::Warning)
                } else {
                    sev
                },
                cx.file,
                e.range,
                e.message.clone(),
            );
            if only_pipes {
                d = d.with_note(
                    "Nix 2.24 and later (and Lix) read it with the experimental feature `pipe-operators`; without it Nix rejects the file, and nixfold checks the rest of it less reliably",
                );
            }
            out.push(d);
        }
    }

    fn check_project(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
        let sev = cx.config.severity(&META);
        for e in &cx.project.load_errors {
            let (offset, start) = match &e.error {
                SourceError::InvalidUtf8 { line, col, offset } => (
                    *offset,
                    LineCol {
                        line: *line,
                        col: *col,
                    },
                ),
                _ => (0, LineCol { line: 1, col: 1 }),
            };
            out.push(Diagnostic {
                code: META.code,
                name: META.name,
                severity: sev,
                path: e.path.clone(),
                range: TextRange::empty(TextSize::from(offset as u32)),
                start,
                end: start,
                message: e.error.to_string(),
                labels: Vec::new(),
                notes: Vec::new(),
                fix: None,
            });
        }
    }
}
