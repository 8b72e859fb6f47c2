//! Issue 10, class 5: `init` and `migrate` agree. Over every migrate
//! fixture (and the bundled example): whatever `nixfold init` writes,
//! `nixfold migrate` accepts. A tree migrate takes with no nixfold.toml it
//! also takes with init's proposal, and migrate never rejects init's
//! nixfold.toml itself.

mod common;

use std::path::Path;
use std::process::Command;

use common::nixflake::git_copy;
use common::project::repo;

fn nixfold(args: &[&str], dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .args(args)
        .arg(dir)
        .output()
        .expect("nixfold runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn trees() -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(repo().join("tests/fixtures/migrate"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out.push(repo().join("examples/unified-nixos"));
    out
}

#[test]
fn whatever_init_writes_migrate_accepts() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for src in trees() {
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        let bare = git_copy(&src);
        let _ = std::fs::remove_file(bare.path().join("nixfold.toml"));
        let (base, _) = nixfold(&["migrate"], bare.path());

        let (code, err) = nixfold(&["init"], bare.path());
        if code != 0 {
            failures.push(format!("{name}: init failed: {err}"));
            continue;
        }
        let (code, err) = nixfold(&["migrate"], bare.path());
        if err.contains("nixfold: nixfold.toml:") {
            failures.push(format!(
                "{name}: migrate rejects init's nixfold.toml: {err}"
            ));
        } else if base == 0 && code != 0 {
            failures.push(format!(
                "{name}: migrate takes the tree alone but not with init's proposal: {err}"
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 20, "only {checked} trees checked");
}
