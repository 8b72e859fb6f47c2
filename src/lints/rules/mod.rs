//! The rule registry. Add a rule: its `RuleMeta` in `src/catalog.rs` (listed
//! in `catalog::ALL`), then `src/lints/rules/<name>.rs` with a `//!` doc
//! comment, `pub use crate::catalog::<NAME> as META;`, a `pub static RULE`,
//! and list it in `all()`.

use super::Rule;

mod absolute_path;
pub(crate) mod bool_comparison;
mod bool_simplification;
mod collapsible_let_in;
mod dangling_flake_ref;
mod deprecated_to_path;
mod duplicated_formal;
mod duplicated_key;
mod dynamic_let;
mod empty_inherit;
mod empty_let_in;
mod empty_list_concat;
mod empty_pattern;
mod env_in_imports;
mod eta_reduction;
mod impure_current_system;
mod impure_current_time;
mod impure_getenv;
mod impure_store_path;
mod invalid_hash;
mod invalid_suppression;
mod legacy_let_syntax;
mod manual_inherit;
mod manual_inherit_from;
mod redundant_pattern_bind;
mod repeated_keys;
mod search_path_lookup;
pub(crate) mod syntax_error;
mod undefined_name;
mod unknown_variant_value;
mod unpinned_fetch;
mod unquoted_uri;
mod unreachable_variant_branch;
mod unused_formal;
mod unused_lambda_arg;
mod unused_let_binding;
mod unused_rec;
pub(crate) mod unused_suppression;
mod unused_with;
mod useless_has_attr;
mod useless_parens;

/// Every rule nixfold knows, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    ALL
}

static ALL: &[&dyn Rule] = &[
    &syntax_error::RULE,
    &invalid_suppression::RULE,
    &unused_suppression::RULE,
    &impure_getenv::RULE,
    &impure_current_system::RULE,
    &impure_current_time::RULE,
    &search_path_lookup::RULE,
    &unpinned_fetch::RULE,
    &impure_store_path::RULE,
    &absolute_path::RULE,
    &invalid_hash::RULE,
    &dangling_flake_ref::RULE,
    &undefined_name::RULE,
    &duplicated_key::RULE,
    &duplicated_formal::RULE,
    &dynamic_let::RULE,
    &deprecated_to_path::RULE,
    &unused_let_binding::RULE,
    &unused_formal::RULE,
    &unused_lambda_arg::RULE,
    &unused_with::RULE,
    &unused_rec::RULE,
    &empty_let_in::RULE,
    &empty_inherit::RULE,
    &empty_list_concat::RULE,
    &bool_comparison::RULE,
    &manual_inherit::RULE,
    &manual_inherit_from::RULE,
    &legacy_let_syntax::RULE,
    &collapsible_let_in::RULE,
    &eta_reduction::RULE,
    &useless_parens::RULE,
    &empty_pattern::RULE,
    &redundant_pattern_bind::RULE,
    &unquoted_uri::RULE,
    &bool_simplification::RULE,
    &useless_has_attr::RULE,
    &repeated_keys::RULE,
    &unknown_variant_value::RULE,
    &unreachable_variant_branch::RULE,
    &env_in_imports::RULE,
];

#[cfg(test)]
mod tests {
    /// The catalogue (base layer) and the registry list the same rules in the same order.
    #[test]
    fn catalogue_matches_registry() {
        let registry: Vec<*const crate::catalog::RuleMeta> =
            super::all().iter().map(|r| r.meta() as *const _).collect();
        let catalogue: Vec<*const crate::catalog::RuleMeta> =
            crate::catalog::ALL.iter().map(|m| *m as *const _).collect();
        assert_eq!(registry, catalogue);
    }
}
