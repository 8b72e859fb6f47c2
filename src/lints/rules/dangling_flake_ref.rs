//! ## dangling-flake-ref (NF0109)
//!
//! Finds references to the flake's own outputs — `.#name`, `.#a.b.c`,
//! `./.#name`, `path:.#name`, and `"${self}#name"` in Nix strings — in shell
//! scripts (`*.sh`, `*.bash`), Markdown, Makefiles, justfiles, `.envrc` and
//! the literal parts of Nix strings, that name no output of the flake.
//!
//! Such a reference is a command that fails (`nix build .#contianer`:
//! "flake does not provide attribute ..."), usually found only when someone
//! follows the README or CI runs the script, after an output was renamed or
//! removed.
//!
//! The flake's outputs are read from flake.nix without evaluating it: the
//! attribute set the `outputs` function returns, following `let` bindings,
//! `rec`, `inherit`, nested names (`packages.${system}.container = ...`), `//`
//! merges, `import ./file.nix`, flake-utils' `eachDefaultSystem`/`eachSystem`,
//! `genAttrs`, `mapAttrs` and helper functions such as `forAllSystems`.
//! Where a set's names cannot be known (names computed from function
//! arguments, `//` with an unknown value, flake-parts), references into it are
//! never reported.
//!
//! A reference is looked up the way the command it belongs to does:
//! `nix build .#x` (and `shell`, `eval`, `profile`, ...) tries
//! `packages.<system>.x`, `legacyPackages.<system>.x`, then `x`; `nix run`
//! tries `apps.<system>.x` first; `nix develop` and direnv's `use flake` try
//! `devShells.<system>.x` first; `nixos-rebuild --flake .#h` needs
//! `nixosConfigurations.h` (`darwin-rebuild`: `darwinConfigurations`,
//! `home-manager`: `homeConfigurations`); `nix flake init -t .#t` needs
//! `templates.t`. A reference outside a recognisable command may mean any of
//! these. Any system counts for `<system>`. `.#x` refers to the nearest
//! flake.nix in or above the file's directory; files outside every flake are
//! not checked. References with shell or Nix interpolation (`.#$HOST`,
//! `.#${name}`) are skipped.
//!
//! ### Example
//!
//! ```sh
//! # flake.nix defines packages.x86_64-linux.container
//! nix build .#contianer   # names no output; did you mean `.#container`?
//! ```
//!
//! ### How to fix
//!
//! Correct the name (the finding lists the names the flake defines and the
//! closest one), or add the missing output to flake.nix.

mod outputs;
mod refs;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::lints::{Category, ProjectCx, Rule, RuleMeta, Severity};
use crate::syntax::{SyntaxKind, TextRange, TextSize};

use outputs::{V, flake_outputs, normalize};
use refs::{Context, FlakeRef, find_refs};

pub struct DanglingFlakeRefRule;
pub static RULE: DanglingFlakeRefRule = DanglingFlakeRefRule;

pub static META: RuleMeta = RuleMeta {
    name: "dangling-flake-ref",
    code: "NF0109",
    module: "dangling_flake_ref",
    category: Category::Purity,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "`.#name` in a script, doc or string names no output of the flake",
};

/// One step of an attribute path to look up.
#[derive(Debug, Clone)]
enum Seg {
    Name(String),
    /// `<system>`: any system the flake defines.
    System,
}

/// Result of looking a path up in the outputs.
enum Walk {
    Found,
    /// Below an unknown or open part: cannot tell.
    Unsure,
    /// No such attribute: `depth` segments matched, `known` are the names at
    /// the level that failed.
    Missing {
        depth: usize,
        known: BTreeSet<String>,
    },
}

fn walk(v: &V, segs: &[Seg], depth: usize) -> Walk {
    let Some((seg, rest)) = segs.split_first() else {
        return Walk::Found;
    };
    let a = match v {
        V::Attrs(a) => a,
        V::Unknown | V::Sys => return Walk::Unsure,
        _ => {
            return Walk::Missing {
                depth,
                known: BTreeSet::new(),
            };
        }
    };
    match seg {
        Seg::Name(k) => match a.entries.get(k).or(a.any.as_ref()) {
            Some(next) => walk(next, rest, depth + 1),
            None if a.open => Walk::Unsure,
            None => Walk::Missing {
                depth,
                known: a.entries.keys().cloned().collect(),
            },
        },
        Seg::System => {
            if a.open {
                return Walk::Unsure;
            }
            let mut best: Option<Walk> = None;
            for next in a.entries.values().chain(a.any.iter()) {
                match walk(next, rest, depth + 1) {
                    Walk::Found => return Walk::Found,
                    Walk::Unsure => best = Some(Walk::Unsure),
                    Walk::Missing { depth: d, known } => match &mut best {
                        Some(Walk::Unsure) => {}
                        Some(Walk::Missing {
                            depth: bd,
                            known: bk,
                        }) => {
                            if d > *bd {
                                *bd = d;
                                *bk = known;
                            } else if d == *bd {
                                bk.extend(known);
                            }
                        }
                        _ => best = Some(Walk::Missing { depth: d, known }),
                    },
                }
            }
            best.unwrap_or(Walk::Missing {
                depth,
                known: BTreeSet::new(),
            })
        }
    }
}

/// A path Nix tries for a fragment: its display form, segments, and where
/// the fragment's own segments start.
struct Candidate {
    label: String,
    segs: Vec<Seg>,
    frag_start: usize,
}

fn candidates(ctx: Context, fragment: &str) -> Vec<Candidate> {
    let parts: Vec<String> = fragment.split('.').map(str::to_string).collect();
    let per_system = |output: &str| {
        let mut segs = vec![Seg::Name(output.to_string()), Seg::System];
        segs.extend(parts.iter().cloned().map(Seg::Name));
        Candidate {
            label: format!("{output}.<system>.{fragment}"),
            segs,
            frag_start: 2,
        }
    };
    let named = |output: &str, whole: bool| {
        let mut segs = vec![Seg::Name(output.to_string())];
        if whole {
            segs.push(Seg::Name(fragment.to_string()));
        } else {
            segs.extend(parts.iter().cloned().map(Seg::Name));
        }
        Candidate {
            label: format!("{output}.{fragment}"),
            segs,
            frag_start: 1,
        }
    };
    let root = || Candidate {
        label: fragment.to_string(),
        segs: parts.iter().cloned().map(Seg::Name).collect(),
        frag_start: 0,
    };
    match ctx {
        Context::Build => vec![
            per_system("packages"),
            per_system("legacyPackages"),
            root(),
        ],
        Context::Run => vec![
            per_system("apps"),
            per_system("packages"),
            per_system("legacyPackages"),
            root(),
        ],
        Context::Develop => vec![
            per_system("devShells"),
            per_system("packages"),
            per_system("legacyPackages"),
            root(),
        ],
        Context::Nixos => vec![named("nixosConfigurations", true)],
        Context::Darwin => vec![named("darwinConfigurations", true)],
        Context::Home => vec![named("homeConfigurations", true)],
        Context::Template => vec![named("templates", false), root()],
        Context::Unknown => vec![
            per_system("packages"),
            per_system("legacyPackages"),
            per_system("apps"),
            per_system("devShells"),
            per_system("checks"),
            per_system("bundlers"),
            named("nixosConfigurations", false),
            named("darwinConfigurations", false),
            named("homeConfigurations", false),
            named("templates", false),
            root(),
        ],
    }
}

/// Edit distance (Levenshtein, on characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A finding for one reference, or `None` when it resolves (or may).
struct Dangling {
    message: String,
    notes: Vec<String>,
}

fn judge(outputs: &V, r: &FlakeRef, flake_name: &str) -> Option<Dangling> {
    let cands = candidates(r.context, &r.fragment);
    // Deepest failure inside the fragment: (relative depth, known names).
    let mut best: Option<(usize, BTreeSet<String>)> = None;
    for c in &cands {
        match walk(outputs, &c.segs, 0) {
            Walk::Found | Walk::Unsure => return None,
            Walk::Missing { depth, known } if depth >= c.frag_start => {
                let rel = depth - c.frag_start;
                match &mut best {
                    Some((d, k)) if *d == rel => k.extend(known),
                    Some((d, _)) if *d > rel => {}
                    _ => best = Some((rel, known)),
                }
            }
            Walk::Missing { .. } => {}
        }
    }
    let reference = format!(".#{}", r.fragment);
    let message = match r.context {
        Context::Nixos | Context::Darwin | Context::Home => format!(
            "`{reference}` names no `{}` entry of {flake_name}",
            cands[0].label.split('.').next().unwrap_or("")
        ),
        _ => {
            let tried: Vec<&str> = cands.iter().map(|c| c.label.as_str()).collect();
            let tried = if tried.len() > 4 {
                format!("{}, ...", tried[..3].join(", "))
            } else {
                tried.join(", ")
            };
            format!("`{reference}` names no output of {flake_name} (tried {tried})")
        }
    };
    let mut notes = Vec::new();
    if let Some((rel, known)) = best {
        let whole = matches!(r.context, Context::Nixos | Context::Darwin | Context::Home);
        let parts: Vec<&str> = if whole {
            vec![r.fragment.as_str()]
        } else {
            r.fragment.split('.').collect()
        };
        if let Some(failed) = parts.get(rel) {
            let close = known
                .iter()
                .map(|k| (distance(failed, k), k))
                .filter(|(d, _)| *d <= 2)
                .min();
            if let Some((_, k)) = close {
                let mut fixed: Vec<&str> = parts.clone();
                fixed[rel] = k;
                let sep = if whole { "" } else { "." };
                notes.push(format!("did you mean `.#{}`?", fixed.join(sep)));
            }
        }
        if !known.is_empty() {
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            let shown = if names.len() > 15 {
                format!("{}, and {} more", names[..15].join(", "), names.len() - 15)
            } else {
                names.join(", ")
            };
            notes.push(format!("names defined there: {shown}"));
        }
    }
    Some(Dangling { message, notes })
}

/// Refs in the literal parts of every string of a Nix file, with offsets in the file.
fn nix_string_refs(file: &crate::syntax::SourceFile) -> Vec<FlakeRef> {
    let mut out = Vec::new();
    for node in file.parsed.syntax().descendants() {
        if node.kind() != SyntaxKind::NODE_STRING {
            continue;
        }
        let base = usize::from(node.text_range().start());
        let mut masked = node.text().to_string().into_bytes();
        let mut selfs = Vec::new();
        for child in node.children() {
            if child.kind() != SyntaxKind::NODE_INTERPOL {
                continue;
            }
            let r = child.text_range();
            let (s, e) = (usize::from(r.start()) - base, usize::from(r.end()) - base);
            let is_self = child
                .children()
                .next()
                .is_some_and(|c| c.kind() == SyntaxKind::NODE_IDENT && c.text() == "self");
            if is_self {
                selfs.push((s, e));
            }
            // Interpolations are not literal text: keep a `$` so a reference
            // running into one is recognised as dynamic.
            masked[s] = b'$';
            for b in &mut masked[s + 1..e] {
                *b = b' ';
            }
        }
        // Masking replaces whole interpolations (which are valid UTF-8
        // boundaries), so this cannot fail; skip the string if it somehow does.
        let Ok(masked) = String::from_utf8(masked) else {
            continue;
        };
        for mut r in find_refs(&masked, &selfs) {
            r.start += base;
            r.end += base;
            out.push(r);
        }
    }
    out
}

impl Rule for DanglingFlakeRefRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_project(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
        let project = cx.project;
        let severity = cx.config.severity(&META);
        let flakes: Vec<(PathBuf, usize)> = project
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path.file_name().is_some_and(|n| n == "flake.nix"))
            .map(|(i, f)| (normalize(f.path.parent().unwrap_or(Path::new(""))), i))
            .collect();
        if flakes.is_empty() {
            return;
        }
        let nearest = |path: &Path| -> Option<usize> {
            let p = normalize(path);
            flakes
                .iter()
                .filter(|(d, _)| p.starts_with(d))
                .max_by_key(|(d, _)| d.components().count())
                .map(|(_, i)| *i)
        };
        let mut cache: HashMap<usize, V> = HashMap::new();
        let mut resolve = |flake: usize, r: &FlakeRef| -> Option<Dangling> {
            let outputs = cache
                .entry(flake)
                .or_insert_with(|| flake_outputs(project, flake));
            let fpath = &project.files[flake].path;
            let name = fpath.strip_prefix(&project.root).unwrap_or(fpath);
            judge(outputs, r, &name.display().to_string())
        };
        let range = |r: &FlakeRef| {
            TextRange::new(
                TextSize::from(r.start as u32),
                TextSize::from(r.end as u32),
            )
        };
        for t in &project.texts {
            let Some(flake) = nearest(&t.path) else {
                continue;
            };
            for r in find_refs(&t.text, &[]) {
                if let Some(d) = resolve(flake, &r) {
                    let mut diag = Diagnostic::in_text(
                        &META,
                        severity,
                        t.path.clone(),
                        &t.text,
                        &t.line_index,
                        range(&r),
                        d.message,
                    );
                    diag.notes = d.notes;
                    out.push(diag);
                }
            }
        }
        for f in &project.files {
            let Some(flake) = nearest(&f.path) else {
                continue;
            };
            for r in nix_string_refs(f) {
                if let Some(d) = resolve(flake, &r) {
                    let mut diag = Diagnostic::new(&META, severity, f, range(&r), d.message);
                    diag.notes = d.notes;
                    out.push(diag);
                }
            }
        }
    }
}
