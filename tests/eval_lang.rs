//! Differential tests (against `nix-instantiate` 2.8) for the failure
//! classes Nix's own language tests found (issue 13) that the expression
//! corpus (tests/eval_corpus) cannot express: error texts code matches on
//! (`builtins.fromJSON`), `nixfold eval` flags (`-I`, `NIX_PATH`, `--xml`,
//! `--parse-only`) and input with old Mac line ends. The value classes
//! (laziness, `__overrides`, store paths and context, positions) are in
//! tests/eval_corpus/16-lang-classes.txt.

#[path = "gen/mod.rs"]
mod nixgen;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use nixgen::oracle;

/// The first line of `stderr` that says `error:`.
fn error_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Run a command; (success, stdout, stderr).
fn run(cmd: Command) -> (bool, String, String) {
    oracle::run(cmd, Duration::from_secs(60)).expect("timed out")
}

fn nix(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut c = Command::new("nix-instantiate");
    c.current_dir(cwd).env_remove("NIX_PATH");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args);
    run(c)
}

fn nixfold(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut c = Command::new(oracle::nixfold_bin());
    c.current_dir(cwd).env_remove("NIX_PATH").arg("eval");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args);
    run(c)
}

#[test]
fn from_json_errors_read_as_nix_s() {
    oracle::require_nix();
    let texts = [
        "{x",
        "",
        " ",
        "[1,]",
        "{\"a\":1,}",
        "\"abc",
        "1 2",
        "nul",
        "tru",
        "falsey",
        "[1",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{\"a\":}",
        "\"\\u12\"",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\ud800x\"",
        "\"\\udc00\"",
        "01",
        "-01",
        "1.",
        "-",
        "[-]",
        "1e",
        "1e+",
        "123abc",
        "1e400",
        "-1e400",
        "[1,2]]",
        "{\"a\":1}x",
        "[1,\n2,\n x]",
        "[1\n",
        "\"a\nb\"",
        "\"a\tb\"",
        "\"\r\"",
    ];
    let cwd = std::env::temp_dir();
    let mut problems = Vec::new();
    for t in texts {
        let expr = format!("builtins.fromJSON {}", nix_string(t));
        let (ok_n, _, err_n) = nix(&cwd, &[], &["--eval", "--strict", "-E", &expr]);
        let (ok_f, _, err_f) = nixfold(&cwd, &[], &["--strict", "-E", &expr]);
        assert!(!ok_n, "Nix accepts {t:?}; the test expects an error");
        let (a, b) = (error_line(&err_n), error_line(&err_f));
        if ok_f || a != b {
            problems.push(format!("{t:?}\n    nix:     {a}\n    nixfold: {b}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `s` as a Nix string literal.
fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn from_json_values_agree_with_nix() {
    oracle::require_nix();
    let texts = [
        "18446744073709551615",
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999",
        "{\"a\":1,\"a\":2}",
        "-0",
        "1E2",
        "1.5e-400",
        "-1.5E-3",
        "\"\\u0041\\n\\/\\b\\f\\r\\t\\\\\"",
        "\"a\\u0000b\"",
        "\"\\u00e9\\ud83d\\ude00\"",
        "  {  \"a\"  :  [ ]  }  ",
        "[true,false,null,0.0e0]",
    ];
    let cwd = std::env::temp_dir();
    for t in texts {
        let expr = format!("builtins.fromJSON {}", nix_string(t));
        let n = nix(&cwd, &[], &["--eval", "--strict", "-E", &expr]);
        let f = nixfold(&cwd, &[], &["--strict", "-E", &expr]);
        assert!(n.0, "Nix rejects {t:?}: {}", n.2);
        assert_eq!((f.0, &f.1), (true, &n.1), "{t:?}: {}", f.2);
    }
}

/// A tree like Nix's tests/lang: `dir1`…`dir4` with `a.nix`, `b.nix`,
/// `c.nix` saying where they are.
fn search_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for (d, files) in [
        ("dir1", &["a.nix"][..]),
        ("dir2", &["a.nix", "b.nix"]),
        ("dir3", &["a.nix", "b.nix", "c.nix"]),
        ("dir4", &["a.nix", "c.nix"]),
    ] {
        std::fs::create_dir_all(t.path().join(d)).unwrap();
        for f in files {
            std::fs::write(t.path().join(d).join(f), format!("\"{d}/{f}\"")).unwrap();
        }
    }
    t
}

#[test]
fn search_path_flags_agree_with_nix() {
    oracle::require_nix();
    let t = search_tree();
    let cwd = t.path();
    let abs3 = cwd.join("dir3").to_string_lossy().into_owned();
    let np = format!("dir3:{abs3}/../dir4");
    let cases: Vec<(Vec<&str>, &str, Option<&str>)> = vec![
        (vec!["-I", "dir1"], "import <a.nix>", None),
        (vec!["-I", "dir1", "-I", "dir2"], "import <b.nix>", None),
        (vec!["-I", "dir2", "-I", "dir1"], "import <a.nix>", None),
        (vec!["-I", "x=dir3"], "import <x/c.nix>", None),
        (vec!["-I", "x=dir3"], "import <x/a.nix>", Some(&np)),
        (vec!["-I", &abs3], "import <c.nix>", None),
        (vec![], "import <c.nix>", Some(&np)),
        (vec![], "import <a.nix>", Some(&np)),
        (vec!["-I", "dir1"], "import <a.nix>", Some(&np)),
        (vec!["-I", "dir1"], "import <c.nix>", Some(&np)),
        (
            vec!["-I", "dir1"],
            "builtins.length builtins.nixPath",
            Some(&np),
        ),
        (
            vec!["-I", "y=dir4"],
            "map (e: e.prefix) builtins.nixPath",
            Some(&np),
        ),
        (vec![], "(builtins.tryEval <nope.nix>).success", Some(&np)),
        (vec!["-I", "dir1"], "import <nope.nix>", None),
        (
            vec![],
            "builtins.isFunction (import <nix/fetchurl.nix>)",
            None,
        ),
    ];
    let mut problems = Vec::new();
    for (flags, expr, np) in &cases {
        let env: Vec<(&str, &str)> = np.iter().map(|p| ("NIX_PATH", *p)).collect();
        let mut na = vec!["--eval", "--strict"];
        na.extend(flags.iter().copied());
        na.extend(["-E", expr]);
        let mut fa = vec!["--strict"];
        fa.extend(flags.iter().copied());
        fa.extend(["-E", expr]);
        let n = nix(cwd, &env, &na);
        let f = nixfold(cwd, &env, &fa);
        let same = n.0 == f.0 && (!n.0 || n.1 == f.1);
        if !same {
            problems.push(format!(
                "{flags:?} NIX_PATH={np:?} {expr}\n    nix:     {} {}{}\n    nixfold: {} {}{}",
                n.0,
                n.1.trim(),
                error_line(&n.2),
                f.0,
                f.1.trim(),
                error_line(&f.2)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn xml_output_agrees_with_nix() {
    oracle::require_nix();
    let exprs = [
        "1",
        "{ a = 1; b = [ true null \"s<&>\\\"'\" 1.5 ]; c = ./x; }",
        "{ f = x: x; g = { a, b ? 1, ... }@args: a; h = { }: 1; }",
        "[ (derivation { name = \"d\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; }) ]",
        "let d = derivation { name = \"d\"; builder = \"/bin/sh\"; system = \"x86_64-linux\"; }; in [ d d ]",
        "\"\"",
    ];
    let cwd = std::env::temp_dir();
    for e in exprs {
        let n = nix(
            &cwd,
            &[],
            &["--eval", "--xml", "--no-location", "--strict", "-E", e],
        );
        let f = nixfold(&cwd, &[], &["--xml", "--strict", "-E", e]);
        assert!(n.0, "Nix rejects {e}: {}", n.2);
        assert_eq!((f.0, &f.1), (true, &n.1), "{e}: {}", f.2);
    }
}

#[test]
fn parse_only_agrees_with_nix() {
    oracle::require_nix();
    let t = tempfile::tempdir().unwrap();
    let texts: &[&str] = &[
        "1 + 1",
        "x",
        "let x = 1; in y",
        "{ a = 1; a = 2; }",
        "{ a.b = 1; a = { c = 2; }; }",
        "{ a = { c = 2; }; a.b = 1; }",
        "{ x, x }: x",
        "rec {\n  # a comment ending in a lone CR\r  y = 1;\n}",
        "# comment\ry",
        "\"multi\rline\r\nstring\"",
        "1 +",
        "with {}; y",
    ];
    let mut problems = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let f = t.path().join(format!("t{i}.nix"));
        std::fs::write(&f, text).unwrap();
        let p = f.to_string_lossy().into_owned();
        let n = nix(t.path(), &[], &["--parse", &p]);
        let fo = nixfold(t.path(), &[], &["--parse-only", &p]);
        if n.0 != fo.0 {
            problems.push(format!(
                "{text:?}: nix {} ({}), nixfold {} ({})",
                n.0,
                error_line(&n.2),
                fo.0,
                error_line(&fo.2)
            ));
        }
        // Where it parses, the value is Nix's too (line ends included).
        if n.0 && !text.contains('y') && !text.contains('x') {
            let nv = nix(t.path(), &[], &["--eval", "--strict", &p]);
            let fv = nixfold(t.path(), &[], &["--strict", &p]);
            assert_eq!((nv.0, &nv.1), (fv.0, &fv.1), "{text:?}");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn lone_cr_comment_evaluates_as_in_nix() {
    oracle::require_nix();
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("cr.nix");
    std::fs::write(&f, "rec {\n  x = # note\r  y;\r  y = \"a\rb\";\n}.x").unwrap();
    let p = f.to_string_lossy().into_owned();
    let n = nix(t.path(), &[], &["--eval", "--strict", &p]);
    let fo = nixfold(t.path(), &[], &["--strict", &p]);
    assert!(n.0, "{}", n.2);
    assert_eq!((fo.0, &fo.1), (true, &n.1), "{}", fo.2);
}
