//! Differential tests of `nixfold eval` against the real Nix 2.8
//! (`nix-instantiate --eval`, `nix eval --json`), plus pure-mode and CLI
//! behaviour. Each case must agree on success/failure and, on success, print
//! exactly the same text.

use std::path::Path;
use std::process::Command;

/// Output of one run: did it succeed, and its trimmed stdout (or stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("command runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn nixfold(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nixfold"));
    c.current_dir(dir).arg("eval").env("NIX_PATH", "");
    c
}

fn nix_instantiate(dir: &Path) -> Command {
    let mut c = Command::new("nix-instantiate");
    c.current_dir(dir).arg("--eval").env("NIX_PATH", "");
    c
}

/// Compare both tools on `extra` arguments; return a description of any
/// disagreement.
fn compare(dir: &Path, extra: &[&str]) -> Option<String> {
    let (ok1, out1, err1) = run(nix_instantiate(dir).args(extra));
    let (ok2, out2, err2) = run(nixfold(dir).args(extra));
    if ok1 != ok2 || (ok1 && out1 != out2) {
        Some(format!(
            "{extra:?}\n  nix      ({ok1}): {out1} {}\n  nixfold  ({ok2}): {out2} {}",
            err1.lines().next().unwrap_or(""),
            err2.lines().next().unwrap_or("")
        ))
    } else {
        None
    }
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir_all(p.join("sub")).unwrap();
    std::fs::write(
        p.join("default.nix"),
        r#"{ a ? 1, b, ... }@args: {
  sum = a + b;
  sub = import ./sub;
  str = import ./sub/str.nix;
  scoped = scopedImport { x = 40; } ./sub/scoped.nix;
  exists = [ (builtins.pathExists ./sub/str.nix) (builtins.pathExists ./nope) ];
  dir = builtins.readDir ./sub;
  file = builtins.readFile ./sub/str.nix;
  hash = builtins.hashFile "sha256" ./sub/str.nix;
  list = [ 1 2 { c = 3; } ];
  names = builtins.attrNames args;
}
"#,
    )
    .unwrap();
    std::fs::write(p.join("sub/default.nix"), "{ x = 1; f = x: x; p = ./.; }\n").unwrap();
    std::fs::write(p.join("sub/str.nix"), "\"from str\"\n").unwrap();
    std::fs::write(p.join("sub/scoped.nix"), "x + 2\n").unwrap();
    std::fs::write(
        p.join("lazy.nix"),
        "{ a = 1; b = { c = 2; }; l = [ 1 (1 + 1) ]; s = \"x\"; t = true; f = x: x; g = builtins.add; }\n",
    )
    .unwrap();
    dir
}

/// Expressions covering every syntax form and the built-ins.
const STRICT_CASES: &[&str] = &[
    // numbers and operators
    "1 + 2 * 3 - 4 / 2",
    "[ (5 / 2) (5.0 / 2) (-5 / 2) (2 * 1.5) (1 + 1.5) (3 - 0.5) (-(1)) ]",
    "9223372036854775807 + 1",
    "[ 0.1 1.0 1.0e20 1.5e-7 123456789.0 1.0e-5 100000.0 1000000.0 (1.0 / 3) ]",
    "1 / 0",
    "[ (1 < 2) (2 <= 2) (3 > 2) (2 >= 3) (1 == 1.0) (\"a\" < \"b\") ([ 1 2 ] < [ 1 3 ]) (1 != 2) ]",
    "[ (true && false) (true || false) (false -> true) (!true) ]",
    "let f = x: x; in [ (f == f) ([ f ] == [ f ]) ({ a = 1; } == { a = 1; }) ]",
    "[ 1 ] < [ \"a\" ]",
    // strings
    "\"a\\\"b\\\\c\\nd\\te\\r$x \\${x} ${toString 1}\"",
    "''\n  a\n    b\n  ''",
    "''  a ''${b} '''c ''\\n d''",
    "\"${1}\"",
    "\"abc\" + \"def\"",
    "./foo + \"bar\"",
    "[ ./foo/../bar /a/b/./c ]",
    // attribute sets and bindings
    "{ a.b.c = 1; a.b.d = 2; a.e = 3; }",
    "{ a = { b = 1; }; a.c = 2; }",
    "{ a = 1; a = 2; }",
    "{ ${\"a\" + \"b\"} = 1; ${null} = 2; \"c d\" = 3; \"if\" = 4; }",
    "let x = { a = 1; }; y = [ 1 ]; in [ x x y y [ ] [ ] { } { } ]",
    "rec { a = b; b = 1; c = { d = a; }; }",
    "let { x = 1; body = x + 1; }",
    "let a = 1; inherit ({ b = 2; }) b; in { inherit a b; }",
    "{ a = 1; } // { b = 2; a = 3; }",
    "[ ({ a = 1; }.a or 2) ({ a = 1; }.b or 2) ({ a = 1; }.a.b or 3) ({ a.b = 1; } ? a.b) ({ a = 1; } ? a.b) ]",
    "with { a = 1; b = 2; }; with { a = 3; }; [ a b ]",
    "let a = 1; in with { a = 2; }; a",
    "with { map = 1; }; map",
    // functions
    "({ a ? 1, b ? a + 1 }: a + b) { }",
    "(args@{ a, ... }: args) { a = 1; b = 2; }",
    "({ a }: a) { a = 1; b = 2; }",
    "({ a }: a) { }",
    "(x: y: x - y) 5 3",
    "let f = n: if n < 2 then n else f (n - 1) + f (n - 2); in f 20",
    "{ __functor = self: x: x + self.n; n = 1; } 2",
    "assert 1 == 2; 1",
    "let x = x; in x",
    "undefinedVariable",
    "if 1 then 2 else 3",
    "throw \"boom\"",
    "abort \"bad\"",
    // built-ins
    "builtins.attrNames { b = 1; a = 2; \"c d\" = 3; }",
    "builtins.map (x: x * 2) [ 1 2 3 ]",
    "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 100)",
    "builtins.sort (a: b: a.k < b.k) [ { k = 2; v = 1; } { k = 1; v = 2; } { k = 2; v = 3; } { k = 1; v = 4; } ]",
    "[ (builtins.partition (x: x > 2) [ 1 2 3 4 ]) (builtins.groupBy (x: if x > 2 then \"b\" else \"s\") [ 1 2 3 ]) ]",
    "builtins.listToAttrs [ { name = \"a\"; value = 1; } { name = \"a\"; value = 2; } ]",
    "[ (builtins.mapAttrs (n: v: n + toString v) { a = 1; }) (builtins.removeAttrs { a = 1; b = 2; } [ \"a\" ]) (builtins.intersectAttrs { a = 1; } { a = 2; b = 3; }) ]",
    "[ (builtins.catAttrs \"a\" [ { a = 1; } { } ]) (builtins.functionArgs ({ a, b ? 1 }: a)) (builtins.zipAttrsWith (n: v: v) [ { a = 1; } { a = 2; } ]) ]",
    "[ (builtins.substring 1 3 \"hello\") (builtins.stringLength \"hé\") (builtins.concatStringsSep \",\" [ \"a\" \"b\" ]) (builtins.replaceStrings [ \"a\" \"\" ] [ \"x\" \"-\" ] \"abc\") ]",
    "[ (builtins.split \"(a)|b\" \"xaybz\") (builtins.split \"a*\" \"baaac\") (builtins.match \"a(b+)c\" \"abbbc\") (builtins.match \"[[:alpha:]]+\" \"ab1\") ]",
    "builtins.toString [ 1 \"a\" null true false [ 2 ] 1.5 ]",
    "[ (builtins.baseNameOf \"/a/b.nix\") (builtins.dirOf \"/a/b.nix\") (builtins.compareVersions \"1.2.3\" \"1.2.10\") (builtins.splitVersion \"1.2pre3\") (builtins.parseDrvName \"nix-2.8.0\") ]",
    "map (a: builtins.hashString a \"hello\") [ \"md5\" \"sha1\" \"sha256\" \"sha512\" ]",
    "builtins.toJSON { a = [ 1 2.5 \"x\\n\" null true ]; b = { c = \"d\"; }; }",
    "builtins.fromJSON ''{\"a\": [1, 2.5, \"x\", null, true, {\"b\": -3}], \"c\": 1e3}''",
    "builtins.fromTOML \"a = 1\\nb = \\\"x\\\"\\n[c]\\nd = [1, 2]\"",
    "map builtins.typeOf [ 1 1.0 \"s\" ./x null true { } [ ] (x: x) builtins.add ]",
    "[ (builtins.tryEval (throw \"x\")) (builtins.tryEval (assert false; 1)) (builtins.tryEval 1) ]",
    "[ (builtins.bitAnd 12 10) (builtins.bitOr 12 10) (builtins.bitXor 12 10) (builtins.ceil 1.5) (builtins.floor (-1.5)) ]",
    "builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: if x.key < 5 then [ { key = x.key + 1; } ] else [ ]; }",
    "builtins.getContext \"${builtins.toFile \"f\" \"x\"}\"",
    "[ (builtins.placeholder \"out\") (builtins.toFile \"x\" \"hello\") ]",
    "derivation { name = \"x\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; args = [ \"-c\" \"true\" ]; }",
    "let d = derivation { name = \"a\"; system = \"x\"; builder = \"/bin/sh\"; outputs = [ \"out\" \"dev\" ]; }; in derivation { name = \"b\"; system = \"x\"; builder = \"/bin/sh\"; dep = d.dev; }",
    "(derivation { name = \"f\"; system = \"x\"; builder = \"/bin/sh\"; outputHashMode = \"recursive\"; outputHash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"; }).outPath",
    "builtins.toXML { a = 1; b = [ \"s<&>\" null ]; f = { x, ... }@y: x; }",
    "builtins.elemAt [ 1 ] 5",
    "builtins.head [ ]",
    "builtins.nixVersion",
    "builtins ? currentSystem",
];

#[test]
fn strict_expressions_match_nix() {
    let dir = project();
    let mut bad = Vec::new();
    for case in STRICT_CASES {
        if let Some(d) = compare(dir.path(), &["--strict", "-E", case]) {
            bad.push(d);
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn lazy_printing_matches_nix() {
    let dir = project();
    let mut bad = Vec::new();
    for case in [
        "{ a = 1; b = 1 + 1; c = { d = 1; }; e = [ 1 (2 + 3) ]; f = \"s\"; g = x: x; h = true; i = null; }",
        "let x = 1 + 1; in [ x x ]",
        "builtins.map (x: x) [ 1 2 ]",
        "rec { a = 1; b = a; }",
        "derivation { name = \"x\"; system = \"x\"; builder = \"/bin/sh\"; }",
    ] {
        if let Some(d) = compare(dir.path(), &["-E", case]) {
            bad.push(d);
        }
    }
    for args in [
        &["lazy.nix"][..],
        &["-A", "l", "lazy.nix"],
        &["-A", "b", "lazy.nix"],
    ] {
        if let Some(d) = compare(dir.path(), args) {
            bad.push(d);
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn files_attr_paths_and_arguments_match_nix() {
    let dir = project();
    let mut bad = Vec::new();
    for args in [
        &["--strict", "--arg", "b", "2", "."][..],
        &["--strict", "--argstr", "b", "2", "-A", "names", "."],
        &["--strict", "--arg", "b", "2", "-A", "sum", "."],
        &[
            "--strict", "--arg", "b", "2", "--arg", "a", "10", "-A", "sum", ".",
        ],
        &["--strict", "--arg", "b", "2", "-A", "list.2.c", "."],
        &["--strict", "--arg", "b", "2", "-A", "sub", "."],
        &["--strict", "--arg", "b", "2", "-A", "nope", "."],
        &["--strict", "-A", "sub", "."],
        &["."],
        &["--strict", "--argstr", "b", "x", "-A", "sum", "."],
        &["--strict", "-A", "sub", "sub/default.nix"],
    ] {
        if let Some(d) = compare(dir.path(), args) {
            bad.push(d);
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn json_matches_nix_eval() {
    let dir = project();
    let mut bad = Vec::new();
    for case in [
        "{ b = [ 1 2.5 0.1 1.0e20 null true \"x\\n\" ]; a = 1; c = 1.0; d = { e = \"f\"; }; }",
        "{ outPath = \"/x\"; }",
        "{ __toString = s: \"str\"; }",
        "x: x",
        "[ (builtins.fromJSON \"\\\"\\\\u0001\\\"\") ]",
    ] {
        let (ok1, out1, _) = run(Command::new("nix")
            .current_dir(dir.path())
            .env("NIX_CONFIG", "experimental-features = nix-command flakes")
            .args(["eval", "--json", "--expr", case]));
        let (ok2, out2, _) = run(nixfold(dir.path()).args(["--json", "-E", case]));
        if ok1 != ok2 || (ok1 && out1 != out2) {
            bad.push(format!(
                "{case}\n  nix: {ok1} {out1}\n  nixfold: {ok2} {out2}"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn pure_mode_matches_nix_pure_eval() {
    let dir = project();
    let mut bad = Vec::new();
    for case in [
        "builtins.getEnv \"HOME\"",
        "builtins ? currentSystem",
        "builtins ? currentTime",
        "builtins.nixPath",
        "<nixpkgs>",
        "builtins.storePath \"/nix/store/00000000000000000000000000000000-x\"",
        "builtins.fetchTarball \"https://example.com/x.tar.gz\"",
        "builtins.fetchurl \"https://example.com/x\"",
        "builtins.readFile /etc/passwd",
        "builtins.pathExists /etc/passwd",
        "import /etc/passwd",
    ] {
        let (ok1, out1, _) = run(nix_instantiate(dir.path()).args([
            "--strict",
            "--option",
            "pure-eval",
            "true",
            "-E",
            case,
        ]));
        let (ok2, out2, _) = run(nixfold(dir.path()).args(["--strict", "--pure-eval", "-E", case]));
        if ok1 != ok2 || (ok1 && out1 != out2) {
            bad.push(format!(
                "{case}\n  nix: {ok1} {out1}\n  nixfold: {ok2} {out2}"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn pure_mode_allows_the_root_and_refuses_the_rest() {
    let dir = project();
    // Files under the root are fine.
    let (ok, out, err) = run(nixfold(dir.path()).args([
        "--strict",
        "--pure-eval",
        "--arg",
        "b",
        "1",
        "-A",
        "str",
        ".",
    ]));
    assert!(ok, "{err}");
    assert_eq!(out, "\"from str\"");
    // A path outside the root is refused when read, imported or copied.
    for case in [
        "builtins.readFile /etc/hostname",
        "import /etc/hostname",
        "\"${/etc}\"",
        "builtins.readDir /etc",
        "builtins.hashFile \"sha256\" /etc/hostname",
    ] {
        let (ok, _, err) = run(nixfold(dir.path()).args(["--pure-eval", "-E", case]));
        assert!(!ok, "{case} should fail in pure mode");
        assert!(err.contains("forbidden in pure eval mode"), "{case}: {err}");
    }
    // Pure mode has no environment, not even --env overrides.
    let (ok, out, _) = run(nixfold(dir.path()).args([
        "--pure-eval",
        "--env",
        "X=1",
        "-E",
        "builtins.getEnv \"X\"",
    ]));
    assert!(ok);
    assert_eq!(out, "\"\"");
}

#[test]
fn impure_get_env_and_overrides() {
    let dir = project();
    let (ok, out, _) = run(nixfold(dir.path())
        .env("NIXFOLD_TEST_VAR", "from-env")
        .args(["-E", "builtins.getEnv \"NIXFOLD_TEST_VAR\""]));
    assert!(ok);
    assert_eq!(out, "\"from-env\"");
    let (ok, out, _) = run(nixfold(dir.path())
        .env("NIXFOLD_TEST_VAR", "from-env")
        .args([
            "--env",
            "NIXFOLD_TEST_VAR=override",
            "-E",
            "builtins.getEnv \"NIXFOLD_TEST_VAR\"",
        ]));
    assert!(ok);
    assert_eq!(out, "\"override\"");
}

#[test]
fn errors_exit_1_with_location_and_excerpt() {
    let dir = project();
    std::fs::write(dir.path().join("bad.nix"), "{\n  a = 1 + \"x\";\n}.a\n").unwrap();
    let out = nixfold(dir.path()).arg("bad.nix").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: cannot add a string to an integer"),
        "{err}"
    );
    assert!(err.contains("bad.nix:2:7"), "{err}");
    assert!(err.contains("2|   a = 1 + \"x\";"), "{err}");
    let out = nixfold(dir.path())
        .args(["-E", "{ a = ; }"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax error"));
}

#[test]
fn unknowns_print_with_provenance() {
    let dir = project();
    let (ok, out, _) = run(nixfold(dir.path()).args([
        "--strict",
        "--unknown",
        "pkgs",
        "-E",
        "with pkgs; [ kubectl (pkgs.stdenv.mkDerivation { }) ]",
    ]));
    assert!(ok);
    assert_eq!(
        out,
        "[ «unknown pkgs.kubectl» «unknown pkgs.stdenv.mkDerivation(...)» ]"
    );
    let (ok, out, _) = run(nixfold(dir.path()).args([
        "--unknown-env",
        "-E",
        "builtins.getEnv \"NIXOS_PACKAGES\"",
    ]));
    assert!(ok);
    assert_eq!(out, "«unknown env:NIXOS_PACKAGES»");
}

#[test]
fn budgets_are_clean_errors() {
    let dir = project();
    let out = nixfold(dir.path())
        .args(["--max-steps", "10000", "-E", "let f = x: f x; in f 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("step budget"));
    let out = nixfold(dir.path())
        .args([
            "--max-memory",
            "1M",
            "-E",
            "builtins.length (builtins.genList (x: x) 1000000)",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("memory budget"));
}
