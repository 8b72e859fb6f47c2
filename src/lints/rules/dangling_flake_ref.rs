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
//! Where that reading cannot know a set's names, nixfold's evaluator computes
//! them (`outputs` called with the inputs unknown and flake-utils emulated),
//! so names built by `listToAttrs`, folds or other functions of the tree
//! count too. Where neither can know them (names from nixpkgs functions, `//`
//! with an unknown value, flake-parts), references into the set are never
//! reported.
//!
//! A reference is looked up the way the command it belongs to does:
//! `nix build .#x` (and `shell`, `eval`, `profile`, ...) tries
//! `packages.<system>.x`, `legacyPackages.<system>.x`, then `x`; `nix run`
//! tries `apps.<system>.x` first; `nix develop` and direnv's `use flake` try
//! `devShells.<system>.x` first; `nixos-rebuild --flake .#h` needs
//! `nixosConfigurations.h` (`darwin-rebuild`: `darwinConfigurations`,
//! `home-manager`: `homeConfigurations`); `nix flake init -t .#t` needs
//! `templates.t`. A reference outside a recognisable command may mean any of
//! these. Any system counts for `<system>`. `.#x` is looked up in the nearest
//! flake.nix in or above the file's directory and, when that flake lacks it,
//! in every flake.nix further up: it is reported only when none of them
//! defines it (docs/ often has a small flake of its own while its text
//! speaks of the root flake). A reference into a configuration category
//! (`nixosConfigurations`, `nixOnDroidConfigurations`, any `*Configurations`)
//! that none of those flakes has at all
//! (`nixos-rebuild --flake .#my-host`, `.#nixosConfigurations.my-host` in a
//! module collection's README) is about the reader's own flake and is not
//! reported. Nor are references whose path holds a placeholder
//! (`.#nixosConfigurations.your-hostname`, `<host>`, `HOSTNAME`), and in
//! Markdown those the document's own code blocks define (a README showing
//! the reader's flake with `images.m1 = ...;` and then `nix build
//! .#images.m1`, or `nixosConfigurations.my-host = ...;` and then
//! `nixos-rebuild --flake .#my-host`), nor any reference in a Markdown
//! document whose code shows the reader's own configuration using this
//! repository from outside (`imports = [ "${nixos-hardware}/board" ];`,
//! `inputs.disko.nixosModules.disko`): its `.#name` is the reader's flake.
//! Files outside every flake are not checked. References with shell or Nix interpolation (`.#$HOST`,
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

use rayon::prelude::*;

use crate::analysis::variants::evalout::{EvaluatedOutputs, evaluated_outputs};
use crate::diagnostics::Diagnostic;
use crate::lints::{ProjectCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

use outputs::{V, flake_outputs, normalize};
use refs::{Context, FlakeRef, find_refs, may_hold_refs};

pub struct DanglingFlakeRefRule;
pub static RULE: DanglingFlakeRefRule = DanglingFlakeRefRule;

pub use crate::catalog::DANGLING_FLAKE_REF as META;

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
        Context::Build => vec![per_system("packages"), per_system("legacyPackages"), root()],
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
    /// The reference names a configuration category (`nixosConfigurations`,
    /// `darwinConfigurations`, `homeConfigurations`) this flake has none of.
    absent_category: bool,
}

/// Whether `r` goes into a configuration category (`nixosConfigurations`,
/// `nixOnDroidConfigurations`, any `*Configurations`) that `outputs` certainly
/// lacks altogether (`.#nixosConfigurations.my-host` in a hardware module
/// collection's README is about the reader's own flake).
fn names_absent_category(outputs: &V, r: &FlakeRef) -> bool {
    let category = match r.context {
        Context::Nixos => "nixosConfigurations",
        Context::Darwin => "darwinConfigurations",
        Context::Home => "homeConfigurations",
        // any configuration category: other tools' (`nixOnDroidConfigurations`)
        // are named the same way
        _ => match r.fragment.split('.').next() {
            Some(c) if c.len() > "Configurations".len() && c.ends_with("Configurations") => c,
            _ => return false,
        },
    };
    matches!(
        walk(outputs, &[Seg::Name(category.to_string())], 0),
        Walk::Missing { depth: 0, .. }
    )
}

/// Whether evaluation shows that no concrete path of `segs` exists
/// (`<system>` stands for each system the evaluated outputs have there).
fn evaluated_missing(e: &EvaluatedOutputs, segs: &[Seg]) -> bool {
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    for s in segs {
        match s {
            Seg::Name(n) => paths.iter_mut().for_each(|p| p.push(n.clone())),
            Seg::System => {
                let mut next = Vec::new();
                for p in &paths {
                    let systems = e.children(p);
                    if systems.is_empty() {
                        // The category itself decides.
                        next.push(p.clone());
                    }
                    for sys in systems {
                        let mut q = p.clone();
                        q.push(sys);
                        next.push(q);
                    }
                }
                paths = next;
            }
        }
    }
    paths.iter().all(|p| e.lookup(p) == Some(false))
}

/// The names evaluation knows right below `segs` (any system for `<system>`).
fn evaluated_names(e: &EvaluatedOutputs, segs: &[Seg]) -> BTreeSet<String> {
    let mut prefixes: Vec<Vec<String>> = vec![Vec::new()];
    for s in segs {
        prefixes = match s {
            Seg::Name(n) => prefixes
                .into_iter()
                .map(|mut p| {
                    p.push(n.clone());
                    p
                })
                .collect(),
            Seg::System => prefixes
                .iter()
                .flat_map(|p| {
                    e.children(p).into_iter().map(move |sys| {
                        let mut q = p.clone();
                        q.push(sys);
                        q
                    })
                })
                .collect(),
        };
    }
    prefixes.iter().flat_map(|p| e.children(p)).collect()
}

fn judge<'e>(
    outputs: &V,
    evaluated: &dyn Fn() -> Option<&'e EvaluatedOutputs>,
    r: &FlakeRef,
    flake_name: &str,
) -> Option<Dangling> {
    let cands = candidates(r.context, &r.fragment);
    // Deepest failure inside the fragment: (relative depth, the names known
    // there by the first candidate that got that far, the names of all of them).
    let mut best: Option<(usize, BTreeSet<String>, BTreeSet<String>)> = None;
    for c in &cands {
        let w = match walk(outputs, &c.segs, 0) {
            // The syntactic reading cannot tell; nixfold's evaluator may.
            Walk::Unsure => match evaluated() {
                Some(e) if evaluated_missing(e, &c.segs) => {
                    // The first segment evaluation shows to be missing.
                    let depth = (c.frag_start..c.segs.len())
                        .find(|&k| evaluated_missing(e, &c.segs[..=k]))
                        .unwrap_or(c.frag_start);
                    Walk::Missing {
                        depth,
                        known: evaluated_names(e, &c.segs[..depth]),
                    }
                }
                _ => Walk::Unsure,
            },
            w => w,
        };
        match w {
            Walk::Found | Walk::Unsure => return None,
            Walk::Missing { depth, known } if depth >= c.frag_start => {
                let rel = depth - c.frag_start;
                match &mut best {
                    Some((d, _, all)) if *d == rel => all.extend(known),
                    Some((d, _, _)) if *d > rel => {}
                    _ => best = Some((rel, known.clone(), known)),
                }
            }
            Walk::Missing { .. } => {}
        }
    }
    let reference = &r.text;
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
    let whole = matches!(r.context, Context::Nixos | Context::Darwin | Context::Home);
    if best.is_none() && whole {
        notes.push(format!(
            "{flake_name} defines no `{}` at all",
            cands[0].label.split('.').next().unwrap_or("")
        ));
    }
    if let Some((rel, known, all)) = best {
        let parts: Vec<&str> = if whole {
            vec![r.fragment.as_str()]
        } else {
            r.fragment.split('.').collect()
        };
        if let Some(failed) = parts.get(rel) {
            let close = all
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
    Some(Dangling {
        message,
        notes,
        absent_category: names_absent_category(outputs, r),
    })
}

/// Refs in the literal parts of every string of a Nix file, with offsets in the file.
fn nix_string_refs(text: &str, nodes: impl Iterator<Item = SyntaxNode>) -> Vec<FlakeRef> {
    let mut out = Vec::new();
    for node in nodes {
        if node.kind() != SyntaxKind::NODE_STRING || !node.text().contains_char('#') {
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
            // The reference as written (the masked text blanks interpolations).
            if let Some(t) = text.get(r.start..r.end) {
                r.text = t.to_string();
            }
            out.push(r);
        }
    }
    out
}

impl Rule for DanglingFlakeRefRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // It reads only the files: all of it runs alongside the per-file pass.
    fn check_project_early(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
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
        // Evaluating a flake costs more than reading it: only when the
        // syntactic reading of a reference is unsure.
        let mut evaluated_cache: HashMap<usize, std::cell::OnceCell<Option<EvaluatedOutputs>>> =
            HashMap::new();
        let mut resolve = |flake: usize, r: &FlakeRef| -> Option<Dangling> {
            let outputs = cache
                .entry(flake)
                .or_insert_with(|| flake_outputs(project, flake));
            let cell = &*evaluated_cache.entry(flake).or_default();
            let evaluated = || {
                cell.get_or_init(|| evaluated_outputs(project, flake))
                    .as_ref()
            };
            let fpath = &project.files[flake].path;
            let name = fpath.strip_prefix(&project.root).unwrap_or(fpath);
            judge(outputs, &evaluated, r, &name.display().to_string())
        };
        // The nearest flake is the one a reference most plausibly means, and
        // its message is the one reported; but a name that a flake enclosing
        // it defines is not dangling (docs/ with a small flake of its own
        // speaks of the root flake's outputs), and a configuration category
        // none of them has is the reader's flake, not this repository's.
        let enclosing = |home: usize| -> Vec<usize> {
            let Some((dir, _)) = flakes.iter().find(|&&(_, i)| i == home) else {
                return Vec::new();
            };
            flakes
                .iter()
                .filter(|(d, i)| *i != home && dir.starts_with(d))
                .map(|&(_, i)| i)
                .collect()
        };
        let mut resolve = |home: usize, r: &FlakeRef| -> Option<Dangling> {
            let mut d = resolve(home, r)?;
            let mut all_absent = d.absent_category;
            let mut also = Vec::new();
            for other in enclosing(home) {
                match resolve(other, r) {
                    None => return None,
                    Some(o) => all_absent &= o.absent_category,
                }
                let p = &project.files[other].path;
                also.push(
                    p.strip_prefix(&project.root)
                        .unwrap_or(p)
                        .display()
                        .to_string(),
                );
            }
            if !also.is_empty() {
                d.notes
                    .push(format!("nor does the enclosing {}", also.join(", ")));
            }
            (!all_absent).then_some(d)
        };
        let range = |r: &FlakeRef| {
            TextRange::new(TextSize::from(r.start as u32), TextSize::from(r.end as u32))
        };
        for t in &project.texts {
            let Some(flake) = nearest(&t.path) else {
                continue;
            };
            let markdown = t.path.extension().is_some_and(|e| e == "md");
            let consumer = markdown && shows_consumer(&t.text);
            for r in find_refs(&t.text, &[]) {
                if names_placeholder(&r.fragment)
                    || consumer
                    || (markdown && document_binds(&t.text, &r.fragment))
                {
                    continue;
                }
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
        // Most files cannot hold a reference (a text test); the others are
        // parsed (again, or first: this runs alongside the per-file pass)
        // and scanned in parallel. Files over the parser's limits are not
        // read, as by every rule.
        let found: Vec<(usize, Vec<FlakeRef>)> = project
            .files
            .par_iter()
            .enumerate()
            .filter(|(_, f)| may_hold_refs(&f.text) && !f.tree.exceeded_limits())
            .map(|(i, f)| {
                (
                    i,
                    nix_string_refs(&f.text, f.parsed().syntax().descendants()),
                )
            })
            .filter(|(_, refs)| !refs.is_empty())
            .collect();
        for (i, refs) in found {
            let f = &project.files[i];
            let Some(flake) = nearest(&f.path) else {
                continue;
            };
            for r in refs {
                if let Some(d) = resolve(flake, &r) {
                    let mut diag = Diagnostic::new(&META, severity, f, range(&r), d.message);
                    diag.notes = d.notes;
                    out.push(diag);
                }
            }
        }
    }
}

/// Whether an attribute path names a placeholder rather than an output:
/// a segment such as `your-hostname`, `<host>`, `HOSTNAME` or `hostname`
/// (documentation asks the reader to put their own name there).
fn names_placeholder(fragment: &str) -> bool {
    fragment.split('.').any(|seg| {
        let s = seg.trim_matches('"');
        let lower = s.to_ascii_lowercase();
        s.starts_with('<')
            || lower.starts_with("your")
            || matches!(lower.as_str(), "hostname" | "username")
            || (s.len() > 1
                && s.bytes().any(|b| b.is_ascii_uppercase())
                && s.bytes().all(|b| {
                    b.is_ascii_uppercase() || b == b'_' || b == b'-' || b.is_ascii_digit()
                }))
    })
}

/// The lines inside a Markdown document's fenced code blocks, without
/// their indentation.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut in_block = false;
    text.lines().filter_map(move |line| {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_block = !in_block;
            return None;
        }
        in_block.then_some(t)
    })
}

/// Whether a Markdown document's code shows the reader's own configuration
/// using this repository from outside: a module imported by interpolating
/// an input (`imports = [ "${nixos-hardware}/board" ];`) or taken from one
/// (`inputs.disko.nixosModules.disko`, `nixos-hardware.nixosModules.x`).
/// Its `.#name` then names an output of the reader's flake.
fn shows_consumer(text: &str) -> bool {
    for t in code_lines(text) {
        let interpolates_input = t.match_indices("\"${").any(|(at, _)| {
            t[at + 3..]
                .split_once("}/")
                .is_some_and(|(name, _)| is_input_name(name))
        });
        if interpolates_input {
            return true;
        }
        for category in [
            ".nixosModules.",
            ".darwinModules.",
            ".homeManagerModules.",
            ".homeModules.",
        ] {
            for (at, _) in t.match_indices(category) {
                let head = t[..at]
                    .rsplit(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                    .next()
                    .unwrap_or("");
                if !head.is_empty() && head != "self" && !head.ends_with(".self") {
                    return true;
                }
            }
        }
    }
    false
}

/// A plain Nix identifier that may name an input: not `self`, nor a
/// module argument or store path of the repository's own code
/// (`"${modulesPath}/profiles/minimal.nix"`, `"${pkgs}/..."`).
fn is_input_name(name: &str) -> bool {
    !name.is_empty()
        && !matches!(
            name,
            "self" | "modulesPath" | "pkgs" | "lib" | "config" | "src" | "out" | "inputs"
        )
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'\''))
}

/// Whether a Markdown document's own code shows a binding of the reference's
/// attribute path (`images.m1 = ...;` or `images = { ... }` at the start of
/// a line in a fenced block): the document then speaks of the example flake
/// it shows, which the reader writes, not of this repository's flake.
fn document_binds(text: &str, fragment: &str) -> bool {
    let segs: Vec<&str> = fragment.split('.').collect();
    for t in code_lines(text) {
        let Some((lhs, _)) = t.split_once('=') else {
            continue;
        };
        let lhs = lhs.trim_end();
        if lhs.is_empty() || lhs.ends_with(['!', '<', '>', '=']) {
            continue;
        }
        let path: Vec<&str> = lhs.split('.').map(|p| p.trim().trim_matches('"')).collect();
        let binds = |path: &[&str]| {
            !path.is_empty() && path.len() <= segs.len() && path[..] == segs[..path.len()]
        };
        // `nixosConfigurations.my-host = ...` binds what `nixos-rebuild
        // --flake .#my-host` names, `packages.x86_64-linux.vm = ...` what
        // `nix build .#vm` names
        let skip = match path.first() {
            Some(
                &("nixosConfigurations"
                | "darwinConfigurations"
                | "homeConfigurations"
                | "templates"),
            ) => 1,
            Some(&("packages" | "legacyPackages" | "apps" | "devShells" | "checks")) => 2,
            _ => 0,
        };
        if binds(&path) || (skip > 0 && path.len() > skip && binds(&path[skip..])) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::project::{Project, TextFile};
    use crate::syntax::{LineIndex, SourceFile};

    /// Findings as `path:line: message` for a project of in-memory files.
    fn run(nix: &[(&str, &str)], texts: &[(&str, &str)]) -> Vec<String> {
        let files = nix
            .iter()
            .map(|(p, t)| SourceFile::from_text(format!("/p/{p}"), *t))
            .collect();
        let mut project = Project::from_sources("/p", files);
        project.texts = texts
            .iter()
            .map(|(p, t)| TextFile {
                path: format!("/p/{p}").into(),
                text: t.to_string(),
                line_index: LineIndex::new(t),
            })
            .collect();
        let config = Config::only(&["dangling-flake-ref"]);
        crate::lints::check(&project, &config)
            .into_iter()
            .map(|d| {
                format!(
                    "{}:{}: {}",
                    d.path.strip_prefix("/p").unwrap().display(),
                    d.start.line,
                    d.message
                )
            })
            .collect()
    }

    fn fired(out: &[String], what: &str) -> bool {
        out.iter().any(|l| l.contains(what))
    }

    #[test]
    fn no_flake_no_findings() {
        let out = run(
            &[("default.nix", "{ x = \"nix build .#nope\"; }")],
            &[("build.sh", "nix build .#nope\n")],
        );
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn each_default_system() {
        let flake = r#"{ outputs = { self, nixpkgs, flake-utils }:
            flake-utils.lib.eachDefaultSystem (system: {
              packages.hello = nixpkgs.legacyPackages.${system}.hello;
              devShells.default = self.packages.${system}.hello;
            }); }"#;
        let out = run(
            &[("flake.nix", flake)],
            &[(
                "b.sh",
                "nix build .#hello\nnix build .#hullo\nnix develop .#default\nnix develop .#dev\n",
            )],
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(fired(&out, "b.sh:2: `.#hullo`"));
        assert!(fired(&out, "b.sh:4: `.#dev`"));
    }

    #[test]
    fn for_all_systems_with_unknown_system_list() {
        let flake = r#"{ outputs = { self, nixpkgs, systems }:
            let forAllSystems = nixpkgs.lib.genAttrs (import systems); in {
              packages = forAllSystems (system: { a = 1; });
              apps = forAllSystems (system: { run-a = { type = "app"; program = "x"; }; });
            }; }"#;
        let out = run(
            &[("flake.nix", flake)],
            &[(
                "b.sh",
                "nix build .#a\nnix build .#b\nnix run .#run-a\nnix run .#a\nnix run .#c\n",
            )],
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(fired(&out, "b.sh:2:"));
        assert!(fired(&out, "b.sh:5:"));
    }

    #[test]
    fn unknown_parts_are_never_reported() {
        let flake = r#"{ outputs = inputs@{ self, ... }:
            let name = inputs.name; in
            { packages.x86_64-linux.a = 1; } // inputs.extra // {
              nixosConfigurations.${name} = 1;
            }; }"#;
        let out = run(
            &[("flake.nix", flake)],
            &[(
                "b.sh",
                "nix build .#b\nnixos-rebuild switch --flake .#host\nnix build .#x.y.z\n",
            )],
        );
        assert!(out.is_empty(), "{out:?}");
        // a dynamic key makes only its own set open
        let flake = r#"{ outputs = { self, n }: {
            packages.x86_64-linux.${n.name} = 1;
            nixosConfigurations.known = 1;
          }; }"#;
        let out = run(
            &[("flake.nix", flake)],
            &[(
                "b.sh",
                "nix build .#whatever\nnixos-rebuild switch --flake .#other\n",
            )],
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(fired(&out, "b.sh:2: `.#other`"));
    }

    #[test]
    fn follows_imports_let_rec_if_and_folds() {
        let flake = r#"{ outputs = inputs: import ./outputs.nix inputs; }"#;
        let outputs = r#"{ self, nixpkgs, ... }:
            let
              hosts = { alpha = 1; beta = 2; };
              lib = nixpkgs.lib;
              cond = self ? x;
            in
            lib.foldl' lib.recursiveUpdate { } [
              { packages.x86_64-linux.a = 1; }
              { packages.aarch64-linux.b = 2; }
              (if cond then { packages.x86_64-linux.c = 3; } else { packages.x86_64-linux.d = 4; })
              rec { nixosConfigurations = hosts; inherit hosts; }
            ]"#;
        let out = run(
            &[("flake.nix", flake), ("outputs.nix", outputs)],
            &[(
                "b.sh",
                "nix build .#a .#b .#c .#d .#e\nnixos-rebuild switch --flake .#alpha\nnixos-rebuild switch --flake .#gamma\nnix eval .#hosts.beta\n",
            )],
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(fired(&out, "`.#e`"));
        assert!(fired(&out, "`.#gamma`"));
    }

    #[test]
    fn nearest_flake_first_then_enclosing() {
        let root = r#"{ outputs = _: { packages.x86_64-linux.top = 1; }; }"#;
        let sub = r#"{ outputs = _: { packages.x86_64-linux.inner = 1; }; }"#;
        let out = run(
            &[("flake.nix", root), ("sub/flake.nix", sub)],
            &[
                ("a.sh", "nix build .#top .#inner\n"),
                ("sub/b.sh", "nix build .#top .#inner\n"),
            ],
        );
        // The root flake does not see sub/'s outputs; sub/ sees the root's,
        // which encloses it.
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(fired(&out, "a.sh:1: `.#inner`"));
    }

    #[test]
    fn enclosing_flakes_count_siblings_do_not() {
        let root = r#"{ outputs = _: { packages.x86_64-linux.tests = 1; }; }"#;
        let docs = r#"{ outputs = _: { packages.x86_64-linux.manual = 1; }; }"#;
        let other = r#"{ outputs = _: { packages.x86_64-linux.tool = 1; }; }"#;
        let out = run(
            &[
                ("flake.nix", root),
                ("docs/flake.nix", docs),
                ("tools/flake.nix", other),
            ],
            &[
                (
                    "docs/a.md",
                    "`nix build .#tests .#manual .#tool .#nothing`\n",
                ),
                ("b.md", "`nix build .#manual`\n"),
            ],
        );
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(fired(&out, "docs/a.md:1: `.#tool`"));
        assert!(fired(&out, "docs/a.md:1: `.#nothing`"));
        assert!(fired(&out, "b.md:1: `.#manual`"));
    }

    #[test]
    fn configurations_of_the_readers_flake() {
        // A module collection: no flake of the tree has nixosConfigurations.
        let lib = r#"{ outputs = _: { nixosModules.laptop = ./laptop.nix; }; }"#;
        let out = run(
            &[("flake.nix", lib)],
            &[(
                "README.md",
                "nixos-rebuild switch --flake .#my-host\n\
                 nix build .#nixosConfigurations.my-host.config.system.build.toplevel\n\
                 nix build .#nixosModules.desktop\n",
            )],
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(fired(&out, "README.md:3: `.#nixosModules.desktop`"));
        // With a nixosConfigurations of its own, the names are checked.
        let host = r#"{ outputs = _: { nixosConfigurations.box = 1; }; }"#;
        let out = run(
            &[("flake.nix", host)],
            &[("README.md", "nixos-rebuild --flake .#my-host\n")],
        );
        assert_eq!(out.len(), 1, "{out:?}");
    }

    #[test]
    fn cycles_and_long_chains_do_not_crash() {
        let cyc = r#"{ outputs = _: let a = b; b = a; c = rec { x = x; }; in { packages = a; checks = c.x; }; }"#;
        let out = run(&[("flake.nix", cyc)], &[("b.sh", "nix build .#x\n")]);
        assert!(out.is_empty(), "{out:?}");
        let mut chain = String::from("{ outputs = _: let x0 = { packages.s.a = 1; };");
        for i in 1..20_000 {
            chain.push_str(&format!(" x{i} = x{};", i - 1));
        }
        chain.push_str(" in x19999; }");
        let out = run(&[("flake.nix", &chain)], &[("b.sh", "nix build .#b\n")]);
        assert!(out.is_empty(), "{out:?}");
        // exponential sharing stays within the step budget
        let mut fan = String::from("{ outputs = _: let y0 = { packages.s.a = 1; };");
        for i in 1..64 {
            fan.push_str(&format!(" y{i} = y{} // y{};", i - 1, i - 1));
        }
        fan.push_str(" in y63; }");
        let out = run(&[("flake.nix", &fan)], &[("b.sh", "nix build .#a\n")]);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn nix_strings() {
        let flake = r#"{ outputs = { self }: {
            packages.x86_64-linux.tool = 1;
            apps.x86_64-linux.go = { program = "${self}#tool"; };
            script = ''
              nix run ${self}#tool
              nix run ${self}#tol
              nix build .#${self.name}
            '';
          }; }"#;
        let out = run(&[("flake.nix", flake)], &[]);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(fired(&out, "flake.nix:6: `${self}#tol`"), "{out:?}");
    }
}
