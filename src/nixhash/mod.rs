//! Nix's hashes and store paths, as nixfold needs them (a base module: no
//! dependency on the other layers).
//!
//! - [`HashAlgo`] (md5, sha1, sha256, sha512) and [`Hash`] (a digest with its
//!   algorithm), printed as base16, nix32, base64 or SRI;
//! - [`parse_hash`]: every string form Nix's `Hash::parseAny` accepts —
//!   SRI `sha256-<base64>`, `sha256:<base16|nix32|base64>`, and bare
//!   base16/nix32/base64 when the algorithm is known from context — with
//!   messages that say what is wrong and where; [`parse_sri`] for places that
//!   require SRI (`narHash`);
//! - [`hash_string`] for `builtins.hashString`;
//! - the encodings themselves ([`encoding`]): Nix's base-32 alphabet
//!   `0123456789abcdfghijklmnpqrsvwxyz` with its reversed bit order;
//! - [`StorePath`] parsing/validation and the store path computations of Nix:
//!   [`make_store_path`], [`make_fixed_output_path`], [`make_source_path`],
//!   [`make_text_path`];
//! - [`nar`]: NAR serialisation and NAR hashes of local trees;
//! - [`flake_lock`]: the source store path of each locked flake input
//!   ([`flake_source_path`] for a single `narHash`).
//!
//! Everything here is checked against the real Nix in tests/nixhash_nix.rs.
//!
//! ```
//! use nixfold::nixhash::{HashAlgo, flake_source_path, parse_hash};
//! // `nix-hash --type sha256 --to-base32 <hex>` and friends:
//! let h = parse_hash("sha256:1r3v22qkypccqifzbww5lrn6hf1chi23m6zzkyvb8bvg457nxslq", None)
//!     .unwrap()
//!     .hash;
//! assert_eq!(h.algo(), HashAlgo::Sha256);
//! assert_eq!(h.to_sri(), "sha256-mOpuTyFvL7S2n/+bOkSELDhobKaF8/VdxIxdP7EQe+Q=");
//! // A precise complaint for a mistyped hash:
//! let e = parse_hash("1r3v22qkypccqifzbww5lrn6hf1chi23m6zzkyvb8bvg457nxsl", Some(HashAlgo::Sha256));
//! assert_eq!(
//!     e.unwrap_err().to_string(),
//!     "nix32 sha256 hash must be 52 characters, found 51"
//! );
//! // Where a locked flake input's source lives:
//! let p = flake_source_path("sha256-VDhqg8yEJ44wv0sDYFOTiwXQk2rXttDNAnv4f6tZwzk=").unwrap();
//! assert_eq!(p.to_string(), "/nix/store/65ccp7qqhia6ycqfzjn3vxmh1ivi7isp-source");
//! ```

pub mod encoding;
pub mod flake_lock;
mod hash;
pub mod nar;
mod store_path;

pub use encoding::Encoding;
pub use flake_lock::FlakeLock;
pub use hash::{
    Hash, HashAlgo, HashError, HashForm, Hasher, ParsedHash, hash_string, parse_hash, parse_sri,
};
pub use store_path::{
    HASH_PART_LEN, Ingestion, MAX_NAME_LEN, STORE_DIR, StorePath, StorePathError, check_name,
    compress_hash, flake_source_path, make_fixed_output_path, make_source_path, make_store_path,
    make_text_path,
};

/// The store path `nix-store --add PATH` (and `"${./path}"` in Nix) gives a
/// local file or directory: a `source` path of its NAR sha256, named after
/// `name` (normally the base name of the path).
pub fn local_path_store_path(path: &std::path::Path, name: &str) -> Result<StorePath, String> {
    let h = nar::nar_hash(path, HashAlgo::Sha256)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    make_source_path(&h, name, &[]).map_err(|e| e.to_string())
}
