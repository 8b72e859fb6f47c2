//! The embedded lib prelude: a subset of nixpkgs' `lib` written in Nix
//! (lib.nix), for evaluating configurations when nixpkgs is not available.
//!
//! `lib.nix` is plain Nix and takes no arguments: evaluating [`LIB_SOURCE`]
//! gives the lib attribute set, with real Nix as with nixfold
//! (tests/lib_prelude.rs compares them). Wiring it into evaluation (binding
//! `lib`, `pkgs.lib`, `nixpkgs.lib`) is left to the evaluator's callers.

/// The source of the prelude (src/eval/prelude/lib.nix).
pub const LIB_SOURCE: &str = include_str!("lib.nix");

/// A file name to report positions in the prelude with.
pub const LIB_FILE_NAME: &str = "<nixfold-prelude/lib.nix>";

#[cfg(test)]
mod tests {
    #[test]
    fn prelude_parses() {
        let p = crate::syntax::parse(super::LIB_SOURCE);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
    }
}
