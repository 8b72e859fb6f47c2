//! The layers of ARCHITECTURE.md, enforced: a module under `src/` may use
//! (`use crate::…`, `crate::…::` inline, grouped `use crate::{a, b}`) only
//! modules of its own layer or of layers below it.
//!
//! [`LAYERS`] is the order, lowest first; ARCHITECTURE.md's layer table must
//! list the same layers and folders in the same order.

use std::path::Path;

/// The layers, lowest first, with the entries of `src/` that belong to each.
/// A folder is written `name/`, a single-file module `name.rs`.
const LAYERS: &[(&str, &[&str])] = &[
    ("syntax", &["syntax/"]),
    (
        "base",
        &[
            "diagnostics.rs",
            "config.rs",
            "catalog.rs",
            "project/",
            "nixhash/",
        ],
    ),
    ("scopes", &["hir/"]),
    ("eval", &["eval/"]),
    ("analysis", &["analysis/"]),
    ("lints", &["lints/"]),
    ("rewrite", &["rewrite/"]),
    ("emit", &["emit/"]),
    ("cli", &["cli/"]),
];

/// Crate roots: they declare the modules and wire them, so they sit outside the layers.
const EXEMPT: &[&str] = &["lib.rs", "main.rs"];

/// The index in [`LAYERS`] of the top-level module `module` (`config`, `lints`).
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, entries)| {
        entries.iter().any(|e| {
            e.strip_suffix('/')
                .or_else(|| e.strip_suffix(".rs"))
                .is_some_and(|m| m == module)
        })
    })
}

/// The top-level module a file under `src/` belongs to (`lints/rules/x.rs` → `lints`).
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// `text` without `//` comments (doc comments included: naming a path in
/// prose is not a dependency) and without `/* */` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The top-level modules named by `crate::` paths in `text`, in order, with duplicates.
fn crate_imports(text: &str) -> Vec<String> {
    let text = strip_comments(text);
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        if text[..at].chars().next_back().is_some_and(is_ident) {
            continue; // `mycrate::`
        }
        let rest = text[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::x, b::{y, z}, c}`: the first segment of each item.
            let mut depth = 1;
            let mut expecting = true;
            let mut chars = group.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => expecting = true,
                    c if expecting && depth == 1 && is_ident(c) => {
                        let end = group[i..]
                            .find(|c| !is_ident(c))
                            .map_or(group.len(), |e| i + e);
                        found.push(group[i..end].to_string());
                        while chars.peek().is_some_and(|(j, _)| *j < end) {
                            chars.next();
                        }
                        expecting = false;
                    }
                    _ => {}
                }
            }
        } else {
            let end = rest.find(|c| !is_ident(c)).unwrap_or(rest.len());
            if end > 0 {
                found.push(rest[..end].to_string());
            }
        }
    }
    found
}

/// Every layering problem in `files` (path relative to `src/`, contents).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        if EXEMPT.contains(&rel.as_str()) {
            continue;
        }
        let module = module_of(rel);
        let Some(from) = layer_of(module) else {
            out.push(format!(
                "src/{rel}: `{module}` is in no layer of tests/layers.rs"
            ));
            continue;
        };
        let mut seen = Vec::new();
        for target in crate_imports(text) {
            if seen.contains(&target) {
                continue;
            }
            seen.push(target.clone());
            match layer_of(&target) {
                None => out.push(format!(
                    "src/{rel}: `crate::{target}` is in no layer of tests/layers.rs"
                )),
                Some(to) if to > from => out.push(format!(
                    "src/{rel} ({} layer) imports `crate::{target}` ({} layer, above it)",
                    LAYERS[from].0, LAYERS[to].0
                )),
                Some(_) => {}
            }
        }
    }
    out
}

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap();
            let rel = rel.to_str().unwrap().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn no_layer_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    let problems = violations(&files);
    assert!(
        problems.is_empty(),
        "upward imports (layers, lowest first: {}):\n{}",
        LAYERS
            .iter()
            .map(|(l, _)| *l)
            .collect::<Vec<_>>()
            .join(" → "),
        problems.join("\n")
    );
}

#[test]
fn every_src_entry_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let is_dir = entry.path().is_dir();
        if !is_dir && !name.ends_with(".rs") || EXEMPT.contains(&name.as_str()) {
            continue;
        }
        let written = if is_dir { format!("{name}/") } else { name };
        if !LAYERS.iter().any(|(_, e)| e.contains(&written.as_str())) {
            missing.push(written);
        }
    }
    assert!(missing.is_empty(), "src/ entries in no layer: {missing:?}");
}

/// The rows of the table under `## Layers` in ARCHITECTURE.md: (layer, folders).
fn architecture_table(md: &str) -> Vec<(String, Vec<String>)> {
    let section = md
        .split("\n## ")
        .find(|s| s.starts_with("Layers"))
        .expect("ARCHITECTURE.md has a `## Layers` section");
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.trim_start().starts_with('|')) {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.len() < 2 || cells[0] == "layer" || cells[0].starts_with("---") {
            continue;
        }
        let folders = cells[1]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        rows.push((cells[0].to_string(), folders));
    }
    rows
}

#[test]
fn architecture_md_lists_the_same_layers() {
    let md = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
        .unwrap();
    let documented = architecture_table(&md);
    let here: Vec<(String, Vec<String>)> = LAYERS
        .iter()
        .map(|(l, e)| (l.to_string(), e.iter().map(|s| s.to_string()).collect()))
        .collect();
    assert_eq!(
        documented, here,
        "ARCHITECTURE.md's layer table (left) and tests/layers.rs's LAYERS (right) differ"
    );
}

#[test]
fn self_check_detects_upward_imports() {
    let files = |rel: &str, text: &str| vec![(rel.to_string(), text.to_string())];
    // Grouped use: the base layer reaching up into lints.
    let v = violations(&files(
        "config.rs",
        "use crate::{diagnostics::Severity, lints::{Rule, RuleMeta}};",
    ));
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].contains("src/config.rs") && v[0].contains("crate::lints"),
        "{v:?}"
    );
    // Inline path deep in a folder.
    let v = violations(&files(
        "eval/builtins/x.rs",
        "fn f() { let _ = crate::analysis::reach::files(); }",
    ));
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains("src/eval/builtins/x.rs") && v[0].contains("crate::analysis"));
    // Plain use of the top layer.
    assert_eq!(
        violations(&files("syntax/mod.rs", "use crate::cli::main;")).len(),
        1
    );
    // Rewrite sits above lints: lints may not use it, it may use lints.
    assert_eq!(
        violations(&files("lints/fixkit.rs", "use crate::rewrite::fix;")).len(),
        1
    );
    assert!(violations(&files("rewrite/fix.rs", "use crate::lints::check;")).is_empty());
    // Downward and same-layer imports, comments and other crates' paths pass.
    assert!(
        violations(&files(
            "analysis/mod.rs",
            "use crate::{config::Config, eval, syntax::{self, parse}};\n\
             // crate::cli::main in a comment\n/* crate::lints */ use mycrate::cli;\n\
             fn f() { crate::hir::Scopes::new(); }"
        ))
        .is_empty()
    );
    assert!(violations(&files("config.rs", "use crate::catalog::RuleMeta;")).is_empty());
    // A module in no layer is reported too.
    assert_eq!(violations(&files("newthing/mod.rs", "")).len(), 1);
    assert_eq!(
        violations(&files("emit/mod.rs", "use crate::nowhere::X;")).len(),
        1
    );
}
