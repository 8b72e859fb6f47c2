//! Unified diffs of rewritten files (for `check --diff` and `migrate --diff`).

use similar::TextDiff;

/// A unified diff from `old` to `new`, with `a/<path>` and `b/<path>`
/// headers and three lines of context; empty when the texts are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_headers_and_hunks() {
        let d = unified("x.nix", "a\nb\nc\n", "a\nB\nc\n");
        assert!(d.starts_with("--- a/x.nix\n+++ b/x.nix\n"), "{d}");
        assert!(d.contains("-b\n+B\n"), "{d}");
        assert_eq!(unified("x.nix", "same", "same"), "");
    }
}
