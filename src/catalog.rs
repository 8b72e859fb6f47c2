//! The rule catalogue: every rule's name, code, category, default severity,
//! summary and documentation, without its implementation.
//!
//! Base code needs these facts (`config.rs` validates rule names and picks
//! severities, `diagnostics.rs` stamps a diagnostic with its rule's name and
//! code); the implementations live in `lints/rules/`, whose `META` statics
//! re-export the entries here. A unit test in `lints/rules/mod.rs` checks that
//! [`ALL`] lists the registry's rules in the registry's order.

use crate::diagnostics::Severity;

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

/// What kind of problem a rule finds (used for grouping in `nixfold rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Syntax,
    Purity,
    Variants,
    Correctness,
    DeadCode,
    Style,
}

/// Static facts about a rule. Names and codes are part of the interface.
#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case name, e.g. `impure-getenv`.
    pub name: &'static str,
    /// Stable code, e.g. `NF0002`.
    pub code: &'static str,
    /// Name of the rule's module file under src/lints/rules (for its docs).
    pub module: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// Whether the rule runs without being enabled in config.
    pub default_enabled: bool,
    /// One line, shown by `nixfold rules`.
    pub summary: &'static str,
}

impl RuleMeta {
    /// The rule's documentation: its module doc comment.
    pub fn doc(&self) -> &'static str {
        RULE_DOCS
            .iter()
            .find(|(m, _)| *m == self.module)
            .map(|(_, d)| *d)
            .unwrap_or("")
    }
}

/// Every rule nixfold knows, in code order (the order of `lints::rules::all()`).
pub static ALL: &[&RuleMeta] = &[
    &SYNTAX_ERROR,
    &INVALID_SUPPRESSION,
    &UNUSED_SUPPRESSION,
    &IMPURE_GETENV,
    &IMPURE_CURRENT_SYSTEM,
    &IMPURE_CURRENT_TIME,
    &SEARCH_PATH_LOOKUP,
    &UNPINNED_FETCH,
    &IMPURE_STORE_PATH,
    &ABSOLUTE_PATH,
    &INVALID_HASH,
    &DANGLING_FLAKE_REF,
    &UNDEFINED_NAME,
    &DUPLICATED_KEY,
    &DUPLICATED_FORMAL,
    &DYNAMIC_LET,
    &DEPRECATED_TO_PATH,
    &UNUSED_LET_BINDING,
    &UNUSED_FORMAL,
    &UNUSED_LAMBDA_ARG,
    &UNUSED_WITH,
    &UNUSED_REC,
    &EMPTY_LET_IN,
    &EMPTY_INHERIT,
    &EMPTY_LIST_CONCAT,
    &BOOL_COMPARISON,
    &MANUAL_INHERIT,
    &MANUAL_INHERIT_FROM,
    &LEGACY_LET_SYNTAX,
    &COLLAPSIBLE_LET_IN,
    &ETA_REDUCTION,
    &USELESS_PARENS,
    &EMPTY_PATTERN,
    &REDUNDANT_PATTERN_BIND,
    &UNQUOTED_URI,
    &BOOL_SIMPLIFICATION,
    &USELESS_HAS_ATTR,
    &REPEATED_KEYS,
    &UNKNOWN_VARIANT_VALUE,
    &UNREACHABLE_VARIANT_BRANCH,
    &ENV_IN_IMPORTS,
];

/// The catalogue entry of the rule called `name`.
pub fn by_name(name: &str) -> Option<&'static RuleMeta> {
    ALL.iter().copied().find(|m| m.name == name)
}

/// The catalogue entry of the rule with `code` (`NF0001`).
pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    ALL.iter().copied().find(|m| m.code == code)
}

/// The rule name closest to a misspelt one, if any is close enough.
pub fn closest_name(name: &str) -> Option<&'static str> {
    let limit = (name.chars().count() / 3).max(2);
    ALL.iter()
        .map(|m| (edit_distance(name, m.name), m.name))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, n)| n)
}

/// Levenshtein distance in Unicode scalar values.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub static SYNTAX_ERROR: RuleMeta = RuleMeta {
    name: "syntax-error",
    code: "NF0001",
    module: "syntax_error",
    category: Category::Syntax,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "the file does not parse as Nix (or cannot be read)",
};

pub static INVALID_SUPPRESSION: RuleMeta = RuleMeta {
    name: "invalid-suppression",
    code: "NF0002",
    module: "invalid_suppression",
    category: Category::Syntax,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "a `# nixfold:` suppression comment is malformed or names an unknown rule",
};

pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    name: "unused-suppression",
    code: "NF0003",
    module: "unused_suppression",
    category: Category::Syntax,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "a `# nixfold:` suppression comment suppresses nothing",
};

pub static IMPURE_GETENV: RuleMeta = RuleMeta {
    name: "impure-getenv",
    code: "NF0101",
    module: "impure_getenv",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "builtins.getEnv: returns \"\" under pure (flake) evaluation",
};

pub static IMPURE_CURRENT_SYSTEM: RuleMeta = RuleMeta {
    name: "impure-current-system",
    code: "NF0102",
    module: "impure_current_system",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "builtins.currentSystem: missing under pure (flake) evaluation",
};

pub static IMPURE_CURRENT_TIME: RuleMeta = RuleMeta {
    name: "impure-current-time",
    code: "NF0103",
    module: "impure_current_time",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "builtins.currentTime: missing under pure (flake) evaluation",
};

pub static SEARCH_PATH_LOOKUP: RuleMeta = RuleMeta {
    name: "search-path-lookup",
    code: "NF0104",
    module: "search_path_lookup",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "<nixpkgs> and other NIX_PATH lookups: forbidden under pure (flake) evaluation",
};

pub static UNPINNED_FETCH: RuleMeta = RuleMeta {
    name: "unpinned-fetch",
    code: "NF0105",
    module: "unpinned_fetch",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "builtin fetch without the hash/rev pure (flake) evaluation requires",
};

pub static IMPURE_STORE_PATH: RuleMeta = RuleMeta {
    name: "impure-store-path",
    code: "NF0106",
    module: "impure_store_path",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "builtins.storePath or a literal /nix/store path",
};

pub static ABSOLUTE_PATH: RuleMeta = RuleMeta {
    name: "absolute-path",
    code: "NF0107",
    module: "absolute_path",
    category: Category::Purity,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "path literal starting with / or ~/ (refused by pure flake evaluation)",
};

pub static INVALID_HASH: RuleMeta = RuleMeta {
    name: "invalid-hash",
    code: "NF0108",
    module: "invalid_hash",
    category: Category::Purity,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "literal hash that Nix rejects (wrong length, alphabet or form)",
};

pub static DANGLING_FLAKE_REF: RuleMeta = RuleMeta {
    name: "dangling-flake-ref",
    code: "NF0109",
    module: "dangling_flake_ref",
    category: Category::Purity,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`.#name` in a script, doc or string names no output of the flake",
};

pub static UNDEFINED_NAME: RuleMeta = RuleMeta {
    name: "undefined-name",
    code: "NF0301",
    module: "undefined_name",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "variable that nothing defines",
};

pub static DUPLICATED_KEY: RuleMeta = RuleMeta {
    name: "duplicated-key",
    code: "NF0302",
    module: "duplicated_key",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "attribute defined twice in one set or `let`",
};

pub static DUPLICATED_FORMAL: RuleMeta = RuleMeta {
    name: "duplicated-formal",
    code: "NF0303",
    module: "duplicated_formal",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "function argument pattern binds a name twice",
};

pub static DYNAMIC_LET: RuleMeta = RuleMeta {
    name: "dynamic-let",
    code: "NF0304",
    module: "dynamic_let",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    summary: "`let` binding with a computed name",
};

pub static DEPRECATED_TO_PATH: RuleMeta = RuleMeta {
    name: "deprecated-to-path",
    code: "NF0305",
    module: "deprecated_to_path",
    category: Category::Correctness,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "use of the deprecated `builtins.toPath`",
};

pub static UNUSED_LET_BINDING: RuleMeta = RuleMeta {
    name: "unused-let-binding",
    code: "NF0401",
    module: "unused_let_binding",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`let` binding that nothing uses",
};

pub static UNUSED_FORMAL: RuleMeta = RuleMeta {
    name: "unused-formal",
    code: "NF0402",
    module: "unused_formal",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "name in a function's argument pattern that the body never uses",
};

pub static UNUSED_LAMBDA_ARG: RuleMeta = RuleMeta {
    name: "unused-lambda-arg",
    code: "NF0403",
    module: "unused_lambda_arg",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "function argument that the body never uses",
};

pub static UNUSED_WITH: RuleMeta = RuleMeta {
    name: "unused-with",
    code: "NF0404",
    module: "unused_with",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`with` from which no name is taken",
};

pub static UNUSED_REC: RuleMeta = RuleMeta {
    name: "unused-rec",
    code: "NF0405",
    module: "unused_rec",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`rec` set whose attributes never refer to each other",
};

pub static EMPTY_LET_IN: RuleMeta = RuleMeta {
    name: "empty-let-in",
    code: "NF0406",
    module: "empty_let_in",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`let in` that binds nothing",
};

pub static EMPTY_INHERIT: RuleMeta = RuleMeta {
    name: "empty-inherit",
    code: "NF0407",
    module: "empty_inherit",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`inherit` that names nothing",
};

pub static EMPTY_LIST_CONCAT: RuleMeta = RuleMeta {
    name: "empty-list-concat",
    code: "NF0408",
    module: "empty_list_concat",
    category: Category::DeadCode,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "concatenation with an empty list (`[] ++ xs`)",
};

pub static BOOL_COMPARISON: RuleMeta = RuleMeta {
    name: "bool-comparison",
    code: "NF0501",
    module: "bool_comparison",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "comparison with a boolean literal (`x == true`)",
};

pub static MANUAL_INHERIT: RuleMeta = RuleMeta {
    name: "manual-inherit",
    code: "NF0502",
    module: "manual_inherit",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`a = a;` where `inherit a;` says the same",
};

pub static MANUAL_INHERIT_FROM: RuleMeta = RuleMeta {
    name: "manual-inherit-from",
    code: "NF0503",
    module: "manual_inherit_from",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: false,
    summary: "`a = x.a;` where `inherit (x) a;` says the same",
};

pub static LEGACY_LET_SYNTAX: RuleMeta = RuleMeta {
    name: "legacy-let-syntax",
    code: "NF0504",
    module: "legacy_let_syntax",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "undocumented `let { body = ...; }` form",
};

pub static COLLAPSIBLE_LET_IN: RuleMeta = RuleMeta {
    name: "collapsible-let-in",
    code: "NF0505",
    module: "collapsible_let_in",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`let ... in let ... in` that can be one `let`",
};

pub static ETA_REDUCTION: RuleMeta = RuleMeta {
    name: "eta-reduction",
    code: "NF0506",
    module: "eta_reduction",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: false,
    summary: "`x: f x` where `f` would do",
};

pub static USELESS_PARENS: RuleMeta = RuleMeta {
    name: "useless-parens",
    code: "NF0507",
    module: "useless_parens",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: false,
    summary: "parentheses that change nothing",
};

pub static EMPTY_PATTERN: RuleMeta = RuleMeta {
    name: "empty-pattern",
    code: "NF0508",
    module: "empty_pattern",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: false,
    summary: "`{ ... }:` argument that binds nothing, where `_:` would do",
};

pub static REDUNDANT_PATTERN_BIND: RuleMeta = RuleMeta {
    name: "redundant-pattern-bind",
    code: "NF0509",
    module: "redundant_pattern_bind",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`args @ { ... }:` where `args:` would do",
};

pub static UNQUOTED_URI: RuleMeta = RuleMeta {
    name: "unquoted-uri",
    code: "NF0510",
    module: "unquoted_uri",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "URL literal without quotes (deprecated)",
};

pub static BOOL_SIMPLIFICATION: RuleMeta = RuleMeta {
    name: "bool-simplification",
    code: "NF0511",
    module: "bool_simplification",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "negated equality test (`!(a == b)`)",
};

pub static USELESS_HAS_ATTR: RuleMeta = RuleMeta {
    name: "useless-has-attr",
    code: "NF0512",
    module: "useless_has_attr",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`if x ? a then x.a else d` where `x.a or d` would do",
};

pub static REPEATED_KEYS: RuleMeta = RuleMeta {
    name: "repeated-keys",
    code: "NF0513",
    module: "repeated_keys",
    category: Category::Style,
    default_severity: Severity::Warning,
    default_enabled: false,
    summary: "the same key starts three or more bindings of a set",
};

pub static UNKNOWN_VARIANT_VALUE: RuleMeta = RuleMeta {
    name: "unknown-variant-value",
    code: "NF0201",
    module: "unknown_variant_value",
    category: Category::Variants,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "a variant or script sets a value the configuration never tests",
};

pub static UNREACHABLE_VARIANT_BRANCH: RuleMeta = RuleMeta {
    name: "unreachable-variant-branch",
    code: "NF0202",
    module: "unreachable_variant_branch",
    category: Category::Variants,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "a branch on an environment variable that no declared variant takes",
};

pub static ENV_IN_IMPORTS: RuleMeta = RuleMeta {
    name: "env-in-imports",
    code: "NF0203",
    module: "env_in_imports",
    category: Category::Variants,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`imports` chosen by an environment variable: only specialArgs can carry that choice",
};
