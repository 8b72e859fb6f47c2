//! ## unquoted-uri (NF0510)
//!
//! Finds URLs written without quotes: `url = https://example.org/x.tar.gz;`.
//!
//! ### Why
//! Unquoted URL literals are deprecated (RFC 45): they are plain strings with
//! a confusing syntax, break as soon as the URL needs `${...}`, and are
//! rejected outright when Nix runs with the `no-url-literals` feature.
//!
//! ### Example
//!
//! ```nix
//! inputs.nixpkgs.url = github:NixOS/nixpkgs/nixos-unstable;
//! ```
//!
//! becomes
//!
//! ```nix
//! inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
//! ```
//!
//! ### Fix
//! Safe: a URL literal is a string with the same characters, and none of
//! those characters needs escaping inside `"..."`.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::SyntaxKind;

pub struct UnquotedUri;
pub static RULE: UnquotedUri = UnquotedUri;

pub use crate::catalog::UNQUOTED_URI as META;

impl Rule for UnquotedUri {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every URL literal has a `:`
        if !(crate::syntax::has_text(&cx.file.text, ":")) {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_LITERAL) {
            let Some(tok) = node.first_token() else {
                continue;
            };
            if tok.kind() != SyntaxKind::TOKEN_URI {
                continue;
            }
            let uri = tok.text();
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                tok.text_range(),
                "unquoted URL literals are deprecated; quote it",
            );
            // `${` cannot occur in a URL token, but be certain before quoting
            if !uri.contains(['"', '\\'])
                && !uri.contains("${")
                && let Some(f) = fixkit::replace_node(
                    root,
                    node,
                    format!("\"{uri}\""),
                    "quote the URL",
                    Applicability::Safe,
                )
            {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
