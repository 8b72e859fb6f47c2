//! ## repeated-keys (NF0513)
//!
//! Finds sets where three or more bindings start with the same attribute:
//! `foo.a = 1; foo.b = 2; foo.c = 3;`.
//!
//! ### Why
//! Grouping them as `foo = { a = 1; b = 2; c = 3; };` (or keeping them
//! together) makes it easier to see everything that is set under `foo`.
//!
//! ### Example
//!
//! ```nix
//! {
//!   services.nginx.enable = true;
//!   services.nginx.user = "web";
//!   services.nginx.group = "web";
//! }
//! ```
//!
//! ### How to fix
//! Nest the bindings under one key. There is no automatic fix: how to group
//! (and where to put comments) is the author's choice.
//!
//! This rule is a matter of taste and is off by default.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, TextRange};

pub struct RepeatedKeys;
pub static RULE: RepeatedKeys = RepeatedKeys;

pub use crate::catalog::REPEATED_KEYS as META;

/// How many bindings sharing a first key are reported.
const THRESHOLD: usize = 3;

impl Rule for RepeatedKeys {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        for node in cx.nodes(SyntaxKind::NODE_ATTR_SET) {
            let Some(set) = ast::AttrSet::cast(node.clone()) else {
                continue;
            };
            let mut groups: BTreeMap<String, Vec<TextRange>> = BTreeMap::new();
            for kv in set.attrpath_values() {
                let Some(path) = kv.attrpath() else { continue };
                let mut attrs = path.attrs();
                let Some(first) = attrs.next().and_then(|a| fixkit::static_attr_name(&a)) else {
                    continue;
                };
                if attrs.next().is_none() {
                    continue;
                }
                groups
                    .entry(first)
                    .or_default()
                    .push(path.syntax().text_range());
            }
            let mut found: Vec<(String, Vec<TextRange>)> = groups
                .into_iter()
                .filter(|(_, v)| v.len() >= THRESHOLD)
                .collect();
            found.sort_by_key(|(_, v)| v[0].start());
            for (key, ranges) in found {
                let mut d = Diagnostic::new(
                    &META,
                    cx.project.config.severity(&META),
                    cx.file,
                    ranges[0],
                    format!(
                        "`{key}` starts {} bindings of this set; consider `{key} = {{ ... }};`",
                        ranges.len()
                    ),
                );
                for r in &ranges[1..] {
                    d = d.with_label(*r, format!("`{key}` again"));
                }
                out.push(d);
            }
        }
    }
}
