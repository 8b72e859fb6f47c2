//! ## duplicated-key (NF0302)
//!
//! Finds an attribute defined twice in the same set or `let`:
//! `{ a = 1; a = 2; }`, `{ a.b = 1; a.b = 2; }`, `{ a = 1; a.b = 2; }`,
//! `{ inherit a; a = 2; }`.
//!
//! ### Why
//! Nix rejects such a file ("attribute 'a' already defined") as soon as it
//! is evaluated, but only when something imports it; nixfold tells you
//! before.
//!
//! ### Example
//!
//! ```nix
//! {
//!   networking.hostName = "a";
//!   networking = { hostName = "b"; };   # error: `networking.hostName` twice
//! }
//! ```
//!
//! Nested bindings that only *extend* a set are fine and not reported, as in
//! Nix: `{ a.b = 1; a.c = 2; }` and `{ a = { b = 1; }; a.c = 2; }`. Keys
//! written as `${...}` with a computed name are only known at evaluation
//! time and are not compared.
//!
//! Nix's parser rejects this too; when this rule is enabled it reports the
//! problem instead of `syntax-error` (one finding, not two). A file with
//! another syntax error gets only that: names cut short where the parser
//! recovers (`custom$a = ...; custom$b = ...;`) would look like duplicates.
//!
//! ### How to fix
//! Remove one of the definitions, or merge them.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::lints::fixkit;
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange};

pub struct DuplicatedKey;
pub static RULE: DuplicatedKey = DuplicatedKey;

pub use crate::catalog::DUPLICATED_KEY as META;

/// What is known about one attribute name in a set being built.
enum Slot {
    /// A value that is not an attribute-set literal: cannot be extended.
    Leaf(TextRange),
    /// A set built from nested paths and/or set literals: extensible.
    Set(TextRange, Tree),
    /// A set we cannot see into (it has computed keys): skip what goes under it.
    Opaque,
}

#[derive(Default)]
struct Tree(HashMap<String, Slot>);

struct Found {
    path: String,
    first: TextRange,
    again: TextRange,
}

/// Bindings of a set literal value that can be merged with other paths.
fn literal_set(value: &SyntaxNode) -> Option<ast::AttrSet> {
    ast::AttrSet::cast(value.clone())
}

impl Tree {
    /// Record `path = value` (value `None` for `inherit`).
    fn insert(
        &mut self,
        prefix: &str,
        path: &[(String, TextRange)],
        value: Option<&SyntaxNode>,
        found: &mut Vec<Found>,
        depth: usize,
    ) {
        let Some(((name, range), rest)) = path.split_first() else {
            return;
        };
        if depth > 256 {
            return;
        }
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let slot = self.0.get_mut(name);
        if rest.is_empty() {
            // the path ends here: a leaf, or a set literal that may merge
            let lit = value.and_then(literal_set);
            match (slot, lit) {
                (None, Some(set)) => {
                    let mut sub = Tree::default();
                    if sub.add_entries(&full, &set, found, depth + 1) {
                        self.0.insert(name.clone(), Slot::Set(*range, sub));
                    } else {
                        self.0.insert(name.clone(), Slot::Opaque);
                    }
                }
                (None, None) => {
                    self.0.insert(name.clone(), Slot::Leaf(*range));
                }
                (Some(Slot::Set(_, sub)), Some(set)) => {
                    if !sub.add_entries(&full, &set, found, depth + 1) {
                        self.0.insert(name.clone(), Slot::Opaque);
                    }
                }
                (Some(Slot::Opaque), _) => {}
                (Some(Slot::Leaf(first)), _) | (Some(Slot::Set(first, _)), None) => {
                    found.push(Found {
                        path: full,
                        first: *first,
                        again: *range,
                    });
                }
            }
        } else {
            match slot {
                None => {
                    let mut sub = Tree::default();
                    sub.insert(&full, rest, value, found, depth + 1);
                    self.0.insert(name.clone(), Slot::Set(*range, sub));
                }
                Some(Slot::Set(_, sub)) => sub.insert(&full, rest, value, found, depth + 1),
                Some(Slot::Opaque) => {}
                Some(Slot::Leaf(first)) => found.push(Found {
                    path: full,
                    first: *first,
                    again: *range,
                }),
            }
        }
    }

    /// Add every binding of a set/let node. `false` if some key is computed
    /// (then the caller treats the whole set as opaque).
    fn add_entries(
        &mut self,
        prefix: &str,
        holder: &impl HasEntry,
        found: &mut Vec<Found>,
        depth: usize,
    ) -> bool {
        let mut all_static = true;
        for e in holder.entries() {
            match e {
                ast::Entry::AttrpathValue(kv) => {
                    let Some(path) = static_path(&kv) else {
                        all_static = false;
                        continue;
                    };
                    let value = kv.value().map(|v| v.syntax().clone());
                    self.insert(prefix, &path, value.as_ref(), found, depth);
                }
                ast::Entry::Inherit(i) => {
                    for a in i.attrs() {
                        match fixkit::static_attr_name(&a) {
                            Some(n) => self.insert(
                                prefix,
                                &[(n, a.syntax().text_range())],
                                None,
                                found,
                                depth,
                            ),
                            None => all_static = false,
                        }
                    }
                }
            }
        }
        all_static
    }
}

/// Static path components with their ranges, `None` if any is computed.
fn static_path(kv: &ast::AttrpathValue) -> Option<Vec<(String, TextRange)>> {
    kv.attrpath()?
        .attrs()
        .map(|a| fixkit::static_attr_name(&a).map(|n| (n, a.syntax().text_range())))
        .collect()
}

impl Rule for DuplicatedKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // Nix's parser (and so the syntax layer) rejects every duplicate; without such an error there is nothing to find
        // In a file the parser had to recover in, a name cut short by the
        // error (`custom$a = ...; custom$b = ...;`) looks like a duplicate.
        if !cx.file.parsed().has_duplicate_attribute() || cx.file.parsed().recovered() {
            return;
        }
        let mut found = Vec::new();
        // Every set is checked on its own; a set literal merged into an
        // enclosing binding is also checked as part of it (same ranges, so
        // duplicates are reported once, under their full path).
        for node in cx.nodes(SyntaxKind::NODE_ATTR_SET) {
            if let Some(set) = ast::AttrSet::cast(node.clone()) {
                Tree::default().add_entries("", &set, &mut found, 0);
            }
        }
        for node in cx.nodes(SyntaxKind::NODE_LET_IN) {
            if let Some(l) = ast::LetIn::cast(node.clone()) {
                Tree::default().add_entries("", &l, &mut found, 0);
            }
        }
        for node in cx.nodes(SyntaxKind::NODE_LEGACY_LET) {
            if let Some(l) = ast::LegacyLet::cast(node.clone()) {
                Tree::default().add_entries("", &l, &mut found, 0);
            }
        }
        // one finding per duplicate, under the path of the innermost set
        found.sort_by_key(|f| (f.again.start(), f.again.end(), f.path.len()));
        found.dedup_by_key(|f| f.again);
        for f in found {
            let first = cx.file.line_col(f.first.start());
            out.push(
                Diagnostic::new(
                    &META,
                    cx.project.config.severity(&META),
                    cx.file,
                    f.again,
                    format!(
                        "attribute `{}` is already defined at line {}",
                        f.path, first.line
                    ),
                )
                .with_label(f.first, "first defined here"),
            );
        }
    }
}
