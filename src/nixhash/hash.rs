//! Hash algorithms, digests and the parser for every hash string form Nix
//! accepts.

use std::fmt;

use sha2::Digest as _;

use super::encoding::{
    self, DecodeError, Encoding, NIX32_ALPHABET, alphabet_hint, decode_base16, decode_base64,
    decode_nix32_to, quote_char,
};

/// The hash algorithms Nix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgo {
    /// Every algorithm, in Nix's order.
    pub const ALL: [HashAlgo; 4] = [
        HashAlgo::Md5,
        HashAlgo::Sha1,
        HashAlgo::Sha256,
        HashAlgo::Sha512,
    ];

    /// The name Nix uses: `md5`, `sha1`, `sha256`, `sha512`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// Parse an algorithm name exactly as Nix does (case-sensitive).
    pub fn from_name(name: &str) -> Option<HashAlgo> {
        HashAlgo::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Digest size in bytes (16, 20, 32, 64).
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// Length of a digest of this algorithm in `encoding`.
    pub fn encoded_len(self, encoding: Encoding) -> usize {
        encoding.encoded_len(self.digest_len())
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Hash {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Incremental hashing with any [`HashAlgo`].
#[derive(Clone)]
pub struct Hasher(HasherInner);

#[derive(Clone)]
enum HasherInner {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(algo: HashAlgo) -> Self {
        Hasher(match algo {
            HashAlgo::Md5 => HasherInner::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => HasherInner::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => HasherInner::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => HasherInner::Sha512(sha2::Sha512::new()),
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            HasherInner::Md5(h) => h.update(data),
            HasherInner::Sha1(h) => h.update(data),
            HasherInner::Sha256(h) => h.update(data),
            HasherInner::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Hash {
        match self.0 {
            HasherInner::Md5(h) => Hash::new_unchecked(HashAlgo::Md5, &h.finalize()),
            HasherInner::Sha1(h) => Hash::new_unchecked(HashAlgo::Sha1, &h.finalize()),
            HasherInner::Sha256(h) => Hash::new_unchecked(HashAlgo::Sha256, &h.finalize()),
            HasherInner::Sha512(h) => Hash::new_unchecked(HashAlgo::Sha512, &h.finalize()),
        }
    }
}

/// A digest together with its algorithm.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hash {
    algo: HashAlgo,
    bytes: [u8; 64],
}

impl Hash {
    fn new_unchecked(algo: HashAlgo, digest: &[u8]) -> Hash {
        let mut bytes = [0u8; 64];
        bytes[..digest.len()].copy_from_slice(digest);
        Hash { algo, bytes }
    }

    /// A hash from raw digest bytes; `None` when the length does not fit the algorithm.
    pub fn from_digest(algo: HashAlgo, digest: &[u8]) -> Option<Hash> {
        (digest.len() == algo.digest_len()).then(|| Hash::new_unchecked(algo, digest))
    }

    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    /// The raw digest.
    pub fn digest(&self) -> &[u8] {
        &self.bytes[..self.algo.digest_len()]
    }

    /// Lower-case hex, no prefix.
    pub fn to_base16(&self) -> String {
        encoding::encode_base16(self.digest())
    }

    /// nix32, no prefix.
    pub fn to_nix32(&self) -> String {
        encoding::encode_nix32(self.digest())
    }

    /// Padded base64, no prefix.
    pub fn to_base64(&self) -> String {
        encoding::encode_base64(self.digest())
    }

    /// SRI form: `sha256-<base64>`.
    pub fn to_sri(&self) -> String {
        format!("{}-{}", self.algo, self.to_base64())
    }

    /// `<algo>:<encoded>`, the form Nix prints with a type prefix.
    pub fn to_prefixed(&self, encoding: Encoding) -> String {
        format!("{}:{}", self.algo, encoding.encode(self.digest()))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_sri())
    }
}

/// Displays as SRI.
impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sri())
    }
}

/// `builtins.hashString`: the lower-case hex digest of `data`.
pub fn hash_string(algo: HashAlgo, data: &[u8]) -> String {
    algo.digest(data).to_base16()
}

/// How a hash string was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashForm {
    /// `sha256-<base64>`
    Sri,
    /// `sha256:<encoded>`
    Prefixed(Encoding),
    /// `<encoded>` with the algorithm known from context
    Bare(Encoding),
}

/// A successfully parsed hash string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedHash {
    pub hash: Hash,
    pub form: HashForm,
}

/// Why a hash string was rejected. `Display` gives the message; [`HashError::span`]
/// the byte range of the input it is about, when it is about one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// The prefix before `:` or `-` names no algorithm.
    UnknownAlgorithm { name: String, span: (usize, usize) },
    /// No prefix and no algorithm from context.
    MissingAlgorithm,
    /// The prefix names another algorithm than the context requires.
    AlgorithmMismatch { found: HashAlgo, expected: HashAlgo },
    /// The encoded part has a length no encoding of this algorithm has.
    WrongLength {
        algo: HashAlgo,
        /// The encoding the string most likely meant.
        encoding: Encoding,
        sri: bool,
        expected: usize,
        found: usize,
    },
    /// Base64 (SRI) text that decodes to the wrong number of bytes.
    WrongDigestSize {
        algo: HashAlgo,
        sri: bool,
        found: usize,
    },
    /// A character outside the encoding's alphabet. `index` is a byte offset in the input.
    InvalidChar {
        encoding: Encoding,
        ch: char,
        index: usize,
        position: usize,
    },
    /// A nix32 hash whose first character is too large for the digest size.
    Nix32Overflow {
        algo: HashAlgo,
        ch: char,
        index: usize,
    },
    /// The hash is not in SRI form where SRI is required.
    NotSri,
}

impl HashError {
    /// Byte range in the parsed string this error is about, if one place.
    pub fn span(&self) -> Option<(usize, usize)> {
        match self {
            HashError::UnknownAlgorithm { span, .. } => Some(*span),
            HashError::InvalidChar { index, ch, .. }
            | HashError::Nix32Overflow { index, ch, .. } => Some((*index, *index + ch.len_utf8())),
            _ => None,
        }
    }
}

fn form_word(encoding: Encoding, sri: bool) -> &'static str {
    if sri { "SRI" } else { encoding.name() }
}

impl fmt::Display for HashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashError::UnknownAlgorithm { name, .. } => write!(
                f,
                "unknown hash algorithm '{name}' (Nix knows md5, sha1, sha256, sha512)"
            ),
            HashError::MissingAlgorithm => write!(
                f,
                "the hash does not say its algorithm and none is known from context; write it in SRI form (sha256-...) or with a prefix (sha256:...)"
            ),
            HashError::AlgorithmMismatch { found, expected } => {
                write!(f, "expected a {expected} hash, found a {found} hash")
            }
            HashError::WrongLength {
                algo,
                encoding,
                sri,
                expected,
                found,
            } => write!(
                f,
                "{} {algo} hash must be {expected} characters, found {found}",
                form_word(*encoding, *sri)
            ),
            HashError::WrongDigestSize { algo, sri, found } => write!(
                f,
                "{} {algo} hash decodes to {found} bytes, but {algo} digests are {} bytes ({} base64 characters)",
                form_word(Encoding::Base64, *sri),
                algo.digest_len(),
                algo.encoded_len(Encoding::Base64)
            ),
            HashError::InvalidChar {
                encoding,
                ch,
                position,
                ..
            } => write!(
                f,
                "invalid character {} at position {position}{}",
                quote_char(*ch),
                alphabet_hint(*encoding, *ch)
            ),
            HashError::Nix32Overflow { algo, ch, .. } => {
                let max = nix32_first_digit_limit(*algo);
                let allowed: Vec<String> = NIX32_ALPHABET[..max]
                    .iter()
                    .map(|c| (*c as char).to_string())
                    .collect();
                write!(
                    f,
                    "nix32 {algo} hash cannot start with {}: the value would not fit in {} bits (the first character must be one of {})",
                    quote_char(*ch),
                    algo.digest_len() * 8,
                    allowed.join(", ")
                )
            }
            HashError::NotSri => write!(f, "the hash must be in SRI form (<algo>-<base64>)"),
        }
    }
}

impl std::error::Error for HashError {}

/// How many values the first nix32 character of a full-length hash may take.
fn nix32_first_digit_limit(algo: HashAlgo) -> usize {
    let bits = algo.digest_len() * 8;
    let top_bits = bits - (algo.encoded_len(Encoding::Nix32) - 1) * 5;
    1 << top_bits
}

/// Parse a hash string the way Nix's `Hash::parseAny` does: `<algo>:<enc>`
/// (base16, nix32 or base64, told apart by length), SRI `<algo>-<base64>`, or a
/// bare encoded digest when `expected` gives the algorithm. When both the
/// string and `expected` name an algorithm they must agree.
pub fn parse_hash(s: &str, expected: Option<HashAlgo>) -> Result<ParsedHash, HashError> {
    let (prefix, rest_start, sri) = if let Some(p) = s.find(':') {
        (Some(&s[..p]), p + 1, false)
    } else if let Some(p) = s.find('-') {
        (Some(&s[..p]), p + 1, true)
    } else {
        (None, 0, false)
    };
    let parsed = match prefix {
        Some(name) => {
            Some(
                HashAlgo::from_name(name).ok_or_else(|| HashError::UnknownAlgorithm {
                    name: name.to_string(),
                    span: (0, name.len()),
                })?,
            )
        }
        None => None,
    };
    let algo = match (parsed, expected) {
        (None, None) => return Err(HashError::MissingAlgorithm),
        (Some(found), Some(expected)) if found != expected => {
            return Err(HashError::AlgorithmMismatch { found, expected });
        }
        (Some(a), _) | (None, Some(a)) => a,
    };
    let (hash, encoding) = decode_digest(s, rest_start, algo, sri)?;
    let form = if sri {
        HashForm::Sri
    } else if prefix.is_some() {
        HashForm::Prefixed(encoding)
    } else {
        HashForm::Bare(encoding)
    };
    Ok(ParsedHash { hash, form })
}

/// Parse a hash that must be in SRI form (`narHash` in fetchTree and flake.lock).
pub fn parse_sri(s: &str) -> Result<Hash, HashError> {
    match s.find(':') {
        Some(_) => Err(HashError::NotSri),
        None if !s.contains('-') => Err(HashError::NotSri),
        None => Ok(parse_hash(s, None)?.hash),
    }
}

/// Decode `s[start..]` as a digest of `algo`, choosing the encoding by length
/// as Nix does.
fn decode_digest(
    s: &str,
    start: usize,
    algo: HashAlgo,
    sri: bool,
) -> Result<(Hash, Encoding), HashError> {
    let rest = &s[start..];
    let len = rest.len();
    let invalid = |e: DecodeError| match e {
        DecodeError::InvalidChar {
            encoding,
            ch,
            index,
            ..
        } => {
            let index = start + index;
            HashError::InvalidChar {
                encoding,
                ch,
                index,
                position: s[..index].chars().count() + 1,
            }
        }
        DecodeError::Overflow { index, ch } => HashError::Nix32Overflow {
            algo,
            ch,
            index: start + index,
        },
        DecodeError::BadLength { .. } => HashError::WrongLength {
            algo,
            encoding: Encoding::Base16,
            sri,
            expected: algo.encoded_len(Encoding::Base16),
            found: len,
        },
    };
    if !sri && len == algo.encoded_len(Encoding::Base16) {
        let d = decode_base16(rest).map_err(invalid)?;
        return Ok((Hash::new_unchecked(algo, &d), Encoding::Base16));
    }
    if !sri && len == algo.encoded_len(Encoding::Nix32) {
        let d = decode_nix32_to(rest, algo.digest_len()).map_err(invalid)?;
        return Ok((Hash::new_unchecked(algo, &d), Encoding::Nix32));
    }
    if sri || len == algo.encoded_len(Encoding::Base64) {
        let d = decode_base64(rest).map_err(invalid)?;
        if d.len() != algo.digest_len() {
            let b64 = algo.encoded_len(Encoding::Base64);
            // A plain length problem when the length is off; the byte count
            // when the length is right but the padding is not.
            return Err(if len != b64 {
                HashError::WrongLength {
                    algo,
                    encoding: Encoding::Base64,
                    sri,
                    expected: b64,
                    found: len,
                }
            } else {
                HashError::WrongDigestSize {
                    algo,
                    sri,
                    found: d.len(),
                }
            });
        }
        return Ok((Hash::new_unchecked(algo, &d), Encoding::Base64));
    }
    let encoding = guess_encoding(rest, algo);
    Err(HashError::WrongLength {
        algo,
        encoding,
        sri,
        expected: algo.encoded_len(encoding),
        found: len,
    })
}

/// The encoding a wrong-length string was most likely meant to be in: the one
/// whose alphabet covers all its characters and whose length is closest
/// (nix32 first on ties, then base16, then base64).
fn guess_encoding(rest: &str, algo: HashAlgo) -> Encoding {
    let order = [Encoding::Nix32, Encoding::Base16, Encoding::Base64];
    let dist = |e: Encoding| algo.encoded_len(e).abs_diff(rest.len());
    let fitting: Vec<Encoding> = order
        .into_iter()
        .filter(|e| rest.chars().all(|c| e.accepts_char(c)))
        .collect();
    let pool: &[Encoding] = if fitting.is_empty() { &order } else { &fitting };
    pool.iter()
        .copied()
        .min_by_key(|e| dist(*e))
        .unwrap_or(Encoding::Nix32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4";
    const NIX32: &str = "1r3v22qkypccqifzbww5lrn6hf1chi23m6zzkyvb8bvg457nxslq";
    const B64: &str = "mOpuTyFvL7S2n/+bOkSELDhobKaF8/VdxIxdP7EQe+Q=";

    #[test]
    fn digest_lengths() {
        for (a, n, b16, b32, b64) in [
            (HashAlgo::Md5, 16, 32, 26, 24),
            (HashAlgo::Sha1, 20, 40, 32, 28),
            (HashAlgo::Sha256, 32, 64, 52, 44),
            (HashAlgo::Sha512, 64, 128, 103, 88),
        ] {
            assert_eq!(a.digest_len(), n);
            assert_eq!(a.encoded_len(Encoding::Base16), b16);
            assert_eq!(a.encoded_len(Encoding::Nix32), b32);
            assert_eq!(a.encoded_len(Encoding::Base64), b64);
            assert_eq!(a.digest(b"").digest().len(), n);
        }
    }

    #[test]
    fn hash_string_known_vectors() {
        assert_eq!(
            hash_string(HashAlgo::Md5, b"abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hash_string(HashAlgo::Sha1, b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hash_string(HashAlgo::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(hash_string(HashAlgo::Sha512, b"abc").starts_with("ddaf35a193617aba"));
    }

    #[test]
    fn all_forms_agree() {
        let want = parse_hash(HEX, Some(HashAlgo::Sha256)).unwrap().hash;
        assert_eq!(want.to_nix32(), NIX32);
        assert_eq!(want.to_base64(), B64);
        for s in [
            format!("sha256:{HEX}"),
            format!("sha256:{}", HEX.to_uppercase()),
            format!("sha256:{NIX32}"),
            format!("sha256:{B64}"),
            format!("sha256-{B64}"),
            format!("sha256-{}", B64.trim_end_matches('=')),
        ] {
            assert_eq!(parse_hash(&s, None).unwrap().hash, want, "{s}");
            assert_eq!(parse_hash(&s, Some(HashAlgo::Sha256)).unwrap().hash, want);
        }
        assert_eq!(
            parse_hash(NIX32, Some(HashAlgo::Sha256)).unwrap().form,
            HashForm::Bare(Encoding::Nix32)
        );
        assert_eq!(
            parse_hash(&format!("sha256-{B64}"), None).unwrap().form,
            HashForm::Sri
        );
    }

    #[test]
    fn errors_are_precise() {
        let e = parse_hash(&NIX32[1..], Some(HashAlgo::Sha256)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nix32 sha256 hash must be 52 characters, found 51"
        );
        let bad = format!("{}e{}", &NIX32[..6], &NIX32[7..]);
        let e = parse_hash(&bad, Some(HashAlgo::Sha256)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid character 'e' at position 7 (nix32 has no e, o, u, t)"
        );
        assert_eq!(e.span(), Some((6, 7)));
        let e = parse_hash(&format!("sha256:{bad}"), None).unwrap_err();
        assert_eq!(e.span(), Some((13, 14)));
        let e = parse_hash(&format!("sha265:{NIX32}"), None).unwrap_err();
        assert!(e.to_string().starts_with("unknown hash algorithm 'sha265'"));
        assert_eq!(
            parse_hash(NIX32, None).unwrap_err(),
            HashError::MissingAlgorithm
        );
        assert!(matches!(
            parse_hash(&format!("sha512-{B64}"), Some(HashAlgo::Sha256)).unwrap_err(),
            HashError::AlgorithmMismatch { .. }
        ));
        let over = format!("z{}", &NIX32[1..]);
        let e = parse_hash(&over, Some(HashAlgo::Sha256)).unwrap_err();
        assert!(e.to_string().contains("one of 0, 1)"), "{e}");
        let e = parse_hash(&format!("sha256-{HEX}"), None).unwrap_err();
        assert!(
            e.to_string().starts_with("SRI sha256 hash must be 44"),
            "{e}"
        );
        let e = parse_hash(&format!("sha256-{}AAAA", &B64[..43]), None).unwrap_err();
        assert!(
            matches!(e, HashError::WrongLength { found: 47, .. }),
            "{e:?}"
        );
        let e = parse_hash(&format!("sha256:{}", &HEX[1..]), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "base16 sha256 hash must be 64 characters, found 63"
        );
    }

    #[test]
    fn sri_only() {
        assert!(parse_sri(&format!("sha256-{B64}")).is_ok());
        assert_eq!(
            parse_sri(&format!("sha256:{NIX32}")).unwrap_err(),
            HashError::NotSri
        );
        assert_eq!(parse_sri(NIX32).unwrap_err(), HashError::NotSri);
    }

    #[test]
    fn first_digit_limits() {
        assert_eq!(nix32_first_digit_limit(HashAlgo::Sha256), 2);
        assert_eq!(nix32_first_digit_limit(HashAlgo::Sha512), 4);
        assert_eq!(nix32_first_digit_limit(HashAlgo::Md5), 8);
        assert_eq!(nix32_first_digit_limit(HashAlgo::Sha1), 32);
    }
}
