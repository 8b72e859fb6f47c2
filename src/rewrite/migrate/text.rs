//! Text edits of one file and the small formatting helpers the migration
//! uses to make inserted code follow the surrounding style.

use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize};

/// One planned edit: replace `range` with `text`. `need` marks text that
/// refers to the variant parameter (its enclosing scope must bind it).
#[derive(Debug, Clone)]
pub struct Ed {
    pub range: TextRange,
    pub text: String,
    pub need: bool,
    /// Order among insertions at the same offset.
    pub seq: u32,
}

impl Ed {
    /// Where the edit refers to the parameter: its start, except for text
    /// appended to an expression (`f a` → `f a variant`), which belongs to
    /// the expression it ends and so sits just inside it.
    fn site(&self, appended: bool) -> TextSize {
        let at = self.range.start();
        if appended && at > TextSize::from(0) {
            at - TextSize::from(1)
        } else {
            at
        }
    }
}

/// The edits of one file.
#[derive(Debug, Default, Clone)]
pub struct FileEdits {
    pub eds: Vec<Ed>,
    next: u32,
    /// The `seq` of the edits made by [`FileEdits::append`].
    appended: Vec<u32>,
}

impl FileEdits {
    pub fn push(&mut self, range: TextRange, text: impl Into<String>, need: bool) {
        self.next += 1;
        self.eds.push(Ed {
            range,
            text: text.into(),
            need,
            seq: self.next,
        });
    }

    pub fn insert(&mut self, at: TextSize, text: impl Into<String>, need: bool) {
        self.push(TextRange::empty(at), text, need);
    }

    /// Insert `text` right after an expression that ends at `at`, as part
    /// of it: the edit's site (see [`FileEdits::need_sites`]) is inside
    /// that expression, not after it.
    pub fn append(&mut self, at: TextSize, text: impl Into<String>, need: bool) {
        self.insert(at, text, need);
        self.appended.push(self.next);
    }

    pub fn is_empty(&self) -> bool {
        self.eds.is_empty()
    }

    /// Offsets of the edits that refer to the parameter.
    pub fn need_sites(&self) -> Vec<TextSize> {
        self.eds
            .iter()
            .filter(|e| e.need)
            .map(|e| e.site(self.appended.contains(&e.seq)))
            .collect()
    }

    /// Whether an edit already replaces exactly `range`.
    pub fn replaces(&self, range: TextRange) -> bool {
        self.eds
            .iter()
            .any(|e| e.range == range && !range.is_empty())
    }

    /// Remove and return the edits inside `range` (an edit touching both
    /// sides of a boundary is an error).
    pub fn take_inside(&mut self, range: TextRange) -> Result<Vec<Ed>, TextRange> {
        if let Some(bad) = self.eds.iter().find(|e| {
            let r = e.range;
            !range.contains_range(r) && r.end() > range.start() && r.start() < range.end()
        }) {
            return Err(bad.range);
        }
        let mut inside = Vec::new();
        let mut rest = Vec::new();
        for e in std::mem::take(&mut self.eds) {
            let r = e.range;
            if range.contains_range(r) && !(r.is_empty() && r.start() == range.start()) {
                inside.push(e);
            } else {
                rest.push(e);
            }
        }
        self.eds = rest;
        Ok(inside)
    }
}

/// Apply edits to `text` (whose offsets they use). Fails on overlapping
/// replacements.
pub fn apply(text: &str, eds: &[Ed]) -> Result<String, TextRange> {
    let mut sorted: Vec<&Ed> = eds.iter().collect();
    sorted.sort_by_key(|e| (e.range.start(), !e.range.is_empty(), e.seq));
    let mut out = String::with_capacity(text.len() + 256);
    let mut pos = 0usize;
    for e in sorted {
        let start = usize::from(e.range.start());
        let end = usize::from(e.range.end());
        if start < pos {
            return Err(e.range);
        }
        out.push_str(&text[pos..start]);
        out.push_str(&e.text);
        pos = end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// Apply edits made against the whole file to the sub-text `range`.
pub fn apply_in(text: &str, range: TextRange, eds: &[Ed]) -> Result<String, TextRange> {
    let sub = &text[range];
    let shifted: Vec<Ed> = eds
        .iter()
        .map(|e| Ed {
            range: e.range - range.start(),
            ..e.clone()
        })
        .collect();
    apply(sub, &shifted)
}

/// The leading whitespace of the line containing `offset`.
pub fn line_indent(text: &str, offset: TextSize) -> String {
    let off = usize::from(offset).min(text.len());
    let start = text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Whether only whitespace precedes `offset` on its line.
pub fn starts_line(text: &str, offset: TextSize) -> bool {
    let off = usize::from(offset).min(text.len());
    let start = text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
    text[start..off].chars().all(|c| c == ' ' || c == '\t')
}

/// The file's indentation unit (the most common positive step between
/// consecutive indented lines), two spaces by default.
pub fn indent_unit(text: &str) -> String {
    let mut counts = std::collections::BTreeMap::<usize, usize>::new();
    let mut prev = 0usize;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let n = line.len() - line.trim_start_matches(' ').len();
        if n > prev && n - prev <= 8 {
            *counts.entry(n - prev).or_default() += 1;
        }
        prev = n;
    }
    let step = counts
        .into_iter()
        .max_by_key(|(step, n)| (*n, usize::MAX - step))
        .map(|(s, _)| s)
        .unwrap_or(2);
    " ".repeat(step)
}

/// Nix keywords, which are not valid attribute names without quotes.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
];

/// Whether `s` can be written as a bare identifier / attribute name.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        && !KEYWORDS.contains(&s)
}

/// A Nix string literal for `s`.
pub fn nix_string(s: &str) -> String {
    crate::eval::print::escape_string(s)
}

/// An attribute name: bare when possible, else quoted.
pub fn attr_name(s: &str) -> String {
    if is_ident(s) {
        s.to_string()
    } else {
        nix_string(s)
    }
}

/// Shift the continuation lines of `s` (every line but the first) by
/// `delta` columns. `None` when a line cannot be shifted left that far or a
/// plain string spans lines (shifting would change its value).
pub fn reindent(s: &str, delta: isize) -> Option<String> {
    if delta == 0 {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if line.is_empty() {
                continue;
            }
            if delta > 0 {
                out.push_str(&" ".repeat(delta as usize));
                out.push_str(line);
            } else {
                let n = (-delta) as usize;
                let lead = line.len() - line.trim_start_matches(' ').len();
                if lead < n && !line.trim().is_empty() {
                    return None;
                }
                out.push_str(&line[n.min(lead)..]);
            }
        } else {
            out.push_str(line);
        }
    }
    Some(out)
}

/// Whether a subtree has a `"…"` string that spans lines.
pub fn has_multiline_plain_string(node: &SyntaxNode) -> bool {
    node.descendants().any(|n| {
        n.kind() == SyntaxKind::NODE_STRING
            && n.first_token().is_some_and(|t| t.text() == "\"")
            && n.text().to_string().contains('\n')
    })
}

/// The `;` that ends an attribute entry.
pub fn entry_end(entry: &SyntaxNode) -> TextSize {
    let last = entry.last_token();
    if last
        .as_ref()
        .is_some_and(|t| t.kind() == SyntaxKind::TOKEN_SEMICOLON)
    {
        return entry.text_range().end();
    }
    let mut t = entry.last_token().and_then(|t| t.next_token());
    while let Some(tok) = t {
        match tok.kind() {
            SyntaxKind::TOKEN_SEMICOLON => return tok.text_range().end(),
            SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT => t = tok.next_token(),
            _ => break,
        }
    }
    entry.text_range().end()
}

/// Where to put a new line after an entry: after its `;` and any comment
/// that follows it on the same line. Returns (offset, inline) where inline
/// means the entry shares its line with more code (insert `" " + text`).
pub fn after_entry(text: &str, entry: &SyntaxNode) -> (TextSize, bool) {
    let end = usize::from(entry_end(entry));
    let rest = &text[end..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let tail = rest[..line_end].trim();
    if tail.is_empty() || tail.starts_with('#') {
        (TextSize::from((end + line_end) as u32), false)
    } else {
        (TextSize::from(end as u32), true)
    }
}

/// Insert a new entry (`entry_text`, ending with `;`) into an attribute
/// set or let: after the last entry, on its own line when the set spans
/// lines.
pub fn insert_entry(
    text: &str,
    eds: &mut FileEdits,
    entries: &[SyntaxNode],
    open: Option<TextSize>,
    close: Option<TextSize>,
    entry_text: &str,
    need: bool,
) -> bool {
    if let Some(last) = entries.last() {
        let (at, inline) = after_entry(text, last);
        if inline {
            eds.insert(at, format!(" {entry_text}"), need);
        } else {
            let indent = line_indent(text, last.text_range().start());
            eds.insert(at, format!("\n{indent}{entry_text}"), need);
        }
        return true;
    }
    let (Some(open), Some(close)) = (open, close) else {
        return false;
    };
    let inner = &text[usize::from(open)..usize::from(close)];
    if inner.contains('\n') {
        let indent = line_indent(text, open);
        let unit = indent_unit(text);
        eds.insert(open, format!("\n{indent}{unit}{entry_text}"), need);
    } else {
        eds.push(TextRange::new(open, close), format!(" {entry_text} "), need);
    }
    true
}

/// [`insert_entry`] into the attribute set `set`.
pub fn insert_set_entry(
    text: &str,
    eds: &mut FileEdits,
    set: &ast::AttrSet,
    entry_text: &str,
    need: bool,
) -> bool {
    insert_entry(
        text,
        eds,
        &set_entries(set),
        set.l_curly_token().map(|t| t.text_range().end()),
        set.r_curly_token().map(|t| t.text_range().start()),
        entry_text,
        need,
    )
}

/// The entries of an attribute set as syntax nodes.
pub fn set_entries(set: &ast::AttrSet) -> Vec<SyntaxNode> {
    set.entries().map(|e| e.syntax().clone()).collect()
}

/// `(` and `)` around `s` unless it is atomic enough to stand anywhere.
pub fn paren_if_needed(e: &ast::Expr, s: String) -> String {
    match e {
        ast::Expr::Ident(_)
        | ast::Expr::Select(_)
        | ast::Expr::AttrSet(_)
        | ast::Expr::Paren(_)
        | ast::Expr::List(_)
        | ast::Expr::Str(_)
        | ast::Expr::Literal(_) => s,
        _ => format!("({s})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_orders_insertions() {
        let mut e = FileEdits::default();
        e.insert(TextSize::from(1), "x", false);
        e.insert(TextSize::from(1), "y", false);
        e.push(TextRange::new(2.into(), 3.into()), "Z", false);
        assert_eq!(apply("abcd", &e.eds).unwrap(), "axybZd");
    }

    #[test]
    fn names_and_strings() {
        assert!(is_ident("container-full"));
        assert!(!is_ident("essential,kubernetes"));
        assert!(!is_ident("in"));
        assert_eq!(attr_name("a b"), "\"a b\"");
        assert_eq!(nix_string("a\"${b}"), "\"a\\\"\\${b}\"");
    }

    #[test]
    fn reindent_shifts_continuation_lines() {
        assert_eq!(reindent("a\n  b\n\n  c", 2).unwrap(), "a\n    b\n\n    c");
        assert_eq!(reindent("a\n  b", -2).unwrap(), "a\nb");
        assert!(reindent("a\n b", -2).is_none());
    }
}
