//! ## useless-parens (NF0507)
//!
//! Finds parentheses that change nothing: around a name, a literal, a list,
//! a set or a selection (`(x)`, `("s")`, `(a.b)`), around a function call
//! used as an operand (`(f x) + 1`), around a whole binding value, `let`
//! body, function body, branch of `if`, string interpolation or file, and
//! doubled parentheses `((x))`.
//!
//! ### Why
//! Extra parentheses make the reader look for a reason that is not there.
//!
//! ### Example
//!
//! ```nix
//! let
//!   double = (x: 2 * x);
//! in
//! map (double) [ 1 2 3 ]
//! ```
//!
//! becomes
//!
//! ```nix
//! let
//!   double = x: 2 * x;
//! in
//! map double [ 1 2 3 ]
//! ```
//!
//! ### When it is not reported
//! Parentheses are kept when removing them would change how the expression
//! parses (`f (g x)`, `(a.b or c).d`, `(-1)` as an argument), and around
//! operators inside operators (`(a && b) || c`), where they help the reader.
//!
//! ### Fix
//! Safe: only parentheses whose removal leaves the same syntax tree are
//! removed; a space is added where the contents would otherwise run into a
//! neighbouring token. Parentheses holding a comment are left alone.
//!
//! This rule is a matter of taste and is off by default.

use crate::diagnostics::{Applicability, Diagnostic};
use crate::lints::fixkit::{self, Prec};
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::SyntaxKind;

pub struct UselessParens;
pub static RULE: UselessParens = UselessParens;

pub use crate::catalog::USELESS_PARENS as META;

impl Rule for UselessParens {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let root = cx.index().root();
        for node in cx.nodes(SyntaxKind::NODE_PAREN) {
            let Some(inner) = node.children().next() else {
                continue;
            };
            if inner.kind() == SyntaxKind::NODE_ERROR
                || node
                    .last_token()
                    .is_none_or(|t| t.kind() != SyntaxKind::TOKEN_R_PAREN)
            {
                continue;
            }
            if !fixkit::fits(&inner, node) {
                continue;
            }
            let prec = fixkit::prec_of(&inner);
            let parent_kind = node.parent().map(|p| p.kind());
            let operand_slot = matches!(
                parent_kind,
                Some(
                    SyntaxKind::NODE_BIN_OP | SyntaxKind::NODE_UNARY_OP | SyntaxKind::NODE_HAS_ATTR
                )
            );
            // readability parentheses around operators inside operators stay
            if operand_slot && prec > Prec::Apply {
                continue;
            }
            let what = match prec {
                Prec::Atom | Prec::Select => "around a simple expression",
                _ if operand_slot => "around a function call",
                _ => "around a whole expression",
            };
            let mut d = Diagnostic::new(
                &META,
                cx.project.config.severity(&META),
                cx.file,
                node.text_range(),
                format!("useless parentheses {what}"),
            );
            if !fixkit::has_comments(root, node.text_range())
                && let Some(f) = fixkit::replace_node(
                    root,
                    node,
                    fixkit::padded(&cx.file.text, node.text_range(), &inner.to_string()),
                    "remove the parentheses",
                    Applicability::Safe,
                )
            {
                d = d.with_fix(f);
            }
            out.push(d);
        }
    }
}
