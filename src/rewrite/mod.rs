//! Applying edits to source text: the fix engine (`apply`, `fix`), unified
//! diffs, and all-or-nothing file writes shared by `check --fix` and `migrate`.

pub mod apply;
pub mod diff;
pub mod fix;
pub mod migrate;
pub mod oracle;
pub mod write;

pub use fix::{FixOptions, FixReport, fix_project, fix_text};
pub use write::write_all_or_nothing;
