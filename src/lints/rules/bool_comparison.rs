//! ## bool-comparison (NF0501)
//!
//! Finds comparisons with a boolean literal: `x == true`, `x != false`,
//! `x == false`, `true == x`, ...
//!
//! ### Why
//! Comparing with `true` or `false` says the same thing as the condition
//! itself, only longer: `if enable == true then` reads better as `if enable then`.
//!
//! ### Example
//!
//! ```nix
//! if cfg.enable == true then a else b
//! if cfg.enable == false then a else b
//! ```
//!
//! becomes
//!
//! ```nix
//! if cfg.enable then a else b
//! if !cfg.enable then a else b
//! ```
//!
//! ### Severity and fix
//! Only where the other side is certainly a boolean (a comparison, `!x`,
//! `a && b`, `a ? b`, a call of a builtin that returns one such as
//! `builtins.elem`, `isString`, `hasAttr`, or of the like from `lib`, such as
//! `lib.hasPrefix`, `lib.versionAtLeast`) is the finding a warning with a safe
//! fix. Elsewhere `x == true` may be deliberate: it is `false` for a
//! non-boolean `x` (a nullable option's `null`, any value in a generic
//! generator), while `x` alone would be an error in a condition. There the
//! finding is only `info` and its fix is unsafe. Not reported where `true` or `false` is rebound by a
//! `let`, a function argument or a `rec` set.

use crate::diagnostics::Severity;
use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit::{self, Prec};
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::ast::{self, BinOpKind};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode};

pub struct BoolComparison;
pub static RULE: BoolComparison = BoolComparison;

pub use crate::catalog::BOOL_COMPARISON as META;

fn bool_literal(node: &SyntaxNode) -> Option<bool> {
    let n = fixkit::strip_parens(node);
    match fixkit::ident_text(&n)?.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Whether the expression always evaluates to a boolean (or fails).
fn surely_bool(scopes: &crate::hir::Scopes, node: &SyntaxNode) -> bool {
    let n = fixkit::strip_parens(node);
    match n.kind() {
        SyntaxKind::NODE_APPLY => bool_call(scopes, &n),
        SyntaxKind::NODE_HAS_ATTR => true,
        SyntaxKind::NODE_UNARY_OP => ast::UnaryOp::cast(n)
            .and_then(|u| u.operator())
            .is_some_and(|o| o == ast::UnaryOpKind::Invert),
        SyntaxKind::NODE_BIN_OP => {
            ast::BinOp::cast(n)
                .and_then(|b| b.operator())
                .is_some_and(|o| {
                    use BinOpKind::*;
                    matches!(
                        o,
                        Equal
                            | NotEqual
                            | Less
                            | LessOrEq
                            | More
                            | MoreOrEq
                            | And
                            | Or
                            | Implication
                    )
                })
        }
        _ => false,
    }
}

/// Builtins whose result is always a boolean.
const BOOL_BUILTINS: &[&str] = &[
    "all",
    "any",
    "elem",
    "hasAttr",
    "isAttrs",
    "isBool",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isNull",
    "isPath",
    "isString",
    "lessThan",
    "pathExists",
];

/// `lib` functions whose result is always a boolean (called as `lib.<name>`).
const BOOL_LIB_FUNCS: &[&str] = &[
    "all",
    "any",
    "elem",
    "hasAttr",
    "hasAttrByPath",
    "hasInfix",
    "hasPrefix",
    "hasSuffix",
    "isAttrs",
    "isBool",
    "isDerivation",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isPath",
    "isStorePath",
    "isString",
    "versionAtLeast",
    "versionOlder",
];

/// Whether `node` is a call of a function known to return a boolean.
fn bool_call(scopes: &crate::hir::Scopes, node: &SyntaxNode) -> bool {
    let mut func = node.clone();
    while func.kind() == SyntaxKind::NODE_APPLY {
        match func.first_child() {
            Some(f) => func = fixkit::strip_parens(&f),
            None => return false,
        }
    }
    if func == *node {
        return false;
    }
    if let Some(b) = crate::hir::builtin_ref(scopes, &func) {
        return BOOL_BUILTINS.contains(&b.name);
    }
    // `lib.f`, `pkgs.lib.f`
    let Some(sel) = ast::Select::cast(func) else {
        return false;
    };
    if sel.or_token().is_some() {
        return false;
    }
    let Some(path) = sel.attrpath() else {
        return false;
    };
    let names: Vec<String> = path
        .attrs()
        .filter_map(|a| fixkit::static_attr_name(&a))
        .collect();
    let owner_is_lib = match names.len() {
        1 => sel
            .expr()
            .and_then(|e| fixkit::ident_text(e.syntax()))
            .is_some_and(|n| n == "lib"),
        n if n >= 2 => names[n - 2] == "lib",
        _ => false,
    };
    owner_is_lib
        && names.len() == path.attrs().count()
        && names
            .last()
            .is_some_and(|n| BOOL_LIB_FUNCS.contains(&n.as_str()))
}

/// Whether `name` is rebound lexically somewhere above `node`.
pub(crate) fn rebound(node: &SyntaxNode, name: &str) -> bool {
    use crate::syntax::ast::HasEntry;
    fn binds_name(entries: impl Iterator<Item = ast::Entry>, name: &str) -> bool {
        let mut entries = entries;
        entries.any(|e| match e {
            ast::Entry::AttrpathValue(kv) => kv
                .attrpath()
                .and_then(|p| p.attrs().next())
                .and_then(|a| fixkit::static_attr_name(&a))
                .is_some_and(|n| n == name),
            ast::Entry::Inherit(i) => i
                .attrs()
                .any(|a| fixkit::static_attr_name(&a).is_some_and(|n| n == name)),
        })
    }

    node.ancestors().any(|a| match a.kind() {
        SyntaxKind::NODE_LET_IN => {
            ast::LetIn::cast(a).is_some_and(|l| binds_name(l.entries(), name))
        }
        SyntaxKind::NODE_LEGACY_LET => {
            ast::LegacyLet::cast(a).is_some_and(|l| binds_name(l.entries(), name))
        }
        SyntaxKind::NODE_ATTR_SET => {
            crate::syntax::is_rec_set(&a)
                && ast::AttrSet::cast(a).is_some_and(|s| binds_name(s.entries(), name))
        }
        SyntaxKind::NODE_LAMBDA => match ast::Lambda::cast(a).and_then(|l| l.param()) {
            Some(ast::Param::IdentParam(p)) => p
                .ident()
                .and_then(|i| fixkit::ident_text(i.syntax()))
                .is_some_and(|n| n == name),
            Some(ast::Param::Pattern(p)) => {
                p.pat_entries().any(|e| {
                    e.ident()
                        .and_then(|i| fixkit::ident_text(i.syntax()))
                        .is_some_and(|n| n == name)
                }) || p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .and_then(|i| fixkit::ident_text(i.syntax()))
                    .is_some_and(|n| n == name)
            }
            None => false,
        },
        _ => false,
    })
}

impl Rule for BoolComparison {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // every finding has `==`/`!=` and `true`/`false` in the text
        if !((crate::syntax::has_text(&cx.file.text, "==")
            || crate::syntax::has_text(&cx.file.text, "!="))
            && (crate::syntax::has_text(&cx.file.text, "true")
                || crate::syntax::has_text(&cx.file.text, "false")))
        {
            return;
        }
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_BIN_OP) {
            let Some(bin) = ast::BinOp::cast(node.clone()) else {
                continue;
            };
            let Some(op @ (BinOpKind::Equal | BinOpKind::NotEqual)) = bin.operator() else {
                continue;
            };
            let (Some(lhs), Some(rhs)) = (bin.lhs(), bin.rhs()) else {
                continue;
            };
            let (lhs, rhs) = (lhs.syntax().clone(), rhs.syntax().clone());
            let (value, other) = match (bool_literal(&lhs), bool_literal(&rhs)) {
                (Some(_), Some(_)) => continue,
                (Some(b), None) => (b, rhs),
                (None, Some(b)) => (b, lhs),
                (None, None) => continue,
            };
            let literal = if value { "true" } else { "false" };
            if rebound(node, literal) {
                continue;
            }
            let positive = value == (op == BinOpKind::Equal);
            let other_text = other.to_string();
            let replacement = if positive {
                other_text.clone()
            } else {
                let inner = fixkit::strip_parens(&other);
                let operand = fixkit::parenthesize_for(
                    &inner.to_string(),
                    fixkit::prec_of(&inner),
                    Prec::HasAttr,
                );
                format!("!{operand}")
            };
            let base = cx.project.config.severity(&META);
            let (applicability, severity) = if surely_bool(cx.scopes(), &other) {
                (Applicability::Safe, base)
            } else {
                (Applicability::Unsafe, base.min(Severity::Info))
            };
            let text = &cx.file.text;
            let replacement = fixkit::padded(text, node.text_range(), &replacement);
            let shown = if positive {
                format!("`{}`", other_text.trim())
            } else {
                format!("`{}`", replacement.trim())
            };
            let message = if applicability == Applicability::Safe {
                format!("comparison with `{literal}`; use {shown} instead")
            } else {
                format!(
                    "comparison with `{literal}`; if the other side is always a boolean, use {shown} instead"
                )
            };
            let mut d = Diagnostic::new(&META, severity, cx.file, node.text_range(), message);
            if applicability == Applicability::Unsafe {
                d = d.with_note(format!(
                    "`== {literal}` also accepts a non-boolean (such as `null`) where {shown} would fail"
                ));
            }
            if let Some(f) = fixkit::replace_node(
                root,
                node,
                replacement,
                format!("replace with {shown}"),
                applicability,
            ) {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
