//! Variant analysis: which environment variables a configuration reads, what
//! it does with each (their kinds and domains), which flake outputs depend on
//! them, and the declared variant matrix.

pub mod flow;
pub mod shell;
pub mod syn;
pub mod usage;
