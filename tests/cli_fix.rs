//! `nixfold check --fix / --unsafe-fixes / --diff / --select / --ignore /
//! --statistics` end to end, on temporary trees.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const A: &str = "let\n  unused = 1;\n  x = true;\nin\n{ y = x == true; z = rec { w = x; }; }\n";
const B: &str = "{ a, b }: a\n";
const CLEAN: &str = "{ a = 1; }\n";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.nix"), A).unwrap();
    fs::write(dir.path().join("b.nix"), B).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/clean.nix"), CLEAN).unwrap();
    dir
}

fn nixfold(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("nixfold").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn read(dir: &Path, f: &str) -> String {
    fs::read_to_string(dir.join(f)).unwrap()
}

#[test]
fn fix_applies_safe_fixes_only() {
    let dir = tree();
    let out = nixfold(dir.path())
        .args(["check", "--fix"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // the unsafe ones remain: `x == true` (x may not be a bool) and the closed pattern
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(
        read(dir.path(), "a.nix"),
        "let\n  x = true;\nin\n{ y = x == true; z = { w = x; }; }\n"
    );
    assert_eq!(read(dir.path(), "b.nix"), B);
    assert_eq!(read(dir.path(), "sub/clean.nix"), CLEAN);
    assert!(stderr.contains("applied 2 fixes in 1 file"), "{stderr}");
    assert!(stderr.contains("--unsafe-fixes"), "{stderr}");
    assert!(stdout.contains("bool-comparison"), "{stdout}");
    assert!(stdout.contains("unused-formal"), "{stdout}");
    assert!(!stdout.contains("unused-let-binding"), "{stdout}");
    // no temporary files left behind
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
}

#[test]
fn unsafe_fixes_apply_everything() {
    let dir = tree();
    let out = nixfold(dir.path())
        .args(["check", "--unsafe-fixes"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        read(dir.path(), "a.nix"),
        "let\n  x = true;\nin\n{ y = x; z = { w = x; }; }\n"
    );
    assert_eq!(read(dir.path(), "b.nix"), "{ a }: a\n");
}

#[test]
fn diff_writes_nothing() {
    let dir = tree();
    let out = nixfold(dir.path())
        .args(["check", "--diff"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("--- a/a.nix\n+++ b/a.nix\n"), "{stdout}");
    assert!(stdout.contains("-  unused = 1;\n"), "{stdout}");
    assert!(!stdout.contains("b.nix"), "unsafe fix shown: {stdout}");
    assert_eq!(read(dir.path(), "a.nix"), A);
    assert_eq!(read(dir.path(), "b.nix"), B);

    let out = nixfold(dir.path())
        .args(["check", "--diff", "--unsafe-fixes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("+++ b/b.nix\n"), "{stdout}");
    assert_eq!(read(dir.path(), "b.nix"), B);

    // nothing to fix: exit 0, no output
    let out = nixfold(dir.path())
        .args(["check", "--diff", "sub"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn select_and_ignore() {
    let dir = tree();
    let out = nixfold(dir.path())
        .args(["check", "--select", "NF04", "--ignore", "unused-formal"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("unused-let-binding"), "{stdout}");
    assert!(!stdout.contains("unused-formal"), "{stdout}");
    assert!(!stdout.contains("bool-comparison"), "{stdout}");

    // opt-in rules run when selected
    let out = nixfold(dir.path())
        .args(["check", "--select", "eta-reduction,repeated-keys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));

    let out = nixfold(dir.path())
        .args(["check", "--select", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule `no-such-rule`"));
}

#[test]
fn statistics_counts_by_rule() {
    let dir = tree();
    fs::write(
        dir.path().join("c.nix"),
        "let u1 = 1; u2 = 2; in { y = 1 == true; }\n",
    )
    .unwrap();
    let out = nixfold(dir.path())
        .args(["check", "--statistics"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0], "3  NF0401  unused-let-binding  [fixable]",
        "{stdout}"
    );
    assert!(
        lines.contains(&"2  NF0501  bool-comparison  [fixable]"),
        "{stdout}"
    );
    assert!(
        lines.contains(&"1  NF0402  unused-formal  [fixable]"),
        "{stdout}"
    );
}

#[test]
fn untouched_files_keep_their_bytes_and_time() {
    let dir = tree();
    let clean = dir.path().join("sub/clean.nix");
    let before = fs::metadata(&clean).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    nixfold(dir.path())
        .args(["check", "--fix"])
        .output()
        .unwrap();
    assert_eq!(read(dir.path(), "sub/clean.nix"), CLEAN);
    assert_eq!(fs::metadata(&clean).unwrap().modified().unwrap(), before);
}

#[cfg(unix)]
#[test]
fn unwritable_tree_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree();
    let locked = dir.path().join("sub");
    fs::write(locked.join("d.nix"), "let u = 1; in 2\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let probe = fs::File::create(locked.join("probe")).is_ok();
    if !probe {
        let out = nixfold(dir.path())
            .args(["check", "--fix"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("could not write the fixes"));
        // all or nothing: a.nix was fixable too, and stays as it was
        assert_eq!(read(dir.path(), "a.nix"), A);
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_fix_that_changes_the_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // `x` is not a boolean: the unsafe bool-comparison fix would turn `false` into `1`
    let src = "let x = 1; in x == true\n";
    fs::write(dir.path().join("v.nix"), src).unwrap();
    let out = nixfold(dir.path())
        .args(["check", "--unsafe-fixes", "--select", "bool-comparison"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(read(dir.path(), "v.nix"), src);
    assert!(stdout.contains("fix-failed"), "{stdout}");
    assert!(stdout.contains("false became 1"), "{stdout}");

    // with a safe fix in the same file, the safe fix is still applied
    fs::write(dir.path().join("v.nix"), "let x = 1; u = 2; in x == true\n").unwrap();
    let out = nixfold(dir.path())
        .args(["check", "--unsafe-fixes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(read(dir.path(), "v.nix"), "let x = 1; in x == true\n");
    assert!(stdout.contains("the safe fixes were applied"), "{stdout}");
    assert_eq!(out.status.code(), Some(1));
}
