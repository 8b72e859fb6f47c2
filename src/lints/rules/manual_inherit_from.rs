//! ## manual-inherit-from (NF0503)
//!
//! Finds bindings `a = x.a;` that copy an attribute of the same name out of
//! another set.
//!
//! ### Why
//! `inherit (x) a;` says exactly that, and names taken from the same set fit
//! in one statement: `inherit (pkgs) git curl jq;` instead of three lines.
//!
//! ### Example
//!
//! ```nix
//! let
//!   git = pkgs.git;
//!   curl = pkgs.curl;
//!   mkIf = lib.mkIf;
//! in
//! ```
//!
//! becomes
//!
//! ```nix
//! let
//!   inherit (pkgs) git curl;
//!   inherit (lib) mkIf;
//! in
//! ```
//!
//! ### Fix
//! Safe: in `let`, `rec { }` and plain sets alike, `inherit (x) a;` evaluates
//! `x` in the same scope as `a = x.a;` does. Consecutive bindings from the
//! same set are merged into one statement; a binding with a comment right
//! before or after it is fixed on its own, so the comment stays with it.
//! Bindings with a default (`a = x.a or null;`) are not reported.
//!
//! This rule is a matter of taste and is off by default; enable it with
//! `enable = ["manual-inherit-from"]` in `nixfold.toml` or `--select`.

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast;
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange};

pub struct ManualInheritFrom;
pub static RULE: ManualInheritFrom = ManualInheritFrom;

pub use crate::catalog::MANUAL_INHERIT_FROM as META;

/// `a = x.y.a;` → `("a", "x.y" as written, "x.y" normalized)`.
fn manual_inherit_from(entry: &SyntaxNode, text: &str) -> Option<(String, String, String)> {
    let (name, value) = fixkit::simple_binding(entry)?;
    let select = ast::Select::cast(value.syntax().clone())?;
    if select.or_token().is_some() {
        return None;
    }
    let base = select.expr()?;
    let path: Vec<ast::Attr> = select.attrpath()?.attrs().collect();
    let last = path.last()?;
    if fixkit::static_attr_name(last)? != name {
        return None;
    }
    // the set: the base plus every attribute but the last
    let start = base.syntax().text_range().start();
    let end = if path.len() >= 2 {
        path[path.len() - 2].syntax().text_range().end()
    } else {
        base.syntax().text_range().end()
    };
    let from_text = text[usize::from(start)..usize::from(end)].to_string();
    if fixkit::has_comments(entry, TextRange::new(start, end)) {
        return None;
    }
    let norm = fixkit::normalized_range(select.syntax(), TextRange::new(start, end));
    Some((name, from_text, norm))
}

/// An existing `inherit (x) a b;`: the normalized `x` and the names as written.
fn existing_inherit_from(entry: &SyntaxNode) -> Option<(String, Vec<String>)> {
    let (from, names) = fixkit::inherit_names(entry)?;
    Some((fixkit::normalized_text(from?.syntax()), names))
}

enum Member {
    /// `a = x.a;` (name, `x` as written)
    Manual(String, String),
    /// `inherit (x) a b;` already there
    Existing(Vec<String>),
}

fn member(entry: &SyntaxNode, text: &str) -> Option<(Member, String)> {
    if let Some((name, from, norm)) = manual_inherit_from(entry, text) {
        return Some((Member::Manual(name, from), norm));
    }
    existing_inherit_from(entry).map(|(norm, names)| (Member::Existing(names), norm))
}

impl Rule for ManualInheritFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding is a binding
        if !(cx.file.text.contains('=')) {
            return;
        }
        let root = cx.index().root();
        let text = &cx.file.text;
        let parents = cx
            .nodes(SyntaxKind::NODE_ATTR_SET)
            .iter()
            .chain(cx.nodes(SyntaxKind::NODE_LET_IN))
            .chain(cx.nodes(SyntaxKind::NODE_LEGACY_LET));
        for parent in parents {
            // cheap test first: some binding's value is a selection
            if !fixkit::has_binding_value_of(parent, SyntaxKind::NODE_SELECT) {
                continue;
            }
            let runs = fixkit::binding_runs(parent, |e| member(e, text).map(|(_, n)| n));
            for run in runs {
                let members: Vec<(SyntaxNode, Member)> = run
                    .iter()
                    .filter_map(|(n, _)| member(n, text).map(|(m, _)| (n.clone(), m)))
                    .collect();
                if members.len() != run.len() {
                    continue;
                }
                let from = members.iter().find_map(|(_, m)| match m {
                    Member::Manual(_, f) => Some(f.trim().to_string()),
                    Member::Existing(_) => None,
                });
                // runs of existing `inherit`s alone are not findings
                let Some(from) = from else { continue };
                let names: Vec<&str> = members
                    .iter()
                    .flat_map(|(_, m)| match m {
                        Member::Manual(n, _) => vec![n.as_str()],
                        Member::Existing(ns) => ns.iter().map(String::as_str).collect(),
                    })
                    .collect();
                let statement = format!("inherit ({from}) {};", names.join(" "));
                let fix = fixkit::replace_run(root, &run, &statement);
                for (node, m) in &members {
                    let Member::Manual(name, _) = m else { continue };
                    let mut d = Diagnostic::new(
                        &META,
                        cx.project.config.severity(&META),
                        cx.file,
                        node.text_range(),
                        format!("`{name} = {from}.{name};` is `inherit ({from}) {name};`"),
                    );
                    if let Some(f) = &fix {
                        d = d.with_fix(f.clone());
                    }
                    out.push(d);
                }
            }
        }
    }
}
