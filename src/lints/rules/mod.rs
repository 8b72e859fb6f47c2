//! The rule registry. Add a rule: create `src/lints/rules/<name>.rs` with a
//! `//!` doc comment, a `pub static RULE` and list it in `all()`.

use super::Rule;

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

mod absolute_path;
mod dangling_flake_ref;
mod env_in_imports;
mod impure_current_system;
mod impure_current_time;
mod impure_getenv;
mod impure_store_path;
mod invalid_hash;
mod search_path_lookup;
mod syntax_error;
mod unknown_variant_value;
mod unpinned_fetch;
mod unreachable_variant_branch;

/// Every rule nixfold knows, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    ALL
}

static ALL: &[&dyn Rule] = &[
    &syntax_error::RULE,
    &impure_getenv::RULE,
    &impure_current_system::RULE,
    &impure_current_time::RULE,
    &search_path_lookup::RULE,
    &unpinned_fetch::RULE,
    &impure_store_path::RULE,
    &absolute_path::RULE,
    &invalid_hash::RULE,
    &dangling_flake_ref::RULE,
    &unknown_variant_value::RULE,
    &unreachable_variant_branch::RULE,
    &env_in_imports::RULE,
];
