//! ## impure-current-time (NF0103)
//!
//! Finds reads of `builtins.currentTime` (also `__currentTime`,
//! `with builtins; currentTime`, `inherit (builtins) currentTime;` and other
//! aliases of `builtins`). A `let` alias is reported where it reads the
//! builtin, not at each use of the alias.
//!
//! ### Why it matters
//!
//! The time of evaluation makes every evaluation different: derivations that
//! depend on it rebuild every time and can never be reproduced. Under pure
//! evaluation (flakes) the attribute does not exist, so `nix build .#...`
//! fails with `attribute 'currentTime' missing`.
//!
//! Severity: `error` when the file is evaluated by a flake, `warning`
//! elsewhere. The guarded forms `builtins.currentTime or 0` and
//! `if builtins ? currentTime then builtins.currentTime else ...` are not
//! reported.
//!
//! ### Example
//!
//! ```nix
//! { version = "1.0-${toString builtins.currentTime}"; }
//! ```
//!
//! ### How to fix
//!
//! Use a fixed value, or a value from the source: in a flake,
//! `self.lastModified` / `self.lastModifiedDate` are pure timestamps of the
//! flake's source.

use crate::diagnostics::Diagnostic;
use crate::lints::{FileCx, Rule, RuleMeta};

pub struct ImpureCurrentTime;
pub static RULE: ImpureCurrentTime = ImpureCurrentTime;

pub use crate::catalog::IMPURE_CURRENT_TIME as META;

impl Rule for ImpureCurrentTime {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        super::impure_current_system::check_constant(
            cx,
            &META,
            "currentTime",
            "the time of evaluation",
            "use a fixed value or `self.lastModified` (a flake's pure source timestamp) instead",
            out,
        );
    }
}
