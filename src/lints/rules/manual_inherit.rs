//! ## manual-inherit (NF0502)
//!
//! Finds bindings `a = a;` in an attribute set that copy a variable of the
//! same name from the enclosing scope.
//!
//! ### Why
//! `inherit a;` says exactly that, and several names fit in one statement.
//!
//! ### Example
//!
//! ```nix
//! { pkgs, lib, ... }:
//! {
//!   _module.args = { pkgs = pkgs; lib = lib; };
//! }
//! ```
//!
//! becomes
//!
//! ```nix
//! { pkgs, lib, ... }:
//! {
//!   _module.args = { inherit pkgs lib; };
//! }
//! ```
//!
//! ### Fix
//! Safe. Consecutive such bindings become one `inherit a b;`. Not reported
//! in `let` and `rec { }`: there `a = a;` refers to itself (an infinite
//! recursion), while `inherit a;` would take `a` from outside; that is a
//! different program, not a style question.

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

pub struct ManualInherit;
pub static RULE: ManualInherit = ManualInherit;

pub use crate::catalog::MANUAL_INHERIT as META;

/// `a = a;` → `Some("a")`.
fn manual_inherit_name(entry: &SyntaxNode) -> Option<String> {
    let (name, value) = fixkit::simple_binding(entry)?;
    (fixkit::ident_text(value.syntax())? == name).then_some(name)
}

/// A necessary condition for [`manual_inherit_name`]: `name = name;` as
/// text, without building strings.
fn looks_like_manual_inherit(entry: &SyntaxNode) -> bool {
    entry.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
        && entry.last_child().is_some_and(|v| {
            v.kind() == SyntaxKind::NODE_IDENT
                && entry
                    .first_child()
                    .is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH && p.text() == v.text())
        })
}

/// An existing plain `inherit a b;`: its names as written.
fn existing_inherit(entry: &SyntaxNode) -> Option<Vec<String>> {
    match fixkit::inherit_names(entry)? {
        (None, names) => Some(names),
        (Some(_), _) => None,
    }
}

impl Rule for ManualInherit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding is a binding
        if !(cx.file.text.contains('=')) {
            return;
        }
        let root = cx.index().root();
        for set in cx.nodes(SyntaxKind::NODE_ATTR_SET) {
            if crate::syntax::is_rec_set(set) {
                continue;
            }
            // cheap test first: some binding's value is its own name (no
            // text is built; most sets bind `enable = true;` and the like)
            if !set.children().any(|c| looks_like_manual_inherit(&c)) {
                continue;
            }
            // every binding in a run gets the fix for the whole run; a plain
            // `inherit` next to the bindings joins the merged statement
            let runs = fixkit::binding_runs(set, |e| {
                (manual_inherit_name(e).is_some() || existing_inherit(e).is_some()).then_some(())
            });
            for run in runs {
                if run.iter().all(|(n, _)| manual_inherit_name(n).is_none()) {
                    continue;
                }
                let names: Vec<String> = run
                    .iter()
                    .flat_map(|(n, _)| match manual_inherit_name(n) {
                        Some(name) => vec![name],
                        None => existing_inherit(n).unwrap_or_default(),
                    })
                    .collect();
                let fix = fixkit::replace_run(root, &run, &format!("inherit {};", names.join(" ")));
                for (node, _) in &run {
                    let Some(name) = manual_inherit_name(node) else {
                        continue;
                    };
                    let mut d = Diagnostic::new(
                        &META,
                        cx.project.config.severity(&META),
                        cx.file,
                        node.text_range(),
                        format!("`{name} = {name};` is `inherit {name};`"),
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
