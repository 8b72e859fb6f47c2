//! ## duplicated-formal (NF0303)
//!
//! Finds a function argument pattern that binds the same name twice:
//! `{ a, a }:` or `{ a } @ a:`.
//!
//! ### Why
//! Nix rejects the file ("duplicate formal function argument") when it is
//! evaluated.
//!
//! ### Example
//!
//! ```nix
//! { pkgs, lib, pkgs, ... }: { }
//! ```
//!
//! Nix's parser rejects this too; when this rule is enabled it reports the
//! problem instead of `syntax-error` (one finding, not two).
//!
//! ### How to fix
//! Remove the repeated name, or rename the `@` binding.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind, TextRange};

pub struct DuplicatedFormal;
pub static RULE: DuplicatedFormal = DuplicatedFormal;

pub use crate::catalog::DUPLICATED_FORMAL as META;

impl Rule for DuplicatedFormal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // the syntax layer reports every duplicate formal as Nix does; without one there is nothing to find
        if !cx.file.parsed().has_duplicate_formal() {
            return;
        }
        for node in cx.nodes(SyntaxKind::NODE_PATTERN) {
            let Some(pat) = ast::Pattern::cast(node.clone()) else {
                continue;
            };
            let mut seen: HashMap<String, TextRange> = HashMap::new();
            let mut names: Vec<(String, TextRange)> = pat
                .pat_entries()
                .filter_map(|e| {
                    let i = e.ident()?;
                    Some((fixkit::ident_text(i.syntax())?, i.syntax().text_range()))
                })
                .collect();
            if let Some(b) = pat.pat_bind().and_then(|b| b.ident())
                && let Some(n) = fixkit::ident_text(b.syntax())
            {
                names.push((n, b.syntax().text_range()));
            }
            names.sort_by_key(|(_, r)| r.start());
            for (name, range) in names {
                let Some(first) = seen.get(&name).copied() else {
                    seen.insert(name, range);
                    continue;
                };
                out.push(
                    Diagnostic::new(
                        &META,
                        cx.project.config.severity(&META),
                        cx.file,
                        range,
                        format!("`{name}` is already bound by this pattern"),
                    )
                    .with_label(first, "first bound here"),
                );
            }
        }
    }
}
