//! One finding per problem: some rules report, with a more specific name and
//! more detail, problems that Nix's parser (and so nixfold's syntax layer)
//! also rejects. When such a rule reports a problem, the `syntax-error`
//! finding for the same place is dropped.

use crate::diagnostics::Diagnostic;

/// Rules whose findings are also syntax errors in Nix.
pub const REFINES_SYNTAX_ERROR: &[&str] = &["duplicated-key", "duplicated-formal", "dynamic-let"];

/// Drop `syntax-error` findings of one file that overlap (or share a line
/// with) a finding of a rule in [`REFINES_SYNTAX_ERROR`].
pub fn drop_superseded_syntax_errors(file_diags: &mut Vec<Diagnostic>) {
    let refined: Vec<(crate::syntax::TextRange, u32)> = file_diags
        .iter()
        .filter(|d| REFINES_SYNTAX_ERROR.contains(&d.name))
        .map(|d| (d.range, d.start.line))
        .collect();
    if refined.is_empty() {
        return;
    }
    file_diags.retain(|d| {
        d.name != "syntax-error"
            || !refined.iter().any(|(r, line)| {
                r.intersect(d.range)
                    .is_some_and(|i| !i.is_empty() || r == &d.range)
                    || *line == d.start.line
            })
    });
}
