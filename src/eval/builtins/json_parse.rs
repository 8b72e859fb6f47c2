//! The JSON reader of `builtins.fromJSON`.
//!
//! Nix 2.8 reads JSON with the nlohmann/json library and passes its error
//! messages on (`[json.exception.parse_error.101] parse error at line 1,
//! column 2: syntax error while parsing object key - …`); code matches on
//! them, so this reader follows that library's grammar, positions (bytes
//! read on the current line, end of input counted), "last read" text and
//! number conversions. It keeps its own stack, so nesting depth is bounded
//! by memory, not by the thread's stack.

/// A parsed JSON value, in the order the text has it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Drop for Json {
    /// Iterative, so that deeply nested values do not overflow the stack.
    fn drop(&mut self) {
        let mut stack: Vec<Json> = Vec::new();
        match self {
            Json::Array(v) if !v.is_empty() => stack.append(v),
            Json::Object(v) if !v.is_empty() => stack.extend(v.drain(..).map(|(_, j)| j)),
            _ => return,
        }
        while let Some(mut j) = stack.pop() {
            match &mut j {
                Json::Array(v) => stack.append(v),
                Json::Object(v) => stack.extend(v.drain(..).map(|(_, j)| j)),
                _ => {}
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    BeginArray,
    BeginObject,
    EndArray,
    EndObject,
    NameSeparator,
    ValueSeparator,
    True,
    False,
    Null,
    Str,
    Unsigned,
    Integer,
    Float,
    ParseError,
    EndOfInput,
}

impl Token {
    fn name(self) -> &'static str {
        match self {
            Token::True => "true literal",
            Token::False => "false literal",
            Token::Null => "null literal",
            Token::Str => "string literal",
            Token::Unsigned | Token::Integer | Token::Float => "number literal",
            Token::BeginArray => "'['",
            Token::BeginObject => "'{'",
            Token::EndArray => "']'",
            Token::EndObject => "'}'",
            Token::NameSeparator => "':'",
            Token::ValueSeparator => "','",
            Token::ParseError => "<parse error>",
            Token::EndOfInput => "end of input",
        }
    }
}

/// What the parser expected, for messages.
#[derive(Clone, Copy)]
enum Expected {
    Nothing,
    Token(Token),
    LiteralOrValue,
}

struct Lexer<'a> {
    input: &'a [u8],
    next: usize,
    /// The byte last read; `None` at the end of the input.
    current: Option<u8>,
    next_unget: bool,
    chars_total: usize,
    chars_line: usize,
    lines: usize,
    /// Bytes read since the last string or number began (nlohmann's
    /// "last read").
    token_string: Vec<u8>,
    /// The decoded string or the number's text.
    buffer: Vec<u8>,
    error: String,
    unsigned: u64,
    integer: i64,
    float: f64,
}

const CONTROL_NAMES: [&str; 32] = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
];

impl<'a> Lexer<'a> {
    fn new(input: &'a [u8]) -> Self {
        Lexer {
            input,
            next: 0,
            current: None,
            next_unget: false,
            chars_total: 0,
            chars_line: 0,
            lines: 0,
            token_string: Vec::new(),
            buffer: Vec::new(),
            error: String::new(),
            unsigned: 0,
            integer: 0,
            float: 0.0,
        }
    }

    fn get(&mut self) -> Option<u8> {
        self.chars_total += 1;
        self.chars_line += 1;
        if self.next_unget {
            self.next_unget = false;
        } else {
            self.current = self.input.get(self.next).copied();
            if self.current.is_some() {
                self.next += 1;
            }
        }
        if let Some(c) = self.current {
            self.token_string.push(c);
            if c == b'\n' {
                self.lines += 1;
                self.chars_line = 0;
            }
        }
        self.current
    }

    fn unget(&mut self) {
        self.next_unget = true;
        self.chars_total -= 1;
        if self.chars_line == 0 {
            self.lines = self.lines.saturating_sub(1);
        } else {
            self.chars_line -= 1;
        }
        if self.current.is_some() {
            self.token_string.pop();
        }
    }

    fn reset(&mut self) {
        self.buffer.clear();
        self.token_string.clear();
        if let Some(c) = self.current {
            self.token_string.push(c);
        }
    }

    fn fail(&mut self, msg: impl Into<String>) -> Token {
        self.error = msg.into();
        Token::ParseError
    }

    /// "Last read", control characters shown as `<U+XXXX>`.
    fn token_string(&self) -> String {
        let mut out = String::new();
        let mut bytes = Vec::new();
        for &c in &self.token_string {
            if c <= 0x1f {
                out.push_str(&String::from_utf8_lossy(&bytes));
                bytes.clear();
                out.push_str(&format!("<U+{c:04X}>"));
            } else {
                bytes.push(c);
            }
        }
        out.push_str(&String::from_utf8_lossy(&bytes));
        out
    }

    fn scan(&mut self) -> Token {
        if self.chars_total == 0 && !self.skip_bom() {
            return self.fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
        }
        loop {
            self.get();
            if !matches!(self.current, Some(b' ' | b'\t' | b'\n' | b'\r')) {
                break;
            }
        }
        match self.current {
            Some(b'[') => Token::BeginArray,
            Some(b']') => Token::EndArray,
            Some(b'{') => Token::BeginObject,
            Some(b'}') => Token::EndObject,
            Some(b':') => Token::NameSeparator,
            Some(b',') => Token::ValueSeparator,
            Some(b't') => self.scan_literal(b"true", Token::True),
            Some(b'f') => self.scan_literal(b"false", Token::False),
            Some(b'n') => self.scan_literal(b"null", Token::Null),
            Some(b'"') => self.scan_string(),
            Some(b'-' | b'0'..=b'9') => self.scan_number(),
            Some(0) | None => Token::EndOfInput,
            Some(_) => self.fail("invalid literal"),
        }
    }

    fn skip_bom(&mut self) -> bool {
        if self.get() == Some(0xef) {
            return self.get() == Some(0xbb) && self.get() == Some(0xbf);
        }
        self.unget();
        true
    }

    fn scan_literal(&mut self, text: &[u8], token: Token) -> Token {
        for &want in &text[1..] {
            if self.get() != Some(want) {
                return self.fail("invalid literal");
            }
        }
        token
    }

    /// Four hex digits after `\u`; `None` if one is not a hex digit.
    fn codepoint(&mut self) -> Option<u32> {
        let mut cp = 0u32;
        for _ in 0..4 {
            let d = match self.get() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return None,
            };
            cp = cp * 16 + u32::from(d);
        }
        Some(cp)
    }

    /// The bytes after a UTF-8 lead byte, each in its range.
    fn continuation(&mut self, ranges: &[(u8, u8)]) -> bool {
        if let Some(c) = self.current {
            self.buffer.push(c);
        }
        for &(lo, hi) in ranges {
            match self.get() {
                Some(c) if (lo..=hi).contains(&c) => self.buffer.push(c),
                _ => return false,
            }
        }
        true
    }

    fn scan_string(&mut self) -> Token {
        self.reset();
        loop {
            let Some(c) = self.get() else {
                return self.fail("invalid string: missing closing quote");
            };
            match c {
                b'"' => return Token::Str,
                b'\\' => {
                    let e = self.get();
                    let out = match e {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0c,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            let hex = "invalid string: '\\u' must be followed by 4 hex digits";
                            let Some(cp1) = self.codepoint() else {
                                return self.fail(hex);
                            };
                            let cp = if (0xd800..=0xdbff).contains(&cp1) {
                                let high = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";
                                if self.get() == Some(b'\\') && self.get() == Some(b'u') {
                                    let Some(cp2) = self.codepoint() else {
                                        return self.fail(hex);
                                    };
                                    if !(0xdc00..=0xdfff).contains(&cp2) {
                                        return self.fail(high);
                                    }
                                    0x10000 + ((cp1 - 0xd800) << 10) + (cp2 - 0xdc00)
                                } else {
                                    return self.fail(high);
                                }
                            } else if (0xdc00..=0xdfff).contains(&cp1) {
                                return self.fail(
                                    "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF",
                                );
                            } else {
                                cp1
                            };
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut b = [0u8; 4];
                            self.buffer
                                .extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                            continue;
                        }
                        _ => {
                            return self
                                .fail("invalid string: forbidden character after backslash");
                        }
                    };
                    self.buffer.push(out);
                }
                0x00..=0x1f => {
                    let alt = match c {
                        0x08 => " or \\b",
                        0x09 => " or \\t",
                        0x0a => " or \\n",
                        0x0c => " or \\f",
                        0x0d => " or \\r",
                        _ => "",
                    };
                    return self.fail(format!(
                        "invalid string: control character U+{c:04X} ({}) must be escaped to \\u{c:04X}{alt}",
                        CONTROL_NAMES[c as usize]
                    ));
                }
                0x20..=0x7f => self.buffer.push(c),
                _ => {
                    let ranges: &[(u8, u8)] = match c {
                        0xc2..=0xdf => &[(0x80, 0xbf)],
                        0xe0 => &[(0xa0, 0xbf), (0x80, 0xbf)],
                        0xe1..=0xec | 0xee..=0xef => &[(0x80, 0xbf), (0x80, 0xbf)],
                        0xed => &[(0x80, 0x9f), (0x80, 0xbf)],
                        0xf0 => &[(0x90, 0xbf), (0x80, 0xbf), (0x80, 0xbf)],
                        0xf1..=0xf3 => &[(0x80, 0xbf), (0x80, 0xbf), (0x80, 0xbf)],
                        0xf4 => &[(0x80, 0x8f), (0x80, 0xbf), (0x80, 0xbf)],
                        _ => return self.fail("invalid string: ill-formed UTF-8 byte"),
                    };
                    if !self.continuation(ranges) {
                        return self.fail("invalid string: ill-formed UTF-8 byte");
                    }
                }
            }
        }
    }

    fn scan_number(&mut self) -> Token {
        #[derive(Clone, Copy)]
        enum S {
            Minus,
            Zero,
            Any1,
            Decimal1,
            Decimal2,
            Exponent,
            Sign,
            Any2,
        }
        self.reset();
        let mut kind = Token::Unsigned;
        let c = self.current.unwrap_or(b'0');
        self.buffer.push(c);
        // nlohmann's scanner states; each reads one byte.
        let mut state = match c {
            b'-' => S::Minus,
            b'0' => S::Zero,
            _ => S::Any1,
        };
        loop {
            let next = self.get();
            let d = matches!(next, Some(b'0'..=b'9'));
            let e = matches!(next, Some(b'e' | b'E'));
            state = match state {
                S::Minus => {
                    kind = Token::Integer;
                    match next {
                        Some(b'0') => S::Zero,
                        _ if d => S::Any1,
                        _ => return self.fail("invalid number; expected digit after '-'"),
                    }
                }
                S::Zero => match next {
                    Some(b'.') => S::Decimal1,
                    _ if e => S::Exponent,
                    _ => break,
                },
                S::Any1 => match next {
                    _ if d => S::Any1,
                    Some(b'.') => S::Decimal1,
                    _ if e => S::Exponent,
                    _ => break,
                },
                S::Decimal1 => {
                    kind = Token::Float;
                    if d {
                        S::Decimal2
                    } else {
                        return self.fail("invalid number; expected digit after '.'");
                    }
                }
                S::Decimal2 => match next {
                    _ if d => S::Decimal2,
                    _ if e => S::Exponent,
                    _ => break,
                },
                S::Exponent => {
                    kind = Token::Float;
                    match next {
                        Some(b'+' | b'-') => S::Sign,
                        _ if d => S::Any2,
                        _ => {
                            return self.fail(
                                "invalid number; expected '+', '-', or digit after exponent",
                            );
                        }
                    }
                }
                S::Sign => {
                    if d {
                        S::Any2
                    } else {
                        return self.fail("invalid number; expected digit after exponent sign");
                    }
                }
                S::Any2 => {
                    if d {
                        S::Any2
                    } else {
                        break;
                    }
                }
            };
            self.buffer.push(next.unwrap_or(b'0'));
        }
        self.unget();
        let text = std::str::from_utf8(&self.buffer).unwrap_or("0");
        match kind {
            Token::Unsigned => {
                if let Ok(u) = text.parse::<u64>() {
                    self.unsigned = u;
                    return Token::Unsigned;
                }
            }
            Token::Integer => {
                if let Ok(i) = text.parse::<i64>() {
                    self.integer = i;
                    return Token::Integer;
                }
            }
            _ => {}
        }
        // A float, or an integer out of range (as `strtod` reads it).
        self.float = text.parse::<f64>().unwrap_or(f64::NAN);
        Token::Float
    }
}

enum Frame {
    Array(Vec<Json>),
    Object(Vec<(String, Json)>, String),
}

struct Parser<'a> {
    lex: Lexer<'a>,
    last: Token,
}

impl Parser<'_> {
    fn get_token(&mut self) -> Token {
        self.last = self.lex.scan();
        self.last
    }

    fn error(&self, context: &str, expected: Expected) -> String {
        let mut msg = String::from("syntax error ");
        if !context.is_empty() {
            msg.push_str("while parsing ");
            msg.push_str(context);
            msg.push(' ');
        }
        msg.push_str("- ");
        if self.last == Token::ParseError {
            msg.push_str(&self.lex.error);
            msg.push_str("; last read: '");
            msg.push_str(&self.lex.token_string());
            msg.push('\'');
        } else {
            msg.push_str("unexpected ");
            msg.push_str(self.last.name());
        }
        match expected {
            Expected::Nothing => {}
            Expected::Token(t) => {
                msg.push_str("; expected ");
                msg.push_str(t.name());
            }
            Expected::LiteralOrValue => msg.push_str("; expected '[', '{', or a literal"),
        }
        format!(
            "[json.exception.parse_error.101] parse error at line {}, column {}: {msg}",
            self.lex.lines + 1,
            self.lex.chars_line
        )
    }

    fn take_string(&mut self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut self.lex.buffer)).into_owned()
    }

    /// An object's key and `:` (the current token is the key, if any).
    fn key(&mut self) -> Result<String, String> {
        if self.last != Token::Str {
            return Err(self.error("object key", Expected::Token(Token::Str)));
        }
        let key = self.take_string();
        if self.get_token() != Token::NameSeparator {
            return Err(self.error("object separator", Expected::Token(Token::NameSeparator)));
        }
        Ok(key)
    }

    fn parse(&mut self) -> Result<Json, String> {
        let mut stack: Vec<Frame> = Vec::new();
        self.get_token();
        loop {
            // One value, starting at the current token.
            let mut value = match self.last {
                Token::BeginObject => {
                    if self.get_token() == Token::EndObject {
                        Some(Json::Object(Vec::new()))
                    } else {
                        let k = self.key()?;
                        stack.push(Frame::Object(Vec::new(), k));
                        self.get_token();
                        continue;
                    }
                }
                Token::BeginArray => {
                    if self.get_token() == Token::EndArray {
                        Some(Json::Array(Vec::new()))
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue;
                    }
                }
                Token::Float => {
                    if !self.lex.float.is_finite() {
                        return Err(format!(
                            "[json.exception.out_of_range.406] number overflow parsing '{}'",
                            self.lex.token_string()
                        ));
                    }
                    Some(Json::Float(self.lex.float))
                }
                Token::False => Some(Json::Bool(false)),
                Token::True => Some(Json::Bool(true)),
                Token::Null => Some(Json::Null),
                Token::Integer => Some(Json::Int(self.lex.integer)),
                // Nix stores it in a signed integer.
                Token::Unsigned => Some(Json::Int(self.lex.unsigned as i64)),
                Token::Str => Some(Json::Str(self.take_string())),
                Token::ParseError => return Err(self.error("value", Expected::Nothing)),
                _ => return Err(self.error("value", Expected::LiteralOrValue)),
            };
            // Close the containers the value completes.
            loop {
                let Some(top) = stack.last_mut() else {
                    if self.get_token() != Token::EndOfInput {
                        return Err(self.error("value", Expected::Token(Token::EndOfInput)));
                    }
                    return Ok(value.take().unwrap_or(Json::Null));
                };
                match top {
                    Frame::Array(items) => {
                        if let Some(v) = value.take() {
                            items.push(v);
                        }
                        match self.get_token() {
                            Token::ValueSeparator => {
                                self.get_token();
                                break;
                            }
                            Token::EndArray => {
                                let Some(Frame::Array(items)) = stack.pop() else {
                                    unreachable!()
                                };
                                value = Some(Json::Array(items));
                            }
                            _ => {
                                return Err(self.error("array", Expected::Token(Token::EndArray)));
                            }
                        }
                    }
                    Frame::Object(entries, key) => {
                        if let Some(v) = value.take() {
                            entries.push((std::mem::take(key), v));
                        }
                        match self.get_token() {
                            Token::ValueSeparator => {
                                self.get_token();
                                let k = self.key()?;
                                if let Some(Frame::Object(_, key)) = stack.last_mut() {
                                    *key = k;
                                }
                                self.get_token();
                                break;
                            }
                            Token::EndObject => {
                                let Some(Frame::Object(entries, _)) = stack.pop() else {
                                    unreachable!()
                                };
                                value = Some(Json::Object(entries));
                            }
                            _ => {
                                return Err(self.error("object", Expected::Token(Token::EndObject)));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Parse `text` as Nix 2.8's `builtins.fromJSON` does; the error is Nix's
/// message.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        lex: Lexer::new(text.as_bytes()),
        last: Token::EndOfInput,
    };
    p.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(parse(" [1, -2, 1.5, true, null, \"a\"] ").unwrap(), {
            Json::Array(vec![
                Json::Int(1),
                Json::Int(-2),
                Json::Float(1.5),
                Json::Bool(true),
                Json::Null,
                Json::Str("a".into()),
            ])
        });
        assert_eq!(
            parse("{\"a\":{\"b\":[]}}").unwrap(),
            Json::Object(vec![(
                "a".into(),
                Json::Object(vec![("b".into(), Json::Array(vec![]))])
            )])
        );
        assert_eq!(parse("18446744073709551615").unwrap(), Json::Int(-1));
        assert_eq!(parse("\"\\ud83d\\ude00\"").unwrap(), Json::Str("😀".into()));
    }

    #[test]
    fn messages() {
        assert_eq!(
            parse("{x").unwrap_err(),
            "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing object key - invalid literal; last read: '{x'; expected string literal"
        );
        assert_eq!(
            parse("[1,2]]").unwrap_err(),
            "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error while parsing value - unexpected ']'; expected end of input"
        );
        assert_eq!(
            parse("1e400").unwrap_err(),
            "[json.exception.out_of_range.406] number overflow parsing '1e400'"
        );
    }

    #[test]
    fn deep_nesting() {
        let n = 200_000;
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&text).is_ok());
    }
}
