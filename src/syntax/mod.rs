//! Syntax layer: lossless parsing of Nix source into a rowan tree (via rnix),
//! syntax errors with spans, and a line index.
//!
//! Invariant: parsing never fails. `parse` always returns a tree whose text is
//! byte-identical to the input, plus zero or more errors.

mod depth;
pub(crate) mod fastlex;
mod fastparse;
pub(crate) mod green;
mod line_index;
mod repair;
mod runs;
mod source;
mod validate;

pub use line_index::{LineCol, LineIndex};
pub use rnix::ast;
pub use rnix::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};
pub use rowan::ast::AstNode;
pub use source::{SourceError, SourceFile, Tree, decode_source, load_source};

use rowan::GreenNode;

/// Maximum syntactic nesting that the parser follows; deeper input becomes a
/// syntax error instead of a stack overflow.
pub const MAX_NESTING: u32 = 512;

/// Maximum estimated depth of a tree (nesting plus operator and application
/// chains, see depth.rs); deeper input becomes one syntax error and a flat
/// tree, because rnix's parser and rowan's drop both recurse.
pub const MAX_TREE_DEPTH: usize = 1024;

/// One syntax error with the byte range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// A parsed file: the green tree plus the errors found while building it.
#[derive(Clone, Debug)]
pub struct Parsed {
    green: GreenNode,
    pub errors: Vec<SyntaxError>,
    /// The input crossed a parser limit (see [`Parsed::exceeded_limits`]).
    limited: bool,
    /// The parser met input it could not read (see [`Parsed::recovered`]).
    recovered: bool,
}

impl Parsed {
    /// The root syntax node (kind `NODE_ROOT`).
    pub fn syntax(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// The typed root.
    pub fn root(&self) -> ast::Root {
        use rowan::ast::AstNode as _;
        ast::Root::cast(self.syntax()).expect("root node")
    }

    pub fn green(&self) -> &GreenNode {
        &self.green
    }

    /// Whether the syntax layer reported an attribute defined twice.
    pub fn has_duplicate_attribute(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.message.contains(validate::ALREADY_DEFINED))
    }

    /// Whether the syntax layer reported a formal argument named twice.
    pub fn has_duplicate_formal(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.message.starts_with(validate::DUPLICATE_FORMAL))
    }

    /// Whether the input crossed one of the parser's limits (nesting depth,
    /// chain length, operator runs without spaces): the rest of the file is
    /// then one error node, and only `syntax-error` looks at it.
    pub fn exceeded_limits(&self) -> bool {
        self.limited
    }

    /// Whether the parser met input it could not read and went on past it:
    /// parts of the tree around the error are then guesses (a name after a
    /// stray `$` becomes a variable use, the start of a mistyped name a
    /// binding of its own). Errors that validation finds in a well-formed
    /// tree (a duplicate attribute, a misplaced function) do not count.
    pub fn recovered(&self) -> bool {
        self.recovered || self.limited
    }
}

/// Whether `needle` occurs in `text`: what rules ask of a whole file before
/// they look at its tree. A vectorised search (`str::contains` reads a file
/// byte by byte, and most files lack what most rules look for).
pub fn has_text(text: &str, needle: &'static str) -> bool {
    type Finders = Vec<((usize, usize), memchr::memmem::Finder<'static>)>;
    thread_local! {
        /// The searchers built so far (building one costs more than a
        /// search of a small file), by the needle's address: few needles.
        static FINDERS: std::cell::RefCell<Finders> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let key = (needle.as_ptr() as usize, needle.len());
    FINDERS.with_borrow_mut(|finders| {
        let at = match finders.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                finders.push((key, memchr::memmem::Finder::new(needle.as_bytes())));
                finders.len() - 1
            }
        };
        finders[at].1.find(text.as_bytes()).is_some()
    })
}

/// Parse Nix source. Never fails; see [`Parsed::errors`].
pub fn parse(text: &str) -> Parsed {
    parse_with(text, true)
}

/// [`parse`], with the fast tokenizer and parser (fastlex.rs, fastparse.rs)
/// allowed or not, so tests can check that both paths agree.
fn parse_with(text: &str, fast: bool) -> Parsed {
    if let Some(run) = runs::find_long_run(text) {
        return runs::untokenized(text, run);
    }
    let tokens: Vec<(SyntaxKind, &str)> = fast
        .then(|| fastlex::tokenize(text))
        .flatten()
        .unwrap_or_else(|| rnix::tokenize(text).collect());
    let depth = match depth::estimate(&tokens, MAX_TREE_DEPTH) {
        Ok(depth) => depth,
        Err(at) => return too_deep(&tokens, at),
    };
    // rnix recurses about twenty frames (16 KiB) per nesting level: make
    // sure there is room (a new stack only when the current one is short).
    let need = (depth + 16) * LEVEL_STACK;
    // Whether the fast parser built the tree (then every node that needs a
    // closing token has it, see fastparse::parse).
    let mut closed = false;
    let (green, rnix_errors) = stacker::maybe_grow(need, need * 2, || {
        // rnix rejects a few programs that Nix accepts; see repair.rs.
        repair::reparse(text, &tokens).unwrap_or_else(|| {
            if let Some(green) = fast.then(|| fastparse::parse(&tokens)).flatten() {
                closed = true;
                return (green, Vec::new());
            }
            let parse = rnix::Root::parse(text);
            (parse.syntax().green().to_owned(), parse.errors().to_vec())
        })
    });
    let end = TextSize::of(text);
    let mut errors: Vec<SyntaxError> = rnix_errors.iter().map(|e| convert_error(e, end)).collect();
    let limited = rnix_errors
        .iter()
        .any(|e| matches!(e, rnix::ParseError::RecursionLimitExceeded));
    if limited {
        // rnix gives no position: it gave up where its error node starts.
        let at = SyntaxNode::new_root(green.clone())
            .descendants()
            .find(|n| n.kind() == SyntaxKind::NODE_ERROR)
            .map(|n| n.text_range().start());
        for (e, raw) in errors.iter_mut().zip(&rnix_errors) {
            if let (Some(at), rnix::ParseError::RecursionLimitExceeded) = (at, raw) {
                e.range = TextRange::empty(at);
            }
        }
    }
    // rnix accepts some programs that Nix rejects; see validate.rs. Unclosed
    // nodes are looked for only where rnix found no error and the fast
    // parser did not build the tree.
    let look_for_unclosed = errors.is_empty() && !closed;
    errors.extend(validate::validate(
        &SyntaxNode::new_root(green.clone()),
        look_for_unclosed,
    ));
    errors.sort_by_key(|e| e.range.start());
    Parsed {
        green,
        errors,
        limited,
        recovered: !rnix_errors.is_empty(),
    }
}

/// Stack rnix's parser uses per nesting level (about twenty frames).
const LEVEL_STACK: usize = 16 << 10;

/// A root holding every token in one error node.
fn too_deep(tokens: &[(SyntaxKind, &str)], at: usize) -> Parsed {
    use rowan::Language as _;
    let raw = rnix::NixLanguage::kind_to_raw;
    let mut b = rowan::GreenNodeBuilder::new();
    b.start_node(raw(SyntaxKind::NODE_ROOT));
    b.start_node(raw(SyntaxKind::NODE_ERROR));
    for (kind, text) in tokens {
        b.token(raw(*kind), text);
    }
    b.finish_node();
    b.finish_node();
    let at = TextSize::try_from(at).unwrap_or_default();
    Parsed {
        green: b.finish(),
        errors: vec![SyntaxError {
            range: TextRange::empty(at),
            message: format!(
                "expression nested more than {MAX_TREE_DEPTH} levels deep (counting brackets and chains of operators or arguments); nixfold does not follow deeper nesting"
            ),
        }],
        limited: true,
        recovered: true,
    }
}

fn kinds(k: &[SyntaxKind]) -> String {
    let names: Vec<String> = k.iter().map(|k| describe_kind(*k)).collect();
    names.join(", ")
}

/// Whether `node` is a `rec { ... }` attribute set. Looks at the green
/// node's leading tokens only (`AttrSet::rec_token` walks every child of
/// the set, which is slow on large sets).
pub fn is_rec_set(node: &SyntaxNode) -> bool {
    if node.kind() != SyntaxKind::NODE_ATTR_SET {
        return false;
    }
    for child in node.green().children() {
        match child {
            rowan::NodeOrToken::Token(t) => {
                match <rnix::NixLanguage as rowan::Language>::kind_from_raw(t.kind()) {
                    SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT => continue,
                    k => return k == SyntaxKind::TOKEN_REC,
                }
            }
            rowan::NodeOrToken::Node(_) => return false,
        }
    }
    false
}

/// A human name for a token kind, as used in error messages.
/// The parts of a string (`ast::Str::normalized_parts`: literal text with
/// indentation stripped, interpolations), or `None` for a string with a
/// syntax error inside, on which rnix's `parts`/`normalized_parts` panic
/// (`{ '' b = 2; }`, found by fuzzing).
pub fn str_parts(s: &ast::Str) -> Option<Vec<ast::InterpolPart<String>>> {
    let ok = s
        .syntax()
        .children()
        .all(|c| c.kind() == SyntaxKind::NODE_INTERPOL);
    let tokens_ok = s.syntax().children_with_tokens().all(|c| match c {
        rowan::NodeOrToken::Token(t) => matches!(
            t.kind(),
            SyntaxKind::TOKEN_STRING_CONTENT
                | SyntaxKind::TOKEN_STRING_START
                | SyntaxKind::TOKEN_STRING_END
        ),
        rowan::NodeOrToken::Node(_) => true,
    });
    (ok && tokens_ok).then(|| s.normalized_parts())
}

pub fn describe_kind(k: SyntaxKind) -> String {
    use SyntaxKind::*;
    let s = match k {
        TOKEN_SEMICOLON => "`;`",
        TOKEN_COLON => "`:`",
        TOKEN_COMMA => "`,`",
        TOKEN_DOT => "`.`",
        TOKEN_ELLIPSIS => "`...`",
        TOKEN_ASSIGN => "`=`",
        TOKEN_QUESTION => "`?`",
        TOKEN_AT => "`@`",
        TOKEN_L_BRACE => "`{`",
        TOKEN_R_BRACE => "`}`",
        TOKEN_L_BRACK => "`[`",
        TOKEN_R_BRACK => "`]`",
        TOKEN_L_PAREN => "`(`",
        TOKEN_R_PAREN => "`)`",
        TOKEN_IN => "`in`",
        TOKEN_THEN => "`then`",
        TOKEN_ELSE => "`else`",
        TOKEN_IDENT => "identifier",
        TOKEN_INTERPOL_START => "`${`",
        TOKEN_INTERPOL_END => "`}`",
        TOKEN_STRING_START | TOKEN_STRING_END => "`\"`",
        _ => return format!("{k:?}").trim_start_matches("TOKEN_").to_lowercase(),
    };
    s.to_string()
}

fn convert_error(e: &rnix::ParseError, end: TextSize) -> SyntaxError {
    use rnix::ParseError as E;
    let eof = TextRange::empty(end);
    let (range, message) = match e {
        E::Unexpected(r) => (*r, "unexpected input".to_string()),
        E::UnexpectedExtra(r) => (
            *r,
            "unexpected input after the end of the expression".to_string(),
        ),
        E::UnexpectedWanted(got, r, want) => (
            *r,
            format!(
                "unexpected {}, expected {}",
                describe_kind(*got),
                kinds(want)
            ),
        ),
        E::UnexpectedDoubleBind(r) => (*r, "a pattern is bound twice with `@`".to_string()),
        E::UnexpectedEOF => (eof, "unexpected end of file".to_string()),
        E::UnexpectedEOFWanted(want) => (
            eof,
            format!("unexpected end of file, expected {}", kinds(want)),
        ),
        E::DuplicatedArgs(r, name) => (*r, format!("duplicate formal function argument `{name}`")),
        E::RecursionLimitExceeded => (
            eof,
            format!(
                "expression nested more than {MAX_NESTING} levels deep; nixfold does not follow deeper nesting"
            ),
        ),
        #[allow(unreachable_patterns)]
        other => (eof, other.to_string()),
    };
    SyntaxError { range, message }
}

#[cfg(test)]
mod tests {
    /// The same answers as `str::contains`, also when one thread asks
    /// for many needles, again and again, and for a needle that is a
    /// prefix of another.
    #[test]
    fn has_text_agrees_with_contains() {
        const NEEDLES: [&str; 5] = ["getEnv", "get", "x", "é", "=="];
        let texts = [
            "",
            "getEn",
            "builtins.getEnv \"HOME\"",
            "a == b",
            "café",
            "xyz",
        ];
        for _ in 0..3 {
            for t in texts {
                for n in NEEDLES {
                    assert_eq!(super::has_text(t, n), t.contains(n), "{n:?} in {t:?}");
                }
            }
        }
    }

    #[test]
    fn rec_sets_are_recognised_from_leading_tokens() {
        let set = |src: &str| {
            parse(src)
                .syntax()
                .descendants()
                .find(|n| n.kind() == SyntaxKind::NODE_ATTR_SET)
                .expect("a set")
        };
        assert!(is_rec_set(&set("rec { a = 1; b = a; }")));
        assert!(is_rec_set(&set("rec /* c */ { }")));
        assert!(!is_rec_set(&set("{ rec = 1; }")));
        assert!(!is_rec_set(&set("{ a = rec { }; }")));
        assert!(!is_rec_set(&parse("rec { }").syntax()));
    }

    use super::*;

    /// The fast path (fastlex.rs, fastparse.rs) gives exactly what rnix
    /// alone gives: same tree, errors and limit flag.
    #[test]
    fn fast_path_agrees_with_rnix() {
        let mut inputs: Vec<String> = [
            "{ a.or = 1; b = x.or or 2; }",
            "__curPos",
            "{ __curPos = 1; }.__curPos",
            "a + !b + c",
            "1 - !x",
            "f let { body = 1; }",
            "(let { body = 1; }\n)",
            "1.5e",
            "[ 1.5e+ ]",
            "let in",
            "{ a = ; }",
            "x: y: z: x + y * z // { }",
            "\"${\"${\"${x}\"}\"}\"",
            "'' a ''${b} ''\\n ${c} ''",
            "# only a comment\n",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push(format!("{}1{}", "[ ".repeat(1100), " ]".repeat(1100)));
        inputs.push(format!("x{}", " + x".repeat(1100)));
        inputs.push(format!("{}1{}", "(".repeat(600), ")".repeat(600)));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["tests", "examples"] {
            for e in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                if e.path().extension().is_some_and(|x| x == "nix")
                    && let Ok(t) = std::fs::read_to_string(e.path())
                {
                    inputs.push(t);
                }
            }
        }
        assert!(inputs.len() > 50, "found the fixtures");
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn(move || {
                for text in &inputs {
                    let a = parse_with(text, true);
                    let b = parse_with(text, false);
                    assert_eq!(a.green, b.green, "tree of {text:?}");
                    assert_eq!(a.errors, b.errors, "errors of {text:?}");
                    assert_eq!(a.limited, b.limited, "limit of {text:?}");
                }
            })
            .unwrap()
            .join()
            .expect("both paths agree");
    }

    #[test]
    fn round_trip_and_errors() {
        let src = "{ a = 1; # c\n b = [ 1 2 ]; }\n";
        let p = parse(src);
        assert!(p.errors.is_empty());
        assert_eq!(p.syntax().to_string(), src);
        let bad = "{ a = ; }";
        let p = parse(bad);
        assert!(!p.errors.is_empty());
        assert_eq!(p.syntax().to_string(), bad);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        let p = parse(&src);
        assert!(!p.errors.is_empty());
        assert_eq!(p.syntax().to_string(), src);
    }

    /// Lists, prefix operators and chains recurse in rnix and rowan without
    /// rnix's own limit; on a small stack they must still give an error,
    /// not a crash, and chains of moderate length must still parse.
    #[test]
    fn deep_chains_are_an_error_not_a_crash() {
        let n = 100_000;
        let cases = [
            (format!("{}1{}", "[ ".repeat(n), " ]".repeat(n)), false),
            (format!("{}true", "!".repeat(n)), false),
            (format!("{}1", "- ".repeat(n)), false),
            (format!("1{}", " + 1".repeat(n)), false),
            (format!("[]{}", " ++ []".repeat(n)), false),
            (format!("f{}", " 1".repeat(n)), false),
            (format!("x{}", " // x".repeat(n)), false),
            (format!("{}1{}", "\"${".repeat(n), "}\"".repeat(n)), false),
            (format!("[ {} ]", "1 ".repeat(n)), true),
            (
                format!("{{ {} }}", "a = 1; ".repeat(1000).replace("a =", "a.b =")),
                false,
            ),
            (format!("1{}", " + 1".repeat(400)), true),
            (format!("f{}", " 1".repeat(400)), true),
        ];
        for (src, ok) in cases {
            let r = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    let p = parse(&src);
                    (p.errors.is_empty(), p.syntax().to_string() == src)
                })
                .unwrap()
                .join()
                .expect("no crash");
            assert!(r.1, "round trip");
            assert_eq!(r.0, ok);
        }
    }
}
