//! A guard against input that rnix's tokenizer reads in quadratic time.
//!
//! At the start of every token in code, rnix's tokenizer looks ahead over
//! the run of identifier and path characters that follows (to tell paths
//! and URIs from identifiers and operators). In a long run without spaces
//! (`1+1+1+...`, `------1`, a 100,000-character identifier) every token
//! rescans the rest of the run. [`find_long_run`] finds a run longer than
//! [`MAX_RUN`] in code (strings and comments are skipped by a light lexer
//! that follows interpolations); such input becomes one syntax error and a
//! flat tree of one token per line (see `parse`), without tokenizing.

use rnix::SyntaxKind::{NODE_ERROR, NODE_ROOT, TOKEN_ERROR, TOKEN_WHITESPACE};
use rowan::Language as _;

use super::{Parsed, SyntaxError, TextRange, TextSize};

/// Runs shorter than this are never a problem.
pub const MAX_RUN: usize = 4096;

/// Largest accepted (run length × operator characters in the run), a bound
/// on the characters the tokenizer rescans. A long identifier (no operator
/// characters) is one token and is fine; `1+1+...` 4,096 characters long is
/// at the limit.
pub const MAX_RUN_COST: usize = MAX_RUN * MAX_RUN / 2;

/// Operator characters that end a token inside a run.
fn is_run_operator(b: u8) -> bool {
    matches!(b, b'.' | b'+' | b'-' | b'/' | b'<')
}

const fn is_run_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-' | b'/' | b'<')
}

/// The bytes a run is made of, as a table.
const RUN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = is_run_byte(c as u8);
        c += 1;
    }
    t
};

/// Whether `b` holds more than [`MAX_RUN`] run bytes in a row. Any
/// `MAX_RUN + 1` consecutive bytes hold an offset that is a multiple of
/// `MAX_RUN`: only the runs through those offsets are measured, and each
/// byte is looked at at most once (a run of at most `MAX_RUN` bytes holds at
/// most one such offset).
fn any_long_run(b: &[u8]) -> bool {
    let run_through = |p: usize| {
        let left = b[..p]
            .iter()
            .rev()
            .take_while(|&&c| RUN[c as usize])
            .count();
        let right = b[p..].iter().take_while(|&&c| RUN[c as usize]).count();
        left + right
    };
    (0..b.len())
        .step_by(MAX_RUN)
        .any(|p| RUN[b[p] as usize] && run_through(p) > MAX_RUN)
}

#[derive(Clone, Copy)]
enum Context {
    /// Code, with the number of `{` opened since the context started.
    Code(u32),
    String,
    IndentedString,
}

/// A run in code that costs more than [`MAX_RUN_COST`] to tokenize (strings
/// and comments are skipped by a light lexer that follows interpolations).
pub(super) fn find_long_run(text: &str) -> Option<TextRange> {
    if text.len() <= MAX_RUN {
        return None;
    }
    let b = text.as_bytes();
    // A run in code is a run of the whole text too: without any run longer
    // than MAX_RUN in the text (almost every file) there is nothing to find,
    // and telling code from strings and comments costs far more than this.
    if !any_long_run(b) {
        return None;
    }
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut stack = vec![Context::Code(0)];
    let mut run_start: Option<usize> = None;
    let mut operators = 0usize;
    let mut i = 0;
    while i < b.len() {
        let top = stack.len() - 1;
        match stack[top] {
            Context::Code(braces) => {
                let c = b[i];
                if c == b'/' && at(i + 1) == b'*' {
                    run_start = None;
                    i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                    continue;
                }
                if is_run_byte(c) {
                    let start = *run_start.get_or_insert_with(|| {
                        operators = 0;
                        i
                    });
                    operators += usize::from(is_run_operator(c));
                    let len = i + 1 - start;
                    if len > MAX_RUN && len * operators > MAX_RUN_COST {
                        let end = b[i..]
                            .iter()
                            .position(|c| !is_run_byte(*c))
                            .map_or(b.len(), |p| i + p);
                        return Some(TextRange::new(
                            TextSize::from(start as u32),
                            TextSize::from(end as u32),
                        ));
                    }
                    i += 1;
                    continue;
                }
                run_start = None;
                match c {
                    b'#' => {
                        i = text[i..].find('\n').map_or(b.len(), |p| i + p);
                        continue;
                    }
                    b'"' => stack.push(Context::String),
                    b'\'' if at(i + 1) == b'\'' => {
                        stack.push(Context::IndentedString);
                        i += 1;
                    }
                    b'{' => stack[top] = Context::Code(braces + 1),
                    b'$' if at(i + 1) == b'{' => {
                        stack[top] = Context::Code(braces + 1);
                        i += 1;
                    }
                    b'}' if braces == 0 && stack.len() > 1 => {
                        stack.pop();
                    }
                    b'}' => stack[top] = Context::Code(braces.saturating_sub(1)),
                    _ => {}
                }
                i += 1;
            }
            Context::String => {
                match b[i] {
                    b'\\' => i += 1,
                    b'"' => {
                        stack.pop();
                    }
                    b'$' if at(i + 1) == b'$' => i += 1,
                    b'$' if at(i + 1) == b'{' => {
                        stack.push(Context::Code(0));
                        i += 1;
                    }
                    _ => {}
                }
                i += 1;
            }
            Context::IndentedString => {
                if b[i] == b'\'' && at(i + 1) == b'\'' {
                    match at(i + 2) {
                        b'\'' | b'$' => i += 3,
                        b'\\' => i += 4,
                        _ => {
                            stack.pop();
                            i += 2;
                        }
                    }
                    continue;
                }
                match b[i] {
                    b'$' if at(i + 1) == b'$' => i += 1,
                    b'$' if at(i + 1) == b'{' => {
                        stack.push(Context::Code(0));
                        i += 1;
                    }
                    _ => {}
                }
                i += 1;
            }
        }
    }
    None
}

/// The tree for input with a long run: every line one error token.
pub(super) fn untokenized(text: &str, run: TextRange) -> Parsed {
    let raw = rnix::NixLanguage::kind_to_raw;
    let mut b = rowan::GreenNodeBuilder::new();
    b.start_node(raw(NODE_ROOT));
    b.start_node(raw(NODE_ERROR));
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if !body.is_empty() {
            b.token(raw(TOKEN_ERROR), body);
        }
        if body.len() < line.len() {
            b.token(raw(TOKEN_WHITESPACE), "\n");
        }
    }
    b.finish_node();
    b.finish_node();
    Parsed {
        green: b.finish(),
        errors: vec![SyntaxError {
            range: run,
            message: format!(
                "{} characters without a space, full of operators; nixfold does not read such input (add spaces between operators)",
                u32::from(run.len())
            ),
        }],
        limited: true,
        recovered: true,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::{MAX_RUN, RUN, any_long_run};

    /// The longest run, byte by byte.
    fn longest_run(b: &[u8]) -> usize {
        let (mut len, mut max) = (0, 0);
        for &c in b {
            len = if RUN[c as usize] { len + 1 } else { 0 };
            max = max.max(len);
        }
        max
    }

    /// Runs just under, at and over the limit, at every offset around a
    /// multiple of the limit, are told apart as a byte-by-byte scan does.
    #[test]
    fn long_runs_are_found_wherever_they_start() {
        for start in [
            0,
            1,
            2,
            MAX_RUN - 2,
            MAX_RUN - 1,
            MAX_RUN,
            MAX_RUN + 1,
            3 * MAX_RUN + 7,
        ] {
            for len in [
                MAX_RUN - 1,
                MAX_RUN,
                MAX_RUN + 1,
                MAX_RUN + 2,
                2 * MAX_RUN + 1,
            ] {
                for tail in [0, 1, MAX_RUN] {
                    let mut b = vec![b' '; start];
                    b.extend((0..len).map(|i| if i % 2 == 0 { b'1' } else { b'+' }));
                    b.extend(std::iter::repeat_n(b' ', tail));
                    assert_eq!(
                        any_long_run(&b),
                        longest_run(&b) > MAX_RUN,
                        "start {start}, len {len}, tail {tail}"
                    );
                }
            }
        }
    }

    fn first_error(src: &str) -> Option<String> {
        let p = parse(src);
        assert_eq!(p.syntax().to_string(), src, "lossless");
        p.errors.first().map(|e| e.message.clone())
    }

    #[test]
    fn long_runs_in_code_are_errors() {
        let n = 100_000;
        for src in [
            vec!["1"; n].join("+"),
            format!("{}1", "-".repeat(n)),
            vec!["a"; n].join("<"),
            format!("x: {{\n  a = {};\n}}\n", "b-1.".repeat(n)),
        ] {
            let e = first_error(&src).expect("an error");
            assert!(e.contains("without a space"), "{e}");
        }
    }

    #[test]
    fn long_identifiers_are_fine() {
        // One token, however long: the tokenizer reads it once.
        for src in ["a".repeat(100_000), format!("x: x.{}", "b".repeat(100_000))] {
            assert_eq!(first_error(&src), None);
        }
    }

    #[test]
    fn long_runs_inside_strings_and_comments_are_fine() {
        let blob = "a".repeat(50_000);
        for src in [
            format!("\"{blob}\""),
            format!("''\n{blob}\n''"),
            format!("# {blob}\n1"),
            format!("/* {blob} */ 1"),
            format!("\"${{x}}{blob}${{ {{ a = \"{blob}\"; }} }}\""),
            format!("''a''${{x}}''' {blob}''"),
            format!("[ {} ]", vec!["abc-def"; 20_000].join(" ")),
        ] {
            assert_eq!(first_error(&src), None, "{}", &src[..40]);
        }
    }
}
