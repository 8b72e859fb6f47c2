//! Suppression comments: `# nixfold: ignore[name, ...]` and
//! `# nixfold: ignore-file[name, ...]`. The syntax is specified, with
//! examples and counter-examples, in grammar/suppression.ebnf.
//!
//! * `ignore[...]` at the end of a line covers findings that start on that
//!   line. Alone on its line it covers the next line; further comment-only
//!   lines in between are skipped (so several suppressions or an explanation
//!   can be stacked), blank lines are not.
//! * `ignore-file[...]` anywhere in the file covers the whole file.
//! * Only `#` line comments are read, from the syntax tree's comment tokens
//!   (so a `#` inside a string never counts). In shell scripts, Makefiles,
//!   justfiles and `.envrc` files, whole-line `#` comments are read the same
//!   way (end-of-line comments are not, as `#` is ambiguous there).
//! * A comment that starts with `nixfold:` but does not follow the grammar,
//!   and names that are not rules, are reported by `invalid-suppression`.
//! * Which entries covered a finding is recorded while findings are
//!   filtered (see [`FileSuppressions::cover`]); `unused-suppression`
//!   reports the others.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::syntax::{LineIndex, SourceFile, SyntaxKind, TextRange, TextSize};

/// The marker that makes a comment a suppression directive.
pub const MARKER: &str = "nixfold:";

/// Which kind of directive a comment holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `ignore[...]`: one line.
    Line,
    /// `ignore-file[...]`: the whole file.
    File,
}

/// One rule name in a directive, with its byte range inside the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name<'a> {
    pub text: &'a str,
    pub start: usize,
}

/// What a comment's text is, as far as suppressions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// An ordinary comment.
    NotADirective,
    /// A well-formed directive.
    Directive { scope: Scope, names: Vec<Name<'a>> },
    /// Starts with `nixfold:` but does not follow the grammar; `at` is the
    /// byte offset inside the comment where it goes wrong.
    Malformed { at: usize, message: String },
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parse the text of one `#` comment (including the `#`).
pub fn parse_comment(comment: &str) -> Parsed<'_> {
    let b = comment.as_bytes();
    if b.first() != Some(&b'#') {
        return Parsed::NotADirective;
    }
    let mut i = 1;
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    if !comment[i..].starts_with(MARKER) {
        return Parsed::NotADirective;
    }
    i += MARKER.len();
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    let malformed = |at: usize, message: &str| Parsed::Malformed {
        at,
        message: message.to_string(),
    };
    let word_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b'_') {
        i += 1;
    }
    let scope = match &comment[word_start..i] {
        "ignore" => Scope::Line,
        "ignore-file" => Scope::File,
        "" => {
            return malformed(
                word_start,
                "expected `ignore[...]` or `ignore-file[...]` after `nixfold:`",
            );
        }
        other => {
            return Parsed::Malformed {
                at: word_start,
                message: format!(
                    "unknown directive `{other}`; expected `ignore[...]` or `ignore-file[...]`"
                ),
            };
        }
    };
    let keyword = &comment[word_start..i];
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'[') {
        return Parsed::Malformed {
            at: i,
            message: format!(
                "expected `[` after `{keyword}`: list the rules, e.g. `{keyword}[impure-getenv]`"
            ),
        };
    }
    i += 1;
    let mut names = Vec::new();
    loop {
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if b.get(i) == Some(&b']') {
            if names.is_empty() {
                return malformed(i, "empty rule list; name at least one rule");
            }
            i += 1;
            break;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b'_') {
            i += 1;
        }
        if start == i {
            return malformed(start, "expected a rule name");
        }
        let text = &comment[start..i];
        if !is_rule_name(text) {
            let message = match crate::lints::rule_by_code(&text.to_ascii_uppercase()) {
                Some(r) => format!(
                    "`{text}` is a rule code; suppressions take rule names (`{}`)",
                    r.meta().name
                ),
                None => format!(
                    "`{text}` is not a rule name (rule names are lowercase words joined by `-`)"
                ),
            };
            return Parsed::Malformed { at: start, message };
        }
        names.push(Name { text, start });
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => {
                i += 1;
                break;
            }
            _ => return malformed(i, "expected `,` or `]` after a rule name"),
        }
    }
    // Free text may follow after a blank (a reason); nothing else may.
    if i < b.len() && !is_blank(b[i]) {
        return malformed(i, "expected a space or the end of the comment after `]`");
    }
    Parsed::Directive { scope, names }
}

/// `lower { lower | digit | "-" }`, not ending in `-`, no `--`.
fn is_rule_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(|c| c.is_ascii_lowercase())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// A problem in a suppression comment (reported by `invalid-suppression`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub range: TextRange,
    pub message: String,
    pub help: Option<String>,
}

/// One rule name of a well-formed directive that names a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rule: &'static str,
    /// The 1-based line an `ignore` covers; `None` for `ignore-file`.
    pub line: Option<u32>,
    /// The name in the file.
    pub range: TextRange,
    /// Its directive, an index into [`FileSuppressions::directives`].
    pub directive: usize,
}

/// A well-formed directive comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The whole comment in the file (from `#` to the end of the line).
    pub range: TextRange,
    /// Every name of its list (rules or not) in the file, in order.
    pub names: Vec<TextRange>,
}

/// The suppressions of one file, computed once.
#[derive(Debug, Clone, Default)]
pub struct FileSuppressions {
    pub entries: Vec<Entry>,
    pub directives: Vec<Directive>,
    /// Entries of `ignore-file` directives.
    file_wide: Vec<usize>,
    /// 1-based line → entries of `ignore` directives covering it.
    lines: HashMap<u32, Vec<usize>>,
    pub problems: Vec<Problem>,
}

impl FileSuppressions {
    /// Whether nothing is suppressed and nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.problems.is_empty()
    }

    /// The entries that cover a finding in this file.
    pub fn covering<'a>(&'a self, diag: &'a Diagnostic) -> impl Iterator<Item = usize> + 'a {
        self.file_wide
            .iter()
            .chain(self.lines.get(&diag.start.line).into_iter().flatten())
            .copied()
            .filter(move |&e| self.entries[e].rule == diag.name)
    }

    /// Whether a finding in this file is suppressed.
    pub fn covers(&self, diag: &Diagnostic) -> bool {
        self.covering(diag).next().is_some()
    }

    /// Whether a finding in this file is suppressed; marks the entries that
    /// cover it in `used` (one flag per entry).
    pub fn cover(&self, diag: &Diagnostic, used: &mut [bool]) -> bool {
        let mut covered = false;
        for e in self.covering(diag) {
            used[e] = true;
            covered = true;
        }
        covered
    }

    /// Drop the findings these suppressions cover (see [`Self::cover`]).
    pub fn remove_covered(&self, diags: &mut Vec<Diagnostic>, used: &mut [bool]) {
        if !self.entries.is_empty() {
            diags.retain(|d| !self.cover(d, used));
        }
    }

    /// Read the suppression comments of a Nix file.
    pub fn for_nix(file: &SourceFile) -> Self {
        let mut out = FileSuppressions::default();
        if !crate::syntax::has_text(&file.text, MARKER) {
            return out;
        }
        let root = file.parsed().syntax();
        let text: &str = &file.text;
        let is_comment_line = |line: usize| -> bool {
            let start = usize::from(file.line_index().line_start(line));
            let rest = &text[start..];
            let skip = rest.len() - rest.trim_start_matches([' ', '\t', '\r']).len();
            let at = start + skip;
            if at >= text.len() || text.as_bytes()[at] == b'\n' {
                return false;
            }
            root.token_at_offset(TextSize::from(at as u32))
                .right_biased()
                .is_some_and(|t| t.kind() == SyntaxKind::TOKEN_COMMENT)
        };
        for token in root
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::TOKEN_COMMENT)
        {
            let comment = token.text();
            if !comment.starts_with('#') || !comment.contains(MARKER) {
                continue;
            }
            let start = token.text_range().start();
            let line = file.line_index().line_of(start);
            let line_start = usize::from(file.line_index().line_start(line));
            let alone = text[line_start..usize::from(start)]
                .bytes()
                .all(|c| is_blank(c) || c == b'\r');
            let target = if alone {
                let mut next = line + 1;
                while next < file.line_index().line_count() && is_comment_line(next) {
                    next += 1;
                }
                next
            } else {
                line
            };
            out.add(comment, start, target as u32 + 1);
        }
        out
    }

    /// Read whole-line `#` comments of a shell script, Makefile, justfile or
    /// `.envrc` (Markdown has no `#` comments and gets no suppressions).
    pub fn for_text(path: &std::path::Path, text: &str, index: &LineIndex) -> Self {
        let mut out = FileSuppressions::default();
        if !crate::syntax::has_text(text, MARKER) || path.extension().is_some_and(|e| e == "md") {
            return out;
        }
        let lines: Vec<&str> = text.split('\n').collect();
        let comment_at = |l: usize| {
            let t = lines[l].trim_start_matches([' ', '\t']);
            t.starts_with('#').then(|| lines[l].len() - t.len())
        };
        for (l, raw) in lines.iter().enumerate() {
            let Some(skip) = comment_at(l) else { continue };
            let comment = raw[skip..].trim_end_matches('\r');
            if !comment.contains(MARKER) {
                continue;
            }
            let mut next = l + 1;
            while next < lines.len() && comment_at(next).is_some() {
                next += 1;
            }
            let start = index.line_start(l) + TextSize::from(skip as u32);
            out.add(comment, start, next as u32 + 1);
        }
        out
    }

    /// Record the directive in `comment` (which starts at `start` in the
    /// file); `target_line` is the 1-based line an `ignore` covers.
    fn add(&mut self, comment: &str, start: TextSize, target_line: u32) {
        let at = |offset: usize, len: usize| {
            TextRange::at(
                start + TextSize::from(offset as u32),
                TextSize::from(len as u32),
            )
        };
        match parse_comment(comment) {
            Parsed::NotADirective => {}
            Parsed::Malformed {
                at: offset,
                message,
            } => {
                let len = comment[offset..]
                    .find([' ', '\t', ',', ']'])
                    .unwrap_or(comment.len() - offset)
                    .max(usize::from(offset < comment.len()));
                self.problems.push(Problem {
                    range: at(offset, len),
                    message: format!("malformed suppression comment: {message}"),
                    help: Some(
                        "the form is `# nixfold: ignore[rule-name, ...]` or `# nixfold: ignore-file[rule-name, ...]`"
                            .into(),
                    ),
                });
            }
            Parsed::Directive { scope, names } => {
                let directive = self.directives.len();
                self.directives.push(Directive {
                    range: at(0, comment.len()),
                    names: names.iter().map(|n| at(n.start, n.text.len())).collect(),
                });
                for name in names {
                    match crate::lints::rule_by_name(name.text) {
                        Some(rule) => {
                            let e = self.entries.len();
                            self.entries.push(Entry {
                                rule: rule.meta().name,
                                line: (scope == Scope::Line).then_some(target_line),
                                range: at(name.start, name.text.len()),
                                directive,
                            });
                            match scope {
                                Scope::File => self.file_wide.push(e),
                                Scope::Line => self.lines.entry(target_line).or_default().push(e),
                            }
                        }
                        None => self.problems.push(Problem {
                            range: at(name.start, name.text.len()),
                            message: format!("unknown rule `{}` in suppression comment", name.text),
                            help: unknown_name_help(name.text),
                        }),
                    }
                }
            }
        }
    }
}

fn unknown_name_help(name: &str) -> Option<String> {
    Some(match crate::lints::closest_rule_name(name) {
        Some(n) => format!("did you mean `{n}`?"),
        None => "`nixfold rules` lists every rule".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &str) -> Vec<&str> {
        match parse_comment(c) {
            Parsed::Directive { names, .. } => names.into_iter().map(|n| n.text).collect(),
            other => panic!("{c}: {other:?}"),
        }
    }

    #[test]
    fn parses_directives() {
        assert_eq!(names("# nixfold: ignore[a]"), ["a"]);
        assert_eq!(names("#nixfold:ignore[a,b-c ,  d1 ]"), ["a", "b-c", "d1"]);
        assert_eq!(names("# nixfold: ignore-file[x] because"), ["x"]);
        assert_eq!(parse_comment("# just a comment"), Parsed::NotADirective);
        assert!(matches!(
            parse_comment("# nixfold: ignore"),
            Parsed::Malformed { at: 17, .. }
        ));
    }

    fn suppressions(src: &str) -> FileSuppressions {
        FileSuppressions::for_nix(&SourceFile::from_text("t.nix", src))
    }

    #[test]
    fn targets_lines() {
        let s = suppressions(
            "{\n  # nixfold: ignore[syntax-error]\n  # why\n  a = 1;\n  b = 2; # nixfold: ignore[syntax-error]\n  c = \"# nixfold: ignore[syntax-error]\";\n}\n",
        );
        let mut lines: Vec<u32> = s.lines.keys().copied().collect();
        lines.sort();
        assert_eq!(lines, [4, 5]);
        assert!(s.problems.is_empty());
    }

    #[test]
    fn reports_unknown_names_and_malformed() {
        let s = suppressions(
            "# nixfold: ignore[syntax-eror, syntax-error]\n# nixfold: ignroe[x]\n# nixfold: ignore[NF0001]\n1\n",
        );
        let msgs: Vec<_> = s.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[1].contains("unknown directive `ignroe`"), "{msgs:?}");
        assert!(
            msgs[2].contains("suppressions take rule names (`syntax-error`)"),
            "{msgs:?}"
        );
        assert_eq!(s.entries[s.lines[&4][0]].rule, "syntax-error");
        assert_eq!(
            s.problems[0].help.as_deref(),
            Some("did you mean `syntax-error`?")
        );
        assert_eq!(s.problems[0].range, TextRange::new(18.into(), 29.into()));
    }
}
