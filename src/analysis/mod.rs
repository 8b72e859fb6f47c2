//! Analyses over a loaded project: which files flake outputs reach, and
//! (later) variant analysis on top of the evaluator.

pub mod reach;
pub mod scope;
pub mod variants;
