//! bench/gen-tree: deterministic, the requested size, real Nix parses every
//! file, and files stay within real-world sizes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn generate(out: &Path, modules: usize, seed: u32) -> BTreeMap<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen-tree");
    let status = Command::new("python3")
        .arg(&script)
        .args([
            "--modules",
            &modules.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg("--out")
        .arg(out)
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(rel, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    files
}

#[test]
fn generated_tree_is_deterministic_valid_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let a = generate(&tmp.path().join("a"), 120, 3);
    let b = generate(&tmp.path().join("b"), 120, 3);
    let c = generate(&tmp.path().join("c"), 120, 4);
    assert_eq!(a.len(), 120);
    assert_eq!(a, b, "same seed, same tree");
    assert_ne!(a, c, "another seed, another tree");
    assert!(a.contains_key("flake.nix"));

    for (path, text) in &a {
        let lines = text.lines().count();
        if path != "overlays/default.nix" {
            assert!((15..=205).contains(&lines), "{path} has {lines} lines");
        }
    }
    let joined: String = a.values().cloned().collect();
    for needle in [
        "mkIf",
        "mkOption",
        "imports = [",
        "with pkgs; [",
        "${",
        "let\n",
    ] {
        assert!(joined.contains(needle), "tree lacks {needle}");
    }

    let out = Command::new("nix-instantiate")
        .arg("--parse")
        .args(a.keys().map(|p| tmp.path().join("a").join(p)))
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "generated Nix does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
