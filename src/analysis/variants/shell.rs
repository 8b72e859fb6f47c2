//! A small shell-word reader, enough to find `VAR=value ... nix build .#attr`
//! in scripts, Markdown code, Makefile and justfile recipes and `.envrc`.
//!
//! It splits text into simple commands (at newlines, `;`, `&&`, `||`, `|`,
//! `&`, parentheses and braces), each a list of [`Word`]s with the quotes
//! removed. Any expansion (`$x`, `${x}`, `$(...)`, backquotes, `{{x}}` in a
//! justfile) marks the word dynamic: its value is not known statically.

use crate::syntax::{TextRange, TextSize};

/// One shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word as written, in the whole file's offsets.
    pub range: TextRange,
    /// The word with quotes and escapes removed; expansions are kept verbatim.
    pub value: String,
    /// Whether the word contains an expansion.
    pub dynamic: bool,
    /// For `NAME=value` words: the offset where the value starts.
    pub eq: Option<usize>,
}

impl Word {
    /// `NAME=value` with a valid shell name: (name, value, value range).
    pub fn assignment(&self) -> Option<(&str, &str)> {
        let eq = self.value.find('=')?;
        let name = &self.value[..eq];
        if is_shell_name(name) && self.eq.is_some() {
            Some((name, &self.value[eq + 1..]))
        } else {
            None
        }
    }

    /// The range of the value part of a `NAME=value` word (quotes included).
    pub fn value_range(&self) -> TextRange {
        match self.eq {
            Some(at) => TextRange::new(TextSize::from(at as u32 + 1), self.range.end()),
            None => self.range,
        }
    }
}

pub fn is_shell_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// A simple command: its words in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Word>,
}

/// Split `text[region]` into simple commands. Offsets are in `text`.
pub fn commands(text: &str, region: TextRange, justfile: bool) -> Vec<Command> {
    let start = u32::from(region.start()) as usize;
    let end = (u32::from(region.end()) as usize).min(text.len());
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut i = start;
    let flush = |words: &mut Vec<Word>, out: &mut Vec<Command>| {
        if !words.is_empty() {
            out.push(Command {
                words: std::mem::take(words),
            });
        }
    };
    while i < end {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if i + 1 < end && bytes[i + 1] == b'\n' => i += 2,
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' => {
                flush(&mut words, &mut out);
                i += 1;
            }
            b'#' => {
                // A comment runs to the end of the line.
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' | b'}'
                if !(justfile && i + 1 < end && bytes[i + 1] == c)
                    && (i + 1 >= end || matches!(bytes[i + 1], b' ' | b'\t' | b'\n' | b';')) =>
            {
                flush(&mut words, &mut out);
                i += 1;
            }
            _ => {
                let (w, next) = read_word(text, i, end, justfile);
                words.push(w);
                i = next.max(i + 1);
            }
        }
    }
    flush(&mut words, &mut out);
    out
}

fn read_word(text: &str, start: usize, end: usize, justfile: bool) -> (Word, usize) {
    let bytes = text.as_bytes();
    let mut value = String::new();
    let mut dynamic = false;
    let mut eq = None;
    let mut i = start;
    let mut unquoted_prefix = true;
    while i < end {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                break;
            }
            b'\\' => {
                if i + 1 < end {
                    if bytes[i + 1] == b'\n' {
                        i += 2;
                        continue;
                    }
                    let ch = next_char(text, i + 1);
                    value.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                unquoted_prefix = false;
                i += 1;
                while i < end && bytes[i] != b'\'' {
                    let ch = next_char(text, i);
                    value.push(ch);
                    i += ch.len_utf8();
                }
                i += 1;
            }
            b'"' => {
                unquoted_prefix = false;
                i += 1;
                while i < end && bytes[i] != b'"' {
                    match bytes[i] {
                        b'\\'
                            if i + 1 < end
                                && matches!(bytes[i + 1], b'"' | b'\\' | b'$' | b'`') =>
                        {
                            value.push(bytes[i + 1] as char);
                            i += 2;
                        }
                        b'$' | b'`' => {
                            dynamic = true;
                            let next = skip_expansion(text, i, end);
                            value.push_str(&text[i..next]);
                            i = next;
                        }
                        _ => {
                            let ch = next_char(text, i);
                            value.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                i += 1;
            }
            b'$' | b'`' => {
                dynamic = true;
                let next = skip_expansion(text, i, end);
                value.push_str(&text[i..next]);
                i = next;
            }
            b'{' if justfile && i + 1 < end && bytes[i + 1] == b'{' => {
                dynamic = true;
                let close = text[i..end].find("}}").map_or(end, |p| i + p + 2);
                value.push_str(&text[i..close]);
                i = close;
            }
            b'=' if unquoted_prefix && eq.is_none() => {
                eq = Some(i);
                value.push('=');
                i += 1;
            }
            _ => {
                let ch = next_char(text, i);
                if !(ch == '_' || ch.is_ascii_alphanumeric()) {
                    unquoted_prefix = false;
                }
                value.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    let i = i.min(end);
    (
        Word {
            range: TextRange::new(TextSize::from(start as u32), TextSize::from(i as u32)),
            value,
            dynamic,
            eq,
        },
        i,
    )
}

fn next_char(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or(' ')
}

/// End of the expansion starting at `i` (`$name`, `${...}`, `$(...)`, `` `...` ``).
fn skip_expansion(text: &str, i: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    if bytes[i] == b'`' {
        return text[i + 1..end].find('`').map_or(end, |p| i + 1 + p + 1);
    }
    let j = i + 1;
    if j >= end {
        return end;
    }
    match bytes[j] {
        b'{' | b'(' => {
            let (open, close) = if bytes[j] == b'{' {
                (b'{', b'}')
            } else {
                (b'(', b')')
            };
            let mut depth = 0usize;
            let mut k = j;
            while k < end {
                if bytes[k] == open {
                    depth += 1;
                } else if bytes[k] == close {
                    depth -= 1;
                    if depth == 0 {
                        return k + 1;
                    }
                }
                k += 1;
            }
            end
        }
        c if c == b'_' || c.is_ascii_alphanumeric() => {
            let mut k = j;
            while k < end && (bytes[k] == b'_' || bytes[k].is_ascii_alphanumeric()) {
                k += 1;
            }
            k
        }
        b'@' | b'?' | b'$' | b'#' | b'!' | b'*' | b'-' => j + 1,
        _ => j,
    }
}

/// Which regions of a file hold shell commands, by file kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Script,
    Markdown,
    Makefile,
    Justfile,
}

impl TextKind {
    pub fn of(path: &std::path::Path) -> TextKind {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".md") {
            TextKind::Markdown
        } else if matches!(name, "Makefile" | "makefile" | "GNUmakefile") {
            TextKind::Makefile
        } else if matches!(name, "justfile" | "Justfile" | ".justfile") {
            TextKind::Justfile
        } else {
            TextKind::Script
        }
    }
}

/// A region of shell text. `shared_state` regions of one file share exported
/// variables in order (a script); others start with an empty environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub range: TextRange,
    /// The region continues the environment of the previous one.
    pub continues: bool,
    /// Top-level Makefile/justfile line: only `export NAME = value` counts.
    pub top_level: bool,
    /// An inline code span in Markdown prose (weaker evidence than a block).
    pub inline: bool,
}

fn range(a: usize, b: usize) -> TextRange {
    TextRange::new(TextSize::from(a as u32), TextSize::from(b as u32))
}

/// Lines of `text` with their start and end (without the newline).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    text.split_inclusive('\n').map(move |l| {
        let s = pos;
        pos += l.len();
        (s, s + l.trim_end_matches('\n').len())
    })
}

/// The shell regions of a file.
pub fn regions(text: &str, kind: TextKind) -> Vec<Region> {
    match kind {
        TextKind::Script => vec![Region {
            range: range(0, text.len()),
            continues: false,
            top_level: false,
            inline: false,
        }],
        TextKind::Markdown => markdown_regions(text),
        TextKind::Makefile | TextKind::Justfile => {
            let mut out = Vec::new();
            let mut first = true;
            for (s, e) in lines(text) {
                let line = &text[s..e];
                if line.trim().is_empty() {
                    continue;
                }
                let indented = line.starts_with('\t') || line.starts_with(' ');
                if indented {
                    let body = line.trim_start();
                    let skip = line.len() - body.len()
                        + body
                            .chars()
                            .take_while(|c| matches!(c, '@' | '-' | '+'))
                            .count();
                    out.push(Region {
                        range: range(s + skip, e),
                        continues: !first,
                        top_level: false,
                        inline: false,
                    });
                } else {
                    out.push(Region {
                        range: range(s, e),
                        continues: !first,
                        top_level: true,
                        inline: false,
                    });
                }
                first = false;
            }
            out
        }
    }
}

/// Fenced code blocks whose language is shell-like (or unnamed), and inline
/// code spans in prose.
fn markdown_regions(text: &str) -> Vec<Region> {
    let mut out = Vec::new();
    let mut fence: Option<(String, bool, usize)> = None; // (marker, shell, start of body)
    for (s, e) in lines(text) {
        let line = &text[s..e];
        let t = line.trim_start();
        if let Some((marker, shell, body)) = &fence {
            if t.starts_with(marker.as_str())
                && t.trim_end()
                    .chars()
                    .all(|c| c == marker.as_bytes()[0] as char)
            {
                if *shell && s > *body {
                    out.push(Region {
                        range: range(*body, s),
                        continues: false,
                        top_level: false,
                        inline: false,
                    });
                }
                fence = None;
            }
            continue;
        }
        let marker_char = t.chars().next();
        if matches!(marker_char, Some('`' | '~')) {
            let c = marker_char.unwrap_or('`');
            let n = t.chars().take_while(|x| *x == c).count();
            if n >= 3 {
                let info = t[n..].trim().to_ascii_lowercase();
                let lang = info
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                    .next()
                    .unwrap_or("");
                let shell = matches!(
                    lang,
                    "" | "sh"
                        | "bash"
                        | "shell"
                        | "console"
                        | "shell-session"
                        | "shellsession"
                        | "zsh"
                        | "fish"
                        | "text"
                        | "terminal"
                );
                fence = Some((std::iter::repeat_n(c, n).collect(), shell, e + 1));
                continue;
            }
        }
        // Inline code spans.
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'`' {
                let n = bytes[i..].iter().take_while(|b| **b == b'`').count();
                let open_end = i + n;
                let closing = "`".repeat(n);
                if let Some(p) = line[open_end..].find(&closing) {
                    out.push(Region {
                        range: range(s + open_end, s + open_end + p),
                        continues: false,
                        top_level: false,
                        inline: true,
                    });
                    i = open_end + p + n;
                    continue;
                }
                i = open_end;
            } else {
                i += 1;
            }
        }
    }
    if let Some((_, true, body)) = fence
        && body < text.len()
    {
        out.push(Region {
            range: range(body, text.len()),
            continues: false,
            top_level: false,
            inline: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Vec<String>> {
        commands(src, range(0, src.len()), false)
            .into_iter()
            .map(|c| c.words.into_iter().map(|w| w.value).collect())
            .collect()
    }

    #[test]
    fn splits_commands_and_quotes() {
        assert_eq!(
            words("A=1 B=\"x y\" nix build .#c && echo 'a b' # comment\nexport C=$D"),
            vec![
                vec!["A=1", "B=x y", "nix", "build", ".#c"],
                vec!["echo", "a b"],
                vec!["export", "C=$D"],
            ]
        );
        assert_eq!(words("a \\\n b"), vec![vec!["a", "b"]]);
        assert_eq!(words("x=$(foo bar) y"), vec![vec!["x=$(foo bar)", "y"]]);
    }

    #[test]
    fn assignment_words() {
        let src = "NIXOS_PACKAGES=\"essential,kubernetes\" a=b=c 'X=1' --flag=2";
        let cmds = commands(src, range(0, src.len()), false);
        let w = &cmds[0].words;
        assert_eq!(
            w[0].assignment(),
            Some(("NIXOS_PACKAGES", "essential,kubernetes"))
        );
        assert_eq!(&src[w[0].value_range()], "\"essential,kubernetes\"");
        assert_eq!(w[1].assignment(), Some(("a", "b=c")));
        assert_eq!(w[2].assignment(), None);
        assert_eq!(w[3].assignment(), None);
        assert!(!w[0].dynamic);
    }

    #[test]
    fn markdown_blocks_and_spans() {
        let md = "Run `A=1 nix build .#x` now.\n\n```bash\nB=2 nix build .#y\n```\n\n```nix\nC = 3;\n```\n";
        let rs = regions(md, TextKind::Markdown);
        let texts: Vec<&str> = rs.iter().map(|r| &md[r.range]).collect();
        assert_eq!(texts, vec!["A=1 nix build .#x", "B=2 nix build .#y\n"]);
    }
}
