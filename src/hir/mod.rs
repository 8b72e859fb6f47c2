//! Scopes and name resolution over the syntax tree of one file.
//!
//! [`Scopes`] is computed once per file (in rules: `cx.scopes()`) and maps
//! every variable reference to a [`Resolution`]:
//!
//! - [`Resolution::Local`]: a binding of the file ([`Binding`]: name, kind,
//!   binder range, defining node, bound expression). Lexical bindings always
//!   win, over `with` and over builtins.
//! - [`Resolution::Builtin`]: a name of Nix's base environment (`builtins`,
//!   `map`, `toString`, `import`, `true`, `__getEnv`, ...). These are static
//!   too, so they also win over `with` (as in Nix).
//! - [`Resolution::With`]: a name supplied by the innermost enclosing `with`
//!   (or one further out).
//! - [`Resolution::Undefined`]: nothing binds it.
//!
//! Handled constructs: `let ... in`, legacy `let { }`, `rec { }` (including
//! `a.b = ...` keys, which bind `a`), `with`, `inherit x;` (refers to the
//! enclosing scope), `inherit (e) x;` (`e` is evaluated in the binding scope),
//! lambda arguments, formals (defaults see all formals and the `@` name) and
//! `@` binds. Per binding, [`Scopes::uses`] / [`Scopes::is_used`] answer
//! unused-binding questions in O(1).
//!
//! On top, [`builtin_ref`] tells whether an expression denotes
//! `builtins.NAME` through any static alias, and [`Scopes::builtin_uses`]
//! lists every builtin use of the file with its call arguments.
//!
//! ```
//! use nixfold::hir::{Resolution, Scopes};
//! use nixfold::syntax::parse;
//! let p = parse("let x = 1; in with pkgs; [ x y map ]");
//! let s = Scopes::from_parsed(&p);
//! let kinds: Vec<_> = s.references().iter().map(|r| r.resolution).collect();
//! assert!(matches!(kinds[0], Resolution::Undefined)); // pkgs
//! assert!(matches!(kinds[1], Resolution::Local(_))); // x
//! assert!(matches!(kinds[2], Resolution::With(_))); // y
//! assert_eq!(kinds[3], Resolution::Builtin("map"));
//! ```

mod builtins;
mod green;
mod names;
mod scopes;
#[cfg(test)]
mod tests;

pub use builtins::{
    BuiltinRef, BuiltinUse, UseKind, builtin_ref, find_builtin_uses, follow_bindings,
    is_impure_only, is_presence_guarded,
};
pub use names::{
    AttrName, attr_is, builtin_attr, callee_name, global_builtin, literal_string, static_attr_name,
    strip_parens,
};
pub use scopes::{
    Binding, BindingId, BindingKind, NodePtr, Reference, Resolution, Scope, ScopeId, ScopeKind,
    Scopes, WithId, WithScope,
};
