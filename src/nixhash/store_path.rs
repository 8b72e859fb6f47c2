//! Store paths: parsing and validating `/nix/store/<hash>-<name>`, and
//! computing them the way Nix does.
//!
//! A store path's hash part is derived from a *fingerprint*
//! `"<type>:sha256:<hex of inner hash>:/nix/store:<name>"`: its sha256 digest
//! is folded to 20 bytes by XOR (`out[i % 20] ^= digest[i]`) and written in
//! nix32 (32 characters).

use std::fmt;

use super::encoding::{alphabet_hint, encode_nix32, nix32_digit, quote_char};
use super::hash::{Hash, HashAlgo};

/// The store directory nixfold computes paths for.
pub const STORE_DIR: &str = "/nix/store";

/// Length of the hash part of a store path, in nix32 characters.
pub const HASH_PART_LEN: usize = 32;

/// Longest name Nix allows in a store path.
pub const MAX_NAME_LEN: usize = 211;

/// A valid store path (without any sub-path below it).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorePath {
    /// The nix32 hash part, kept as text so ordering matches Nix's (by base name).
    hash_part: String,
    name: String,
}

/// Why a string is not a valid store path or name. Byte offsets refer to the
/// string that was parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorePathError {
    /// The path does not start with `/nix/store/`.
    NotInStore,
    /// Fewer than 32 hash characters plus `-` and a name.
    TooShort,
    /// A character of the hash part is not nix32.
    BadHashChar { ch: char, index: usize },
    /// No `-` after the hash part.
    MissingDash { index: usize },
    /// Nothing after `<hash>-`.
    EmptyName,
    /// The name is longer than 211 bytes.
    NameTooLong { len: usize },
    /// A name character outside `A-Z a-z 0-9 + - . _ ? =`.
    BadNameChar { ch: char, index: usize },
}

impl StorePathError {
    /// Byte range of the offending character, when there is one.
    pub fn span(&self) -> Option<(usize, usize)> {
        match self {
            StorePathError::BadHashChar { ch, index }
            | StorePathError::BadNameChar { ch, index } => Some((*index, *index + ch.len_utf8())),
            StorePathError::MissingDash { index } => Some((*index, *index + 1)),
            _ => None,
        }
    }
}

impl fmt::Display for StorePathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorePathError::NotInStore => write!(f, "not a path in {STORE_DIR}"),
            StorePathError::TooShort => write!(
                f,
                "too short for a store path: expected {STORE_DIR}/ followed by {HASH_PART_LEN} hash characters, '-' and a name"
            ),
            StorePathError::BadHashChar { ch, .. } => write!(
                f,
                "invalid character {} in the store path hash{}",
                quote_char(*ch),
                alphabet_hint(super::Encoding::Nix32, *ch)
            ),
            StorePathError::MissingDash { .. } => {
                write!(
                    f,
                    "expected '-' after the {HASH_PART_LEN}-character store path hash"
                )
            }
            StorePathError::EmptyName => write!(f, "the store path has an empty name"),
            StorePathError::NameTooLong { len } => write!(
                f,
                "store path name is {len} characters long; Nix allows at most {MAX_NAME_LEN}"
            ),
            StorePathError::BadNameChar { ch, .. } => write!(
                f,
                "invalid character {} in store path name (allowed: A-Z a-z 0-9 + - . _ ? =)",
                quote_char(*ch)
            ),
        }
    }
}

impl std::error::Error for StorePathError {}

/// Check a store path name (the part after `<hash>-`) as Nix 2.8 does.
/// `offset` is added to the byte offsets in errors.
pub fn check_name(name: &str, offset: usize) -> Result<(), StorePathError> {
    if name.is_empty() {
        return Err(StorePathError::EmptyName);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StorePathError::NameTooLong { len: name.len() });
    }
    if let Some((i, ch)) = name.char_indices().find(|(_, c)| {
        !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_' | '?' | '='))
    }) {
        return Err(StorePathError::BadNameChar {
            ch,
            index: offset + i,
        });
    }
    Ok(())
}

impl StorePath {
    /// Parse an absolute store path `/nix/store/<hash>-<name>` (nothing after the name).
    pub fn parse(path: &str) -> Result<StorePath, StorePathError> {
        let base = path
            .strip_prefix(STORE_DIR)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or(StorePathError::NotInStore)?;
        Self::parse_base_name_at(base, STORE_DIR.len() + 1)
    }

    /// Parse a base name `<hash>-<name>`.
    pub fn from_base_name(base: &str) -> Result<StorePath, StorePathError> {
        Self::parse_base_name_at(base, 0)
    }

    fn parse_base_name_at(base: &str, offset: usize) -> Result<StorePath, StorePathError> {
        if let Some((i, ch)) = base
            .char_indices()
            .take_while(|(i, _)| *i < HASH_PART_LEN)
            .find(|(_, c)| !c.is_ascii() || nix32_digit(*c as u8).is_none())
        {
            return Err(StorePathError::BadHashChar {
                ch,
                index: offset + i,
            });
        }
        if base.len() <= HASH_PART_LEN {
            return Err(StorePathError::TooShort);
        }
        if base.as_bytes()[HASH_PART_LEN] != b'-' {
            return Err(StorePathError::MissingDash {
                index: offset + HASH_PART_LEN,
            });
        }
        let name = &base[HASH_PART_LEN + 1..];
        check_name(name, offset + HASH_PART_LEN + 1)?;
        Ok(StorePath {
            hash_part: base[..HASH_PART_LEN].to_string(),
            name: name.to_string(),
        })
    }

    /// Split a string that starts with a store path into the store path and
    /// the rest (`"/bin/sh"` in `/nix/store/<hash>-bash/bin/sh`). The rest is
    /// empty or starts with `/`.
    pub fn parse_prefix(s: &str) -> Result<(StorePath, &str), StorePathError> {
        let after = s
            .strip_prefix(STORE_DIR)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or(StorePathError::NotInStore)?;
        let end = after.find('/').unwrap_or(after.len());
        let sp = Self::parse_base_name_at(&after[..end], STORE_DIR.len() + 1)?;
        Ok((sp, &after[end..]))
    }

    fn from_digest(digest20: &[u8; 20], name: &str) -> Result<StorePath, StorePathError> {
        check_name(name, 0)?;
        Ok(StorePath {
            hash_part: encode_nix32(digest20),
            name: name.to_string(),
        })
    }

    /// The 32-character nix32 hash part.
    pub fn hash_part(&self) -> &str {
        &self.hash_part
    }

    /// The 20 bytes the hash part encodes.
    pub fn digest(&self) -> [u8; 20] {
        let v = super::encoding::decode_nix32_to(&self.hash_part, 20)
            .expect("validated at construction");
        let mut out = [0u8; 20];
        out.copy_from_slice(&v);
        out
    }

    /// The name after `<hash>-`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<hash>-<name>`.
    pub fn base_name(&self) -> String {
        format!("{}-{}", self.hash_part, self.name)
    }

    /// `/nix/store/<hash>-<name>`.
    pub fn to_absolute(&self) -> String {
        format!("{STORE_DIR}/{}-{}", self.hash_part, self.name)
    }
}

impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{STORE_DIR}/{}-{}", self.hash_part, self.name)
    }
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({self})")
    }
}

impl std::str::FromStr for StorePath {
    type Err = StorePathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorePath::parse(s)
    }
}

/// XOR-fold a digest into `n` bytes (Nix's `compressHash`).
pub fn compress_hash(digest: &[u8], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    if n == 0 {
        return out;
    }
    for (i, b) in digest.iter().enumerate() {
        out[i % n] ^= b;
    }
    out
}

/// Nix's `makeStorePath`: the path for `name` whose identity is `inner`
/// under the given path type (`"source"`, `"text"`, `"output:out"`, with any
/// `:<reference>` suffixes already appended).
pub fn make_store_path(
    path_type: &str,
    inner: &Hash,
    name: &str,
) -> Result<StorePath, StorePathError> {
    let fingerprint = format!(
        "{path_type}:{}:{}:{STORE_DIR}:{name}",
        inner.algo(),
        inner.to_base16()
    );
    let digest = HashAlgo::Sha256.digest(fingerprint.as_bytes());
    let folded = compress_hash(digest.digest(), 20);
    let mut d20 = [0u8; 20];
    d20.copy_from_slice(&folded);
    StorePath::from_digest(&d20, name)
}

/// How file contents were hashed for a content-addressed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ingestion {
    /// The hash is of the file's bytes (`outputHashMode = "flat"`, `--add-fixed` without `--recursive`).
    Flat,
    /// The hash is of the NAR serialisation (`outputHashMode = "recursive"`, `nix-store --add`).
    Recursive,
}

/// `type` string with references, as Nix's `makeType`: `<type>:<ref>...`.
fn path_type_with_refs(base: &str, references: &[StorePath]) -> String {
    let mut refs: Vec<&StorePath> = references.iter().collect();
    refs.sort();
    refs.dedup();
    let mut t = base.to_string();
    for r in refs {
        t.push(':');
        t.push_str(&r.to_absolute());
    }
    t
}

/// The path of a fixed-output (content-addressed) object: `nix-store --add-fixed`,
/// fixed-output derivations' `out`, `builtins.path`, fetchers. Recursive
/// sha256 gives a `source` path; everything else an `output:out` path of
/// `sha256("fixed:out:[r:]<algo>:<hex>:")`.
pub fn make_fixed_output_path(
    ingestion: Ingestion,
    hash: &Hash,
    name: &str,
) -> Result<StorePath, StorePathError> {
    if ingestion == Ingestion::Recursive && hash.algo() == HashAlgo::Sha256 {
        return make_store_path("source", hash, name);
    }
    let prefix = if ingestion == Ingestion::Recursive {
        "r:"
    } else {
        ""
    };
    let inner = HashAlgo::Sha256
        .digest(format!("fixed:out:{prefix}{}:{}:", hash.algo(), hash.to_base16()).as_bytes());
    make_store_path("output:out", &inner, name)
}

/// The path of a source tree added by NAR hash with references (`source` type).
pub fn make_source_path(
    nar_hash: &Hash,
    name: &str,
    references: &[StorePath],
) -> Result<StorePath, StorePathError> {
    if references.is_empty() {
        return make_fixed_output_path(Ingestion::Recursive, nar_hash, name);
    }
    make_store_path(&path_type_with_refs("source", references), nar_hash, name)
}

/// The path `builtins.toFile name contents` writes: a `text` path of the
/// sha256 of the contents, with the store paths the contents reference.
pub fn make_text_path(
    name: &str,
    contents: &[u8],
    references: &[StorePath],
) -> Result<StorePath, StorePathError> {
    let h = HashAlgo::Sha256.digest(contents);
    make_store_path(&path_type_with_refs("text", references), &h, name)
}

/// The store path of a flake input's source from its locked `narHash` (SRI,
/// sha256): `/nix/store/<hash>-source`.
pub fn flake_source_path(nar_hash_sri: &str) -> Result<StorePath, String> {
    let h = super::parse_sri(nar_hash_sri).map_err(|e| format!("narHash '{nar_hash_sri}': {e}"))?;
    if h.algo() != HashAlgo::Sha256 {
        return Err(format!(
            "narHash '{nar_hash_sri}' must use sha256, not {}",
            h.algo()
        ));
    }
    make_fixed_output_path(Ingestion::Recursive, &h, "source").map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SP: &str = "/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kqa-nfh_test.txt";

    #[test]
    fn parse_and_print() {
        let p = StorePath::parse(SP).unwrap();
        assert_eq!(p.hash_part(), "z31zcr373bapjwdnmjzgqcw45ny38kqa");
        assert_eq!(p.name(), "nfh_test.txt");
        assert_eq!(p.to_string(), SP);
        assert_eq!(encode_nix32(&p.digest()), p.hash_part());
        let with_sub = format!("{SP}/bin/sh");
        let (q, rest) = StorePath::parse_prefix(&with_sub).unwrap();
        assert_eq!(q, p);
        assert_eq!(rest, "/bin/sh");
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            StorePath::parse("/usr/bin/sh").unwrap_err(),
            StorePathError::NotInStore
        );
        assert_eq!(
            StorePath::parse("/nix/store/abc").unwrap_err(),
            StorePathError::TooShort
        );
        let e = StorePath::parse("/nix/store/e31zcr373bapjwdnmjzgqcw45ny38kqa-x").unwrap_err();
        assert_eq!(e.span(), Some((11, 12)));
        assert!(e.to_string().contains("nix32 has no e, o, u, t"));
        let e = StorePath::parse("/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kqa_x").unwrap_err();
        assert!(matches!(e, StorePathError::MissingDash { index: 43 }));
        let e = StorePath::parse("/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kqa-").unwrap_err();
        assert_eq!(e, StorePathError::EmptyName);
        let e = StorePath::parse("/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kqa-a b").unwrap_err();
        assert!(matches!(
            e,
            StorePathError::BadNameChar { ch: ' ', index: 45 }
        ));
        let long = format!(
            "/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kqa-{}",
            "a".repeat(212)
        );
        assert!(matches!(
            StorePath::parse(&long).unwrap_err(),
            StorePathError::NameTooLong { len: 212 }
        ));
        assert!(
            StorePath::parse("/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kqa-.hidden?=+_").is_ok()
        );
        assert!(StorePath::parse("/nix/store/z31zcr373bapjwdnmjzgqcw45ny38kλ-x").is_err());
    }

    #[test]
    fn compress() {
        let d: Vec<u8> = (0..32).collect();
        let c = compress_hash(&d, 20);
        assert_eq!(c[0], 20); // 0 ^ 20
        assert_eq!(c[11], 11 ^ 31);
        assert_eq!(c[12], 12);
    }
}
