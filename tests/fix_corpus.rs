//! Fix corpus: every rule, with unsafe fixes, over every `.nix` file of the
//! repository's tests/ and examples/, checked against real Nix:
//! - the fix loop converges and its output parses with nixfold;
//! - a file that `nix-instantiate --parse` accepts is still accepted after fixing;
//! - a file that `nix-instantiate --eval --strict` evaluates (a closed
//!   expression) evaluates to the same value after fixing.
//!
//! Nix reads the text from stdin with the file's directory as working
//! directory, so relative paths and imports resolve as for the file itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nixfold::config::Config;
use nixfold::rewrite::fix::{FixOptions, NoOracle, fix_text};

fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            nix_files(&p, out);
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "nix") {
            out.push(p);
        }
    }
}

/// Run `nix-instantiate ARGS -` on `text` in `dir`; `Some(stdout)` on success.
fn nix(dir: &Path, args: &[&str], text: &str) -> Option<String> {
    let mut child = Command::new("timeout")
        .arg("30")
        .arg("nix-instantiate")
        .args(args)
        .args(["--readonly-mode", "-"])
        .current_dir(dir)
        .env("NIX_PATH", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("nix-instantiate (and coreutils `timeout`) must be installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Nix's XML value dump without source positions and with functions opaque
/// (as Nix's own printer shows them: `<LAMBDA>`). Unlike the default output,
/// XML prints shared values in full instead of `«repeated»`.
fn normalize_xml(xml: &str) -> String {
    fn strip_attr(line: &str, attr: &str) -> String {
        let pat = format!(" {attr}=\"");
        let mut s = line.to_string();
        while let Some(i) = s.find(&pat) {
            let rest = &s[i + pat.len()..];
            let Some(j) = rest.find('"') else { break };
            s.replace_range(i..i + pat.len() + j + 1, "");
        }
        s
    }
    let mut out = String::new();
    let mut in_function = 0usize;
    for line in xml.lines() {
        let t = line.trim();
        let opens = t.starts_with("<function") && !t.ends_with("/>");
        if in_function > 0 {
            if opens {
                in_function += 1;
            } else if t == "</function>" {
                in_function -= 1;
            }
            continue;
        }
        if t.starts_with("<function") {
            out.push_str("<function/>\n");
            if opens {
                in_function = 1;
            }
            continue;
        }
        let mut l = t.to_string();
        for a in ["column", "line", "path"] {
            l = strip_attr(&l, a);
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[test]
fn fixes_keep_files_parsing_and_values_equal() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    nix_files(&root.join("tests"), &mut files);
    nix_files(&root.join("examples"), &mut files);
    files.sort();
    assert!(!files.is_empty());
    let all: Vec<&str> = nixfold::lints::rules::all()
        .iter()
        .map(|r| r.meta().name)
        .collect();
    let config = Config::only(&all);
    let opts = FixOptions {
        unsafe_fixes: true,
        ..FixOptions::default()
    };
    let (mut changed, mut compared) = (0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let r = fix_text(path.clone(), &text, &config, &opts, &NoOracle);
        if let Some(refusal) = &r.refusal {
            failures.push(format!("{rel}: fixes refused: {refusal:?}"));
            continue;
        }
        if r.fixed == text {
            continue;
        }
        changed += 1;
        if !nixfold::syntax::parse(&r.fixed).errors.is_empty() {
            failures.push(format!("{rel}: fixed text has syntax errors"));
            continue;
        }
        let dir = path.parent().unwrap();
        if nix(dir, &["--parse"], &text).is_some() && nix(dir, &["--parse"], &r.fixed).is_none() {
            failures.push(format!(
                "{rel}: Nix no longer parses the fixed file:\n{}",
                r.fixed
            ));
            continue;
        }
        let eval =
            |t: &str| nix(dir, &["--eval", "--strict", "--xml"], t).map(|x| normalize_xml(&x));
        if let Some(before) = eval(&text) {
            compared += 1;
            match eval(&r.fixed) {
                Some(after) if after == before => {}
                Some(after) => failures.push(format!(
                    "{rel}: value changed by fixes {:?}:\nbefore: {before}after:  {after}fixed text:\n{}",
                    r.applied, r.fixed
                )),
                None => failures.push(format!(
                    "{rel}: fixed file no longer evaluates ({:?}):\n{}",
                    r.applied, r.fixed
                )),
            }
        }
    }
    eprintln!(
        "fix corpus: {} files, {changed} changed by fixes, {compared} compared by value",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // the corpus must exercise the fixes, and some files must evaluate
    assert!(changed >= 10, "only {changed} files changed");
    assert!(compared >= 5, "only {compared} files compared by value");
}
