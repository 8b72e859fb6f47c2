//! nixfold: a Nix linter and partial evaluator for configurations selected by
//! environment variables.
//!
//! Layers (each depends only on the ones above it in this list):
//! `syntax` → `hir` (scopes) → `eval` → `analysis` → `lints`, `rewrite` →
//! `emit` → `cli`. `diagnostics`, `config` and `project` are shared base modules.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod emit;
pub mod eval;
pub mod hir;
pub mod lints;
pub mod nixhash;
pub mod project;
pub mod rewrite;
pub mod syntax;
