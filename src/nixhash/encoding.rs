//! The three text encodings Nix writes hashes in: base16 (lower-case hex),
//! Nix's own base-32 ("nix32") and standard base64.
//!
//! nix32 is not RFC 4648 base32: its alphabet omits `e`, `o`, `u` and `t`, and
//! it emits the *last* 5-bit group of the byte string first (the most
//! significant end of a little-endian number), without padding.

use std::fmt;

/// The nix32 alphabet, digit value = index.
pub const NIX32_ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Which text encoding a hash is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Base16,
    Nix32,
    Base64,
}

impl Encoding {
    /// Name used in messages: `base16`, `nix32`, `base64`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base16 => "base16",
            Encoding::Nix32 => "nix32",
            Encoding::Base64 => "base64",
        }
    }

    /// Length of `n` bytes in this encoding (base64 with `=` padding).
    pub fn encoded_len(self, n: usize) -> usize {
        match self {
            Encoding::Base16 => n * 2,
            Encoding::Nix32 => nix32_len(n),
            Encoding::Base64 => n.div_ceil(3) * 4,
        }
    }

    /// Whether `c` belongs to this encoding's alphabet (`=` counts for base64).
    pub fn accepts_char(self, c: char) -> bool {
        match self {
            Encoding::Base16 => c.is_ascii_hexdigit(),
            Encoding::Nix32 => c.is_ascii() && nix32_digit(c as u8).is_some(),
            Encoding::Base64 => c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='),
        }
    }

    /// Encode bytes.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Base16 => encode_base16(bytes),
            Encoding::Nix32 => encode_nix32(bytes),
            Encoding::Base64 => encode_base64(bytes),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A character outside the alphabet; `index` is the byte offset in the input.
    InvalidChar {
        encoding: Encoding,
        ch: char,
        index: usize,
    },
    /// The input has a length this encoding cannot produce.
    BadLength { encoding: Encoding, len: usize },
    /// A nix32 string whose value does not fit the byte count (its first
    /// character is too large); `index` is the offending character's offset.
    Overflow { index: usize, ch: char },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::InvalidChar {
                encoding,
                ch,
                index,
            } => {
                write!(
                    f,
                    "invalid character {} at position {}{}",
                    quote_char(*ch),
                    index + 1,
                    alphabet_hint(*encoding, *ch)
                )
            }
            DecodeError::BadLength { encoding, len } => {
                write!(f, "{len} characters is not a valid {encoding} length")
            }
            DecodeError::Overflow { index, ch } => write!(
                f,
                "nix32 character {} at position {} is too large: the value does not fit",
                quote_char(*ch),
                index + 1
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// `'e'`, or an escaped form for control characters.
pub(crate) fn quote_char(c: char) -> String {
    format!("{:?}", c)
}

/// An explanation appended to invalid-character messages.
pub(crate) fn alphabet_hint(encoding: Encoding, c: char) -> &'static str {
    match encoding {
        Encoding::Nix32 if matches!(c, 'e' | 'o' | 'u' | 't') => " (nix32 has no e, o, u, t)",
        Encoding::Nix32 if c.is_ascii_uppercase() => " (nix32 is lower-case only)",
        Encoding::Nix32 => " (nix32 uses 0-9 and a-z without e, o, u, t)",
        Encoding::Base16 => " (base16 uses 0-9 and a-f)",
        Encoding::Base64 => " (base64 uses A-Z, a-z, 0-9, + and /)",
    }
}

/// Number of nix32 characters for `n` bytes.
pub fn nix32_len(n: usize) -> usize {
    if n == 0 { 0 } else { (n * 8 - 1) / 5 + 1 }
}

/// The value of a nix32 digit.
pub fn nix32_digit(c: u8) -> Option<u8> {
    NIX32_ALPHABET.iter().position(|&a| a == c).map(|p| p as u8)
}

/// Encode bytes in nix32.
pub fn encode_nix32(bytes: &[u8]) -> String {
    let len = nix32_len(bytes.len());
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = u16::from(bytes[i]) >> j;
        let hi = bytes
            .get(i + 1)
            .map_or(0, |&next| u16::from(next) << (8 - j));
        out.push(NIX32_ALPHABET[((lo | hi) & 0x1f) as usize] as char);
    }
    out
}

/// Decode a nix32 string into `out_len` bytes. Fails on characters outside
/// the alphabet and on values that do not fit in `out_len` bytes.
pub fn decode_nix32_to(s: &str, out_len: usize) -> Result<Vec<u8>, DecodeError> {
    if let Some((index, ch)) = s
        .char_indices()
        .find(|(_, c)| !c.is_ascii() || nix32_digit(*c as u8).is_none())
    {
        return Err(DecodeError::InvalidChar {
            encoding: Encoding::Nix32,
            ch,
            index,
        });
    }
    let mut out = vec![0u8; out_len];
    let bytes = s.as_bytes();
    for (n, (index, &c)) in bytes.iter().enumerate().rev().enumerate() {
        let digit = nix32_digit(c).unwrap_or(0);
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let overflow = || DecodeError::Overflow {
            index,
            ch: c as char,
        };
        if i >= out_len {
            if digit != 0 {
                return Err(overflow());
            }
            continue;
        }
        out[i] |= ((u16::from(digit) << j) & 0xff) as u8;
        let carry = (u16::from(digit) >> (8 - j)) as u8;
        if i + 1 < out_len {
            out[i + 1] |= carry;
        } else if carry != 0 {
            return Err(overflow());
        }
    }
    Ok(out)
}

/// Decode a nix32 string of any length (`len * 5 / 8` bytes).
pub fn decode_nix32(s: &str) -> Result<Vec<u8>, DecodeError> {
    decode_nix32_to(s, s.len() * 5 / 8)
}

/// Lower-case hex.
pub fn encode_base16(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Decode hex (either case). The length must be even.
pub fn decode_base16(s: &str) -> Result<Vec<u8>, DecodeError> {
    if let Some((index, ch)) = s.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(DecodeError::InvalidChar {
            encoding: Encoding::Base16,
            ch,
            index,
        });
    }
    if !s.len().is_multiple_of(2) {
        return Err(DecodeError::BadLength {
            encoding: Encoding::Base16,
            len: s.len(),
        });
    }
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(s.as_bytes())
        .map_err(|_| DecodeError::BadLength {
            encoding: Encoding::Base16,
            len: s.len(),
        })
}

/// Standard base64 with `=` padding.
pub fn encode_base64(bytes: &[u8]) -> String {
    data_encoding::BASE64.encode(bytes)
}

/// Decode base64 the way Nix does: decoding stops at the first `=`, newlines
/// are skipped, any other character outside the alphabet is an error, and
/// leftover bits are dropped.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for (index, ch) in s.char_indices() {
        let v = match ch {
            '=' => break,
            '\n' => continue,
            'A'..='Z' => ch as u32 - 'A' as u32,
            'a'..='z' => ch as u32 - 'a' as u32 + 26,
            '0'..='9' => ch as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            _ => {
                return Err(DecodeError::InvalidChar {
                    encoding: Encoding::Base64,
                    ch,
                    index,
                });
            }
        };
        acc = (acc << 6 | v) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nix32_known_values() {
        // sha256 of "hello world\n"... checked against `nix-hash --to-base32`
        // in tests/nixhash_nix.rs; here only structural facts.
        assert_eq!(nix32_len(16), 26);
        assert_eq!(nix32_len(20), 32);
        assert_eq!(nix32_len(32), 52);
        assert_eq!(nix32_len(64), 103);
        assert_eq!(encode_nix32(&[]), "");
        assert_eq!(encode_nix32(&[0x1f]), "0z");
        assert_eq!(encode_nix32(&[0xff]), "7z");
        assert_eq!(decode_nix32_to("7z", 1).unwrap(), vec![0xff]);
        assert!(matches!(
            decode_nix32_to("8z", 1),
            Err(DecodeError::Overflow { index: 0, .. })
        ));
        assert!(matches!(
            decode_nix32_to("0e", 1),
            Err(DecodeError::InvalidChar {
                index: 1,
                ch: 'e',
                ..
            })
        ));
    }

    #[test]
    fn nix32_round_trip() {
        for n in 0..70usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let s = encode_nix32(&bytes);
            assert_eq!(s.len(), nix32_len(n));
            assert_eq!(decode_nix32_to(&s, n).unwrap(), bytes);
        }
    }

    #[test]
    fn base64_like_nix() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8=junk!").unwrap(), b"hello");
        assert!(decode_base64("aGV*bG8=").is_err());
        assert_eq!(encode_base64(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn base16() {
        assert_eq!(decode_base16("00fF").unwrap(), vec![0, 255]);
        assert!(decode_base16("0g").is_err());
        assert!(decode_base16("0").is_err());
        assert_eq!(encode_base16(&[0xab, 0x01]), "ab01");
    }
}
