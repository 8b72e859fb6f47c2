//! Helpers shared by integration tests.

pub mod nixflake;
pub mod project;
