//! nixfold: a Nix linter and partial evaluator for configurations selected by
//! environment variables.
//!
//! Layers, lowest first (each depends only on its own and lower ones; see
//! ARCHITECTURE.md, enforced by tests/layers.rs): `syntax` → base
//! (`diagnostics`, `config`, `catalog`, `project`, `nixhash`) → `hir` (scopes)
//! → `eval` → `analysis` → `lints` → `rewrite` → `emit` → `cli`.

pub mod analysis;
pub mod catalog;
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
