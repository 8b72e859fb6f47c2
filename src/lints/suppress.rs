//! Suppression comments: `# nixfold: ignore[name, ...]` and
//! `# nixfold: ignore-file[name]`. See grammar/suppression.ebnf.

use crate::diagnostics::Diagnostic;
use crate::project::Project;

/// Whether a suppression comment in the diagnostic's file covers it.
pub fn is_suppressed(_project: &Project, _diag: &Diagnostic) -> bool {
    false
}
