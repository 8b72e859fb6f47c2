//! ## unpinned-fetch (NF0105)
//!
//! Finds calls of Nix's built-in fetchers without the hash or revision that
//! pure evaluation requires (the builtin found through any alias, so
//! `fetchTarball`, `builtins.fetchurl` and `let f = builtins.fetchGit; in f`
//! all count; nixpkgs' `pkgs.fetchurl`/`fetchFromGitHub` are not builtins and
//! are not checked):
//!
//! - `builtins.fetchTarball`, `builtins.fetchurl`: a bare URL string, or an
//!   attribute set without `sha256` (or `hash`);
//! - `builtins.fetchGit`: a bare URL, or an attribute set without `rev`;
//! - `builtins.fetchTree`: an attribute set without `rev` or `narHash`, or a
//!   flake reference string that is not locked;
//! - `builtins.getFlake`: a flake reference that is not locked.
//!
//! A flake reference is locked when it has `rev=` or `narHash=` in its query,
//! or is `github:`/`gitlab:`/`sourcehut:` with a 40-hex commit as its third
//! part (`github:NixOS/nixpkgs/<commit>`).
//!
//! Arguments are judged only when nixfold can read them: a literal string or
//! attribute set, possibly through `let` bindings. A computed argument
//! (`fetchTarball (mkSource x)`, an interpolated flake reference without
//! `rev=`) is not reported: nixfold reports what it can show, not guesses.
//!
//! ### Why it matters
//!
//! Without a hash, the result is whatever the server returns at evaluation
//! time (and `fetchTarball` caches it for an hour), so builds drift and
//! differ between machines. Pure evaluation (flakes) refuses such fetches:
//! "in pure evaluation mode, 'fetchTarball' requires a 'sha256' argument",
//! "'fetchTree' requires a locked input", "cannot call 'getFlake' on
//! unlocked flake reference".
//!
//! Severity: `error` when the file is evaluated by a flake, `warning`
//! elsewhere.
//!
//! ### Example
//!
//! ```nix
//! import (builtins.fetchTarball "https://github.com/NixOS/nixpkgs/archive/nixos-24.05.tar.gz") { }
//! ```
//!
//! ### How to fix
//!
//! Pin it: `builtins.fetchTarball { url = ".../<commit>.tar.gz"; sha256 = "..."; }`
//! (`nix-prefetch-url --unpack URL` prints the hash), `fetchGit { url = ...; rev = "<commit>"; }`,
//! or better, make it a flake input so `flake.lock` pins it.

use std::collections::HashSet;

use crate::diagnostics::Diagnostic;
use crate::hir::{UseKind, follow_bindings, literal_string, static_attr_name};
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, SyntaxNode};

pub struct UnpinnedFetch;
pub static RULE: UnpinnedFetch = UnpinnedFetch;

pub use crate::catalog::UNPINNED_FETCH as META;

const FETCHERS: &[&str] = &[
    "fetchTarball",
    "fetchurl",
    "fetchGit",
    "fetchTree",
    "getFlake",
];

impl Rule for UnpinnedFetch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let scopes = cx.scopes();
        let mut uses = scopes
            .builtin_uses()
            .iter()
            .filter(|u| u.kind == UseKind::Call && FETCHERS.contains(&u.name))
            .peekable();
        if uses.peek().is_none() {
            return;
        }
        let root = cx.file.parsed().syntax();
        let purity = cx.purity(&META);
        let (reachable, sev) = (purity.reachable, purity.severity);
        for u in uses {
            let (Some(expr), Some(arg)) =
                (u.expr.try_to_node(&root), u.args(&root).into_iter().next())
            else {
                continue;
            };
            let arg = follow_bindings(scopes, &arg);
            let Some(missing) = judge(u.name, &arg) else {
                continue;
            };
            let spelled = if u.aliased {
                format!("`{}` (`builtins.{}`)", expr.text(), u.name)
            } else {
                format!("`{}`", expr.text())
            };
            let refusal = match u.name {
                "fetchTarball" | "fetchurl" => format!(
                    "\"in pure evaluation mode, '{}' requires a 'sha256' argument\"",
                    u.name
                ),
                "getFlake" => "\"cannot call 'getFlake' on unlocked flake reference\"".to_string(),
                _ => "\"in pure evaluation mode, 'fetchTree' requires a locked input\"".to_string(),
            };
            let message = if reachable {
                format!("{spelled} {missing}: pure evaluation (flakes) refuses it with {refusal}")
            } else {
                format!(
                    "{spelled} {missing}: the result is whatever the source serves at evaluation time, and pure evaluation (flakes) refuses it"
                )
            };
            let d = purity.note(
                Diagnostic::new(&META, sev, cx.file, expr.text_range(), message)
                    .with_label(arg.text_range(), "not pinned"),
            );
            let help = match u.name {
                "fetchTarball" | "fetchurl" => {
                    "add `sha256` (`nix-prefetch-url` prints it), or make the source a flake input"
                }
                "fetchGit" => "add `rev = \"<commit>\";`, or make the source a flake input",
                _ => "lock it with `rev`/`narHash`, or make it a flake input",
            };
            out.push(d.with_note(help));
        }
    }
}

/// What is missing from the argument, or `None` if it is pinned or cannot
/// be judged.
fn judge(fetcher: &str, arg: &SyntaxNode) -> Option<String> {
    let is_string = matches!(arg.kind(), SyntaxKind::NODE_STRING)
        || (arg.kind() == SyntaxKind::NODE_LITERAL
            && arg
                .first_token()
                .is_some_and(|t| t.kind() == SyntaxKind::TOKEN_URI));
    let keys = if arg.kind() == SyntaxKind::NODE_ATTR_SET {
        Some(attr_keys(arg)?)
    } else {
        None
    };
    let has = |names: &[&str]| {
        keys.as_ref()
            .is_some_and(|k| names.iter().any(|n| k.contains(*n)))
    };
    match fetcher {
        "fetchTarball" | "fetchurl" => {
            if is_string {
                Some("gets a bare URL, without `sha256`".into())
            } else if keys.is_some() && !has(&["sha256", "hash"]) {
                Some("has no `sha256`".into())
            } else {
                None
            }
        }
        "fetchGit" => {
            if is_string {
                Some("gets a bare URL, without `rev`".into())
            } else if keys.is_some() && !has(&["rev"]) {
                Some("has no `rev`".into())
            } else {
                None
            }
        }
        "fetchTree" | "getFlake" => {
            if keys.is_some() {
                return (!has(&["rev", "narHash"])).then(|| "has no `rev` or `narHash`".into());
            }
            if !is_string {
                return None;
            }
            match literal_string(arg) {
                Some(r) if !flake_ref_locked(&r) => Some(format!(
                    "names the unlocked flake reference \"{r}\" (no `rev=` or `narHash=`)"
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Static keys of an attribute set literal; `None` if some key is dynamic.
fn attr_keys(set: &SyntaxNode) -> Option<HashSet<String>> {
    let mut keys = HashSet::new();
    for entry in set.children() {
        match entry.kind() {
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                let first = entry.first_child()?.first_child()?;
                keys.insert(static_attr_name(&first)?.to_string());
            }
            SyntaxKind::NODE_INHERIT => {
                for a in entry.children() {
                    if matches!(a.kind(), SyntaxKind::NODE_IDENT | SyntaxKind::NODE_STRING) {
                        keys.insert(static_attr_name(&a)?.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Some(keys)
}

/// Whether a flake reference string pins one exact source.
fn flake_ref_locked(r: &str) -> bool {
    let (base, query) = r.split_once('?').unwrap_or((r, ""));
    if query
        .split('&')
        .any(|kv| kv.starts_with("rev=") || kv.starts_with("narHash="))
    {
        return true;
    }
    for scheme in ["github:", "gitlab:", "sourcehut:"] {
        if let Some(rest) = base.strip_prefix(scheme) {
            let third = rest.split('/').nth(2).unwrap_or("");
            return third.len() == 40 && third.bytes().all(|b| b.is_ascii_hexdigit());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flake_refs() {
        assert!(!flake_ref_locked("github:NixOS/nixpkgs"));
        assert!(!flake_ref_locked("github:NixOS/nixpkgs/nixos-24.05"));
        assert!(flake_ref_locked(
            "github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567"
        ));
        assert!(flake_ref_locked(
            "git+https://example.org/r?ref=main&rev=0123456789abcdef0123456789abcdef01234567"
        ));
        assert!(flake_ref_locked("path:/x?narHash=sha256-AAAA"));
        assert!(!flake_ref_locked("/home/me/flake"));
        assert!(!flake_ref_locked("git+https://example.org/r?ref=main"));
    }
}
