//! ## unused-suppression (NF0003)
//!
//! A suppression comment naming a rule that reported nothing where the
//! comment applies: `# nixfold: ignore[rule]` on a line where `rule` finds
//! nothing, or `# nixfold: ignore-file[rule]` in a file where it finds
//! nothing.
//!
//! ### Why
//! Suppressions outlive the code they were written for. A stale one hides
//! nothing today but will silently hide a real finding the next time that
//! line changes, and it tells readers there is a problem where there is none.
//!
//! Only rules that ran are judged: a suppression of a rule that is disabled
//! in nixfold.toml, not selected with `--select`, turned off with `--ignore`
//! or opt-in and not enabled is never reported (the rule could not have
//! fired). Nor is `ignore[unused-suppression]` itself.
//!
//! ### Example
//!
//! ```nix
//! {
//!   # nixfold: ignore[impure-getenv]
//!   user = "alice";
//!   home = builtins.getEnv "HOME"; # nixfold: ignore[impure-getenv, absolute-path]
//! }
//! ```
//!
//! The first comment suppresses nothing; in the second, `absolute-path` does
//! not fire on its line.
//!
//! ### Fix
//! Safe: the comment is deleted (with its line when it stands alone), or,
//! when some names of its list are still needed, just the unused names are
//! taken out of the list. Nothing else is touched. With `check --fix` this
//! fix is only computed from the check of the whole project, where every rule
//! had its say.

use std::path::Path;

use crate::diagnostics::{Applicability, Diagnostic, Edit, Fix};
use crate::lints::suppress::FileSuppressions;
use crate::lints::{ProjectCx, Rule, RuleMeta};
use crate::syntax::{LineIndex, TextRange, TextSize};

pub struct UnusedSuppression;
pub static RULE: UnusedSuppression = UnusedSuppression;

pub use crate::catalog::UNUSED_SUPPRESSION as META;

/// One file's suppressions and what they covered.
struct FileUse<'a> {
    path: &'a Path,
    text: &'a str,
    index: &'a LineIndex,
    suppressions: &'a FileSuppressions,
    used: &'a [bool],
    /// Whether the file is over the parser's limits (most rules skip it).
    limited: bool,
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Run by the engine after every other rule, once suppressions have
    /// been applied (see `lints::LATE_RULES`).
    fn check_project(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
        let Some(used) = cx.suppression_use.get() else {
            return;
        };
        // Nix files, then texts, with their suppression comments and which
        // of them were used; the line index and limits are asked only of
        // files with comments (a Nix file's index is built on first use).
        let files = (cx.project.files.iter().map(Ok))
            .chain(cx.project.texts.iter().map(Err))
            .zip(cx.suppressions.iter().chain(&cx.text_suppressions))
            .zip(used.files.iter().chain(&used.texts));
        for ((file, suppressions), used) in files {
            if suppressions.entries.is_empty() {
                continue;
            }
            let file = match file {
                Ok(f) => FileUse {
                    path: &f.path,
                    text: &f.text,
                    index: f.line_index(),
                    suppressions,
                    used,
                    limited: f.tree.exceeded_limits(),
                },
                Err(t) => FileUse {
                    path: &t.path,
                    text: &t.text,
                    index: &t.line_index,
                    suppressions,
                    used,
                    limited: false,
                },
            };
            check_file(cx, &file, out);
        }
    }
}

fn check_file(cx: &ProjectCx<'_>, f: &FileUse<'_>, out: &mut Vec<Diagnostic>) {
    let sev = cx.config.severity(&META);
    // entries that could have covered a finding and did not, by directive
    let mut unused: Vec<Vec<usize>> = vec![Vec::new(); f.suppressions.directives.len()];
    for (i, e) in f.suppressions.entries.iter().enumerate() {
        let ran = crate::lints::rule_by_name(e.rule)
            .is_some_and(|r| cx.config.is_enabled(r.meta()))
            && (!f.limited || crate::lints::reads_limited_files(e.rule));
        if !f.used[i] && ran && e.rule != META.name {
            unused[e.directive].push(i);
        }
    }
    for (d, entries) in unused.iter().enumerate() {
        let Some(&first) = entries.first() else {
            continue;
        };
        let directive = &f.suppressions.directives[d];
        let names: Vec<String> = entries
            .iter()
            .map(|&e| format!("`{}`", f.suppressions.entries[e].rule))
            .collect();
        let place = match f.suppressions.entries[first].line {
            Some(line) => format!("on line {line}"),
            None => "in this file".to_string(),
        };
        let (verb, range) = match entries.as_slice() {
            [one] => ("reported", f.suppressions.entries[*one].range),
            _ => ("report", directive.range),
        };
        let message = format!(
            "unused suppression: {} {verb} nothing {place}",
            names.join(" and ")
        );
        let removed: Vec<TextRange> = entries
            .iter()
            .map(|&e| f.suppressions.entries[e].range)
            .collect();
        let all = directive.names.iter().all(|n| removed.contains(n));
        let fix = Fix {
            message: if all {
                "remove the suppression comment".into()
            } else {
                format!("remove {} from the suppression", names.join(" and "))
            },
            applicability: Applicability::Safe,
            edits: if all {
                vec![Edit::delete(comment_removal(f.text, directive.range))]
            } else {
                name_removals(&directive.names, &removed)
            },
        };
        out.push(
            Diagnostic::in_text(
                &META,
                sev,
                f.path.to_path_buf(),
                f.text,
                f.index,
                range,
                message,
            )
            .with_fix(fix),
        );
    }
}

/// What to delete to remove a whole comment: its line when it stands alone
/// on it, else the comment and the blanks before it.
fn comment_removal(text: &str, comment: TextRange) -> TextRange {
    let start = usize::from(comment.start());
    let end = usize::from(comment.end());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    let at = |i: usize| TextSize::from(i as u32);
    if before.bytes().all(|b| b == b' ' || b == b'\t') {
        let rest = &text[end..];
        let newline = if rest.starts_with("\r\n") {
            2
        } else {
            usize::from(rest.starts_with('\n'))
        };
        TextRange::new(at(line_start), at(end + newline))
    } else {
        let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
        TextRange::new(at(start - blanks), at(end))
    }
}

/// Edits taking the `removed` names out of a list whose names are `names`
/// (in order; at least one is kept). A removed name goes with what separates
/// it from the next name; removed names after the last kept one go with what
/// separates them from it.
fn name_removals(names: &[TextRange], removed: &[TextRange]) -> Vec<Edit> {
    let Some(last_kept) = names.iter().rposition(|n| !removed.contains(n)) else {
        return Vec::new();
    };
    let mut edits = Vec::new();
    for (i, n) in names.iter().enumerate().take(last_kept) {
        if removed.contains(n) {
            edits.push(Edit::delete(TextRange::new(
                n.start(),
                names[i + 1].start(),
            )));
        }
    }
    if let Some(last) = names.last()
        && last_kept + 1 < names.len()
    {
        edits.push(Edit::delete(TextRange::new(
            names[last_kept].end(),
            last.end(),
        )));
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: u32, b: u32) -> TextRange {
        TextRange::new(a.into(), b.into())
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            out.replace_range(usize::from(e.range.start())..usize::from(e.range.end()), "");
        }
        out
    }

    #[test]
    fn removes_names_from_lists() {
        //         0123456789012345
        let text = "[aa, bb ,cc, dd]";
        let names = [r(1, 3), r(5, 7), r(9, 11), r(13, 15)];
        let cases: [(&[TextRange], &str); 4] = [
            (&[r(1, 3)], "[bb ,cc, dd]"),
            (&[r(13, 15)], "[aa, bb ,cc]"),
            (&[r(5, 7), r(13, 15)], "[aa, cc]"),
            (&[r(1, 3), r(9, 11), r(13, 15)], "[bb]"),
        ];
        for (removed, want) in cases {
            assert_eq!(apply(text, &name_removals(&names, removed)), want);
        }
    }

    #[test]
    fn removes_whole_comments() {
        let t = "a\n  # nixfold: ignore[x]\nb # nixfold: ignore[y] why\n# nixfold: ignore[z]";
        let find = |s: &str| {
            let i = t.find(s).unwrap();
            let end = t[i..].find('\n').map_or(t.len(), |j| i + j);
            r(i as u32, end as u32)
        };
        let del = |c: TextRange| apply(t, &[Edit::delete(comment_removal(t, c))]);
        assert_eq!(
            del(find("# nixfold: ignore[x]")),
            "a\nb # nixfold: ignore[y] why\n# nixfold: ignore[z]"
        );
        assert_eq!(
            del(find("# nixfold: ignore[y]")),
            "a\n  # nixfold: ignore[x]\nb\n# nixfold: ignore[z]"
        );
        assert_eq!(
            del(find("# nixfold: ignore[z]")),
            "a\n  # nixfold: ignore[x]\nb # nixfold: ignore[y] why\n"
        );
    }
}
