//! `invalid-hash` against real Nix: for `outputHash` with `outputHashAlgo`
//! (via `derivation`) and `narHash` (via `builtins.fetchTree`), the rule
//! reports a value exactly when Nix rejects it.

use std::process::Command;

use nixfold::config::Config;
use nixfold::nixhash::{HashAlgo, nar};
use nixfold::project::Project;
use nixfold::syntax::SourceFile;

/// Does the rule report anything in `src`?
fn rule_fires(src: &str) -> bool {
    let project = Project::from_sources(".", vec![SourceFile::from_text("t.nix", src)]);
    !nixfold::lints::check(&project, &Config::only(&["invalid-hash"])).is_empty()
}

fn nix_accepts(expr: &str) -> Result<(), String> {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "-E", expr])
        .env(
            "NIX_CONFIG",
            "experimental-features = nix-command flakes\nsubstituters =\n",
        )
        .output()
        .expect("nix-instantiate must be installed");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn variants(h: &nixfold::nixhash::Hash) -> Vec<String> {
    let n32 = h.to_nix32();
    let b16 = h.to_base16();
    let b64 = h.to_base64();
    vec![
        n32.clone(),
        b16.clone(),
        b64.clone(),
        h.to_sri(),
        format!("{}:{n32}", h.algo()),
        n32[1..].to_string(),
        format!("{n32}0"),
        format!("{}e{}", &n32[..3], &n32[4..]),
        format!("z{}", &n32[1..]),
        b16[2..].to_string(),
        b16.to_uppercase(),
        format!("{}-{}", h.algo(), &b64[4..]),
        format!("sha265-{b64}"),
        "not-a-hash".to_string(),
    ]
}

#[test]
fn output_hash_agrees_with_derivation() {
    let mut disagreements = Vec::new();
    let mut fired = 0;
    for algo in [HashAlgo::Sha256, HashAlgo::Sha1, HashAlgo::Sha512] {
        let h = algo.digest(b"nixfold invalid-hash differential");
        for value in variants(&h) {
            for declared in [algo.name(), "sha256"] {
                let expr = format!(
                    "(derivation {{ name = \"t\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; outputHashMode = \"flat\"; outputHashAlgo = \"{declared}\"; outputHash = \"{value}\"; }}).outPath"
                );
                let ours = rule_fires(&expr);
                fired += usize::from(ours);
                let theirs = nix_accepts(&expr);
                if ours == theirs.is_ok() {
                    disagreements.push(format!(
                        "{declared} {value:?}: nixfold fires={ours}, nix {theirs:?}"
                    ));
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(fired > 20, "only {fired} findings");
}

#[test]
fn nar_hash_agrees_with_fetch_tree() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("src");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("f"), "nixfold\n").unwrap();
    let sha256 = nar::nar_hash(&tree, HashAlgo::Sha256).unwrap();
    let sha512 = nar::nar_hash(&tree, HashAlgo::Sha512).unwrap();
    let mut cases = variants(&sha256);
    cases.push(sha512.to_sri());
    let mut disagreements = Vec::new();
    for value in cases {
        let expr = format!(
            "(builtins.fetchTree {{ type = \"path\"; path = \"{}\"; narHash = \"{value}\"; }}).outPath",
            tree.display()
        );
        let ours = rule_fires(&expr);
        let theirs = nix_accepts(&expr);
        if ours == theirs.is_ok() {
            disagreements.push(format!("{value:?}: nixfold fires={ours}, nix {theirs:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
