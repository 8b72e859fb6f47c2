//! Programs that Nix 2.8 accepts but rnix 0.15 rejects, parsed through
//! synthetic tokens.
//!
//! - `!` as the operand of `+ - * / ++` or prefix `-` (`a + !b` is
//!   `a + (!b)` in Nix; `a + !b + c` is `a + !(b + c)`): rnix only reads `!`
//!   at the start of a comparison operand.
//! - A legacy `let { }` anywhere but at the start of an expression (`f let
//!   { body = 1; }`), or followed by layout inside parentheses: rnix only
//!   reads it where a whole expression starts, and then loses the closing
//!   parenthesis after it.
//! - A float followed by `e` (`1.5e`): rnix lexes one bad token; Nix reads
//!   the float `1.5` applied to the identifier `e`.
//!
//! The text is parsed again with invisible help: parentheses around the
//! `!` operand (as far as Nix's precedence lets it reach) or around the
//! legacy let, and a space before the `e`. The tree is then rebuilt without
//! the inserted tokens, unwrapping the inserted parentheses, so it holds the
//! original text exactly and has the shape Nix's grammar gives.

use rnix::SyntaxKind::{self, *};
use rowan::{GreenNode, GreenNodeBuilder, Language as _, NodeOrToken, WalkEvent};

use super::TextSize;

/// One insertion into the original text.
#[derive(Debug, Clone)]
struct Insert {
    at: usize,
    text: &'static str,
}

/// The insertions that help rnix, in original byte offsets (sorted), or
/// none when the text needs no help.
fn plan(tokens: &[(SyntaxKind, &str)]) -> Vec<Insert> {
    if !needs_help(tokens) {
        return Vec::new();
    }
    // Offsets of every token, and the significant (non-trivia) ones.
    let mut starts = Vec::with_capacity(tokens.len());
    let mut off = 0;
    for (_, t) in tokens {
        starts.push(off);
        off += t.len();
    }
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|i| !tokens[*i].0.is_trivia())
        .collect();
    let kind = |s: usize| tokens[sig[s]].0;
    let end_of = |s: usize| starts[sig[s]] + tokens[sig[s]].1.len();

    let mut ins = Vec::new();
    for s in 0..sig.len() {
        match kind(s) {
            TOKEN_INVERT => {
                let after_tight = s > 0
                    && matches!(
                        kind(s - 1),
                        TOKEN_ADD | TOKEN_SUB | TOKEN_MUL | TOKEN_DIV | TOKEN_CONCAT
                    );
                // After the inserted `)`, an argument, `.` or `or` would be
                // read as applying or selecting from the parenthesis, which
                // the original (`!b ? c d`, `!b or or`) does not allow.
                let fits = |last: usize| {
                    !matches!(
                        sig.get(last + 1).map(|&i| tokens[i].0),
                        Some(
                            TOKEN_DOT
                                | TOKEN_OR
                                | TOKEN_IDENT
                                | TOKEN_INTEGER
                                | TOKEN_FLOAT
                                | TOKEN_URI
                                | TOKEN_PATH_ABS
                                | TOKEN_PATH_REL
                                | TOKEN_PATH_HOME
                                | TOKEN_PATH_SEARCH
                                | TOKEN_STRING_START
                                | TOKEN_L_PAREN
                                | TOKEN_L_BRACK
                                | TOKEN_L_BRACE
                                | TOKEN_REC
                                | TOKEN_LET
                        )
                    )
                };
                if after_tight
                    && let Some(last) = scan_tight(tokens, &sig, s)
                    && fits(last)
                {
                    ins.push(Insert {
                        at: starts[sig[s]],
                        text: "(",
                    });
                    ins.push(Insert {
                        at: end_of(last),
                        text: ")",
                    });
                }
            }
            TOKEN_LET if s + 1 < sig.len() && kind(s + 1) == TOKEN_L_BRACE => {
                if let Some(close) = skip_group(tokens, &sig, s + 1) {
                    ins.push(Insert {
                        at: starts[sig[s]],
                        text: "(",
                    });
                    ins.push(Insert {
                        at: end_of(close),
                        text: ")",
                    });
                }
            }
            TOKEN_ERROR => {
                let t = tokens[sig[s]].1;
                if let Some(e) = float_then_e(t) {
                    ins.push(Insert {
                        at: starts[sig[s]] + e,
                        text: " ",
                    });
                }
            }
            _ => {}
        }
    }
    // Closing before opening at the same offset keeps the nesting right.
    ins.sort_by_key(|i| (i.at, i.text != ")"));
    ins
}

/// A cheap first look, without allocating: is there a `!` right after
/// `+ - * / ++`, a `let` followed by `{`, or a bad token at all?
fn needs_help(tokens: &[(SyntaxKind, &str)]) -> bool {
    let mut prev = None;
    for (kind, _) in tokens {
        let kind = *kind;
        if kind.is_trivia() {
            continue;
        }
        match (prev, kind) {
            (_, TOKEN_ERROR)
            | (Some(TOKEN_LET), TOKEN_L_BRACE)
            | (Some(TOKEN_ADD | TOKEN_SUB | TOKEN_MUL | TOKEN_DIV | TOKEN_CONCAT), TOKEN_INVERT) => {
                return true;
            }
            _ => {}
        }
        prev = Some(kind);
    }
    false
}

/// For a bad token like `1.5e` or `1.5e+`, the offset of the `e`.
fn float_then_e(t: &str) -> Option<usize> {
    let body = t.trim_end_matches(['+', '-']);
    let e = body.len().checked_sub(1)?;
    if !matches!(body.as_bytes().get(e), Some(b'e' | b'E')) || t.len() - body.len() > 1 {
        return None;
    }
    let num = &body[..e];
    let (int, frac) = num.split_once('.')?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    ok.then_some(e)
}

/// Given the significant index of an opening bracket (or string start),
/// the significant index of its matching close.
fn skip_group(tokens: &[(SyntaxKind, &str)], sig: &[usize], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (s, &i) in sig.iter().enumerate().skip(open) {
        match tokens[i].0 {
            TOKEN_L_PAREN | TOKEN_L_BRACK | TOKEN_L_BRACE | TOKEN_INTERPOL_START
            | TOKEN_STRING_START => depth += 1,
            TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE | TOKEN_INTERPOL_END
            | TOKEN_STRING_END => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(s);
                }
            }
            _ => {}
        }
    }
    None
}

/// The last significant index of the operand of the `!` at `bang`: prefix
/// operators, then applications joined by operators that bind tighter than
/// `!` (`+ - * / ++` and `? attrpath`).
fn scan_tight(tokens: &[(SyntaxKind, &str)], sig: &[usize], bang: usize) -> Option<usize> {
    let kind = |s: usize| sig.get(s).map(|&i| tokens[i].0);
    let mut s = bang;
    let mut last;
    loop {
        // Prefix operators.
        while matches!(kind(s), Some(TOKEN_INVERT | TOKEN_SUB)) {
            s += 1;
        }
        // An application: one or more selects.
        last = scan_select(tokens, sig, s)?;
        s = last + 1;
        while let Some(l) = scan_select(tokens, sig, s) {
            last = l;
            s = l + 1;
        }
        // `? attrpath`
        while kind(s) == Some(TOKEN_QUESTION) {
            last = scan_attrpath(tokens, sig, s + 1)?;
            s = last + 1;
        }
        match kind(s) {
            Some(TOKEN_ADD | TOKEN_SUB | TOKEN_MUL | TOKEN_DIV | TOKEN_CONCAT) => s += 1,
            _ => return Some(last),
        }
    }
}

/// A select expression starting at `s`: a simple expression, then
/// `. attrpath [or select]` or a bare `or`. Returns its last index.
fn scan_select(tokens: &[(SyntaxKind, &str)], sig: &[usize], s: usize) -> Option<usize> {
    let kind = |s: usize| sig.get(s).map(|&i| tokens[i].0);
    let mut last = scan_simple(tokens, sig, s)?;
    if kind(last + 1) == Some(TOKEN_DOT) {
        last = scan_attrpath(tokens, sig, last + 2)?;
        if kind(last + 1) == Some(TOKEN_OR) {
            last = scan_select(tokens, sig, last + 2)?;
        }
    } else if kind(last + 1) == Some(TOKEN_OR) {
        last += 1;
    }
    Some(last)
}

fn scan_attrpath(tokens: &[(SyntaxKind, &str)], sig: &[usize], s: usize) -> Option<usize> {
    let kind = |s: usize| sig.get(s).map(|&i| tokens[i].0);
    let mut s = s;
    loop {
        let last = match kind(s)? {
            TOKEN_IDENT | TOKEN_OR => s,
            TOKEN_STRING_START | TOKEN_INTERPOL_START => skip_group(tokens, sig, s)?,
            _ => return None,
        };
        if kind(last + 1) == Some(TOKEN_DOT) {
            s = last + 2;
        } else {
            return Some(last);
        }
    }
}

/// A simple expression (an operand of application) starting at `s`.
fn scan_simple(tokens: &[(SyntaxKind, &str)], sig: &[usize], s: usize) -> Option<usize> {
    let kind = |s: usize| sig.get(s).map(|&i| tokens[i].0);
    match kind(s)? {
        TOKEN_IDENT => {
            // `x:` and `x @` start a lambda, which cannot be an operand.
            match kind(s + 1) {
                Some(TOKEN_COLON | TOKEN_AT) => None,
                _ => Some(s),
            }
        }
        TOKEN_INTEGER | TOKEN_FLOAT | TOKEN_URI | TOKEN_PATH_SEARCH => Some(s),
        TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME => {
            // An interpolated path continues with adjacent pieces.
            let mut last = s;
            loop {
                let next = last + 1;
                let adjacent = sig.get(next).is_some_and(|&i| i == sig[last] + 1);
                match kind(next) {
                    Some(TOKEN_INTERPOL_START) if adjacent => last = skip_group(tokens, sig, next)?,
                    Some(TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME) if adjacent => {
                        last = next
                    }
                    _ => return Some(last),
                }
            }
        }
        TOKEN_STRING_START | TOKEN_L_PAREN | TOKEN_L_BRACK => skip_group(tokens, sig, s),
        TOKEN_L_BRACE => {
            let close = skip_group(tokens, sig, s)?;
            // `{ ... }:` is a lambda.
            match kind(close + 1) {
                Some(TOKEN_COLON | TOKEN_AT) => None,
                _ => Some(close),
            }
        }
        TOKEN_REC | TOKEN_LET if kind(s + 1) == Some(TOKEN_L_BRACE) => {
            skip_group(tokens, sig, s + 1)
        }
        _ => None,
    }
}

/// The repaired parse, when the text needs help: the green tree of the
/// original text and rnix's errors mapped back to original offsets.
pub(crate) fn reparse(
    text: &str,
    tokens: &[(SyntaxKind, &str)],
) -> Option<(GreenNode, Vec<rnix::ParseError>)> {
    let ins = plan(tokens);
    if ins.is_empty() {
        return None;
    }
    let mut modified = String::with_capacity(text.len() + ins.len());
    // Inserted ranges, in modified offsets.
    let mut synthetic: Vec<(usize, usize)> = Vec::with_capacity(ins.len());
    let mut prev = 0;
    for i in &ins {
        modified.push_str(&text[prev..i.at]);
        synthetic.push((modified.len(), i.text.len()));
        modified.push_str(i.text);
        prev = i.at;
    }
    modified.push_str(&text[prev..]);

    let parse = rnix::Root::parse(&modified);
    let is_synthetic = |start: usize, len: usize| synthetic.binary_search(&(start, len)).is_ok();
    let to_original = |m: usize| -> usize {
        let before: usize = synthetic
            .iter()
            .take_while(|(s, _)| *s < m)
            .map(|(s, l)| (*l).min(m - s))
            .sum();
        m - before
    };

    // Rebuild the tree without the synthetic tokens.
    let root = parse.syntax();
    let raw = rnix::NixLanguage::kind_to_raw;
    let mut b = GreenNodeBuilder::new();
    let mut skipped_nodes: Vec<bool> = Vec::new();
    for event in root.preorder_with_tokens() {
        match event {
            WalkEvent::Enter(NodeOrToken::Node(n)) => {
                let wrapper = n.kind() == NODE_PAREN
                    && n.first_token().is_some_and(|t| {
                        t.kind() == TOKEN_L_PAREN
                            && is_synthetic(usize::from(t.text_range().start()), 1)
                    });
                skipped_nodes.push(wrapper);
                if !wrapper {
                    b.start_node(raw(n.kind()));
                }
            }
            WalkEvent::Leave(NodeOrToken::Node(_)) => {
                if !skipped_nodes.pop().unwrap_or(false) {
                    b.finish_node();
                }
            }
            WalkEvent::Enter(NodeOrToken::Token(t)) => {
                let start = usize::from(t.text_range().start());
                let len = t.text().len();
                if is_synthetic(start, len) {
                    continue;
                }
                if t.kind() == TOKEN_WHITESPACE
                    && synthetic
                        .iter()
                        .any(|(s, _)| *s >= start && *s < start + len)
                {
                    // A synthetic space merged with layout: keep the rest.
                    let keep: String = t
                        .text()
                        .char_indices()
                        .filter(|(i, _)| !is_synthetic(start + i, 1))
                        .map(|(_, c)| c)
                        .collect();
                    if !keep.is_empty() {
                        b.token(raw(t.kind()), &keep);
                    }
                    continue;
                }
                b.token(raw(t.kind()), t.text());
            }
            WalkEvent::Leave(NodeOrToken::Token(_)) => {}
        }
    }
    let green = b.finish();
    if rnix::SyntaxNode::new_root(green.clone()).to_string() != text {
        // Should not happen; fall back to rnix's own result.
        return None;
    }
    let errors = parse
        .errors()
        .iter()
        .map(|e| map_error(e, &to_original))
        .collect();
    Some((green, errors))
}

fn map_error(e: &rnix::ParseError, f: &dyn Fn(usize) -> usize) -> rnix::ParseError {
    use rnix::ParseError as E;
    let r = |r: &rnix::TextRange| {
        let s = f(usize::from(r.start()));
        let e = f(usize::from(r.end())).max(s);
        rnix::TextRange::new(
            TextSize::try_from(s).unwrap_or_default(),
            TextSize::try_from(e).unwrap_or_default(),
        )
    };
    match e {
        E::Unexpected(x) => E::Unexpected(r(x)),
        E::UnexpectedExtra(x) => E::UnexpectedExtra(r(x)),
        E::UnexpectedWanted(k, x, w) => E::UnexpectedWanted(*k, r(x), w.clone()),
        E::UnexpectedDoubleBind(x) => E::UnexpectedDoubleBind(r(x)),
        E::DuplicatedArgs(x, n) => E::DuplicatedArgs(r(x), n.clone()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::parse;

    #[test]
    fn accepts_what_nix_accepts() {
        for src in [
            "a + !b",
            "a + !b + c",
            "a * - !b ? c",
            "[ ] ++ ! x . y or z w",
            "- ! a",
            "x - !f ./a/${b}",
            "f let { body = 1; }",
            "[ (let { body = 1; } ) ]",
            "( let { } )",
            "let { } . x",
            "1.5e",
            "1.e",
            "f 1.5e+2",
            "a + !b // c",
        ] {
            let p = parse(src);
            assert!(p.errors.is_empty(), "{src}: {:?}", p.errors);
            assert_eq!(p.syntax().to_string(), src);
        }
        // The inserted parentheses must not make more programs valid.
        for src in ["a / ! b or or 2", "a + !b ? c d", "a + !b or . c"] {
            let p = parse(src);
            assert!(!p.errors.is_empty(), "{src} must be rejected");
            assert_eq!(p.syntax().to_string(), src);
        }
    }

    #[test]
    fn shapes_follow_nix_precedence() {
        // `a + !b + c` is `a + !(b + c)`: the `!` operand is the sum.
        let p = parse("a + !b + c");
        let root = p.syntax();
        let top = root.first_child().unwrap();
        assert_eq!(top.kind(), rnix::SyntaxKind::NODE_BIN_OP);
        let rhs = top.last_child().unwrap();
        assert_eq!(rhs.kind(), rnix::SyntaxKind::NODE_UNARY_OP);
        assert_eq!(rhs.to_string(), "!b + c");
        // `a + !b // c` is `(a + !b) // c`.
        let p = parse("a + !b // c");
        let top = p.syntax().first_child().unwrap();
        assert_eq!(top.first_child().unwrap().to_string(), "a + !b");
        // Errors keep original offsets.
        let p = parse("a + !b + }");
        assert!(!p.errors.is_empty());
        assert!(p.errors.iter().all(|e| usize::from(e.range.end()) <= 10));
    }
}
