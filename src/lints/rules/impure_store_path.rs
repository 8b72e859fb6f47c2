//! ## impure-store-path (NF0106)
//!
//! Finds `builtins.storePath` (through any alias, called or passed on) and
//! string literals that name a store path: `/nix/store/` followed by a
//! 32-character hash in Nix's base-32 alphabet, a `-` and a name
//! (`"/nix/store/q4fc…-hello-2.12/bin/hello"`).
//!
//! Placeholders are not reported: a hash part made of one repeated character
//! (`/nix/store/00000000000000000000000000000000-name`, `ffff…`, `aaaa…`), as
//! written in documentation, tests and examples, names no real store object.
//! Nor are store paths in documentation: an option's `description`,
//! `longDescription`, `example` or `defaultText`, or the argument of
//! `literalExpression` / `literalMD`, which is text for the reader; nor in
//! a test's expected value (the value of an `expected` or `expect`
//! attribute), which the test compares with what the code computes.
//! `builtins.storePath` is reported whatever its argument.
//!
//! ### Why it matters
//!
//! A store path written into the source is not a dependency of anything: a
//! string literal carries no context, so nothing builds, fetches or keeps
//! that store object. It exists on the machine where it was copied from and
//! is missing (or garbage-collected) everywhere else. `builtins.storePath`
//! adds the context, but pure evaluation (flakes) forbids it: "'builtins.storePath'
//! is not allowed in pure evaluation mode".
//!
//! Severity: `error` when the file is evaluated by a flake, `warning`
//! elsewhere. A `builtins.storePath` call behind a test for impure
//! evaluation (`if builtins ? currentSystem then builtins.storePath p else
//! "${p}"`, as flake-compat writes it) is not reported: pure evaluation
//! never takes that branch.
//!
//! ### Example
//!
//! ```nix
//! { environment.etc."tool".source = "/nix/store/7n2hz8bnv0p2kqv1bxqmf2d7y1bk8f9x-tool-1.0"; }
//! ```
//!
//! ### How to fix
//!
//! Refer to the package instead (`"${pkgs.tool}/bin/tool"`, `pkgs.tool`), or
//! fetch the content with a pinned fetcher so Nix knows how to produce it.

use crate::diagnostics::Diagnostic;
use crate::hir::{UseKind, is_impure_only};
use crate::lints::{FileCx, Rule, RuleMeta, fixkit};
use crate::nixhash::encoding::nix32_digit;
use crate::syntax::{SyntaxKind, TextRange, TextSize};

pub struct ImpureStorePath;
pub static RULE: ImpureStorePath = ImpureStorePath;

pub use crate::catalog::IMPURE_STORE_PATH as META;

const STORE: &str = "/nix/store/";

/// A hash part of one repeated character (`0000…`, `ffff…`): a placeholder
/// written in documentation or tests, never a real store object's hash.
fn is_placeholder_hash(hash: &[u8]) -> bool {
    hash.iter().all(|&b| b == hash[0])
}

/// Byte ranges (within `s`) of the store paths `s` names.
fn store_paths_in(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(pos) = s[from..].find(STORE) {
        let start = from + pos;
        let hash_start = start + STORE.len();
        let hash_end = hash_start + 32;
        from = hash_start;
        if bytes.len() <= hash_end || bytes[hash_end] != b'-' {
            continue;
        }
        if !bytes[hash_start..hash_end]
            .iter()
            .all(|&b| nix32_digit(b).is_some())
        {
            continue;
        }
        if is_placeholder_hash(&bytes[hash_start..hash_end]) {
            continue;
        }
        let mut end = hash_end + 1;
        while end < bytes.len()
            && (bytes[end].is_ascii_alphanumeric() || b"+-._?=".contains(&bytes[end]))
        {
            end += 1;
        }
        if end == hash_end + 1 {
            continue; // no name
        }
        out.push((start, end));
        from = end;
    }
    out
}

impl Rule for ImpureStorePath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // Asked only once there is something to report.
        let purity = std::cell::OnceCell::new();
        let purity = || purity.get_or_init(|| cx.purity(&META));
        // storePath calls: the string argument is reported with the call.
        let mut call_ranges: Vec<TextRange> = Vec::new();
        for u in cx.scopes().builtin_uses() {
            if u.name != "storePath" || u.kind == UseKind::Alias {
                continue;
            }
            if u.expr
                .try_to_node(&cx.file.parsed().syntax())
                .is_some_and(|e| is_impure_only(cx.scopes(), &e))
            {
                continue; // behind `builtins ? currentSystem`: never runs pure
            }
            let range = u.call.map_or(u.expr.text_range(), |c| c.text_range());
            call_ranges.push(range);
            let spelled = &cx.file.text[u.expr.text_range()];
            let spelled = if u.aliased {
                format!("{spelled}` (an alias of `builtins.storePath`)")
            } else {
                format!("{spelled}`")
            };
            let p = purity();
            let message = if p.reachable {
                format!(
                    "`{spelled} is not allowed under pure evaluation (flakes): evaluation fails with \"'builtins.storePath' is not allowed in pure evaluation mode\""
                )
            } else {
                format!(
                    "`{spelled} depends on the contents of the local store; pure evaluation (flakes) forbids it"
                )
            };
            out.push(
                p.note(Diagnostic::new(&META, p.severity, cx.file, range, message))
                    .with_note("refer to the package or fetch the content with a pinned fetcher"),
            );
        }
        if !crate::syntax::has_text(&cx.file.text, STORE) {
            return;
        }
        let root = cx.file.parsed().syntax();
        let mut seen: Vec<TextRange> = Vec::new();
        let tokens = cx
            .file
            .text
            .match_indices(STORE)
            .filter_map(|(i, _)| {
                root.token_at_offset(TextSize::from(i as u32))
                    .right_biased()
            })
            .filter(|t| t.kind() == SyntaxKind::TOKEN_STRING_CONTENT)
            // an option's `description`, `example`, `literalExpression`:
            // text for the reader, never a path the result refers to
            .filter(|t| !t.parent().is_some_and(|p| fixkit::in_documentation(&p)))
            // a test's expected value: compared with what the code computes
            .filter(|t| {
                !t.parent()
                    .is_some_and(|p| fixkit::in_value_of(&p, EXPECTATION_ATTRS, &[]))
            });
        for tok in tokens {
            // One string may name several store paths; scan each token once.
            if seen.contains(&tok.text_range()) {
                continue;
            }
            seen.push(tok.text_range());
            let text = tok.text();
            let base = tok.text_range().start();
            for (s, e) in store_paths_in(text) {
                let range = TextRange::new(
                    base + TextSize::from(s as u32),
                    base + TextSize::from(e as u32),
                );
                if call_ranges.iter().any(|c| c.contains_range(range)) {
                    continue;
                }
                let path = &text[s..e];
                let p = purity();
                let message = if p.reachable {
                    format!(
                        "the string names the store path `{path}` directly: it carries no dependency, so the flake's result refers to a store object nothing builds or fetches"
                    )
                } else {
                    format!(
                        "the string names the store path `{path}` directly: it carries no dependency, so it exists only on machines that happen to have it"
                    )
                };
                out.push(
                    p.note(Diagnostic::new(&META, p.severity, cx.file, range, message))
                        .with_note("refer to the package instead, e.g. \"${pkgs.tool}/bin/tool\""),
                );
            }
        }
    }
}

/// Attributes that hold a test's expected value (nixpkgs' `runTests`
/// `{ expr = ...; expected = ...; }`, and the same word elsewhere).
const EXPECTATION_ATTRS: &[&str] = &["expected", "expect"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_store_paths() {
        let h = "7n2hz8bnv0p2kqv1bxqmf2d7y1bk8f9x";
        let s = format!("x /nix/store/{h}-tool-1.0/bin/t y");
        assert_eq!(
            store_paths_in(&s)
                .iter()
                .map(|&(a, b)| &s[a..b])
                .collect::<Vec<_>>(),
            [format!("/nix/store/{h}-tool-1.0")]
        );
        // 'e', 'o', 'u', 't' are not nix32
        assert!(store_paths_in("/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x").is_empty());
        assert!(store_paths_in(&format!("/nix/store/{h}-")).is_empty());
        assert!(store_paths_in(&format!("/nix/store/{h}")).is_empty());
        assert!(store_paths_in("/nix/store/").is_empty());
        assert!(store_paths_in("/nix/store/short-x").is_empty());
        // placeholders
        assert!(store_paths_in("/nix/store/00000000000000000000000000000000-x").is_empty());
        assert!(store_paths_in("/nix/store/ffffffffffffffffffffffffffffffff-x").is_empty());
        let two = format!("/nix/store/{h}-a:/nix/store/{h}-b");
        assert_eq!(store_paths_in(&two).len(), 2);
    }
}
