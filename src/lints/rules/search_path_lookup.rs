//! ## search-path-lookup (NF0104)
//!
//! Finds lookups in Nix's search path: `<nixpkgs>`, `<nixpkgs/nixos>`,
//! `<home-manager/nixos>` and any other `<...>` path, plus direct reads of
//! `builtins.nixPath` (the search path itself, as used with
//! `builtins.findFile`). `<nix/...>` paths are not reported: they name files
//! built into Nix (corepkgs such as `<nix/fetchurl.nix>`) and work everywhere.
//!
//! ### Why it matters
//!
//! A `<...>` path means whatever `NIX_PATH` (or `-I`) says on the machine
//! that evaluates the expression, so two machines build different things
//! from the same source. Pure evaluation (flakes) forbids the lookup:
//! `nix build .#...` fails with
//! `cannot look up '<nixpkgs>' in pure evaluation mode`, and
//! `builtins.nixPath` is silently empty.
//!
//! Severity: `error` when the file is evaluated by a flake, `warning`
//! elsewhere. A lookup that is only a fallback is at most a `warning`, even
//! in a flake: in the default of a function argument
//! (`{ pkgs ? import <nixpkgs> { } }:`, evaluated only when the caller passes
//! no `pkgs`, which the module system and flake callers do) and in a branch
//! of an `if` (`if versionAtLeast ... then pkgs.path else <nixpkgs>`, the
//! legacy fallback of code that also supports older tools). In a file that
//! no flake output evaluates (`shell.nix`, a legacy `default.nix`), such a
//! fallback is the non-flake idiom and only `info`, and so is a default of
//! the file's own function when every import of the file that a flake
//! evaluates passes that argument (`import ./test.nix { inherit pkgs; }`
//! for `{ pkgs ? import <nixpkgs> { } }:`): the flake never takes it.
//!
//! ### Example
//!
//! ```nix
//! let pkgs = import <nixpkgs> { }; in pkgs.hello
//! ```
//!
//! ### How to fix
//!
//! Take the dependency from a flake input (`inputs.nixpkgs`) and pass it
//! down (`specialArgs`, function arguments), or pin it with a fetch that has
//! a hash (`builtins.fetchTarball { url = ...; sha256 = ...; }`).

use crate::diagnostics::Diagnostic;
use crate::diagnostics::Severity;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, SyntaxToken, TextSize};

pub struct SearchPathLookup;
pub static RULE: SearchPathLookup = SearchPathLookup;

pub use crate::catalog::SEARCH_PATH_LOOKUP as META;

/// Whether a `<...>` path names one of Nix's built-in files.
fn is_corepkgs(inner: &str) -> bool {
    inner == "nix" || inner.starts_with("nix/")
}

/// Why the lookup at `tok` may never run: it sits in a formal's default or
/// in a branch of an `if`.
fn fallback_context(tok: &crate::syntax::SyntaxToken) -> Option<&'static str> {
    tok.parent().and_then(|p| fixkit::fallback_context(&p))
}

impl Rule for SearchPathLookup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let root = cx.file.parsed().syntax();
        // Asked only once there is something to report.
        let purity = std::cell::OnceCell::new();
        let purity = || purity.get_or_init(|| cx.purity(&META));
        let mut found = Vec::new();
        // In a tree without errors every search path token is the token of
        // a search path node, which the index holds. Otherwise it may sit
        // in an error node: it starts with `<`, so look only there instead
        // of walking every token of the file.
        let tokens: Vec<SyntaxToken> = if cx.file.tree.has_errors() {
            cx.file
                .text
                .match_indices('<')
                .filter_map(|(i, _)| {
                    root.token_at_offset(TextSize::from(i as u32))
                        .right_biased()
                })
                .filter(|t| t.kind() == SyntaxKind::TOKEN_PATH_SEARCH)
                .collect()
        } else {
            cx.nodes(SyntaxKind::NODE_PATH_SEARCH)
                .iter()
                .filter_map(|n| n.first_token())
                .filter(|t| t.kind() == SyntaxKind::TOKEN_PATH_SEARCH)
                .collect()
        };
        for tok in tokens {
            let text = tok.text();
            let inner = text.trim_start_matches('<').trim_end_matches('>');
            if is_corepkgs(inner) {
                continue;
            }
            let fallback = fallback_context(&tok);
            let (reachable, sev) = (purity().reachable, purity().severity);
            // `{ pkgs ? import <nixpkgs> { } }:` imported by the flake as
            // `import ./x.nix { pkgs = ...; }` everywhere: never looked up
            let passed = if reachable && fallback.is_some() {
                tok.parent()
                    .and_then(|p| fixkit::file_formal_default(&p))
                    .filter(|f| cx.reach().every_call_passes(cx.file_index, f))
            } else {
                None
            };
            let message = if let Some(f) = &passed {
                format!(
                    "`{text}` looks up NIX_PATH, which pure evaluation (flakes) forbids; it is the default of `{f}`, and every import of this file that a flake evaluates passes `{f}`"
                )
            } else if let Some(why) = fallback {
                format!("`{text}` looks up NIX_PATH, which pure evaluation (flakes) forbids; {why}")
            } else if reachable {
                format!(
                    "`{text}` looks up NIX_PATH, which pure evaluation (flakes) forbids: evaluation fails with \"cannot look up '{text}' in pure evaluation mode\""
                )
            } else {
                format!(
                    "`{text}` is whatever NIX_PATH says on the machine that evaluates this; pure evaluation (flakes) forbids the lookup"
                )
            };
            let sev = match fallback {
                Some(_) if passed.is_some() => sev.min(Severity::Info),
                // A legacy entry point's fallback (`shell.nix`'s
                // `{ pkgs ? import <nixpkgs> { } }:`) that no flake output
                // evaluates is the non-flake idiom, not a problem.
                Some(_) if !reachable => sev.min(Severity::Info),
                Some(_) => sev.min(Severity::Warning),
                None => sev,
            };
            found.push((tok.text_range(), sev, message));
        }
        // Every direct spelling of the builtin contains its name.
        let uses = if crate::syntax::has_text(&cx.file.text, "nixPath") {
            cx.scopes().builtin_uses()
        } else {
            &[]
        };
        for u in uses {
            if u.name != "nixPath" || u.aliased {
                continue;
            }
            let spelled = &cx.file.text[u.expr.text_range()];
            let (reachable, sev) = (purity().reachable, purity().severity);
            let message = if reachable {
                format!(
                    "`{spelled}` is the search path NIX_PATH: under pure evaluation (flakes) it is silently empty"
                )
            } else {
                format!(
                    "`{spelled}` is the search path NIX_PATH of the machine that evaluates this; under pure evaluation (flakes) it is empty"
                )
            };
            found.push((u.expr.text_range(), sev, message));
        }
        for (range, sev, message) in found {
            let d = purity().note(Diagnostic::new(&META, sev, cx.file, range, message));
            out.push(d.with_note(
                "take the dependency from a flake input (inputs.nixpkgs) or a fetch pinned by hash",
            ));
        }
    }
}
