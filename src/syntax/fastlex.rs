//! A fast Nix tokenizer over bytes, a drop-in for `rnix::tokenize`.
//!
//! Contract: [`tokenize`] returns either `None` ("not sure, use rnix") or
//! exactly the vector `rnix::tokenize(text).collect()` gives: the same kinds
//! and the same slices of `text`. It gives up (`None`) on anything rare or
//! risky: input where rnix would produce a `TOKEN_ERROR`, a non-ASCII byte
//! outside string contents and comments (rnix's whitespace is Unicode's), an
//! unterminated string or comment, and so on. Common input takes the fast
//! path: every token is found by a table lookup or a `memchr` scan, never by
//! decoding characters.

use memchr::{memchr, memchr2, memchr3, memmem, memrchr};
use rnix::SyntaxKind::{self, *};

/// One token, as `rnix::tokenize` yields it.
type Token<'a> = (SyntaxKind, &'a str);

// Byte classes, as bits of `CLASS`.
/// ASCII whitespace (what `char::is_whitespace` accepts below 0x80).
const WS: u8 = 1;
/// Path characters other than `/`: `a-z A-Z 0-9 _ . + -`.
const SEG: u8 = 2;
/// Path characters: [`SEG`] and `/`.
const PATH: u8 = 4;
/// Identifier characters after the first: `a-z A-Z 0-9 _ ' -`.
const IDENT: u8 = 8;
/// URI characters: [`PATH`], `'` and `% ? : @ & = $ , ! ~ *`.
const URI: u8 = 16;
/// `0-9`.
const DIGIT: u8 = 32;
/// What a search path's lookahead scans: [`PATH`] and `<`.
const SEARCH: u8 = 64;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut k = 0;
        if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            k |= WS;
        }
        let alnum = c.is_ascii_alphanumeric();
        if alnum || matches!(c, b'_' | b'.' | b'+' | b'-') {
            k |= SEG | PATH | URI | SEARCH;
        }
        if c == b'/' {
            k |= PATH | URI | SEARCH;
        }
        if c == b'<' {
            k |= SEARCH;
        }
        if alnum || matches!(c, b'_' | b'\'' | b'-') {
            k |= IDENT;
        }
        if matches!(
            c,
            b'\'' | b'%' | b'?' | b':' | b'@' | b'&' | b'=' | b'$' | b',' | b'!' | b'~' | b'*'
        ) {
            k |= URI;
        }
        if c.is_ascii_digit() {
            k |= DIGIT;
        }
        t[b] = k;
        b += 1;
    }
    t
};

/// Whether byte `c` is in class `class`.
#[inline(always)]
fn is(c: u8, class: u8) -> bool {
    CLASS[c as usize] & class != 0
}

/// What the tokenizer is inside of (the top of its stack decides how the
/// next token is read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// A string body: `"..."` (false) or `''...''` (true).
    Str(bool),
    /// `${ ... }`, with the number of `{` opened and not yet closed in it.
    Interpol(u32),
    /// A path whose text continues after an interpolation, and its kind.
    Path(SyntaxKind),
}

/// The end of a cached run of one byte class: runs that several tokens
/// look ahead over (`a.b.c/d`, `1+1+1`) are scanned once, not once a token.
#[derive(Clone, Copy)]
struct Run {
    lo: usize,
    hi: usize,
}

struct Lexer<'a> {
    text: &'a str,
    b: &'a [u8],
    out: Vec<Token<'a>>,
    stack: Vec<Frame>,
    seg: Run,
    /// For the `seg` run starting at `us_lo`: where its last `_` is.
    us_lo: usize,
    last_us: Option<usize>,
    search: Run,
}

/// Tokenize `text` like `rnix::tokenize`, or give `None` when unsure (see
/// the module documentation).
#[allow(dead_code)]
pub(crate) fn tokenize(text: &str) -> Option<Vec<Token<'_>>> {
    let mut lx = Lexer {
        text,
        b: text.as_bytes(),
        out: Vec::with_capacity(text.len() / 4 + 16),
        stack: Vec::new(),
        seg: Run { lo: 0, hi: 0 },
        us_lo: usize::MAX,
        last_us: None,
        search: Run { lo: 0, hi: 0 },
    };
    lx.run()?;
    Some(lx.out)
}

impl<'a> Lexer<'a> {
    #[inline(always)]
    fn at(&self, i: usize) -> u8 {
        // 0 past the end: in no class and matching no byte tested for.
        self.b.get(i).copied().unwrap_or(0)
    }

    /// The end of the run of `class` bytes starting at `i`.
    #[inline(always)]
    fn scan(&self, mut i: usize, class: u8) -> usize {
        while i < self.b.len() && is(self.b[i], class) {
            i += 1;
        }
        i
    }

    /// [`Self::scan`] for [`SEG`], through the cache.
    #[inline]
    fn seg_end(&mut self, i: usize) -> usize {
        if self.seg.lo <= i && i < self.seg.hi {
            return self.seg.hi;
        }
        let hi = self.scan(i, SEG);
        self.seg = Run { lo: i, hi };
        hi
    }

    /// Whether `[i, j)`, the tail of the cached `seg` run, holds a `_`.
    fn seg_has_underscore(&mut self, i: usize, j: usize) -> bool {
        debug_assert!(self.seg.lo <= i && j == self.seg.hi);
        if self.us_lo != self.seg.lo {
            self.us_lo = self.seg.lo;
            self.last_us =
                memrchr(b'_', &self.b[self.seg.lo..self.seg.hi]).map(|p| p + self.seg.lo);
        }
        self.last_us.is_some_and(|p| p >= i)
    }

    /// [`Self::scan`] for [`SEARCH`], through its cache.
    fn search_end(&mut self, i: usize) -> usize {
        if self.search.lo <= i && i < self.search.hi {
            return self.search.hi;
        }
        let hi = self.scan(i, SEARCH);
        self.search = Run { lo: i, hi };
        hi
    }

    #[inline(always)]
    /// Whether the `<` at `i` is followed by a search path's `>`.
    fn closes_search(&mut self, i: usize) -> bool {
        let j = self.search_end(i);
        self.at(j) == b'>'
    }

    fn push(&mut self, kind: SyntaxKind, from: usize, to: usize) {
        self.out.push((kind, &self.text[from..to]));
    }

    fn run(&mut self) -> Option<()> {
        let mut i = 0;
        loop {
            i = match self.stack.last() {
                Some(&Frame::Str(false)) => self.quoted(i)?,
                Some(&Frame::Str(true)) => self.indented(i)?,
                Some(&Frame::Path(kind)) => self.path_tail(i, kind)?,
                _ if i < self.b.len() => self.token(i)?,
                _ => return Some(()),
            };
        }
    }

    /// The body of a `"` string from `i`, up to its end or an interpolation.
    fn quoted(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let mut p = i;
        loop {
            let q = p + memchr3(b'"', b'\\', b'$', &b[p..])?;
            match b[q] {
                b'"' => return Some(self.string_end(i, q, 1)),
                b'\\' => {
                    if q + 1 >= b.len() {
                        return None;
                    }
                    p = q + 2;
                }
                _ => match self.at(q + 1) {
                    b'$' => p = q + 2,
                    b'{' => return Some(self.string_interpol(i, q)),
                    _ => p = q + 1,
                },
            }
        }
    }

    /// The body of a `''` string from `i`, up to its end or an interpolation.
    fn indented(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let mut p = i;
        loop {
            let q = p + memchr2(b'\'', b'$', &b[p..])?;
            if b[q] == b'\'' {
                match b.get(q + 1) {
                    None => return None,
                    Some(b'\'') => match self.at(q + 2) {
                        b'\'' | b'$' => p = q + 3,
                        b'\\' => {
                            if q + 3 >= b.len() {
                                return None;
                            }
                            p = q + 4;
                        }
                        _ => return Some(self.string_end(i, q, 2)),
                    },
                    Some(_) => p = q + 1,
                }
            } else {
                match self.at(q + 1) {
                    b'$' => p = q + 2,
                    b'{' => return Some(self.string_interpol(i, q)),
                    _ => p = q + 1,
                }
            }
        }
    }

    /// Content `[from, q)` (if any), then the closing quote of `len` bytes.
    fn string_end(&mut self, from: usize, q: usize, len: usize) -> usize {
        if q > from {
            self.push(TOKEN_STRING_CONTENT, from, q);
        }
        self.push(TOKEN_STRING_END, q, q + len);
        self.stack.pop();
        q + len
    }

    /// Content `[from, q)` (if any), then the `${` at `q`.
    fn string_interpol(&mut self, from: usize, q: usize) -> usize {
        if q > from {
            self.push(TOKEN_STRING_CONTENT, from, q);
        }
        self.interpol_start(q)
    }

    fn interpol_start(&mut self, q: usize) -> usize {
        self.push(TOKEN_INTERPOL_START, q, q + 2);
        self.stack.push(Frame::Interpol(0));
        q + 2
    }

    /// After an interpolation in a path: more of the path, another
    /// interpolation, or the end of the path.
    fn path_tail(&mut self, i: usize, kind: SyntaxKind) -> Option<usize> {
        let c = self.at(i);
        if c == b'$' && self.at(i + 1) == b'{' {
            return Some(self.interpol_start(i));
        }
        self.stack.pop();
        if is(c, PATH) {
            let end = self.scan(i, PATH);
            return self.path_piece(kind, i, end);
        }
        Some(i)
    }

    /// The path text `[from, end)`: followed by an interpolation (the path
    /// goes on after it), or the end of the path, which must not end with
    /// `/` or hold `//` (rnix's errors).
    fn path_piece(&mut self, kind: SyntaxKind, from: usize, end: usize) -> Option<usize> {
        if self.at(end) == b'$' && self.at(end + 1) == b'{' {
            self.push(kind, from, end);
            self.stack.push(Frame::Path(kind));
            return Some(self.interpol_start(end));
        }
        let piece = &self.b[from..end];
        if piece.last() == Some(&b'/') || piece.windows(2).any(|w| w == b"//") {
            return None;
        }
        self.push(kind, from, end);
        Some(end)
    }

    /// Whether rnix reads the token starting at `i` as a relative path,
    /// given `j`, the end of the [`SEG`] run from `i`: yes when a `/` and a
    /// character that is neither `/`, `*` nor whitespace follow the run.
    /// `None` when that character is not ASCII.
    #[inline]
    fn relative_at(&self, j: usize) -> Option<bool> {
        if self.at(j) != b'/' {
            return Some(false);
        }
        match self.b.get(j + 1) {
            None | Some(b'/' | b'*') => Some(false),
            Some(&c) if c >= 0x80 => None,
            Some(&c) => Some(!is(c, WS)),
        }
    }

    /// A relative path starting at `i` whose first `/` is at `j`.
    fn relative(&mut self, i: usize, j: usize) -> Option<usize> {
        let end = self.scan(j, PATH);
        self.path_piece(TOKEN_PATH_REL, i, end)
    }

    /// One token (or a few, for paths) in code, starting at `i < len`.
    fn token(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let c = b[i];
        let next = self.at(i + 1);
        let (kind, len) = match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                let end = self.scan(i + 1, WS);
                (TOKEN_WHITESPACE, end - i)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => return self.word(i),
            b'0'..=b'9' => {
                let j = self.seg_end(i);
                if self.relative_at(j)? {
                    return self.relative(i, j);
                }
                return self.number(i);
            }
            b'=' if next == b'=' => (TOKEN_EQUAL, 2),
            b'=' => (TOKEN_ASSIGN, 1),
            b';' => (TOKEN_SEMICOLON, 1),
            b'.' => {
                if next == b'.' && self.at(i + 2) == b'.' {
                    (TOKEN_ELLIPSIS, 3)
                } else {
                    let j = self.seg_end(i);
                    if self.relative_at(j)? {
                        return self.relative(i, j);
                    }
                    if is(next, DIGIT) {
                        let end = self.scan(i + 1, DIGIT);
                        let end = self.exponent(end)?;
                        (TOKEN_FLOAT, end - i)
                    } else {
                        (TOKEN_DOT, 1)
                    }
                }
            }
            b'{' => {
                if let Some(Frame::Interpol(n)) = self.stack.last_mut() {
                    *n += 1;
                }
                (TOKEN_L_BRACE, 1)
            }
            b'}' => match self.stack.last_mut() {
                Some(Frame::Interpol(0)) => {
                    self.stack.pop();
                    (TOKEN_INTERPOL_END, 1)
                }
                Some(Frame::Interpol(n)) => {
                    *n -= 1;
                    (TOKEN_R_BRACE, 1)
                }
                _ => (TOKEN_R_BRACE, 1),
            },
            b'"' => {
                self.stack.push(Frame::Str(false));
                (TOKEN_STRING_START, 1)
            }
            b'\'' if next == b'\'' => {
                self.stack.push(Frame::Str(true));
                (TOKEN_STRING_START, 2)
            }
            b'$' if next == b'{' => return Some(self.interpol_start(i)),
            b'#' => {
                let end = memchr(b'\n', &b[i + 1..]).map_or(b.len(), |p| i + 1 + p);
                (TOKEN_COMMENT, end - i)
            }
            b'/' => match next {
                b'*' => {
                    let end = i + 2 + memmem::find(&b[i + 2..], b"*/")? + 2;
                    (TOKEN_COMMENT, end - i)
                }
                b'/' => (TOKEN_UPDATE, 2),
                _ => {
                    let end = self.scan(i + 1, PATH);
                    if end > i + 1 || (next == b'$' && self.at(i + 2) == b'{') {
                        return self.path_piece(TOKEN_PATH_ABS, i, end);
                    }
                    (TOKEN_DIV, 1)
                }
            },
            b'~' if next == b'/' => {
                let end = self.scan(i + 2, PATH);
                return self.path_piece(TOKEN_PATH_HOME, i, end);
            }
            b'+' | b'-' => {
                let j = self.seg_end(i);
                if self.relative_at(j)? {
                    return self.relative(i, j);
                }
                match (c, next) {
                    (b'+', b'+') => (TOKEN_CONCAT, 2),
                    (b'+', _) => (TOKEN_ADD, 1),
                    (_, b'>') => (TOKEN_IMPLICATION, 2),
                    _ => (TOKEN_SUB, 1),
                }
            }
            b'<' => {
                if next == b'|' {
                    (TOKEN_PIPE_LEFT, 2)
                } else if self.closes_search(i) {
                    let end = self.scan(i + 1, PATH);
                    if end == i + 1 {
                        (TOKEN_LESS, 1)
                    } else if self.at(end) == b'>' {
                        (TOKEN_PATH_SEARCH, end + 1 - i)
                    } else {
                        return None;
                    }
                } else if next == b'=' {
                    (TOKEN_LESS_OR_EQ, 2)
                } else {
                    (TOKEN_LESS, 1)
                }
            }
            b'>' if next == b'=' => (TOKEN_MORE_OR_EQ, 2),
            b'>' => (TOKEN_MORE, 1),
            b'!' if next == b'=' => (TOKEN_NOT_EQUAL, 2),
            b'!' => (TOKEN_INVERT, 1),
            b'&' if next == b'&' => (TOKEN_AND_AND, 2),
            b'|' if next == b'>' => (TOKEN_PIPE_RIGHT, 2),
            b'|' if next == b'|' => (TOKEN_OR_OR, 2),
            b'[' => (TOKEN_L_BRACK, 1),
            b']' => (TOKEN_R_BRACK, 1),
            b'(' => (TOKEN_L_PAREN, 1),
            b')' => (TOKEN_R_PAREN, 1),
            b',' => (TOKEN_COMMA, 1),
            b':' => (TOKEN_COLON, 1),
            b'?' => (TOKEN_QUESTION, 1),
            b'@' => (TOKEN_AT, 1),
            b'*' => (TOKEN_MUL, 1),
            _ => return None,
        };
        self.push(kind, i, i + len);
        Some(i + len)
    }

    /// A token starting with a letter or `_`: identifier, keyword, relative
    /// path (`a/b`) or URI (`https://x`).
    fn word(&mut self, i: usize) -> Option<usize> {
        let j = self.seg_end(i);
        if self.relative_at(j)? {
            return self.relative(i, j);
        }
        if self.at(j) == b':' && is(self.at(j + 1), URI) && !self.seg_has_underscore(i, j) {
            let end = self.scan(i + 1, URI);
            self.push(TOKEN_URI, i, end);
            return Some(end);
        }
        let end = self.scan(i + 1, IDENT);
        let kind = match &self.b[i..end] {
            b"assert" => TOKEN_ASSERT,
            b"else" => TOKEN_ELSE,
            b"if" => TOKEN_IF,
            b"in" => TOKEN_IN,
            b"inherit" => TOKEN_INHERIT,
            b"let" => TOKEN_LET,
            b"or" => TOKEN_OR,
            b"rec" => TOKEN_REC,
            b"then" => TOKEN_THEN,
            b"with" => TOKEN_WITH,
            _ => TOKEN_IDENT,
        };
        self.push(kind, i, end);
        Some(end)
    }

    /// An integer or float starting with the digit at `i`.
    fn number(&mut self, i: usize) -> Option<usize> {
        let digits = self.scan(i + 1, DIGIT);
        let next = self.at(i + 1);
        // A leading 0 not followed by `.` ends in an integer, even if a `.`
        // follows more digits (`01.5` is `01` and `.5`).
        let (kind, end) = if self.at(digits) == b'.' && (self.b[i] != b'0' || next == b'.') {
            let frac = self.scan(digits + 1, DIGIT);
            (TOKEN_FLOAT, self.exponent(frac)?)
        } else {
            (TOKEN_INTEGER, digits)
        };
        self.push(kind, i, end);
        Some(end)
    }

    /// The end of a float after an optional exponent at `i`; `None` for an
    /// exponent without digits (rnix's error).
    fn exponent(&self, i: usize) -> Option<usize> {
        if !matches!(self.at(i), b'e' | b'E') {
            return Some(i);
        }
        let mut p = i + 1;
        if matches!(self.at(p), b'+' | b'-') {
            p += 1;
        }
        let end = self.scan(p, DIGIT);
        (end > p).then_some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rnix_tokens(text: &str) -> Vec<Token<'_>> {
        rnix::tokenize(text).collect()
    }

    /// `Some` only if equal to rnix's tokens; returns whether it was `Some`.
    fn check(text: &str) -> bool {
        match tokenize(text) {
            Some(fast) => {
                let slow = rnix_tokens(text);
                assert_eq!(fast, slow, "tokens differ for {text:?}");
                true
            }
            None => false,
        }
    }

    /// Common input: must take the fast path and agree with rnix.
    const COMMON: &[&str] = &[
        "",
        " ",
        "\t\n\r \x0b\x0c",
        "x",
        "__curPos",
        "{ __curPos = 1; }.__curPos",
        "assert else if in inherit let or rec then with",
        "a.or b or c",
        "{ a.or = 1; b = x.or or 2; }",
        "asserts elsewhere iff inn lets order recs thens without",
        "foo-bar baz' a_b _x x'' a-1-b",
        "0 1 42 007 0.5 1. 1.25 3.0e5 2.5E-3 1.5e+7 0. 01.5 00.5",
        "1..2 1...",
        "[1 2 3]",
        "= == != ! { } [ ] @ : , . ... ? ; ( ) ++ -> + - * / // < <= > >= && || |> <|",
        "a+b a-b a*b a/ b a //b a<b a>b",
        "a ++ b - -1 + +2",
        "x: y: z: x + y * z // { }",
        "{ a, b ? 1, ... }@args: a",
        "# comment\nx # another",
        "#",
        "#\n#\r\n",
        "/* block */ x /**/ /***/ /* a * b / c */",
        "/* multi\nline\n*/",
        "a/*b*/c",
        "\"\"",
        "\"abc\"",
        "\"a\\\"b\\\\c\\n\\${x}\"",
        "\"${x}\"",
        "\"a${x}b${y}c\"",
        "\"${\"${\"${x}\"}\"}\"",
        "\"$${x} $ $$ a$\"",
        "\"${ { a = 1; }.a }\"",
        "\"${ let f = { x }: x; in f { x = \"}\"; } }\"",
        "''''",
        "''abc''",
        "'' a ''${b} ''\\n ${c} ''",
        "''\n  line 1\n  ${x} '''quoted''' ''$dollar $$ $${y}\n''",
        "'' it's a 'quote' ''",
        "''${x}''",
        "\"é ü ✓ \\é\" ''ü ${x} ''\\ü''",
        "# ü\n/* ✓ */ x",
        "./a.nix",
        "../x ../../y/z.nix",
        "./.",
        "/etc/nixos/configuration.nix",
        "/x",
        "~/x ~/.config/foo",
        "a/b",
        "a/b/c.d-e+f_g",
        "foo.bar/baz",
        "1/2",
        "x-1/2",
        "+/x -/y .5/x",
        "<nixpkgs>",
        "<nixpkgs/lib>",
        "import <nixpkgs> { }",
        "a<b>c",
        "<>",
        "a < b",
        "https://example.org/x",
        "http://example.org/x?y=1&z=2#frag",
        "git+ssh://git@github.com/o/r.git",
        "github:NixOS/nixpkgs/nixos-unstable",
        "a:b",
        "x: x",
        "a_b:c",
        "x:y:z",
        "{ inputs = { nixpkgs.url = \"github:NixOS/nixpkgs\"; }; }",
        "${x}",
        "{ ${x} = 1; \"${y}\" = 2; }",
        "{ a = { b = 1; }; }",
        "}",
        "${a",
        "./${x}",
        "./foo/${x}",
        "./foo/${x}/bar",
        "./foo/${x}${y}/bar.nix",
        "/${x}",
        "/${x}/y",
        "~/${x}",
        "a/${x} b",
        "\"${./a/${b}}\"",
        "./a/${ { x = 1; }.x }/c",
        "f ./a.nix ./b.nix",
        "(./a)",
        "[./a ./b]",
        "let x = 1; in x",
        "if a then b else c",
        "with pkgs; [ hello ]",
        "inherit (pkgs) a b;",
        "a ? b.c",
        "a -> b",
        "!a && !b || c",
        "a|>f|>g",
        "g<|f<|a",
        "x.\"y\".${z}",
        "1 - !x",
        "a + !b + c",
        "f let { body = 1; }",
    ];

    /// Rare input: may fall back, but if not must agree with rnix.
    const RARE: &[&str] = &[
        "1e5",
        ".5",
        "1.5e",
        "1.5e+",
        "[ 1.5e+ ]",
        ".5e3",
        "a.0",
        "\"",
        "\"abc",
        "\"a\\",
        "\"${x}",
        "''",
        "''abc",
        "''abc'",
        "''a''\\",
        "/*",
        "/* abc",
        "/*/",
        "~",
        "~x",
        "~/",
        "a/",
        "a/ b",
        "a/(b)",
        "./",
        "./a/",
        "./a//b",
        "/a//b",
        "./${x}/",
        "./${x}//y",
        "$",
        "$x",
        "&",
        "|",
        "'",
        "%",
        "\\",
        "`",
        "\x00",
        "\x1c",
        "é",
        "a\u{a0}b",
        "a\u{2003}b",
        "a/é",
        "a/\u{3000}",
        "a/\u{a0}",
        "<a",
        "<a<b>",
        "<a b",
        "<a/b",
        "< a >",
        "a:é",
        "a: ",
        "a:",
        "\"${\"",
        "{ a = \"${x\"",
        "a = b\u{85}",
    ];

    #[test]
    fn snippets_agree_with_rnix() {
        for text in COMMON {
            assert!(check(text), "fell back on common input {text:?}");
        }
        for text in RARE {
            check(text);
        }
    }

    fn nix_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|x| x == "nix"))
            .collect();
        files.sort();
        files
    }

    /// (files read, files on the fast path); panics on a mismatch.
    fn check_tree(dir: &std::path::Path) -> (usize, usize) {
        let (mut total, mut fast) = (0, 0);
        for path in nix_files(dir) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            total += 1;
            if let Some(tokens) = tokenize(&text) {
                assert!(
                    tokens == rnix_tokens(&text),
                    "tokens differ for {}",
                    path.display()
                );
                fast += 1;
            }
        }
        (total, fast)
    }

    #[test]
    fn fixtures_agree_with_rnix() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let (total, fast) = check_tree(&dir);
        assert!(total > 0, "no fixtures under {}", dir.display());
        assert!(
            fast * 100 >= total * 95,
            "only {fast} of {total} fixtures on the fast path"
        );
    }

    #[test]
    fn random_input_agrees_with_rnix() {
        const FRAGMENTS: &[&str] = &[
            " ", "  ", "\n", "\t", "a", "b", "_x", "x'", "or", "in", "let", "rec", "-", "+", "*",
            "/", "//", ".", "...", "0", "1", "12", "0.5", "1.", "e", "E5", "=", "==", "!", "!=",
            "<", ">", "<=", ">=", "&&", "||", "|>", "<|", "->", "++", "?", "@", ":", ";", ",", "(",
            ")", "[", "]", "{", "}", "${", "\"", "''", "'", "\\", "$", "$$", "#", "/*", "*/", "~",
            "~/", "./", "../", "<n>", "<a/b>", "http://x", "a_b", "é", "\u{a0}", "\r\n", "'''",
            "''$", "''\\", "\\\"", "x/y", "/a", "_",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut fast = 0;
        for _ in 0..5000 {
            let len = next() % 16;
            let text: String = (0..len)
                .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
                .collect();
            if check(&text) {
                fast += 1;
            }
        }
        assert!(fast > 500, "only {fast} random inputs on the fast path");
    }

    /// Checks every `.nix` file under `$FASTLEX_DIR` and compares speed:
    /// `FASTLEX_DIR=/tmp/real cargo test --release --lib fastlex -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn real_tree() {
        let Some(dir) = std::env::var_os("FASTLEX_DIR") else {
            eprintln!("FASTLEX_DIR not set");
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let (total, fast) = check_tree(&dir);
        eprintln!("{fast} of {total} files on the fast path, no mismatches");

        let texts: Vec<String> = nix_files(&dir)
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect();
        let bytes: usize = texts.iter().map(String::len).sum();
        let time = |f: &dyn Fn(&str) -> usize| {
            let mut best = std::time::Duration::MAX;
            let mut n = 0;
            for _ in 0..5 {
                let start = std::time::Instant::now();
                n = texts.iter().map(|t| f(t)).sum::<usize>();
                best = best.min(start.elapsed());
            }
            (best, n)
        };
        let (slow, n_slow) = time(&|t| rnix::tokenize(t).collect::<Vec<_>>().len());
        let (quick, n_quick) = time(&|t| tokenize(t).map_or(0, |v| v.len()));
        eprintln!(
            "{bytes} bytes: rnix {slow:?} ({n_slow} tokens), fastlex {quick:?} ({n_quick} tokens), {:.1}x",
            slow.as_secs_f64() / quick.as_secs_f64()
        );
    }
}
