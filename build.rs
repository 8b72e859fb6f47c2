//! Collects each lint rule's module doc comment (`//!` lines at the top of
//! src/lints/rules/<rule>.rs) so that `nixfold explain NAME` prints exactly
//! the rule's documentation.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("src/lints/rules");
    println!("cargo:rerun-if-changed=src/lints/rules");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/lints/rules")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs") && p.file_stem().is_some_and(|s| s != "mod")
        })
        .collect();
    entries.sort();
    let mut out = String::from(
        "/// (module name, doc comment) of every rule file.\npub static RULE_DOCS: &[(&str, &str)] = &[\n",
    );
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("rule source");
        let mut doc = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("//!") {
                doc.push_str(rest.strip_prefix(' ').unwrap_or(rest));
                doc.push('\n');
            } else if t.is_empty() && doc.is_empty() {
                continue;
            } else {
                break;
            }
        }
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        writeln!(out, "    ({stem:?}, {doc:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_docs.rs");
    std::fs::write(dest, out).unwrap();
}
