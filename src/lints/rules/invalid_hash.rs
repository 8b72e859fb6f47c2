//! ## invalid-hash (NF0108)
//!
//! Finds literal hash strings that Nix will reject: the values of attributes
//! (and `let` bindings, and function argument defaults) named `sha256`,
//! `sha512`, `sha1`, `hash`, `outputHash` and `narHash`, wherever they appear
//! (`fetchurl { sha256 = "..."; }`, `src.outputHash = "...";`), and of the
//! nixpkgs builder hashes `vendorHash`, `cargoHash` and `npmDepsHash`, which
//! are used like `hash`.
//!
//! A hash is accepted in the forms Nix itself accepts:
//!
//! - SRI, `sha256-<base64>`, with the right length for the algorithm;
//! - `sha256:<digest>` with the digest in base16, nix32 or base64;
//! - a bare digest in base16, nix32 (Nix's base-32, alphabet
//!   `0123456789abcdfghijklmnpqrsvwxyz`) or base64, when the algorithm is
//!   known: from the attribute name for `sha256`/`sha512`/`sha1`, from an
//!   `outputHashAlgo` string next to `outputHash` or `hash`, and sha256 for
//!   `narHash`.
//!
//! `sha256` and friends also accept an SRI or prefixed hash of their own
//! algorithm (Nix parses them with the algorithm as context). `narHash` must be
//! SRI sha256 (fetchTree and flake.lock reject anything else). `hash` (and the
//! builder hashes) are passed to Nix without an algorithm, so a bare digest
//! there is reported too. An
//! `outputHash` without an `outputHashAlgo` next to it may get the algorithm
//! from elsewhere, so it is only checked to be valid for some algorithm; so
//! is a bare digest bound to a variable (`let hash = "<nix32>"; in
//! runCommand "x" { outputHashAlgo = "sha256"; outputHash = hash; } ...`),
//! which takes its algorithm from where it is used.
//!
//! Documentation is not judged: bindings inside the value of an attribute named
//! `example`, `defaultText`, `description` or `longDescription` (as in
//! `mkOption { example = { hash = "sha256-..."; }; }`), or inside the argument
//! of `literalExpression`, `literalExample` or `literalMD`, show a placeholder
//! to a reader and are never fetched.
//!
//! The empty string (a common placeholder), `lib.fakeSha256`, `lib.fakeHash`
//! and any value that is not a literal string are not judged.
//!
//! Why it matters: a mistyped hash is only noticed when the fetch runs, often
//! in CI or on another machine, with an error far from the typo.
//!
//! ### Example
//!
//! ```nix
//! fetchurl {
//!   url = "https://example.org/x.tar.gz";
//!   # invalid character 'e' at position 7 (nix32 has no e, o, u, t)
//!   sha256 = "0v1mq8e2w5d4wcrrvcbjw5djsbaqpzbsshbc3dnbbp3yhqa5bnqz";
//! }
//! ```
//!
//! ### How to fix
//!
//! Copy the hash again from its source, or set it to `lib.fakeHash` and take
//! the correct value from the error of the next build. Where the hash is
//! valid but in the wrong form (a bare digest in `hash`, a non-SRI
//! `narHash`), a fix rewrites it in SRI form.

use crate::diagnostics::{Applicability, Diagnostic, Edit, Fix};
use crate::hir::{literal_string, static_attr_name, strip_parens};
use crate::lints::{FileCx, Rule, RuleMeta, fixkit};
use crate::nixhash::{Encoding, HashAlgo, HashError, HashForm, ParsedHash, parse_hash, parse_sri};
use crate::syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

pub struct InvalidHashRule;
pub static RULE: InvalidHashRule = InvalidHashRule;

pub use crate::catalog::INVALID_HASH as META;

const HASH_ATTRS: [&str; 9] = [
    "sha256",
    "sha512",
    "sha1",
    "hash",
    "outputHash",
    "narHash",
    "vendorHash",
    "cargoHash",
    "npmDepsHash",
];

/// A literal string value and how to map offsets in it back to the source.
struct Literal {
    value: String,
    node: SyntaxNode,
    /// Source offset of the value's first byte when the source spells the value
    /// verbatim (no escapes, not an indented string).
    verbatim_start: Option<TextSize>,
}

fn literal(expr: &SyntaxNode) -> Option<Literal> {
    let node = strip_parens(expr);
    if node.kind() != SyntaxKind::NODE_STRING {
        return None;
    }
    let value = literal_string(&node)?;
    let text = node.text().to_string();
    let verbatim_start = (text.len() == value.len() + 2
        && text.starts_with('"')
        && text[1..text.len() - 1] == value)
        .then(|| node.text_range().start() + TextSize::from(1));
    Some(Literal {
        value,
        node,
        verbatim_start,
    })
}

impl Literal {
    /// Source range of bytes `a..b` of the value, or the whole string.
    fn range(&self, span: Option<(usize, usize)>) -> TextRange {
        match (span, self.verbatim_start) {
            (Some((a, b)), Some(start)) => TextRange::new(
                start + TextSize::from(a as u32),
                start + TextSize::from(b as u32),
            ),
            _ => self.node.text_range(),
        }
    }
}

/// Static names of an attrpath's components; `None` if any is dynamic.
fn attrpath_names(attrpath: &SyntaxNode) -> Option<Vec<String>> {
    attrpath
        .children()
        .map(|a| static_attr_name(&a).map(|n| n.to_string()))
        .collect()
}

/// The literal `outputHashAlgo` bound next to a binding with this attrpath prefix.
fn sibling_algo(binding: &SyntaxNode, prefix: &[String]) -> Option<Literal> {
    let parent = binding.parent()?;
    parent
        .children()
        .filter(|c| c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        .find_map(|c| {
            let ap = c.first_child()?;
            let names = attrpath_names(&ap)?;
            let (last, pre) = names.split_last()?;
            if last != "outputHashAlgo" || pre != prefix {
                return None;
            }
            literal(&c.children().nth(1)?)
        })
}

/// The algorithm a bare digest of this length and alphabet is in, if exactly one fits.
fn algo_by_length(value: &str) -> Vec<ParsedHash> {
    HashAlgo::ALL
        .into_iter()
        .filter_map(|a| parse_hash(value, Some(a)).ok())
        .collect()
}

/// For values whose algorithm nothing tells: the one whose encodings' lengths
/// come closest (sha256 on ties, then sha512, sha1, md5).
fn closest_algo(value: &str) -> HashAlgo {
    [
        HashAlgo::Sha256,
        HashAlgo::Sha512,
        HashAlgo::Sha1,
        HashAlgo::Md5,
    ]
    .into_iter()
    .min_by_key(|a| {
        [Encoding::Base16, Encoding::Nix32, Encoding::Base64]
            .into_iter()
            .map(|e| a.encoded_len(e).abs_diff(value.len()))
            .min()
            .unwrap_or(usize::MAX)
    })
    .unwrap_or(HashAlgo::Sha256)
}

struct Finding {
    range: TextRange,
    message: String,
    notes: Vec<String>,
    fix: Option<Fix>,
}

fn sri_fix(lit: &Literal, parsed: &ParsedHash, applicability: Applicability) -> Fix {
    let sri = parsed.hash.to_sri();
    Fix {
        message: format!("write it in SRI form: \"{sri}\""),
        applicability,
        edits: vec![Edit::replace(lit.node.text_range(), format!("\"{sri}\""))],
    }
}

fn error_finding(attr: &str, lit: &Literal, e: &HashError) -> Finding {
    Finding {
        range: lit.range(e.span()),
        message: format!("invalid `{attr}`: {e}"),
        notes: Vec::new(),
        fix: None,
    }
}

fn judge(attr: &str, lit: &Literal, binding: &SyntaxNode, prefix: &[String]) -> Option<Finding> {
    let v = lit.value.as_str();
    match attr {
        "sha256" | "sha512" | "sha1" => {
            let algo = HashAlgo::from_name(attr)?;
            parse_hash(v, Some(algo))
                .err()
                .map(|e| error_finding(attr, lit, &e))
        }
        "narHash" => match parse_sri(v) {
            Ok(h) if h.algo() == HashAlgo::Sha256 => None,
            Ok(h) => Some(Finding {
                range: lit.node.text_range(),
                message: format!("invalid `narHash`: it must use sha256, not {}", h.algo()),
                notes: Vec::new(),
                fix: None,
            }),
            Err(HashError::NotSri) => match parse_hash(v, Some(HashAlgo::Sha256)) {
                Ok(p) => Some(Finding {
                    range: lit.node.text_range(),
                    message: "invalid `narHash`: it must be an SRI hash (sha256-<base64>); fetchTree and flake.lock reject other forms".into(),
                    notes: Vec::new(),
                    fix: Some(sri_fix(lit, &p, Applicability::Safe)),
                }),
                Err(e) => Some(error_finding(attr, lit, &e)),
            },
            Err(e) => Some(error_finding(attr, lit, &e)),
        },
        "hash" | "outputHash" | "vendorHash" | "cargoHash" | "npmDepsHash" => {
            let algo_lit = sibling_algo(binding, prefix);
            let algo = match &algo_lit {
                Some(al) => match HashAlgo::from_name(&al.value) {
                    Some(a) => Some(a),
                    None => {
                        return Some(Finding {
                            range: al.node.text_range(),
                            message: format!(
                                "invalid `outputHashAlgo`: unknown hash algorithm '{}' (Nix knows md5, sha1, sha256, sha512)",
                                al.value
                            ),
                            notes: Vec::new(),
                            fix: None,
                        });
                    }
                },
                None => None,
            };
            match parse_hash(v, algo) {
                Ok(_) => None,
                Err(HashError::MissingAlgorithm) => {
                    let fits = algo_by_length(v);
                    let variable = prefix.is_empty() && names_a_variable(binding);
                    if (attr == "outputHash" || variable) && !fits.is_empty() {
                        // The algorithm may come from elsewhere (`//`, a
                        // builder; for a variable, where it is used:
                        // `outputHash = hash;` next to an `outputHashAlgo`).
                        return None;
                    }
                    if let [only] = fits.as_slice() {
                        let HashForm::Bare(enc) = only.form else {
                            return None;
                        };
                        return Some(Finding {
                            range: lit.node.text_range(),
                            message: format!(
                                "`{attr}` holds a bare {enc} digest without its algorithm; Nix cannot tell which algorithm it is (by its length it is {})",
                                only.hash.algo()
                            ),
                            notes: vec![format!(
                                "`{attr}` is passed to Nix without an algorithm: write it in SRI form (sha256-...)"
                            )],
                            fix: Some(sri_fix(lit, only, Applicability::Unsafe)),
                        });
                    }
                    if fits.len() > 1 {
                        let names: Vec<&str> = fits.iter().map(|p| p.hash.algo().name()).collect();
                        return Some(Finding {
                            range: lit.node.text_range(),
                            message: format!(
                                "`{attr}` holds a bare digest without its algorithm (it could be {})",
                                names.join(" or ")
                            ),
                            notes: vec!["write it in SRI form (sha256-...)".into()],
                            fix: None,
                        });
                    }
                    let guess = closest_algo(v);
                    let e = parse_hash(v, Some(guess)).err()?;
                    let mut f = error_finding(attr, lit, &e);
                    f.notes.push(format!(
                        "the value names no algorithm; judged as {guess}, the algorithm its length is closest to"
                    ));
                    Some(f)
                }
                Err(e) => Some(error_finding(attr, lit, &e)),
            }
        }
        _ => None,
    }
}

/// Whether a binding defines a variable (a `let` binding or a function
/// argument's default) rather than an attribute handed to Nix under its name.
fn names_a_variable(binding: &SyntaxNode) -> bool {
    binding.kind() == SyntaxKind::NODE_PAT_ENTRY
        || binding.parent().is_some_and(|p| {
            matches!(
                p.kind(),
                SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_LEGACY_LET
            )
        })
}

/// Attributes whose values document an option rather than configure anything.
impl Rule for InvalidHashRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        // Every name in HASH_ATTRS spells `sha` or `ash` in the source.
        let text = &*cx.file.text;
        if !(crate::syntax::has_text(text, "sha") || crate::syntax::has_text(text, "ash")) {
            return;
        }
        let severity = cx.project.config.severity(&META);
        let nodes = cx
            .index()
            .nodes_of(&[SyntaxKind::NODE_ATTRPATH_VALUE, SyntaxKind::NODE_PAT_ENTRY]);
        for node in nodes {
            let (attr, prefix, value) = match node.kind() {
                SyntaxKind::NODE_ATTRPATH_VALUE => {
                    let Some(ap) = node.first_child() else {
                        continue;
                    };
                    // Cheap test first: most bindings are not hashes.
                    let is_hash_attr = ap
                        .last_child()
                        .and_then(|a| static_attr_name(&a))
                        .is_some_and(|n| HASH_ATTRS.contains(&&*n));
                    if !is_hash_attr {
                        continue;
                    }
                    let Some(names) = attrpath_names(&ap) else {
                        continue;
                    };
                    let Some((last, prefix)) = names.split_last() else {
                        continue;
                    };
                    let Some(value) = node.children().nth(1) else {
                        continue;
                    };
                    (last.clone(), prefix.to_vec(), value)
                }
                SyntaxKind::NODE_PAT_ENTRY => {
                    let Some(ident) = node.first_child() else {
                        continue;
                    };
                    if node.children().nth(1).is_none() {
                        continue;
                    }
                    let Some(value) = node.children().nth(1) else {
                        continue;
                    };
                    (ident.text().to_string(), Vec::new(), value)
                }
                _ => continue,
            };
            if !HASH_ATTRS.contains(&attr.as_str()) {
                continue;
            }
            let Some(lit) = literal(&value) else {
                continue;
            };
            if lit.value.is_empty() || fixkit::in_documentation(&node) {
                continue;
            }
            if let Some(f) = judge(&attr, &lit, &node, &prefix) {
                let mut d = Diagnostic::new(&META, severity, cx.file, f.range, f.message);
                for n in f.notes {
                    d = d.with_note(n);
                }
                if let Some(fix) = f.fix {
                    d = d.with_fix(fix);
                }
                out.push(d);
            }
        }
    }
}
