//! The rule registry. Add a rule: create `src/lints/rules/<name>.rs` with a
//! `//!` doc comment, a `pub static RULE` and list it in `all()`.

use super::Rule;

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

mod invalid_suppression;
mod syntax_error;

/// Every rule nixfold knows, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    ALL
}

static ALL: &[&dyn Rule] = &[
    &syntax_error::RULE,
    &invalid_suppression::RULE,
];
